"""Several server processes on one PostgreSQL database and one Redis message queue: the
documented scale-out path, configured by environment only.

Note: psycopg 3 is not green under eventlet, so a query blocks that process's hub while it
runs. Fine here (and for short queries in general); see docs/deployment.md.
"""

from __future__ import annotations

import itertools
import random
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
import requests
from sqlalchemy import func, select

from tests.conftest import _database, redis_queue_env, running_server
from tests.draft_client import DraftClient
from tests.live_client import LiveClient, cookie_header, join
from workshop.activities.models import Vote
from workshop.measures.models import RecordRevision

pytestmark = pytest.mark.postgres
_tags = itertools.count(1)


@pytest.fixture(scope="module", params=["eventlet", "gevent"])
def two_running_servers(request, tmp_path_factory):
    """Two processes in each async mode (gevent is the production recommendation, docs/deployment.md),
    on one PostgreSQL and one Redis channel; the module's tests share them."""
    tmp = tmp_path_factory.mktemp(f"two-{request.param}")
    env = {**redis_queue_env(), "SOCKETIO_ASYNC_MODE": request.param}
    for url in _database("postgresql", tmp, migrated=True):
        with running_server(url, tmp, env, name="a") as a, running_server(url, tmp, env, name="b") as b:
            yield a, b


@pytest.fixture
def two_servers(two_running_servers):
    """The two processes as this test sees them: its own accounts on both (tests/conftest.py)."""
    tag = f"s{next(_tags)}"
    a, b = two_running_servers
    return a.for_test(tag), b.for_test(tag)


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
        cards = [
            facilitator.op("card.add", step_key="questions", text=f"Frage {i}")["result"]["card_id"] for i in range(4)
        ]
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


DRAFT_FIELD = "short_description"
TOKEN = re.compile(r"<\d\d\.\d{4}>")  # 9 characters, never torn apart by a whole-token edit


def _delete_token(text, token: str) -> None:
    at = str(text).find(token)
    if at >= 0:  # (already deleted by someone else: nothing left to delete)
        del text[at : at + len(token)]


def _insert_token(text, share: float, token: str) -> None:
    """Insert between two tokens, at a share of the text's length (tokens are 9 characters each)."""
    count = len(str(text)) // 9
    text.insert(9 * round(share * count), token)


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.parametrize("seconds", [30])
def test_six_editors_on_two_processes_type_for_thirty_seconds_and_lose_nothing(
    postgres_url, redis_queue, tmp_path, seconds
):
    """Issue 11: two editors on different processes both got ok and the field ended empty. Now six
    editors, three on each process, insert and delete tokens at random for 30 s; afterwards both
    processes' documents, every client's model and the record agree, and hold exactly the
    acknowledged inserts that were not deleted (acknowledged)."""
    with (
        running_server(postgres_url, tmp_path, redis_queue, name="a") as a,
        running_server(postgres_url, tmp_path, redis_queue, name="b") as b,
    ):
        a.facilitator()
        mid = a.measure()
        cookies = cookie_header(a.login())
        editors = [DraftClient(server.base_url, cookies, mid) for server in (a, b) * 3]
        try:
            for editor in editors:
                assert editor.join()["ok"]
            inserted, deleted, failures, acks = set(), set(), [], [0]
            bookkeeping = threading.Lock()
            go = threading.Barrier(len(editors))

            def work(number: int, editor: DraftClient) -> None:
                rng = random.Random(number)
                go.wait()
                deadline = time.monotonic() + seconds
                i = 0
                while time.monotonic() < deadline:
                    with editor.lock:
                        tokens = TOKEN.findall(editor.text(DRAFT_FIELD))
                    # The edit finds its place in the text as it is when the edit runs: a remote update
                    # may arrive between reading the tokens and editing, and a position read before it
                    # would delete another editor's token than the one booked as deleted.
                    # (more deletes near the field's 20,000 characters: a quiet machine types more)
                    if tokens and (rng.random() < 0.35 or len(tokens) > 1500):
                        token = rng.choice(tokens)
                        ack = editor.edit(DRAFT_FIELD, lambda t, token=token: _delete_token(t, token))
                        done = deleted
                    else:
                        token = f"<{number:02d}.{i:04d}>"
                        i += 1
                        share = rng.random()
                        ack = editor.edit(
                            DRAFT_FIELD, lambda t, share=share, token=token: _insert_token(t, share, token)
                        )
                        done = inserted
                    with bookkeeping:
                        if ack.get("ok"):
                            done.add(token)
                            acks[0] += 1
                        else:
                            failures.append(ack)

            threads = [threading.Thread(target=work, args=(n, e)) for n, e in enumerate(editors)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=seconds + 120)
            assert not failures, failures[:5]
            expected = inserted - deleted
            # the server documents: a fresh join on each process answers with that process's document
            texts = {}
            for server in (a, b):
                fresh = DraftClient(server.base_url, cookies, mid)
                try:
                    assert fresh.join()["ok"]
                    texts[server.base_url] = fresh.text(DRAFT_FIELD)
                finally:
                    fresh.close()
            assert texts[a.base_url] == texts[b.base_url]
            final = texts[a.base_url]
            tokens = TOKEN.findall(final)
            assert "".join(tokens) == final  # nothing torn apart, nothing else in between
            assert len(tokens) == len(set(tokens))  # nothing doubled
            assert set(tokens) == expected  # nothing acknowledged lost
            for editor in editors:  # every client model
                editor.wait_for(lambda c: c.text(DRAFT_FIELD) == final, "the servers' text")
            for editor in (editors[0], editors[1]):  # the record, written from either process
                flushed = editor.call("draft.flush", {"measure_id": mid, "field_key": DRAFT_FIELD})
                assert flushed["ok"], flushed
                with a.db() as db:
                    record = db.scalars(
                        select(RecordRevision)
                        .where(RecordRevision.measure_id == mid, RecordRevision.field_key == DRAFT_FIELD)
                        .order_by(RecordRevision.id.desc())
                        .limit(1)
                    ).first()
                assert record.value == final
            print(
                f"\n{len(editors)} editors, {seconds} s: {acks[0]} acknowledged edits "
                f"({acks[0] / seconds:.0f}/s), {len(inserted)} inserts, {len(deleted)} deletes, "
                f"{len(final)} characters at the end"
            )
            assert len(inserted) > 60 and deleted
        finally:
            for editor in editors:
                editor.close()
    assert "Traceback" not in a.log() + b.log()


