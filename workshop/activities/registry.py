"""All activity types by name, and every operation they accept by op type."""
from __future__ import annotations

from workshop.activities.base import Activity, OpSpec
from workshop.activities.brainstorm import BrainstormActivity
from workshop.activities.dot_vote import DotVoteActivity
from workshop.activities.summary import SummaryActivity

ACTIVITIES: dict[str, Activity] = {
    activity.type: activity
    for activity in (BrainstormActivity(), DotVoteActivity(), SummaryActivity())
}

ACTIVITY_OPS: dict[str, OpSpec] = {
    spec.type: spec for activity in ACTIVITIES.values() for spec in activity.ops
}


def activity_for(step: dict) -> Activity:
    return ACTIVITIES[step["type"]]
