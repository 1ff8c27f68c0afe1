"""Telling others that a record field changed, once the change is committed.

Why: an open co-drafting editor must show a live capture at once, but only what is stored
(persist before broadcast). record.set_field() notes each change on the database session;
after that session commits, every subscriber is called with (measure_id, field_key, source_kind).
A rolled-back change is never announced. Subscribers live outside measures/ (drafting/
subscribes at app start), so measures/ imports none of them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger("workshop.measures")

Subscriber = Callable[[int, str, str], None]
_subscribers: list[Subscriber] = []
_PENDING = "workshop.record_changes"


def subscribe(subscriber: Subscriber) -> None:
    if subscriber not in _subscribers:
        _subscribers.append(subscriber)


def note_change(db: Session, measure_id: int, field_key: str, source_kind: str) -> None:
    """Called by the record operations inside the transaction that writes the field."""
    db.info.setdefault(_PENDING, []).append((measure_id, field_key, source_kind))


@event.listens_for(Session, "after_commit")
def _announce(db: Session) -> None:
    pending = db.info.pop(_PENDING, [])
    for change in pending:
        for subscriber in list(_subscribers):
            try:
                subscriber(*change)
            except Exception:  # a subscriber's fault must not undo or hide a stored change
                log.exception("record change subscriber failed for %r", change)


@event.listens_for(Session, "after_rollback")
def _forget(db: Session) -> None:
    db.info.pop(_PENDING, None)
