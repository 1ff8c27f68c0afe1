"""What must be refused over a real connection: each rejection is acknowledged with a clear error,
changes nothing and costs the connection nothing. (The engine's refusals themselves — whose card,
budgets, votes outside the vote, a retried op — in-process: tests/unit/test_rejections_engine.py.)"""

from __future__ import annotations

import pytest
import requests
import socketio
from sqlalchemy import func, select

from tests.live_client import LiveClient, join
from workshop.live.models import Event


def event_count(server, sid):
    with server.db() as db:
        return db.scalar(select(func.count(Event.id)).where(Event.session_id == sid))


def assert_rejected(ack, code, *words):
    assert ack["ok"] is False, ack
    assert ack["error"]["code"] == code, ack
    for word in words:
        assert word in ack["error"]["message"], ack


def test_participant_cannot_lead_the_session(live):
    a, server, sid = live["a"], live["server"], live["session_id"]
    before = event_count(server, sid)
    assert_rejected(a.op("step.goto", step_key="scope"), "forbidden", "Participants")
    assert_rejected(a.op("session.end"), "forbidden")
    assert_rejected(a.op("record.capture", step_key="vote"), "forbidden")
    assert_rejected(a.op("participant.join", display_name="x"), "forbidden")
    assert event_count(server, sid) == before
    assert a.current_step_key() == "approaches"
    # The projector is read-only even though the facilitator opened it.
    projector = server.facilitator_client(sid, live["http"], role="projector")
    live["clients"].append(projector)
    assert_rejected(projector.op("card.add", step_key="approaches", text="vom Beamer"), "forbidden")


@pytest.mark.parametrize(
    "text, why",
    [
        ("", "between 1 and 500"),
        ("   \n\t ", "between 1 and 500"),
        ("x" * 10_000, "between 1 and 500"),
        (42, "Not a valid string"),
    ],
)
def test_card_text_limits(live, text, why):
    a, server, sid = live["a"], live["server"], live["session_id"]
    before = event_count(server, sid)
    ack = a.op("card.add", step_key="approaches", text=text)
    assert_rejected(ack, "invalid", "payload.text", why)
    assert event_count(server, sid) == before
    assert a.sio.connected  # a bad payload never costs the connection


def test_malformed_operations_get_error_acks(live):
    a = live["a"]
    assert_rejected(a.raw("op", "not an object"), "invalid")
    assert_rejected(a.raw("op", {"type": "card.explode", "op_id": "abcdefgh12"}), "unknown_op", "card.explode")
    assert_rejected(a.raw("op", {"type": "card.add", "op_id": "x"}), "invalid", "op_id")
    assert_rejected(a.raw("op", {"type": "card.add", "payload": "text"}), "invalid", "payload")
    assert_rejected(a.op("card.edit", card_id="1", text="x"), "invalid", "card_id")
    assert_rejected(a.op("card.add", step_key="approaches", text="x", extra=1), "invalid", "extra")
    assert_rejected(a.op("card.add", step_key="approaches", column_key="nope", text="x"), "unknown_column")
    assert a.raw("sync", {"after_seq": 0})["ok"]


def test_wrong_or_ended_join_code(live):
    server, code = live["server"], live["code"]
    bad = requests.post(f"{server.base_url}/api/join", json={"code": "QQQQQQ"})
    assert bad.status_code == 404 and bad.json()["error"]["code"] == "unknown_code"
    page = requests.get(f"{server.base_url}/j/QQQQQQ")
    assert page.status_code == 404 and "keine laufende Sitzung" in page.text
    assert requests.post(f"{server.base_url}/api/join", json={"code": code.lower()}).status_code == 200
    assert live["facilitator"].op("session.end")["ok"]
    assert requests.post(f"{server.base_url}/api/join", json={"code": code}).status_code == 404
    assert_rejected(live["a"].op("card.add", step_key="approaches", text="zu spät"), "session_ended")


def test_nobody_connects_where_they_do_not_belong(live):
    server, sid = live["server"], live["session_id"]
    other_fid = server.facilitator("other@example.org", "Andere")
    other_sid, other_code = server.session(other_fid, live["measure_id"])
    outsider = join(server.base_url, other_code)

    def refused(**kwargs):
        client = socketio.Client(reconnection=False)
        with pytest.raises(socketio.exceptions.ConnectionError):
            client.connect(server.base_url, transports=["websocket"], wait_timeout=5, **kwargs)

    refused(auth={"session_id": sid, "role": "participant", "token": outsider["token"]})
    refused(auth={"session_id": sid, "role": "participant", "token": "forged"})
    refused(auth={"session_id": sid, "role": "facilitator"})  # not logged in
    refused(auth={"session_id": "1", "role": "participant"})
    other_http = server.login("other@example.org")
    refused(
        auth={"session_id": sid, "role": "facilitator"},
        headers={"Cookie": "; ".join(f"{c.name}={c.value}" for c in other_http.cookies)},
    )
    # ... nor read another facilitator's pages.
    assert other_http.get(f"{server.base_url}/sessions/{sid}").status_code == 404
    assert other_http.get(f"{server.base_url}/sessions/{sid}/protocol.md").status_code == 404
    # A participant of the other session cannot act here through its own connection either.
    client = LiveClient(server.base_url, other_sid, "participant", token=outsider["token"])
    live["clients"].append(client)
    assert client.state["session"]["id"] == other_sid
