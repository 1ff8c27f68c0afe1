from __future__ import annotations

import difflib

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user, login_required
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import select

from workshop import privacy
from workshop.access import policy
from workshop.accounts.models import Facilitator
from workshop.activities.models import Card
from workshop.agenda.create import FieldMapNeeded, create_session
from workshop.agenda.library import team_formats
from workshop.agenda.templates import TemplateError, available_templates
from workshop.drafting import hub
from workshop.i18n import current_locale as locale
from workshop.i18n import localized
from workshop.measures import record as record_ops
from workshop.measures import status
from workshop.measures.capture import capturable
from workshop.measures.messages import RecordRefused
from workshop.measures.models import Measure, MeasureStatusChange, RecordRevision
from workshop.measures.record import current_values, edit_by_hand, template_of
from workshop.measures.record_template import (
    DEFAULT_RECORD_TEMPLATE,
    available_record_templates,
    load_record_template,
    record_template_choices,
)
from workshop.measures.status import LABELS as STATUS_LABELS
from workshop.measures.status import NEXT as STATUS_NEXT
from workshop.measures.status import REASON_MAX
from workshop.monitoring import progress as monitoring_progress
from workshop.monitoring.views import page_context as monitoring_context
from workshop.sessions.models import WorkshopSession
from workshop.validation import CleanText, describe_errors
from workshop.web import db, get_or_404, measure_or_404

bp = Blueprint("measures", __name__, url_prefix="/measures")


FIELD_TEXT_MAX = 20_000


class NewMeasureForm(Schema):
    title = CleanText(required=True, validate=validate.Length(1, 300))
    reference_number = CleanText(load_default="", validate=validate.Length(max=40))
    record_template = fields.String(load_default="default")


class FieldEditForm(Schema):
    field_key = fields.String(required=True, validate=validate.Length(1, 80))
    value = fields.String(load_default="", validate=validate.Length(max=FIELD_TEXT_MAX))


class NewSessionForm(Schema):
    template_key = fields.String(required=True, validate=validate.Length(1, 80))
    title = CleanText(load_default="", validate=validate.Length(max=300))
    location = CleanText(load_default="", validate=validate.Length(max=300))


def _form_errors(error: ValidationError) -> str:
    return describe_errors(error.messages)


def _status_labels() -> dict[str, str]:
    return {key: _(label) for key, label in STATUS_LABELS.items()}


@bp.route("", methods=["GET", "POST"])
@login_required
def register():
    if request.method == "POST":
        try:
            form = NewMeasureForm().load(request.form.to_dict(), unknown="exclude")
            if form["record_template"] not in available_record_templates():
                raise ValidationError({_("Steckbrief-Vorlage"): [_("Diese Vorlage gibt es nicht.")]})
            ref = form["reference_number"] or None
            if ref and db().scalar(select(Measure.id).where(Measure.reference_number == ref)):
                # Said in the person's language, naming the field as the form does (not its key).
                flash(
                    _("Die Maßnahme wurde nicht angelegt: Die Referenznummer „%(ref)s“ ist schon vergeben.", ref=ref),
                    "error",
                )
                return redirect(url_for(".register"))
        except ValidationError as error:
            flash(_("Die Maßnahme wurde nicht angelegt: %(errors)s", errors=_form_errors(error)), "error")
            return redirect(url_for(".register"))
        measure = Measure(title=form["title"], reference_number=ref, record_template=form["record_template"])
        db().add(measure)
        db().flush()
        policy.add_member(db(), measure.id, current_user.id, policy.OWNER)  # whoever creates it owns it
        db().commit()
        flash(_("Maßnahme „%(title)s“ angelegt.", title=measure.title), "info")
        return redirect(url_for(".record", measure_id=measure.id))
    # the register lists the measures of the teams this person is on, nobody else's
    measures = (
        db()
        .scalars(
            select(Measure)
            .where(Measure.id.in_(policy.visible_measure_ids(db(), current_user.id)))
            .order_by(Measure.updated_at.desc())
        )
        .all()
    )
    # Dates people see coming: the overdue and the next milestones of these measures.
    practice = {m.id for m in measures if m.is_exercise}
    progress = [monitoring_progress.measure_progress(db(), m) for m in measures if m.id not in practice]
    overdue = sorted(((p.measure, m) for p in progress for m in p.overdue), key=lambda pair: pair[1]["planned_date"])
    upcoming = sorted(((p.measure, m) for p in progress for m in p.upcoming), key=lambda pair: pair[1]["planned_date"])
    return render_template(
        "measures/register.html",
        measures=measures,
        record_templates=record_template_choices(locale()),
        overdue=overdue,
        upcoming=upcoming,
        upcoming_days=monitoring_progress.UPCOMING_DAYS,
    )


