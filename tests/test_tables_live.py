"""Table groups over a real server with real Socket.IO clients (issue 33): what each phone receives.

Three tables of two: every phone's state — and every byte it was sent, snapshot and events — holds its
own table's cards and no other table's, the projector none, until the harvest brings all of them into
the plenary for everyone. A table's QR code seats a phone; a World Café round moves the guests on with
the timer, and a guest's phone receives the board of the table it sits down at."""

from __future__ import annotations

import json
import re

import pytest
import requests

from tests.conftest import running_server
from tests.live_client import LiveClient, cookie_header


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("tables")
    with running_server(f"sqlite:///{tmp / 'workshop.db'}", tmp) as running:
        running.facilitator()
        yield running


def ok(ack):
    assert ack["ok"], ack
    return ack


def settle(clients, ack):
    for client in clients:
        client.wait_seq(ack["seq"])


def sent(client) -> str:
    """Everything the server sent this client (snapshots and events), as one string to search."""
    return json.dumps([client.snapshots, client.events], ensure_ascii=False)


TEXTS = {1: ("Busspur am Ring fehlt", "Radwege enden im Nichts"), 2: ("Tablets für alle Schulen", "WLAN im Klassenzimmer"),
         3: ("Online-Termine im Bürgeramt", "Formulare auf Papier")}  # fmt: skip


@pytest.fixture
def room(server):
    sid, code = server.session(1, server.measure(), template_key="world_cafe")
    http = server.login()
    console = server.facilitator_client(sid, http)
    projector = server.facilitator_client(sid, http, role="projector")
    phones = [server.participant(sid, code, name) for name in ("Ada", "Ben", "Cem", "Dana", "", "Fe")]
    clients = [console, projector, *phones]
    ok(console.op("session.start"))
    yield {"sid": sid, "code": code, "http": http, "console": console, "projector": projector, "phones": phones,
           "clients": clients}  # fmt: skip
    for client in clients:
        client.close()


def test_three_tables_keep_their_cards_apart_on_every_phone_until_the_harvest(server, room):
    console, projector, phones, clients = room["console"], room["projector"], room["phones"], room["clients"]
    table_of = {}
    for n, phone in enumerate(phones):
        table_of[phone] = n // 2 + 1
        ok(phone.op("table.sit", step_key="tables", table_no=table_of[phone]))
    last = None
    for n, phone in enumerate(phones):
        last = ok(phone.op("card.add", step_key="tables", text=TEXTS[table_of[phone]][n % 2]))
    settle(clients, last)

    for phone in phones:
        own = table_of[phone]
        assert phone.card_texts("tables") == sorted(TEXTS[own]), phone.state["me"]
        others = [text for no, texts in TEXTS.items() if no != own for text in texts]
        assert not [text for text in others if text in sent(phone)], "another table's text reached this phone"
        board = phone.state["activity"]["tables"]
        assert board["mine"] == {"table_no": own, "host": False}
        assert {k: len(v) for k, v in board["card_ids"].items()} == {"1": 2, "2": 2, "3": 2}  # counts, not texts
    assert projector.card_texts("tables") == []
    assert not any(text in sent(projector) for texts in TEXTS.values() for text in texts)
    assert len(console.card_texts("tables")) == 6
    for phone in phones:  # a reload gives the same: the snapshot keeps the tables apart too
        before = phone.card_texts("tables")
        phone.close()
        phone.connect()
        assert phone.card_texts("tables") == before

    ok(console.op("step.goto", step_key="harvest"))
    settle(clients, ok(console.op("harvest.collect")))
    for client in clients:  # everything arrives in the plenary, marked with its table
        plenary = sorted((c["table_no"], c["text"]) for c in client.cards("harvest"))
        assert plenary == sorted((no, text) for no, texts in TEXTS.items() for text in texts), client.role
        assert len(client.card_texts("tables")) == 6  # and every table's board is open now


def test_a_tables_qr_code_seats_the_phone_that_scans_it(server, room):
    base, code, console = server.base_url, room["code"], room["console"]
    phone = requests.Session()
    page = phone.get(f"{base}/j/{code}/t/2")  # not joined yet: the name form, posting to the table's link
    assert page.status_code == 200 and f'action="/j/{code}/t/2"' in page.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    joined = phone.post(f"{base}/j/{code}/t/2", data={"csrf_token": csrf, "display_name": "Gül"})
    assert joined.status_code == 200 and joined.url.endswith(f"/j/{code}")
    with LiveClient(base, room["sid"], "participant", cookies=cookie_header(phone)) as client:
        assert client.state["activity"]["tables"]["mine"] == {"table_no": 2, "host": False}
        phone.get(f"{base}/j/{code}/t/3")  # the next table's code: a joined phone moves there
        client.wait_for(lambda c: (c.state["activity"]["tables"]["mine"] or {}).get("table_no") == 3, "table 3")
    seats = {s["name"]: s["table_no"] for s in console.state["activity"]["tables"]["seats"]}
    assert seats["Gül"] == 3
    codes = room["http"].get(f"{base}/sessions/{room['sid']}/tische").text
    assert codes.count('class="table-code"') == 3 and f"/j/{code}/t/3" in codes and "Verwaltung digital" in codes


def test_a_world_cafe_round_moves_the_guests_on_and_brings_each_the_board_it_sits_down_at(server, room):
    console, phones, clients = room["console"], room["phones"], room["clients"]
    ada, ben = phones[0], phones[1]
    for n, phone in enumerate(phones):
        ok(phone.op("table.sit", step_key="tables", table_no=n // 2 + 1))
    for no, host in ((1, ada), (2, phones[2]), (3, phones[4])):
        ok(host.op("table.host", step_key="tables", table_no=no))
    ok(ben.op("card.add", step_key="tables", text="Radwege enden im Nichts"))
    ok(phones[3].op("card.add", step_key="tables", text="WLAN im Klassenzimmer"))
    ok(ada.op("table.pick", card_id=ben.cards("tables")[0]["id"]))
    settle(clients, ok(console.op("table.round", step_key="tables")))
    for client in clients:  # the round, with its timer running, on every screen
        assert client.state["activity"]["tables"]["round"] == 2
        assert client.state["runtime"]["tables"]["timer"]["running_since"]
    assert ada.state["activity"]["tables"]["mine"] == {"table_no": 1, "host": True}  # the host stays
    assert ben.state["activity"]["tables"]["mine"] == {"table_no": None, "host": False}  # the guest gets up
    settle(clients, ok(ben.op("table.sit", step_key="tables", table_no=2)))
    # ben reads the board he sits down at (and keeps the one he left), nothing of table 3
    assert ben.card_texts("tables") == ["Radwege enden im Nichts", "WLAN im Klassenzimmer"]
    assert "Radwege enden im Nichts" in ada.card_texts("tables")
    assert [c["picked"] for c in ada.cards("tables")] == [True]
    assert "WLAN im Klassenzimmer" not in sent(ada)  # table 2's, and Ada never sat there
