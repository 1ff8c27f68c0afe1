"""Simulated participants for practice sessions: what one of them does next.

A bot looks at the step as a phone would see it (the public snapshot) and answers with the op a
person might send now, or None: what that op is, each activity says (Activity.bot_op); the bot
brings its dice, its temper and its memory (what it wrote, how many dots it spent), so it needs no
private view. The same brain drives bots inside the server (training/simulation.py,
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

from workshop.activities.registry import ACTIVITIES

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

    def card_limit(self) -> int:
        """The most contributions it writes in one step (the room's loud one writes more)."""
        return DOMINANT_CARDS if self.dominant else self.settings.cards_per_step

    def phrase(self, step: dict, column_key: str | None) -> str:
        return self.rng.choice(phrases_for(step, column_key))

    def pick(self, bank: str):
        """One entry of a phrase bank (e.g. "actions": {who, what})."""
        return self.rng.choice(phrase_banks()[bank])


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
    activity = ACTIVITIES.get(step["type"])
    return activity.bot_op(bot, view, step) if activity else None
