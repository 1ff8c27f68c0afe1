"""All activity types by name, and every operation they accept by op type.

A new activity type: its module (a subclass of base.Activity) and its line here.
"""

from __future__ import annotations

from sqlalchemy import delete, update

from workshop.activities.action_items import ActionItemsActivity
from workshop.activities.agenda_items import BreakActivity, InputActivity, WelcomeActivity
from workshop.activities.base import Activity
from workshop.activities.blitzlicht import BlitzlichtActivity
from workshop.activities.brainstorm import BrainstormActivity, DraftActivity
from workshop.activities.card_merge import MERGE_OPS
from workshop.activities.cluster import ClusterActivity
from workshop.activities.cluster_suggestions import SUGGESTION_OPS
from workshop.activities.consent import ConsentActivity
from workshop.activities.dot_vote import DotVoteActivity
from workshop.activities.harvest import HarvestActivity
from workshop.activities.milestone_review import MilestoneReviewActivity
from workshop.activities.models import ActionItem, Card, Cluster, PollAnswer, Rating, Vote
from workshop.activities.poll import PollActivity
from workshop.activities.summary import SummaryActivity
from workshop.activities.tables import TablesActivity
from workshop.ops import OpSpec
from workshop.sessions.steps import Step

ACTIVITIES: dict[str, Activity] = {
    activity.type: activity
    for activity in (
        BrainstormActivity(),
        DraftActivity(),
        ClusterActivity(),
        DotVoteActivity(),
        ConsentActivity(),
        PollActivity(),
        ActionItemsActivity(),
        SummaryActivity(),
        BlitzlichtActivity(),
        MilestoneReviewActivity(),
        TablesActivity(),
        HarvestActivity(),
        WelcomeActivity(),
        InputActivity(),
        BreakActivity(),
    )
}


# Step options with a module of their own (cluster suggestions, merging cards): their ops, one line each.
OPTION_OPS: tuple[OpSpec, ...] = (*SUGGESTION_OPS, *MERGE_OPS)


def _ops_by_type(activities: dict[str, Activity], options: tuple[OpSpec, ...] = ()) -> dict[str, OpSpec]:
    ops: dict[str, OpSpec] = {}
    declared = [(activity.type, spec) for activity in activities.values() for spec in activity.ops]
    for owner, spec in [*declared, *(("option", spec) for spec in options)]:
        if spec.type in ops:  # two handlers for one op type would silently shadow one
            raise ValueError(f"op type '{spec.type}' is declared twice ({owner} '{spec.type}')")
        ops[spec.type] = spec
    return ops


ACTIVITY_OPS: dict[str, OpSpec] = _ops_by_type(ACTIVITIES, OPTION_OPS)


def activity_for(step: dict) -> Activity:
    return ACTIVITIES[step["type"]]


def step_of(stored: dict) -> Step:
    """A session's step (checked when its template was loaded) as its activity's typed step."""
    try:
        return ACTIVITIES[stored["type"]].step_class.from_stored(stored)
    except TypeError:  # stored before an option its type now requires: the base settings still hold
        return Step.from_stored(stored)


def seed_step_cards(db, ws) -> None:
    for step in ws.steps:
        activity_for(step).seed(db, ws, step)


def clear_contributions(db, ws) -> None:
    """Everything anybody added in the session's steps goes, and the steps get what they start
    with again (a practice session reset to its start)."""
    for model in (Vote, Rating, PollAnswer, ActionItem):
        db.execute(delete(model).where(model.session_id == ws.id))
    db.execute(update(Card).where(Card.session_id == ws.id).values(cluster_id=None))
    db.execute(delete(Cluster).where(Cluster.session_id == ws.id))
    db.execute(delete(Card).where(Card.session_id == ws.id))
    db.flush()
    seed_step_cards(db, ws)
