"""The small interface every activity type implements (see DESIGN.md: one module per activity).

An activity declares:
- config_schema: the step settings it accepts in a session template,
- ops: the operations participants / facilitators may send while its step is active,
- state(): what a viewer needs to draw the step,
- results(): the ordered outcome, used by capture into the record and by the protocol.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from marshmallow import Schema

from workshop.ops import Actor, OpContext, OpSpec, Rejected

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from workshop.sessions.models import WorkshopSession


@dataclass
class ResultItem:
    text: str
    card_id: int | None
    column_key: str | None
    votes: int = 0
    cluster_id: int | None = None


class Activity:
    type: str = ""
    config_schema: type[Schema] | None = None
    ops: tuple[OpSpec, ...] = ()

    def check_step(self, step: dict, earlier_steps: list[dict]) -> list[str]:
        """Cross-step checks at template load; returns error texts naming the field."""
        return []

    def state(self, db: "Session", ws: "WorkshopSession", step: dict, viewer: "Actor") -> dict:
        return {}

    def results(self, db: "Session", ws: "WorkshopSession", step: dict) -> list[ResultItem]:
        return []

    def seed(self, db: "Session", ws: "WorkshopSession", step: dict) -> None:
        """Create what the step starts with when a session is created (e.g. consent options)."""

    def reveal(self, db: "Session", ws: "WorkshopSession", step: dict) -> dict | None:
        """What everybody receives when the facilitator reveals the step (None: nothing hidden)."""
        return None


def current_step_of_type(ctx: OpContext, activity_type: str, message: str) -> dict:
    """The current step, if it is of this activity type; otherwise the op is refused."""
    step = ctx.ws.current
    if step["type"] != activity_type:
        raise Rejected("wrong_step_type", message)
    return step
