"""A room voting at once: ops are applied in batches (group commit) and events go out in
batches, and still every vote counts once, no budget is overspent and every screen agrees."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from tests.conftest import running_server
from workshop.accounts.service import create_facilitator
from workshop.activities.models import Card, Vote
from workshop.agenda.create import create_session
from workshop.app import create_app
from workshop.live import engine
from workshop.live.models import Event
from workshop.live.transport import op_queue
from workshop.measures.models import Measure
from workshop.migrate import upgrade
from workshop.ops import FACILITATOR, PARTICIPANT, Actor

PEOPLE = 16
BUDGET = 5  # the framing template's vote step


def _open_vote(fac) -> list[int]:
    assert fac.op("step.goto", step_key="questions")["ok"]
    ids = [fac.op("card.add", step_key="questions", text=f"Frage {i}")["result"]["card_id"] for i in range(6)]
    assert fac.op("step.goto", step_key="vote")["ok"]
    return ids


@pytest.fixture(params=["eventlet", "gevent"])
def room(request, database_url, tmp_path):
    """A started framing session of PEOPLE phones, served in each async mode (gevent is what
    docs/deployment.md recommends for production; eventlet is `workshop serve`'s default)."""
    with running_server(database_url, tmp_path, {"SOCKETIO_ASYNC_MODE": request.param}) as server:
        sid, code = server.session(server.facilitator(), server.measure())
        fac = server.facilitator_client(sid, server.login())
        people = [server.participant(sid, code) for _ in range(PEOPLE)]
        assert fac.op("session.start")["ok"]
        yield server, sid, fac, people
        # In parallel: under gevent the server does not answer a websocket close frame, and
        # each client then waits out websocket-client's 3 s close timeout.
        with ThreadPoolExecutor(PEOPLE + 1) as pool:
            list(pool.map(lambda client: client.close(), [fac, *people]))


def test_a_room_voting_at_once_counts_every_vote_once_and_every_screen_agrees(room):
    server, sid, fac, people = room
    ids = _open_vote(fac)

    def vote_six_times(index_client):
        index, client = index_client
        # Six taps in a row: the sixth is one more than the budget.
        return [client.op("vote.add", card_id=ids[(index + j) % 3]) for j in range(BUDGET + 1)]

    with ThreadPoolExecutor(PEOPLE) as pool:
        acks = [ack for per_person in pool.map(vote_six_times, enumerate(people)) for ack in per_person]

    accepted = [a for a in acks if a["ok"]]
    assert len(accepted) == PEOPLE * BUDGET
    assert {a["error"]["code"] for a in acks if not a["ok"]} == {"budget_exhausted"}
    assert len({a["seq"] for a in accepted}) == len(accepted)  # one event each, none shared
    with server.db() as db:
        stored = db.scalar(select(func.sum(Vote.count)).where(Vote.session_id == sid))
        per_person = (
            db.execute(select(func.sum(Vote.count)).where(Vote.session_id == sid).group_by(Vote.participant_id))
            .scalars()
            .all()
        )
        totals = dict(
            db.execute(
                select(Vote.card_id, func.sum(Vote.count)).where(Vote.session_id == sid).group_by(Vote.card_id)
            ).all()
        )
        last_seq = db.scalar(select(func.max(Event.seq)).where(Event.session_id == sid))
    assert stored == PEOPLE * BUDGET and max(per_person) == BUDGET
    for client in [fac, *people]:
        client.wait_seq(last_seq)
        assert client.totals("vote") == totals
        assert client.state["seq"] == last_seq
    # Events that came faster than the broadcast window arrived as batches, in seq order.
    assert fac.batches, "the facilitator never received an 'events' batch"
    for batch in fac.batches:
        seqs = [e["seq"] for e in batch]
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))


