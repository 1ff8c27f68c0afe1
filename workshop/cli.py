"""The `workshop` command.

workshop serve [--demo]            run the app (eventlet), optionally with demo data
workshop db upgrade                apply migrations
workshop create-facilitator        add a facilitator account (asks for the password)
workshop measure-member MEASURE_ID --email E --role R   put someone on a measure's team
workshop demo                      seed demo data
workshop export-protocol ID --format md|html -o FILE
workshop templates check [FILE…]   validate session templates
workshop session end ID            end a session left open (as its facilitator would)
workshop simulate ID -n N --temper T   simulated participants for a practice session
workshop purge [--days N]          purge personal data of old sessions (docs/privacy.md)
"""

from __future__ import annotations

import faulthandler
import gc
import sys
from pathlib import Path

import click


def _app():
    from workshop.app import create_app
    from workshop.config import ConfigError

    try:
        return create_app()
    except ConfigError as error:  # a clear sentence, not a traceback
        raise click.ClickException(str(error)) from error


def _upgrade(app) -> None:
    from workshop.migrate import upgrade

    upgrade(app.config["DATABASE_URL"])


@click.group()
def cli():
    """Workshop: live workshops that fill the measure record."""


@cli.command()
@click.option("--demo", is_flag=True, help="Create the database and demo data if missing.")
def serve(demo: bool):
    """Serve the app with Socket.IO (eventlet unless SOCKETIO_ASYNC_MODE says otherwise)."""
    from workshop.extensions import socketio

    app = _app()
    _upgrade(app)
    base = app.config["PUBLIC_BASE_URL"]
    if demo:
        from workshop.demo import DEMO_EMAIL, DEMO_PASSWORD, seed_demo

        with app.app_context():
            _f, ws, _created = seed_demo(app.extensions["workshop.db"]())
            app.extensions["workshop.db"].remove()
        click.echo(f"Demo login: {DEMO_EMAIL} / {DEMO_PASSWORD}")
        click.echo(f"Demo session console: {base}/sessions/{ws.id}  (join code {ws.join_code})")
    from workshop import jobs

    warm = getattr(jobs.backend(), "warm", None)
    if warm is not None:  # the local pool: its worker processes start now, not at the first upload
        warm()
    click.echo(f"Workshop is running at {base}  (stop with Ctrl+C)")
    sys.stdout.flush()
    _run_server(app, socketio)


# A connection that sends nothing for this long is closed (a request that never ends, an idle
# keep-alive). Websockets send a pong every WORKSHOP_PING_SECONDS (5 s), so they never get near it.
IDLE_TIMEOUT = 60


def _run_server(app, socketio) -> None:
    """Serve until stopped, sized for a room of phones joining at once.

    Flask-SocketIO's own eventlet runner keeps eventlet's defaults: a listen backlog of 50 (a
    join storm overflows it and the kernel drops connections, which retry a second later)
    and 1,024 connections at most (each websocket holds one for its lifetime).
    """
    host, port = app.config["HOST"], app.config["PORT"]
    mode = socketio.server.eio.async_mode
    # Everything loaded so far lives as long as the process: keep it out of the collector's
    # full passes, which otherwise rescan it mid-broadcast (the fan-out's p99 spikes).
    gc.collect()
    gc.freeze()
    # A watchdog's SIGABRT (systemd, deploy/systemd) prints where every thread was: what hung.
    faulthandler.enable()
    from workshop import watchdog

    watchdog.start(app)  # the loop's heartbeat: systemd's READY=1 and WATCHDOG=1, and GET /healthz
    from workshop.privacy import run_periodically

    socketio.start_background_task(run_periodically, app)  # retention, every few hours
    from workshop.access import revocation

    # sockets whose login, projector link or team role ended on another process
    socketio.start_background_task(revocation.run_periodically, app, app.config["REVOCATION_SWEEP_MS"] / 1000)
    from workshop.guards import PatientListener, connection_cap, lean_http_protocol, raise_file_limit, without_nagle

    file_limit = raise_file_limit(app.config["FILE_LIMIT"])
    max_connections = connection_cap(app.config["MAX_CONNECTIONS"], file_limit)
    if mode == "eventlet":
        import eventlet
        import eventlet.wsgi
        from eventlet.green import socket as green_socket

        from workshop.live.transport import lean_sockets

        lean_sockets.install()  # one greenlet per websocket instead of three
        family = green_socket.getaddrinfo(host, port)[0][0]
        listener = without_nagle(eventlet.listen((host, port), family=family, backlog=app.config["LISTEN_BACKLOG"]))
        # Out of descriptors: wait and accept again, instead of eventlet's accept loop raising.
        # Behind a proxy every connection has the proxy's address: the cap is then nginx's
        # (limit_conn) and the app's (AddressCap, with the forwarded address).
        per_address = None if app.config["PROXY_FIX"] else app.config["MAX_CONNECTIONS_PER_ADDRESS"]
        eventlet.wsgi.server(
            PatientListener(listener, eventlet.sleep, per_address=per_address),
            app,
            log_output=False,
            max_size=max_connections,
            socket_timeout=IDLE_TIMEOUT,
            protocol=lean_http_protocol(),
        )
    elif mode == "gevent":  # gevent's server has no connection cap
        from gevent import pywsgi

        server = pywsgi.WSGIServer((host, port), app, log=None, backlog=app.config["LISTEN_BACKLOG"])
        server.init_socket()
        without_nagle(server.socket)
        server.serve_forever()
    else:
        socketio.run(app, host=host, port=port, allow_unsafe_werkzeug=True, log_output=False)


