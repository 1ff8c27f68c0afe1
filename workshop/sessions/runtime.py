"""The live controls' state of a session: per step lock, reveal, timer, time spent; the spotlight.

Kept as JSON on the session row (it is small and always read with the session); every change
goes through these helpers so the column is reassigned and SQLAlchemy sees it.
"""

from __future__ import annotations

from datetime import datetime

from workshop.db import utcnow
from workshop.sessions.models import WorkshopSession


def step_state(ws: WorkshopSession, step_key: str) -> dict:
    return dict((ws.runtime or {}).get("steps", {}).get(step_key, {}))


def update_step(ws: WorkshopSession, step_key: str, **changes) -> dict:
    runtime = dict(ws.runtime or {})
    steps = dict(runtime.get("steps", {}))
    state = {**steps.get(step_key, {}), **changes}
    steps[step_key] = state
    runtime["steps"] = steps
    ws.runtime = runtime
    return state


def set_spotlight(ws: WorkshopSession, spotlight: dict | None) -> None:
    ws.runtime = {**(ws.runtime or {}), "spotlight": spotlight}


def set_note(ws: WorkshopSession, step_key: str, text: str) -> None:
    """Facilitator-only notes per step; the public snapshot never reads them (see snapshot.py)."""
    runtime = dict(ws.runtime or {})
    runtime["notes"] = {**runtime.get("notes", {}), step_key: text}
    ws.runtime = runtime


def notes(ws: WorkshopSession) -> dict[str, str]:
    return dict((ws.runtime or {}).get("notes", {}))


def spotlight(ws: WorkshopSession) -> dict | None:
    return (ws.runtime or {}).get("spotlight")


def is_locked(ws: WorkshopSession, step_key: str) -> bool:
    return bool(step_state(ws, step_key).get("locked"))


def is_revealed(ws: WorkshopSession, step_key: str) -> bool:
    return bool(step_state(ws, step_key).get("revealed"))


def enter_step(ws: WorkshopSession, step_key: str, now: datetime | None = None) -> None:
    now = now or utcnow()
    state = step_state(ws, step_key)
    update_step(
        ws, step_key, entered_at=now.isoformat(), first_entered_at=state.get("first_entered_at") or now.isoformat()
    )


def leave_step(ws: WorkshopSession, step_key: str, now: datetime | None = None) -> None:
    """Add the time since the step was entered to its actual duration (for the agenda)."""
    now = now or utcnow()
    state = step_state(ws, step_key)
    if state.get("entered_at"):
        spent = (now - datetime.fromisoformat(state["entered_at"])).total_seconds()
        update_step(ws, step_key, entered_at=None, seconds=round(state.get("seconds", 0) + spent, 3))


def timer_view(ws: WorkshopSession, step_key: str) -> dict | None:
    return step_state(ws, step_key).get("timer")
