"""Consent finding (Systemisches Konsensieren): every participant rates every option with a
resistance from 0 (none) to 10 (strong); the option with the least resistance wins.

- The status quo ("Passivlösung") is always an option, so the group can see whether any
  proposal beats doing nothing.
- Ratings are private until the facilitator reveals them: before that, events say only how
  many people have rated, never a value — not even to the facilitator.
- Abstention: a participant who rated some options but not this one abstains on it. Options
  are ranked by mean resistance (total / ratings given), which equals ranking by total
  resistance when nobody abstained; an option nobody rated ranks last. Equal means at the
  top are a tie: no winner is declared, the facilitator decides how to go on.
- The person × option distribution is shown with anonymous row labels, in an order that
  does not follow who joined first.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from marshmallow import Schema, fields, validate
from sqlalchemy import select

from workshop.activities.base import Activity, ResultItem, Simulated
from workshop.activities.cards import card_view, get_live_card, live_cards
from workshop.activities.models import Card, Rating
from workshop.activities.protocol import Fold, Section
from workshop.db import utcnow
from workshop.i18n import N_, LocalizedText, localized
from workshop.ops import FACILITATOR, PARTICIPANT, OpContext, OpSpec, Outcome, Rejected
from workshop.sessions.runtime import is_revealed
from workshop.sessions.steps import Localized, Step
from workshop.validation import CleanText

MAX_RESISTANCE = 10
PASSIVE = "passive"
OPTION = "option"
DEFAULT_PASSIVE = {"de": "Passivlösung: Es bleibt, wie es ist", "en": "Status quo: nothing changes"}


def option_text(step: dict, text: str, passive: bool, locale: str) -> str:
    """An option as a viewer of `locale` reads it: the status quo and the format's own options
    come in both languages (the step's settings; their card keeps the German), an option added
    in the room stays as it was typed. (static/js/widgets.js optionText does the same.)"""
    if passive:
        return localized(step.get("passive_option") or DEFAULT_PASSIVE, locale) or text
    for option in step.get("options") or []:
        if localized(option) == text:
            return localized(option, locale)
    return text


class ConsentConfig(Schema):
    options = fields.List(
        LocalizedText(max_length=300),
        load_default=list,
        validate=validate.Length(max=12),
        metadata={
            "label": N_("Antwortmöglichkeiten (eine pro Zeile)"),
            "help": N_("Die Vorschläge, zu denen jede Person ihren Widerstand von 0 bis 10 angibt."),
        },
    )
    passive_option = LocalizedText(
        max_length=300,
        load_default=lambda: dict(DEFAULT_PASSIVE),
        metadata={
            "label": N_("Passivlösung (Status quo)"),
            "help": N_("Immer eine Option: so zeigt sich, ob ein Vorschlag besser ist, als nichts zu tun."),
        },
    )


@dataclass(kw_only=True)
class ConsentStep(Step):
    options: list[Localized] = field(default_factory=list)
    passive_option: Localized = field(default_factory=lambda: dict(DEFAULT_PASSIVE))


class AddOption(Schema):
    text = CleanText(required=True, validate=validate.Length(1, 300))


class RatePayload(Schema):
    card_id = fields.Integer(required=True, strict=True)
    value = fields.Integer(required=True, strict=True, validate=validate.Range(0, MAX_RESISTANCE))


class ClearPayload(Schema):
    card_id = fields.Integer(required=True, strict=True)


@dataclass
class OptionResult:
    card_id: int
    text: str
    passive: bool
    total: int
    count: int
    abstentions: int

    @property
    def mean(self) -> float | None:
        return self.total / self.count if self.count else None


def compute_consent(options: list[tuple[int, str, bool]], ratings: list[tuple[int, int, int]]) -> dict:
    """options: (card_id, text, is_passive); ratings: (participant_id, card_id, value)."""
    raters = sorted({pid for pid, _cid, _v in ratings})
    by_option: dict[int, list[int]] = {cid: [] for cid, _t, _p in options}
    for _pid, cid, value in ratings:
        if cid in by_option:
            by_option[cid].append(value)
    results = [
        OptionResult(cid, text, passive, sum(by_option[cid]), len(by_option[cid]), len(raters) - len(by_option[cid]))
        for cid, text, passive in options
    ]
    ranked = sorted(results, key=lambda r: (r.mean is None, r.mean if r.mean is not None else 0, r.card_id))
    best = [
        r for r in ranked if r.mean is not None and ranked[0].mean is not None and abs(r.mean - ranked[0].mean) < 1e-9
    ]
    # Anonymous rows: ordered by a hash, not by participant id (which follows join order).
    order = sorted(raters, key=lambda pid: hashlib.sha256(f"{pid}".encode()).hexdigest())
    values = {(pid, cid): v for pid, cid, v in ratings}
    return {
        "options": [
            {
                "card_id": r.card_id,
                "text": r.text,
                "passive": r.passive,
                "total": r.total,
                "count": r.count,
                "abstentions": r.abstentions,
                "mean": round(r.mean, 2) if r.mean is not None else None,
            }
            for r in ranked
        ],
        "winner": best[0].card_id if len(best) == 1 else None,
        "tied": [r.card_id for r in best] if len(best) > 1 else [],
        "passive_wins": len(best) == 1 and best[0].passive,
        "raters": len(raters),
        "matrix": {
            "columns": [cid for cid, _t, _p in options],
            "rows": [[values.get((pid, cid)) for cid, _t, _p in options] for pid in order],
        },
    }


def _consent_step(ctx: OpContext, *, open_only: bool = False) -> dict:
    step = ctx.ws.current  # a consent round: the engine checked (OpSpec.step_types)
    if open_only and is_revealed(ctx.ws, step["key"]):
        raise Rejected("already_revealed", "The result is revealed; ratings and options can no longer change.")
    return step


def _my_rating(ctx: OpContext, step: dict, card: Card) -> Rating | None:
    return ctx.db.scalars(
        select(Rating).where(
            Rating.session_id == ctx.ws.id,
            Rating.step_key == step["key"],
            Rating.card_id == card.id,
            Rating.participant_id == ctx.actor.id,
        )
    ).first()


def _option(ctx: OpContext, step: dict, card_id: int) -> Card:
    card = get_live_card(ctx.db, ctx.ws.id, card_id)
    if card.step_key != step["key"]:
        raise Rejected("card_not_votable", f"Card {card_id} is not an option of this consent round.")
    return card


def _progress(ctx: OpContext, step: dict) -> dict:
    ratings = ctx.db.scalars(select(Rating).where(Rating.session_id == ctx.ws.id, Rating.step_key == step["key"])).all()
    return {"step_key": step["key"], "raters": len({r.participant_id for r in ratings}), "ratings": len(ratings)}


def add_option(ctx: OpContext, payload: dict) -> Outcome:
    step = _consent_step(ctx, open_only=True)
    card = Card(
        session_id=ctx.ws.id, step_key=step["key"], column_key=OPTION, text=payload["text"], facilitator_id=ctx.actor.id
    )
    ctx.db.add(card)
    ctx.db.flush()
    return Outcome("card.added", {"card": card_view(card, {})}, {"card_id": card.id})


def rate(ctx: OpContext, payload: dict) -> Outcome:
    step = _consent_step(ctx, open_only=True)
    card = _option(ctx, step, payload["card_id"])
    rating = _my_rating(ctx, step, card)
    if rating is None:
        rating = Rating(
            session_id=ctx.ws.id,
            step_key=step["key"],
            card_id=card.id,
            participant_id=ctx.actor.id,
            value=payload["value"],
        )
        ctx.db.add(rating)
    rating.value, rating.updated_at = payload["value"], utcnow()
    ctx.db.flush()
    return Outcome("rating.changed", _progress(ctx, step), {"card_id": card.id, "value": rating.value})


def clear(ctx: OpContext, payload: dict) -> Outcome:
    step = _consent_step(ctx, open_only=True)
    card = _option(ctx, step, payload["card_id"])
    rating = _my_rating(ctx, step, card)
    if rating is None:
        raise Rejected("no_rating", "You have not rated this option.")
    ctx.db.delete(rating)
    ctx.db.flush()
    return Outcome("rating.changed", _progress(ctx, step), {"card_id": card.id, "value": None})


def consent_result(db, ws, step) -> dict:
    options = [(c.id, c.text, c.column_key == PASSIVE) for c in live_cards(db, ws.id, step["key"])]
    ratings = [
        (r.participant_id, r.card_id, r.value)
        for r in db.scalars(select(Rating).where(Rating.session_id == ws.id, Rating.step_key == step["key"]))
    ]
    return compute_consent(options, ratings)


def rate_next(bot: Simulated, view: dict, step: dict) -> dict | None:
    """A simulated participant rates the options one by one; the status quo meets more
    resistance than a proposal, most of the time."""
    options = [c for c in view["cards"] if c.get("step_key") == step["key"]]
    rated = bot.written.get(step["key"], 0)  # ratings given in this step
    if rated >= len(options):
        return None
    option = options[rated]
    bot.written[step["key"]] = rated + 1
    passive = option.get("column_key") == PASSIVE
    value = min(MAX_RESISTANCE, max(0, round(bot.rng.gauss(6.5 if passive else 3, 2.2))))
    return {"type": "rating.set", "payload": {"card_id": option["id"], "value": value}}


class ConsentActivity(Activity):
    type = "consent"
    label = N_("Konsensieren")
    config_schema = ConsentConfig
    step_class = ConsentStep
    ops = (
        OpSpec("consent.option_add", AddOption, frozenset({FACILITATOR}), add_option, step_types=frozenset({type})),
        OpSpec(
            "rating.set", RatePayload, frozenset({PARTICIPANT}), rate, step_types=frozenset({type}), lock_applies=True
        ),
        OpSpec(
            "rating.clear",
            ClearPayload,
            frozenset({PARTICIPANT}),
            clear,
            step_types=frozenset({type}),
            lock_applies=True,
        ),
    )

    def seed(self, db, ws, step):
        for text in step["options"]:
            db.add(
                Card(
                    session_id=ws.id,
                    step_key=step["key"],
                    column_key=OPTION,
                    text=localized(text),
                    facilitator_id=ws.facilitator_id,
                )
            )
        db.add(
            Card(
                session_id=ws.id,
                step_key=step["key"],
                column_key=PASSIVE,
                text=localized(step["passive_option"]),
                facilitator_id=ws.facilitator_id,
            )
        )

    def state(self, db, ws, step, viewer):
        ratings = db.scalars(select(Rating).where(Rating.session_id == ws.id, Rating.step_key == step["key"])).all()
        state = {"raters": len({r.participant_id for r in ratings}), "revealed": is_revealed(ws, step["key"])}
        if viewer.role == PARTICIPANT:
            state["mine"] = {str(r.card_id): r.value for r in ratings if r.participant_id == viewer.id}
        if state["revealed"]:
            state["result"] = consent_result(db, ws, step)
        return state

    def results(self, db, ws, step):
        result = consent_result(db, ws, step)
        items = []
        for option in result["options"]:
            mean = "–" if option["mean"] is None else f"{option['mean']:.1f}".replace(".", ",")
            mark = " – geringster Widerstand" if option["card_id"] == result["winner"] else ""
            items.append(
                ResultItem(
                    f"{option['text']} (Widerstand {option['total']}, Ø {mean}, "
                    f"{option['abstentions']} {'Enthaltung' if option['abstentions'] == 1 else 'Enthaltungen'}){mark}",
                    option["card_id"],
                    None,
                    option["total"],
                )
            )
        return items

    def reveal(self, db, ws, step):
        return {"result": consent_result(db, ws, step)}

    def bot_op(self, bot, view, step):
        return rate_next(bot, view, step)

    def protocol(self, f: Fold, step: dict, item: Section) -> None:
        result = consent_result(f.db, f.ws, step)
        for option in result["options"]:
            option = {**option, "text": option_text(step, option["text"], option["passive"], f.w.language)}
            if option["mean"] is None:
                line = f.w.gettext("%(option)s: keine Bewertung", option=option["text"])
            else:
                line = f.w.gettext(
                    "%(option)s: Widerstand %(total)d, Durchschnitt %(mean)s",
                    option=option["text"],
                    total=option["total"],
                    mean=f.w.decimal(option["mean"]),
                )
                if option["abstentions"]:
                    line += (
                        " (" + f.w.ngettext("%(num)d Enthaltung", "%(num)d Enthaltungen", option["abstentions"]) + ")"
                    )
            if option["card_id"] == result["winner"]:
                line += " – " + f.w.gettext("geringster Widerstand")
            item.results.append(line)
        if result["tied"]:
            item.results.append(f.w.gettext("Gleichstand beim geringsten Widerstand: keine Entscheidung."))
        if not result["raters"]:
            item.results = [f.w.gettext("Es wurden keine Bewertungen abgegeben.")]
