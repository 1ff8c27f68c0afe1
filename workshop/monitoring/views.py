"""The monitoring pages of a measure: milestones, indicators and measured values (forms that write
through measures/record.py), evidence files, the calendar feed and the status report.

Every route asks the access policy (measure_or_404): the team reads, those with measure.monitor
write; a calendar feed URL carries its own revocable token (docs/monitoring.md)."""

from __future__ import annotations

import secrets
from datetime import date

import filetype
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date, format_decimal
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from workshop.access import policy
from workshop.accounts.models import Facilitator
from workshop.i18n import LOCALES
from workshop.i18n import current_locale as locale
from workshop.measures import monitoring
from workshop.measures import record as record_ops
from workshop.measures.messages import RecordRefused
from workshop.measures.models import Measure
from workshop.measures.record import template_of
from workshop.measures.status import is_locked
from workshop.monitoring import calendar, progress, report
from workshop.monitoring.models import CalendarFeed, feed_token_hash
from workshop.web import db, get_or_404, measure_or_404

bp = Blueprint("monitoring", __name__)


@bp.app_template_filter("day")
def _day(value) -> str:
    """An ISO date string (as the monitoring state keeps them) or a date, in the viewer's language."""
    if not value:
        return "–"
    return format_date(date.fromisoformat(value) if isinstance(value, str) else value, "medium")


@bp.app_template_filter("number")
def _number(value) -> str:
    return "–" if value is None else format_decimal(value, "#,##0.##")


MAX_EVIDENCE_BYTES = 5 * 1024 * 1024
EVIDENCE_MIME = {"image/png", "image/jpeg", "application/pdf"}
REVISIONS_SHOWN = 50


def _user_id() -> int:
    return int(current_user.id)


def _back(measure: Measure, anchor: str = ""):
    return redirect(url_for(".page", measure_id=measure.id, _anchor=anchor or None), 303)


def _refused(error: RecordRefused, what: str) -> None:
    db().rollback()
    flash(_("%(what)s nicht gespeichert: %(error)s", what=what, error=error.text()), "error")


def _form(fields: frozenset[str]) -> dict:
    """The submitted fields of the form (checkboxes: public is sent as a hidden 0 and a 1)."""
    values = {key: request.form.get(key, "")[:5000] for key in fields if key in request.form}
    if "public" in fields and "public" in request.form:
        values["public"] = "1" if "1" in request.form.getlist("public") else "0"
    return values


def page_context(measure: Measure) -> dict:
    """What the monitoring page and the record page's monitoring section show."""
    template = template_of(measure)
    p = progress.measure_progress(db(), measure)
    authors = dict(db().execute(select(Facilitator.id, Facilitator.display_name)).all())
    revisions = list(
        db().scalars(
            select(monitoring.MonitoringRevision)
            .where(monitoring.MonitoringRevision.measure_id == measure.id)
            .order_by(monitoring.MonitoringRevision.id.desc())
            .limit(REVISIONS_SHOWN)
        )
    )
    files = {
        f.id: f
        for f in db().scalars(select(monitoring.EvidenceFile).where(monitoring.EvidenceFile.measure_id == measure.id))
    }
    charts = {i.indicator["id"]: report.chart_svg(i, locale()) for i in p.indicators}
    return {
        "measure": measure,
        "template": template,
        "progress": p,
        "statuses": template.milestone_statuses,
        "status_of": {s.key: s for s in template.milestone_statuses},
        "charts": charts,
        "revisions": revisions,
        "authors": authors,
        "files": files,
        "reviews": monitoring.reviews_of(db(), measure.id),
        "field_labels": {k: _(v) for k, v in monitoring.FIELD_LABELS.items()},
        "direction_labels": monitoring.DIRECTION_LABELS,  # German msgids: the template translates
        "percent": progress.percent,
        "may_monitor": policy.may(db(), _user_id(), "measure.monitor", measure),
        "plan_locked": is_locked(measure),
        "today": date.today(),
    }


