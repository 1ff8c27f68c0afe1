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
from workshop.protocols import render_cache
from workshop.protocols.models import ProtocolDraft, ProtocolVersion
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


_NAMED_COUNT = re.compile(r"^(\d+)\s*\(([^:]*):\s*(.*)\)$", re.DOTALL)  # "3 (namentlich: Alex, Kim)"


def unnamed_protocol(document: dict, names: set[str], *, everyone: bool = False) -> dict:
    """A final protocol version (ProtocolVersion.document) without these participants' names
    where Workshop put them: the attendance line ("3 (namentlich: …)"; everyone: the count only)
    and a card's author among its notes. (Staff attendees the facilitator typed in are the
    body's file, not a participant's.)"""
    out = dict(document)
    header = _NAMED_COUNT.match(str(out.get("participants", "")))
    if header:
        count, label, listed = header.groups()
        left = [] if everyone else [n for n in listed.split(", ") if n not in names]
        out["participants"] = f"{count} ({label}: {', '.join(left)})" if left else count
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
        # (a merged card lives on as a variant of the card it joined)
        if card.deleted_at is not None and card.merged_into_id is None and card.text:
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
        document = unnamed_protocol(version.document, names.get(version.session_id, set()), everyone=True)
        if document != version.document:
            version.document = document
            done["protocol_versions"] += 1
    done["sessions"] = len(session_ids)
    render_cache.forget_sessions(session_ids)  # rendered final versions hold names too
    done["participants"] = len(participants)
    db.commit()
    return done


def _taken_back(node, text: str, marker: str):
    """A copy of stored JSON with every string that is a card's text (or "<column>: text", as a
    capture writes it) replaced by marker."""
    if isinstance(node, list):
        return [_taken_back(item, text, marker) for item in node]
    if isinstance(node, dict):
        return {key: _taken_back(value, text, marker) for key, value in node.items()}
    if isinstance(node, str) and text and (node == text or node.endswith(f": {text}")):
        return marker
    return node


def _without_author(node, card_id: int, author_cards: set[int]):
    """A copy of an event's JSON without the card's text and without the author's name on
    their cards."""
    if isinstance(node, list):
        return [_without_author(item, card_id, author_cards) for item in node]
    if not isinstance(node, dict):
        return node
    ident = node.get("id", node.get("card_id"))
    out: dict[str, object] = {}
    for key, value in node.items():
        if key == "text" and ident == card_id:
            out[key] = ""
        elif key == "author" and ident in author_cards:
            out[key] = None
        else:
            out[key] = _without_author(value, card_id, author_cards)
    return out


def redact_card(db: Session, card: Card, marker: str) -> None:
    """The session's side of redacting a card its author deleted (the record's side is
    measures/record.redact_card): its text leaves the cards table, the event log, the protocol
    (edits and final versions; marker stands where it was) and the co-drafting links, and its
    author's name leaves the session — protocol and replay show them as anonymous."""
    from workshop.drafting.models import DraftCardLink  # drafting knows the record, not the reverse

    text, card.text = card.text, ""
    participant = db.get(Participant, card.participant_id) if card.participant_id is not None else None
    name = participant.display_name if participant is not None else None
    author_cards: set[int] = set()
    if participant is not None:
        participant.display_name = None
        author_cards = set(
            db.scalars(select(Card.id).where(Card.session_id == card.session_id, Card.participant_id == participant.id))
        )
    for event in db.scalars(select(Event).where(Event.session_id == card.session_id)):
        for field in ("payload", "public_payload", "result"):
            value = getattr(event, field)
            if value is None:
                continue
            new = _taken_back(_without_author(value, card.id, author_cards), text, marker)
            if participant is not None and event.type == "participant.joined":
                if (event.result or {}).get("participant_id") == participant.id and "name" in new:
                    new = {**new, "name": None}
            if new != value:
                setattr(event, field, new)
    for version in db.scalars(select(ProtocolVersion).where(ProtocolVersion.session_id == card.session_id)):
        document = _taken_back(unnamed_protocol(version.document, {name} if name else set()), text, marker)
        if document != version.document:
            version.document = document
    for draft in db.scalars(select(ProtocolDraft).where(ProtocolDraft.session_id == card.session_id)):
        edits = _taken_back(draft.edits or {}, text, marker)
        if edits != draft.edits:
            draft.edits = edits
    for link in db.scalars(select(DraftCardLink).where(DraftCardLink.card_id == card.id)):
        db.delete(link)
    db.flush()


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
