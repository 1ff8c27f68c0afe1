"""Whether a measure's team opted in to its public page (register/public_views.py shows it), and
its path: what a phone is sent to at the end of a session (live/session_ops.py, live/snapshot.py),
so the engine needs nothing of the register's pages."""

from __future__ import annotations

from sqlalchemy.orm import Session

from workshop.measures.models import PublicMeasure


def is_public(db: Session, measure_id: int) -> bool:
    return db.get(PublicMeasure, measure_id) is not None


def public_path(db: Session, measure_id: int) -> str | None:
    """The page's path for a phone at the end of a session, or None while the measure is not public."""
    return f"/oeffentlich/{measure_id}" if is_public(db, measure_id) else None