@bp.route("/measures/<measure_id>/monitoring")
@login_required
def page(measure_id):
    measure = measure_or_404(measure_id, "measure.read")
    feeds = (
        db()
        .scalars(
            select(CalendarFeed).where(CalendarFeed.measure_id == measure.id, CalendarFeed.facilitator_id == _user_id())
        )
        .all()
    )
    new_feed = request.args.get("feed", "")
    return render_template(
        "monitoring/page.html",
        **page_context(measure),
        feeds=feeds,
        new_feed_url=url_for(".feed", token=new_feed, _external=True) if new_feed else "",
        report_scopes=report.scopes_for(db(), measure),
        lang=locale(),
    )


# --- milestones -----------------------------------------------------------------------------------


def _milestone(measure: Measure, milestone_id) -> monitoring.Milestone:
    milestone = get_or_404(monitoring.Milestone, milestone_id)
    if milestone.measure_id != measure.id:
        abort(404)
    return milestone


@bp.route("/measures/<measure_id>/milestones", methods=["POST"])
@login_required
def add_milestone(measure_id):
    measure = measure_or_404(measure_id, "measure.monitor")
    try:
        record_ops.save_milestone(db(), measure, None, _form(monitoring.MILESTONE_FIELDS), author_id=_user_id())
    except RecordRefused as error:
        _refused(error, _("Meilenstein"))
        return _back(measure, "milestones")
    db().commit()
    flash(_("Meilenstein angelegt."), "info")
    return _back(measure, "milestones")


@bp.route("/measures/<measure_id>/milestones/<milestone_id>", methods=["POST"])
@login_required
def edit_milestone(measure_id, milestone_id):
    measure = measure_or_404(measure_id, "measure.monitor")
    milestone = _milestone(measure, milestone_id)
    try:
        changed = record_ops.save_milestone(
            db(), measure, milestone, _form(monitoring.MILESTONE_FIELDS), author_id=_user_id()
        )
    except RecordRefused as error:
        _refused(error, _("Meilenstein"))
        return _back(measure, f"milestone-{milestone.id}")
    db().commit()
    flash(_("Meilenstein gespeichert.") if changed else _("Keine Änderung."), "info")
    return _back(measure, f"milestone-{milestone.id}")


@bp.route("/measures/<measure_id>/milestones/<milestone_id>/delete", methods=["POST"])
@login_required
def delete_milestone(measure_id, milestone_id):
    measure = measure_or_404(measure_id, "measure.monitor")
    milestone = _milestone(measure, milestone_id)
    try:
        record_ops.delete_milestone(db(), measure, milestone, author_id=_user_id())
    except RecordRefused as error:
        _refused(error, _("Meilenstein"))
        return _back(measure, "milestones")
    db().commit()
    flash(_("Meilenstein gelöscht (der Verlauf behält ihn)."), "info")
    return _back(measure, "milestones")


@bp.route("/measures/<measure_id>/milestones/<milestone_id>/evidence", methods=["POST"])
@login_required
def upload_evidence(measure_id, milestone_id):
    measure = measure_or_404(measure_id, "measure.monitor")
    milestone = _milestone(measure, milestone_id)
    if request.form.get("remove") == "1":
        record_ops.set_milestone_evidence(db(), measure, milestone, None, _user_id())
        db().commit()
        flash(_("Nachweis entfernt."), "info")
        return _back(measure, f"milestone-{milestone.id}")
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("Bitte eine Datei auswählen."), "error")
        return _back(measure, f"milestone-{milestone.id}")
    data = upload.stream.read(MAX_EVIDENCE_BYTES + 1)
    name = upload.filename[-200:]
    kind = filetype.guess(data)
    if len(data) > MAX_EVIDENCE_BYTES:
        flash(_("„%(name)s“ ist größer als 5 MB; bitte verkleinern Sie die Datei.", name=name), "error")
    elif kind is None or kind.mime not in EVIDENCE_MIME:
        flash(_("„%(name)s“ ist kein PDF und kein Bild (PNG, JPEG).", name=name), "error")
    else:
        stored = monitoring.EvidenceFile(
            measure_id=measure.id, name=name, mime=kind.mime, size=len(data), data=data, author_id=_user_id()
        )
        db().add(stored)
        db().flush()
        record_ops.set_milestone_evidence(db(), measure, milestone, stored, _user_id())
        db().commit()
        flash(_("Nachweis „%(name)s“ gespeichert.", name=name), "info")
    return _back(measure, f"milestone-{milestone.id}")


