"""Issue 12: a connection flood, a Redis that is away and a database that hangs cost what they
touch, never the process or the room. Dependencies are hung with a pausable TCP proxy."""

from __future__ import annotations

import socket
import time

import pytest
import requests

from tests.conftest import REDIS_URL, running_server
from tests.live_client import LiveClient
from tests.tcp_proxy import PausableProxy


def _start(server):
    fid = server.facilitator()
    sid, code = server.session(fid, server.measure())
    http = server.login()
    facilitator = server.facilitator_client(sid, http)
    assert facilitator.op("session.start")["ok"]
    return sid, code, facilitator


def test_more_connections_than_the_file_limit_from_one_address(database_url, tmp_path):
    """One address opens more connections than the process has file descriptors. Before: eventlet's
    accept loop raised EMFILE and the process exited ("Too many open files")."""
    import resource

    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)  # this test client holds 400 sockets
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096) if hard != resource.RLIM_INFINITY else 4096, hard))
    env = {"WORKSHOP_FILE_LIMIT": "256", "WORKSHOP_MAX_CONNECTIONS_PER_ADDRESS": "100"}
    with running_server(database_url, tmp_path, env) as server:
        sid, code, facilitator = _start(server)
        person = server.participant(sid, code, "vorher")
        port = int(server.base_url.rsplit(":", 1)[1])
        flood = []
        try:
            for i in range(400):  # from 127.0.0.2: the room's phones are on another address
                sock = socket.socket()
                sock.bind(("127.0.0.2", 0))
                sock.settimeout(5)
                sock.connect(("127.0.0.1", port))
                if i % 2:
                    sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")  # a request that never ends
                flood.append(sock)
            assert server.process.poll() is None, server.log()[-2000:]
            # Someone connected before is served, and so is a newcomer, while the flood holds on.
            assert person.op("card.add", step_key="approaches", text="während der Flut")["ok"]
            newcomer = server.participant(sid, code, "neu")
            try:
                assert newcomer.op("card.add", step_key="approaches", text="neu dabei")["ok"]
            finally:
                newcomer.close()
        finally:
            for sock in flood:
                sock.close()
        assert server.process.poll() is None, server.log()[-2000:]
        after = server.participant(sid, code, "danach")
        try:
            assert after.op("card.add", step_key="approaches", text="danach")["ok"]
        finally:
            after.close()
            person.close()
            facilitator.close()
        assert "Traceback" not in server.log()


def test_redis_away_rate_limits_count_in_memory(database_url, tmp_path):
    host, port = REDIS_URL.split("//", 1)[1].split("/")[0].split(":")
    proxy = PausableProxy(host, int(port))
    env = {"WORKSHOP_RATE_LIMIT_STORAGE": f"redis://127.0.0.1:{proxy.port}/1"}
    try:
        with running_server(database_url, tmp_path, env) as server:
            sid, code, facilitator = _start(server)
            person = server.participant(sid, code)
            assert person.op("card.add", step_key="approaches", text="Redis da")["ok"]
            proxy.pause()
            started = time.perf_counter()
            ack = person.op("card.add", step_key="approaches", text="Redis weg")
            assert ack["ok"], ack
            joined = requests.post(f"{server.base_url}/api/join", json={"code": code}, timeout=5)
            assert joined.status_code == 200, joined.text
            late = LiveClient(server.base_url, sid, "participant", token=joined.json()["token"])
            assert late.op("card.add", step_key="approaches", text="neu trotz Redis")["ok"]
            assert time.perf_counter() - started < 5
            proxy.resume()
            assert person.op("card.add", step_key="approaches", text="Redis zurück")["ok"]
            for client in (late, person, facilitator):
                client.close()
    finally:
        proxy.close()


def test_hung_database_pauses_saving_and_recovers(postgres_url, tmp_path):
    from urllib.parse import urlsplit

    target = urlsplit(postgres_url)
    proxy = PausableProxy(target.hostname, target.port or 5432)
    proxied = postgres_url.replace(f"{target.hostname}:{target.port or 5432}", f"127.0.0.1:{proxy.port}")
    from workshop.migrate import upgrade

    upgrade(postgres_url)
    try:
        with running_server(proxied, tmp_path, {"WORKSHOP_DB_STATEMENT_TIMEOUT": "2"}) as server:
            sid, code, facilitator = _start(server)
            person = server.participant(sid, code)
            assert person.op("card.add", step_key="approaches", text="vorher")["ok"]
            proxy.pause()
            # What needs no database goes on: static files, the language switch.
            started = time.perf_counter()
            assert requests.get(f"{server.base_url}/static/css/app.css", timeout=5).status_code == 200
            assert (
                requests.get(f"{server.base_url}/lang/en?next=/", allow_redirects=False, timeout=5).status_code == 302
            )
            assert time.perf_counter() - started < 2
            # An op is answered within the timeout: saving is paused, and the room is told.
            ack = person.op("card.add", step_key="approaches", text="während es hängt", op_id="hung-op-0001")
            assert ack["ok"] is False and ack["error"]["code"] == "saving_paused", ack
            person.wait_for(lambda c: any(s.get("saving") == "paused" for s in c.statuses), "saving paused")
            proxy.resume()
            # By itself: the same op sent again is stored once, and the room hears saving is back.
            again = person.op("card.add", step_key="approaches", text="während es hängt", op_id="hung-op-0001")
            assert again["ok"], again
            person.wait_for(lambda c: c.statuses and c.statuses[-1].get("saving") == "ok", "saving resumed")
            assert person.op("card.add", step_key="approaches", text="danach")["ok"]
            person.wait_for(lambda c: "danach" in c.card_texts("approaches"), "the card after the hang")
            assert person.card_texts("approaches").count("während es hängt") == 1
            assert server.process.poll() is None
            person.close()
            facilitator.close()
    finally:
        proxy.close()


