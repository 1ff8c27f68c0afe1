"""Database plumbing: one engine per app, a session per request / socket event / CLI call.

Plain SQLAlchemy (no Flask extension), so the live engine and the CLI use the same
models without an HTTP request around them.
"""

from __future__ import annotations

import functools
import json
import sqlite3
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

from sqlalchemy import JSON, DateTime, String, Table, TextClause, create_engine, event, insert, text
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Store UTC, always hand back aware datetimes (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime(), dict: JSON(), list: JSON()}


def make_engine(
    url: str,
    connect_timeout: int = 5,
    statement_timeout: int = 10,
    sqlite_busy_timeout: float = 30,
    pool_size: int = 10,
    max_overflow: int = 20,
    lock_timeout: int = 10,
    idle_in_transaction_timeout: int = 0,
    keepalive_seconds: int = 10,
) -> Engine:
    if url.startswith("sqlite"):
        # No pre-ping: a file has no connection to lose, and the ping is a query per transaction.
        # timeout 0: pysqlite's own busy wait sleeps in C, where eventlet cannot switch away;
        # _wait_for_the_write_lock waits instead, cooperatively.
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 0})
        _serialize_sqlite_writes(engine)
        _wait_for_the_write_lock(engine, sqlite_busy_timeout)
        return engine
    # A database that is away or hung must cost a request seconds, not the process: connecting
    # gives up after connect_timeout, PostgreSQL cancels a statement after statement_timeout,
    # and a request waits at most connect_timeout for a pooled connection when all are busy.
    # A client that hangs (a stopped process, a frozen VM) must not hold its locks either:
    # see postgres_session_options.
    connect_args: dict[str, Any] = {}
    if url.startswith("postgresql"):
        connect_args["connect_timeout"] = connect_timeout
        options = postgres_session_options(
            statement_timeout, lock_timeout, idle_in_transaction_timeout, keepalive_seconds
        )
        if options:
            connect_args["options"] = options
        if keepalive_seconds:  # libpq's side: this process notices a database host that is gone
            connect_args.update(
                keepalives=1,
                keepalives_idle=keepalive_seconds,
                keepalives_interval=_keepalive_interval(keepalive_seconds),
                keepalives_count=KEEPALIVE_PROBES,
            )
    # pool_size + max_overflow connections per process at most: processes × that must stay under
    # PostgreSQL's max_connections (docs/deployment.md, "Several processes").
    engine = create_engine(
        url,
        pool_pre_ping=True,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=connect_timeout,
        connect_args=connect_args,
    )
    _drop_interrupted_connections(engine)
    return engine


def engine_for(config: Mapping[str, Any]) -> Engine:
    """The app's engine, with every database setting of the configuration (config.py)."""
    return make_engine(
        config["DATABASE_URL"],
        connect_timeout=config["DB_CONNECT_TIMEOUT"],
        statement_timeout=config["DB_STATEMENT_TIMEOUT"],
        lock_timeout=config["DB_LOCK_TIMEOUT"],
        idle_in_transaction_timeout=config["DB_IDLE_IN_TRANSACTION_TIMEOUT"],
        keepalive_seconds=config["DB_KEEPALIVE_SECONDS"],
        pool_size=config["DB_POOL_SIZE"],
        max_overflow=config["DB_MAX_OVERFLOW"],
    )


KEEPALIVE_PROBES = 3  # unanswered TCP keepalive probes before a connection is given up


