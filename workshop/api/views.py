"""Read-only JSON API for a city's register or open-data portal.

Authorised like the pages: the logged-in facilitator's cookie; measures are shared by all
facilitators (register/access.py decides), a session and its protocol belong to its facilitator.
Every route is GET; the OpenAPI document at /api/openapi.json is generated from the schemas."""

from __future__ import annotations

from functools import wraps

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec_webframeworks.flask import FlaskPlugin
from flask import Blueprint, current_app, jsonify
from flask_login import current_user
from sqlalchemy import select

from workshop.api import schemas
from workshop.measures import record as record_ops
from workshop.measures.models import Measure, RecordRevision
from workshop.register.access import may_read_measure
from workshop.register.exporting import _plain
from workshop.timezone import local_iso
from workshop.web import db

bp = Blueprint("api", __name__, url_prefix="/api")


def _error(status: int, code: str, message: str):
    response = jsonify(ok=False, error={"code": code, "message": message})
    response.status_code = status
    return response


def api_login_required(view):
    """401 as JSON (no redirect to a login page a program cannot use)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return _error(401, "login_required", "Log in as a facilitator; the API uses the session cookie.")
        return view(*args, **kwargs)

    return wrapped


def _measure_or_404(measure_id: int):
    measure = db().get(Measure, measure_id)
    if measure is None or not may_read_measure(current_user, measure):
        return None
    return measure


def _not_found():
    return _error(404, "not_found", "No such object, or not yours to read.")


@bp.route("/measures")
@api_login_required
def measures():
    """All measures of the register.
    ---
    get:
      summary: List measures
      responses:
        200:
          description: the measures
          content:
            application/json:
              schema:
                type: array
                items: MeasureSummarySchema
        401:
          description: not logged in
          content:
            application/json:
              schema: ErrorSchema
    """
    rows = [m for m in db().scalars(select(Measure).order_by(Measure.id)) if may_read_measure(current_user, m)]
    return jsonify(schemas.MeasureSummarySchema(many=True).dump(rows))


@bp.route("/measures/<int:measure_id>")
@api_login_required
def measure(measure_id: int):
    """One measure with its record (every field's value and the provenance of each line).
    ---
    get:
      summary: A measure and its record
      parameters:
        - in: path
          name: measure_id
          required: true
          schema: {type: integer}
      responses:
        200:
          description: the measure
          content:
            application/json:
              schema: MeasureSchema
        401:
          description: not logged in
          content:
            application/json:
              schema: ErrorSchema
        404:
          description: no such measure
          content:
            application/json:
              schema: ErrorSchema
    """
    found = _measure_or_404(measure_id)
    if found is None:
        return _not_found()
    values = record_ops.current_values(db(), found)
    record = [
        {"key": f.key, "type": f.type, "label": f.label, "value": values[f.key].value, "lines": values[f.key].lines}
        for f in record_ops.template_of(found).fields
    ]
    data = schemas.MeasureSummarySchema().dump(found)
    data["created_at"] = local_iso(found.created_at)
    data["record"] = schemas.RecordFieldSchema(many=True).dump(record)
    return jsonify(data)


@bp.route("/measures/<int:measure_id>/revisions")
@api_login_required
def revisions(measure_id: int):
    """Every change of the record, oldest first, with where it came from.
    ---
    get:
      summary: Record revisions of a measure
      parameters:
        - in: path
          name: measure_id
          required: true
          schema: {type: integer}
      responses:
        200:
          description: the revisions
          content:
            application/json:
              schema:
                type: array
                items: RevisionSchema
        401:
          description: not logged in
          content:
            application/json:
              schema: ErrorSchema
        404:
          description: no such measure
          content:
            application/json:
              schema: ErrorSchema
    """
    found = _measure_or_404(measure_id)
    if found is None:
        return _not_found()
    rows = db().scalars(select(RecordRevision).where(RecordRevision.measure_id == found.id).order_by(RecordRevision.id))
    return jsonify(schemas.RevisionSchema(many=True).dump(rows))


@bp.route("/measures/<int:measure_id>/sessions")
@api_login_required
def measure_sessions(measure_id: int):
    """The workshop sessions held for a measure (as the record page lists them).
    ---
    get:
      summary: Sessions of a measure
      parameters:
        - in: path
          name: measure_id
          required: true
          schema: {type: integer}
      responses:
        200:
          description: the sessions
          content:
            application/json:
              schema:
                type: array
                items: SessionSummarySchema
        401:
          description: not logged in
          content:
            application/json:
              schema: ErrorSchema
        404:
          description: no such measure
          content:
            application/json:
              schema: ErrorSchema
    """
    from workshop.sessions.models import WorkshopSession

    found = _measure_or_404(measure_id)
    if found is None:
        return _not_found()
    rows = db().scalars(
        select(WorkshopSession).where(WorkshopSession.measure_id == found.id).order_by(WorkshopSession.id)
    )
    return jsonify(schemas.SessionSummarySchema(many=True).dump(rows))


def _own_session(session_id: int):
    from workshop.access import policy
    from workshop.sessions.models import WorkshopSession

    ws = db().get(WorkshopSession, session_id)
    if ws is None or not policy.may(db(), current_user.id, "session.view", ws):  # like the console
        return None
    return ws


@bp.route("/sessions/<int:session_id>")
@api_login_required
def session(session_id: int):
    """One session (its facilitator only, like the console).
    ---
    get:
      summary: A session
      parameters:
        - in: path
          name: session_id
          required: true
          schema: {type: integer}
      responses:
        200:
          description: the session
          content:
            application/json:
              schema: SessionSummarySchema
        401:
          description: not logged in
          content:
            application/json:
              schema: ErrorSchema
        404:
          description: no such session of yours
          content:
            application/json:
              schema: ErrorSchema
    """
    ws = _own_session(session_id)
    if ws is None:
        return _not_found()
    return jsonify(schemas.SessionSummarySchema().dump(ws))


@bp.route("/sessions/<int:session_id>/protocol")
@api_login_required
def protocol(session_id: int):
    """The protocol model of a session (what the Markdown and HTML protocol show).
    ---
    get:
      summary: The protocol of a session
      parameters:
        - in: path
          name: session_id
          required: true
          schema: {type: integer}
      responses:
        200:
          description: the protocol
          content:
            application/json:
              schema: ProtocolSchema
        401:
          description: not logged in
          content:
            application/json:
              schema: ErrorSchema
        404:
          description: no such session of yours
          content:
            application/json:
              schema: ErrorSchema
    """
    from workshop.protocols.model import build_protocol

    ws = _own_session(session_id)
    if ws is None:
        return _not_found()
    return jsonify(schemas.ProtocolSchema().dump({"session_id": ws.id, "protocol": _plain(build_protocol(db(), ws))}))


@bp.route("/measures/<int:measure_id>/monitoring")
@api_login_required
def measure_monitoring(measure_id: int):
    """Milestones, indicators with their measured values, and the progress rolled up from them.
    ---
    get:
      summary: Monitoring of a measure (after the mandate)
      parameters:
        - in: path
          name: measure_id
          required: true
          schema: {type: integer}
      responses:
        200:
          description: milestones, indicators and progress
          content:
            application/json:
              schema: MonitoringSchema
        401:
          description: not logged in
          content:
            application/json:
              schema: ErrorSchema
        404:
          description: no such measure
          content:
            application/json:
              schema: ErrorSchema
    """
    from workshop.monitoring import progress

    found = _measure_or_404(measure_id)
    if found is None:
        return _not_found()
    p = progress.measure_progress(db(), found)
    template = record_ops.template_of(found)
    overdue = {m["id"] for m in p.overdue}
    milestones = []
    for m in p.milestones:
        kind = template.milestone_status(m["status"])
        milestones.append(
            {
                **m,
                "status_label": kind.label if kind else {"de": m["status"]},
                "done": bool(kind and kind.done),
                "excluded": bool(kind and kind.excluded),
                "overdue": m["id"] in overdue,
            }
        )
    data = {
        "measure_id": found.id,
        "progress": p.overall,
        "milestone_progress": p.milestone_share,
        "indicator_progress": p.indicator_share,
        "action_field": p.action_field,
        "stale": p.stale,
        "last_update": p.last_update.isoformat() if p.last_update else None,
        "milestones": milestones,
        "indicators": [
            {**i.indicator, "share": i.share, "off_track": i.off_track, "values": i.state.values} for i in p.indicators
        ],
    }
    return jsonify(schemas.MonitoringSchema().dump(data))


DOCUMENTED = (measures, measure, revisions, measure_sessions, measure_monitoring, session, protocol)


def build_spec() -> dict:
    spec = APISpec(
        title="Workshop read API",
        version="1",
        openapi_version="3.0.3",
        info={"description": "Read-only. Authorised by the logged-in facilitator's session cookie."},
        plugins=[FlaskPlugin(), MarshmallowPlugin()],
    )
    for name in (
        "ErrorSchema",
        "MeasureSummarySchema",
        "RecordLineSchema",
        "RecordFieldSchema",
        "MeasureSchema",  # leaves first
        "RevisionSchema",
        "SessionSummarySchema",
        "ProtocolSchema",
        "MilestoneSchema",
        "IndicatorValueSchema",
        "IndicatorSchema",
        "MonitoringSchema",
    ):
        spec.components.schema(name, schema=getattr(schemas, name))
    for view in DOCUMENTED:
        spec.path(view=view, app=current_app)
    return spec.to_dict()


@bp.route("/openapi.json")
def openapi():
    """The OpenAPI document (public: it describes, it shows no data)."""
    return jsonify(build_spec())