def test_a_lock_held_past_the_timeout_pauses_saving_and_every_op_after_it_is_stored(postgres_url, tmp_path):
    """Another transaction (another process, a migration, a stuck admin session) holds the
    session's row lock longer than the op timeout. The batch waiting for it is given up: its
    sender hears saving_paused and sends again. Before: the interrupted connection went back
    to the pool with its statement still running, and the ops that got it next were answered
    `internal` ("another command is already in progress"), which phones do not resend."""
    import psycopg

    with running_server(postgres_url, tmp_path, {"WORKSHOP_DB_STATEMENT_TIMEOUT": "2"}) as server:
        sid, code, facilitator = _start(server)
        people = [server.participant(sid, code) for _ in range(3)]
        assert people[0].op("card.add", step_key="approaches", text="vorher")["ok"]
        blocker = psycopg.connect(postgres_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=False)
        try:
            blocker.execute("SELECT id FROM sessions WHERE id = %s FOR UPDATE", (sid,))
            ack = people[0].op("card.add", step_key="approaches", text="gesperrt", op_id="locked-op-0001")
            assert ack["ok"] is False and ack["error"]["code"] == "saving_paused", ack
        finally:
            blocker.rollback()
            blocker.close()
        # Every op after it is stored, whichever pooled connection it gets; the resent one once.
        again = people[0].op("card.add", step_key="approaches", text="gesperrt", op_id="locked-op-0001")
        assert again["ok"], again
        for round_ in range(4):
            for n, person in enumerate(people):
                ack = person.op("card.add", step_key="approaches", text=f"danach {round_}.{n}")
                assert ack["ok"], ack
        people[0].wait_for(lambda c: len(c.card_texts("approaches")) == 2 + 12, "every card after the lock")
        assert people[0].card_texts("approaches").count("gesperrt") == 1
        assert "another command is already in progress" not in server.log() and "Traceback" not in server.log()
        for client in [facilitator, *people]:
            client.close()


def test_a_hung_process_holding_the_session_lock_is_ended_by_the_database(postgres_url, tmp_path):
    """Issue 34: a process that stops inside an op batch (SIGSTOP, a long GC pause, a swapped-out
    VM) keeps its transaction open and the session's row locked. Its connection is the app's own
    (the same settings as every process's); PostgreSQL ends its transaction after the idle timeout,
    and the op of the healthy process that waited for the lock is stored and acknowledged. Before:
    the lock was held until the hung process died, every op in the room waited the whole
    statement timeout and was answered saving_paused, and PostgreSQL never ended the hung session."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from workshop.config import load_config
    from workshop.db import engine_for

    config = load_config({"DATABASE_URL": postgres_url, "SECRET_KEY": "test-secret"})
    assert config["DB_IDLE_IN_TRANSACTION_TIMEOUT"] < config["DB_LOCK_TIMEOUT"] < config["DB_STATEMENT_TIMEOUT"]
    with running_server(postgres_url, tmp_path) as server:  # the default timeouts
        sid, code, facilitator = _start(server)
        person = server.participant(sid, code)
        assert person.op("card.add", step_key="approaches", text="vorher")["ok"]
        hung_process = engine_for(config)
        hung = hung_process.connect()
        try:
            hung.begin()  # what an op batch does first, and then the process stops
            hung.execute(text("UPDATE sessions SET last_seq = last_seq WHERE id = :id"), {"id": sid})
            ack = person.op("card.add", step_key="approaches", text="trotz Hänger", op_id="hung-peer-0001")
            assert ack["ok"], ack
            person.wait_for(lambda c: "trotz Hänger" in c.card_texts("approaches"), "the card stored past the lock")
            with pytest.raises(DBAPIError, match="idle-in-transaction") as ended:  # by the database
                hung.execute(text("SELECT 1"))
            assert ended.value.connection_invalidated  # the op queue takes it for "database away"
        finally:
            hung.close()
            hung_process.dispose()
        assert not person.statuses, "saving was never paused"
        person.close()
        facilitator.close()
