"""In-process fixtures: the engine and the activities over a migrated SQLite file, no server.

A test here calls engine.apply (or live.submit with an in-process app) and reads the database;
nothing listens on a port, so the whole folder runs in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import migrated_sqlite
from workshop.accounts.models import Facilitator
from workshop.agenda.create import create_session
from workshop.app import create_app
from workshop.db import make_engine
from workshop.live import engine
from workshop.live.engine import Applied
from workshop.measures.models import Measure
from workshop.ops import FACILITATOR, PARTICIPANT, Actor, Rejected
from workshop.sessions.models import WorkshopSession


@pytest.fixture
def database_url(tmp_path):
    """A copy of the run's migrated SQLite file (tests/conftest.py)."""
    return migrated_sqlite(tmp_path / "workshop.db")


@pytest.fixture
def sessions(database_url):
    db_engine = make_engine(database_url)
    yield sessionmaker(bind=db_engine, expire_on_commit=False)
    db_engine.dispose()


@dataclass
class Room:
    """One session of a template, its facilitator and helpers to act in it through the engine."""

    sessions: sessionmaker
    session_id: int
    facilitator: Actor

    def apply(self, actor: Actor, op_type: str, **payload) -> Applied:
        return engine.apply(self.sessions, self.session_id, actor, {"type": op_type, "payload": payload})

    def refused(self, actor: Actor, op_type: str, **payload) -> Rejected:
        with pytest.raises(Rejected) as caught:
            self.apply(actor, op_type, **payload)
        return caught.value

    def join(self, name: str = "", named_in_protocol: bool = False) -> Actor:
        applied = self.apply(Actor.system(), "participant.join", display_name=name, named_in_protocol=named_in_protocol)
        return Actor(PARTICIPANT, applied.result["participant_id"])

    def start(self) -> None:
        self.apply(self.facilitator, "session.start")

    def goto(self, step_key: str) -> None:
        self.apply(self.facilitator, "step.goto", step_key=step_key)

    def db(self) -> Session:
        return self.sessions()

    def ws(self, db: Session) -> WorkshopSession:
        return db.get(WorkshopSession, self.session_id)


@pytest.fixture
def make_room(sessions):
    def make(template_key: str = "framing") -> Room:
        with sessions() as db:
            # Not create_facilitator: hashing a password costs half a second, and nobody logs in here.
            user = Facilitator(email=f"mod-{template_key}@example.org", display_name="Mo Deration", password_hash="!")
            db.add(user)
            measure = Measure(title="Testmaßnahme")
            db.add(measure)
            db.flush()
            ws = create_session(db, measure_id=measure.id, facilitator_id=user.id, template_key=template_key)
            db.commit()
            return Room(sessions, ws.id, Actor(FACILITATOR, user.id))

    return make


@pytest.fixture
def threading_app(database_url):
    """Makes the app in threading mode with no server (broadcasts are watched by the test, not sent)."""

    def make(**config):
        settings = {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test",
            "SOCKETIO_ASYNC_MODE": "threading",
            "RATELIMIT_ENABLED": False,
            "BROADCAST_WINDOW_MS": 0,
        }
        return create_app(settings | config)

    return make
