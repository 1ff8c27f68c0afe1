"""Test fixtures: a real server (threaded, on a free port) over a real, migrated database."""

from __future__ import annotations

import atexit
import itertools
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

import pytest
import redis
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import OperationalError
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
SQLITE_BUSY = {5, 517}  # busy, and busy because another connection committed since this one read
POSTGRES_ADMIN_URL = os.environ.get("WORKSHOP_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("WORKSHOP_TEST_REDIS", "redis://127.0.0.1:6379/0")
PASSWORD = "correct horse battery"


@cache
def _postgres_reachable() -> bool:
    try:
        engine = create_engine(POSTGRES_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:
        return False


# --- databases: migrated once per run, copied for each test ---------------------------------------
# Migrating costs a quarter of a second on SQLite and a second on PostgreSQL, per test. So the
# run migrates one SQLite file and one PostgreSQL template database (each the first time a test
# needs it), and every test gets a copy: the file copied, or CREATE DATABASE … TEMPLATE.

_migrated: dict[str, object] = {}


def migrated_sqlite_file() -> Path:
    """This run's migrated SQLite file (made on first use; removed when the run ends)."""
    if "sqlite" not in _migrated:
        directory = Path(tempfile.mkdtemp(prefix="workshop-migrated-"))
        atexit.register(shutil.rmtree, directory, ignore_errors=True)
        upgrade(f"sqlite:///{directory / 'template.db'}")
        _migrated["sqlite"] = directory / "template.db"
    path = _migrated["sqlite"]
    assert isinstance(path, Path)
    return path


def migrated_sqlite(path: Path) -> str:
    """A migrated SQLite database at `path` (a copy of this run's migrated file), as a URL."""
    shutil.copyfile(migrated_sqlite_file(), path)
    return f"sqlite:///{path}"


def _postgres_template() -> str:
    """This run's migrated PostgreSQL template database (made on first use, dropped at the end)."""
    if "postgresql" not in _migrated:
        name = f"workshop_template_{uuid.uuid4().hex[:10]}"
        admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        atexit.register(_drop_postgres, name)
        upgrade(POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}")  # alembic disconnects after
        _migrated["postgresql"] = name
    name = _migrated["postgresql"]
    assert isinstance(name, str)
    return name


def _drop_postgres(name: str) -> None:
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture
def database_url(database_kind, tmp_path):
    """A migrated database for one test (SQLite; PostgreSQL where the module's database_kind says)."""
    yield from _database(database_kind, tmp_path, migrated=True)


def _database(kind: str, tmp_path, migrated: bool = False):
    """A database of its own, empty or (migrated=True) at the newest schema; dropped after."""
    if kind == "sqlite":
        path = tmp_path / "workshop.db"
        yield migrated_sqlite(path) if migrated else f"sqlite:///{path}"
        return
    if not _postgres_reachable():
        if IN_CI:
            pytest.fail(f"PostgreSQL at {POSTGRES_ADMIN_URL} is not reachable, and CI must run these tests")
        pytest.skip(f"PostgreSQL at {POSTGRES_ADMIN_URL} is not reachable")
    template = f' TEMPLATE "{_postgres_template()}"' if migrated else ""
    name = f"workshop_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"{template}'))
    yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    _drop_postgres(name)
    admin.dispose()


@pytest.fixture(autouse=True)
def _cheap_password_hashes(request, monkeypatch):
    """Tests create and log in accounts by the hundred, and scrypt at its full cost (werkzeug's
    n=2**15) takes 75 ms each time, for the hash and again for each login: an account a test
    creates is hashed at n=2**10 (the server checks it at that cost). Tests that measure what a
    login costs are marked `full_password_cost` and keep it."""
    if request.node.get_closest_marker("full_password_cost"):
        return
    import workshop.accounts.models as accounts

    real = accounts.generate_password_hash

    def cheaper(password: str, method: str = "scrypt", salt_length: int = 16) -> str:
        return real(password, "scrypt:1024:8:1" if method == "scrypt" else method, salt_length)

    monkeypatch.setattr(accounts, "generate_password_hash", cheaper)


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
    """A migrated PostgreSQL database for one test."""
    yield from _database("postgresql", tmp_path, migrated=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """The real `workshop serve` (eventlet) in its own process, over a database the test can read.

    A module's tests share one (see the `server` fixture): each test gets its own view, whose
    accounts are its own (tag: e-mail addresses get "+<tag>" before the "@") and whose log()
    starts where the test started."""

    base_url: str
    database_url: str
    process: subprocess.Popen
    sessions: object
    log_path: Path
    tag: str = ""
    log_offset: int = 0
    own_facilitators: list[int] = field(default_factory=list)

    def for_test(self, tag: str) -> Server:
        """A view of this server for one test."""
        size = self.log_path.stat().st_size if self.log_path.exists() else 0
        return replace(self, tag=tag, log_offset=size, own_facilitators=[])

    def email(self, email: str) -> str:
        """The address an account of this test has (the same as given on a server of its own)."""
        if not self.tag:
            return email
        local, _at, domain = email.partition("@")
        return f"{local}+{self.tag}@{domain}"

    def reference(self, reference_number: str | None) -> str | None:
        """A measure's reference number as this test has it (unique in the shared database)."""
        return f"{reference_number}-{self.tag}" if reference_number and self.tag else reference_number

    def db(self):
        return self.sessions()

    def write(self, change):
        """change(db) in a transaction of its own, committed. The server writes beside it (a
        module's server serves several tests): on SQLite, a commit of the server's between this
        transaction's first read and its first write refuses the write (SQLITE_BUSY_SNAPSHOT,
        which waiting does not clear); then the whole transaction runs again."""
        for attempt in range(20):
            with self.db() as db:
                try:
                    result = change(db)
                    db.commit()
                    return result
                except OperationalError as error:
                    if getattr(error.orig, "sqlite_errorcode", None) not in SQLITE_BUSY or attempt == 19:
                        raise
                    db.rollback()
            time.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")

    def facilitator(self, email="moderation@example.org", name="Mo Deration"):
        user_id = self.write(lambda db: create_facilitator(db, self.email(email), name, PASSWORD).id)
        self.own_facilitators.append(user_id)
        return user_id

    def measure(self, title="Testmaßnahme", reference_number=None, owner=None):
        """A measure with an owner on its team: `owner` (a facilitator id), else this test's first
        facilitator (else the first who opens a session on it, see session())."""

        def create(db):
            m = Measure(title=title, reference_number=self.reference(reference_number))
            db.add(m)
            db.flush()
            chosen = owner or (self.own_facilitators[0] if self.own_facilitators else None)
            if chosen is None and not self.tag:
                chosen = db.scalar(select(func.min(Facilitator.id)))
            if chosen is not None:
                add_member(db, m.id, chosen, OWNER)
            return m.id

        return self.write(create)

    def member(self, measure_id, facilitator_id, role):
        self.write(lambda db: add_member(db, measure_id, facilitator_id, role))

    def session(self, facilitator_id, measure_id, template_key="framing", **kw):
        def create(db):
            if not db.scalar(select(MeasureMember.id).where(MeasureMember.measure_id == measure_id)):
                add_member(db, measure_id, facilitator_id, OWNER)  # a fixture's measure gets an owner
            ws = create_session(
                db, measure_id=measure_id, facilitator_id=facilitator_id, template_key=template_key, **kw
            )
            db.flush()
            return ws.id, ws.join_code

        return self.write(create)

    def login(self, email="moderation@example.org"):
        return login(self.base_url, self.email(email), PASSWORD)

    def facilitator_client(self, session_id, http, role="facilitator"):
        return LiveClient(self.base_url, session_id, role, cookies=cookie_header(http))

    def participant(self, session_id, code, name="", named_in_protocol=False):
        joined = join(self.base_url, code, name, named_in_protocol)
        return LiveClient(self.base_url, session_id, "participant", token=joined["token"])

    def log(self) -> str:
        """What the server logged since this test began."""
        with self.log_path.open("rb") as log:
            log.seek(self.log_offset)
            return log.read().decode(errors="replace")


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
        # simulated rooms at test speed: no pace floor (outside tests 500 ms), the whole loop for practice (10 %)
        "WORKSHOP_PRACTICE_MIN_PACE_MS": "20",
        "WORKSHOP_PRACTICE_SHARE_PERCENT": "100",
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
    """A migrated database and `workshop serve` over it (with extra environment), stopped after.
    A SQLite file that does not exist yet is this run's migrated file, copied."""
    if database_url.startswith("sqlite:///") and not Path(database_url[len("sqlite:///") :]).exists():
        migrated_sqlite(Path(database_url[len("sqlite:///") :]))
    else:
        upgrade(database_url)
    engine = make_engine(database_url)
    log_path = tmp_path / f"{name}.log"
    process, base_url = start_server(database_url, log_path, extra_env)
    try:
        yield Server(base_url, database_url, process, sessionmaker(bind=engine, expire_on_commit=False), log_path)
    finally:
        stop_server(process)
        engine.dispose()


@pytest.fixture(scope="module", params=["sqlite"])
def database_kind(request):
    """The database the module's tests run on; a module that runs on both overrides this
    fixture with params=["sqlite", "postgresql"]."""
    return request.param


@pytest.fixture(scope="module")
def shared_server(database_kind, tmp_path_factory):
    """One server (and database) for the tests of a module: starting one costs a second or two,
    more than most tests it serves."""
    tmp = tmp_path_factory.mktemp("server")
    for database_url in _database(database_kind, tmp, migrated=True):
        with running_server(database_url, tmp) as running:
            yield running


@pytest.fixture
def server(request, database_kind, tmp_path):
    """A running server for this test: the module's shared one, seen through this test's own
    accounts (Server.for_test), or one of its own for a test marked `own_server` (it kills,
    restarts or reconfigures the server, or needs a database nobody else wrote to)."""
    if request.node.get_closest_marker("own_server"):
        for database_url in _database(database_kind, tmp_path, migrated=True):
            with running_server(database_url, tmp_path) as running:
                yield running
        return
    shared = request.getfixturevalue("shared_server")
    yield shared.for_test(f"t{next(_test_numbers)}")


_test_numbers = itertools.count(1)


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
    "test_hang",  # a supervised server stopped and restarted; two on PostgreSQL + Redis behind nginx
    "test_accessibility",
}
SERVER_STARTERS = ("running_server(", "start_server(", '"workshop.cli"')


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "own_server: the test gets a server of its own instead of the module's shared one"
    )
    config.addinivalue_line("markers", "full_password_cost: the test's accounts are hashed at scrypt's full cost")


def pytest_collection_modifyitems(config, items):
    import inspect

    def source(function) -> str:
        try:
            return inspect.getsource(function)
        except (OSError, TypeError):
            return ""

    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        # The test's body and its fixtures' (a module fixture may start the server the test talks to).
        definitions = getattr(getattr(item, "_fixtureinfo", None), "name2fixturedefs", {})
        body = source(item.function) + "".join(
            source(definition.func) for name in used for definition in definitions.get(name, ())
        )
        if "server" in used or any(starter in body for starter in SERVER_STARTERS):
            item.add_marker(pytest.mark.e2e)
        if "browser" in used or "launch(" in body:
            item.add_marker(pytest.mark.browser)
        params = getattr(getattr(item, "callspec", None), "params", {})
        if "postgres_url" in used or params.get("database_kind") == "postgresql":
            item.add_marker(pytest.mark.postgres)
        if item.module.__name__.rsplit(".", 1)[-1] in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)
