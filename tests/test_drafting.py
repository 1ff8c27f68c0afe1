"""Co-drafting through the real server process: convergence of concurrent editors, durability
across a SIGKILL, refusals, cards pulled into a field with their provenance."""

from __future__ import annotations

import random
import re
import signal
import threading
from base64 import b64decode, b64encode

import pytest
import socketio
from pycrdt import Doc, Map, Text
from sqlalchemy import func, select

from tests.conftest import PASSWORD, start_server, stop_server
from tests.draft_client import NS, DraftClient
from tests.live_client import cookie_header, login
from workshop.drafting.models import DraftUpdate
from workshop.measures.models import RecordRevision

FIELD = "short_description"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database_kind(request):
    """The update log is binary (bytea on PostgreSQL): every drafting test runs on both databases."""
    return request.param


@pytest.fixture
def drafting(server):
    fid = server.facilitator()
    mid = server.measure("Anlaufstelle Prozessbegleitung", "2022-14222")
    cookies = cookie_header(server.login())
    clients: list[DraftClient] = []

    def client() -> DraftClient:
        c = DraftClient(server.base_url, cookies, mid)
        clients.append(c)
        assert c.join()["ok"]
        return c

    yield {"server": server, "measure_id": mid, "facilitator_id": fid, "client": client, "cookies": cookies}
    for c in clients:
        c.close()


def latest(server, measure_id, field_key=FIELD) -> RecordRevision | None:
    with server.db() as db:
        return db.scalars(
            select(RecordRevision)
            .where(RecordRevision.measure_id == measure_id, RecordRevision.field_key == field_key)
            .order_by(RecordRevision.id.desc())
            .limit(1)
        ).first()


def stored_updates(server, measure_id) -> int:
    with server.db() as db:
        return db.scalar(select(func.count(DraftUpdate.id)).where(DraftUpdate.measure_id == measure_id))


def test_an_edit_reaches_the_other_editor_and_the_record(drafting):
    a, b = drafting["client"](), drafting["client"]()
    ack = a.edit(FIELD, lambda t: t.insert(0, "Eine Anlaufstelle für Prozessbegleitung – äöü ß"))
    assert ack["ok"] and ack["stored"] > 0
    b.wait_for(lambda c: c.text(FIELD) == "Eine Anlaufstelle für Prozessbegleitung – äöü ß", "a's text")
    # the field becomes a record revision once it is idle (no revision per keystroke)
    b.wait_for(lambda c: any(m["field_key"] == FIELD for m in c.saved), "draft.saved")
    revision = latest(drafting["server"], drafting["measure_id"])
    assert revision.value == "Eine Anlaufstelle für Prozessbegleitung – äöü ß"
    assert revision.source_kind == "draft"
    assert revision.author_id == drafting["facilitator_id"]


