"""Several server processes on one PostgreSQL database and one Redis message queue: the
documented scale-out path, configured by environment only.

Note: psycopg 3 is not green under eventlet, so a query blocks that process's hub while it
runs. Fine here (and for short queries in general); see docs/deployment.md.
"""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from workshop.activities.models import Vote

from tests.conftest import running_server
from tests.live_client import LiveClient, join


@pytest.fixture(params=["eventlet", "gevent"])
def two_servers(request, postgres_url, redis_queue, tmp_path):
    """Two processes in each async mode: gevent is the production recommendation (docs/deployment.md)."""
    env = {**redis_queue, "SOCKETIO_ASYNC_MODE": request.param}
    with running_server(postgres_url, tmp_path, env, name="a") as a, \
            running_server(postgres_url, tmp_path, env, name="b") as b:
        yield a, b


def test_a_card_added_through_one_process_reaches_a_phone_on_the_other(two_servers):
    a, b = two_servers
    assert a.base_url != b.base_url
    fid = a.facilitator()
    sid, code = a.session(fid, a.measure())
    phone = LiveClient(a.base_url, sid, "participant", token=join(a.base_url, code, "Kim")["token"])
    facilitator = b.facilitator_client(sid, b.login())  # logged in at B (same SECRET_KEY)
    try:
        started = facilitator.op("session.start")
        card = facilitator.op("card.add", step_key="approaches", text="über B")
        assert started["ok"] and card["ok"]
        phone.wait_seq(card["seq"])
        assert phone.card_texts("approaches") == ["über B"]
        mine = phone.op("card.add", step_key="approaches", text="über A")
        facilitator.wait_seq(mine["seq"])
        assert facilitator.card_texts("approaches") == ["über A", "über B"]
    finally:
        phone.close()
        facilitator.close()
    assert "Traceback" not in a.log() + b.log()


def test_racing_votes_through_both_processes_never_overspend(two_servers):
    a, b = two_servers
    fid = a.facilitator()
    sid, code = a.session(fid, a.measure())
    facilitator = a.facilitator_client(sid, a.login())
    token = join(a.base_url, code)["token"]
    phones = [LiveClient(server.base_url, sid, "participant", token=token) for server in (a, b, a, b)]
    try:
        assert facilitator.op("session.start")["ok"]
        assert facilitator.op("step.goto", step_key="questions")["ok"]
        cards = [facilitator.op("card.add", step_key="questions", text=f"Frage {i}")["result"]["card_id"]
                 for i in range(4)]
        assert facilitator.op("step.goto", step_key="vote")["ok"]  # budget 5, at most 3 per card
        acks: list[dict] = []
        lock = threading.Lock()
        go = threading.Barrier(len(phones))

        def vote(phone, offset):
            go.wait()
            for i in range(6):
                ack = phone.op("vote.add", card_id=cards[(offset + i) % len(cards)])
                with lock:
                    acks.append(ack)

        threads = [threading.Thread(target=vote, args=(phone, n)) for n, phone in enumerate(phones)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert len(acks) == 24
        accepted = [ack for ack in acks if ack["ok"]]
        refused = {ack["error"]["code"] for ack in acks if not ack["ok"]}
        assert len(accepted) == 5, acks
        assert refused <= {"budget_exhausted", "card_max_reached"}, refused
        assert sorted(ack["result"]["remaining"] for ack in accepted) == [0, 1, 2, 3, 4]
        with a.db() as db:
            assert db.scalar(select(func.sum(Vote.count)).where(Vote.session_id == sid)) == 5
    finally:
        for client in (facilitator, *phones):
            client.close()
