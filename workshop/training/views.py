"""Pages for training facilitators: practice sessions, simulated participants, notes, debrief."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import select

from workshop import live
from workshop.agenda.templates import TemplateError, available_templates
from workshop.measures.models import Measure
from workshop.ops import FACILITATOR, Actor, Rejected
from workshop.sessions.models import WorkshopSession
from workshop.training import simulation
from workshop.training.bots import TEMPERS
from workshop.training.debrief import build_debrief, clock, debrief_markdown
from workshop.training.models import ObserverNote
from workshop.training.practice import create_practice_session, delete_practice_measure, is_practice
from workshop.validation import CleanText, describe_errors
from workshop.web import db, session_or_404

bp = Blueprint("training", __name__)

NOTE_MAX = 2000
# The app's Content-Security-Policy, but framable by its own pages (the replay's three views).
FRAMED_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'self'"
)
PACES = {"normal": 3.0, "brisk": 1.0, "fast": 0.2}  # seconds per tick; "fast" for demos


class PracticeForm(Schema):
    template_key = fields.String(required=True, validate=validate.Length(1, 80))
    title = CleanText(load_default="", validate=validate.Length(max=300))


class BotsForm(Schema):
    count = fields.Integer(required=True, strict=False, validate=validate.Range(1, simulation.MAX_BOTS))
    temper = fields.String(load_default="lively", validate=validate.OneOf(TEMPERS))
    pace = fields.String(load_default="normal", validate=validate.OneOf(list(PACES)))
    # Tests and load runs may give the tick in seconds directly.
    seconds = fields.Float(load_default=None, validate=validate.Range(simulation.MIN_PACE, simulation.MAX_PACE))


class NoteForm(Schema):
    text = CleanText(required=True, validate=validate.Length(1, NOTE_MAX))


def _app():
    """The app object itself (simulations outlive the request that starts them)."""
    return current_app._get_current_object()


def _temper_labels() -> dict[str, str]:
    return {
        "quiet": _("ruhig"),
        "lively": _("lebhaft"),
        "dominant": _("eine Person dominiert"),
        "late": _("viele kommen später"),
        "drops": _("Verbindungsabbrüche"),
    }


def _pace_labels() -> dict[str, str]:
    return {"normal": _("menschlich"), "brisk": _("zügig"), "fast": _("Zeitraffer")}


def practice_session_or_404(session_id) -> WorkshopSession:
    ws = session_or_404(session_id, "session.run")
    if not is_practice(ws):
        abort(404)
    return ws


@bp.route("/training", methods=["GET", "POST"])
@login_required
def index():
    if request.method == "POST":
        try:
            form = PracticeForm().load(request.form.to_dict(), unknown="exclude")
            title = form["title"] or _("Übung")
            ws = create_practice_session(
                db(), facilitator_id=current_user.id, template_key=form["template_key"], title=title
            )
        except ValidationError as error:
            flash(_("Keine Übung angelegt: %(error)s", error=describe_errors(error.messages)), "error")
            return redirect(url_for(".index"), 303)
        except TemplateError as error:
            flash(_("Keine Übung angelegt: %(error)s", error=error.for_people()), "error")
            return redirect(url_for(".index"), 303)
        db().commit()
        return redirect(url_for("sessions.console", session_id=ws.id), 303)
    sessions = (
        db()
        .scalars(
            select(WorkshopSession)
            .join(Measure, Measure.id == WorkshopSession.measure_id)
            .where(WorkshopSession.facilitator_id == current_user.id, Measure.is_exercise.is_(True))
            .order_by(WorkshopSession.id.desc())
        )
        .all()
    )
    from workshop.agenda.library import team_formats

    # the five units and the team's own formats (issue 30: "Üben" offered only the five)
    return render_template(
        "training/index.html",
        sessions=sessions,
        templates=available_templates(),
        library=team_formats(db(), current_user.id),
    )


@bp.route("/training/guides")
@login_required
def guides():
    """The guide of every process unit, printable for trainees (print CSS: one unit per page)."""
    from workshop.sessions.guides import guides as all_guides

    labels = {
        "goal": _("Ziel"),
        "roles": _("Rollen"),
        "preparation": _("Vorbereitung"),
        "questions": _("Leitfragen"),
        "method": _("Methodische Hinweise"),
        "pitfalls": _("Stolpersteine"),
        "materials": _("Material"),
    }
    return render_template("training/guides.html", guides=all_guides(), labels=labels)


@bp.route("/training/sessions/<session_id>/reset", methods=["POST"])
@login_required
def reset(session_id):
    ws = practice_session_or_404(session_id)
    simulation.stop_simulations(_app(), ws.id)
    db().close()  # the op queue applies the reset in a transaction of its own
    # An op like any other: stored with its event, broadcast, and every screen takes a fresh snapshot.
    outcome = live.submit(int(ws.id), Actor(FACILITATOR, current_user.id), {"type": "session.reset"})
    if isinstance(outcome, Rejected):
        flash(_("Die Übung ließ sich gerade nicht zurücksetzen; bitte versuchen Sie es noch einmal."), "error")
        return redirect(url_for("sessions.console", session_id=ws.id), 303)
    flash(_("Die Übung ist auf den Anfang zurückgesetzt."), "success")
    return redirect(url_for("sessions.console", session_id=ws.id), 303)


@bp.route("/training/sessions/<session_id>/delete", methods=["POST"])
@login_required
def delete(session_id):
    ws = practice_session_or_404(session_id)
    simulation.stop_simulations(_app(), ws.id)
    title = ws.title
    delete_practice_measure(db(), db().get(Measure, ws.measure_id))
    db().commit()
    flash(_("Übung „%(title)s“ gelöscht.", title=title), "success")
    return redirect(url_for(".index"), 303)


@bp.route("/training/sessions/<session_id>/bots", methods=["POST"])
@login_required
def add_bots(session_id):
    ws = practice_session_or_404(session_id)
    try:
        form = BotsForm().load(request.form.to_dict(), unknown="exclude")
        pace = form["seconds"] or PACES[form["pace"]]
        simulation.start_simulation(_app(), ws.id, form["count"], form["temper"], pace, current_user.id)
    except ValidationError as error:
        flash(_("Keine simulierten Teilnehmenden: %(error)s", error=describe_errors(error.messages)), "error")
        return redirect(url_for("sessions.console", session_id=ws.id), 303)
    except simulation.TooManyBots as error:
        flash(error.text(), "error")
        return redirect(url_for("sessions.console", session_id=ws.id), 303)
    flash(_("%(count)s simulierte Teilnehmende kommen dazu.", count=form["count"]), "success")
    return redirect(url_for("sessions.console", session_id=ws.id), 303)


@bp.route("/training/sessions/<session_id>/bots/stop", methods=["POST"])
@login_required
def stop_bots(session_id):
    ws = practice_session_or_404(session_id)
    stopped = simulation.stop_simulations(_app(), ws.id)
    flash(_("%(count)s simulierte Teilnehmende angehalten.", count=stopped), "success")
    return redirect(url_for("sessions.console", session_id=ws.id), 303)


@bp.route("/sessions/<session_id>/notes", methods=["POST"])
@login_required
def add_note(session_id):
    ws = session_or_404(session_id)  # every session role, observers (trainees) included
    try:
        form = NoteForm().load(request.form.to_dict(), unknown="exclude")
    except ValidationError as error:
        flash(_("Notiz nicht gespeichert: %(error)s", error=describe_errors(error.messages)), "error")
        return redirect(url_for(".debrief", session_id=ws.id), 303)
    db().add(ObserverNote(session_id=ws.id, author_id=current_user.id, seq=ws.last_seq, text=form["text"]))
    db().commit()
    flash(_("Notiz gespeichert."), "success")
    return redirect(
        request.form.get("back") == "console"
        and url_for("sessions.console", session_id=ws.id)
        or url_for(".debrief", session_id=ws.id),
        303,
    )


@bp.route("/sessions/<session_id>/debrief")
@login_required
def debrief(session_id):
    ws = session_or_404(session_id)  # every session role, observers (trainees) included
    report = build_debrief(db(), ws)
    return render_template("training/debrief.html", ws=ws, d=report, clock=clock)


@bp.route("/sessions/<session_id>/debrief.md")
@login_required
def debrief_md(session_id):
    ws = session_or_404(session_id)  # every session role, observers (trainees) included
    text = debrief_markdown(build_debrief(db(), ws))
    return Response(
        text,
        mimetype="text/markdown; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="nachbesprechung-{ws.id}.md"'},
    )


def training_context(ws: WorkshopSession) -> dict:
    """What the console's practice panel shows."""
    app = _app()
    return {
        "practice": is_practice(ws),
        "simulated": simulation.simulated_count(app, ws.id),
        "tempers": _temper_labels(),
        "paces": _pace_labels(),
        "max_bots": simulation.MAX_BOTS,
    }


