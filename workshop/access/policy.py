"""The one answer to "may this person do this to this object?" — for every route and socket event.

Measures belong to their team (MeasureMember): owner, co_facilitator, editor, observer. A session
belongs to its measure's team too; its own staff (SessionMember) add co-facilitators, minute-takers
and observers, and the person who created it is its facilitator. Whoever is in neither gets a
"no" that the views turn into 404 (no existence leak) and the sockets into `forbidden`.

The tables below are the policy; docs/access.md says the same in words, and
tests/test_authorization_matrix.py tries every role on every route and socket event.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from workshop.access.models import MeasureMember, SessionMember

OWNER, CO_FACILITATOR, EDITOR, OBSERVER = "owner", "co_facilitator", "editor", "observer"
FACILITATOR, MINUTE_TAKER = "facilitator", "minute_taker"
MEASURE_ROLES = (OWNER, CO_FACILITATOR, EDITOR, OBSERVER)
SESSION_ROLES = (FACILITATOR, CO_FACILITATOR, MINUTE_TAKER, OBSERVER)
SESSION_MEMBER_ROLES = (CO_FACILITATOR, MINUTE_TAKER, OBSERVER)  # facilitator: who created it

# action -> the roles that may do it
MEASURE_ACTIONS: dict[str, frozenset[str]] = {
    "measure.read": frozenset(MEASURE_ROLES),  # record, history, co-drafting page (read)
    "measure.edit": frozenset({OWNER, CO_FACILITATOR, EDITOR}),  # fields, restore, co-drafting
    # milestones, indicators, measured values, evidence, monitoring import (after the mandate too)
    "measure.monitor": frozenset({OWNER, CO_FACILITATOR, EDITOR}),
    "measure.status": frozenset({OWNER, CO_FACILITATOR}),  # status flow, reopening
    "measure.publish": frozenset({OWNER, CO_FACILITATOR}),  # the public page on or off: a decision too
    "measure.sessions.create": frozenset({OWNER, CO_FACILITATOR}),
    "measure.team": frozenset({OWNER}),  # add / change / remove members
    # the team's library of adapted formats: use, adapt, share (observers only watch)
    "measure.formats": frozenset({OWNER, CO_FACILITATOR, EDITOR}),
}
SESSION_ACTIONS: dict[str, frozenset[str]] = {
    "session.view": frozenset(SESSION_ROLES),  # console (read), staff socket, protocol, projector
    "session.notes": frozenset({FACILITATOR, CO_FACILITATOR, MINUTE_TAKER}),  # notes, action items
    "session.run": frozenset({FACILITATOR, CO_FACILITATOR}),  # every control and moderation op
    "session.staff": frozenset({FACILITATOR, CO_FACILITATOR}),  # session members, projector links
}
# A measure's team reaches its sessions with these roles (an explicit SessionMember row wins).
SESSION_ROLE_FROM_MEASURE = {
    OWNER: CO_FACILITATOR,
    CO_FACILITATOR: CO_FACILITATOR,
    EDITOR: OBSERVER,
    OBSERVER: OBSERVER,
}
# Staff socket ops a minute-taker may send (notes and protocol input, no controls).
NOTE_OPS = frozenset({"card.add", "card.edit", "card.delete", "action.add", "action.edit", "action.delete"})


def measure_role(db: Session, user_id: int | None, measure_id: int) -> str | None:
    if user_id is None:
        return None
    return db.scalar(
        select(MeasureMember.role).where(
            MeasureMember.measure_id == measure_id, MeasureMember.facilitator_id == user_id
        )
    )


def measure_roles(db: Session, pairs: set[tuple[int, int]]) -> dict[tuple[int, int], str]:
    """measure_role for many (measure id, user id) pairs in one query (a sweep over every editor
    of a process, instead of two queries per editor); a pair without a role is left out."""
    if not pairs:
        return {}
    rows = db.execute(
        select(MeasureMember.measure_id, MeasureMember.facilitator_id, MeasureMember.role).where(
            MeasureMember.measure_id.in_({measure_id for measure_id, _user in pairs}),
            MeasureMember.facilitator_id.in_({user for _measure, user in pairs}),
        )
    )
    return {(measure_id, user): role for measure_id, user, role in rows if (measure_id, user) in pairs}


def role_may(role: str | None, action: str) -> bool:
    """May a measure role (None: not on the team) do this measure action? (may(), and the
    revocation sweep with roles read by measure_roles)"""
    return role in MEASURE_ACTIONS[action]


def session_role(db: Session, user_id: int | None, ws) -> str | None:
    """This person's role in session ws, or None (not staff of it)."""
    if user_id is None:
        return None
    if ws.facilitator_id == user_id:
        return FACILITATOR
    explicit = db.scalar(
        select(SessionMember.role).where(SessionMember.session_id == ws.id, SessionMember.facilitator_id == user_id)
    )
    if explicit is not None:
        return explicit
    role = measure_role(db, user_id, ws.measure_id)
    return SESSION_ROLE_FROM_MEASURE.get(role) if role else None


def may(db: Session, user_id: int | None, action: str, obj) -> bool:
    """May this person (a facilitator account's id; None: nobody logged in) do action to obj?

    obj is a Measure for "measure.*" actions and a WorkshopSession for "session.*" ones.
    """
    if action in MEASURE_ACTIONS:
        return role_may(measure_role(db, user_id, obj.id), action)
    if action in SESSION_ACTIONS:
        return session_role(db, user_id, obj) in SESSION_ACTIONS[action]
    raise KeyError(f"unknown action {action!r}: add it to workshop.access.policy")


def op_action(op_type: str) -> str:
    """What a staff socket op needs: a minute-taker's notes, or running the session."""
    return "session.notes" if op_type in NOTE_OPS else "session.run"


def visible_measure_ids(db: Session, user_id: int) -> list[int]:
    return list(db.scalars(select(MeasureMember.measure_id).where(MeasureMember.facilitator_id == user_id)))


def format_team_measure_ids(db: Session, user_id: int) -> list[int]:
    """The measures whose teams share their formats with this person."""
    return list(
        db.scalars(
            select(MeasureMember.measure_id).where(
                MeasureMember.facilitator_id == user_id,
                MeasureMember.role.in_(MEASURE_ACTIONS["measure.formats"]),
            )
        )
    )


def may_use_format(db: Session, user_id: int | None, custom) -> bool:
    """An adapted format is its author's and its measure's team's (issue 13: a library per team)."""
    if user_id is None:
        return False
    if custom.facilitator_id == user_id:
        return True
    return (
        custom.measure_id is not None
        and measure_role(db, user_id, custom.measure_id) in MEASURE_ACTIONS["measure.formats"]
    )


def owners_left(db: Session, measure_id: int) -> int:
    return len(
        db.scalars(
            select(MeasureMember.id).where(MeasureMember.measure_id == measure_id, MeasureMember.role == OWNER)
        ).all()
    )


def add_member(db: Session, measure_id: int, user_id: int, role: str = OWNER) -> MeasureMember:
    """Put someone on a measure's team (or change their role)."""
    if role not in MEASURE_ROLES:
        raise ValueError(f"role must be one of {', '.join(MEASURE_ROLES)}")
    member = db.scalars(
        select(MeasureMember).where(MeasureMember.measure_id == measure_id, MeasureMember.facilitator_id == user_id)
    ).first()
    if member is None:
        member = MeasureMember(measure_id=measure_id, facilitator_id=user_id, role=role)
        db.add(member)
    else:
        member.role = role
    db.flush()
    return member