@bp.route("/<measure_id>")
@login_required
def record(measure_id):
    measure = measure_or_404(measure_id, "measure.read")
    sessions = (
        db()
        .scalars(
            select(WorkshopSession)
            .where(WorkshopSession.measure_id == measure.id)
            .order_by(WorkshopSession.created_at.desc())
        )
        .all()
    )
    values = current_values(db(), measure)
    return render_template(
        "measures/record.html",
        step_titles=_step_titles(sessions),
        measure=measure,
        template=template_of(measure),
        values=values,
        deleted_cards=_deleted_cards(values),
        may_edit=policy.may(db(), current_user.id, "measure.edit", measure),
        sessions=sessions,
        session_templates=available_templates(),
        editing=request.args.get("edit"),
        custom_templates=team_formats(db(), current_user.id),
        status_labels=_status_labels(),
        next_statuses=STATUS_NEXT[measure.status],
        locked=status.is_locked(measure),
        comments=record_ops.comments_of(db(), measure),
        comment_max=record_ops.COMMENT_MAX,
        monitoring=monitoring_context(measure),
    )


def _step_titles(sessions) -> dict[tuple[int, str], str]:
    """(session id, step key) -> the step's title in the page's language (a record line keeps
    the title it was captured under, in German; a step key is no name for people)."""
    return {(ws.id, step["key"]): localized(step.get("title"), locale()) for ws in sessions for step in ws.steps}


def _deleted_cards(values) -> set[int]:
    """Cards behind the record's lines that their authors deleted (and nobody redacted yet)."""
    ids = {
        (line.get("source") or {}).get("card_id")
        for value in values.values()
        for line in value.lines
        if not (line.get("source") or {}).get("redacted")
    } - {None}
    if not ids:
        return set()
    return set(db().scalars(select(Card.id).where(Card.id.in_(ids), Card.deleted_at.is_not(None))))


@bp.route("/<measure_id>/redact", methods=["POST"])
@login_required
def redact(measure_id):
    """A card its author deleted leaves the record, the protocol, the exports and the replay
    (docs/privacy.md); those who write the record decide (the record is the body's file)."""
    measure = measure_or_404(measure_id, "measure.edit")
    raw = request.form.get("card_id", "")
    card = db().get(Card, int(raw)) if raw.isascii() and raw.isdigit() and len(raw) < 19 else None
    ws = db().get(WorkshopSession, card.session_id) if card is not None else None
    if card is None or ws is None or ws.measure_id != measure.id or card.deleted_at is None:
        abort(
            400,
            _("Geschwärzt wird nur eine Karte dieser Maßnahme, die ihre Verfasserin oder ihr Verfasser gelöscht hat."),
        )
    record_ops.redact_card(db(), measure, ws.id, card.id, current_user.id)
    privacy.redact_card(db(), card, record_ops.REDACTED_TEXT)
    db().commit()
    flash(
        _(
            "Die Zeile ist geschwärzt: der Text der gelöschten Karte ist aus Steckbrief, Verlauf, Protokoll und Wiedergabe entfernt."
        ),
        "info",
    )
    return redirect(url_for(".record", measure_id=measure.id), 303)


@bp.route("/<measure_id>/fields", methods=["POST"])
@login_required
def edit_field(measure_id):
    measure = measure_or_404(measure_id, "measure.edit")
    try:
        form = FieldEditForm().load(request.form.to_dict(), unknown="exclude")
    except ValidationError as error:
        flash(_("Nicht gespeichert: %(error)s", error=_form_errors(error)), "error")
        return redirect(url_for(".record", measure_id=measure.id)), 303
    field = template_of(measure).field(form["field_key"])
    if field is None:
        abort(400, f"unknown field {form['field_key']}")
    try:
        revision = edit_by_hand(db(), measure, field.key, form["value"], current_user.id)
    except RecordRefused as error:
        db().rollback()
        flash(_("„%(field)s“ nicht gespeichert: %(error)s", field=field.label_text(locale()), error=error), "error")
        return redirect(url_for(".record", measure_id=measure.id, edit=field.key, _anchor=f"field-{field.key}"), 303)
    db().commit()
    hub.record_changed(measure.id, field.key)  # co-drafters' editors take the new value
    flash(_("„%(field)s“ gespeichert.", field=field.label_text(locale())) if revision else _("Keine Änderung."), "info")
    return redirect(url_for(".record", measure_id=measure.id, _anchor=f"field-{field.key}"), 303)


