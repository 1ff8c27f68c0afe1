"""Table groups: a step splits the room into tables, each with its own board and a host (World Café).

- Seating (the step's `seating`): `choose` — each phone picks its table (or a table's QR code seats
  it: /j/<code>/t/<n>); `qr` — only the table's QR code seats a phone; `facilitator` — the
  facilitator assigns people on the console ("spread the rest evenly" seats everyone not seated yet).
  The facilitator can move anyone in every mode.
- Each table has a host among the people at it: named by the facilitator, or a participant at a
  table without one takes it on. The host marks up to `picks` cards as the table's key points for the
  plenary, and stays at the table when the others move on.
- Rounds (`rounds` > 1: World Café): "next round" keeps every host at their table and restarts the
  step's timer; the guests get up — in `facilitator` seating they are moved on (each table's guests
  spread over different tables), otherwise they choose (or scan) a new table.
- Cards: written with the brainstorm ops (card.add / card.edit / card.delete) at the writer's table.
  Before the step is revealed, a table's cards are its own (activities/seating.py says who may read
  what): the other tables and the projector see how many cards a table has, never their texts, until
  the facilitator opens the table (shows it on the projector) or reveals the step; the harvest step
  (activities/harvest.py) reveals it and brings each table's key points into the plenary.

Events: `table.seated` (a seat or host changed), `table.round`, `table.picked`, `table.shown`, plus the
card events. Three forms as always (staff, room, the person who acted) and a fourth, personal one:
the participants a seating event seats get it with `mine`, their own seat (and the new table's cards
live), and a table's members get its card events whole (Outcome.personal; docs/realtime.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from marshmallow import Schema, fields, validate
from sqlalchemy import select

from workshop.activities.base import Activity
from workshop.activities.brainstorm import ColumnSchema, write_card
from workshop.activities.cards import VISIBLE, card_view, get_live_card
from workshop.activities.models import Card, TableSeat
from workshop.activities.protocol import Fold, ProtocolCard, Section
from workshop.activities.seating import (
    TABLES,
    current_round,
    members,
    opened,
    seat_form,
    seat_of,
    seats,
)
from workshop.db import utcnow
from workshop.i18n import DEFAULT_LOCALE, N_, LocalizedText, localized
from workshop.ops import FACILITATOR, JSON, PARTICIPANT, OpContext, OpSpec, Outcome, Rejected
from workshop.sessions.models import Participant
from workshop.sessions.names import participant_names
from workshop.sessions.runtime import is_revealed, step_state, update_step
from workshop.sessions.steps import Column, Localized, Problem, Step

SEATINGS = ("choose", "qr", "facilitator")
MAX_TABLES = 12
DEFAULT_ROUND_MINUTES = 20


def _default_tables() -> list[dict]:
    return [{"de": f"Tisch {n}", "en": f"Table {n}"} for n in (1, 2, 3)]


class TablesConfig(Schema):
    # One line per table: its name or topic ("Mobilität", "Tisch 3 – Bildung").
    tables = fields.List(
        LocalizedText(max_length=80),
        validate=validate.Length(2, MAX_TABLES),
        load_default=_default_tables,
        metadata={
            "label": N_("Tische (einer pro Zeile: Name oder Thema)"),
            "help": N_("Jeder Tisch hat sein eigenes Board und eine Gastgeberin oder einen Gastgeber."),
        },
    )
    seating = fields.String(
        load_default="choose",
        validate=validate.OneOf(SEATINGS),
        metadata={
            "label": N_("Wer wählt den Tisch"),
            "choices": {
                "choose": N_("jede Person am Handy (oder per QR-Code des Tisches)"),
                "qr": N_("nur per QR-Code am Tisch"),
                "facilitator": N_("nur die Moderation"),
            },
        },
    )
    rounds = fields.Integer(
        load_default=1,
        strict=True,
        validate=validate.Range(1, 6),
        metadata={"label": N_("Runden (World Café: ab 2 wechseln die Gäste den Tisch)")},
    )
    picks = fields.Integer(
        load_default=3,
        strict=True,
        validate=validate.Range(1, 10),
        metadata={
            "label": N_("Kernpunkte pro Tisch fürs Plenum"),
            "help": N_("So viele Beiträge markiert die Gastgeberin oder der Gastgeber für die Ernte im Plenum."),
        },
    )
    columns = fields.List(
        fields.Nested(ColumnSchema),
        validate=validate.Length(1, 4),
        load_default=lambda: [{"key": "main", "title": {"de": "Karten", "en": "Cards"}}],
        metadata={
            "label": N_("Spalten (eine pro Zeile: „schluessel: Titel“ oder nur der Titel)"),
            "editor": "columns",
        },
    )


@dataclass(kw_only=True)
class TablesStep(Step):
    tables: list[Localized] = field(default_factory=list)
    seating: str = "choose"
    rounds: int = 1
    picks: int = 3
    columns: list[Column] = field(default_factory=list)

    @classmethod
    def _nested(cls, values: dict[str, Any]) -> dict[str, Any]:
        return {**values, "columns": [Column(**c) for c in values.get("columns", [])]}

    def check(self, earlier):
        keys = [column.key for column in self.columns]
        if len(set(keys)) != len(keys):
            return [Problem("columns", N_("Zwei Spalten haben denselben Schlüssel; bitte benennen Sie eine um."))]
        return []


def table_name(step: dict, table_no: int, locale: str = DEFAULT_LOCALE) -> str:
    tables = step.get("tables") or []
    return localized(tables[table_no - 1], locale) if 0 < table_no <= len(tables) else str(table_no)


class StepRef(Schema):
    step_key = fields.String(required=True, validate=validate.Length(1, 80))


class Sit(StepRef):
    table_no = fields.Integer(required=True, strict=True)


class Assign(StepRef):
    participant_id = fields.Integer(required=True, strict=True)
    table_no = fields.Integer(required=True, strict=True, allow_none=True)


class Host(StepRef):
    table_no = fields.Integer(required=True, strict=True)
    participant_id = fields.Integer(strict=True, allow_none=True)  # a participant: themselves (left out)


class Pick(Schema):
    card_id = fields.Integer(required=True, strict=True)
    picked = fields.Boolean(load_default=True)


class Show(StepRef):
    table_no = fields.Integer(required=True, strict=True, allow_none=True)  # None: the overview


# --- reading ---------------------------------------------------------------------------------


def _check_table(step: dict, table_no: int) -> None:
    if not 1 <= table_no <= len(step["tables"]):
        raise Rejected("unknown_table", f"Step '{step['key']}' has tables 1 to {len(step['tables'])}.")


def table_cards(db, ws, step_key: str, table_no: int | None = None) -> list[Card]:
    """The cards on the step's tables (or on one), as the room would count them: not deleted, visible."""
    q = select(Card).where(
        Card.session_id == ws.id, Card.step_key == step_key, Card.deleted_at.is_(None), Card.status == VISIBLE
    )
    if table_no is not None:
        q = q.where(Card.table_no == table_no)
    return list(db.scalars(q.order_by(Card.id)))