@bp.route("/measures/<measure_id>/evidence/<file_id>")
@login_required
def evidence(measure_id, file_id):
    measure = measure_or_404(measure_id, "measure.read")
    stored = get_or_404(monitoring.EvidenceFile, file_id)
    if stored.measure_id != measure.id:
        abort(404)
    response = Response(stored.data, mimetype=stored.mime)
    safe = "".join(ch for ch in stored.name if ch.isalnum() or ch in "._- ")[:100] or "nachweis"
    response.headers["Content-Disposition"] = f'attachment; filename="{safe}"'
    return response


# --- indicators and measured values -------------------------------------------------------------


def _indicator(measure: Measure, indicator_id) -> monitoring.Indicator:
    indicator = get_or_404(monitoring.Indicator, indicator_id)
    if indicator.measure_id != measure.id:
        abort(404)
    return indicator


@bp.route("/measures/<measure_id>/indicators", methods=["POST"])
@login_required
def add_indicator(measure_id):
    measure = measure_or_404(measure_id, "measure.monitor")
    try:
        record_ops.save_indicator(db(), measure, None, _form(monitoring.INDICATOR_FIELDS), author_id=_user_id())
    except RecordRefused as error:
        _refused(error, _("Indikator"))
        return _back(measure, "indicators")
    db().commit()
    flash(_("Indikator angelegt."), "info")
    return _back(measure, "indicators")


@bp.route("/measures/<measure_id>/indicators/<indicator_id>", methods=["POST"])
@login_required
def edit_indicator(measure_id, indicator_id):
    measure = measure_or_404(measure_id, "measure.monitor")
    indicator = _indicator(measure, indicator_id)
    try:
        changed = record_ops.save_indicator(
            db(), measure, indicator, _form(monitoring.INDICATOR_FIELDS), author_id=_user_id()
        )
    except RecordRefused as error:
        _refused(error, _("Indikator"))
        return _back(measure, f"indicator-{indicator.id}")
    db().commit()
    flash(_("Indikator gespeichert.") if changed else _("Keine Änderung."), "info")
    return _back(measure, f"indicator-{indicator.id}")


@bp.route("/measures/<measure_id>/indicators/<indicator_id>/delete", methods=["POST"])
@login_required
def delete_indicator(measure_id, indicator_id):
    measure = measure_or_404(measure_id, "measure.monitor")
    indicator = _indicator(measure, indicator_id)
    try:
        record_ops.delete_indicator(db(), measure, indicator, author_id=_user_id())
    except RecordRefused as error:
        _refused(error, _("Indikator"))
        return _back(measure, "indicators")
    db().commit()
    flash(_("Indikator gelöscht (der Verlauf behält ihn)."), "info")
    return _back(measure, "indicators")


@bp.route("/measures/<measure_id>/indicators/<indicator_id>/values", methods=["POST"])
@login_required
def add_value(measure_id, indicator_id):
    measure = measure_or_404(measure_id, "measure.monitor")
    indicator = _indicator(measure, indicator_id)
    values = {key: request.form.get(key, "")[:400] for key in ("value", "measured_on", "source")}
    try:
        added = record_ops.add_indicator_value(
            db(), measure, indicator, values, author_id=_user_id(), author_name=current_user.display_name
        )
    except RecordRefused as error:
        _refused(error, _("Messwert"))
        return _back(measure, f"indicator-{indicator.id}")
    db().commit()
    flash(_("Messwert gespeichert.") if added else _("Diesen Messwert gibt es schon."), "info")
    return _back(measure, f"indicator-{indicator.id}")


