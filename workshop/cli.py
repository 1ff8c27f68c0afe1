"""The `workshop` command.

  workshop serve [--demo]            run the app (eventlet), optionally with demo data
  workshop db upgrade                apply migrations
  workshop create-facilitator        add a facilitator account (asks for the password)
  workshop demo                      seed demo data
  workshop export-protocol ID --format md|html -o FILE
  workshop templates check [FILE…]   validate session templates
  workshop purge [--days N]          purge personal data of old sessions (docs/privacy.md)
"""
from __future__ import annotations

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
    click.echo(f"Workshop is running at {base}  (stop with Ctrl+C)")
    sys.stdout.flush()
    _run_server(app, socketio)


# A connection that sends nothing for this long is closed (a request that never ends, an idle
# keep-alive). Websockets send a pong every 20 s (ping_interval), so they never get near it.
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
    from workshop.privacy import run_periodically

    socketio.start_background_task(run_periodically, app)  # retention, every few hours
    from workshop.guards import PatientListener, connection_cap, raise_file_limit

    file_limit = raise_file_limit(app.config["FILE_LIMIT"])
    max_connections = connection_cap(app.config["MAX_CONNECTIONS"], file_limit)
    if mode == "eventlet":
        import eventlet
        import eventlet.wsgi
        from eventlet.green import socket as green_socket

        family = green_socket.getaddrinfo(host, port)[0][0]
        listener = eventlet.listen((host, port), family=family, backlog=app.config["LISTEN_BACKLOG"])
        # Out of descriptors: wait and accept again, instead of eventlet's accept loop raising.
        # Behind a proxy every connection has the proxy's address: the cap is then nginx's
        # (limit_conn) and the app's (AddressCap, with the forwarded address).
        per_address = None if app.config["PROXY_FIX"] else app.config["MAX_CONNECTIONS_PER_ADDRESS"]
        eventlet.wsgi.server(PatientListener(listener, eventlet.sleep, per_address=per_address), app,
                             log_output=False, max_size=max_connections, socket_timeout=IDLE_TIMEOUT)
    elif mode == "gevent":  # gevent's server has no connection cap
        socketio.run(app, host=host, port=port, log_output=False, backlog=app.config["LISTEN_BACKLOG"])
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


@cli.command()
@click.option("--days", type=click.IntRange(0), default=None,
              help="Purge sessions older than this many days (default: WORKSHOP_RETENTION_DAYS).")
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
    click.echo(f"Purged sessions older than {days} days: {done['sessions']} session(s), "
               f"{done['participants']} participant(s) anonymised, {done['deleted_cards']} deleted card text(s) "
               f"removed, {done['events']} event(s) scrubbed.")


@cli.command()
def demo():
    """Seed a facilitator, two measures from the seeds and a ready framing session."""
    from workshop.demo import DEMO_EMAIL, DEMO_PASSWORD, seed_demo

    app = _app()
    _upgrade(app)
    with app.app_context():
        _f, ws, created = seed_demo(app.extensions["workshop.db"]())
    click.echo(("Demo data created." if created else "Demo data was already there.")
               + f" Login: {DEMO_EMAIL} / {DEMO_PASSWORD}; session {ws.id}, join code {ws.join_code}")


@cli.command("export-protocol")
@click.argument("session_id", type=int)
@click.option("--format", "fmt", type=click.Choice(["md", "html"]), default="md", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
def export_protocol_command(session_id: int, fmt: str, output: Path):
    """Write a session's protocol (Ergebnisprotokoll) to FILE."""
    from workshop.protocols.export import export_protocol
    from workshop.sessions.models import WorkshopSession

    app = _app()
    with app.test_request_context():  # templates need a request for url_for
        session = app.extensions["workshop.db"]()
        ws = session.get(WorkshopSession, session_id)
        if ws is None:
            raise click.ClickException(f"there is no session {session_id}")
        text, _mimetype = export_protocol(session, ws, fmt)
    output.write_text(text, encoding="utf-8")
    click.echo(f"Protocol of session {session_id} written to {output}")


@cli.group()
def templates():
    """Session templates."""


@templates.command("check")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
def templates_check(files: tuple[Path, ...]):
    """Validate session templates (default: all in session_templates/)."""
    from workshop.config import SESSION_TEMPLATE_DIR
    from workshop.sessions.templates import check_templates

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