def _names(db, ws, ids) -> dict[int, str | None]:
    return participant_names(db, ws.id, only=set(ids))


def _room_view(db, ws, step: dict) -> dict:
    """What everybody may know of the tables: people and hosts per table, the round."""
    current = seats(db, ws, step["key"])
    names = _names(db, ws, [s.participant_id for s in current.values() if s.host])
    counts: dict[str, int] = {}
    hosts: dict[str, dict] = {}
    for seat in current.values():
        if seat.table_no is None:
            continue
        counts[str(seat.table_no)] = counts.get(str(seat.table_no), 0) + 1
        if seat.host:
            hosts[str(seat.table_no)] = {"name": names.get(seat.participant_id)}
    return {"step_key": step["key"], "round": current_round(ws, step["key"]), "counts": counts, "hosts": hosts}


def _seat_entry(seat: TableSeat | None, participant_id: int, names: dict) -> dict:
    return {
        "participant_id": participant_id,
        "name": names.get(participant_id),
        "table_no": seat.table_no if seat else None,
        "host": bool(seat and seat.host),
    }


# --- changing seats --------------------------------------------------------------------------


def _place(ctx: OpContext, step: dict, participant_id: int, table_no: int | None, host: bool = False) -> TableSeat:
    seat = TableSeat(
        session_id=ctx.ws.id,
        step_key=step["key"],
        round=current_round(ctx.ws, step["key"]),
        participant_id=participant_id,
        table_no=table_no,
        host=host and table_no is not None,
    )
    ctx.db.add(seat)
    return seat


