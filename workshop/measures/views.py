from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import select

from workshop.measures.models import Measure
from workshop.measures.record import current_values, edit_by_hand, template_of
from workshop.measures.record_template import available_record_templates
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
                raise ValidationError({"reference_number": [f"{ref} is already used"]})
        except ValidationError as error:
            flash(f"Die Maßnahme wurde nicht angelegt: {_form_errors(error)}", "error")
            return redirect(url_for(".register"))
        measure = Measure(title=form["title"], reference_number=ref,
                          record_template=form["record_template"])
        db().add(measure)
        db().commit()
        flash(f"Maßnahme „{measure.title}“ angelegt.", "info")
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
    )


@bp.route("/<measure_id>/fields", methods=["POST"])
@login_required
def edit_field(measure_id):
    measure = get_or_404(Measure, measure_id)
    try:
        form = FieldEditForm().load(request.form.to_dict(), unknown="exclude")
    except ValidationError as error:
        flash(f"Nicht gespeichert: {_form_errors(error)}", "error")
        return redirect(url_for(".record", measure_id=measure.id)), 303
    field = template_of(measure).field(form["field_key"])
    if field is None:
        abort(400, f"unknown field {form['field_key']}")
    revision = edit_by_hand(db(), measure, field.key, form["value"], current_user.id)
    db().commit()
    flash(f"„{field.label_text()}“ gespeichert." if revision else "Keine Änderung.", "info")
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
        flash(f"Keine Sitzung angelegt: {_form_errors(error)}", "error")
        return redirect(url_for(".record", measure_id=measure.id)), 303
    except (TemplateError, OSError) as error:
        flash(f"Keine Sitzung angelegt: Vorlage fehlerhaft – {error}", "error")
        return redirect(url_for(".record", measure_id=measure.id)), 303
    db().commit()
    return redirect(url_for("sessions.console", session_id=ws.id), 303)
