"""The co-drafting write path in-process: the check of each update on the field's document (which
reads the text out of the document only where a limit could be reached) and what the document
holds when storing fails. No server: the hub's batch writer over a migrated SQLite file."""

from __future__ import annotations

import threading
from base64 import b64decode

import pytest
from pycrdt import Doc, Text

from workshop.accounts.models import Facilitator
from workshop.drafting.field_doc import FieldDoc
from workshop.drafting.hub import FIELD_TEXT_MAX, DraftHub, _check, _Waiting
from workshop.drafting.store import UpdateStore, saving_paused
from workshop.measures.field_values import FieldValueError
from workshop.measures.models import Measure
from workshop.ops import Rejected


class Editor:
    """A browser's Yjs document, kept in step with the server's by hand."""

    def __init__(self, fd: FieldDoc):
        self.doc = Doc(client_id=4321)  # fixed: a random id may hold a line-break byte
        self.doc.apply_update(fd.doc.get_update())

    def type(self, change) -> bytes:
        before = self.doc.get_state()
        change(self.doc.get("text", type=Text))
        return self.doc.get_update(before)


def _field(text: str) -> FieldDoc:
    fd = FieldDoc(1, "title")
    source = Doc(client_id=1111)  # fixed, as the editors'
    source.get("text", type=Text).insert(0, text)
    fd.apply(source.get_update())
    return fd


def test_typing_into_a_blank_second_line_of_a_one_line_field_is_refused():
    """The update adds no line break (no line-break byte), yet it turns a blank line into a second
    value: the text had a line break, so the check reads it (a check that trusted the update's bytes
    alone let it through)."""
    fd = _field("Titel\n")
    editor = Editor(fd)
    update = editor.type(lambda t: t.insert(len(t), "zweiter Wert"))
    assert b"\n" not in update and b"\r" not in update
    with pytest.raises(FieldValueError):
        _check(fd, update, one_line=True)


def test_a_one_line_field_without_line_breaks_takes_typing_and_refuses_a_new_line():
    fd = _field("Titel")
    editor = Editor(fd)
    assert _check(fd, editor.type(lambda t: t.insert(len(t), " A")), one_line=True)
    assert fd.newline_free  # learnt on the way: the next plain keystroke needs no read of the text
    assert _check(fd, editor.type(lambda t: t.insert(len(t), "B")), one_line=True)
    assert fd.text == "Titel AB"
    with pytest.raises(FieldValueError):
        _check(fd, Editor(fd).type(lambda t: t.insert(len(t), "\nC")), one_line=True)


def test_the_limit_counts_characters_not_bytes():
    """ä is two bytes in UTF-8: a text just under the limit in characters is far over it in bytes
    and must still take characters up to the limit (and refuse the one past it)."""
    fd = _field("ä" * (FIELD_TEXT_MAX - 3))
    editor = Editor(fd)
    assert _check(fd, editor.type(lambda t: t.insert(len(t), "äää")), one_line=False)
    assert len(fd.text) == FIELD_TEXT_MAX
    with pytest.raises(Rejected) as refused:
        _check(fd, editor.type(lambda t: t.insert(len(t), "ä")), one_line=False)
    assert refused.value.code == "too_long"


def test_an_update_the_document_has_already_is_nothing_new_even_a_deletion():
    fd = _field("Hallo Welt")
    editor = Editor(fd)
    typed = editor.type(lambda t: t.insert(5, ","))
    deleted = editor.type(lambda t: t.__delitem__(slice(0, 1)))
    assert _check(fd, typed, one_line=False) and _check(fd, deleted, one_line=False)
    assert fd.text == "allo, Welt"
    assert not _check(fd, typed, one_line=False)  # a resend after a lost answer
    assert not _check(fd, deleted, one_line=False)  # a deletion resent changes no state vector


@pytest.fixture
def stored_field(sessions):
    """A measure whose short description holds "gespeichert", stored through the hub's batch
    writer (no server: a hub with only its store): (hub, field document, editor, author id)."""
    with sessions() as db:
        measure = Measure(title="Spielplätze")
        author = Facilitator(email="draft@example.org", display_name="Dr. Aft", password_hash="!")
        db.add_all([measure, author])
        db.commit()
        measure_id, author_id = measure.id, author.id
    hub = object.__new__(DraftHub)
    hub.store = UpdateStore(sessions)
    fd = FieldDoc(measure_id, "short_description")
    editor = Editor(fd)
    stored = _Waiting(editor.type(lambda t: t.insert(0, "gespeichert")), author_id, None, threading.Event())
    assert hub._write_batch(fd, [stored]) == [stored]
    return hub, fd, editor, author_id