@bp.route("/measures/<measure_id>/values/<value_id>/delete", methods=["POST"])
@login_required
def delete_value(measure_id, value_id):
    measure = measure_or_404(measure_id, "measure.monitor")
    value = get_or_404(monitoring.IndicatorValue, value_id)
    if value.measure_id != measure.id:
        abort(404)
    record_ops.delete_indicator_value(db(), measure, value, author_id=_user_id())
    db().commit()
    flash(_("Messwert gelöscht (der Verlauf behält ihn)."), "info")
    return _back(measure, f"indicator-{value.indicator_id}")


# --- calendar -----------------------------------------------------------------------------------


def _ics(measure: Measure) -> Response:
    response = Response(calendar.measure_calendar(db(), measure), mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'inline; filename="massnahme-{measure.id}.ics"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/measures/<measure_id>/calendar.ics")
@login_required
def calendar_file(measure_id):
    return _ics(measure_or_404(measure_id, "measure.read"))


@bp.route("/measures/<measure_id>/calendar/feeds", methods=["POST"])
@login_required
def create_feed(measure_id):
    """A secret address for a calendar app (which cannot log in); shown once, revocable."""
    measure = measure_or_404(measure_id, "measure.read")
    token = secrets.token_urlsafe(24)
    db().add(CalendarFeed(measure_id=measure.id, facilitator_id=_user_id(), token_hash=feed_token_hash(token)))
    db().commit()
    flash(_("Kalender-Adresse erstellt. Sie wird nur jetzt angezeigt."), "info")
    return redirect(url_for(".page", measure_id=measure.id, feed=token, _anchor="calendar"), 303)


@bp.route("/measures/<measure_id>/calendar/feeds/<feed_id>/delete", methods=["POST"])
@login_required
def delete_feed(measure_id, feed_id):
    measure = measure_or_404(measure_id, "measure.read")
    feed = get_or_404(CalendarFeed, feed_id)
    if feed.measure_id != measure.id or feed.facilitator_id != _user_id():
        abort(404)
    db().delete(feed)
    db().commit()
    flash(_("Kalender-Adresse widerrufen."), "info")
    return _back(measure, "calendar")


@bp.route("/kalender/<token>.ics")
def feed(token):
    """The token is the key, and only while its owner is still on the measure's team."""
    if not 20 <= len(token) <= 64:
        abort(404)
    found = db().scalar(select(CalendarFeed).where(CalendarFeed.token_hash == feed_token_hash(token)))
    if found is None:
        abort(404)
    measure = db().get(Measure, found.measure_id)
    if measure is None or not policy.may(db(), found.facilitator_id, "measure.read", measure):
        abort(404)
    return _ics(measure)


# --- the status report --------------------------------------------------------------------------


@bp.route("/reports/status", methods=["POST"])
@login_required
def status_report():
    """Issue a status report (PDF or DOCX) for a measure, an action field or the whole register,
    as of a date; the next report of the same scope lists what changed since this one."""
    fmt = request.form.get("format", "pdf")
    language = request.form.get("lang", "de")
    if fmt not in report.FORMATS or language not in LOCALES:
        abort(400)
    scope = request.form.get("scope", "measure")
    measure = None
    if scope == "measure":
        measure = measure_or_404(request.form.get("measure_id", ""), "measure.read")
    elif scope not in report.SCOPES:
        abort(400)
    try:
        as_of = monitoring.parse_date(request.form.get("as_of", ""), "as_of") or date.today()
    except RecordRefused as error:
        flash(_("Kein Bericht: %(error)s", error=error.text()), "error")
        return redirect(request.referrer or url_for("register.index"), 303)
    visible = policy.visible_measure_ids(db(), _user_id())
    document = report.build_report(
        db(),
        scope=scope,
        measure=measure,
        action_field=request.form.get("action_field", "")[:300],
        as_of=min(as_of, date.today()),
        language=language,
        visible_ids=visible,
        author_id=_user_id(),
    )
    db().commit()  # the report is recorded: the next one says what changed since
    body, mimetype = report.render(document, fmt)
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{report.filename(document, fmt)}"'
    return response