# --- replay ---------------------------------------------------------------------------------


def _replay_viewer(ws: WorkshopSession):
    from workshop.training.replay import VIEWS, phones, viewer_for

    view = request.args.get("view", "projector")
    if view not in VIEWS:
        abort(404)
    people = phones(db(), ws)
    try:
        person = int(request.args.get("person", "1"))
    except ValueError:
        abort(404)
    participant = people[person - 1] if view == "phone" and 1 <= person <= len(people) else None
    if view == "phone" and participant is None:
        abort(404)
    return view, person, viewer_for(view, participant, ws.facilitator_id)


@bp.route("/sessions/<session_id>/replay")
@login_required
def replay_page(session_id):
    from workshop.live.models import Event
    from workshop.training.debrief import INTERVENTIONS, describe
    from workshop.training.replay import phones

    ws = session_or_404(session_id)  # every session role, observers (trainees) included
    events = db().scalars(select(Event).where(Event.session_id == ws.id).order_by(Event.seq)).all()
    marks = [
        {"seq": e.seq, "at": e.created_at.isoformat(), "text": describe(ws, e)}
        for e in events
        if e.type in INTERVENTIONS
    ]
    moments = [{"seq": e.seq, "at": e.created_at.isoformat()} for e in events]
    return render_template("training/replay.html", ws=ws, marks=marks, moments=moments, people=len(phones(db(), ws)))


