"""Session pages: the facilitator's console, the projector, and the participants' join flow."""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from marshmallow import Schema, ValidationError, fields, validate

from workshop import live, rate_limits
from workshop.access import policy
from workshop.extensions import csrf
from workshop.i18n import current_locale
from workshop.live.session_ops import CapturePayload, plan_capture
from workshop.measures.record import template_of
from workshop.ops import FACILITATOR, Actor, OpContext, Rejected
from workshop.sessions.join_codes import LENGTH as CODE_LENGTH
from workshop.sessions.qr import qr_svg
from workshop.sessions.service import find_joinable, participant_by_token
from workshop.training.views import training_context
from workshop.validation import Text, describe_errors
from workshop.web import db, join_url, session_or_404

bp = Blueprint("sessions", __name__)

# The participant cookie maps session id -> token; it holds at most this many sessions.
MAX_REMEMBERED_SESSIONS = 20


class JoinForm(Schema):
    display_name = fields.String(load_default="")
    named_in_protocol = fields.Boolean(load_default=False)  # a ticked checkbox sends "1"


class ApiJoin(Schema):
    code = Text(required=True, validate=validate.Length(1, 20))
    display_name = Text(load_default="")
    named_in_protocol = fields.Boolean(load_default=False)


def _join(ws, display_name: str, named_in_protocol: bool = False) -> dict:
    """Join as an op like any other (queued with the room's ops, broadcast after commit)."""
    # Give the request's pooled connection back before waiting: the queue needs one to apply
    # the join, and a join storm's waiting requests would otherwise hold the whole pool (HTTP
    # 500 after the pool timeout). ws keeps what it loaded; the callers read only that.
    db().close()
    outcome = live.submit(
        ws.id,
        Actor.system(),
        {"type": "participant.join", "payload": {"display_name": display_name, "named_in_protocol": named_in_protocol}},
    )
    if isinstance(outcome, Rejected):
        raise outcome
    return outcome.result


def _remember(session_id: int, token: str) -> None:
    tokens = dict(session.get("participants", {}))
    tokens[str(session_id)] = token
    session["participants"] = dict(list(tokens.items())[-MAX_REMEMBERED_SESSIONS:])
    session.permanent = True


def _remember_name(display_name: str) -> None:
    """The name chosen last is offered at the next join in this browser (WCAG 3.3.7, redundant
    entry); an empty field forgets it: it lives only in this browser's own session cookie."""
    name = display_name.strip()[:40]
    if name:
        session["display_name"] = name
    else:
        session.pop("display_name", None)


@bp.route("/sessions/<session_id>")
@login_required
def console(session_id):
    from workshop.access.views import ROLE_LABELS

    ws = session_or_404(session_id)
    fields = [{"key": f.key, "label": f.label_text(current_locale())} for f in template_of(ws.measure).fields]
    role = policy.session_role(db(), current_user.id, ws)  # each staff role has its own console
    return render_template(
        "sessions/console.html",
        ws=ws,
        join_url=join_url(ws.join_code),
        record_fields=fields,
        staff_role=role,
        role_label=ROLE_LABELS[role],
        # Only what this role may do is offered (a control the server refuses is not shown).
        may_run=role in policy.SESSION_ACTIONS["session.run"],
        may_notes=role in policy.SESSION_ACTIONS["session.notes"],
        training=training_context(ws),
    )


@bp.route("/sessions/<session_id>/capture-preview")
@login_required
def capture_preview(session_id):
    """What each record field will hold after a capture, before anything is written (the
    console shows it before the facilitator confirms). The same planning as record.capture;
    the transaction is rolled back, so this changes nothing."""
    ws = session_or_404(session_id, "session.run")
    args = {k: v for k, v in request.args.items() if k in ("step_key", "field_key", "mode", "clusters") and v}
    try:
        if request.args.get("card_ids"):
            args["card_ids"] = [int(part) for part in request.args["card_ids"].split(",")[:100]]
        payload = CapturePayload().load(args)
        _step, _measure, planned = plan_capture(
            OpContext(db(), ws, Actor(FACILITATOR, ws.facilitator_id), None), payload
        )
        views = [item.view(current_locale()) for item in planned]
    except ValueError:
        return jsonify(Rejected("invalid", "card_ids: comma-separated numbers").as_ack()), 400
    except ValidationError as error:
        return jsonify(Rejected("invalid", describe_errors(error.messages)).as_ack()), 400
    except Rejected as rejected:
        # A refusal is an answer like a socket ack (200, ok: false), not a failed request: the console
        # shows its sentence, and the browser logs no error for it.
        return jsonify(rejected.as_ack())
    finally:
        db().rollback()
    return jsonify({"ok": True, "fields": views})