def _seating_outcome(ctx: OpContext, step: dict, changed: list[int], kind: str = "table.seated", **extra) -> Outcome:
    """One event for a change of seats: staff see every changed seat; the room the people and hosts
    per table; each participant it seats their own seat, live also with the new table's cards."""
    ctx.db.flush()
    current = seats(ctx.db, ctx.ws, step["key"])
    names = _names(ctx.db, ctx.ws, changed)
    entries = [_seat_entry(current.get(pid), pid, names) for pid in changed]
    room = {**_room_view(ctx.db, ctx.ws, step), **extra}
    staff = {**room, "seats": entries}
    revealed = is_revealed(ctx.ws, step["key"])
    personal: dict[str, tuple[list[int], JSON]] = {}  # identical forms go out once, to all of theirs
    boards: dict[int, list[dict]] = {}
    for entry in entries:
        form = seat_form(staff, room, entry["participant_id"])
        assert form is not None, "every changed seat is in the staff form"
        no = entry["table_no"]
        if no is not None and not revealed and no not in opened(ctx.ws, step["key"]):
            if no not in boards:
                cards = table_cards(ctx.db, ctx.ws, step["key"], no)
                authors = _names(ctx.db, ctx.ws, [c.participant_id for c in cards])
                boards[no] = [card_view(c, authors) for c in cards]
            form = {**form, "data": {"cards": boards[no]}}  # the board they sit down at
        key = repr(sorted(form.items(), key=lambda kv: kv[0]))
        personal.setdefault(key, ([], form))[0].append(entry["participant_id"])
    return Outcome(kind, staff, {"changed": len(entries)}, public_payload=room, personal=list(personal.values()))


def _table_step(ctx: OpContext) -> dict:
    return ctx.ws.current  # the engine checked: a table step (step_types), the current one (names_step)


def sit(ctx: OpContext, payload: dict) -> Outcome:
    """A participant takes a seat (their choice, or the table's QR code)."""
    step = _table_step(ctx)
    if step.get("seating") == "facilitator":
        raise Rejected("seating_by_facilitator", "In this step the facilitator assigns the tables.")
    _check_table(step, payload["table_no"])
    assert ctx.actor.id is not None, "participants only (OpSpec.roles)"
    seat = seat_of(ctx.db, ctx.ws, step["key"], ctx.actor.id)
    if seat is not None and seat.table_no == payload["table_no"]:
        raise Rejected("already_seated", f"You sit at table {payload['table_no']} already.")
    _place(ctx, step, ctx.actor.id, payload["table_no"])
    return _seating_outcome(ctx, step, [ctx.actor.id])


def _participant(ctx: OpContext, participant_id: int) -> None:
    found = ctx.db.get(Participant, participant_id)
    if found is None or found.session_id != ctx.ws.id:
        raise Rejected("participant_not_found", f"There is no participant {participant_id} in this session.")


def assign(ctx: OpContext, payload: dict) -> Outcome:
    """The facilitator seats someone (or lets them get up: table_no None)."""
    step = _table_step(ctx)
    _participant(ctx, payload["participant_id"])
    if payload["table_no"] is not None:
        _check_table(step, payload["table_no"])
    _place(ctx, step, payload["participant_id"], payload["table_no"])
    return _seating_outcome(ctx, step, [payload["participant_id"]])


