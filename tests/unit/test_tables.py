"""Table groups through the engine (activities/tables.py, harvest.py, seating.py): three tables keep
their cards apart — in every viewer's snapshot, replay and live form — until the harvest, which brings
them all into the plenary; hosts, key points, World Café rounds with the timer, the projector."""

from __future__ import annotations

import json

import pytest

from workshop.live.engine import events_after
from workshop.live.snapshot import build_snapshot
from workshop.measures.models import Measure
from workshop.measures.record import current_values
from workshop.ops import PARTICIPANT, VIEWER, Actor

PROJECTOR = Actor(VIEWER)
# world_cafe: "tables" (3 tables: Mobilität, Bildung, Verwaltung digital; seating choose; 3 rounds;
# 3 key points) → "harvest" → "clusters" → "weigh" (dot vote on the clusters) → "summary"


def _seated_room(make_room, seating: str | None = None):
    room = make_room("world_cafe")
    if seating:
        with room.db() as db:
            ws = room.ws(db)
            ws.template = {
                **ws.template,
                "steps": [{**s, "seating": seating} if s["key"] == "tables" else s for s in ws.steps],
            }
            db.commit()
    room.start()
    # (they agree to be named in the protocol: only those are named there)
    people = [room.join(name, named_in_protocol=True) for name in ("Ada", "Ben", "Cem", "Dana", "Eli", "Fe")]
    if seating != "facilitator":
        for n, person in enumerate(people):
            room.apply(person, "table.sit", step_key="tables", table_no=n // 2 + 1)  # 2 people per table
    return room, people


def _snapshot(room, viewer) -> dict:
    with room.db() as db:
        return build_snapshot(db, room.ws(db), viewer)


def _replay(room, viewer) -> str:
    with room.db() as db:
        return json.dumps(events_after(db, room.session_id, 0, 1000, viewer), ensure_ascii=False)


def _texts(snapshot: dict, step_key: str = "tables") -> set[str]:
    return {c["text"] for c in snapshot["cards"] if c["step_key"] == step_key}


WRITTEN = {1: "Busspur am Ring fehlt", 2: "Tablets für alle Schulen", 3: "Online-Termine im Bürgeramt"}


def test_three_tables_keep_their_cards_apart_until_the_harvest_then_all_arrive_in_the_plenary(make_room):
    room, people = _seated_room(make_room)
    table_of = {person: n // 2 + 1 for n, person in enumerate(people)}
    added = {}
    for n, person in enumerate(people):
        no = table_of[person]
        text = WRITTEN[no] if n % 2 == 0 else f"{WRITTEN[no]} – stimmt"
        added[person] = room.apply(person, "card.add", step_key="tables", text=text)
    # live: the room gets every table card redacted (with its table), its members get it whole
    for person, applied in added.items():
        no = table_of[person]
        assert applied.public_event["payload"] == {
            "redacted": True,
            "step_key": "tables",
            "card_id": applied.result["card_id"],
            "table_no": no,
            "whole_for": sorted(p.id for p in people if table_of[p] == no),
        }
        # the author's own form first (it wins for them: their card with "mine"), then the table's
        [(author, own), (ids, whole)] = applied.personal
        assert author == [person.id] and own["payload"]["card"]["mine"] is True
        assert ids == sorted(p.id for p in people if table_of[p] == no)
        assert whole["payload"]["card"]["table_no"] == no

    for person in people:  # snapshot and replay: one's own table only
        no = table_of[person]
        mine = {WRITTEN[no], f"{WRITTEN[no]} – stimmt"}
        assert _texts(_snapshot(room, person)) == mine
        replayed = _replay(room, person)
        for other, text in WRITTEN.items():
            assert (text in replayed) == (other == no), (person, other)
    assert _texts(_snapshot(room, PROJECTOR)) == set()
    assert not any(text in _replay(room, PROJECTOR) for text in WRITTEN.values())
    assert len(_texts(_snapshot(room, room.facilitator))) == 6  # the facilitator runs every table
    room_view = _snapshot(room, PROJECTOR)["activity"]["tables"]
    assert room_view["counts"] == {"1": 2, "2": 2, "3": 2}  # what everybody may know of the others
    assert {k: len(v) for k, v in room_view["card_ids"].items()} == {"1": 2, "2": 2, "3": 2}

    room.goto("harvest")
    collected = room.apply(room.facilitator, "harvest.collect")
    assert collected.result == {"added": 6}  # no table marked key points: each brings all its cards
    for viewer in (*people, PROJECTOR, room.facilitator):
        plenary = [c for c in _snapshot(room, viewer)["cards"] if c["step_key"] == "harvest"]
        assert sorted(c["table_no"] for c in plenary) == [1, 1, 2, 2, 3, 3]
        assert len(_texts(_snapshot(room, viewer))) == 6  # and every table's board is open now
        assert all(text in _replay(room, viewer) for text in WRITTEN.values())
    assert room.refused(room.facilitator, "harvest.collect").code == "nothing_to_harvest"

    # the plenary clusters and votes on them like any cards
    room.goto("clusters")
    cluster = room.apply(room.facilitator, "cluster.create", title="Alles").result["cluster_id"]
    for card in (c for c in _snapshot(room, room.facilitator)["cards"] if c["step_key"] == "harvest"):
        room.apply(room.facilitator, "card.cluster", card_id=card["id"], cluster_id=cluster)
    room.goto("weigh")
    room.apply(people[0], "vote.add", cluster_id=cluster)


def test_a_host_marks_the_tables_key_points_and_the_harvest_brings_those(make_room):
    room, (ada, ben, cem, *_rest) = _seated_room(make_room)
    cards = [room.apply(ada, "card.add", step_key="tables", text=f"Punkt {n}").result["card_id"] for n in range(5)]
    other = room.apply(cem, "card.add", step_key="tables", text="Am zweiten Tisch").result["card_id"]
    assert room.refused(ben, "table.pick", card_id=cards[0]).code == "not_table_host"
    room.apply(ada, "table.host", step_key="tables", table_no=1)  # Ada takes on table 1
    assert room.refused(ben, "table.host", step_key="tables", table_no=1).code == "table_has_host"
    assert room.refused(ada, "table.pick", card_id=other).code == "not_table_host"  # not her table
    picked = [room.apply(ada, "table.pick", card_id=card) for card in cards[:3]]
    assert room.refused(ada, "table.pick", card_id=cards[3]).code == "picks_full"  # at most 3
    # the other tables learn how many, not which
    assert picked[-1].public_event["payload"]["picks"] == {"1": 3, "2": 0, "3": 0}
    assert "card_id" not in picked[-1].public_event["payload"]
    assert [c["picked"] for c in _snapshot(room, ben)["cards"] if c["id"] in cards] == [True] * 3 + [False] * 2
    room.goto("harvest")
    assert room.apply(room.facilitator, "harvest.collect").result == {"added": 4}  # 3 key points + table 2's one
    plenary = sorted(
        (c["table_no"], c["text"]) for c in _snapshot(room, PROJECTOR)["cards"] if c["step_key"] == "harvest"
    )
    assert plenary == [(1, "Punkt 0"), (1, "Punkt 1"), (1, "Punkt 2"), (2, "Am zweiten Tisch")]
    # the record names the table a captured card came from
    room.apply(room.facilitator, "record.capture", step_key="harvest", field_key="initial_situation")
    with room.db() as db:
        lines = current_values(db, db.get(Measure, room.ws(db).measure_id))["initial_situation"].lines
    assert {(line["text"], line["source"]["table"]) for line in lines} >= {("Am zweiten Tisch", "Bildung")}
    assert all(line["source"]["origin_card_id"] for line in lines)


def test_world_cafe_rounds_hosts_stay_guests_move_on_and_the_timer_restarts(make_room):
    room, people = _seated_room(make_room, seating="facilitator")
    ada, ben, cem, dana, eli, fe = people
    assert room.refused(ada, "table.sit", step_key="tables", table_no=1).code == "seating_by_facilitator"
    assert room.refused(ada, "card.add", step_key="tables", text="Noch kein Platz").code == "not_seated"
    room.apply(room.facilitator, "table.spread", step_key="tables")  # 6 people over 3 tables
    seats = {
        s["participant_id"]: s["table_no"] for s in _snapshot(room, room.facilitator)["activity"]["tables"]["seats"]
    }
    assert sorted(seats.values()) == [1, 1, 2, 2, 3, 3]
    hosts = {}
    for no in (1, 2, 3):
        hosts[no] = min(pid for pid, t in seats.items() if t == no)
        room.apply(room.facilitator, "table.host", step_key="tables", table_no=no, participant_id=hosts[no])
    guest_1 = next(p for p in people if seats[p.id] == 1 and p.id != hosts[1])
    room.apply(guest_1, "card.add", step_key="tables", text="Runde eins an Tisch 1")

    moved = room.apply(room.facilitator, "table.round", step_key="tables")
    assert moved.event["type"] == "table.round" and moved.event["payload"]["round"] == 2
    assert moved.event["payload"]["timer"]["duration"] == 20 * 60  # the step's timebox, running again
    with room.db() as db:
        assert room.ws(db).runtime["steps"]["tables"]["timer"]["running_since"]
    after = {s["participant_id"]: s for s in _snapshot(room, room.facilitator)["activity"]["tables"]["seats"]}
    for no, host in hosts.items():
        assert after[host]["table_no"] == no and after[host]["host"]  # the host stays
    assert after[guest_1.id]["table_no"] != 1  # the guest moved on
    new_table = after[guest_1.id]["table_no"]
    # the guest's own form names their new seat and brings the new table's board
    form = next(f for ids, f in moved.personal if guest_1.id in ids)
    assert form["payload"]["mine"] == {"table_no": new_table, "host": False}
    # what the guest may read: the board they left, and the one they sit at now
    readable = _snapshot(room, guest_1)["activity"]["tables"]
    assert readable["visited"] == sorted({1, new_table}) and readable["mine"]["table_no"] == new_table
    assert "Runde eins an Tisch 1" in _texts(_snapshot(room, guest_1))
    host_there = hosts[new_table]
    new_card = room.apply(guest_1, "card.add", step_key="tables", text="Runde zwei").result["card_id"]
    assert new_card in {c["id"] for c in _snapshot(room, Actor(PARTICIPANT, host_there))["cards"]}
    room.apply(room.facilitator, "table.round", step_key="tables")
    assert room.refused(room.facilitator, "table.round", step_key="tables").code == "last_round"


def test_a_round_in_chosen_seating_lets_the_guests_choose_again(make_room):
    room, people = _seated_room(make_room)
    room.apply(people[0], "table.host", step_key="tables", table_no=1)
    room.apply(room.facilitator, "table.round", step_key="tables")
    mine = {p: _snapshot(room, p)["activity"]["tables"]["mine"] for p in people}
    assert mine[people[0]] == {"table_no": 1, "host": True}
    assert all(m == {"table_no": None, "host": False} for p, m in mine.items() if p != people[0])
    assert room.refused(people[1], "card.add", step_key="tables", text="Wo sitze ich?").code == "not_seated"
    room.apply(people[1], "table.sit", step_key="tables", table_no=3)
    room.apply(people[1], "card.add", step_key="tables", text="Jetzt an Tisch 3")


def test_the_projector_shows_one_table_which_opens_its_board_to_everyone(make_room):
    room, people = _seated_room(make_room)
    room.apply(people[0], "card.add", step_key="tables", text="Busspur am Ring fehlt")
    room.apply(people[2], "card.add", step_key="tables", text="Tablets für alle Schulen")
    shown = room.apply(room.facilitator, "table.show", step_key="tables", table_no=1)
    assert [c["text"] for c in shown.event["payload"]["data"]["cards"]] == ["Busspur am Ring fehlt"]
    assert _texts(_snapshot(room, PROJECTOR)) == {"Busspur am Ring fehlt"}
    assert _texts(_snapshot(room, people[4])) == {"Busspur am Ring fehlt"}  # table 3 reads table 1 now
    assert "Busspur am Ring fehlt" in _replay(room, people[4])
    assert "Tablets für alle Schulen" not in _replay(room, people[4]) + _replay(room, PROJECTOR)
    later = room.apply(people[1], "card.add", step_key="tables", text="Und Radwege")
    assert later.public_event is None  # an open table's new card goes to the room whole
    room.apply(room.facilitator, "table.show", step_key="tables", table_no=None)  # the overview again
    assert _snapshot(room, PROJECTOR)["activity"]["tables"]["shown"] is None


@pytest.mark.parametrize(
    ("op_type", "payload", "code"),
    [
        ("table.sit", {"step_key": "tables", "table_no": 4}, "unknown_table"),
        ("table.sit", {"step_key": "tables", "table_no": 1}, "already_seated"),
        ("table.host", {"step_key": "tables", "table_no": 2}, "not_at_table"),
        ("table.host", {"step_key": "tables", "table_no": 1, "participant_id": None}, "not_table_host"),
        ("table.sit", {"step_key": "harvest", "table_no": 1}, "step_not_active"),
    ],
)
def test_what_a_participant_may_not_do_at_the_tables_is_refused_and_changes_nothing(make_room, op_type, payload, code):
    room, people = _seated_room(make_room)
    before = _snapshot(room, room.facilitator)["activity"]["tables"]
    assert room.refused(people[0], op_type, **payload).code == code
    assert _snapshot(room, room.facilitator)["activity"]["tables"] == before


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_protocol_lists_each_tables_board_with_its_host_and_the_harvest_by_table(make_room, language):
    from workshop.protocols.markdown import render_markdown
    from workshop.protocols.model import build_protocol

    room, (ada, ben, cem, *_rest) = _seated_room(make_room)
    card = room.apply(ada, "card.add", step_key="tables", text="Busspur am Ring fehlt").result["card_id"]
    room.apply(cem, "card.add", step_key="tables", text="Tablets für alle Schulen")
    room.apply(ada, "table.host", step_key="tables", table_no=1)
    room.apply(ada, "table.pick", card_id=card)
    room.goto("harvest")
    room.apply(room.facilitator, "harvest.collect")
    with room.db() as db:
        text = render_markdown(build_protocol(db, room.ws(db), language=language))
    mobility, education = ("Mobilität", "Bildung") if language == "de" else ("Mobility", "Education")
    host = "Gastgeber:in: Ada" if language == "de" else "host: Ada"
    plenary = "für das Plenum" if language == "de" else "for the plenary"
    assert f"{mobility} – {host}" in text
    assert plenary in text and "Busspur am Ring fehlt" in text and education in text
