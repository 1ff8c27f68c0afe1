"""Retention (docs/privacy.md): personal data of old sessions is purged, results stay. In-process,
over a migrated SQLite database, through the same engine the sockets use."""

from __future__ import annotations

import json
from datetime import timedelta

from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from tests.conftest import migrated_sqlite
from workshop.accounts.service import create_facilitator
from workshop.activities.models import Card
from workshop.agenda.create import create_session
from workshop.db import make_engine, utcnow
from workshop.live import engine
from workshop.live.models import Event
from workshop.measures.models import Measure
from workshop.ops import Actor
from workshop.privacy import purge
from workshop.sessions.models import Participant, WorkshopSession
from workshop.sessions.service import participant_by_token


def _room(factory, fid, mid):
    with factory() as db:
        ws = create_session(db, measure_id=mid, facilitator_id=fid, template_key="framing")
        db.commit()
        sid = ws.id
    joined = engine.apply(
        factory, sid, Actor.system(), {"type": "participant.join", "payload": {"display_name": "Erika Mustermann"}}
    )
    person = Actor("participant", joined.result["participant_id"])
    fac = Actor("facilitator", fid)
    engine.apply(factory, sid, fac, {"type": "session.start", "payload": {}})
    kept = engine.apply(
        factory, sid, person, {"type": "card.add", "payload": {"step_key": "approaches", "text": "bleibt im Ergebnis"}}
    ).result["card_id"]
    gone = engine.apply(
        factory,
        sid,
        person,
        {"type": "card.add", "payload": {"step_key": "approaches", "text": "Telefon 0176 1234567"}},
    ).result["card_id"]
    engine.apply(factory, sid, person, {"type": "card.delete", "payload": {"card_id": gone}})
    engine.apply(factory, sid, fac, {"type": "session.end", "payload": {}})
    return sid, joined.result["token"], kept, gone


def _stored(factory, sid) -> str:
    with factory() as db:
        events = db.scalars(select(Event).where(Event.session_id == sid)).all()
        return json.dumps([[e.payload, e.public_payload, e.result] for e in events], ensure_ascii=False)


def test_retention_purges_names_tokens_and_deleted_texts_of_old_sessions(tmp_path):
    url = migrated_sqlite(tmp_path / "w.db")
    factory = sessionmaker(bind=make_engine(url), expire_on_commit=False)
    with factory() as db:
        fid = create_facilitator(db, "m@example.org", "M", "correct horse battery").id
        measure = Measure(title="M")
        db.add(measure)
        db.commit()
        mid = measure.id
    old, old_token, old_kept, old_gone = _room(factory, fid, mid)
    new, new_token, _kept, new_gone = _room(factory, fid, mid)
    with factory() as db:
        db.get(WorkshopSession, old).ended_at = utcnow() - timedelta(days=100)
        db.commit()
    assert "Telefon 0176" in _stored(factory, old) and "Erika" in _stored(factory, old)

    with factory() as db:
        done = purge(db, 90)
    assert done["sessions"] == 1 and done["participants"] == 1 and done["deleted_cards"] == 1

    with factory() as db:
        assert [p.display_name for p in db.scalars(select(Participant).where(Participant.session_id == old))] == [None]
        assert participant_by_token(db, old, old_token) is None  # the phone's token no longer works
        assert db.get(Card, old_gone).text == "" and db.get(Card, old_kept).text == "bleibt im Ergebnis"
        # The recent session is untouched.
        assert db.get(Card, new_gone).text == "Telefon 0176 1234567"
        assert participant_by_token(db, new, new_token) is not None
    stored = _stored(factory, old)
    assert "Telefon 0176" not in stored and "Erika" not in stored and old_token not in stored
    assert "bleibt im Ergebnis" in stored
    assert "Erika" in _stored(factory, new)
    with factory() as db:  # idempotent
        assert purge(db, 90)["deleted_cards"] == 0


def test_purge_command(tmp_path, monkeypatch):
    from workshop.cli import cli

    url = f"sqlite:///{tmp_path / 'w.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("WORKSHOP_RETENTION_DAYS", "0")
    refused = CliRunner().invoke(cli, ["purge"])
    assert refused.exit_code != 0 and "retention is off" in refused.output
    result = CliRunner().invoke(cli, ["purge", "--days", "30"])
    assert result.exit_code == 0, result.output
    assert "Purged sessions older than 30 days: 0 session(s)" in result.output


def test_the_purge_leaves_no_name_in_final_protocols_and_no_text_from_before_an_edit(tmp_path):
    """Issue 29, finding 4: a final protocol version names the participants ("1 (namentlich: …)"),
    and the events keep a card's (or an action item's) text from before an edit, e.g. a phone
    number edited away; neither may survive the purge."""
    from workshop.protocols.model import Protocol
    from workshop.protocols.models import ProtocolVersion
    from workshop.protocols.service import finalize

    url = migrated_sqlite(tmp_path / "w.db")
    factory = sessionmaker(bind=make_engine(url), expire_on_commit=False)
    with factory() as db:
        fid = create_facilitator(db, "m@example.org", "M", "correct horse battery").id
        measure = Measure(title="M")
        db.add(measure)
        db.flush()
        sid = create_session(db, measure_id=measure.id, facilitator_id=fid, template_key="co_drafting").id
        db.commit()
    fac = Actor("facilitator", fid)

    def do(actor, op_type, **payload):
        return engine.apply(factory, sid, actor, {"type": op_type, "payload": payload}).result

    person = Actor(
        "participant",
        do(Actor.system(), "participant.join", display_name="Erika Mustermann", named_in_protocol=True)[
            "participant_id"
        ],
    )
    do(fac, "session.start")
    card = do(person, "card.add", step_key="draft", column_key="objectives", text="Ruf an: 0176 1234567")["card_id"]
    do(person, "card.edit", card_id=card, text="Mehr Bänke am Markt")
    do(fac, "step.goto", step_key="next_steps")
    item = do(person, "action.add", who="Erika, 0176 7654321", what="Einladen")["item_id"]
    do(person, "action.edit", item_id=item, who="Erika", what="Einladen")
    do(fac, "session.end")
    with factory() as db:
        ws = db.get(WorkshopSession, sid)
        finalize(db, ws, fid)
        ws.ended_at = utcnow() - timedelta(days=100)
        db.commit()
        version = db.scalars(select(ProtocolVersion).where(ProtocolVersion.session_id == sid)).one()
        assert "Erika Mustermann" in json.dumps(version.document, ensure_ascii=False)
    assert "0176 1234567" in _stored(factory, sid) and "0176 7654321" in _stored(factory, sid)

    with factory() as db:
        purge(db, 90)
    with factory() as db:
        version = db.scalars(select(ProtocolVersion).where(ProtocolVersion.session_id == sid)).one()
        document = json.dumps(version.document, ensure_ascii=False)
        assert "Erika Mustermann" not in document, "a final protocol version keeps a participant's name"
        assert Protocol.from_dict(version.document).participants == "1"
        assert "Mehr Bänke am Markt" in document, "the results stay"
    stored = _stored(factory, sid)
    assert "0176 1234567" not in stored, "the events keep a card's text from before an edit"
    assert "0176 7654321" not in stored, "the events keep an action item's text from before an edit"
    assert "Mehr Bänke am Markt" in stored and "Erika Mustermann" not in stored
    with factory() as db:
        assert purge(db, 90)["events"] == 0, "a second purge changes nothing"
