"""Test fixtures: a real server (threaded, on a free port) over a real, migrated database."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import sessionmaker

from tests.live_client import LiveClient, cookie_header, join, login
from workshop.access.models import MeasureMember
from workshop.access.policy import OWNER, add_member
from workshop.accounts.models import Facilitator
from workshop.accounts.service import create_facilitator
from workshop.agenda.create import create_session
from workshop.db import make_engine
from workshop.measures.models import Measure
from workshop.migrate import upgrade

IN_CI = os.environ.get("CI") == "true"
POSTGRES_ADMIN_URL = os.environ.get("WORKSHOP_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("WORKSHOP_TEST_REDIS", "redis://127.0.0.1:6379/0")
PASSWORD = "correct horse battery"


def _postgres_reachable() -> bool:
    try:
        engine = create_engine(POSTGRES_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:
        return False


@pytest.fixture(params=["sqlite"])
def database_url(request, tmp_path):
    yield from _database(request.param, tmp_path)


def _database(kind: str, tmp_path):
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'workshop.db'}"
        return
    if not _postgres_reachable():
        if IN_CI:
            pytest.fail(f"PostgreSQL at {POSTGRES_ADMIN_URL} is not reachable, and CI must run these tests")
        pytest.skip(f"PostgreSQL at {POSTGRES_ADMIN_URL} is not reachable")
    name = f"workshop_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def redis_queue():
    return redis_queue_env()


def redis_queue_env() -> dict:
    """Environment for a server process to use Redis as its message queue, on a channel of its
    own so parallel runs (or other deployments) on the same Redis never mix."""
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        if IN_CI:
            pytest.fail(f"Redis at {REDIS_URL} is not reachable ({error}), and CI must run these tests")
        pytest.skip(f"Redis at {REDIS_URL} is not reachable ({error})")
    return {"SOCKETIO_MESSAGE_QUEUE": REDIS_URL, "SOCKETIO_CHANNEL": f"workshop-test-{uuid.uuid4().hex}"}


@pytest.fixture
def postgres_url(tmp_path):
    yield from _database("postgresql", tmp_path)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """The real `workshop serve` (eventlet) in its own process, over a database the test can read."""

    base_url: str
    database_url: str
    process: subprocess.Popen
    sessions: object
    log_path: Path

    def db(self):
        return self.sessions()

    def facilitator(self, email="moderation@example.org", name="Mo Deration"):
        with self.db() as db:
            user = create_facilitator(db, email, name, PASSWORD)
            db.commit()
            return user.id

    def measure(self, title="Testmaßnahme", reference_number=None, owner=None):
        """A measure with an owner on its team: `owner` (a facilitator id), else the first
        facilitator there is (else the first who opens a session on it, see session())."""
        with self.db() as db:
            m = Measure(title=title, reference_number=reference_number)
            db.add(m)
            db.flush()
            owner = owner or db.scalar(select(func.min(Facilitator.id)))
            if owner is not None:
                add_member(db, m.id, owner, OWNER)
            db.commit()
            return m.id

    def member(self, measure_id, facilitator_id, role):
        with self.db() as db:
            add_member(db, measure_id, facilitator_id, role)
            db.commit()

    def session(self, facilitator_id, measure_id, template_key="framing", **kw):
        with self.db() as db:
            if not db.scalar(select(MeasureMember.id).where(MeasureMember.measure_id == measure_id)):
                add_member(db, measure_id, facilitator_id, OWNER)  # a fixture's measure gets an owner
            ws = create_session(
                db, measure_id=measure_id, facilitator_id=facilitator_id, template_key=template_key, **kw
            )
            db.commit()
            return ws.id, ws.join_code

    def login(self, email="moderation@example.org"):
        return login(self.base_url, email, PASSWORD)

    def facilitator_client(self, session_id, http, role="facilitator"):
        return LiveClient(self.base_url, session_id, role, cookies=cookie_header(http))

    def participant(self, session_id, code, name="", named_in_protocol=False):
        joined = join(self.base_url, code, name, named_in_protocol)
        return LiveClient(self.base_url, session_id, "participant", token=joined["token"])

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def start_server(database_url: str, log_path: Path, extra_env: dict | None = None, port: int | None = None):
    """Start `workshop serve` and return (process, base_url) once it accepts connections.

    port: a fixed port (e.g. the one a killed server had, so clients can reconnect); a free one
    by default.
    """
    port = port or _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret",
        "WORKSHOP_HOST": "127.0.0.1",
        "WORKSHOP_PORT": str(port),
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        **(extra_env or {}),
    }
    log = open(log_path, "ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "workshop.cli", "serve"], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 30
    while True:  # wait until the port answers (the process's own readiness, not a fixed sleep)
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {log_path.read_text(errors='replace')[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            if time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"server did not start: {log_path.read_text(errors='replace')[-2000:]}") from None
            time.sleep(0.05)
    return process, f"http://127.0.0.1:{port}"


def stop_server(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def running_server(database_url: str, tmp_path: Path, extra_env: dict | None = None, name: str = "server"):
    """A migrated database and `workshop serve` over it (with extra environment), stopped after."""
    upgrade(database_url)
    engine = make_engine(database_url)
    log_path = tmp_path / f"{name}.log"
    process, base_url = start_server(database_url, log_path, extra_env)
    try:
        yield Server(base_url, database_url, process, sessionmaker(bind=engine, expire_on_commit=False), log_path)
    finally:
        stop_server(process)
        engine.dispose()


@pytest.fixture
def server(database_url, tmp_path):
    with running_server(database_url, tmp_path) as running:
        yield running


@pytest.fixture
def framing(server):
    """A framing session with its facilitator logged in and connected."""
    fid = server.facilitator()
    mid = server.measure("Anlaufstelle Prozessbegleitung", "2022-14222")
    sid, code = server.session(fid, mid, location="Raum 1")
    http = server.login()
    facilitator = server.facilitator_client(sid, http)
    clients = [facilitator]
    yield {
        "server": server,
        "session_id": sid,
        "code": code,
        "measure_id": mid,
        "http": http,
        "facilitator": facilitator,
        "clients": clients,
    }
    for client in clients:
        client.close()


@pytest.fixture
def live(framing):
    """A started framing session with two participants."""
    server, sid, code = framing["server"], framing["session_id"], framing["code"]
    a, b = server.participant(sid, code, "A"), server.participant(sid, code)
    framing["clients"] += [a, b]
    assert framing["facilitator"].op("session.start")["ok"]
    framing.update(a=a, b=b)
    return framing


# Markers, set here from what a test uses so no test file has to remember them (pyproject.toml
# registers them; `make test-fast` leaves out e2e, browser and slow):
#   e2e       starts a real `workshop` process (the `server` fixture, running_server/start_server, the CLI)
#   browser   drives chromium through Playwright
#   postgres  runs against PostgreSQL
#   slow      load, fuzz, restart and multi-process tests (tens of seconds each)
SLOW_MODULES = {
    "test_vote_storm",
    "test_fuzz_socket",
    "test_scale_out",
    "test_restart",
    "test_reverse_proxy",
    "test_browser_units",
    "test_revocation",  # two servers on PostgreSQL + Redis, started by a module fixture
    "test_accessibility",
}
SERVER_STARTERS = ("running_server(", "start_server(", '"workshop.cli"')


def pytest_collection_modifyitems(config, items):
    import inspect

    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        try:
            body = inspect.getsource(item.function)
        except (OSError, TypeError):
            body = ""
        if "server" in used or any(starter in body for starter in SERVER_STARTERS):
            item.add_marker(pytest.mark.e2e)
        if "browser" in used or "launch(" in body:
            item.add_marker(pytest.mark.browser)
        params = getattr(getattr(item, "callspec", None), "params", {})
        if "postgres_url" in used or params.get("database_url") == "postgresql":
            item.add_marker(pytest.mark.postgres)
        if item.module.__name__.rsplit(".", 1)[-1] in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)