@cli.group()
def db():
    """Database schema."""


@db.command("upgrade")
def db_upgrade():
    """Apply all migrations."""
    _upgrade(_app())
    click.echo("Database is up to date.")


@cli.command("create-facilitator")
@click.option("--email", prompt="E-Mail")
@click.option("--name", prompt="Name")
def create_facilitator_command(email: str, name: str):
    """Add a facilitator. The password is asked for, never taken from the command line."""
    from workshop.accounts.service import create_facilitator

    password = click.prompt("Passwort", hide_input=True, confirmation_prompt=True)
    app = _app()
    _upgrade(app)
    session = app.extensions["workshop.db"]()
    try:
        user = create_facilitator(session, email, name, password)
        session.commit()
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Facilitator {user.email} created.")


@cli.command("measure-member")
@click.argument("measure_id", type=int)
@click.option("--email", required=True, help="The account's e-mail address.")
@click.option("--role", required=True, type=click.Choice(["owner", "co_facilitator", "editor", "observer"]))
def measure_member_command(measure_id: int, email: str, role: str):
    """Put someone on a measure's team (or change their role): e.g. an owner for a measure
    nobody has worked on yet, which therefore has no team (docs/access.md)."""
    from sqlalchemy import func, select

    from workshop.access.policy import add_member
    from workshop.accounts.models import Facilitator
    from workshop.measures.models import Measure

    app = _app()
    _upgrade(app)
    session = app.extensions["workshop.db"]()
    if session.get(Measure, measure_id) is None:
        raise click.ClickException(f"There is no measure {measure_id}.")
    person = session.scalars(select(Facilitator).where(func.lower(Facilitator.email) == email.strip().lower())).first()
    if person is None:
        raise click.ClickException(f"There is no account with the e-mail address {email}.")
    add_member(session, measure_id, person.id, role)
    session.commit()
    click.echo(f"{person.email} is {role} of measure {measure_id}.")


@cli.command()
@click.option(
    "--days",
    type=click.IntRange(0),
    default=None,
    help="Purge sessions older than this many days (default: WORKSHOP_RETENTION_DAYS).",
)
def purge(days: int | None):
    """Purge personal data of old sessions (names, tokens, texts of deleted cards); see docs/privacy.md."""
    from workshop.privacy import purge as run_purge

    app = _app()
    _upgrade(app)
    days = app.config["RETENTION_DAYS"] if days is None else days
    if not days:
        raise click.ClickException("retention is off (WORKSHOP_RETENTION_DAYS=0); give --days N to purge anyway")
    with app.extensions["workshop.db"].session_factory() as session:
        done = run_purge(session, days)
    click.echo(
        f"Purged sessions older than {days} days: {done['sessions']} session(s), "
        f"{done['participants']} participant(s) anonymised, {done['deleted_cards']} deleted card text(s) "
        f"removed, {done['events']} event(s) scrubbed."
    )


