"""The small interface every activity type implements (see DESIGN.md: one module per activity).

An activity declares:
- config_schema: the step settings it accepts in a session template (shown to every screen),
- step_class: its typed step (sessions/steps.Step with those settings as typed fields; the step
  checks itself against earlier steps in Step.check),
- ops: the operations participants / facilitators may send (each OpSpec names the step types
  it needs and whether the step lock applies; the engine checks both),
- offers: what a later step may build on ("cards", "clusters"),
- state(): what a viewer needs to draw the step,
- results(): the ordered outcome, used by capture into the record and by the protocol,
- protocol(): its agenda item's part of the protocol (activities/protocol.py: what it writes with).
A new activity type is one module with a subclass and one line in registry.py.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING

from workshop.activities.protocol import Fold, Section
from workshop.ops import Actor, OpSpec, SchemaClass
from workshop.sessions.steps import Step

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
    # What else the record's provenance of this result names (measures/capture.py), e.g. the cards
    # merged into it: {"merged": [{"card_id", "text"}]}
    trace: dict = field(default_factory=dict)


@cache
def _setting_names(schema: SchemaClass | None) -> tuple[str, ...]:
    return tuple(schema().fields) if schema else ()


class Activity:
    type: str = ""
    config_schema: SchemaClass | None = None
    # its fields beyond Step's are exactly config_schema's (builtins.: `type` is the name here)
    step_class: builtins.type[Step] = Step
    ops: tuple[OpSpec, ...] = ()
    offers: frozenset[str] = frozenset()  # what a later step can take as its source
    capturable: bool = True  # whether its results can be captured into the record
    guided: bool = True  # whether the unit's guide prefills the step's notes (a break needs none)

    def settings(self, step: dict) -> dict:
        """The step's own settings (its config_schema's fields), as every screen gets them."""
        return {key: step[key] for key in _setting_names(self.config_schema) if key in step}

    def state(self, db: Session, ws: WorkshopSession, step: dict, viewer: Actor) -> dict:
        return {}

    def results(self, db: Session, ws: WorkshopSession, step: dict) -> list[ResultItem]:
        return []

    def seed(self, db: Session, ws: WorkshopSession, step: dict) -> None:
        """Create what the step starts with when a session is created (e.g. consent options)."""

    def reveal(self, db: Session, ws: WorkshopSession, step: dict) -> dict | None:
        """What everybody receives when the facilitator reveals the step (None: nothing hidden)."""
        return None

    def protocol(self, f: Fold, step: dict, item: Section) -> None:
        """Its part of its agenda item (TOP): by default its results, one line each."""
        item.results = [r.text for r in self.results(f.db, f.ws, step)]

    def votes_on_source(self, db: Session, ws: WorkshopSession, step: dict) -> dict[int, int] | None:
        """Dots this step gave to its source step's cards or clusters (None: it is no vote)."""
        return None
