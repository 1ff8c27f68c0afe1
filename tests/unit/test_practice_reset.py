"""The practice reset is an engine op with an event (issue 27): the log keeps the run and says
that it was reset, seq goes on, every viewer's replay carries it, and the record lines the run
captured into its exercise measure go through measures/record.py."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from workshop.activities.models import Card, Vote
from workshop.live.models import Event
from workshop.measures import record
from workshop.measures.messages import RecordRefused
from workshop.measures.models import Measure, RecordRevision
from workshop.ops import VIEWER, Actor
from workshop.sessions.models import Participant
from workshop.training.replay import replay


def practice_room(make_room):
    room = make_room("framing")
    with room.db() as db:
        ws = room.ws(db)
        ws.mode = "exercise"
        db.get(Measure, ws.measure_id).is_exercise = True
        db.commit()
    return room


def test_a_real_session_is_not_reset(make_room):
    room = make_room("framing")
    room.start()
    person = room.join("A")
    room.apply(person, "card.add", step_key="approaches", text="bleibt")
    refused = room.refused(room.facilitator, "session.reset")
    assert refused.code == "not_practice"
    with room.db() as db:
        assert db.scalar(select(func.count(Card.id)).where(Card.session_id == room.session_id)) == 1


def test_the_reset_is_an_event_after_the_run_and_every_replay_has_it(make_room):
    room = practice_room(make_room)
    bot = room.join("Bot")
    with room.db() as db:
        db.get(Participant, bot.id).simulated = True
        db.commit()
    person = room.join("Ada")
    room.start()
    room.apply(person, "card.add", step_key="approaches", text="Ansatz")
    room.apply(room.facilitator, "record.capture", step_key="approaches", field_key="open_questions")
    room.goto("questions")
    card = room.apply(person, "card.add", step_key="questions", text="Frage").result["card_id"]
    room.goto("vote")
    room.apply(person, "vote.add", card_id=card)
    with room.db() as db:
        run = room.ws(db).last_seq
    reset = room.apply(room.facilitator, "session.reset")
    assert (reset.seq, reset.event["type"]) == (run + 1, "session.reset")
    with room.db() as db:
        ws = room.ws(db)
        assert (ws.status, ws.current_step, ws.started_at, ws.last_seq) == ("ready", 0, None, run + 1)
        for model in (Card, Vote):
            assert db.scalar(select(func.count(model.id)).where(model.session_id == ws.id)) == 0
        assert db.scalar(select(func.count(Event.id)).where(Event.session_id == ws.id)) == run + 1  # kept
        people = db.scalars(select(Participant.display_name).where(Participant.session_id == ws.id)).all()
        assert people == ["Ada"]  # the simulated one went, the person stays
        assert not db.scalars(select(RecordRevision).where(RecordRevision.source_session_id == ws.id)).all()
        seen = replay(db, ws, Actor(VIEWER))["events"]
    assert seen[-1]["type"] == "session.reset" and seen[-1]["seq"] == run + 1
    room.start()  # and it runs again, seq going on
    with room.db() as db:
        assert room.ws(db).last_seq == run + 2


def test_the_record_forgets_a_session_only_for_an_exercise_measure(make_room):
    room = make_room("framing")
    with room.db() as db:
        measure = db.get(Measure, room.ws(db).measure_id)
        with pytest.raises(RecordRefused) as refused:
            record.forget_session(db, measure, room.session_id)
    assert refused.value.code == "not_practice"