@bp.route("/<measure_id>/sessions", methods=["POST"])
@login_required
def new_session(measure_id):
    measure = measure_or_404(measure_id, "measure.sessions.create")
    try:
        form = NewSessionForm().load(request.form.to_dict(), unknown="exclude")
        ws = create_session(
            db(),
            measure_id=measure.id,
            facilitator_id=current_user.id,
            template_key=form["template_key"],
            title=form["title"],
            location=form["location"],
            field_map=_field_map_from(request.form),
        )
    except FieldMapNeeded as needed:
        db().rollback()
        return _field_mapping_page(measure, form, needed), 409
    except ValidationError as error:
        flash(_("Keine Sitzung angelegt: %(error)s", error=_form_errors(error)), "error")
        return redirect(url_for(".record", measure_id=measure.id)), 303
    except TemplateError as error:
        flash(_("Keine Sitzung angelegt: %(error)s", error=error.for_people()), "error")
        return redirect(url_for(".record", measure_id=measure.id)), 303
    except OSError as error:
        flash(_("Keine Sitzung angelegt: Vorlage fehlerhaft – %(error)s", error=error), "error")
        return redirect(url_for(".record", measure_id=measure.id)), 303
    db().commit()
    return redirect(url_for("sessions.console", session_id=ws.id), 303)


def _field_map_from(form) -> dict[str, str] | None:
    """map-<format field> = <record field> | "" (none), from the mapping form."""
    mapped = {key[4:]: value for key, value in form.items() if key.startswith("map-") and len(key) <= 84}
    return mapped or None


def _field_mapping_page(measure, form, needed: FieldMapNeeded):
    """The session-creation form again, asking where each field the format names should go."""
    record_template = template_of(measure)
    targets = [f for f in record_template.fields if capturable(f)]
    steps_by_field: dict[str, list[str]] = {}
    for step in needed.template.get("steps", []):
        for key in [c.get("field") for c in step.get("columns", [])] + [(step.get("capture") or {}).get("field")]:
            if key:
                steps_by_field.setdefault(key, []).append(localized(step["title"], locale()))
    # Formats name their fields as the Berlin record does: show that name, not the key.
    berlin = load_record_template(DEFAULT_RECORD_TEMPLATE)
    names = {key: f.label_text(locale()) if (f := berlin.field(key)) else key for key in needed.missing}
    return render_template(
        "measures/session_mapping.html",
        measure=measure,
        form=form,
        names=names,
        missing=needed.missing,
        targets=targets,
        steps_by_field=steps_by_field,
        format_title=localized(needed.template["title"], locale()),
        record_title=localized(record_template.title, locale()),
    )


@bp.route("/<measure_id>/comments", methods=["POST"])
@login_required
def add_comment(measure_id):
    measure = measure_or_404(measure_id, "measure.read")  # every team member may comment
    try:
        record_ops.add_comment(
            db(),
            measure,
            request.form.get("text", "")[: record_ops.COMMENT_MAX + 1],
            current_user.id,
            current_user.display_name,
        )
    except RecordRefused as error:
        db().rollback()
        flash(_("Kommentar nicht gespeichert: %(error)s", error=error.text()), "error")
        return redirect(url_for(".record", measure_id=measure.id, _anchor="comments"), 303)
    db().commit()
    flash(_("Kommentar gespeichert."), "info")
    return redirect(url_for(".record", measure_id=measure.id, _anchor="comments"), 303)


# --- history, restore and the status flow -------------------------------------------------------


class StatusForm(Schema):
    to_status = fields.String(required=True, validate=validate.OneOf(list(STATUS_LABELS)))


class ReopenForm(Schema):
    reason = CleanText(required=True, validate=validate.Length(1, REASON_MAX))


def revision_diff(old: str, new: str) -> list[tuple[str, str]]:
    """Line diff of two values: [(" " | "-" | "+", line)], unchanged lines included."""
    return [
        (line[0], line[2:]) for line in difflib.ndiff(old.splitlines(), new.splitlines()) if line[:1] in (" ", "-", "+")
    ]


