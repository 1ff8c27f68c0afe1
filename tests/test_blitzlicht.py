"""Blitzlicht (one-word round), in-process: the engine over a migrated SQLite database, no server.

It is also the proof that a new activity type needs only its own two modules and one registry
line on each side (workshop/activities/blitzlicht.py, static/js/activities/blitzlicht.js)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import sessionmaker

from tests.conftest import migrated_sqlite
from workshop.accounts.service import create_facilitator
from workshop.activities.registry import ACTIVITIES, activity_for
from workshop.agenda.create import create_session
from workshop.agenda.templates import parse_template_data
from workshop.db import make_engine
from workshop.live import engine
from workshop.live.snapshot import build_snapshot
from workshop.measures.models import Measure
from workshop.ops import FACILITATOR, PARTICIPANT, VIEWER, Actor, Rejected
from workshop.protocols.markdown import render_markdown
from workshop.protocols.model import build_protocol

TEMPLATE = {
    "key": "feedback",
    "unit": 5,
    "title": {"de": "Rückmeldung", "en": "Feedback"},
    "steps": [
        {
            "key": "flash",
            "type": "blitzlicht",
            "title": {"de": "Blitzlicht", "en": "Flash round"},
            "prompt": {"de": "Ein Wort zum Tag", "en": "One word on the day"},
            "timebox_minutes": 5,
        }
    ],
}


@pytest.fixture
def room(tmp_path):
    url = migrated_sqlite(tmp_path / "blitz.db")
    sessions = sessionmaker(make_engine(url), expire_on_commit=False)
    with sessions() as db:
        fac = create_facilitator(db, "mo@example.org", "Mo", "pw-long-enough-123")
        measure = Measure(title="Maßnahme")
        db.add(measure)
        db.flush()
        ws = create_session(db, measure_id=measure.id, facilitator_id=fac.id, template_key="framing")
        ws.template = parse_template_data(TEMPLATE, "test")
        ws.current_step = 0
        db.commit()
        sid, fac_id = ws.id, fac.id
    owner = Actor(FACILITATOR, fac_id)
    engine.apply(sessions, sid, owner, {"type": "session.start", "payload": {}})
    people = [
        engine.apply(sessions, sid, Actor.system(), {"type": "participant.join", "payload": {}}).result[
            "participant_id"
        ]
        for _ in range(3)
    ]
    return sessions, sid, owner, [Actor(PARTICIPANT, pid) for pid in people]


def say(room, actor, text):
    sessions, sid, *_ = room
    return engine.apply(sessions, sid, actor, {"type": "blitz.say", "payload": {"text": text}})


def test_each_person_has_one_word_and_the_room_sees_counts(room):
    sessions, sid, owner, (a, b, c) = room
    say(room, a, "Mut")
    say(room, b, "mut ")
    applied = say(room, c, "Zeit")
    assert applied.event["payload"]["words"] == [{"text": "Mut", "count": 2}, {"text": "Zeit", "count": 1}]
    assert applied.result == {"text": "Zeit"}
    # A second word replaces the first: still one voice each.
    again = say(room, c, "Mut")
    assert again.event["payload"] == {"step_key": "flash", "answers": 3, "words": [{"text": "Mut", "count": 3}]}
    with sessions() as db:
        from workshop.sessions.models import WorkshopSession

        ws = db.get(WorkshopSession, sid)
        mine = build_snapshot(db, ws, c)["activity"]["flash"]
        room_view = build_snapshot(db, ws, Actor(VIEWER))["activity"]["flash"]
        results = activity_for(ws.current).results(db, ws, ws.current)
        protocol = render_markdown(build_protocol(db, ws))
    assert mine["mine"] == "Mut" and "mine" not in room_view
    assert [r.text for r in results] == ["Mut (3)"]  # what capture and the protocol take
    assert "Mut (3)" in protocol


def test_bad_words_are_refused_and_change_nothing(room):
    sessions, sid, owner, (a, *_rest) = room
    with pytest.raises(Rejected) as too_long:
        say(room, a, "x" * 41)
    assert too_long.value.code == "invalid" and "text" in too_long.value.message
    with pytest.raises(Rejected) as empty:
        say(room, a, "   ")
    assert empty.value.code == "invalid"
    with pytest.raises(Rejected) as not_allowed:
        engine.apply(sessions, sid, owner, {"type": "blitz.say", "payload": {"text": "Moderation"}})
    assert not_allowed.value.code == "forbidden"
    assert say(room, a, "ok").event["payload"]["answers"] == 1


def test_the_activity_is_registered_once():
    assert ACTIVITIES["blitzlicht"].ops[0].type == "blitz.say"
