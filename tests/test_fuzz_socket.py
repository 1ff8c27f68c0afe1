"""Property test: whatever a client throws at the socket, the server answers it, stays up and
keeps everybody else's view right."""

from __future__ import annotations

import json
import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests.live_client import LiveClient, join
from workshop.activities.models import Card
from workshop.live.engine import OPS
from workshop.sessions.models import WorkshopSession

MAX_MESSAGE = 62_000  # what one Socket.IO message may carry (the server cuts at 64 KiB)

TRICKY = [
    "",
    " ",
    "\x00",
    "\x00abc",
    "\u202eevil\u202c",
    "\u200b",
    "\u200d\u200d",
    "\ufeff",
    "\ud800",
    "a\udfffb",
    "\U0001f9d1\u200d\U0001f91d\u200d\U0001f9d1",
    "\u0645\u0631\u062d\u0628\u0627",
    "𝕏" * 100,
    "\r\n" * 50,
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "approaches",
    "vote",
    "card.add",
    "9" * 400,
    "a\r\nSet-Cookie: x=1",
    "\r\n\r\nHTTP/1.1 200 OK\r\n",
    "%0d%0a",
]

texts = st.one_of(
    st.text(max_size=40),
    st.text(st.characters(codec=None, categories=["Cs", "Cc", "Cf", "Zs", "Mn"]), max_size=20),
    st.sampled_from(TRICKY),
    st.builds(lambda ch, n: ch * n, st.sampled_from(["x", "ä", "\u200b", " "]), st.integers(1, 60_000)),
)
numbers = st.one_of(
    st.integers(),
    st.integers(-(2**80), 2**80),
    st.integers(2**63 - 2, 2**64 + 2),
    st.integers(-(2**300), 2**300),
    st.sampled_from([0, -1, 2**31, 2**63, -(2**63), 2**70, 10**100]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
)


def nested(depth: int, leaf):
    for i in range(depth):
        leaf = [leaf] if i % 2 else {"a": leaf}
    return leaf


leaves = st.one_of(st.none(), numbers, texts)
values = st.one_of(
    st.recursive(
        leaves,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
        max_leaves=12,
    ),
    st.builds(nested, st.integers(1, 300), leaves),
)
FIELD_NAMES = sorted({name for spec in OPS.values() for name in spec.schema().fields} | {"after_seq"})
op_ids = st.one_of(st.text(string.ascii_letters + string.digits + "-_", min_size=8, max_size=64), values)
payloads = st.one_of(
    st.dictionaries(st.one_of(st.sampled_from(FIELD_NAMES), st.text(max_size=10)), values, max_size=4), values
)
envelopes = st.one_of(
    st.fixed_dictionaries({"type": st.sampled_from(sorted(OPS))}, optional={"op_id": op_ids, "payload": payloads}),
    st.fixed_dictionaries({"type": values, "op_id": op_ids, "payload": payloads}),
    values,
)
calls = st.one_of(
    st.tuples(st.just("op"), envelopes),
    st.tuples(st.just("sync"), st.one_of(st.fixed_dictionaries({"after_seq": values}), values)),
    st.tuples(
        st.one_of(
            st.text(min_size=1, max_size=20),
            st.sampled_from(["connect", "disconnect", "message", "*", "snapshot", "event", "__proto__"]),
        ),
        values,
    ),
)


def stored(server, sid):
    with server.db() as db:
        cards = db.scalars(select(Card).where(Card.session_id == sid, Card.deleted_at.is_(None)))
        return db.get(WorkshopSession, sid).last_seq, sorted((c.id, c.text) for c in cards)


def seen(state):
    return state["seq"], sorted((c["id"], c["text"]) for c in state["cards"])


def test_malformed_input_never_hurts_the_server_or_anyone_else(framing):
    server, sid, code = framing["server"], framing["session_id"], framing["code"]
    facilitator = framing["facilitator"]
    assert facilitator.op("session.start")["ok"]
    fuzzer = LiveClient(server.base_url, sid, "participant", token=join(server.base_url, code)["token"])
    bystander = LiveClient(server.base_url, sid, "participant", token=join(server.base_url, code)["token"])
    framing["clients"] += [fuzzer, bystander]
    assert bystander.op("card.add", step_key="approaches", text="steht fest")["ok"]
    clients = {"participant": fuzzer, "facilitator": facilitator}

    @settings(
        max_examples=150,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )
    @given(who=st.sampled_from(sorted(clients)), call=calls)
    def throw(who, call):
        event, data = call
        if len(json.dumps(data)) > MAX_MESSAGE:  # ensure_ascii, as the client sends it
            data = "too big for one message"
        client = clients[who]
        ack = client.sio.call(event, data, timeout=3)  # raises TimeoutError when there is no ack
        assert isinstance(ack, dict), ack
        if ack.get("ok") is not True:
            assert ack["ok"] is False and set(ack) == {"ok", "error"}, ack
            assert isinstance(ack["error"]["code"], str) and ack["error"]["code"], ack
            assert isinstance(ack["error"]["message"], str) and ack["error"]["message"], ack
            assert ack["error"]["code"] != "internal", (event, data, ack)
        assert server.process.poll() is None, "the server died"
        assert client.sio.connected and bystander.sio.connected

    throw()

    assert server.process.poll() is None
    assert bystander.sio.connected
    # The bystander's view (snapshot + events) is what the database holds, and so is a fresh snapshot.
    last_seq, cards = stored(server, sid)
    bystander.wait_seq(last_seq)
    assert seen(bystander.state) == (last_seq, cards)
    fresh = bystander.raw("sync", {})
    assert seen(fresh["snapshot"]) == (last_seq, cards)
    log = server.log()
    assert "Traceback" not in log, log[-3000:]


BINARY_SHAPES = [
    '51000000000-["op",{"_placeholder":true,"num":0}]',  # announces a billion attachments
    '51-["op",{"_placeholder":true,"num":0}]',
    "6" + "9" * 40 + "-[]",
    '51-/draft,["op",{}]',
    b"\x00" * 1000,  # an attachment nobody announced
]


def test_binary_packets_close_only_the_sender(live):
    """Binary Socket.IO packets are refused (the connection that sends one is closed); the server
    keeps its memory and everybody else their connection."""
    server, sid, code, b = live["server"], live["session_id"], live["code"], live["b"]
    for shape in BINARY_SHAPES:
        sender = LiveClient(server.base_url, sid, "participant", token=join(server.base_url, code)["token"])
        sender.sio.eio.send(shape)
        for _ in range(5):
            try:
                sender.sio.eio.send(b"\x01" * 50_000)
            except Exception:  # closed already
                break
        sender.wait_for(lambda c: not c.sio.connected, f"the server closing the connection after {shape!r:.40}")
        assert server.process.poll() is None
        assert b.sio.connected
    # A client library's own binary emit (bytes in the data) is refused the same way.
    sender = LiveClient(server.base_url, sid, "participant", token=join(server.base_url, code)["token"])
    sender.sio.emit("op", {"type": "card.add", "payload": {"text": b"\x00\x01"}})
    sender.wait_for(lambda c: not c.sio.connected, "the server closing a binary emit's connection")
    assert b.op("card.add", step_key="approaches", text="alles gut")["ok"]
    assert "Traceback" not in server.log()


def test_bad_values_in_urls_are_answered_not_crashed(live):
    """CRLF and integers beyond 64 bits in paths and query strings: a 4xx or a redirect home,
    never a 500 (which used to come with a traceback)."""

    server, http = live["server"], live["http"]
    base = server.base_url
    for path in (
        "/lang/en?next=/%0d%0aSet-Cookie:x=1",
        "/lang/de?next=%0a",
        "/j/ABC%0d%0aX",
        "/sessions/" + "9" * 30,
        "/sessions/" + "9" * 30 + "/projector",
        "/measures/" + "9" * 30,
        "/measures/" + str(2**63),
        "/sessions/-1",
        "/login?next=/%0d%0a",
    ):
        response = http.get(f"{base}{path}", allow_redirects=False)
        assert response.status_code < 500, (path, response.status_code)
        assert "\r" not in response.headers.get("Location", "") and "x=1" not in response.headers.get("Set-Cookie", "")
    assert "Traceback" not in server.log()
