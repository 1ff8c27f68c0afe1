"""GET /sessions/<id>/suggestions?step_key=…: the cluster and duplicate suggestions for a cluster
step, for the session's facilitator (and co-facilitator) only.

Computing them is CPU work (about 15 ms for 150 cards, BENCHMARKS.md): it runs off the event loop
(offload.run_blocking, a native thread) on the cards read before, with no database connection
held. suggest() is a pure function of the card texts, so the worker-process mechanism can take it
over as it is.
"""

from __future__ import annotations

import os

from flask import Blueprint, jsonify, request
from flask_login import current_user, login_required

from workshop import jobs
from workshop.activities.cluster import ClusterActivity
from workshop.activities.cluster_suggestions import rejected_keys, suggestion_input
from workshop.ops import Rejected
from workshop.suggestions.work import suggestion_views
from workshop.web import db, session_or_404

bp = Blueprint("suggestions", __name__)


@bp.route("/sessions/<session_id>/suggestions")
@login_required
def suggestions(session_id):
    ws = session_or_404(session_id, "session.run")
    step = ws.step(request.args.get("step_key", ""))
    if step is None or step["type"] != ClusterActivity.type:
        return jsonify(Rejected("wrong_step_type", "Suggestions are made for a cluster step.").as_ack()), 400
    cards, free = suggestion_input(db(), ws, step)
    rejected = rejected_keys(ws, step["key"])
    db().close()  # no connection held while the CPU works
    meaning = os.environ.get("WORKSHOP_SUGGEST_MEANING") == "1"  # the optional model (README)
    try:
        found = jobs.run(suggestion_views, cards, sorted(free), list(rejected), meaning, owner=current_user.id)
    except jobs.JobRefused as refused:
        return jsonify({"ok": False, "error": {"code": refused.code, "message": str(refused)}}), 503
    return jsonify({"ok": True, "step_key": step["key"], "suggestions": found})
