from __future__ import annotations

import difflib

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime, gettext as _
from flask_login import current_user, login_required
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import select

from workshop.accounts.models import Facilitator
from workshop.drafting import hub
from workshop.i18n import current_locale as locale
from workshop.measures import status
from workshop.measures.models import Measure, MeasureStatusChange, RecordRevision
from workshop.measures.record import current_values, edit_by_hand, lines_from_text, set_field, template_of
from workshop.measures.field_values import FieldValueError, check_value
from workshop.measures.record_template import available_record_templates
from workshop.measures.status import LABELS as STATUS_LABELS, NEXT as STATUS_NEXT, REASON_MAX, StatusError
from workshop.sessions.models import WorkshopSession
from workshop.sessions.service import create_session
from workshop.sessions.template_editor import my_custom_templates
from workshop.sessions.templates import TemplateError, available_templates
from workshop.validation import CleanText, describe_errors
from workshop.web import db, get_or_404


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
                raise ValidationError({"record_template": ["unknown record template"]})
            ref = form["reference_number"] or None
            if ref and db().scalar(select(Measure.id).where(Measure.reference_number == ref)):
                # Said in the person's language, naming the field as the form does (not its key).
                flash(_("Die Maßnahme wurde nicht angelegt: Die Referenznummer „%(ref)s“ ist schon vergeben.",
                        ref=ref), "error")
                return redirect(url_for(".register"))
        except ValidationError as error:
            flash(_("Die Maßnahme wurde nicht angelegt: %(errors)s", errors=_form_errors(error)), "error")
            return redirect(url_for(".register"))
        measure = Measure(title=form["title"], reference_number=ref,
                          record_template=form["record_template"])
        db().add(measure)
        db().commit()
        flash(_("Maßnahme „%(title)s“ angelegt.", title=measure.title), "info")
        return redirect(url_for(".record", measure_id=measure.id))
    measures = db().scalars(select(Measure).order_by(Measure.updated_at.desc())).all()
    return render_template("measures/register.html", measures=measures,
                           record_templates=available_record_templates())


@bp.route("/<measure_id>")
@login_required
def record(measure_id):
    measure = get_or_404(Measure, measure_id)
    sessions = db().scalars(
        select(WorkshopSession).where(WorkshopSession.measure_id == measure.id)
        .order_by(WorkshopSession.created_at.desc())
    ).all()
    return render_template(
        "measures/record.html", measure=measure, template=template_of(measure),
        values=current_values(db(), measure), sessions=sessions,
        session_templates=available_templates(), editing=request.args.get("edit"),
        custom_templates=my_custom_templates(),
        status_labels=_status_labels(), next_statuses=STATUS_NEXT[measure.status],
        locked=status.is_locked(measure),
    )


@bp.route("/<measure_id>/fields", methods=["POST"])
@login_required
def edit_field(measure_id):
    measure = get_or_404(Measure, measure_id)
    try:
        form = FieldEditForm().load(request.form.to_dict(), unknown="exclude")
    except ValidationError as error:
        flash(_("Nicht gespeichert: %(error)s", error=_form_errors(error)), "error")
        return redirect(url_for(".record", measure_id=measure.id)), 303
    field = template_of(measure).field(form["field_key"])
    if field is None:
        abort(400, f"unknown field {form['field_key']}")
    try:
        value = check_value(field, form["value"])
        revision = edit_by_hand(db(), measure, field.key, value, current_user.id)
    except (FieldValueError, StatusError) as error:
        db().rollback()
        flash(_("„%(field)s“ nicht gespeichert: %(error)s", field=field.label_text(locale()), error=error), "error")
        return redirect(url_for(".record", measure_id=measure.id, edit=field.key,
                                _anchor=f"field-{field.key}"), 303)
    db().commit()
    hub.record_changed(measure.id, field.key)  # co-drafters' editors take the new value
    flash(_("„%(field)s“ gespeichert.", field=field.label_text(locale())) if revision else _("Keine Änderung."), "info")
    return redirect(url_for(".record", measure_id=measure.id, _anchor=f"field-{field.key}"), 303)


@bp.route("/<measure_id>/sessions", methods=["POST"])
@login_required
def new_session(measure_id):
    measure = get_or_404(Measure, measure_id)
    try:
        form = NewSessionForm().load(request.form.to_dict(), unknown="exclude")
        ws = create_session(db(), measure_id=measure.id, facilitator_id=current_user.id,
                            template_key=form["template_key"], title=form["title"],
                            location=form["location"])
    except ValidationError as error:
        flash(_("Keine Sitzung angelegt: %(error)s", error=_form_errors(error)), "error")
        return redirect(url_for(".record", measure_id=measure.id)), 303
    except (TemplateError, OSError) as error:
        flash(_("Keine Sitzung angelegt: Vorlage fehlerhaft – %(error)s", error=error), "error")
        return redirect(url_for(".record", measure_id=measure.id)), 303
    db().commit()
    return redirect(url_for("sessions.console", session_id=ws.id), 303)