@bp.route("/sessions/<session_id>/replay.json")
@login_required
def replay_data(session_id):
    from flask import jsonify

    from workshop.training.replay import replay

    ws = session_or_404(session_id)  # every session role, observers (trainees) included
    _view, _person, viewer = _replay_viewer(ws)
    return jsonify(replay(db(), ws, viewer))


@bp.route("/sessions/<session_id>/replay/view")
@login_required
def replay_view(session_id):
    """The live page of one viewer (console, projector, phone) fed from the replay, in a frame."""
    from workshop.sessions.qr import qr_svg

    ws = session_or_404(session_id)  # every session role, observers (trainees) included
    view, person, _viewer = _replay_viewer(ws)
    data_url = url_for(".replay_data", session_id=ws.id, view=view, person=person)
    template = {
        "console": "sessions/console.html",
        "projector": "sessions/projector.html",
        "phone": "sessions/participant.html",
    }[view]
    context = {
        "ws": ws,
        "replay_url": data_url,
        "join_url": "",
        "qr": qr_svg(ws.join_code),
        "record_fields": [],
        "training": {"practice": False},
        "participant": None,
        "staff_role": "observer",
        "role_label": _("Wiedergabe"),
    }
    response = current_app.make_response(render_template(template, **context))
    # Framed by the replay page of the same origin (every other page refuses to be framed).
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["Content-Security-Policy"] = FRAMED_POLICY
    return response
