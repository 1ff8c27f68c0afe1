"""A new activity is its module and a line in the registry (docs/activities.md): a throwaway one,
defined here and put in the registry for this test only, shows up in the step editor, is acted
in by simulated participants, runs through the engine and writes its part of the protocol —
without a change to any other file."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import pytest
from marshmallow import Schema, fields, validate

from tests.forms import form_of
from workshop.accounts.service import create_facilitator
from workshop.activities import registry
from workshop.activities.base import Activity, Preset, ResultItem
from workshop.activities.models import Card
from workshop.agenda import editor
from workshop.agenda.create import create_session
from workshop.i18n import N_
from workshop.measures.models import Measure
from workshop.ops import PARTICIPANT, Actor, OpSpec, Outcome
from workshop.protocols.model import build_protocol
from workshop.sessions.models import WorkshopSession
from workshop.sessions.steps import Problem, Step
from workshop.training.bots import make_bots, next_op

PASSWORD = "ein-langes-passwort"


# --- the throwaway activity: a show of hands, all in this one place ------------------------------


class HandsConfig(Schema):
    needed = fields.Integer(
        load_default=3,
        strict=True,
        validate=validate.Range(1, 99),
        metadata={"label": N_("Mindestens so viele Hände"), "help": N_("Ab dann gilt es als angenommen.")},
    )


@dataclass(kw_only=True)
class HandsStep(Step):
    needed: int = 3

    def check(self, earlier):
        return [] if self.needed != 13 else [Problem("needed", N_("Dreizehn bringt Unglück."))]


class RaiseHand(Schema):
    pass


def raise_hand(ctx, payload) -> Outcome:
    card = Card(session_id=ctx.ws.id, step_key=ctx.ws.current["key"], column_key="hand", text="✋")
    card.participant_id = ctx.actor.id
    ctx.db.add(card)
    ctx.db.flush()
    return Outcome("hands.raised", {"step_key": ctx.ws.current["key"]}, {"card_id": card.id})


class HandsActivity(Activity):
    type = "hands"
    label = N_("Handzeichen")
    presets = (Preset(type, label, N_("Handzeichen"), minutes=2),)
    config_schema = HandsConfig
    step_class = HandsStep
    ops = (OpSpec("hands.raise", RaiseHand, frozenset({PARTICIPANT}), raise_hand, step_types=frozenset({type})),)

    def results(self, db, ws, step):
        hands = db.query(Card).filter_by(session_id=ws.id, step_key=step["key"], deleted_at=None).count()
        verdict = "angenommen" if hands >= step["needed"] else "offen"
        return [ResultItem(f"{hands} Hände: {verdict}", None, None, hands)]

    def bot_op(self, bot, view, step):
        if step["key"] in bot.done:
            return None
        bot.done.add(step["key"])
        return {"type": "hands.raise", "payload": {}}


@pytest.fixture
def hands(monkeypatch):
    """The registry with the new activity, for this test: its one line there (and its ops')."""
    activity = HandsActivity()
    monkeypatch.setitem(registry.ACTIVITIES, activity.type, activity)
    for spec in activity.ops:
        monkeypatch.setitem(registry.ACTIVITY_OPS, spec.type, spec)
    return activity


def test_a_new_activity_is_in_the_editor_the_bots_and_the_protocol(hands, threading_app, sessions):
    app = threading_app(WTF_CSRF_ENABLED=False)
    with sessions() as db:
        owner = create_facilitator(db, "neu@example.org", "Neu", PASSWORD)
        measure = Measure(title="Maßnahme")
        db.add(measure)
        db.flush()
        sid = create_session(db, measure_id=measure.id, facilitator_id=owner.id, template_key="framing").id
        db.commit()
        owner_id = owner.id

    # The step editor offers it, with its label and its option, and adds it (checked by its rules).
    with app.test_request_context():
        assert ("hands", "Handzeichen") in editor.add_choices()
        assert [(o.name, o.kind, o.label, o.maximum) for o in editor.option_fields("hands")] == [
            ("needed", "number", "Mindestens so viele Hände", 99)
        ]
    client = app.test_client()
    assert client.post("/login", data={"email": "neu@example.org", "password": PASSWORD}).status_code == 302
    url = f"/sessions/{sid}/agenda"
    form = form_of(client.get(url).get_data(as_text=True))
    added = client.post(url, data={**form, "add_type": "hands", "action": "add"})
    assert added.status_code == 303, added.get_data(as_text=True)[:300]
    page = client.get(url).get_data(as_text=True)
    assert "Handzeichen" in page and "Ab dann gilt es als angenommen." in page
    form = form_of(page)
    index = max(i for i in range(40) if f"s{i}-key" in form)
    unlucky = client.post(url, data={**form, f"s{index}-needed": "13", "action": "save"})
    assert unlucky.status_code == 400
    assert "„Mindestens so viele Hände“: Dreizehn bringt Unglück." in html.unescape(unlucky.get_data(as_text=True))
    with sessions() as db:
        step = db.get(WorkshopSession, sid).steps[-1]
    assert (step["type"], step["title"]["de"], step["needed"]) == ("hands", "Handzeichen", 3)

    # Simulated participants act in it, through the engine like phones.
    from workshop.live import engine

    def apply(actor, op_type, **payload):
        return engine.apply(sessions, sid, actor, {"type": op_type, "payload": payload})

    facilitator = Actor("facilitator", owner_id)
    bots = make_bots(3, "lively", seed=3)
    for bot in bots:
        bot.participant_id = apply(Actor.system(), "participant.join", display_name=bot.name).result["participant_id"]
    apply(facilitator, "session.start")
    apply(facilitator, "step.goto", step_key=step["key"])
    with sessions() as db:
        from workshop.live.snapshot import build_snapshot
        from workshop.ops import VIEWER

        view = build_snapshot(db, db.get(WorkshopSession, sid), Actor(VIEWER))
    sent = 0
    for bot in bots:
        for tick in range(50):
            op = next_op(bot, view, tick)
            if op is not None:
                apply(Actor(PARTICIPANT, bot.participant_id), op["type"], **op["payload"])
                sent += 1
    assert sent == 3

    # …and its part of the protocol is its results.
    with sessions() as db:
        protocol = build_protocol(db, db.get(WorkshopSession, sid))
    item = next(i for i in protocol.agenda if i.key == step["key"])
    assert item.results == ["3 Hände: angenommen"]
    assert re.search("Handzeichen", item.title)
