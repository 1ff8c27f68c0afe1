"""The op contract: who acts, what an operation is, what it did, and how it is refused.

A leaf module: every domain (live, activities, measures, sessions, drafting, training) imports
it, and it imports none of them, so the domains never need to import upward into the engine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from marshmallow import Schema
from sqlalchemy.orm import Session

FACILITATOR = "facilitator"
PARTICIPANT = "participant"
SYSTEM = "system"
VIEWER = "viewer"  # the projector: sees everything public, changes nothing

JSON = dict[str, Any]  # a payload, result or ack: JSON-shaped, checked by the op's schema
SchemaClass = type[Schema]  # (named: inside OpSpec, `type` is the op type's field)


@dataclass(frozen=True)
class Actor:
    """Who is acting. Established by the socket / HTTP layer, trusted by the engine."""

    role: str
    id: int | None = None

    @property
    def label(self) -> str:
        return self.role if self.id is None else f"{self.role}:{self.id}"

    @classmethod
    def system(cls) -> Actor:
        return cls(SYSTEM)


class Rejected(Exception):
    """An operation that is not allowed or not valid. Nothing was changed.

    code is stable and machine-readable (documented in docs/realtime.md); message names what
    is wrong in words a person understands.
    """

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message

    def as_ack(self) -> JSON:
        error: JSON = {"code": self.code, "message": self.message}
        texts = getattr(self, "texts", None)  # {"de", "en"}: the sentence a person reads (record refusals)
        if texts:
            error["texts"] = texts
        return {"ok": False, "error": error}

    @classmethod
    def internal(cls) -> Rejected:
        """A fault on the server's side (logged where it happened); the op changed nothing."""
        return cls("internal", "Something went wrong on the server; nothing was changed.")


@dataclass
class OpContext:
    """What a handler works with: the open transaction, the locked session row, the actor."""

    db: Session
    ws: Any  # workshop.sessions.models.WorkshopSession (not imported: this module is a leaf)
    actor: Actor
    participant: Any  # workshop.sessions.models.Participant | None
    # A step's activity (activities/registry.activity_for), for handlers that work across steps
    # and cannot import the registry (it imports them): e.g. merging asks "does it collect cards?"
    activity_of: Callable[[JSON], Any] | None = None


@dataclass
class Outcome:
    """What an accepted operation did: the event the room sees, and the actor's ack result.

    event_payload goes to the facilitator's screens. public_payload, when given, is what
    participants and the projector get instead (a silent card, a card awaiting moderation,
    hidden votes: {"redacted": true, ...}); None means they get event_payload too.
    """

    event_type: str
    event_payload: JSON
    result: JSON = field(default_factory=dict)
    private_result: JSON = field(default_factory=dict)  # returned to the caller, never stored
    public_payload: JSON | None = None
    # The room need not see it at once (a head count): its broadcast waits up to the broadcaster's
    # slow window for company, and its sender's answer does not wait for it (live/transport/broadcast.py).
    can_wait: bool = False
    # The event in another form for some participants, [(participant ids, payload)]: a table's
    # members read its cards whole where the room gets them redacted (activities/seating.py). Sent
    # to those participants' own rooms along with the room's form; a replay derives the same forms.
    personal: list[tuple[list[int], JSON]] = field(default_factory=list)


@dataclass(frozen=True)
class OpSpec:
    """One operation type: its payload schema, who may send it, when, and its handler.

    The engine checks all of this before the handler runs, each rule once with one error code:
    roles (forbidden), allowed_in (session_ended / session_not_started / wrong_session_state),
    step_types (wrong_step_type), lock_applies (step_locked), names_step (step_not_active).
    """

    type: str
    schema: SchemaClass
    roles: frozenset[str]
    handler: Callable[[OpContext, JSON], Outcome]
    # Session states in which the op is allowed: ready (created), live (started), ended.
    allowed_in: frozenset[str] = frozenset({"live"})
    # Activity types the current step must have (empty: any step, e.g. moderating an older card).
    step_types: frozenset[str] = frozenset()
    # Participants' ops of this type are refused while the facilitator has locked the current step.
    lock_applies: bool = False
    # The payload names its step (step_key), which must be the current one (step_not_active): a
    # phone may still show the previous step when the facilitator moves on.
    names_step: bool = False
    # Hot paths (votes): applies a run of consecutive ops that share it, [(type, ctx, payload)]
    # in order, each already checked like any op; returns an Outcome or a Rejected for each, in
    # order. It reads what the run needs in a few queries and writes in one statement per table,
    # where handler would cost several statements and a SAVEPOINT per op. handler must give the
    # same outcome for a run of one.
    batch_handler: Callable[[list[tuple[str, OpContext, JSON]]], list[Outcome | Rejected]] | None = None
