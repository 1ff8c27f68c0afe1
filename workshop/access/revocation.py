"""Open sockets lose what no longer holds, on every process.

A socket is checked when it connects; what it may see can end later: a logout (every cookie of
the account stops working), a revoked projector link, a staff member taken off the session's or
the measure's team. The process that handles the change sweeps at once (`now()`, after the
commit), closing its own sockets; sockets on other processes are found by the sweep each
process runs every few seconds over its own open staff sockets, so no message between
processes is needed and a process that missed something (a restarted Redis) still catches up.
Phones are not swept: a participant's token ends only with their data.

Each transport (the live session, co-drafting) registers a check that returns the sockets to
close; this module runs them and closes those sockets.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from workshop.accounts.models import Facilitator
from workshop.validation import whole_number

log = logging.getLogger("workshop.access")

# (socket id, namespace) of each socket that must close
Check = Callable[[Session], Iterable[tuple[str, str]]]
_checks: list[Check] = []


def register(check: Check) -> None:
    if check not in _checks:
        _checks.append(check)


def stale_logins(db: Session, logins: dict[str, str]) -> set[str]:
    """Of {socket id: the login id its cookie carried ("<facilitator id>.<epoch>")}, the sockets
    whose login no longer holds: logged out since, or the account is gone."""
    owners = {sid: whole_number(login.split(".", 1)[0]) for sid, login in logins.items()}
    ids = {owner for owner in owners.values() if owner is not None}
    current = {f.id: f.get_id() for f in db.scalars(select(Facilitator).where(Facilitator.id.in_(ids)))} if ids else {}
    stale = set()
    for sid, login in logins.items():
        owner = owners[sid]
        if owner is None or current.get(owner) != login:
            stale.add(sid)
    return stale


def sweep(db_factory) -> int:
    """Run every check once; close what they name. Returns how many sockets were closed."""
    from workshop.extensions import socketio

    closed = 0
    with db_factory() as db:
        for check in list(_checks):
            try:
                doomed = list(check(db))
            except Exception:  # one transport's fault must not stop the others' sweep
                log.exception("revocation check %s failed", getattr(check, "__name__", check))
                continue
            for sid, namespace in doomed:
                socketio.server.disconnect(sid, namespace=namespace)
                closed += 1
    if closed:
        log.info("closed %d socket(s) whose login, link or team role ended", closed)
    return closed


def now() -> int:
    """Sweep at once, in a request that has just committed a logout, a revocation or a team change."""
    from flask import current_app

    return sweep(current_app.extensions["workshop.db"].session_factory)


def run_periodically(app, seconds: float) -> None:
    """The sweep, forever, every `seconds` (a background task of the server)."""
    while True:
        time.sleep(seconds)  # green under eventlet/gevent: the server started with the monkey patch
        try:
            with app.app_context():
                sweep(app.extensions["workshop.db"].session_factory)
        except Exception:
            log.exception("revocation sweep failed")
