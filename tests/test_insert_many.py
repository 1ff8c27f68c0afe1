"""db.insert_many: one statement per batch on PostgreSQL (unnest over arrays), the plain INSERT
elsewhere. What it stores must be byte for byte what `insert(Model), rows` stores: the event
log is replayed to phones as stored, and a JSON null must not turn into SQL NULL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.orm import sessionmaker

from tests.conftest import migrated_sqlite
from workshop.accounts.models import Facilitator
from workshop.agenda.create import create_session
from workshop.db import insert_many, make_engine
from workshop.live.models import Event
from workshop.measures.models import Measure


@pytest.fixture(params=["sqlite", "postgresql"])
def migrated(request, tmp_path, postgres_url_or_none):
    url = migrated_sqlite(tmp_path / "w.db") if request.param == "sqlite" else postgres_url_or_none()
    engine = make_engine(url)
    yield sessionmaker(bind=engine, expire_on_commit=False)
    engine.dispose()


@pytest.fixture
def postgres_url_or_none(request):
    def get():
        return request.getfixturevalue("postgres_url")

    return get


def _events(session_id: int, first_seq: int) -> list[dict]:
    at = datetime(2026, 12, 4, 18, 0, tzinfo=UTC)
    return [
        {
            "session_id": session_id,
            "seq": first_seq + i,
            "type": "vote.changed",
            "payload": {"card_id": i, "text": "Straßenbäume für die Südstadt", "list": [1, None, "ü"]},
            "public_payload": None if i % 2 else {"redacted": True},
            "op_id": None if i % 3 == 0 else f"op-{first_seq + i:08d}",
            "actor": f"participant:{i}",
            "result": {},
            "created_at": at + timedelta(microseconds=i),
        }
        for i in range(5)
    ]


def test_insert_many_stores_what_a_plain_insert_stores(migrated):
    with migrated() as db, db.begin():
        user = Facilitator(email="a@example.org", display_name="A", password_hash="!")
        measure = Measure(title="M")
        db.add_all([user, measure])
        db.flush()
        sid = create_session(db, measure_id=measure.id, facilitator_id=user.id, template_key="framing").id
        db.execute(insert(Event), _events(sid, 100))
        insert_many(db, Event, _events(sid, 200))
    columns = "seq, type, payload, public_payload, public_payload IS NULL, op_id, actor, result, created_at"
    with migrated() as db:
        raw = db.execute(text(f"SELECT {columns} FROM events WHERE session_id = :s ORDER BY seq"), {"s": sid}).all()
        loaded = db.scalars(select(Event).where(Event.session_id == sid).order_by(Event.seq)).all()
    plain, many = [r for r in raw if r[0] >= 100 and r[0] < 200], [r for r in raw if r[0] >= 200]
    assert len(plain) == len(many) == 5

    def same_apart_from_op_id(row):  # (op_ids must differ: they are unique per session)
        return (*row[1:5], row[5] is None, *row[6:])

    assert [same_apart_from_op_id(r) for r in plain] == [same_apart_from_op_id(r) for r in many]
    by_seq = {e.seq: e for e in loaded}
    for i in range(5):
        a, b = by_seq[100 + i], by_seq[200 + i]
        assert (a.payload, a.public_payload, a.result, a.created_at) == (
            b.payload,
            b.public_payload,
            b.result,
            b.created_at,
        )
        assert b.created_at.tzinfo is not None


def test_insert_many_refuses_rows_without_a_column_that_has_a_python_default(postgres_url):
    """On PostgreSQL the column would be NULL (the plain INSERT on SQLite applies the default itself)."""
    engine = make_engine(postgres_url)
    row = {k: v for k, v in _events(1, 1)[0].items() if k != "created_at"}
    try:
        with sessionmaker(bind=engine)() as db, pytest.raises(ValueError, match="give created_at"):
            insert_many(db, Event, [row])
    finally:
        engine.dispose()


def test_a_string_too_long_for_its_column_is_refused_not_cut(postgres_url):
    """As the plain INSERT does ("value too long"); an explicit cast to VARCHAR(40)[] would have
    cut it to 40 characters and stored it."""
    from sqlalchemy.exc import DataError

    engine = make_engine(postgres_url)
    try:
        with sessionmaker(bind=engine)() as db:
            user = Facilitator(email="b@example.org", display_name="B", password_hash="!")
            measure = Measure(title="M")
            db.add_all([user, measure])
            db.flush()
            sid = create_session(db, measure_id=measure.id, facilitator_id=user.id, template_key="framing").id
            db.commit()
            row = _events(sid, 1)[1] | {"actor": "participant:" + "9" * 40}  # 52 characters, the column 40
            with pytest.raises(DataError, match="too long"):
                insert_many(db, Event, [row])
            db.rollback()
            assert db.scalar(select(Event.id).where(Event.session_id == sid)) is None
    finally:
        engine.dispose()
