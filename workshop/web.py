"""Small helpers the HTTP views share."""

from __future__ import annotations

from flask import abort, current_app
from flask_login import current_user
from sqlalchemy.orm import Session, sessionmaker

from workshop.validation import whole_number


def db() -> Session:
    """The request's database session (removed at teardown)."""
    return current_app.extensions["workshop.db"]()


def db_factory() -> sessionmaker:
    """A factory for short, explicit transactions (the live engine's)."""
    return current_app.extensions["workshop.db"].session_factory


def get_or_404(model, ident):
    number = ident if isinstance(ident, int) and not isinstance(ident, bool) else whole_number(ident)
    if number is None or not 0 < number < 2**63:  # the database's integers; beyond them nothing can exist
        abort(404)
    ident = number
    obj = db().get(model, ident)
    if obj is None:
        abort(404)
    return obj


def session_or_404(session_id, action: str = "session.view"):
    """A session the logged-in person may do `action` to (workshop.access.policy); anyone else
    gets 404 (no existence leak)."""
    from workshop.access import policy
    from workshop.sessions.models import WorkshopSession

    ws = get_or_404(WorkshopSession, session_id)
    if not policy.may(db(), current_user.get_id() and current_user.id, action, ws):
        abort(404)
    return ws


def measure_or_404(measure_id, action: str = "measure.read"):
    """A measure the logged-in person may do `action` to; 404 for everyone else, except a team
    member without that right (403: they know the measure exists)."""
    from workshop.access import policy
    from workshop.measures.models import Measure

    measure = get_or_404(Measure, measure_id)
    user_id = current_user.get_id() and current_user.id
    if not policy.may(db(), user_id, action, measure):
        abort(403 if policy.measure_role(db(), user_id, measure.id) else 404)
    return measure


def join_url(code: str) -> str:
    """The link a phone opens to join (and the QR code holds)."""
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/j/{code}"
