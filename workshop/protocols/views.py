"""The protocol page (edit the draft, make it final, reopen, attach photos) and the downloads."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.exceptions import NotFound, RequestEntityTooLarge
from werkzeug.wrappers import Response as BaseResponse

from workshop import jobs, uploads
from workshop.access import policy
from workshop.accounts.models import Facilitator
from workshop.i18n import LANGUAGE_NAMES, LOCALES, N_
from workshop.jobs.web import refused_page
from workshop.protocols import service
from workshop.protocols.export import FORMATS, export_protocol, protocol_filename
from workshop.protocols.html import PROTOCOL_CSP
from workshop.protocols.models import FINAL
from workshop.protocols.record_export import RECORD_FORMATS, export_record, record_filename
from workshop.validation import NotAWholeNumber, form_number, whole_number
from workshop.web import db, measure_or_404, session_or_404

bp = Blueprint("protocols", __name__)


def _session_for_protocol(session_id):
    """The session, if the logged-in person may work on its protocol (facilitator, co-facilitator,
    minute-taker: workshop.access.policy); anyone else gets 404 (no existence leak)."""
    return session_or_404(session_id, "session.notes")


def _refused(error: service.ProtocolError, ws) -> BaseResponse:
    db().rollback()
    flash(_(error.message, **error.params), "error")
    return redirect(url_for("protocols.edit", session_id=ws.id))


class _BadNumber(Exception):
    """A number in the form or query that is none: shown on the protocol's page, with 400."""

    def __init__(self, error: NotAWholeNumber):
        self.error = error


def _version_arg() -> int | None:
    """?version=N: a final version's number (none: the draft)."""
    raw = request.args.get("version")
    if raw is None:
        return None
    try:
        return form_number(raw, _("Fassung"), 1)
    except NotAWholeNumber as error:
        raise _BadNumber(error) from error


@bp.route("/sessions/<session_id>/protocol.<fmt>")
@login_required
def protocol(session_id, fmt):
    if fmt not in FORMATS:
        abort(404)
    ws = session_or_404(session_id)  # every staff role of the session reads its protocol
    try:
        version = _version_arg()
    except _BadNumber as bad:
        return _bad_number(ws, bad.error)
    language = request.args.get("lang")
    try:
        body, mimetype = export_protocol(
            db(), ws, fmt, version, language if language in LOCALES else None, owner=current_user.id
        )
    except service.ProtocolError:
        abort(404)
    except jobs.JobRefused as error:
        return refused_page(error)
    response = Response(body, mimetype=mimetype)
    if fmt == "html":
        response.headers["Content-Security-Policy"] = PROTOCOL_CSP
    if fmt != "html" or request.args.get("download"):
        response.headers["Content-Disposition"] = f'attachment; filename="{protocol_filename(ws, fmt, version)}"'
    return response


def _form_lines(name: str) -> list[str]:
    return [line.strip() for line in request.form.get(name, "").splitlines() if line.strip()]


def _attendees(name: str) -> list[dict]:
    """One person a line: "Name; Organisation" (the organisation may be left out)."""
    people = []
    for line in _form_lines(name):
        person, _sep, organisation = line.partition(";")
        people.append({"name": person.strip(), "organisation": organisation.strip()})
    return people


def edits_from_form(ws) -> dict:
    try:
        count = form_number(request.form.get("attendance_count", ""), _("Anzahl Anwesende"), 0, 100_000)
    except NotAWholeNumber as error:
        raise _BadNumber(error) from error
    tops = {}
    for step in ws.steps:
        prefix = f"top-{step['key']}-"
        if prefix + "results" not in request.form:
            continue
        tops[step["key"]] = {
            "results": _form_lines(prefix + "results"),
            "decisions": _form_lines(prefix + "decisions"),
            "dissent": _form_lines(prefix + "dissent"),
            "paper": _form_lines(prefix + "paper"),
            "notes": request.form.get(prefix + "notes", ""),
        }
    return {
        "language": request.form.get("language", "de"),
        "header": {"place": request.form.get("place", ""), "minute_taker": request.form.get("minute_taker", "")},
        "attendance": {
            "count": count,
            "people": _attendees("attendees"),
        },
        "distribution": _form_lines("distribution"),
        "next_date": request.form.get("next_date", ""),
        "open_points": _form_lines("open_points"),
        "tops": tops,
        # the checkbox comes after a hidden "0": unticked sends only "0", a form without it keeps the annex
        "annex": "1" in request.form.getlist("annex") or "0" not in request.form.getlist("annex"),
    }


@bp.route("/sessions/<session_id>/protocol", methods=["GET", "POST"])
@login_required
def edit(session_id):
    ws = _session_for_protocol(session_id)
    if request.method == "POST":
        try:
            service.save_edits(db(), ws, current_user.id, edits_from_form(ws))
        except _BadNumber as bad:
            return _bad_number(ws, bad.error)
        except service.ProtocolError as error:
            return _refused(error, ws)
        db().commit()
        flash(_("Entwurf gespeichert."), "success")
        return redirect(url_for("protocols.edit", session_id=ws.id))
    return _edit_page(ws)