def spread(ctx: OpContext, payload: dict) -> Outcome:
    """Everyone not seated yet goes to the table with the fewest people (the lowest number on a tie)."""
    step = _table_step(ctx)
    current = seats(ctx.db, ctx.ws, step["key"])
    people = ctx.db.scalars(select(Participant.id).where(Participant.session_id == ctx.ws.id).order_by(Participant.id))
    loose = [pid for pid in people if current.get(pid) is None or current[pid].table_no is None]
    if not loose:
        raise Rejected("nobody_to_seat", "Everybody sits at a table already.")
    count = {no: 0 for no in range(1, len(step["tables"]) + 1)}
    for seat in current.values():
        if seat.table_no in count:
            count[seat.table_no] += 1
    for pid in loose:
        no = min(count, key=lambda n: (count[n], n))
        count[no] += 1
        _place(ctx, step, pid, no)
    return _seating_outcome(ctx, step, loose)


def host(ctx: OpContext, payload: dict) -> Outcome:
    """Name a table's host. The facilitator names anyone at the table (None: no host); a participant
    at a table without a host takes it on (participant_id left out), or a host steps down (None)."""
    step = _table_step(ctx)
    no = payload["table_no"]
    _check_table(step, no)
    current = seats(ctx.db, ctx.ws, step["key"])
    old = [pid for pid, seat in current.items() if seat.table_no == no and seat.host]
    if ctx.actor.role == PARTICIPANT:
        me = ctx.actor.id
        assert me is not None
        wanted = payload.get("participant_id", me)
        if wanted not in (me, None):
            raise Rejected("forbidden", "Only the facilitator names someone else as host.")
        if wanted is None and me not in old:
            raise Rejected("not_table_host", "You do not host this table.")
        if wanted == me and old:
            raise Rejected("table_has_host", f"Table {no} has a host already.")
        new = wanted
    else:
        if "participant_id" not in payload:
            raise Rejected("invalid", "payload.participant_id: whom to name as host (null: nobody).")
        new = payload["participant_id"]
    if new is not None:
        seat = current.get(new)
        if seat is None or seat.table_no != no:
            raise Rejected("not_at_table", f"Participant {new} does not sit at table {no}.")
    for pid in old:
        if pid != new:
            _place(ctx, step, pid, no, host=False)
    if new is not None and new not in old:
        _place(ctx, step, new, no, host=True)
    changed = sorted(set(old) ^ ({new} if new is not None else set()))
    if not changed:
        raise Rejected("already_seated", "Nothing changes: they host this table already.")
    return _seating_outcome(ctx, step, changed)


def next_round(ctx: OpContext, payload: dict) -> Outcome:
    """World Café: the next round. Hosts stay; guests move on (assigned) or get up (they choose)."""
    step = _table_step(ctx)
    now_round = current_round(ctx.ws, step["key"])
    if now_round >= step.get("rounds", 1):
        raise Rejected("last_round", f"Step '{step['key']}' has {step.get('rounds', 1)} round(s).")
    before = seats(ctx.db, ctx.ws, step["key"])
    update_step(ctx.ws, step["key"], round=now_round + 1)
    tables = len(step["tables"])
    guests: dict[int, list[int]] = {}
    for pid, seat in sorted(before.items()):
        if seat.table_no is None:
            continue
        if seat.host:
            _place(ctx, step, pid, seat.table_no, host=True)
        else:
            guests.setdefault(seat.table_no, []).append(pid)
    for no, people in guests.items():
        for j, pid in enumerate(people):
            # assigned: a table's guests go to different tables (1 on, 2 on, …), so groups mix
            moved = (no - 1 + j + 1) % tables + 1 if step.get("seating") == "facilitator" else None
            _place(ctx, step, pid, moved)
    seconds = (step.get("timebox_minutes") or DEFAULT_ROUND_MINUTES) * 60
    now = utcnow()
    timer = {"duration": seconds, "remaining": seconds, "running_since": now.isoformat()}
    update_step(ctx.ws, step["key"], timer=timer)
    return _seating_outcome(ctx, step, sorted(before), "table.round", timer=timer, server_now=now.isoformat())


