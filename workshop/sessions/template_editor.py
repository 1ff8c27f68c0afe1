"""Adapting a copy of a session template in the app: order, prompts, timeboxes, columns, vote
budget — no YAML by hand. The copy is checked by the same rules as a template file. Copies form a
library per team: a copy is shared with the team of the measure it is made for (owners,
co-facilitators and editors use and adapt it); nobody else sees it. The five units' files stay
read-only originals."""

from __future__ import annotations

import copy

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import or_, select

from workshop.access import policy
from workshop.agenda.plan import AgendaError, column_line, draft_to_steps, localized_update, step_to_draft, unique_key
from workshop.agenda.templates import TemplateError, available_templates, parse_template_data
from workshop.i18n import current_locale, localized
from workshop.measures.capture import capturable
from workshop.measures.models import Measure
from workshop.measures.record_template import load_record_template
from workshop.sessions.models import CustomTemplate
from workshop.web import db, get_or_404

bp = Blueprint("template_editor", __name__, url_prefix="/templates")


def library_templates() -> list[CustomTemplate]:
    """The adapted formats of the logged-in person's teams and their own, newest first."""
    teams = policy.format_team_measure_ids(db(), current_user.id)
    return list(
        db().scalars(
            select(CustomTemplate)
            .where(or_(CustomTemplate.facilitator_id == current_user.id, CustomTemplate.measure_id.in_(teams)))
            .order_by(CustomTemplate.created_at.desc())
        )
    )


my_custom_templates = library_templates  # the name the record page uses


def _own_custom(template_id) -> CustomTemplate:
    custom = get_or_404(CustomTemplate, template_id)
    if not policy.may_use_format(db(), current_user.id, custom):
        abort(404)  # another team's library: as if it did not exist
    return custom


def _team_choices() -> list[Measure]:
    """The measures whose teams a new format can be shared with."""
    ids = policy.format_team_measure_ids(db(), current_user.id)
    return list(db().scalars(select(Measure).where(Measure.id.in_(ids)).order_by(Measure.title))) if ids else []


def _columns_text(step: dict) -> str:
    """Columns as the editor shows them: 'key: Titel', or 'key [record_field]: Titel'."""
    lines = []
    for column in step.get("columns", []):
        field = f" [{column['field']}]" if column.get("field") else ""
        lines.append(f"{column['key']}{field}: {localized(column['title'])}")
    return "\n".join(lines)


def _apply_form(base: dict, form) -> dict:
    """Turn the editor's form into template data. Unknown steps or fields are ignored; every
    value is then checked by parse_template_data like a YAML file would be."""
    data = copy.deepcopy(base)
    locale = current_locale()  # the form shows and takes the texts in the page's language
    data["title"] = localized_update(data["title"], form.get("title", "").strip(), locale)
    steps = []
    for index, step in enumerate(base["steps"]):
        prefix = f"step-{index}-"
        if form.get(prefix + "remove"):
            continue
        step = copy.deepcopy(step)
        step["title"] = localized_update(step["title"], form.get(prefix + "title", "").strip(), locale)
        prompt = form.get(prefix + "prompt", "").strip()
        step["prompt"] = localized_update(step.get("prompt"), prompt, locale) if prompt else None
        for number_field in ("timebox_minutes", "budget", "max_per_card"):
            raw = form.get(prefix + number_field)
            if raw is not None:
                step[number_field] = int(raw) if raw.strip().lstrip("-").isdigit() else raw.strip() or None
        if prefix + "columns" in form:
            # The same column syntax as the agenda builder: "key: Title", "key [field]: Title" or
            # just a title; the typed title goes into the page's language (issue 13: English mode).
            old = {c["key"]: c for c in step.get("columns", [])}
            columns: list[dict] = []
            seen: set[str] = set()
            for line in form[prefix + "columns"].splitlines():
                if not line.strip():
                    continue
                key, field, title = column_line(line)
                key = unique_key(key or title, seen)
                seen.add(key)
                column = {"key": key, "title": localized_update(old.get(key, {}).get("title"), title, locale)}
                if field or old.get(key, {}).get("field"):
                    column["field"] = field or old[key]["field"]
                columns.append(column)
            step["columns"] = columns
        position = form.get(prefix + "position", str(index + 1))
        steps.append((int(position) if position.strip().isdigit() else index + 1, index, step))
    data["steps"] = [step for _pos, _i, step in sorted(steps, key=lambda item: (item[0], item[1]))]
    # Keys the schema fills in itself must not be written back as explicit None.
    for step in data["steps"]:
        for key in [k for k, v in step.items() if v is None]:
            del step[key]
    return data


@bp.route("")
@login_required
def index():
    return render_template(
        "sessions/templates.html",
        templates=available_templates(),
        customs=my_custom_templates(),
        measure_of=_measure_of,
    )


def _measure_of(custom: CustomTemplate) -> Measure | None:
    return db().get(Measure, custom.measure_id) if custom.measure_id else None


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
    custom = _own_custom(template_id)
    return _editor(custom.template, custom, custom.base_key)


def _editor(base: dict, custom: CustomTemplate | None, base_key: str):
    teams = _team_choices()
    page = {
        "template": base,
        "custom": custom,
        "base_key": base_key,
        "columns_text": _columns_text,
        "teams": teams,
        "team": _measure_of(custom) if custom else None,
    }
    if request.method == "POST":
        # The page preselects the first team; a form without the choice gets the same.
        team = request.form.get("team", str(teams[0].id) if teams else "")
        if custom is None and team and team not in {str(m.id) for m in teams}:
            abort(404)  # a team this person is not on (or may not share formats with)
        try:
            data = _apply_form(base, request.form)
            # The builder's checks first: one sentence per problem in the user's language, naming
            # the step and what to change (issue 13); the template file's rules then hold anyway.
            record = load_record_template(data.get("record_template", "default"))
            draft_to_steps(
                [step_to_draft(step, current_locale()) for step in data["steps"]],
                data["steps"],
                "de",
                # The record's fields too, so a column or capture naming a field the record lacks
                # (or the status) is a sentence in the user's language, not the file checker's English.
                record_fields={f.key: f.label_text(current_locale()) for f in record.fields},
                blocked_fields={f.key for f in record.fields if not capturable(f)},
            )
            template = parse_template_data(data, f"„{request.form.get('title', '').strip() or base_key}“")
        except AgendaError as error:
            for _index, text in error.problems:
                flash(_("Nicht gespeichert: %(error)s", error=text), "error")
            return render_template("sessions/template_edit.html", **page), 400
        except (TemplateError, ValueError) as error:
            flash(_("Nicht gespeichert: %(error)s", error=error), "error")
            return render_template("sessions/template_edit.html", **page), 400
        if custom is None:
            custom = CustomTemplate(
                facilitator_id=current_user.id,
                measure_id=int(team) if team else None,
                base_key=base_key,
                title=localized(template["title"]),
                template=template,
            )
            db().add(custom)
        else:
            custom.template, custom.title = template, localized(template["title"])
        db().commit()
        flash(_("Vorlage „%(title)s“ gespeichert.", title=custom.title), "info")
        return redirect(url_for(".edit_custom", template_id=custom.id), 303)
    return render_template("sessions/template_edit.html", **page)
