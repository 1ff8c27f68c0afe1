"""SQLite under eventlet: a writer that waits for the write lock must not stop the whole process.

pysqlite waits for a busy database inside C (sqlite3_sleep), which eventlet cannot switch away
from: if the greenlet holding the write lock has yielded (a tpool call such as password hashing
or PDF rendering, a socket write), it can never run again to commit, and both wait out the busy
timeout ("database is locked") while every other request of the process stands still. The
regression: a holder that yields while a second writer waits; both rows must be stored.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = r"""
import eventlet
eventlet.monkey_patch()
import sys
from sqlalchemy import text
from workshop.db import make_engine

engine = make_engine("sqlite:///" + sys.argv[1], sqlite_busy_timeout=2)
with engine.begin() as c:
    c.execute(text("CREATE TABLE t (x INTEGER)"))
holding = eventlet.event.Event()

def holder():
    with engine.begin() as c:
        c.execute(text("INSERT INTO t VALUES (1)"))  # takes the write lock
        holding.send()
        eventlet.sleep(0.3)  # yields with the lock held, as a tpool call or an emit does

def waiter():
    holding.wait()
    with engine.begin() as c:
        c.execute(text("INSERT INTO t VALUES (2)"))

a, b = eventlet.spawn(holder), eventlet.spawn(waiter)
a.wait()
b.wait()
with engine.connect() as c:
    print(sorted(x for (x,) in c.execute(text("SELECT x FROM t"))))
"""


def test_a_waiting_writer_lets_the_lock_holder_commit(tmp_path: Path):
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path / "busy.sqlite")],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[1, 2]"


def test_an_account_is_created_while_others_commit(sessions, monkeypatch):
    """Hashing a password takes a while; another connection commits meanwhile (the server does,
    all the time). In WAL mode a transaction that read before that commit may not write after
    it (SQLITE_BUSY_SNAPSHOT, 'database is locked', no waiting helps): the hash must come first.
    """
    from werkzeug.security import generate_password_hash

    from workshop.accounts import models as account_models
    from workshop.accounts.models import Facilitator
    from workshop.accounts.service import create_facilitator

    def hash_while_another_commits(password, method):
        with sessions() as other:
            other.add(Facilitator(email=f"other{len(password)}@example.org", display_name="Other", password_hash="x"))
            other.commit()
        return generate_password_hash(password, method=method)

    monkeypatch.setattr(account_models, "generate_password_hash", hash_while_another_commits)
    with sessions() as db:
        user = create_facilitator(db, "neu@example.org", "Neu", "ein-langes-passwort")
        db.commit()
        assert db.get(Facilitator, user.id).email == "neu@example.org"
