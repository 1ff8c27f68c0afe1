"""A QR code per table (activities/tables.py): /sessions/<id>/tische prints one card per table, and
/j/<code>/t/<n> — what a table's code holds — joins the session if needed and seats the phone at
table n of the table step that is running (through the engine, as the phone's own `table.sit`)."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, session, url_for
from flask_login import login_required

from workshop import live, rate_limits
from workshop.activities.seating import is_table_step
from workshop.ops import PARTICIPANT, Actor
from workshop.sessions.qr import qr_svg
from workshop.sessions.service import find_joinable, participant_by_token
from workshop.sessions.views import JoinForm, _join, _joined, _remember, _remember_name
from workshop.web import db, join_url, session_or_404

bp = Blueprint("tables", __name__)

MAX_TABLES = 12


def table_url(code: str, table_no: int) -> str:
    return f"{join_url(code)}/t/{table_no}"


@bp.route("/sessions/<session_id>/tische")
@login_required
def table_codes(session_id):
    ws = session_or_404(session_id)
    steps = [s for s in ws.steps if is_table_step(s)]
    if not steps:  # (a page that says so: the console links here only from a table step)
        return render_template("tables/codes.html", ws=ws, step=None, cards=[], steps=[])
    wanted = request.args.get("step")
    step = next((s for s in steps if s["key"] == wanted), None) or (
        ws.current if is_table_step(ws.current) else steps[0]
    )
    cards = [
        {"no": no, "name": name, "url": table_url(ws.join_code, no), "qr": qr_svg(table_url(ws.join_code, no))}
        for no, name in enumerate(step["tables"], start=1)
    ]
    return render_template("tables/codes.html", ws=ws, step=step, cards=cards, steps=steps)


@bp.route("/j/<code>/t/<int:table_no>", methods=["GET", "POST"])
@rate_limits.joins
def join_table(code, table_no):
    if not 1 <= table_no <= MAX_TABLES:
        abort(404)
    ws, refused = rate_limits.lookup_code(lambda: find_joinable(db(), code), _joined)
    if refused is not None:
        return refused
    if ws is None:
        return redirect(url_for("sessions.join", code=code[:20]))  # says there is no such session
    participant = participant_by_token(db(), ws.id, session.get("participants", {}).get(str(ws.id)))
    if participant is None:
        if request.method != "POST":
            action = url_for(".join_table", code=ws.join_code, table_no=table_no)
            return render_template(
                "sessions/join_name.html", ws=ws, last_name=session.get("display_name", ""), join_action=action
            )
        form = JoinForm().load(request.form.to_dict(), unknown="exclude")
        result = _join(ws, form["display_name"])
        _remember(ws.id, result["token"])
        if "display_name" in request.form:
            _remember_name(form["display_name"])
        participant_id = result["participant_id"]
    else:
        participant_id = participant.id
    step = ws.current
    if ws.status == "live" and is_table_step(step):
        # as the phone's own op: refused (e.g. the facilitator assigns the tables) it changes nothing,
        # and the phone shows where it sits
        db().close()
        live.submit(
            ws.id,
            Actor(PARTICIPANT, participant_id),
            {"type": "table.sit", "payload": {"step_key": step["key"], "table_no": table_no}},
        )
    return redirect(url_for("sessions.join", code=ws.join_code), 303)