def test_a_refused_op_in_a_batch_changes_nothing_and_leaves_the_others_applied(live):
    server, sid, fac = live["server"], live["session_id"], live["facilitator"]
    ids = _open_vote(fac)
    alone = server.participant(sid, live["code"])
    live["clients"].append(alone)
    a, b = (Actor(PARTICIPANT, c.state["me"]["id"]) for c in (live["a"], alone))
    with server.db() as db:
        seq_before = db.scalar(select(func.max(Event.seq)).where(Event.session_id == sid))

    outcomes = engine.apply_batch(
        server.sessions,
        sid,
        [
            (a, {"type": "vote.add", "op_id": "first-vote-1", "payload": {"card_id": ids[0]}}),
            (b, {"type": "vote.add", "payload": {"card_id": 999999}}),  # no such card
            (b, {"type": "vote.add", "payload": {"card_id": "many"}}),  # not even a number
            (b, {"type": "vote.add", "payload": {"card_id": ids[1]}}),
            (a, {"type": "vote.add", "op_id": "first-vote-1", "payload": {"card_id": ids[0]}}),  # a retry
        ],
    )

    kinds = [
        o.code if isinstance(o, engine.Rejected) else ("duplicate" if o.duplicate else "applied") for o in outcomes
    ]
    assert kinds == ["applied", "card_not_found", "invalid", "applied", "duplicate"]
    assert [outcomes[0].seq, outcomes[3].seq, outcomes[4].seq] == [seq_before + 1, seq_before + 2, seq_before + 1]
    with server.db() as db:
        votes = db.execute(select(Vote.participant_id, Vote.card_id, Vote.count).where(Vote.session_id == sid)).all()
        seqs = db.scalars(select(Event.seq).where(Event.session_id == sid, Event.seq > seq_before)).all()
    assert sorted(votes) == sorted([(a.id, ids[0], 1), (b.id, ids[1], 1)])
    assert seqs == [seq_before + 1, seq_before + 2]


def test_when_a_whole_batch_fails_its_ops_are_applied_one_by_one(tmp_path, monkeypatch):
    """A database failure on the batch's transaction (here: forced) must not cost every op in
    it: each is tried alone, so only the one that really fails is refused."""
    url = f"sqlite:///{tmp_path / 'queue.db'}"
    upgrade(url)
    app = create_app({"DATABASE_URL": url, "SOCKETIO_ASYNC_MODE": "threading", "SECRET_KEY": "x" * 40})
    queue, sessions = app.extensions["workshop.op_queue"], app.extensions["workshop.db"].session_factory
    with sessions() as db:
        fid = create_facilitator(db, "queue@example.org", "Q", "queue-password-1").id
        measure = Measure(title="Q")
        db.add(measure)
        db.flush()
        sid = create_session(db, measure_id=measure.id, facilitator_id=fid, template_key="framing").id
        db.commit()
    fac = Actor(FACILITATOR, fid)
    engine.apply(sessions, sid, fac, {"type": "session.start"})

    real_apply_batch, seen = engine.apply_batch, []

    def flaky(db_factory, session_id, ops):
        seen.append(len(ops))
        if len(ops) > 1:
            raise RuntimeError("the database went away for this transaction")
        if ops[0][1]["payload"].get("text") == "poison":
            raise RuntimeError("this one breaks every transaction it is in")
        return real_apply_batch(db_factory, session_id, ops)

    monkeypatch.setattr(op_queue.engine, "apply_batch", flaky)
    texts = ["eins", "poison", "drei"]
    items = [
        op_queue._Waiting(fac, {"type": "card.add", "payload": {"step_key": "approaches", "text": t}}) for t in texts
    ]
    queue._waiting[sid] = list(items)
    queue._working.add(sid)
    queue._work(sid)

    assert seen == [3, 1, 1, 1]
    codes = [i.outcome.code if isinstance(i.outcome, engine.Rejected) else "applied" for i in items]
    assert codes == ["applied", "internal", "applied"]
    with sessions() as db:
        assert sorted(db.scalars(select(Card.text).where(Card.session_id == sid))) == ["drei", "eins"]
