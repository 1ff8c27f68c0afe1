"""Small helpers the HTTP views share."""
from __future__ import annotations

from flask import abort, current_app
from flask_login import current_user
from sqlalchemy.orm import Session, sessionmaker


def db() -> Session:
    """The request's database session (removed at teardown)."""
    return current_app.extensions["workshop.db"]()


def db_factory() -> sessionmaker:
    """A factory for short, explicit transactions (the live engine's)."""
    return current_app.extensions["workshop.db"].session_factory


def get_or_404(model, ident):
    try:
        ident = int(ident)
    except (TypeError, ValueError):
        abort(404)
    if not 0 < ident < 2**63:  # the database's integers; beyond them nothing can exist
        abort(404)
    obj = db().get(model, ident)
    if obj is None:
        abort(404)
    return obj


def owned_session_or_404(session_id):
    """A session of the logged-in facilitator; anyone else gets 404 (no existence leak)."""
    from workshop.sessions.models import WorkshopSession

    ws = get_or_404(WorkshopSession, session_id)
    if ws.facilitator_id != current_user.id:
        abort(404)
    return ws
