"""The public page of a measure (no login, opt-in) and the facilitator's form for the fates."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from workshop.access import policy
from workshop.i18n import current_locale as locale
from workshop.measures.models import Measure
from workshop.measures.status import LABELS as STATUS_LABELS
from workshop.register import public
from workshop.register.access import may_read_measure
from workshop.web import db, get_or_404, measure_or_404, session_or_404

bp = Blueprint("public", __name__)


@bp.route("/oeffentlich/<measure_id>")  # /p/<token> is a projector link (access/)
def page(measure_id):
    """Anyone may read it once the team made the measure public; otherwise 404 (no existence leak)."""
    measure = get_or_404(Measure, measure_id)
    if not public.is_public(db(), measure.id):
        abort(404)
    view = public.public_view(db(), measure, locale())
    return render_template(
        "register/public.html",
        view=view,
        status=_(STATUS_LABELS.get(measure.status, "")),
        **public.public_monitoring(db(), measure, locale()),
    )


@bp.route("/register/measures/<measure_id>/public", methods=["POST"])
@login_required
def set_public(measure_id):
    """Publishing is a decision like the status flow (owner, co-facilitator): 403 for the rest
    of the team, 404 for everyone else (workshop/access/policy.py)."""
    measure = measure_or_404(measure_id, "measure.publish")
    on = request.form.get("public") == "1"
    public.set_public(db(), measure, on, current_user.id)
    db().commit()
    flash(
        _("Die Maßnahme hat jetzt eine öffentliche Seite.") if on else _("Die öffentliche Seite ist abgeschaltet."),
        "info",
    )
    return redirect(url_for("public.contributions", measure_id=measure.id), 303)


@bp.route("/register/measures/<measure_id>/public/fields", methods=["POST"])
@login_required
def set_published_fields(measure_id):
    """Which record fields the public page shows: part of publishing (owner, co-facilitator)."""
    measure = measure_or_404(measure_id, "measure.publish")
    try:
        public.set_published_fields(db(), measure, request.form.getlist("field"))
    except public.FateRefused as refused:
        db().rollback()
        flash(refused.text(locale()), "error")
        return redirect(url_for("public.contributions", measure_id=measure.id), 303)
    db().commit()
    flash(_("Gespeichert: Diese Felder zeigt die öffentliche Seite."), "info")
    return redirect(url_for("public.contributions", measure_id=measure.id), 303)


@bp.route("/register/measures/<measure_id>/contributions")
@login_required
def contributions(measure_id):
    measure = get_or_404(Measure, measure_id)
    if not may_read_measure(current_user, measure):
        abort(404)
    sessions = [(ws, public.contributions(db(), ws.id)) for ws in public.public_sessions(db(), measure)]
    from sqlalchemy import select

    from workshop.register.models import CardFate

    ids = [ws.id for ws, _cards in sessions]
    fates = {f.card_id: f for f in db().scalars(select(CardFate).where(CardFate.session_id.in_(ids)))} if ids else {}
    return render_template(
        "register/contributions.html",
        measure=measure,
        sessions=sessions,
        fates=fates,
        is_public=public.is_public(db(), measure.id),
        may_publish=policy.may(db(), current_user.id, "measure.publish", measure),
        reason_max=public.REASON_MAX,
        publishable=[(f.key, f.label_text(locale())) for f in public.publishable_fields(measure)],
        published=public.published_fields(db(), measure.id),
    )


@bp.route("/register/sessions/<session_id>/cards/<card_id>/fate", methods=["POST"])
@login_required
def set_fate(session_id, card_id):
    """Only the session's facilitator records what became of its contributions."""
    ws = session_or_404(session_id, "session.run")
    try:
        card = int(card_id)
        merged_into = int(request.form["merged_into"]) if request.form.get("merged_into", "").strip() else None
    except ValueError:
        abort(404)
    try:
        public.record_fate(
            db(), ws, card, request.form.get("kind", ""), request.form.get("reason", ""), merged_into, current_user.id
        )
    except public.FateRefused as error:
        db().rollback()
        flash(_("Nicht gespeichert: %(error)s", error=error.text()), "error")
    else:
        db().commit()
        flash(_("Verbleib gespeichert."), "info")
    return redirect(url_for("public.contributions", measure_id=ws.measure_id, _anchor=f"card-{card}"), 303)
