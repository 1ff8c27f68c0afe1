"""The agenda builder, the input steps' files and the printable invitation of a session.

The builder is one form: every button (save, add, move, remove, append a format, save as a format)
posts the whole draft, so nothing typed is lost; a draft that does not fit is shown again with one
sentence per problem and nothing is stored.
"""

from __future__ import annotations

import re
from datetime import date, time

import filetype
from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import delete, select

from workshop import uploads
from workshop.access import policy
from workshop.access.projector import projector_link
from workshop.activities.models import Card
from workshop.activities.registry import seed_step_cards
from workshop.agenda import editor
from workshop.agenda.library import chosen_format, team_formats
from workshop.agenda.plan import clock_plan
from workshop.agenda.templates import available_templates, format_label, template_units, units_label
from workshop.i18n import current_locale
from workshop.measures import capture
from workshop.measures.record import template_of
from workshop.sessions import pdf_pages
from workshop.sessions.models import CustomTemplate, SessionFile, WorkshopSession
from workshop.sessions.qr import qr_svg
from workshop.sessions.service import participant_by_token
from workshop.validation import NotAWholeNumber, form_number, whole_number
from workshop.web import db, get_or_404, session_or_404

bp = Blueprint("agenda", __name__)
bp.add_app_template_global(format_label, "format_label")
bp.add_app_template_global(units_label, "units_label")

MAX_FILE_BYTES = 5 * 1024 * 1024  # one image or PDF for the projector
MAX_UPLOAD_REQUEST = 12 * 1024 * 1024
ALLOWED_MIME = {"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"}


# Only the builder takes files; every other route keeps the app's 1 MB limit (uploads.py sets it
# before the CSRF check reads the form: set later, the 1 MB limit refused a 2 MB PDF).
uploads.allow("agenda.builder", MAX_UPLOAD_REQUEST, MAX_FILE_BYTES)


def _session_details(form) -> tuple[dict, list[str]]:
    """Title, date, slot, place and headcount as typed; problems in the user's language."""
    values = {
        k: form.get(k, "").strip()
        for k in ("title", "scheduled_date", "start_time", "end_time", "location", "expected_headcount")
    }
    problems, parsed = [], {}
    if not values["title"]:
        problems.append(_("Bitte geben Sie der Sitzung einen Titel."))
    elif len(values["title"]) > 300:
        problems.append(_("Der Titel ist zu lang (höchstens 300 Zeichen)."))
    parsed["title"] = values["title"]
    if len(values["location"]) > 300:
        problems.append(_("Der Ort ist zu lang (höchstens 300 Zeichen)."))
    parsed["location"] = values["location"]
    try:
        parsed["scheduled_date"] = date.fromisoformat(values["scheduled_date"]) if values["scheduled_date"] else None
    except ValueError:
        problems.append(_("Das Datum „%(value)s“ ist kein Datum (TT.MM.JJJJ).", value=values["scheduled_date"]))
    for name, label in (("start_time", _("Beginn")), ("end_time", _("Ende"))):
        try:
            parsed[name] = time.fromisoformat(values[name]) if values[name] else None
        except ValueError:
            problems.append(_("%(label)s: „%(value)s“ ist keine Uhrzeit (HH:MM).", label=label, value=values[name]))
    try:
        parsed["expected_headcount"] = form_number(values["expected_headcount"], _("Erwartete Teilnehmende"), 1, 10000)
    except NotAWholeNumber as error:
        problems.append(error.sentence())
        parsed["expected_headcount"] = None
    return {"values": values, "parsed": parsed}, problems


def _details_of(ws: WorkshopSession) -> dict:
    return {
        "title": ws.title,
        "location": ws.location or "",
        "scheduled_date": ws.scheduled_date.isoformat() if ws.scheduled_date else "",
        "start_time": ws.start_time.strftime("%H:%M") if ws.start_time else "",
        "end_time": ws.end_time.strftime("%H:%M") if ws.end_time else "",
        "expected_headcount": str(ws.expected_headcount or ""),
    }


