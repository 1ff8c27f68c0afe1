"""Retention: personal data of sessions older than WORKSHOP_RETENTION_DAYS is purged.

What goes (docs/privacy.md): participants' display names and their join tokens (the stored hash
is replaced, so nobody can act as them again); the texts of deleted cards (in the cards table and
in every stored event); texts from before an edit (of cards and action items) in the event log;
participants' names in the event log and in final protocol versions. What stays: the session's
results (visible cards, totals, captures into the measure record, the protocol), linked to
anonymous participant numbers only.

Runs from `workshop purge` (cron) and inside `workshop serve` every PURGE_INTERVAL seconds.
Idempotent: running it twice changes nothing the second time.
"""

from __future__ import annotations

import logging
import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from workshop.activities.models import ActionItem, Card
from workshop.db import utcnow
from workshop.live.models import Event
from workshop.protocols.models import ProtocolVersion
from workshop.sessions.models import Participant, WorkshopSession

log = logging.getLogger("workshop.privacy")

PURGE_INTERVAL = 6 * 3600
PURGED_PREFIX = "purged:"  # a token_hash that starts so matches no token (hashes are hex)


def _scrub(node, card_texts: dict[int, str], item_texts: dict[int, tuple[str, str]] | None = None):
    """A copy of an event's JSON without names, and with each card's (and action item's) text as
    it is now: "" for a deleted one, never the text from before an edit."""
    if isinstance(node, list):
        return [_scrub(item, card_texts, item_texts) for item in node]
    if not isinstance(node, dict):
        return node
    ident = node.get("id", node.get("card_id"))
    out: dict[str, object] = {}
    for key, value in node.items():
        if key == "text" and isinstance(ident, int) and ident in card_texts:
            out[key] = card_texts[ident]
        elif key == "item" and isinstance(value, dict) and item_texts and value.get("id") in item_texts:
            who, what = item_texts[value["id"]]
            out[key] = {**value, "who": who, "what": what}
        elif key in ("name", "display_name", "author", "author_name") and isinstance(value, str):
            out[key] = None
        elif key == "token":
            continue
        else:
            out[key] = _scrub(value, card_texts, item_texts)
    return out


_NAMED_COUNT = re.compile(r"^(\d+)\s*\(.*\)$", re.DOTALL)


def unnamed_protocol(document: dict, names: set[str]) -> dict:
    """A final protocol version (ProtocolVersion.document) without the participants' names
    Workshop put there: the attendance count without "(namentlich: …)", and a card's author among
    its notes. (Staff attendees typed in by the facilitator are the body's file, not a participant.)"""
    out = dict(document)
    count = _NAMED_COUNT.match(str(out.get("participants", "")))
    if count:
        out["participants"] = count.group(1)
    out["agenda"] = [
        {
            **item,
            "cards": [
                {**card, "notes": [n for n in card.get("notes", []) if n not in names]}
                for card in item.get("cards", [])
            ],
        }
        for item in out.get("agenda", [])
    ]
    return out


def purge(db: Session, days: int, now: datetime | None = None) -> dict:
    """Purge personal data of sessions that ended (or, never ended, were created) more than
    `days` days ago. Returns what was done, for the log and the CLI."""
    cutoff = (now or utcnow()) - timedelta(days=days)
    old = select(WorkshopSession.id).where(func.coalesce(WorkshopSession.ended_at, WorkshopSession.created_at) < cutoff)
    session_ids = list(db.scalars(old))
    done = {"sessions": 0, "participants": 0, "deleted_cards": 0, "events": 0, "protocol_versions": 0}
    if not session_ids:
        return done
    participants = db.scalars(
        select(Participant).where(
            Participant.session_id.in_(session_ids),
            or_(Participant.display_name.is_not(None), ~Participant.token_hash.startswith(PURGED_PREFIX)),
        )
    ).all()
    names: dict[int, set[str]] = {}
    for participant in participants:
        if participant.display_name:
            names.setdefault(participant.session_id, set()).add(participant.display_name)
        participant.display_name = None
        participant.token_hash = PURGED_PREFIX + secrets.token_hex(24)
    cards = db.scalars(select(Card).where(Card.session_id.in_(session_ids))).all()
    for card in cards:
        if card.deleted_at is not None and card.text:
            card.text = ""
            done["deleted_cards"] += 1
    card_texts = {card.id: card.text for card in cards}
    item_texts = {
        item.id: ("", "") if item.deleted_at is not None else (item.who, item.what)
        for item in db.scalars(select(ActionItem).where(ActionItem.session_id.in_(session_ids)))
    }
    for event in db.scalars(select(Event).where(Event.session_id.in_(session_ids))):
        fields = {
            name: _scrub(getattr(event, name), card_texts, item_texts)
            for name in ("payload", "public_payload", "result")
        }
        changed = {name: value for name, value in fields.items() if value != getattr(event, name)}
        for name, value in changed.items():
            setattr(event, name, value)
        done["events"] += bool(changed)
    for version in db.scalars(select(ProtocolVersion).where(ProtocolVersion.session_id.in_(session_ids))):
        document = unnamed_protocol(version.document, names.get(version.session_id, set()))
        if document != version.document:
            version.document = document
            done["protocol_versions"] += 1
    done["sessions"] = len(session_ids)
    done["participants"] = len(participants)
    db.commit()
    return done


def run_periodically(app) -> None:
    """The server's own purge loop (a background task of `workshop serve`)."""
    from workshop.extensions import socketio

    days = app.config["RETENTION_DAYS"]
    if not days:
        return
    while True:
        try:
            with app.extensions["workshop.db"].session_factory() as db:
                done = purge(db, days)
            if any(done.values()):
                log.info("retention (%s days): %s", days, done)
        except Exception:  # noqa: BLE001 - a database away now is tried again next time
            log.warning("retention purge failed; trying again in %s s", PURGE_INTERVAL, exc_info=True)
        socketio.sleep(PURGE_INTERVAL)
