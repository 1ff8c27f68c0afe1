"""The clock plan of an agenda: each step's planned start from the start time and the steps'
minutes, the total, and how far it runs past the slot. (Editing the steps: agenda/editor.py.)"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

# --- the clock plan -------------------------------------------------------------------------------


@dataclass
class PlanRow:
    step: dict
    start: time | None
    end: time | None
    minutes: int


@dataclass
class Plan:
    rows: list[PlanRow]
    total_minutes: int
    ends_at: time | None
    over_minutes: int  # how far the plan runs past the slot's end (0: it fits)


def clock_plan(steps: list[dict], day: date | None, start: time | None, slot_end: time | None) -> Plan:
    """Planned start of every step from the start time and the steps' minutes."""
    rows, total = [], 0
    anchor = datetime.combine(day or date(2000, 1, 1), start) if start else None
    for step in steps:
        minutes = int(step.get("timebox_minutes") or 0)
        begin = anchor + timedelta(minutes=total) if anchor else None
        total += minutes
        rows.append(
            PlanRow(
                step,
                begin.time() if begin else None,
                (anchor + timedelta(minutes=total)).time() if anchor else None,
                minutes,
            )
        )
    over = 0
    if anchor and slot_end:
        end = anchor + timedelta(minutes=total)
        slot = datetime.combine(anchor.date(), slot_end)
        if slot <= anchor:
            slot += timedelta(days=1)
        over = max(0, int((end - slot).total_seconds() // 60))
    return Plan(rows, total, (anchor + timedelta(minutes=total)).time() if anchor else None, over)
