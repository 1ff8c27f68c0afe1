"""Poll: a short single- or multiple-choice question (also the fist-of-five check: options 0–5)."""

from __future__ import annotations

from dataclasses import dataclass

from marshmallow import Schema, fields, validate
from sqlalchemy import select

from workshop.activities.base import Activity, Preset, ResultItem, Simulated
from workshop.activities.models import PollAnswer
from workshop.activities.protocol import Fold, Section
from workshop.db import utcnow
from workshop.i18n import N_, LocalizedText, localized
from workshop.ops import FACILITATOR, PARTICIPANT, OpContext, OpSpec, Outcome, Rejected
from workshop.sessions.runtime import is_revealed
from workshop.sessions.steps import Localized, Step
from workshop.validation import whole_number


class PollConfig(Schema):
    options = fields.List(
        LocalizedText(max_length=200),
        required=True,
        validate=validate.Length(2, 12),
        metadata={
            "label": N_("Antwortmöglichkeiten (eine pro Zeile)"),
            "help": N_("Nur Zahlen (z. B. 0 bis 5 für die Faust der Fünf) ergeben eine Skala mit Durchschnitt."),
        },
    )
    multiple = fields.Boolean(
        load_default=False,
        metadata={"label": N_("Mehrfachauswahl"), "help": N_("Jede Person darf mehrere Antworten wählen.")},
    )
    hidden = fields.Boolean(
        load_default=False,
        metadata={
            "label": N_("Ergebnis verdeckt bis zum Aufdecken"),
            "help": N_("Niemand lässt sich von den anderen leiten: das Ergebnis erscheint, wenn Sie aufdecken."),
        },
    )


@dataclass(kw_only=True)
class PollStep(Step):
    options: list[Localized]
    multiple: bool = False
    hidden: bool = False


class AnswerPayload(Schema):
    choices = fields.List(fields.Integer(strict=True), required=True, validate=validate.Length(1, 12))


def counts(db, session_id: int, step: dict) -> list[int]:
    tally = [0] * len(step["options"])
    for answer in db.scalars(
        select(PollAnswer).where(PollAnswer.session_id == session_id, PollAnswer.step_key == step["key"])
    ):
        for index in answer.choices:
            if 0 <= index < len(tally):
                tally[index] += 1
    return tally


def _answers(db, session_id: int, step_key: str) -> int:
    return len(
        db.scalars(
            select(PollAnswer.id).where(PollAnswer.session_id == session_id, PollAnswer.step_key == step_key)
        ).all()
    )


def answer(ctx: OpContext, payload: dict) -> Outcome:
    step = ctx.ws.current  # a poll: the engine checked (OpSpec.step_types)
    choices = payload["choices"]
    if any(not 0 <= c < len(step["options"]) for c in choices):
        raise Rejected("invalid", f"payload.choices: options are numbered 0 to {len(step['options']) - 1}.")
    if len(set(choices)) != len(choices):
        raise Rejected("invalid", "payload.choices: each option at most once.")
    if not step["multiple"] and len(choices) != 1:
        raise Rejected("invalid", "payload.choices: choose exactly one option.")
    existing = ctx.db.scalars(
        select(PollAnswer).where(
            PollAnswer.session_id == ctx.ws.id,
            PollAnswer.step_key == step["key"],
            PollAnswer.participant_id == ctx.actor.id,
        )
    ).first()
    if existing is None:
        existing = PollAnswer(session_id=ctx.ws.id, step_key=step["key"], participant_id=ctx.actor.id, choices=choices)
        ctx.db.add(existing)
    existing.choices, existing.updated_at = sorted(choices), utcnow()
    ctx.db.flush()
    full = {
        "step_key": step["key"],
        "counts": counts(ctx.db, ctx.ws.id, step),
        "answers": _answers(ctx.db, ctx.ws.id, step["key"]),
    }
    hidden = step["hidden"] and not is_revealed(ctx.ws, step["key"])
    return Outcome(
        "poll.changed",
        full,
        {"choices": existing.choices},
        public_payload={"step_key": step["key"], "answers": full["answers"], "redacted": True} if hidden else None,
    )


def _is_scale(options: list[str]) -> bool:
    """Options that are all whole numbers (0 to 5: the fist of five) form a scale with a mean."""
    return len(options) > 2 and all(whole_number(o) is not None for o in options)