# --- history, restore and the status flow -------------------------------------------------------


class StatusForm(Schema):
    to_status = fields.String(required=True, validate=validate.OneOf(list(STATUS_LABELS)))


class ReopenForm(Schema):
    reason = CleanText(required=True, validate=validate.Length(1, REASON_MAX))


def revision_diff(old: str, new: str) -> list[tuple[str, str]]:
    """Line diff of two values: [(" " | "-" | "+", line)], unchanged lines included."""
    return [(line[0], line[2:]) for line in difflib.ndiff(old.splitlines(), new.splitlines())
            if line[:1] in (" ", "-", "+")]


@bp.route("/<measure_id>/history")
@login_required
def history(measure_id):
    measure = get_or_404(Measure, measure_id)
    values = current_values(db(), measure)
    authors = dict(db().execute(select(Facilitator.id, Facilitator.display_name)).all())
    field_key = request.args.get("field") or next(
        (f.key for f in template_of(measure).fields if values[f.key].history), None)
    diff = None
    if field_key in values and request.args.get("a") and request.args.get("b"):
        by_id = {str(r.id): r for r in values[field_key].history}
        old, new = by_id.get(request.args["a"]), by_id.get(request.args["b"])
        if old is None or new is None:
            abort(404)
        diff = {"old": old, "new": new, "lines": revision_diff(old.value, new.value)}
    changes = db().scalars(select(MeasureStatusChange).where(MeasureStatusChange.measure_id == measure.id)
                           .order_by(MeasureStatusChange.id.desc())).all()
    return render_template("measures/history.html", measure=measure, template=template_of(measure),
                           values=values, field_key=field_key, diff=diff, authors=authors,
                           changes=changes, status_labels=_status_labels())


@bp.route("/<measure_id>/revisions/<revision_id>/restore", methods=["POST"])
@login_required
def restore(measure_id, revision_id):
    measure = get_or_404(Measure, measure_id)
    old = get_or_404(RecordRevision, revision_id)
    if old.measure_id != measure.id or template_of(measure).field(old.field_key) is None:
        abort(404)
    try:
        revision = set_field(db(), measure, old.field_key, old.lines or lines_from_text(old.value),
                             source_kind="restore", author_id=current_user.id)
    except StatusError as error:
        db().rollback()
        flash(_("Nicht wiederhergestellt: %(error)s", error=error.message), "error")
        return redirect(url_for(".history", measure_id=measure.id, field=old.field_key), 303)
    db().commit()
    hub.record_changed(measure.id, old.field_key)
    flash(_("Fassung vom %(when)s wiederhergestellt.", when=format_datetime(old.created_at, "medium")) if revision
          else _("Diese Fassung ist schon der aktuelle Wert."), "info")
    return redirect(url_for(".history", measure_id=measure.id, field=old.field_key), 303)


def _status_step(measure_id, form_schema, step, failed, done):
    """Run one step of the status flow from a form; flash what happened, back to the record."""
    measure = get_or_404(Measure, measure_id)
    try:
        form = form_schema().load(request.form.to_dict(), unknown="exclude")
        step(measure, form)
    except ValidationError as error:
        flash(f"{failed()}: {_form_errors(error)}", "error")
    except StatusError as error:
        db().rollback()
        flash(f"{failed()}: {error.message}", "error")
    else:
        db().commit()
        hub.current_hub().status_changed(measure)
        flash(done(measure), "info")
    return redirect(url_for(".record", measure_id=measure.id), 303)


def _advance(measure, form):
    hub.current_hub().flush_measure(measure.id)  # pending co-drafting first, then the lock
    status.advance(db(), measure, form["to_status"], current_user.id)


@bp.route("/<measure_id>/status", methods=["POST"])
@login_required
def change_status(measure_id):
    return _status_step(measure_id, StatusForm, _advance, lambda: _("Status nicht geändert"),
                        lambda m: _("Status: %(status)s.", status=_(STATUS_LABELS[m.status])))


@bp.route("/<measure_id>/reopen", methods=["POST"])
@login_required
def reopen(measure_id):
    return _status_step(measure_id, ReopenForm,
                        lambda m, form: status.reopen(db(), m, form["reason"], current_user.id),
                        lambda: _("Nicht wiedereröffnet"),
                        lambda m: _("Wiedereröffnet: der Steckbrief kann wieder geändert werden."))
