"""The record editor: every text-like field of the record as a shared, live textarea."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import gettext
from flask_login import login_required
from sqlalchemy import select

from workshop.activities.models import Card
from workshop.drafting.hub import DRAFTED_TYPES, FIELD_TEXT_MAX
from workshop.drafting.record_sync import room_may_see
from workshop.measures.models import Measure
from workshop.measures.record import current_values, template_of
from workshop.measures.status import LABELS, is_locked
from workshop.sessions.models import WorkshopSession
from workshop.web import db, measure_or_404

bp = Blueprint("drafting", __name__, url_prefix="/measures")


def measure_cards(measure: Measure) -> list[dict]:
    """The cards of every session of the measure, grouped by session and step, oldest first."""
    rows = (
        db()
        .execute(
            select(Card, WorkshopSession)
            .join(WorkshopSession, WorkshopSession.id == Card.session_id)
            .where(WorkshopSession.measure_id == measure.id, Card.deleted_at.is_(None))
            .order_by(WorkshopSession.created_at, WorkshopSession.id, Card.id)
        )
        .all()
    )
    groups: dict[tuple[int, str], dict] = {}
    for card, ws in rows:
        if not room_may_see(card, ws):  # hidden, pending or unrevealed silent cards stay in their session
            continue
        step = ws.step(card.step_key) or {"title": {"de": card.step_key}}
        group = groups.setdefault((ws.id, card.step_key), {"session": ws, "step_title": step["title"], "cards": []})
        group["cards"].append(card)
    return list(groups.values())


@bp.route("/<measure_id>/draft")
@login_required
def draft(measure_id):
    measure = measure_or_404(measure_id, "measure.read")
    return render_template(
        "drafting/draft.html",
        measure=measure,
        template=template_of(measure),
        values=current_values(db(), measure),
        drafted=DRAFTED_TYPES,
        text_max=FIELD_TEXT_MAX,
        card_groups=measure_cards(measure),
        status_label=gettext(LABELS[measure.status]),
        locked=is_locked(measure),
    )
