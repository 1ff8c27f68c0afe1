"""The small interface every activity type implements (see DESIGN.md: one module per activity).

An activity declares how it runs:
- config_schema: the step settings it accepts in a session template (shown to every screen),
- step_class: its typed step (sessions/steps.Step with those settings as typed fields; the step
  checks itself against earlier steps in Step.check, with sentences for people: steps.Problem),
- ops: the operations participants / facilitators may send (each OpSpec names the step types
  it needs and whether the step lock applies; the engine checks both),
- offers: what a later step may build on ("cards", "clusters"),
- state(): what a viewer needs to draw the step,
- results(): the ordered outcome, used by capture into the record and by the protocol,
- protocol(): its agenda item's part of the protocol (activities/protocol.py: what it writes with),
and how it is authored and rehearsed:
- label: its name in the step editor (a German msgid, N_),
- presets: the steps "add a step" offers for it (texts in every language),
- its options' label, help and editor in their schema fields' metadata (OPTION_META below),
- capturable / ranked_by_votes: what capture may take from it,
- bot_op(): what a simulated participant sends in it.
A new activity type is one module with a subclass and one line in registry.py.
"""

from __future__ import annotations

import builtins
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol

from workshop.activities.protocol import Fold, Section
from workshop.i18n import Msgid, in_every_language
from workshop.ops import Actor, OpSpec, SchemaClass
from workshop.sessions.steps import Step

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from workshop.sessions.models import WorkshopSession

# What an option's schema field may say about it in `metadata` (marshmallow's free-form dict):
#   label:   its name in the step editor (a German msgid, N_) — every option has one
#   help:    one sentence under the field (N_), optional
#   editor:  how the editor shows it, where its type does not say: "columns" (one "key [field]:
#            Title" a line), "step" (a choice of the earlier steps), "files" (uploads of the
#            session; a format has none), "longtext"
#   choices: {value: label msgid} for a field with validate.OneOf
OPTION_META = ("label", "help", "editor", "choices")


@dataclass
class ResultItem:
    text: str
    card_id: int | None
    column_key: str | None
    votes: int = 0
    cluster_id: int | None = None
    # a cluster: text is its title, members its cards' texts, each once (a capture may take them)
    members: tuple[str, ...] = ()
    # What else the record's provenance of this result names (measures/capture.py), e.g. the cards
    # merged into it: {"merged": [{"card_id", "text"}]}
    trace: dict = field(default_factory=dict)

    def with_members(self) -> str:
        """A cluster's title and its distinct cards on one line ("Title: a; b"); else the text."""
        return f"{self.text}: {'; '.join(self.members)}" if self.members else self.text


@dataclass(frozen=True)
class Preset:
    """A step that the editor's "add a step" offers: what it is called there and what it adds.

    key: what the choice posts (the activity's type, or a name of its own, e.g. "feedback");
    title, prompt: msgids, stored in every language, so the step reads right for every viewer;
    texts: the activity's text options the same way (a msgid, or a list of msgids);
    values: its other options as they are stored; frame: offered first (it frames the work)."""

    key: str
    label: str
    title: Msgid
    minutes: int = 10
    prompt: Msgid | None = None
    texts: Mapping[str, Msgid | tuple[Msgid, ...]] = field(default_factory=dict)
    values: Mapping[str, Any] = field(default_factory=dict)
    frame: bool = False

    def step(self, activity_type: str) -> dict:
        """The template step it adds (without a key): {de, en} for every text."""
        step: dict[str, Any] = {
            "type": activity_type,
            "title": in_every_language(self.title),
            "timebox_minutes": self.minutes,
            **self.values,
        }
        if self.prompt is not None:
            step["prompt"] = in_every_language(self.prompt)
        for name, text in self.texts.items():
            step[name] = [in_every_language(t) for t in text] if isinstance(text, tuple) else in_every_language(text)
        return step


class Simulated(Protocol):
    """A simulated participant as an activity's bot_op sees it (training/bots.Bot): its dice and
    its memory of what it did, and the phrase banks (training/phrases.yaml)."""

    rng: random.Random
    dominant: bool
    written: dict[str, int]  # step key -> contributions sent
    spent: dict[str, int]  # step key -> dots spent
    done: set[str]  # steps it has finished (rated, answered)
    favourites: dict[str, list[int]]  # step key -> the targets it prefers

    def card_limit(self) -> int: ...

    def phrase(self, step: dict, column_key: str | None) -> str: ...

    def pick(self, bank: str) -> Any: ...


@cache
def _setting_names(schema: SchemaClass | None) -> tuple[str, ...]:
    return tuple(schema().fields) if schema else ()


class Activity:
    type: str = ""
    label: str = ""  # German msgid (N_): the step editor's name for it
    presets: tuple[Preset, ...] = ()  # none: one preset, titled by the label
    config_schema: SchemaClass | None = None
    # its fields beyond Step's are exactly config_schema's (builtins.: `type` is the name here)
    step_class: builtins.type[Step] = Step
    ops: tuple[OpSpec, ...] = ()
    offers: frozenset[str] = frozenset()  # what a later step can take as its source
    capturable: bool = True  # whether its results can be captured into the record
    # Its results are ranked by the dots they got: a result nobody voted for is none, and a
    # captured line says how many dots it had.
    ranked_by_votes: bool = False
    guided: bool = True  # whether the unit's guide prefills the step's notes (a break needs none)

    def step_presets(self) -> tuple[Preset, ...]:
        return self.presets or (Preset(self.type, self.label, self.label),)

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

    def bot_op(self, bot: Simulated, view: dict, step: dict) -> dict | None:
        """The op a simulated participant sends now in this step ({type, payload}), or None.
        view: the room's snapshot (live/snapshot.py), as a phone sees it."""
        return None
