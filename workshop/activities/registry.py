"""All activity types by name, and every operation they accept by op type."""
from __future__ import annotations

from workshop.activities.action_items import ActionItemsActivity
from workshop.activities.agenda_items import BreakActivity, InputActivity, WelcomeActivity
from workshop.ops import OpSpec
from workshop.activities.base import Activity
from workshop.activities.brainstorm import BrainstormActivity, DraftActivity
from workshop.activities.cluster import ClusterActivity
from workshop.activities.consent import ConsentActivity
from workshop.activities.dot_vote import DotVoteActivity
from workshop.activities.poll import PollActivity
from workshop.activities.summary import SummaryActivity

ACTIVITIES: dict[str, Activity] = {
    activity.type: activity
    for activity in (BrainstormActivity(), DraftActivity(), ClusterActivity(), DotVoteActivity(),
                     ConsentActivity(), PollActivity(), ActionItemsActivity(), SummaryActivity(),
                     WelcomeActivity(), InputActivity(), BreakActivity())
}

ACTIVITY_OPS: dict[str, OpSpec] = {
    spec.type: spec for activity in ACTIVITIES.values() for spec in activity.ops
}


def activity_for(step: dict) -> Activity:
    return ACTIVITIES[step["type"]]


def seed_step_cards(db, ws) -> None:
    for step in ws.steps:
        activity_for(step).seed(db, ws, step)