class FailingStore(UpdateStore):
    """Reads as usual; every write fails the way a database that went away does."""

    def append_many(self, db, measure_id, field_key, updates):
        raise saving_paused()


def test_a_batch_that_could_not_be_stored_leaves_nothing_of_it_in_the_document(sessions, stored_field):
    """Each update is applied to the document before the batch is stored. If storing fails, the
    document starts over from the log: otherwise a joining editor would be sent text that is in no
    log, and the record would get it at the next save."""
    hub, fd, editor, author_id = stored_field

    hub.store = FailingStore(sessions)
    lost = _Waiting(editor.type(lambda t: t.insert(len(t), " verloren")), author_id, None, threading.Event())
    with pytest.raises(Rejected) as refused:
        hub._write_batch(fd, [lost])
    assert refused.value.code == "saving_paused"

    hub.store = UpdateStore(sessions)
    with hub.store.reading() as db:
        hub.catch_up(fd, db)
    assert fd.text == "gespeichert"


def test_a_batch_goes_out_as_one_message_per_editor_and_nobody_gets_their_own_back(monkeypatch):
    """Three updates stored together (two from one editor): the editors who sent none get one
    message with all three, each sender one with what the others sent. One by one it was three
    messages to everyone in the room."""
    from workshop.drafting import room

    sent = []
    monkeypatch.setattr(
        room.socketio, "emit", lambda event, data, to, skip_sid, namespace: sent.append((data, to, skip_sid))
    )
    fd = _field("")
    a, b = Editor(fd), Editor(fd)
    b.doc = Doc(client_id=8765)
    a1 = a.type(lambda t: t.insert(0, "A"))
    a2 = a.type(lambda t: t.insert(1, "a"))
    b1 = b.type(lambda t: t.insert(0, "B"))
    room.updates(1, "title", [(a1, "sid-a"), (b1, "sid-b"), (a2, "sid-a")])

    def text_after(update_b64: str) -> str:
        doc = Doc()
        doc.apply_update(b64decode(update_b64))
        return str(doc.get("text", type=Text))

    assert [(to, skip) for _, to, skip in sent] == [("measure:1", ["sid-a", "sid-b"]), ("sid-a", None), ("sid-b", None)]
    everyone, to_a, to_b = (data["update"] for data, _, _ in sent)
    assert sorted(text_after(everyone)) == sorted("AaB")
    assert text_after(to_a) == "B"  # only b's
    assert text_after(to_b) == "Aa"  # both of a's, nothing of b's own


def test_bytes_that_make_pycrdt_panic_are_refused_like_any_invalid_update(monkeypatch):
    """pyo3 reports a Rust panic as PanicException, which is no Exception: it went past the check
    and ended the field's writer, and every later update of the field waited for ever."""

    class PanicException(BaseException):  # the name is what pyo3_runtime's class has
        pass

    fd = _field("Titel")

    def panics(update: bytes) -> None:
        raise PanicException("called `Result::unwrap()` on an `Err` value")

    monkeypatch.setattr(fd, "apply", panics)
    with pytest.raises(Rejected) as refused:
        _check(fd, b"\x01\x02", one_line=False)
    assert refused.value.code == "invalid_update"


def test_a_joiner_gets_the_whole_document_even_if_a_batch_failed_just_before(stored_field, monkeypatch):
    """A join catches the document up, lets go of it, and takes it again to answer. A write batch
    that failed in between has reset the document to the log (empty until read again): the
    answer must come from the log, not from the empty document (a review found this window)."""
    from workshop.drafting.sockets import _catch_up

    hub, fd, _editor, _author_id = stored_field
    fd.reconciled = True

    def caught_up_then_reset(measure_id, field_key, read_log=True):
        if read_log:
            with hub.store.reading() as db:
                hub.catch_up(fd, db)
        fd.reset()  # the failed batch, between the catch-up and the answer
        return fd

    monkeypatch.setattr(hub, "field_doc", caught_up_then_reset, raising=False)
    answer = _catch_up(hub, fd.measure_id, "short_description", None)
    joined = Doc()
    joined.apply_update(b64decode(answer["update"]))
    assert str(joined.get("text", type=Text)) == "gespeichert"