@cli.command()
def demo():
    """Seed a facilitator, two measures from the seeds and a ready framing session."""
    from workshop.demo import DEMO_EMAIL, DEMO_PASSWORD, seed_demo

    app = _app()
    _upgrade(app)
    with app.app_context():
        _f, ws, created = seed_demo(app.extensions["workshop.db"]())
    click.echo(
        ("Demo data created." if created else "Demo data was already there.")
        + f" Login: {DEMO_EMAIL} / {DEMO_PASSWORD}; session {ws.id}, join code {ws.join_code}"
    )


@cli.command()
@click.option("--status", is_flag=True, help="Show the queue, its workers and the failed jobs, then exit.")
@click.option("--burst", is_flag=True, help="Work what is queued, then exit (tests, one-off runs).")
def worker(status: bool, burst: bool):
    """Work the job queue (WORKSHOP_JOB_QUEUE): the imports, renders and photos of the web processes."""
    from workshop import jobs
    from workshop.config import load_config

    config = load_config()
    settings = jobs.Settings(
        workers=config["JOB_WORKERS"], queue_url=config["JOB_QUEUE"], queue_name=config["JOB_QUEUE_NAME"]
    )
    if not settings.queue_url:
        raise click.ClickException(
            "WORKSHOP_JOB_QUEUE is not set (e.g. redis://127.0.0.1:6379/2): without a queue every "
            "`workshop serve` runs its own worker processes and needs no `workshop worker`."
        )
    from workshop.jobs import queue

    if status:
        for line in queue.describe(settings):
            click.echo(line)
        return
    queue.work(settings, burst=burst)


def _with_progress(label: str, function, *args):
    """Run function(*args) while the terminal shows that it is at work (a render takes seconds in
    a worker process): a moving bar with the seconds so far, then how long it took."""
    import threading
    import time

    outcome: dict = {}

    def work():
        try:
            outcome["value"] = function(*args)
        except BaseException as error:
            outcome["error"] = error

    thread = threading.Thread(target=work, daemon=True)
    started = time.monotonic()
    thread.start()
    show = sys.stderr.isatty()
    width, position = 20, 0
    while thread.is_alive():
        thread.join(0.2)
        if show and thread.is_alive():
            position = (position + 1) % (2 * width - 2)
            at = position if position < width else 2 * width - 2 - position
            bar = " " * at + "███" + " " * (width - at)
            click.echo(f"\r{label} [{bar[: width + 2]}] {time.monotonic() - started:4.1f} s", nl=False, err=True)
    if show:
        click.echo(f"\r{label}: {time.monotonic() - started:.1f} s" + " " * (width + 12), err=True)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


