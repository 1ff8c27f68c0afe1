"""Agenda items that frame the group work: a welcome, an input (text, images or a PDF on the
projector) and a break. Nobody sends anything during them; they are there so the whole workshop,
not only its group work, is one plan with one clock."""

from __future__ import annotations

from dataclasses import dataclass, field

from marshmallow import Schema, fields, validate

from workshop.activities.base import Activity, Preset
from workshop.i18n import N_, NP_, LocalizedText
from workshop.ops import FACILITATOR, OpContext, OpSpec, Outcome, Rejected
from workshop.sessions.runtime import step_state, update_step
from workshop.sessions.steps import Localized, Step


class InputConfig(Schema):
    text = LocalizedText(  # shown on the projector and the phones
        load_default=None,
        max_length=5000,
        metadata={"label": N_("Text auf der Leinwand"), "help": N_("Erscheint auf der Leinwand und auf den Handys.")},
    )
    files = fields.List(
        fields.Integer(strict=True),
        load_default=list,
        validate=validate.Length(max=10),
        metadata={"label": N_("Bilder oder PDF (je höchstens 5 MB)"), "editor": "files"},
    )


@dataclass(kw_only=True)
class InputStep(Step):
    text: Localized | None = None
    files: list[int] = field(default_factory=list)


class TurnPage(Schema):
    step_key = fields.String(required=True, validate=validate.Length(1, 80))
    file_id = fields.Integer(required=True, strict=True)
    page = fields.Integer(required=True, strict=True, validate=validate.Range(1, 500))


def turn_page(ctx: OpContext, payload: dict) -> Outcome:
    """The facilitator turns a PDF's page; the projector and the phones follow (issue 30)."""
    from workshop.sessions.models import SessionFile

    step = ctx.ws.current  # an input step: the engine checked (OpSpec.step_types)
    if step["key"] != payload["step_key"]:
        raise Rejected("step_not_active", f"Step '{payload['step_key']}' is not the current step.")
    stored = ctx.db.get(SessionFile, payload["file_id"])
    if stored is None or stored.id not in (step.get("files") or []) or stored.mime != "application/pdf":
        raise Rejected("file_not_found", f"File {payload['file_id']} is no PDF of this step.")
    if stored.page_count is not None and payload["page"] > stored.page_count:
        raise Rejected("invalid", f"payload.page: the PDF has {stored.page_count} pages.")
    pages = dict(step_state(ctx.ws, step["key"]).get("pages") or {})
    pages[str(stored.id)] = payload["page"]
    update_step(ctx.ws, step["key"], pages=pages)
    return Outcome("input.paged", {"step_key": step["key"], "file_id": stored.id, "page": payload["page"]})


class WelcomeActivity(Activity):
    type = "welcome"
    label = N_("Begrüßung")
    presets = (
        Preset(
            type,
            label,
            N_("Begrüßung"),
            minutes=10,
            prompt=N_("Willkommen! Worum es heute geht und wie wir arbeiten."),
            frame=True,
        ),
    )
    capturable = False  # nothing is said in it that could go into the record


class InputActivity(Activity):
    type = "input"
    label = N_("Input (Text, Bilder, PDF)")
    presets = (Preset(type, label, N_("Input"), minutes=15, frame=True),)
    config_schema = InputConfig
    step_class = InputStep
    ops = (OpSpec("input.page", TurnPage, frozenset({FACILITATOR}), turn_page, step_types=frozenset({"input"})),)
    capturable = False

    def state(self, db, ws, step, viewer):
        """The step's files as the viewers fetch them (the file route checks who may)."""
        from sqlalchemy import select

        from workshop.sessions.models import SessionFile

        wanted = step.get("files") or []
        found = {
            f.id: f
            for f in db.execute(
                select(
                    SessionFile.id, SessionFile.name, SessionFile.mime, SessionFile.alt_text, SessionFile.page_count
                ).where(SessionFile.session_id == ws.id, SessionFile.id.in_(wanted))
            )
        }
        # An image without the facilitator's description (one from before it was asked for) is
        # named by the step's title: a file name ("IMG_2041.png") tells a screen reader nothing.
        fallback = step.get("title")
        turned = step_state(ws, step["key"]).get("pages") or {}
        return {
            "files": [
                {
                    "id": i,
                    "name": found[i].name,
                    "mime": found[i].mime,
                    "url": f"/sessions/{ws.id}/files/{i}",
                    "alt": found[i].alt_text or fallback,
                    # a PDF is shown page by page: the page the facilitator turned to, and how many
                    "page": turned.get(str(i), 1),
                    "pages": found[i].page_count,
                }
                for i in wanted
                if i in found
            ]
        }


class BreakActivity(Activity):
    type = "break"
    label = N_("Pause (Kaffee, Luft)")
    presets = (Preset(type, label, NP_("agenda step", "Pause"), minutes=15, frame=True),)
    capturable = False
    guided = False