def test_ten_editors_typing_at_once_converge_and_lose_nothing(drafting):
    """Every editor inserts uniquely tagged tokens at token boundaries and deletes whole tokens it
    sees, all at once; at the end every editor, the server and the record hold the same text, made
    of exactly the tokens inserted and not deleted."""
    editors = [drafting["client"]() for _ in range(10)]
    inserted, deleted, failures = set(), set(), []
    bookkeeping = threading.Lock()
    start = threading.Barrier(len(editors))

    def work(number: int, editor: DraftClient) -> None:
        rng = random.Random(number)
        start.wait()
        for i in range(25):
            with editor.lock:
                tokens = re.findall(r"<\d\d\.\d\d\d>", editor.text(FIELD))
            if tokens and rng.random() < 0.3:
                k = rng.randrange(len(tokens))
                token = tokens[k]
                ack = editor.edit(FIELD, lambda t, k=k: t.__delitem__(slice(8 * k, 8 * k + 8)))
                with bookkeeping:
                    deleted.add(token)
            else:
                token = f"<{number:02d}.{i:03d}>"
                k = rng.randint(0, len(tokens))
                ack = editor.edit(FIELD, lambda t, k=k, token=token: t.insert(8 * k, token))
                with bookkeeping:
                    inserted.add(token)
            if not ack.get("ok"):
                failures.append(ack)

    threads = [threading.Thread(target=work, args=(n, e)) for n, e in enumerate(editors)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures
    server_text = drafting["client"]().text(FIELD)  # a fresh join: the server's document
    for editor in editors:
        editor.wait_for(lambda c: c.text(FIELD) == server_text, "the server's text")
    tokens = re.findall(r"<\d\d\.\d\d\d>", server_text)
    assert "".join(tokens) == server_text  # nothing torn apart, nothing else in between
    assert len(tokens) == len(set(tokens))
    assert set(tokens) == inserted - deleted
    assert len(inserted) > 150 and deleted
    ack = editors[0].call("draft.flush", {"measure_id": drafting["measure_id"], "field_key": FIELD})
    assert ack["ok"]
    assert latest(drafting["server"], drafting["measure_id"]).value == server_text


@pytest.mark.own_server  # it kills the server
def test_acknowledged_edits_survive_sigkill(drafting, tmp_path):
    server = drafting["server"]
    a = drafting["client"]()
    for word in ("Zeile eins", "\nZeile zwei", "\nZeile drei"):
        assert a.edit(FIELD, lambda t, w=word: t.insert(len(str(t).encode()), w))["ok"]
    assert a.edit("objectives", lambda t: t.insert(0, "Wirkung messen"))["ok"]
    a.close()
    server.process.send_signal(signal.SIGKILL)  # no chance to materialise or flush anything
    server.process.wait()
    process, base_url = start_server(server.database_url, tmp_path / "server2.log")
    try:
        b = DraftClient(
            base_url, cookie_header(login(base_url, "moderation@example.org", PASSWORD)), drafting["measure_id"]
        )
        assert b.join()["ok"]
        assert b.text(FIELD) == "Zeile eins\nZeile zwei\nZeile drei"
        assert b.text("objectives") == "Wirkung messen"
        # loading the document found it newer than the record and wrote it there
        assert latest(server, drafting["measure_id"]).value == "Zeile eins\nZeile zwei\nZeile drei"
        assert b.edit(FIELD, lambda t: t.insert(0, "Neu: "))["ok"]
        b.close()
    finally:
        stop_server(process)


def test_bad_input_is_refused_and_changes_nothing(drafting):
    mid, a = drafting["measure_id"], drafting["client"]()
    before = stored_updates(drafting["server"], mid)
    doc = Doc()
    doc.get("text", type=Text).insert(0, "x")
    good = b64encode(doc.get_update()).decode()
    cases = [
        ("draft.update", "nonsense", "invalid"),
        ("draft.update", {"measure_id": "1", "field_key": FIELD, "update": good}, "invalid"),
        ("draft.update", {"measure_id": mid, "field_key": FIELD, "update": good, "extra": 1}, "invalid"),
        ("draft.update", {"measure_id": mid, "field_key": "no_such_field", "update": good}, "unknown_field"),
        ("draft.update", {"measure_id": mid, "field_key": "team", "update": good}, "field_not_drafted"),
        ("draft.update", {"measure_id": mid, "field_key": FIELD, "update": "***"}, "invalid"),
        (
            "draft.update",
            {"measure_id": mid, "field_key": FIELD, "update": b64encode(b"\x07garbage").decode()},
            "invalid_update",
        ),
        (
            "draft.update",
            {"measure_id": mid, "field_key": FIELD, "update": b64encode(b"x" * 40_000).decode()},
            "update_too_large",
        ),
        ("draft.update", {"measure_id": mid + 99, "field_key": FIELD, "update": good}, "not_joined"),
        ("draft.join", {"measure_id": mid + 99}, "measure_not_found"),
        ("draft.pull_card", {"measure_id": mid, "field_key": FIELD, "card_id": 12345}, "card_not_found"),
        ("draft.awareness", {"measure_id": mid, "field_key": 5}, "invalid"),
    ]
    for event, data, code in cases:
        ack = a.call(event, data)
        assert ack["ok"] is False and ack["error"]["code"] == code, (event, data, ack)
        assert ack["error"]["message"]
    sneaky = Doc()
    sneaky["elsewhere"] = Map({"hidden": "x" * 1000})
    ack = a.send(FIELD, sneaky.get_update())
    assert ack["error"]["code"] == "invalid_update" and "elsewhere" in ack["error"]["message"]
    too_long = Doc()
    too_long.get("text", type=Text).insert(0, "y" * 20_001)
    ack = a.send(FIELD, too_long.get_update())
    assert ack["error"]["code"] in ("too_long", "update_too_large")
    assert stored_updates(drafting["server"], mid) == before
    assert a.edit(FIELD, lambda t: t.insert(0, "ok"))["ok"]  # the connection is still fine


def test_only_logged_in_facilitators_may_draft(drafting):
    client = socketio.Client(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(drafting["server"].base_url, namespaces=[NS], transports=["websocket"], wait_timeout=10)


def test_presence_says_who_is_in_which_field(drafting):
    a, b = drafting["client"](), drafting["client"]()
    ack = a.call(
        "draft.awareness",
        {"measure_id": drafting["measure_id"], "field_key": FIELD, "cursor": {"index": 0, "length": 0}},
    )
    assert ack["ok"]
    b.wait_for(
        lambda c: any(p["field_key"] == FIELD and p["user"]["name"] == "Mo Deration" for p in c.presence),
        "a's presence",
    )
    a.close()
    b.wait_for(lambda c: c.presence[-1]["field_key"] is None, "a leaving")


def test_a_card_pulled_into_a_field_keeps_its_origin(drafting, framing_card):
    mid, a = drafting["measure_id"], drafting["client"]()
    session_id, card_id = framing_card(mid)
    assert a.edit(FIELD, lambda t: t.insert(0, "Von Hand"))["ok"]
    ack = a.call("draft.pull_card", {"measure_id": mid, "field_key": FIELD, "card_id": card_id})
    assert ack == {"ok": True, "line": "Leitlinien Bürgerbeteiligung"}
    a.wait_for(lambda c: c.text(FIELD) == "Von Hand\nLeitlinien Bürgerbeteiligung", "the card in the field")
    revision = latest(drafting["server"], mid)
    assert revision.value == "Von Hand\nLeitlinien Bürgerbeteiligung"
    hand, card = revision.lines
    assert hand["source"] is None
    assert card["source"]["card_id"] == card_id and card["source"]["session_id"] == session_id
    assert card["source"]["step_key"] == "approaches"
    # typing on after the card keeps the card line's origin
    assert a.edit(FIELD, lambda t: t.insert(0, "Noch was\n"))["ok"]
    assert a.call("draft.flush", {"measure_id": mid, "field_key": FIELD})["ok"]
    lines = latest(drafting["server"], mid).lines
    assert [line["source"] and line["source"]["card_id"] for line in lines] == [None, None, card_id]


@pytest.fixture
def framing_card(drafting):
    server = drafting["server"]

    def make(measure_id):
        sid, _code = server.session(drafting["facilitator_id"], measure_id)
        facilitator = server.facilitator_client(sid, server.login())
        try:
            assert facilitator.op("session.start")["ok"]
            step = facilitator.current_step_key()
            ack = facilitator.op("card.add", step_key=step, text="Leitlinien Bürgerbeteiligung")
            assert ack["ok"], ack
            return sid, ack["result"]["card_id"]
        finally:
            facilitator.close()

    return make


def test_a_long_log_is_compacted_into_a_snapshot_that_rebuilds_the_text(drafting):
    from workshop.drafting.hub import COMPACT_AFTER

    mid, a = drafting["measure_id"], drafting["client"]()
    for i in range(COMPACT_AFTER + 5):
        assert a.edit(FIELD, lambda t, i=i: t.insert(len(str(t)), f"{i % 10}"))["ok"]
    with drafting["server"].db() as db:
        rows = db.scalars(
            select(DraftUpdate)
            .where(DraftUpdate.measure_id == mid, DraftUpdate.field_key == FIELD)
            .order_by(DraftUpdate.id)
        ).all()
        assert len(rows) < COMPACT_AFTER and rows[0].is_snapshot
        rebuilt = Doc()
        for row in rows:
            rebuilt.apply_update(row.data)
    assert str(rebuilt.get("text", type=Text)) == a.text(FIELD) and len(a.text(FIELD)) == COMPACT_AFTER + 5
    assert drafting["client"]().text(FIELD) == a.text(FIELD)


def test_a_capture_from_a_live_session_reaches_an_open_document(drafting):
    server, mid, a = drafting["server"], drafting["measure_id"], drafting["client"]()
    assert a.edit("inspiring_examples", lambda t: t.insert(0, "Alt"))["ok"]
    assert a.call("draft.flush", {"measure_id": mid, "field_key": "inspiring_examples"})["ok"]
    sid, _code = server.session(drafting["facilitator_id"], mid)
    facilitator = server.facilitator_client(sid, server.login())
    try:
        assert facilitator.op("session.start")["ok"]
        step = facilitator.current_step_key()
        assert facilitator.op("card.add", step_key=step, text="CityLAB Berlin")["ok"]
        assert facilitator.op("record.capture", step_key=step, field_key="inspiring_examples")["ok"]
        # at once, not only when someone (re)joins
        a.wait_for(lambda c: c.text("inspiring_examples") == "Alt\nCityLAB Berlin", "the captured value (appended)")
    finally:
        facilitator.close()
    b = drafting["client"]()
    assert b.text("inspiring_examples") == "Alt\nCityLAB Berlin"


def test_a_client_catches_up_with_its_state_vector_and_sends_what_it_typed_offline(drafting):
    mid, a, b = drafting["measure_id"], drafting["client"](), drafting["client"]()
    assert a.edit(FIELD, lambda t: t.insert(0, "online "))["ok"]
    offline = Doc()  # a client that saw "online " and then typed without a connection
    offline.apply_update(a.doc(FIELD).get_update())
    before = offline.get_state()
    offline.get("text", type=Text).insert(len("online "), "offline")
    assert a.edit(FIELD, lambda t: t.insert(0, "meanwhile "))["ok"]
    ack = a.call("draft.join", {"measure_id": mid, "state_vectors": {FIELD: b64encode(before).decode()}})
    missed = ack["fields"][FIELD]
    offline.apply_update(b64decode(missed["update"]))
    assert str(offline.get("text", type=Text)) == "meanwhile online offline"
    mine = offline.get_update(b64decode(missed["state_vector"]))
    assert a.send(FIELD, mine)["ok"]
    b.wait_for(lambda c: c.text(FIELD) == "meanwhile online offline", "the offline edit")
    bad = a.call("draft.join", {"measure_id": mid, "state_vectors": {FIELD: b64encode(b"\xff\xff").decode()}})
    assert bad["ok"] is False and bad["error"]["code"] == "invalid"


def test_an_update_whose_predecessor_is_missing_is_refused_and_a_sync_converges_once(drafting):
    """An update building on one the server never stored is not acknowledged (it would hang in the
    server's document, invisible, and surface later); a sync by state vectors then sends both."""
    mid, a, b = drafting["measure_id"], drafting["client"](), drafting["client"]()
    assert a.edit(FIELD, lambda t: t.insert(0, "Hello world."))["ok"]
    mine = Doc()
    mine.apply_update(a.doc(FIELD).get_update())
    text = mine.get("text", type=Text)
    s0 = mine.get_state()
    text.insert(len(str(text)), "!")  # this one never reached the server (e.g. the database was away)
    s1 = mine.get_state()
    text.insert(len(str(text)), "?")
    ack = a.send(FIELD, mine.get_update(s1))
    assert ack["ok"] is False and ack["error"]["code"] == "missing_predecessor", ack
    assert a.send(FIELD, mine.get_update(s1))["ok"] is False  # still not, however often
    assert b.join()["fields"][FIELD] and b.text(FIELD) == "Hello world."
    # sync step 1/2: the server says what it has, the client sends exactly what it lacks
    ack = a.call("draft.join", {"measure_id": mid, "state_vectors": {FIELD: b64encode(mine.get_state()).decode()}})
    mine.apply_update(b64decode(ack["fields"][FIELD]["update"]))
    assert a.send(FIELD, mine.get_update(b64decode(ack["fields"][FIELD]["state_vector"])))["ok"]
    assert a.send(FIELD, mine.get_update(s0))["ok"]  # a resend of both changes nothing
    b.wait_for(lambda c: c.text(FIELD) == "Hello world.!?", "the synced text")
    assert a.call("draft.flush", {"measure_id": mid, "field_key": FIELD})["ok"]
    assert latest(drafting["server"], mid).value == "Hello world.!?"
    assert drafting["client"]().text(FIELD) == "Hello world.!?"


def test_the_length_limit_holds_for_the_merged_document(drafting):
    """Two editors who have not seen each other's text each stay under the limit; merged they would
    not: the second is refused, and the server keeps the first."""
    from workshop.drafting.hub import FIELD_TEXT_MAX

    a, b = drafting["client"](), drafting["client"]()
    half = FIELD_TEXT_MAX // 2 + 100
    base = Doc()  # b's view: without a's text
    base.apply_update(b.doc(FIELD).get_update())
    chunks = ["a" * 8000, "a" * (half - 8000)]
    for chunk in chunks:  # updates of at most MAX_UPDATE_BYTES each
        assert a.edit(FIELD, lambda t, chunk=chunk: t.insert(len(str(t)), chunk))["ok"]
    before = base.get_state()
    base.get("text", type=Text).insert(0, "b" * 8000)
    first = b.send(FIELD, base.get_update(before))
    assert first["ok"], first  # 8000 + half fits
    before = base.get_state()
    base.get("text", type=Text).insert(0, "b" * (half - 8000))
    ack = b.send(FIELD, base.get_update(before))
    assert ack["ok"] is False and ack["error"]["code"] == "too_long", ack
    assert len(drafting["client"]().text(FIELD)) == half + 8000


def test_a_refused_update_in_a_burst_costs_the_others_nothing(drafting):
    """Updates of one field that arrive together are written together (one transaction); each is
    still checked on its own. Eight editors send at once, two of them something the server must
    refuse (bytes that are no Yjs update, an update built on a change the server never got):
    those two are refused, the other six are stored and reach everyone."""
    editors = [drafting["client"]() for _ in range(8)]
    detached = Doc()  # a document the server never saw: its second change misses its first
    text = detached.get("text", type=Text)
    text += "nie gesendet "
    before = detached.get_state()
    text += "fehlt"
    orphan = detached.get_update(before)
    go = threading.Barrier(len(editors))
    acks: dict[int, dict] = {}

    def send(number: int, editor: DraftClient) -> None:
        go.wait()
        if number == 0:
            acks[number] = editor.send(FIELD, b"\x00not yjs\xff")
        elif number == 1:
            acks[number] = editor.send(FIELD, orphan)
        else:
            acks[number] = editor.edit(FIELD, lambda t, number=number: t.insert(0, f"<{number}>"))

    threads = [threading.Thread(target=send, args=(n, e)) for n, e in enumerate(editors)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert acks[0]["ok"] is False and acks[0]["error"]["code"] == "invalid_update", acks[0]
    assert acks[1]["ok"] is False and acks[1]["error"]["code"] == "missing_predecessor", acks[1]
    assert all(acks[n]["ok"] and acks[n]["stored"] for n in range(2, 8)), acks
    server_text = drafting["client"]().text(FIELD)
    assert sorted(re.findall(r"<\d>", server_text)) == [f"<{n}>" for n in range(2, 8)]
    assert "fehlt" not in server_text and "nie gesendet" not in server_text
    for editor in editors[2:]:
        editor.wait_for(lambda c: c.text(FIELD) == server_text, "everyone's text")


def test_a_one_line_field_takes_no_second_line_from_co_drafting(drafting):
    """The title is a one-line field: its hand-edit form refuses a second line, and so does
    co-drafting (before, a second line reached the record as a second value of the title)."""
    editor = drafting["client"]()
    title = editor.text("title") + " – Entwurf"
    assert editor.edit("title", lambda t: t.insert(len(str(t)), " – Entwurf"))["ok"]
    refused = editor.edit("title", lambda t: t.insert(len(str(t)), "\nZweite Zeile"))
    assert refused["ok"] is False and refused["error"]["code"] == "invalid_value", refused
    assert refused["error"]["texts"] == {
        "de": "Dieses Feld nimmt nur eine Zeile.",
        "en": "This field takes one line only.",
    }
    assert drafting["client"]().text("title") == title  # the server's document
    ack = editor.call("draft.flush", {"measure_id": drafting["measure_id"], "field_key": "title"})
    assert ack["ok"]
    assert latest(drafting["server"], drafting["measure_id"], "title").value == title