@cli.command("export-protocol")
@click.argument("session_id", type=int)
@click.option("--format", "fmt", type=click.Choice(["md", "html", "pdf", "docx"]), default="md", show_default=True)
@click.option(
    "--version", "version", type=int, default=None, help="a final version (default: the newest, or the draft)"
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
def export_protocol_command(session_id: int, fmt: str, version: int | None, output: Path):
    """Write a session's protocol (Ergebnisprotokoll) to FILE."""
    from flask import copy_current_request_context

    from workshop import jobs
    from workshop.protocols.export import export_protocol
    from workshop.protocols.service import ProtocolError
    from workshop.sessions.models import WorkshopSession

    app = _app()
    with app.test_request_context():  # templates need a request for url_for
        session = app.extensions["workshop.db"]()
        ws = session.get(WorkshopSession, session_id)
        if ws is None:
            raise click.ClickException(f"there is no session {session_id}")
        try:
            text, _mimetype = _with_progress(
                f"{fmt.upper()} of session {session_id}",
                copy_current_request_context(export_protocol),  # the thread renders in this request's context
                session,
                ws,
                fmt,
                version,
            )
        except ProtocolError as error:
            raise click.ClickException(str(error)) from error
        except jobs.JobRefused as error:
            raise click.ClickException(error.text("en")) from error
    if isinstance(text, bytes):
        output.write_bytes(text)
    else:
        output.write_text(text, encoding="utf-8")
    click.echo(f"Protocol of session {session_id} written to {output}")


@cli.command()
@click.argument("session_id", type=int)
@click.option("-n", "--participants", type=click.IntRange(1, 200), default=10, show_default=True)
@click.option(
    "--temper", type=click.Choice(["quiet", "lively", "dominant", "late", "drops"]), default="lively", show_default=True
)
@click.option(
    "--pace",
    type=click.FloatRange(0.02, 30),
    default=3.0,
    show_default=True,
    help="Seconds between two looks at the room (each bot acts now and then).",
)
@click.option("--url", help="The running server (default: PUBLIC_BASE_URL).")
def simulate(session_id: int, participants: int, temper: str, pace: float, url: str | None):
    """Simulated participants for a practice session, as real phones against the running server."""
    from workshop.sessions.models import Participant, WorkshopSession
    from workshop.training.practice import is_practice
    from workshop.training.remote import run_remote

    app = _app()
    sessions = app.extensions["workshop.db"].session_factory
    with sessions() as db:
        ws = db.get(WorkshopSession, session_id)
        if ws is None:
            raise click.ClickException(f"there is no session {session_id}")
        if not is_practice(ws):
            raise click.ClickException(
                f"session {session_id} is not a practice session: simulated participants join practice sessions only"
            )
        if ws.status == "ended":
            raise click.ClickException(f"session {session_id} has ended")
        code = ws.join_code

    def mark_simulated(participant_id: int) -> None:
        with sessions() as db:
            db.get(Participant, participant_id).simulated = True
            db.commit()

    base = (url or app.config["PUBLIC_BASE_URL"]).rstrip("/")
    click.echo(
        f"{participants} simulated participants ({temper}) join session {session_id} at {base} (stop with Ctrl+C)"
    )
    try:
        figures = run_remote(
            base, session_id, code, participants, temper, pace, echo=click.echo, mark_simulated=mark_simulated
        )
    except KeyboardInterrupt:
        return
    except Exception as error:  # the server refused or is not reachable: say so in one line
        raise click.ClickException(f"simulation stopped: {error}") from error
    click.echo(
        f"{figures['joined']} joined, {figures['acknowledged']} contributions acknowledged, "
        f"{figures['refused']} refused."
    )


@cli.group()
def session():
    """Live sessions."""


@session.command("end")
@click.argument("session_id", type=int)
def session_end(session_id: int):
    """End a session (e.g. one a facilitator left running): the room is told, as from the console."""
    from workshop import live
    from workshop.ops import FACILITATOR, Actor, Rejected
    from workshop.sessions.models import WorkshopSession

    app = _app()
    with app.extensions["workshop.db"].session_factory() as db:
        ws = db.get(WorkshopSession, session_id)
        if ws is None:
            raise click.ClickException(f"there is no session {session_id}")
        facilitator = Actor(FACILITATOR, ws.facilitator_id)
    outcome = live.submit(session_id, facilitator, {"type": "session.end"}, app=app)  # the one way in
    if isinstance(outcome, Rejected):
        raise click.ClickException(outcome.message)
    click.echo(f"Session {session_id} ended.")


@cli.group()
def templates():
    """Session templates."""


@templates.command("check")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
def templates_check(files: tuple[Path, ...]):
    """Validate session templates (default: all in session_templates/)."""
    from workshop.agenda.templates import check_templates
    from workshop.config import SESSION_TEMPLATE_DIR

    paths = list(files) or sorted(SESSION_TEMPLATE_DIR.glob("*.yaml"))
    errors = check_templates(paths)
    for error in errors:
        click.echo(error, err=True)
    if errors:
        raise SystemExit(1)
    click.echo(f"{len(paths)} template(s) OK.")


def main():
    # eventlet must patch the standard library before anything else imports it; only the
    # server needs it, so every other command (and the tests) runs without it.
    if len(sys.argv) > 1 and sys.argv[1] == "serve":
        import os

        mode = os.environ.get("SOCKETIO_ASYNC_MODE", "eventlet")
        if mode == "eventlet":
            # psycopg 3 waits for the database in C (poll) unless it sees gevent; under eventlet
            # that blocks every greenlet while a query waits (a hung database stopped even static
            # files). Its select()-based wait goes through eventlet's green select instead.
            os.environ.setdefault("PSYCOPG_WAIT_FUNC", "wait_select")
            import eventlet

            eventlet.monkey_patch()
            os.environ.setdefault("SOCKETIO_ASYNC_MODE", "eventlet")
        elif mode == "gevent":  # needs `pip install .[gevent]`; websockets via simple-websocket
            from gevent import monkey

            monkey.patch_all()
    cli()


if __name__ == "__main__":
    main()
