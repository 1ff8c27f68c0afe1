"""Marshmallow schemas of the read API; the OpenAPI document is generated from them."""

from __future__ import annotations

from marshmallow import Schema, fields

from workshop.timezone import local_iso


class LocalDateTime(fields.DateTime):
    """ISO 8601 in the instance's time zone, with its offset (2026-12-03T09:00:00+01:00): the
    screens' and the protocol's time, and still the exact moment for a program."""

    def _serialize(self, value, attr, obj, **kwargs):
        return local_iso(value)


class ErrorSchema(Schema):
    ok = fields.Boolean(metadata={"description": "always false"})
    error = fields.Dict(metadata={"description": "{code, message}"})


class MeasureSummarySchema(Schema):
    id = fields.Integer(required=True)
    reference_number = fields.String(allow_none=True)
    title = fields.String(required=True)
    status = fields.String(
        required=True, metadata={"description": "idea | draft | mandated | in_implementation | done | continuation"}
    )
    record_template = fields.String(required=True, metadata={"description": "default (Berlin) | aachen"})
    updated_at = LocalDateTime()


class RecordLineSchema(Schema):
    text = fields.String(required=True)
    source = fields.Dict(
        allow_none=True, metadata={"description": "where the line came from (session, step, card, votes)"}
    )


class RecordFieldSchema(Schema):
    key = fields.String(required=True)
    type = fields.String(required=True)
    label = fields.Dict(keys=fields.String(), values=fields.String(), metadata={"description": "{de, en}"})
    value = fields.String(required=True)
    lines = fields.List(fields.Nested(RecordLineSchema))


class MeasureSchema(MeasureSummarySchema):
    created_at = LocalDateTime()
    record = fields.List(fields.Nested(RecordFieldSchema))


class RevisionSchema(Schema):
    id = fields.Integer()
    field_key = fields.String()
    value = fields.String()
    source_kind = fields.String(metadata={"description": "manual | capture | import | restore | undo | status | …"})
    source_session_id = fields.Integer(allow_none=True)
    source_step_key = fields.String(allow_none=True)
    created_at = LocalDateTime()


class SessionSummarySchema(Schema):
    id = fields.Integer(required=True)
    measure_id = fields.Integer()
    title = fields.String()
    template_key = fields.String()
    mode = fields.String(metadata={"description": "live | exercise"})
    status = fields.String(metadata={"description": "ready | live | ended"})
    run_number = fields.Integer()
    created_at = LocalDateTime()
    started_at = LocalDateTime(allow_none=True)


class ProtocolSchema(Schema):
    session_id = fields.Integer()
    protocol = fields.Dict(metadata={"description": "the protocol model (agenda items, cards, results, captures)"})


class MilestoneSchema(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    planned_date = fields.String(allow_none=True, metadata={"description": "ISO date"})
    actual_date = fields.String(allow_none=True, metadata={"description": "ISO date it was reached"})
    status = fields.String(metadata={"description": "a status key of the record template's matrix"})
    status_label = fields.Dict(metadata={"description": "{de, en}"})
    done = fields.Boolean(metadata={"description": "the status counts as reached"})
    excluded = fields.Boolean(metadata={"description": "the status no longer counts (dropped)"})
    overdue = fields.Boolean()
    responsible = fields.String()
    weight = fields.Float()
    note = fields.String()
    evidence_url = fields.String()
    public = fields.Boolean()


class IndicatorValueSchema(Schema):
    id = fields.Integer()
    value = fields.Float()
    measured_on = fields.String(metadata={"description": "ISO date"})
    source = fields.String()
    author_name = fields.String(metadata={"description": "who entered it"})
    source_kind = fields.String(metadata={"description": "manual | capture | import | demo"})
    provenance = fields.Dict(allow_none=True, metadata={"description": "the session and step of a capture"})
    entered_at = fields.String(allow_none=True)


class IndicatorSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    unit = fields.String()
    direction = fields.String(metadata={"description": "higher | lower (is better)"})
    baseline_value = fields.Float(allow_none=True)
    baseline_date = fields.String(allow_none=True)
    target_value = fields.Float(allow_none=True)
    target_date = fields.String(allow_none=True)
    public = fields.Boolean()
    share = fields.Float(allow_none=True, metadata={"description": "0..1 of the way from baseline to target"})
    off_track = fields.Boolean()
    values = fields.List(fields.Nested(IndicatorValueSchema))


class MonitoringSchema(Schema):
    measure_id = fields.Integer()
    progress = fields.Float(allow_none=True, metadata={"description": "0..1: mean of the two parts it has"})
    milestone_progress = fields.Float(allow_none=True, metadata={"description": "0..1: reached weight / weight"})
    indicator_progress = fields.Float(allow_none=True, metadata={"description": "0..1: mean share of the way"})
    action_field = fields.String()
    stale = fields.Boolean(metadata={"description": "no monitoring update for 90 days"})
    last_update = fields.String(allow_none=True)
    milestones = fields.List(fields.Nested(MilestoneSchema))
    indicators = fields.List(fields.Nested(IndicatorSchema))