MAX_ALT_TEXT = 500


def _describe_images(ws: WorkshopSession, draft: list[dict], form) -> list[tuple[int | None, str]]:
    """Keep the descriptions typed for the input steps' images (s<i>-alt-<file id>), and name
    every image still without one: the projector and the phones show it to people who cannot
    see it (WCAG 1.1.1). A file just uploaded is asked for on the page that comes back."""
    typed = {
        int(match.group(1)): value.strip()
        for name, value in form.items()
        if (match := re.fullmatch(r"s[0-9]+-alt-([0-9]{1,18})", name))
    }
    files = {f.id: f for f in db().scalars(select(SessionFile).where(SessionFile.session_id == ws.id))}
    problems: list[tuple[int | None, str]] = []
    for index, values in enumerate(draft):
        if not editor.takes_files(values.get("type", "")):
            continue
        where = _("Schritt %(number)s", number=index + 1)
        for raw in values.get("files", "").split(","):
            stored = files.get(whole_number(raw) or 0)
            if stored is None or not stored.mime.startswith("image/"):
                continue  # a PDF is named by its link ("PDF öffnen: …")
            text = typed.get(stored.id)
            if text is not None and len(text) > MAX_ALT_TEXT:
                problem = _(
                    "%(where)s: Die Beschreibung von „%(name)s“ hat %(count)s Zeichen; höchstens %(max)s.",
                    where=where,
                    name=stored.name,
                    count=len(text),
                    max=MAX_ALT_TEXT,
                )
            else:
                if text is not None:
                    stored.alt_text = text or None
                if stored.alt_text:
                    continue
                problem = _(
                    "%(where)s: Bitte beschreiben Sie in einem Satz, was das Bild „%(name)s“ zeigt – "
                    "für Menschen, die es nicht sehen (Alternativtext).",
                    where=where,
                    name=stored.name,
                )
            problems.append((index, problem))
    return problems


def _store_upload(ws: WorkshopSession, upload, alt_text: str = "") -> tuple[int | None, str | None]:
    """Keep an uploaded image or PDF; its type is read from the content, not from its name. An
    image takes the description typed beside the upload (so a save need not be refused for it)."""
    data = upload.read(MAX_FILE_BYTES + 1)
    name = (upload.filename or "datei")[-200:]
    if len(data) > MAX_FILE_BYTES:
        return None, _("„%(name)s“ ist größer als 5 MB; bitte verkleinern Sie die Datei.", name=name)
    kind = filetype.guess(data)
    if kind is None or kind.mime not in ALLOWED_MIME:
        return None, _("„%(name)s“ ist kein Bild (PNG, JPEG, GIF, WebP) und kein PDF.", name=name)
    alt = " ".join(alt_text.split())[:MAX_ALT_TEXT] if kind.mime.startswith("image/") else ""
    stored = SessionFile(session_id=ws.id, name=name, mime=kind.mime, size=len(data), data=data, alt_text=alt or None)
    db().add(stored)
    db().flush()
    return stored.id, None


def editor_context(draft: list[dict], problems: list, record_fields: list[tuple[str, str]]) -> dict:
    """What the step editor's template (sessions/_step_editor.html) needs, for an agenda and a format."""
    step_problems, general = editor.plain_problems(problems)
    return dict(
        draft=draft,
        step_problems=step_problems,
        general_problems=general,
        type_choices=editor.type_choices(),
        add_choices=editor.add_choices(),
        option_fields=editor.option_fields,
        capturable=editor.capturable,
        record_fields=record_fields,
        library=team_formats(db(), current_user.id),
        originals=available_templates(),
    )


