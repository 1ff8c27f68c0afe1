"""Retention: personal data of sessions older than WORKSHOP_RETENTION_DAYS is purged.

What goes (docs/privacy.md): participants' display names and their join tokens (the stored hash
is replaced, so nobody can act as them again); the texts of deleted cards (in the cards table and
in every stored event); participants' names in the event log. What stays: the session's results (visible cards, totals,
captures into the measure record, the protocol), linked to anonymous participant numbers only.

Runs from `workshop purge` (cron) and inside `workshop serve` every PURGE_INTERVAL seconds.
Idempotent: running it twice changes nothing the second time.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from workshop.activities.models import Card
from workshop.db import utcnow
from workshop.live.models import Event
from workshop.protocols import render_cache
from workshop.sessions.models import Participant, WorkshopSession

log = logging.getLogger("workshop.privacy")

PURGE_INTERVAL = 6 * 3600
PURGED_PREFIX = "purged:"  # a token_hash that starts so matches no token (hashes are hex)


def _scrub(node, card_ids: set[int]):
    """A copy of an event's JSON without the texts of the given cards and without names."""
    if isinstance(node, list):
        return [_scrub(item, card_ids) for item in node]
    if not isinstance(node, dict):
        return node
    ident = node.get("id", node.get("card_id"))
    out: dict[str, object] = {}
    for key, value in node.items():
        if key == "text" and isinstance(ident, int) and ident in card_ids:
            out[key] = ""
        elif key in ("name", "display_name", "author", "author_name") and isinstance(value, str):
            out[key] = None
        elif key == "token":
            continue
        else:
            out[key] = _scrub(value, card_ids)
    return out


def purge(db: Session, days: int, now: datetime | None = None) -> dict:
    """Purge personal data of sessions that ended (or, never ended, were created) more than
    `days` days ago. Returns what was done, for the log and the CLI."""
    cutoff = (now or utcnow()) - timedelta(days=days)
    old = select(WorkshopSession.id).where(func.coalesce(WorkshopSession.ended_at, WorkshopSession.created_at) < cutoff)
    session_ids = list(db.scalars(old))
    done = {"sessions": 0, "participants": 0, "deleted_cards": 0, "events": 0}
    if not session_ids:
        return done
    participants = db.scalars(
        select(Participant).where(
            Participant.session_id.in_(session_ids),
            or_(Participant.display_name.is_not(None), ~Participant.token_hash.startswith(PURGED_PREFIX)),
        )
    ).all()
    for participant in participants:
        participant.display_name = None
        participant.token_hash = PURGED_PREFIX + secrets.token_hex(24)
    deleted = db.scalars(select(Card).where(Card.session_id.in_(session_ids), Card.deleted_at.is_not(None))).all()
    deleted_ids = {card.id for card in deleted}
    for card in deleted:
        if card.text:
            card.text = ""
            done["deleted_cards"] += 1
    for event in db.scalars(select(Event).where(Event.session_id.in_(session_ids))):
        fields = {name: _scrub(getattr(event, name), deleted_ids) for name in ("payload", "public_payload", "result")}
        changed = {name: value for name, value in fields.items() if value != getattr(event, name)}
        for name, value in changed.items():
            setattr(event, name, value)
        done["events"] += bool(changed)
    done["sessions"] = len(session_ids)
    render_cache.forget_sessions(session_ids)  # rendered final versions hold names too
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
