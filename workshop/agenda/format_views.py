"""The formats library's pages: the five originals and the team's adapted copies, and the format
editor — the same step editor as a session's agenda (agenda/editor.py, sessions/_step_editor.html),
checked by the same rules as a template file. A copy is shared with the team of the measure it is
made for (owners, co-facilitators and editors use and adapt it); nobody else sees it. The five
units' files stay read-only originals. Structural changes (add, move, remove, append) show the new
draft; "Speichern" stores it."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from workshop.access import policy
from workshop.agenda import editor
from workshop.agenda.library import chosen_format, custom_format, format_name, team_formats
from workshop.agenda.templates import TemplateError, available_templates, parse_template_data, template_units
from workshop.agenda.views import editor_context
from workshop.i18n import current_locale, localized
from workshop.measures.capture import capturable
from workshop.measures.models import Measure
from workshop.measures.record_template import load_record_template
from workshop.sessions.models import CustomTemplate
from workshop.web import db

bp = Blueprint("template_editor", __name__, url_prefix="/templates")

TITLE_MAX = 200


def _team_choices() -> list[Measure]:
    """The measures whose teams a new format can be shared with."""
    ids = policy.format_team_measure_ids(db(), current_user.id)
    return list(db().scalars(select(Measure).where(Measure.id.in_(ids)).order_by(Measure.title))) if ids else []


def _measure_of(custom: CustomTemplate) -> Measure | None:
    return db().get(Measure, custom.measure_id) if custom.measure_id else None


@bp.route("")
@login_required
def index():
    locale = current_locale()
    return render_template(
        "sessions/templates.html",
        templates=available_templates(),
        customs=team_formats(db(), current_user.id),
        measure_of=_measure_of,
        based_on=lambda key: format_name(db(), current_user.id, key, locale),
    )


@bp.route("/<base_key>/adapt", methods=["GET", "POST"])
@login_required
def adapt(base_key):
    templates = available_templates()
    if base_key not in templates:
        abort(404)
    return _editor(templates[base_key], None, base_key)


@bp.route("/custom/<template_id>", methods=["GET", "POST"])
@login_required
def edit_custom(template_id):
    custom = custom_format(db(), current_user.id, f"custom-{template_id}")
    if custom is None:
        abort(404)  # another team's library: as if it did not exist
    return _editor(custom.template, custom, custom.base_key)


def _editor(base: dict, custom: CustomTemplate | None, base_key: str):
    locale = current_locale()
    teams = _team_choices()
    record = load_record_template(base.get("record_template", "default"))
    record_fields = [(f.key, f.label_text(locale)) for f in record.fields]
    title = custom.title if custom else _("%(title)s (angepasst)", title=localized(base["title"], locale))
    draft = [editor.step_to_draft(step, locale) for step in base["steps"]]
    units, status = template_units(base), 200
    problems: list[tuple[int | None, str] | str] = []
    if request.method == "POST":
        # The page preselects the first team; a form without the choice gets the same.
        team = request.form.get("team", str(teams[0].id) if teams else "")
        if custom is None and team and team not in {str(m.id) for m in teams}:
            abort(404)  # a team this person is not on (or may not share formats with)
        title = request.form.get("title", "").strip()
        draft, number_problems = editor.draft_from_form(request.form, locale)
        problems += number_problems
        units, unit_problems = editor.units_from_form(request.form, base)
        problems += unit_problems
        action = request.form.get("action", "save")
        draft, action_problems = editor.apply_action(
            draft, action, request.form, units, lambda key: chosen_format(db(), current_user.id, key), locale
        )
        problems += action_problems
        if not title:
            problems.append(_("Bitte geben Sie dem Format einen Namen."))
        elif len(title) > TITLE_MAX:
            problems.append(_("Der Name ist zu lang (höchstens %(max)s Zeichen).", max=TITLE_MAX))
        if action == "save" and not problems:
            saved = _save(base, custom, base_key, title, draft, units, team, record, locale)
            if isinstance(saved, CustomTemplate):
                flash(_("Vorlage „%(title)s“ gespeichert.", title=saved.title), "info")
                return redirect(url_for(".edit_custom", template_id=saved.id), 303)
            problems = list(saved)
        status = 400 if problems else 200
    return render_template(
        "sessions/template_edit.html",
        template=base,
        custom=custom,
        based_on=format_name(db(), current_user.id, base_key, locale),
        format_title=title,
        teams=teams,
        team=_measure_of(custom) if custom else None,
        units=units,
        editable=True,
        files=None,  # files belong to one session
        plan=None,
        unsaved=request.method == "POST",
        **editor_context(draft, problems, record_fields),
    ), status


def _save(base, custom, base_key, title, draft, units, team, record, locale) -> CustomTemplate | list:
    """Store the draft as the copy (a new one for an original), or the problems why not."""
    header = {k: v for k, v in base.items() if k not in ("steps", "units", "field_map")}
    header["title"] = editor.localized_update(base.get("title"), title, locale)
    if len(units) > 1:
        header["units"] = units
    try:
        steps = editor.draft_to_steps(
            draft,
            base["steps"],
            locale,
            header=header,
            # The record's fields too, so a column or capture naming a field the record lacks
            # (or the status) is a sentence in the person's language.
            record_fields={f.key: f.label_text(locale) for f in record.fields},
            blocked_fields={f.key for f in record.fields if not capturable(f)},
        )
        template = parse_template_data({**header, "steps": steps}, f"„{title}“")
    except editor.AgendaError as error:
        return error.problems
    except TemplateError as error:
        return [error.for_people()]
    if custom is None:
        custom = CustomTemplate(
            facilitator_id=current_user.id,
            measure_id=int(team) if team else None,
            base_key=base_key,
            title=title,
            template=template,
        )
        db().add(custom)
    else:
        custom.template, custom.title = template, title
    db().commit()
    return custom