def _render(ws, details: dict, draft: list[dict], problems: list, status: int = 200, units=None):
    record_fields = [(f.key, f.label_text(current_locale())) for f in template_of(ws.measure).fields]
    files = {f.id: f for f in db().scalars(select(SessionFile).where(SessionFile.session_id == ws.id))}
    steps_for_plan = [
        {"timebox_minutes": whole_number(d.get("timebox_minutes", "")) or 0, "title": d.get("title", "")} for d in draft
    ]

    def parse_time(value):
        try:
            return time.fromisoformat(value) if value else None
        except ValueError:
            return None

    plan = clock_plan(steps_for_plan, None, parse_time(details["start_time"]), parse_time(details["end_time"]))
    return render_template(
        "sessions/agenda.html",
        ws=ws,
        details=details,
        plan=plan,
        files=files,
        editable=ws.status == "ready",
        units=units or template_units(ws.template),
        **editor_context(draft, problems, record_fields),
    ), status


@bp.route("/sessions/<session_id>/agenda", methods=["GET", "POST"])
@login_required
def builder(session_id):
    ws = session_or_404(session_id, "session.run")
    locale = current_locale()
    if request.method == "GET":
        return _render(ws, _details_of(ws), [editor.step_to_draft(s, locale) for s in ws.steps], [])
    if ws.status != "ready":
        flash(_("Der Ablauf lässt sich nur ändern, bevor die Sitzung beginnt."), "error")
        return redirect(url_for(".builder", session_id=ws.id), 303)
    details, problems = _session_details(request.form)
    draft, number_problems = editor.draft_from_form(request.form, locale)
    problems += number_problems
    # Uploads first: a stored file stays attached to its step even if something else must be fixed.
    for index, values in enumerate(draft):
        for upload in request.files.getlist(f"s{index}-upload"):
            if not upload or not upload.filename:
                continue
            file_id, problem = _store_upload(ws, upload, request.form.get(f"s{index}-upload-alt", ""))
            if problem:
                problems.append((index, _("Schritt %(number)s: %(problem)s", number=index + 1, problem=problem)))
            else:
                values["files"] = ",".join(filter(None, [values.get("files", ""), str(file_id)]))
    problems += _describe_images(ws, draft, request.form)
    action = request.form.get("action", "save")
    units, unit_problems = editor.units_from_form(request.form, ws.template)
    problems += unit_problems
    draft, action_problems = editor.apply_action(
        draft, action, request.form, units, lambda key: chosen_format(db(), current_user.id, key), locale
    )
    problems += action_problems
    file_ids = set(db().scalars(select(SessionFile.id).where(SessionFile.session_id == ws.id)))
    steps = None
    try:
        header = {k: v for k, v in ws.template.items() if k not in ("steps", "units")}
        if len(units) > 1:
            header["units"] = units
        steps = editor.draft_to_steps(
            draft,
            ws.steps,
            locale,
            header=header,
            record_fields={f.key: f.label_text(locale) for f in template_of(ws.measure).fields},
            file_ids=file_ids,
            blocked_fields={f.key for f in template_of(ws.measure).fields if not capture.capturable(f)},
        )
    except editor.AgendaError as error:
        problems += error.problems
    if problems:
        db().commit()  # keep the uploaded files the draft now refers to; the plan itself is unchanged
        return _render(ws, details["values"], draft, problems, 400, units)
    for name, value in details["parsed"].items():
        setattr(ws, name, value)
    # a new dict: the JSON column sees the change
    ws.template = {**{k: v for k, v in ws.template.items() if k != "units"}, "steps": steps}
    if len(units) > 1:
        ws.template = {**ws.template, "units": units}
    # Before the start nobody has added anything; what steps start with (e.g. consent options)
    # is seeded again from the new plan.
    db().execute(delete(Card).where(Card.session_id == ws.id))
    db().flush()
    seed_step_cards(db(), ws)
    if action == "save_format":
        template = {k: v for k, v in ws.template.items()}
        template["steps"] = [{k: v for k, v in s.items() if k != "files"} for s in steps]
        custom = CustomTemplate(  # shared with the team of the session's measure
            facilitator_id=current_user.id,
            measure_id=ws.measure_id,
            base_key=ws.template_key[:80],
            title=ws.title[:200],
            template=template,
        )
        db().add(custom)
        db().commit()
        flash(_("Ablauf gespeichert und als Format „%(title)s“ in die Bibliothek gelegt.", title=custom.title), "info")
    else:
        db().commit()
        flash(_("Ablauf gespeichert."), "info")
    anchor = None
    if action == "append":
        anchor = f"step-{len(steps) - 1}"
    elif action == "add":
        where = whole_number(request.form.get("add_position", ""))
        anchor = f"step-{where if where is not None and where < len(steps) else len(steps) - 1}"
    return redirect(url_for(".builder", session_id=ws.id, _anchor=anchor), 303)