@bp.route("/<measure_id>/history")
@login_required
def history(measure_id):
    measure = measure_or_404(measure_id, "measure.read")
    values = current_values(db(), measure)
    authors = dict(db().execute(select(Facilitator.id, Facilitator.display_name)).all())
    field_key = request.args.get("field") or next(
        (f.key for f in template_of(measure).fields if values[f.key].history), None
    )
    diff = None
    if field_key in values and request.args.get("a") and request.args.get("b"):
        by_id = {str(r.id): r for r in values[field_key].history}
        old, new = by_id.get(request.args["a"]), by_id.get(request.args["b"])
        if old is None or new is None:
            abort(404)
        diff = {"old": old, "new": new, "lines": revision_diff(old.value, new.value)}
    changes = (
        db()
        .scalars(
            select(MeasureStatusChange)
            .where(MeasureStatusChange.measure_id == measure.id)
            .order_by(MeasureStatusChange.id.desc())
        )
        .all()
    )
    sessions = {
        ws.id: ws for ws in db().scalars(select(WorkshopSession).where(WorkshopSession.measure_id == measure.id))
    }

    def step_title(session_id: int, step_key: str) -> str:
        """A step by its title in the reader's language (never its key)."""
        step = sessions[session_id].step(step_key) if session_id in sessions else None
        return localized(step["title"], locale()) if step else ""

    return render_template(
        "measures/history.html",
        measure=measure,
        step_title=step_title,
        template=template_of(measure),
        values=values,
        field_key=field_key,
        diff=diff,
        authors=authors,
        changes=changes,
        status_labels=_status_labels(),
    )


@bp.route("/<measure_id>/revisions/<revision_id>/restore", methods=["POST"])
@login_required
def restore(measure_id, revision_id):
    measure = measure_or_404(measure_id, "measure.edit")
    old = get_or_404(RecordRevision, revision_id)
    if old.measure_id != measure.id or template_of(measure).field(old.field_key) is None:
        abort(404)
    try:
        revision = record_ops.restore(db(), measure, old, current_user.id)
    except RecordRefused as error:
        db().rollback()
        flash(_("Nicht wiederhergestellt: %(error)s", error=error.text()), "error")
        return redirect(url_for(".history", measure_id=measure.id, field=old.field_key), 303)
    db().commit()
    hub.record_changed(measure.id, old.field_key)
    flash(
        _("Fassung vom %(when)s wiederhergestellt.", when=format_datetime(old.created_at, "medium"))
        if revision
        else _("Diese Fassung ist schon der aktuelle Wert."),
        "info",
    )
    return redirect(url_for(".history", measure_id=measure.id, field=old.field_key), 303)


def _status_step(measure_id, form_schema, step, failed, done):
    """Run one step of the status flow from a form; flash what happened, back to the record."""
    measure = measure_or_404(measure_id, "measure.status")
    try:
        form = form_schema().load(request.form.to_dict(), unknown="exclude")
        step(measure, form)
    except ValidationError as error:
        flash(f"{failed()}: {_form_errors(error)}", "error")
    except RecordRefused as error:
        db().rollback()
        flash(f"{failed()}: {error.text()}", "error")
    else:
        db().commit()
        hub.current_hub().status_changed(measure)
        flash(done(measure), "info")
    return redirect(url_for(".record", measure_id=measure.id), 303)


def _advance(measure, form):
    hub.current_hub().flush_measure(measure.id)  # pending co-drafting first, then the lock
    record_ops.advance_status(db(), measure, form["to_status"], current_user.id)


@bp.route("/<measure_id>/status", methods=["POST"])
@login_required
def change_status(measure_id):
    return _status_step(
        measure_id,
        StatusForm,
        _advance,
        lambda: _("Status nicht geändert"),
        lambda m: _("Status: %(status)s.", status=_(STATUS_LABELS[m.status])),
    )


@bp.route("/<measure_id>/reopen", methods=["POST"])
@login_required
def reopen(measure_id):
    return _status_step(
        measure_id,
        ReopenForm,
        lambda m, form: record_ops.reopen_status(db(), m, form["reason"], current_user.id),
        lambda: _("Nicht wiedereröffnet"),
        lambda m: _("Wiedereröffnet: der Steckbrief kann wieder geändert werden."),
    )