def pick(ctx: OpContext, payload: dict) -> Outcome:
    """Mark a table's card as one of its key points for the plenary (its host, or the facilitator)."""
    card = get_live_card(ctx.db, ctx.ws.id, payload["card_id"])
    step = ctx.ws.current
    if card.step_key != step["key"] or card.table_no is None or card.status != VISIBLE:
        raise Rejected("card_not_at_table", f"Card {card.id} is not on a table of this step.")
    if ctx.actor.role == PARTICIPANT:
        seat = seat_of(ctx.db, ctx.ws, step["key"], ctx.actor.id or 0)
        if seat is None or not seat.host or seat.table_no != card.table_no:
            raise Rejected("not_table_host", "Only the table's host marks its key points.")
    if payload["picked"] and not card.picked:
        taken = [c for c in table_cards(ctx.db, ctx.ws, step["key"], card.table_no) if c.picked]
        if len(taken) >= step.get("picks", 3):
            raise Rejected("picks_full", f"A table marks at most {step.get('picks', 3)} key points.")
    card.picked = payload["picked"]
    ctx.db.flush()
    counts = {
        str(no): sum(1 for c in table_cards(ctx.db, ctx.ws, step["key"], no) if c.picked)
        for no in range(1, len(step["tables"]) + 1)
    }
    staff = {
        "step_key": step["key"],
        "table_no": card.table_no,
        "card_id": card.id,
        "picked": card.picked,
        "picks": counts,
    }
    if is_revealed(ctx.ws, step["key"]) or card.table_no in opened(ctx.ws, step["key"]):
        return Outcome("table.picked", staff, {"card_id": card.id})
    room = {"redacted": True, "step_key": step["key"], "table_no": card.table_no, "picks": counts}
    return Outcome(
        "table.picked",
        staff,
        {"card_id": card.id, "picked": card.picked},
        public_payload=room,
        personal=[(members(ctx.db, ctx.ws, step["key"], card.table_no), staff)],
    )


def show(ctx: OpContext, payload: dict) -> Outcome:
    """What the projector shows: the overview (None) or one table — which opens that table's board
    to everyone from now on (the room reads it on the projector anyway)."""
    step = _table_step(ctx)
    no = payload["table_no"]
    data: dict = {"cards": []}
    now_open = opened(ctx.ws, step["key"])
    if no is not None:
        _check_table(step, no)
        if no not in now_open and not is_revealed(ctx.ws, step["key"]):
            cards = table_cards(ctx.db, ctx.ws, step["key"], no)
            authors = _names(ctx.db, ctx.ws, [c.participant_id for c in cards])
            data["cards"] = [card_view(c, authors) for c in cards]
        now_open.add(no)
    update_step(ctx.ws, step["key"], shown=no, opened=sorted(now_open))
    return Outcome(
        "table.shown",
        {"step_key": step["key"], "shown": no, "opened": sorted(now_open), "data": data},
        {"shown": no},
    )


def _spec(op_type, schema, roles, handler, names_step=True) -> OpSpec:
    return OpSpec(op_type, schema, frozenset(roles), handler, step_types=frozenset({TABLES}), names_step=names_step)


TABLE_OPS = (
    _spec("table.sit", Sit, {PARTICIPANT}, sit),
    _spec("table.assign", Assign, {FACILITATOR}, assign),
    _spec("table.spread", StepRef, {FACILITATOR}, spread),
    _spec("table.host", Host, {FACILITATOR, PARTICIPANT}, host),
    _spec("table.round", StepRef, {FACILITATOR}, next_round),
    _spec("table.pick", Pick, {FACILITATOR, PARTICIPANT}, pick, names_step=False),
    _spec("table.show", Show, {FACILITATOR}, show),
)