def _viewable_file(session_id, file_id) -> SessionFile:
    """An input step's file, for the session's staff, its participants and its projector links."""
    ws = get_or_404(WorkshopSession, session_id)
    allowed = policy.may(db(), current_user.get_id() and current_user.id, "session.view", ws)
    if not allowed:
        token = session.get("participants", {}).get(str(ws.id))
        allowed = participant_by_token(db(), ws.id, token) is not None
    if not allowed:
        allowed = projector_link(db(), ws.id, session.get("projectors", {}).get(str(ws.id))) is not None
    stored = get_or_404(SessionFile, file_id)
    if not allowed or stored.session_id != ws.id:
        abort(404)
    return stored


@bp.route("/sessions/<session_id>/files/<file_id>")
def session_file(session_id, file_id):
    return _file_response(_viewable_file(session_id, file_id))


def _page_count(stored: SessionFile) -> int:
    """A PDF's pages: read once (off the event loop) and kept on the file."""
    if stored.page_count is None:
        data = stored.data
        db().commit()  # no transaction stays open while poppler reads
        stored.page_count = pdf_pages.off_loop(pdf_pages.page_count, data)
        db().commit()
    return stored.page_count


@bp.route("/sessions/<session_id>/files/<file_id>/pages")
def pdf_page_count(session_id, file_id):
    """How many pages an input's PDF has (the screens show 'Seite 2 von 7')."""
    stored = _viewable_file(session_id, file_id)
    if stored.mime != "application/pdf":
        abort(404)
    try:
        return {"pages": _page_count(stored)}
    except pdf_pages.PdfPageError:
        return {"pages": None, "error": _("Das PDF lässt sich nicht lesen.")}, 422


@bp.route("/sessions/<session_id>/files/<file_id>/pages/<int:number>")
def pdf_page(session_id, file_id, number):
    """Page `number` of an input's PDF as an image, rendered on the server (pdf_pages.py)."""
    stored = _viewable_file(session_id, file_id)
    if stored.mime != "application/pdf":
        abort(404)
    key = (stored.id, stored.size, number)
    png = pdf_pages.PAGES.get(key)
    if png is None:
        try:
            if not 1 <= number <= _page_count(stored):
                abort(404)
            data = stored.data
            db().commit()
            png = pdf_pages.off_loop(pdf_pages.render_page, data, number)
        except pdf_pages.PdfPageError:
            abort(422)
        pdf_pages.PAGES.put(key, png)
    response = make_response(png)
    response.headers["Content-Type"] = "image/png"
    response.headers["Cache-Control"] = "private, max-age=3600"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _file_response(stored: SessionFile):
    response = make_response(stored.data)
    response.headers["Content-Type"] = stored.mime
    response.headers["Content-Disposition"] = "inline"
    response.headers["Cache-Control"] = "private, max-age=3600"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "SAMEORIGIN"  # the projector shows a PDF in a frame
    # A PDF is shown in a frame of the session's own pages; nothing in it may run or load.
    response.headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; frame-ancestors 'self'"
    return response


@bp.route("/sessions/<session_id>/invitation")
@login_required
def invitation(session_id):
    ws = session_or_404(session_id)
    from workshop.web import join_url

    url = join_url(ws.join_code)
    plan = clock_plan(ws.steps, ws.scheduled_date, ws.start_time, ws.end_time)
    return render_template("sessions/invitation.html", ws=ws, join_url=url, qr=qr_svg(url), plan=plan)