@pytest.mark.postgres
def test_a_capture_on_one_process_appears_at_once_in_an_editor_on_the_other(two_servers):
    a, b = two_servers
    fid = a.facilitator()
    mid = a.measure()
    editor = DraftClient(b.base_url, cookie_header(b.login()), mid)
    sid, _code = a.session(fid, mid)
    facilitator = a.facilitator_client(sid, a.login())
    try:
        assert editor.join()["ok"]
        assert editor.edit("inspiring_examples", lambda t: t.insert(0, "Alt"))["ok"]
        assert editor.call("draft.flush", {"measure_id": mid, "field_key": "inspiring_examples"})["ok"]
        assert facilitator.op("session.start")["ok"]
        step = facilitator.current_step_key()
        assert facilitator.op("card.add", step_key=step, text="CityLAB Berlin")["ok"]
        assert facilitator.op("record.capture", step_key=step, field_key="inspiring_examples")["ok"]
        editor.wait_for(
            lambda c: c.text("inspiring_examples") == "Alt\nCityLAB Berlin", "the capture from A (appended)"
        )
    finally:
        facilitator.close()
        editor.close()
    assert "Traceback" not in a.log() + b.log()


@pytest.mark.postgres
def test_a_join_storm_larger_than_the_connection_pool_gets_everyone_in(postgres_url, tmp_path):
    """bench/multi.py found it: each join request held its pooled connection (the code lookup's
    transaction) while it waited for the op queue, which needs a connection of its own; 30
    waiting joins (pool 10 + overflow 20) left the queue none, and after the 5 s pool timeout
    every waiting join was answered 500. Now a join gives its connection back before it waits.

    The process gets a pool of 3 and no overflow (WORKSHOP_DB_POOL_SIZE / _MAX_OVERFLOW, what four
    processes on one default PostgreSQL are sized to): 80 joins at once still all get in, and
    PostgreSQL never sees more than 3 connections from it."""
    env = {"WORKSHOP_RATE_LIMITS": "off", "WORKSHOP_DB_POOL_SIZE": "3", "WORKSHOP_DB_MAX_OVERFLOW": "0"}
    with running_server(postgres_url, tmp_path, env) as server:
        fid = server.facilitator()
        _sid, code = server.session(fid, server.measure())
        go = threading.Barrier(80)

        def one_join(_i):
            go.wait()
            return requests.post(f"{server.base_url}/api/join", json={"code": code}, timeout=60).status_code

        database = postgres_url.rsplit("/", 1)[1]
        peak = [0]
        done = threading.Event()

        def watch_connections():
            with psycopg.connect(postgres_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as c:
                while not done.is_set():  # polls PostgreSQL's view; waits on nothing but the storm's end
                    count = c.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                        (database,),
                    ).fetchone()[0]
                    peak[0] = max(peak[0], count)
                    done.wait(0.02)

        watcher = threading.Thread(target=watch_connections)
        watcher.start()
        try:
            with ThreadPoolExecutor(80) as pool:
                statuses = list(pool.map(one_join, range(80)))
        finally:
            done.set()
            watcher.join()
        assert statuses == [200] * 80, sorted(statuses)
        assert "QueuePool limit" not in server.log()
        # the server's 3, plus the test's own session factory (one) at most
        assert 0 < peak[0] <= 4, f"{peak[0]} connections at the peak"
