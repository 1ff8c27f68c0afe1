"""Typed steps: each activity's step class matches its config schema, loading types the options,
and sessions still store the plain dict they always stored."""

from __future__ import annotations

from dataclasses import fields

import pytest

from workshop.activities.brainstorm import DraftStep
from workshop.activities.dot_vote import DotVoteStep
from workshop.activities.registry import ACTIVITIES, step_of
from workshop.agenda.templates import TemplateError, available_templates, parse_template_data
from workshop.sessions.steps import Capture, Column, Step

BASE = {f.name for f in fields(Step)}


@pytest.mark.parametrize("activity_type", sorted(ACTIVITIES))
def test_a_step_class_has_exactly_its_config_schemas_options(activity_type):
    activity = ACTIVITIES[activity_type]
    options = {f.name for f in fields(activity.step_class)} - BASE
    assert options == set(activity.config_schema().fields if activity.config_schema else ()), activity_type


def test_every_shipped_step_loads_typed_and_stores_as_before():
    templates = available_templates()
    assert templates
    for template in templates.values():
        for stored in template["steps"]:
            step = step_of(stored)
            assert type(step) is ACTIVITIES[stored["type"]].step_class
            assert step.stored() == stored, (template["key"], stored["key"])


def test_options_are_typed_objects():
    framing = available_templates()["framing"]
    vote = step_of(next(s for s in framing["steps"] if s["type"] == "dot_vote"))
    assert isinstance(vote, DotVoteStep)
    assert isinstance(vote.budget, int) and vote.source
    drafting = step_of(next(s for s in available_templates()["co_drafting"]["steps"] if s["type"] == "draft"))
    assert isinstance(drafting, DraftStep)
    assert all(isinstance(c, Column) and c.field for c in drafting.columns)
    assert drafting.column_fields() == [c.field for c in drafting.columns]


def _template(*steps: dict) -> dict:
    return {"key": "t", "unit": 1, "title": "T", "steps": list(steps)}


def test_unset_nested_parts_stay_unset_in_the_stored_step():
    template = parse_template_data(
        _template({"key": "ideas", "type": "brainstorm", "title": "Ideen", "capture": {"top": 3}}), "test"
    )
    stored = template["steps"][0]
    assert stored["capture"] == {"top": 3}
    assert stored["columns"] == [{"key": "main", "title": {"de": "Karten", "en": "Cards"}}]
    assert step_of(stored).capture == Capture(top=3)


def test_a_step_checks_itself_against_earlier_steps_and_names_the_option():
    with pytest.raises(TemplateError, match=r"step 1 'vote': source: 'ideas' is not an earlier step"):
        parse_template_data(_template({"key": "vote", "type": "dot_vote", "title": "V", "source": "ideas"}), "test")
    with pytest.raises(TemplateError, match=r"step 2 'vote': budget: Must be greater than or equal to 1"):
        parse_template_data(
            _template(
                {"key": "ideas", "type": "brainstorm", "title": "I"},
                {"key": "vote", "type": "dot_vote", "title": "V", "source": "ideas", "budget": 0},
            ),
            "test",
        )
    with pytest.raises(TemplateError, match=r"columns: the record has no field 'nope'"):
        parse_template_data(
            _template(
                {"key": "d", "type": "draft", "title": "D", "columns": [{"key": "a", "title": "A", "field": "nope"}]}
            ),
            "test",
        )


def test_a_stored_step_without_an_option_its_type_now_requires_still_reads_as_a_step():
    # a session that ran before the option existed must not make every op of it fail
    step = step_of({"key": "vote", "type": "dot_vote", "title": {"de": "Abstimmung"}})
    assert type(step) is Step and step.type == "dot_vote" and step.key == "vote"