def _keepalive_interval(keepalive_seconds: int) -> int:
    return max(1, keepalive_seconds // KEEPALIVE_PROBES)


def postgres_session_options(
    statement_timeout: int, lock_timeout: int, idle_in_transaction_timeout: int, keepalive_seconds: int
) -> str:
    """The settings every PostgreSQL session of the app starts with (libpq's `options`; 0: off).

    Why each (issue 34): a process that hangs inside an op batch (SIGSTOP, a long GC pause, a
    swapped-out VM) keeps its transaction open and the session's row locked, and every other
    process's batch waits on that lock. idle_in_transaction_session_timeout makes the database
    end such a transaction (a batch is busy for milliseconds, never idle for seconds); lock_timeout
    ends a wait on a lock held by anything else, so the op is answered saving_paused instead of not
    at all; the server-side TCP keepalives end the sessions of a host that is gone altogether.
    """
    settings = {
        "statement_timeout": statement_timeout * 1000,
        "lock_timeout": lock_timeout * 1000,
        "idle_in_transaction_session_timeout": idle_in_transaction_timeout * 1000,
    }
    if keepalive_seconds:
        settings |= {
            "tcp_keepalives_idle": keepalive_seconds,
            "tcp_keepalives_interval": _keepalive_interval(keepalive_seconds),
            "tcp_keepalives_count": KEEPALIVE_PROBES,
        }
    return " ".join(f"-c {name}={value}" for name, value in settings.items() if value)


def _drop_interrupted_connections(engine: Engine) -> None:
    """A statement interrupted by the op queue's deadline (offload.deadline) may still run on the
    server: the connection is busy ("another command is already in progress") and must never go
    back to the pool. Treating the interruption as a disconnect makes SQLAlchemy close it at once,
    and the next transaction gets a fresh one."""
    from workshop.offload import DeadlineExceeded

    @event.listens_for(engine, "handle_error")
    def _on_error(context):
        if isinstance(context.original_exception, DeadlineExceeded):
            context.is_disconnect = True


def _serialize_sqlite_writes(engine: Engine) -> None:
    """Let SQLAlchemy, not pysqlite, decide when a transaction begins (the documented recipe).

    pysqlite's own lazy BEGIN breaks SAVEPOINT and makes the engine's lock-first write
    (live.engine) start too late; WAL lets readers go on while one writer commits.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN")


SQLITE_BUSY = 5  # the plain code only: SQLITE_BUSY_SNAPSHOT (517) will not clear by waiting


def _wait_for_the_write_lock(engine: Engine, busy_timeout: float) -> None:
    """Retry a statement SQLite refused as busy, sleeping with time.sleep between tries.

    Under eventlet (monkey-patched) that sleep lets the other greenlets run, among them the one
    holding the write lock, which may be waiting for a tpool call or a socket to commit; pysqlite's
    own busy timeout would block the whole process until it runs out ("database is locked").
    A statement refused with SQLITE_BUSY has changed nothing, so running it again is safe.
    """

    def run(execute: Callable[[], object]) -> bool:
        deadline = time.monotonic() + busy_timeout
        pause = 0.001
        while True:
            try:
                execute()
                return True
            except sqlite3.OperationalError as error:
                if getattr(error, "sqlite_errorcode", None) != SQLITE_BUSY or time.monotonic() >= deadline:
                    raise
            time.sleep(pause)
            pause = min(pause * 2, 0.05)

    @event.listens_for(engine, "do_execute")
    def _execute(cursor, statement, parameters, _context):
        return run(lambda: cursor.execute(statement, parameters))

    @event.listens_for(engine, "do_execute_no_params")
    def _execute_no_params(cursor, statement, _context):
        return run(lambda: cursor.execute(statement))

    @event.listens_for(engine, "do_executemany")
    def _executemany(cursor, statement, parameters, _context):
        return run(lambda: cursor.executemany(statement, parameters))


def insert_many(db: Session, model: type[Base], rows: list[dict[str, Any]]) -> None:
    """New rows of one table (each dict with the same keys), in one statement on PostgreSQL.

    Why: `insert(Model), rows` becomes psycopg's executemany, a pipeline that sends a statement
    per row and waits on each answer through eventlet's hub: in a 500-phone vote storm that was
    29 % of the server's busy time (bench/vote_storm.py --sample). One array per column through
    unnest() is one statement whose text never changes, so psycopg parses it once. (A multi-row
    VALUES is a new text at every batch size, and psycopg's parsing of it cost as much.)
    Elsewhere (SQLite: executemany in C) the plain INSERT.
    """
    if not rows:
        return
    table = cast(Table, model.__table__)
    names = tuple(rows[0])
    dialect = db.get_bind().dialect
    if dialect.name != "postgresql":
        db.execute(insert(table), rows)
        return
    defaulted = [c.name for c in table.c if c.default is not None and c.name not in names]
    if defaulted:  # they would be NULL here: the caller must give them
        raise ValueError(f"insert_many({table.name}): give {', '.join(defaulted)} (a default in Python)")
    arrays = {name: [_bind_value(table.c[name], row[name], dialect) for row in rows] for name in names}
    db.execute(_unnest_insert(table, names, dialect), arrays)


def _bind_value(column, value: Any, dialect: Dialect) -> Any:
    """What an INSERT would send for value: a TypeDecorator's processing, JSON as its text
    (None as JSON null, as SQLAlchemy's JSON does unless none_as_null)."""
    kind = column.type
    if isinstance(kind, TypeDecorator):
        value = kind.process_bind_param(value, dialect)
        kind = kind.impl
    if isinstance(kind, JSON):
        return None if value is None and kind.none_as_null else json.dumps(value)
    return value


@functools.cache
def _unnest_insert(table: Table, names: tuple[str, ...], dialect: Dialect) -> TextClause:
    quote = dialect.identifier_preparer.quote
    aliases, params, selected = [], [], []
    for index, name in enumerate(names):
        kind = table.c[name].type
        sql_type = kind.compile(dialect=dialect)
        json_column = isinstance(kind.impl if isinstance(kind, TypeDecorator) else kind, JSON)
        # VARCHAR without its length: an explicit cast would cut a long string short, while the
        # INSERT's own assignment refuses it ("value too long"), as the plain INSERT does
        array_type = "TEXT" if json_column else ("VARCHAR" if isinstance(kind, String) else sql_type)
        params.append(f"CAST(:{name} AS {array_type}[])")
        selected.append(f"c{index}::{sql_type}" if json_column else f"c{index}")
        aliases.append(f"c{index}")
    return text(
        f"INSERT INTO {dialect.identifier_preparer.format_table(table)} ({', '.join(quote(n) for n in names)}) "
        f"SELECT {', '.join(selected)} FROM unnest({', '.join(params)}) AS rows({', '.join(aliases)})"
    )


Row = TypeVar("Row")


def get_row(db: Session, model: type[Row], ident: Any) -> Row:
    """db.get() for a row the caller has reason to expect (a foreign key, a checked id): a missing
    one is a broken invariant, so it fails loudly naming the row instead of as None further on."""
    row = db.get(model, ident)
    if row is None:
        raise LookupError(f"{model.__name__} {ident!r} does not exist")
    return row


def make_session_factory(engine: Engine) -> scoped_session[Session]:
    return scoped_session(sessionmaker(bind=engine, expire_on_commit=False))
