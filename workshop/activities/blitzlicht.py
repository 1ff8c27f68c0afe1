"""Blitzlicht: a one-word round. Everyone sends one word or short phrase and may replace it;
the room sees the words with how often each was said (a word cloud).

Each person's word is one card of the step (so capture, the protocol, cluster and vote can use
the words like any other cards); the same word in other spelling or case counts together.
"""

from __future__ import annotations

from marshmallow import Schema, validate
from sqlalchemy import select

from workshop.activities.base import Activity, Preset, ResultItem, Simulated
from workshop.activities.models import Card
from workshop.db import utcnow
from workshop.i18n import N_
from workshop.ops import PARTICIPANT, OpContext, OpSpec, Outcome
from workshop.validation import CleanText

WORD_MAX_LENGTH = 40
COLUMN = "word"
# What simulated participants say in a practice session (German, like the phrase banks).
BOT_WORDS = ("Mut", "Neugier", "Zeitdruck", "Zuversicht", "offen", "müde", "gespannt", "Klarheit", "Tempo")


class BlitzlichtConfig(Schema):
    pass


class SayPayload(Schema):
    text = CleanText(
        required=True,
        validate=validate.Length(
            1, WORD_MAX_LENGTH, error=f"one word or a short phrase: 1 to {WORD_MAX_LENGTH} characters"
        ),
    )


def _words(db, session_id: int, step_key: str) -> list[Card]:
    return list(
        db.scalars(
            select(Card)
            .where(Card.session_id == session_id, Card.step_key == step_key, Card.deleted_at.is_(None))
            .order_by(Card.id)
        )
    )


def tally(cards: list[Card]) -> list[dict]:
    """[{text, count}], most said first; "Mut", "mut " and "MUT" are one word, shown as first said."""
    counted: dict[str, dict] = {}
    for card in cards:
        key = " ".join(card.text.casefold().split())
        entry = counted.setdefault(key, {"text": card.text, "count": 0})
        entry["count"] += 1
    return sorted(counted.values(), key=lambda w: (-w["count"], w["text"].casefold()))


def say(ctx: OpContext, payload: dict) -> Outcome:
    step = ctx.ws.current  # the engine checked that it is a Blitzlicht (OpSpec.step_types)
    cards = _words(ctx.db, ctx.ws.id, step["key"])
    own = next((c for c in cards if c.participant_id == ctx.actor.id), None)
    if own is None:
        own = Card(
            session_id=ctx.ws.id,
            step_key=step["key"],
            column_key=COLUMN,
            text=payload["text"],
            participant_id=ctx.actor.id,
        )
        ctx.db.add(own)
        cards.append(own)
    else:  # a second word replaces the first: one voice each
        own.text, own.updated_at = payload["text"], utcnow()
    ctx.db.flush()
    return Outcome(
        "blitz.changed", {"step_key": step["key"], "words": tally(cards), "answers": len(cards)}, {"text": own.text}
    )


def say_a_word(bot: Simulated, view: dict, step: dict) -> dict | None:
    """A simulated participant says one word (the room's loud one may now and then replace theirs)."""
    said = bot.written.get(step["key"], 0)
    if said >= (2 if bot.dominant else 1) or (said and bot.rng.random() > 0.2):
        return None
    bot.written[step["key"]] = said + 1
    return {"type": "blitz.say", "payload": {"text": bot.rng.choice(BOT_WORDS)}}


class BlitzlichtActivity(Activity):
    type = "blitzlicht"
    label = N_("Blitzlicht (ein Wort von jeder Person)")
    presets = (
        Preset(type, label, N_("Blitzlicht"), minutes=5, prompt=N_("Wie geht es Ihnen mit dem Thema – in einem Wort?")),
    )
    config_schema = BlitzlichtConfig
    ops = (
        OpSpec(
            "blitz.say",
            SayPayload,
            frozenset({PARTICIPANT}),
            say,
            step_types=frozenset({type}),
            lock_applies=True,
        ),
    )

    def state(self, db, ws, step, viewer):
        cards = _words(db, ws.id, step["key"])
        state = {"words": tally(cards), "answers": len(cards)}
        if viewer.role == PARTICIPANT:
            state["mine"] = next((c.text for c in cards if c.participant_id == viewer.id), None)
        return state

    def results(self, db, ws, step):
        return [
            ResultItem(f"{w['text']} ({w['count']})", None, COLUMN, w["count"])
            for w in tally(_words(db, ws.id, step["key"]))
        ]

    def bot_op(self, bot, view, step):
        return say_a_word(bot, view, step)