def answer_once(bot: Simulated, view: dict, step: dict) -> dict | None:
    """A simulated participant answers once: a fist of five mostly with 3 or 4, a multiple
    choice with one to three options, otherwise one option at random."""
    if step["key"] in bot.done:
        return None
    bot.done.add(step["key"])
    options = [localized(o) for o in step.get("options") or []]
    if len(options) < 2:
        return None
    if _is_scale(options) and not step.get("multiple"):
        values = [int(o) for o in options]
        wanted = round(bot.rng.gauss(min(values) + (max(values) - min(values)) * 0.68, 1.1))
        choice = min(range(len(values)), key=lambda i: abs(values[i] - wanted))
        return {"type": "poll.answer", "payload": {"choices": [choice]}}
    if step.get("multiple"):
        picks = sorted(bot.rng.sample(range(len(options)), k=bot.rng.randint(1, min(3, len(options)))))
        return {"type": "poll.answer", "payload": {"choices": picks}}
    return {"type": "poll.answer", "payload": {"choices": [bot.rng.randrange(len(options))]}}


class PollActivity(Activity):
    type = "poll"
    label = N_("Umfrage")
    presets = (
        Preset(type, label, N_("Umfrage"), minutes=5, texts={"options": (N_("Ja"), N_("Nein"))}),
        Preset(
            "feedback",
            N_("Feedbackrunde (Umfrage mit einer Frage)"),
            N_("Feedbackrunde"),
            minutes=5,
            prompt=N_("Wie zufrieden sind Sie mit dem heutigen Workshop?"),
            texts={"options": (N_("sehr zufrieden"), N_("zufrieden"), N_("teils, teils"), N_("unzufrieden"))},
            frame=True,
        ),
    )
    config_schema = PollConfig
    step_class = PollStep
    ops = (
        OpSpec(
            "poll.answer",
            AnswerPayload,
            frozenset({PARTICIPANT}),
            answer,
            step_types=frozenset({type}),
            lock_applies=True,
        ),
    )

    def state(self, db, ws, step, viewer):
        visible = viewer.role == FACILITATOR or not step["hidden"] or is_revealed(ws, step["key"])
        state = {"answers": _answers(db, ws.id, step["key"])}
        if visible:
            state["counts"] = counts(db, ws.id, step)
        if viewer.role == PARTICIPANT:
            mine = db.scalars(
                select(PollAnswer).where(
                    PollAnswer.session_id == ws.id,
                    PollAnswer.step_key == step["key"],
                    PollAnswer.participant_id == viewer.id,
                )
            ).first()
            state["mine"] = mine.choices if mine else []
        return state

    def results(self, db, ws, step):
        tally = counts(db, ws.id, step)
        options = [localized(option, "de") for option in step["options"]]
        if _is_scale(options) and not step.get("multiple"):
            # A fist of five is one line in the record, its mean and the values someone chose
            # ("Faust der Fünf: 2 Stimmen, Ø 4,5 (4: 1, 5: 1)"), not a line per value.
            total = sum(tally)
            if not total:
                return []
            mean = f"{sum(int(o) * n for o, n in zip(options, tally, strict=True)) / total:.1f}".replace(".", ",")
            spread = ", ".join(f"{o}: {n}" for o, n in zip(options, tally, strict=True) if n)
            votes = "Stimme" if total == 1 else "Stimmen"
            return [
                ResultItem(f"{localized(step['title'], 'de')}: {total} {votes}, Ø {mean} ({spread})", None, None, total)
            ]
        # Options nobody chose are left out.
        return [
            ResultItem(f"{localized(option)}: {n}", None, None, n)
            for option, n in zip(step["options"], tally, strict=True)
            if n
        ]

    def reveal(self, db, ws, step):
        return {"counts": counts(db, ws.id, step)} if step["hidden"] else None

    def bot_op(self, bot, view, step):
        return answer_once(bot, view, step)

    def protocol(self, f: Fold, step: dict, item: Section) -> None:
        """A scale (fist of five: options 0–5) gets its mean and only the values someone chose;
        a choice poll gets each option with its count."""
        options = [localized(o, f.w.language) for o in step["options"]]
        tally = counts(f.db, f.ws.id, step)
        answers = sum(tally) if not step.get("multiple") else None
        if not any(tally):
            item.results = [f.w.gettext("Es wurden keine Stimmen abgegeben.")]
            return
        if _is_scale(options):
            total = sum(tally)
            mean = sum(int(o) * n for o, n in zip(options, tally, strict=True)) / total
            spread = ", ".join(f"{o}: {n}" for o, n in zip(options, tally, strict=True) if n)
            item.results = [
                f.w.ngettext(
                    "%(num)d Stimme, Durchschnitt %(mean)s (%(spread)s)",
                    "%(num)d Stimmen, Durchschnitt %(mean)s (%(spread)s)",
                    total,
                    mean=f.w.decimal(mean),
                    spread=spread,
                )
            ]
            return
        item.results = [
            f"{o}: " + f.w.ngettext("%(num)d Stimme", "%(num)d Stimmen", n)
            for o, n in sorted(zip(options, tally, strict=True), key=lambda pair: -pair[1])
        ]
        if answers is None:
            item.results.append(f.w.gettext("Mehrfachauswahl möglich."))