@bp.route("/sessions/<session_id>/projector")
@login_required
def projector(session_id):
    ws = session_or_404(session_id)
    url = join_url(ws.join_code)
    return render_template("sessions/projector.html", ws=ws, join_url=url, qr=qr_svg(url))


def _joined(ws) -> bool:
    """This browser is a participant of ws already (a reload, or the phone coming back)."""
    return participant_by_token(db(), ws.id, session.get("participants", {}).get(str(ws.id))) is not None


@bp.route("/join", methods=["GET", "POST"])
@rate_limits.joins
def join_form():
    if request.method == "POST":
        typed = request.form.get("code", "")[:40]
        ws, refused = rate_limits.lookup_code(lambda: find_joinable(db(), typed), _joined)
        if refused is not None:
            return refused
        if ws is None:
            flash(
                _(
                    "Zu „%(code)s“ gibt es keine laufende Sitzung. Bitte prüfen Sie den %(length)s-stelligen Code.",
                    code=typed.strip(),
                    length=CODE_LENGTH,
                ),
                "error",
            )
            return render_template("sessions/join_code.html", code=typed), 404
        return redirect(url_for(".join", code=ws.join_code), 303)
    return render_template("sessions/join_code.html", code="")


@bp.route("/j/<code>", methods=["GET", "POST"])
@rate_limits.joins
def join(code):
    ws, refused = rate_limits.lookup_code(lambda: find_joinable(db(), code), _joined)
    if refused is not None:
        return refused
    if ws is None:
        flash(_("Zu „%(code)s“ gibt es keine laufende Sitzung. Bitte prüfen Sie den Code.", code=code[:20]), "error")
        return render_template("sessions/join_code.html", code=code[:20]), 404
    token = session.get("participants", {}).get(str(ws.id))
    participant = participant_by_token(db(), ws.id, token)
    if request.method == "POST" and participant is None:
        try:
            form = JoinForm().load(request.form.to_dict(), unknown="exclude")
        except ValidationError as error:
            flash(_("Beitritt nicht möglich: %(reason)s", reason=describe_errors(error.messages)), "error")
            return render_template(
                "sessions/join_name.html", ws=ws, last_name=request.form.get("display_name", "")
            ), 400
        try:
            result = _join(ws, form["display_name"], form["named_in_protocol"])
        except Rejected as rejected:
            flash(_("Beitritt nicht möglich: %(reason)s", reason=rejected.message), "error")
            return render_template("sessions/join_name.html", ws=ws, last_name=form["display_name"]), 400
        _remember(ws.id, result["token"])
        if "display_name" in request.form:  # an anonymous unit's form has no name: keep the last one
            _remember_name(form["display_name"])
        return redirect(url_for(".join", code=ws.join_code), 303)
    if participant is None:
        return render_template("sessions/join_name.html", ws=ws, last_name=session.get("display_name", ""))
    return render_template("sessions/participant.html", ws=ws, participant=participant)


@bp.route("/api/join", methods=["POST"])
@csrf.exempt  # creates a new anonymous participant; there is no ambient authority to abuse
@rate_limits.joins
def api_join():
    try:
        form = ApiJoin().load(request.get_json(silent=True) or {})
    except ValidationError as error:
        return jsonify(ok=False, error={"code": "invalid", "message": describe_errors(error.messages)}), 400
    ws, refused = rate_limits.lookup_code(lambda: find_joinable(db(), form["code"]))
    if refused is not None:
        return refused
    if ws is None:
        return jsonify(
            ok=False, error={"code": "unknown_code", "message": "There is no running session with this code."}
        ), 404
    try:
        result = _join(ws, form["display_name"], form["named_in_protocol"])
    except Rejected as rejected:
        return jsonify(rejected.as_ack()), 400
    return jsonify(ok=True, session_id=ws.id, participant_id=result["participant_id"], token=result["token"])
