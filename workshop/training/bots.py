"""Simulated participants for practice sessions: what one of them does next.

A bot looks at the step as a phone would see it (the public snapshot) and answers with the op a
person might send now, or None. It keeps its own memory (what it wrote, how many dots it spent) so
it needs no private view. The same brain drives bots inside the server (training/simulation.py,
through the op queue like any phone) and from the shell (`workshop simulate`, as real Socket.IO
clients), so both behave alike.

Tempers shape the room: quiet (few contributions), lively (many), dominant (one person writes most),
late (half the room joins late), drops (people lose the connection now and then).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

TEMPERS = ("quiet", "lively", "dominant", "late", "drops")
PHRASES_FILE = Path(__file__).with_name("phrases.yaml")
FIRST_NAMES = (
    "Amira",
    "Jonas",
    "Petra",
    "Mehmet",
    "Lena",
    "Olaf",
    "Sabine",
    "Tarek",
    "Ines",
    "Bernd",
    "Katja",
    "Yusuf",
    "Greta",
    "Milan",
    "Heike",
    "Anton",
    "Zeynep",
    "Ruth",
    "Paul",
    "Dana",
)


@dataclass(frozen=True)
class Temper:
    cards_per_step: int  # most cards an ordinary bot writes in one brainstorm step
    act_probability: float  # chance to act in one tick (a tick is one `pace`)
    join_spread: float  # joins are spread over this many ticks
    late_share: float = 0.0  # share of bots that join only after join_spread * 6 ticks
    drop_probability: float = 0.0  # chance per tick to lose the connection for a while


TEMPER_SETTINGS = {
    "quiet": Temper(cards_per_step=1, act_probability=0.25, join_spread=4),
    "lively": Temper(cards_per_step=3, act_probability=0.8, join_spread=3),
    "dominant": Temper(cards_per_step=1, act_probability=0.5, join_spread=3),
    "late": Temper(cards_per_step=2, act_probability=0.6, join_spread=3, late_share=0.5),
    "drops": Temper(cards_per_step=2, act_probability=0.6, join_spread=3, drop_probability=0.05),
}
DOMINANT_CARDS = 8  # the one loud person of a "dominant" room


@cache
def phrase_banks() -> dict:
    return yaml.safe_load(PHRASES_FILE.read_text(encoding="utf-8"))


def phrases_for(step: dict, column_key: str | None) -> list[str]:
    banks = phrase_banks()
    for key in (f"{step['key']}.{column_key}" if column_key else None, step["key"], step["type"], "any"):
        if key and banks.get(key):
            return banks[key]
    return banks["any"]


@dataclass
class Bot:
    number: int
    temper: str
    rng: random.Random
    dominant: bool = False
    participant_id: int | None = None
    token: str | None = None
    join_at_tick: int = 0
    offline_until_tick: int = -1
    written: dict[str, int] = field(default_factory=dict)  # step key -> cards written
    spent: dict[str, int] = field(default_factory=dict)  # step key -> dots spent
    done: set[str] = field(default_factory=set)  # steps finished (rated, answered, item added)
    favourites: dict[str, list[int]] = field(default_factory=dict)  # step key -> preferred targets

    @property
    def name(self) -> str:
        return f"{FIRST_NAMES[(self.number - 1) % len(FIRST_NAMES)]} (sim.)"

    @property
    def settings(self) -> Temper:
        return TEMPER_SETTINGS[self.temper]


def make_bots(count: int, temper: str, seed: int | None = None) -> list[Bot]:
    if temper not in TEMPER_SETTINGS:
        raise ValueError(f"temper must be one of {', '.join(TEMPERS)}")
    rng = random.Random(seed)
    settings = TEMPER_SETTINGS[temper]
    bots = []
    for number in range(1, count + 1):
        bot = Bot(number, temper, random.Random(rng.random()), dominant=temper == "dominant" and number == 1)
        bot.join_at_tick = int(rng.random() * settings.join_spread)
        if rng.random() < settings.late_share:
            bot.join_at_tick += int(settings.join_spread * 6 + rng.random() * settings.join_spread * 6)
        bots.append(bot)
    return bots


def current_step(view: dict) -> dict | None:
    if view["session"]["status"] != "live":
        return None
    return view["steps"][view["session"]["current_step"]]


def next_op(bot: Bot, view: dict, tick: int) -> dict | None:
    """The op this bot sends in this tick, or None (idle, offline, nothing left to do)."""
    step = current_step(view)
    if step is None or bot.participant_id is None:
        return None
    settings = bot.settings
    if tick < bot.offline_until_tick:
        return None
    if settings.drop_probability and bot.rng.random() < settings.drop_probability:
        bot.offline_until_tick = tick + bot.rng.randint(3, 12)  # back after a while, like a phone
        return None
    if bot.rng.random() > (0.95 if bot.dominant else settings.act_probability):
        return None
    if (view["runtime"].get(step["key"]) or {}).get("locked"):
        return None
    handler = _BY_TYPE.get(step["type"])
    return handler(bot, view, step) if handler else None


def _write_card(bot: Bot, view: dict, step: dict) -> dict | None:
    if step.get("authors", "everyone") != "everyone":
        return None
    limit = DOMINANT_CARDS if bot.dominant else bot.settings.cards_per_step
    if bot.written.get(step["key"], 0) >= limit:
        return None
    columns = step.get("columns") or [None]
    column = bot.rng.choice(columns)
    column_key = column["key"] if column else None
    text = bot.rng.choice(phrases_for(step, column_key))
    bot.written[step["key"]] = bot.written.get(step["key"], 0) + 1
    payload = {"step_key": step["key"], "text": text}
    if column_key:
        payload["column_key"] = column_key
    return {"type": "card.add", "payload": payload}


def _vote(bot: Bot, view: dict, step: dict) -> dict | None:
    budget = step.get("budget", 5)
    if bot.spent.get(step["key"], 0) >= budget:
        return None
    source = next((s for s in view["steps"] if s["key"] == step.get("source")), None)
    on_clusters = bool(source and source["type"] == "cluster")
    if on_clusters and source is not None:
        targets = [c["id"] for c in (view["activity"].get(source["key"]) or {}).get("clusters", [])]
    else:
        targets = [
            c["id"]
            for c in view["cards"]
            if c.get("step_key") == step.get("source") and c.get("status", "visible") == "visible"
        ]
    if not targets:
        return None
    if step["key"] not in bot.favourites:  # a room agrees somewhat: earlier items are liked more
        weights = [1 / (1 + index * 0.6) for index in range(len(targets))]
        bot.favourites[step["key"]] = bot.rng.choices(targets, weights=weights, k=budget)
    choice = bot.favourites[step["key"]][bot.spent.get(step["key"], 0) % budget]
    bot.spent[step["key"]] = bot.spent.get(step["key"], 0) + 1
    return {"type": "vote.add", "payload": {"cluster_id" if on_clusters else "card_id": choice}}


def _rate(bot: Bot, view: dict, step: dict) -> dict | None:
    options = [c for c in view["cards"] if c.get("step_key") == step["key"]]
    rated = bot.written.get(step["key"], 0)  # counts ratings given in this step
    if rated >= len(options):
        return None
    option = options[rated]
    bot.written[step["key"]] = rated + 1
    # The status quo (the passive option) meets more resistance than a proposal, most of the time.
    passive = option.get("column_key") == "passive"
    value = min(10, max(0, round(bot.rng.gauss(6.5 if passive else 3, 2.2))))
    return {"type": "rating.set", "payload": {"card_id": option["id"], "value": value}}


def _answer(bot: Bot, view: dict, step: dict) -> dict | None:
    if step["key"] in bot.done:
        return None
    bot.done.add(step["key"])
    count = len(step.get("options") or [])
    if count < 2:
        return None
    if count == 6:  # fist of five: most hands show 3 or 4
        choice = min(5, max(0, round(bot.rng.gauss(3.4, 1.1))))
        return {"type": "poll.answer", "payload": {"choices": [choice]}}
    if step.get("multiple"):
        picks = sorted(bot.rng.sample(range(count), k=bot.rng.randint(1, min(3, count))))
        return {"type": "poll.answer", "payload": {"choices": picks}}
    return {"type": "poll.answer", "payload": {"choices": [bot.rng.randrange(count)]}}


def _action_item(bot: Bot, view: dict, step: dict) -> dict | None:
    if step["key"] in bot.done or bot.rng.random() > 0.3:
        bot.done.add(step["key"])
        return None
    bot.done.add(step["key"])
    item = bot.rng.choice(phrase_banks()["actions"])
    return {"type": "action.add", "payload": {"who": item["who"], "what": item["what"], "due": None}}


_BY_TYPE = {
    "brainstorm": _write_card,
    "draft": _write_card,
    "dot_vote": _vote,
    "consent": _rate,
    "poll": _answer,
    "action_items": _action_item,
}