class TablesActivity(Activity):
    type = TABLES
    label = N_("An Tischen (Tischgruppen, World Café)")
    config_schema = TablesConfig
    step_class = TablesStep
    ops = TABLE_OPS
    offers = frozenset({"table_cards"})  # a harvest takes them into the plenary (activities/harvest.py)
    capturable = False  # its results reach the record through the harvest

    def bot_op(self, bot, view, step):
        """A simulated participant takes a seat where it may choose one, then writes at its table."""
        mine = (view["activity"].get(step["key"]) or {}).get("mine")
        if not mine or mine.get("table_no") is None:
            if step.get("seating", "choose") != "choose":
                return None  # seated by the facilitator or a table's QR code
            table_no = bot.rng.randint(1, len(step.get("tables") or []) or 1)
            return {"type": "table.sit", "payload": {"step_key": step["key"], "table_no": table_no}}
        return write_card(bot, view, step)

    def state(self, db, ws, step, viewer):
        state = _room_view(db, ws, step)
        del state["step_key"]
        runtime = step_state(ws, step["key"])
        state["shown"] = runtime.get("shown")
        state["opened"] = sorted(opened(ws, step["key"]))
        # card ids per table (no texts): every screen counts a table's cards by them
        state["card_ids"] = {}
        picks: dict[str, int] = {}
        rows = db.execute(  # plain columns: every phone's snapshot asks (a join storm: thousands)
            select(Card.id, Card.table_no, Card.picked)
            .where(
                Card.session_id == ws.id,
                Card.step_key == step["key"],
                Card.deleted_at.is_(None),
                Card.status == VISIBLE,
                Card.table_no.is_not(None),
            )
            .order_by(Card.id)
        )
        for card_id, table_no, picked in rows:
            state["card_ids"].setdefault(str(table_no), []).append(card_id)
            if picked:
                picks[str(table_no)] = picks.get(str(table_no), 0) + 1
        state["picks"] = picks
        if viewer.role == PARTICIPANT and viewer.id is not None:
            seat = seat_of(db, ws, step["key"], viewer.id)
            state["mine"] = {"table_no": seat.table_no, "host": seat.host} if seat else None
            state["visited"] = sorted(
                set(
                    db.scalars(
                        select(TableSeat.table_no).where(
                            TableSeat.session_id == ws.id,
                            TableSeat.step_key == step["key"],
                            TableSeat.participant_id == viewer.id,
                            TableSeat.table_no.is_not(None),
                        )
                    )
                )
            )
        if viewer.role == FACILITATOR:
            current = seats(db, ws, step["key"])
            people = db.execute(
                select(Participant.id, Participant.display_name)
                .where(Participant.session_id == ws.id)
                .order_by(Participant.id)
            )
            state["seats"] = [_seat_entry(current.get(pid), pid, {pid: name}) for pid, name in people]
        return state

    def reveal(self, db, ws, step):
        """Every table's board, to everyone."""
        cards = table_cards(db, ws, step["key"])
        names = _names(db, ws, [c.participant_id for c in cards])
        return {"cards": [card_view(c, names) for c in cards]}

    def results(self, db, ws, step):
        """None: a table's cards reach the record through the harvest (captured here, their lines would
        reach the room before the tables are opened)."""
        return []

    def protocol(self, f: Fold, step: dict, item: Section) -> None:
        """Each table's board, its host and its key points."""
        cards = table_cards(f.db, f.ws, step["key"])
        hosts: dict[int, set[int]] = {}
        for pid, no in f.db.execute(
            select(TableSeat.participant_id, TableSeat.table_no).where(
                TableSeat.session_id == f.ws.id, TableSeat.step_key == step["key"], TableSeat.host.is_(True)
            )
        ):
            if no is not None:
                hosts.setdefault(no, set()).add(pid)
        for no in range(1, len(step["tables"]) + 1):
            name = table_name(step, no, f.w.language)
            for card in (c for c in cards if c.table_no == no):
                notes = [f.w.gettext("für das Plenum")] if card.picked else []
                author = f.names.get(card.participant_id) if card.participant_id is not None else None
                if author:
                    notes.append(author)
                item.cards.append(ProtocolCard(card.text, name, notes))
            named = sorted(n for n in (f.names.get(pid) for pid in hosts.get(no, ())) if n)
            if named:
                item.results.append(
                    f.w.gettext("%(table)s – Gastgeber:in: %(names)s", table=name, names=", ".join(named))
                )