def _edit_page(ws, status: int = 200):
    draft = service.peek_draft(db(), ws)
    protocol = service.current_protocol(db(), ws)
    versions = service.versions_of(db(), ws)
    reopenings = service.reopenings_of(db(), ws)
    people = {f.id: f.display_name for f in db().scalars(select(Facilitator))}
    page = render_template(
        "protocols/edit.html",
        ws=ws,
        draft=draft,
        p=protocol,
        final=draft.status == FINAL,
        versions=versions,
        reopenings=reopenings,
        people=people,
        attachments=service.attachments_of(db(), ws),
        languages=LANGUAGE_NAMES,
        max_mb=service.MAX_ATTACHMENT_BYTES // 1024 // 1024,
    )
    return page, status


def _bad_number(ws, error: NotAWholeNumber):
    """400 with the sentence naming the field; on the protocol's page for those who work on it."""
    db().rollback()
    if policy.may(db(), current_user.id, "session.notes", ws):
        flash(error.sentence(), "error")
        return _edit_page(ws, 400)
    return Response(error.sentence(), status=400, mimetype="text/plain")


@bp.route("/sessions/<session_id>/protocol/finalize", methods=["POST"])
@login_required
def finalize(session_id):
    ws = _session_for_protocol(session_id)
    try:
        version = service.finalize(db(), ws, current_user.id)
    except service.ProtocolError as error:
        return _refused(error, ws)
    db().commit()
    flash(_("Fassung %(number)s ist endgültig und gesperrt.", number=version.number), "success")
    return redirect(url_for("protocols.edit", session_id=ws.id))


@bp.route("/sessions/<session_id>/protocol/reopen", methods=["POST"])
@login_required
def reopen(session_id):
    ws = _session_for_protocol(session_id)
    try:
        service.reopen(db(), ws, current_user.id, request.form.get("reason", ""))
    except service.ProtocolError as error:
        return _refused(error, ws)
    db().commit()
    flash(_("Das Protokoll ist wieder ein Entwurf; das erneute Öffnen ist vermerkt."), "success")
    return redirect(url_for("protocols.edit", session_id=ws.id))


# Photos may be larger than the app's 1 MB request limit (plus room for the form fields): uploads.py.
uploads.allow("protocols.upload", service.MAX_ATTACHMENT_BYTES + 64 * 1024, service.MAX_ATTACHMENT_BYTES)


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(error):
    if request.endpoint != "protocols.upload":
        return uploads.too_large_page(error)
    # The body was refused before the view (and its login check) ran: check here, without raising.
    from workshop.sessions.models import WorkshopSession

    raw_id = str((request.view_args or {}).get("session_id", ""))
    number = whole_number(raw_id)
    ws = db().get(WorkshopSession, number) if number is not None else None
    if ws is None or not policy.may(db(), current_user.get_id() and current_user.id, "session.notes", ws):
        return NotFound()
    return _refused(
        service.ProtocolError(
            N_("Die Datei ist zu groß; erlaubt sind höchstens %(max)s MB."),
            max=service.MAX_ATTACHMENT_BYTES // 1024 // 1024,
        ),
        ws,
    )


@bp.route("/sessions/<session_id>/protocol/attachments", methods=["POST"])
@login_required
def upload(session_id):
    ws = _session_for_protocol(session_id)
    upload_file, caption = request.files.get("file"), request.form.get("caption", "")
    if upload_file is None or not upload_file.filename:
        return _refused(service.ProtocolError(N_("Bitte wählen Sie eine Bilddatei aus.")), ws)
    data = upload_file.stream.read(service.MAX_ATTACHMENT_BYTES + 1)
    try:
        service.add_attachment(db(), ws, current_user.id, upload_file.filename, data, caption)
    except service.ProtocolError as error:
        return _refused(error, ws)
    except jobs.JobRefused as error:
        db().rollback()
        flash(error.text(), "error")
        return redirect(url_for("protocols.edit", session_id=ws.id))
    db().commit()
    flash(_("Anlage hinzugefügt."), "success")
    return redirect(url_for("protocols.edit", session_id=ws.id))


@bp.route("/sessions/<session_id>/protocol/attachments/<attachment_id>/remove", methods=["POST"])
@login_required
def remove_attachment(session_id, attachment_id):
    ws = _session_for_protocol(session_id)
    number = whole_number(str(attachment_id))
    if number is None:
        abort(404)
    try:
        service.remove_attachment(db(), ws, number)
    except service.ProtocolError as error:
        return _refused(error, ws)
    db().commit()
    flash(_("Anlage entfernt."), "success")
    return redirect(url_for("protocols.edit", session_id=ws.id))


@bp.route("/measures/<measure_id>/record.<fmt>")
@login_required
def record_file(measure_id, fmt):
    """The measure record as PDF or DOCX; readable by whoever may read the record page."""
    if fmt not in RECORD_FORMATS:
        abort(404)
    measure = measure_or_404(measure_id)
    language = request.args.get("lang", "de")
    try:
        body, mimetype = export_record(
            db(), measure, fmt, language if language in LOCALES else "de", owner=current_user.id
        )
    except jobs.JobRefused as error:
        return refused_page(error)
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{record_filename(measure, fmt)}"'
    return response
