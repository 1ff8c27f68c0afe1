"""live.submit(): the one way in, from an HTTP request and from a plain thread, in-process.

The app's broadcaster is watched instead of a socket client: Flask-SocketIO registers the socket
handlers on the first app a process creates only, and what matters here is that submit()
commits first and then hands the event to the broadcaster.
"""

from __future__ import annotations

import threading

import pytest

from workshop import live
from workshop.live.engine import Applied
from workshop.live.models import Event
from workshop.ops import Actor, Rejected


@pytest.fixture
def app(threading_app):
    return threading_app()


@pytest.fixture
def broadcast(app, sessions):
    """The events handed to the broadcaster, each checked to be committed already."""
    sent: list[dict] = []
    broadcaster = app.extensions["workshop.broadcaster"]

    def send(session_id, staff_event, public_event, can_wait=False, personal=None):
        with sessions() as db:  # a fresh connection sees only what is committed
            assert db.query(Event).filter_by(session_id=session_id, seq=staff_event["seq"]).one()
        sent.append(staff_event)

    broadcaster.send = send
    return sent


def test_http_join_goes_through_submit_and_is_broadcast(app, make_room, broadcast):
    room = make_room("framing")
    with room.db() as db:
        code = room.ws(db).join_code
    joined = app.test_client().post("/api/join", json={"code": code, "display_name": "Kim"}).get_json()
    assert joined["ok"], joined
    assert [e["type"] for e in broadcast] == ["participant.joined"]


def test_a_plain_thread_submits_and_gets_the_outcome(app, make_room, broadcast):
    room = make_room("framing")
    outcomes: list = []
    worker = threading.Thread(
        target=lambda: outcomes.append(
            live.submit(room.session_id, room.facilitator, {"type": "session.start"}, app=app)
        )
    )
    worker.start()
    worker.join(timeout=10)
    assert isinstance(outcomes[0], Applied), outcomes
    assert [e["type"] for e in broadcast] == ["session.started"]

    with app.app_context():  # in a handler: the current app, no app= needed
        refused = live.submit(room.session_id, room.facilitator, {"type": "session.start"})
    assert isinstance(refused, Rejected) and refused.code == "wrong_session_state"
    assert len(broadcast) == 1  # a refusal changes nothing and tells the room nothing


def test_submit_outside_the_app_says_what_to_do():
    with pytest.raises(RuntimeError, match="pass app"):
        live.submit(1, Actor.system(), {"type": "session.start"})


def test_the_cli_ends_a_session_through_submit(make_room, database_url, monkeypatch):
    from click.testing import CliRunner

    from workshop.cli import cli

    room = make_room("framing")
    room.start()
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("SOCKETIO_ASYNC_MODE", raising=False)  # the default, as an operator runs it
    ended = CliRunner().invoke(cli, ["session", "end", str(room.session_id)])
    assert ended.exit_code == 0, ended.output
    with room.db() as db:
        ws = room.ws(db)
        assert ws.status == "ended"
        assert db.query(Event).filter_by(session_id=room.session_id, seq=ws.last_seq).one().type == "session.ended"
    again = CliRunner().invoke(cli, ["session", "end", str(room.session_id)])
    assert again.exit_code == 1 and "This session has ended." in again.output
