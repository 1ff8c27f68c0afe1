"""kill -9 in the middle of a session: nothing acknowledged is lost, phones come back by
themselves, and a retried operation is applied once."""

from __future__ import annotations

import threading
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from tests.conftest import start_server, stop_server
from tests.live_client import LiveClient, cookie_header, join
from workshop.activities.models import Card
from workshop.live.models import Event
from workshop.sessions.models import WorkshopSession

WRITES = 40  # below the 50-cards-per-person limit of a step


def card_op(i: int) -> tuple[str, dict]:
    return f"restart-{i:04d}", {"step_key": "approaches", "text": f"Karte {i}"}


def stored(server, sid):
    with server.db() as db:
        ws = db.get(WorkshopSession, sid)
        events = db.scalars(select(Event).where(Event.session_id == sid)).all()
        cards = db.scalars(select(Card).where(Card.session_id == sid, Card.deleted_at.is_(None))).all()
        return ws.last_seq, events, sorted((c.id, c.text) for c in cards)


def assert_matches_db(client: LiveClient, server, sid):
    last_seq, _events, cards = stored(server, sid)
    client.wait_seq(last_seq)
    seen = sorted((c["id"], c["text"]) for c in client.state["cards"])
    assert seen == cards, f"{client.role} sees {seen}, the database holds {cards}"
    assert len({text for _id, text in seen}) == len(seen), "a card appears twice"


@pytest.mark.own_server  # it kills the server
def test_kill_9_loses_nothing_acknowledged_and_clients_resume(framing, tmp_path):
    server, sid, code = framing["server"], framing["session_id"], framing["code"]
    assert framing["facilitator"].op("session.start")["ok"]
    port = urlsplit(server.base_url).port
    writer = LiveClient(
        server.base_url, sid, "participant", token=join(server.base_url, code, "W")["token"], reconnection=True
    )
    reader = LiveClient(
        server.base_url, sid, "participant", token=join(server.base_url, code)["token"], reconnection=True
    )
    facilitator = LiveClient(
        server.base_url, sid, "facilitator", cookies=cookie_header(framing["http"]), reconnection=True
    )
    framing["clients"] += [writer, reader, facilitator]

    acked: dict[str, dict] = {}
    unacked: list[str] = []
    progress = threading.Condition()

    def write_until_the_server_dies():
        for i in range(WRITES):
            op_id, payload = card_op(i)
            try:
                ack = writer.sio.call("op", {"type": "card.add", "op_id": op_id, "payload": payload}, timeout=3)
            except Exception:  # the server died under this call: its fate is unknown
                with progress:
                    unacked.append(op_id)
                    progress.notify_all()
                return
            with progress:
                assert ack["ok"], ack
                acked[op_id] = ack
                progress.notify_all()

    thread = threading.Thread(target=write_until_the_server_dies, daemon=True)
    thread.start()
    with progress:
        assert progress.wait_for(lambda: len(acked) >= 5 or unacked, timeout=20), "no writes acknowledged"
    server.process.kill()  # SIGKILL: no shutdown, no flushing, no goodbye to the clients
    server.process.wait()
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert len(acked) >= 5

    # Everything acknowledged was committed before its ack was sent.
    _last_seq, events, _cards = stored(server, sid)
    by_op_id = {e.op_id: e.seq for e in events if e.op_id}
    for op_id, ack in acked.items():
        assert by_op_id.get(op_id) == ack["seq"], f"acknowledged {op_id} (seq {ack['seq']}) is not stored"

    restarted, base_url = start_server(server.database_url, tmp_path / "restarted.log", port=port)
    try:
        assert base_url == server.base_url
        for client in (writer, reader, facilitator):  # each reconnects and gets a fresh snapshot
            # (the snapshot may arrive just before the client marks itself connected again)
            client.wait_for(
                lambda c: len(c.snapshots) >= 2 and c.connects >= 2, "a snapshot after reconnecting", timeout=30
            )
            assert_matches_db(client, server, sid)

        # The writer retries everything it sent, with the same op_ids: what was stored comes back
        # as a duplicate with its first seq; the write the kill interrupted is applied at most once.
        retried_seq = 0
        for i in range(len(acked) + len(unacked)):
            op_id, payload = card_op(i)
            ack = writer.op("card.add", op_id=op_id, **payload)
            assert ack["ok"], ack
            if op_id in acked:
                assert ack.get("duplicate") is True and ack["seq"] == acked[op_id]["seq"], ack
            retried_seq = max(retried_seq, ack["seq"])
        last_seq, events, cards = stored(server, sid)
        texts = [text for _id, text in cards]
        assert sorted(texts) == sorted(card_op(i)[1]["text"] for i in range(len(acked) + len(unacked)))
        seqs = sorted(e.seq for e in events)
        assert last_seq == retried_seq == seqs[-1]
        for client in (writer, reader, facilitator):
            assert_matches_db(client, server, sid)
        # After the restart the log is still gapless.
        assert seqs == list(range(1, last_seq + 1))
    finally:
        for client in (writer, reader, facilitator):
            client.close()
        stop_server(restarted)
