"""The co-drafting documents: one pycrdt Doc per (measure, record field), kept in this process.

The durable truth is the append-only `draft_updates` log: an update is committed there before it
is applied to the in-memory document, broadcast or acknowledged, so a restarted process rebuilds
every document from the log and loses nothing that was acknowledged.

Materialisation: a field's plain text becomes a RecordRevision (source_kind "draft") when the
field has been idle for IDLE_SECONDS after its last update, when an editor leaves the field
(`draft.flush`), when the last editor of the measure disconnects, and before the status flow
locks the record. One revision per pause in typing, not per keystroke.

Compaction: when a field's log has more than COMPACT_AFTER rows, one row with the whole state
(is_snapshot) is written and the rows before it are deleted, in one transaction.
"""
from __future__ import annotations

import logging
import threading
from base64 import b64encode
import time
from dataclasses import dataclass, field as dc_field

from flask import Flask, current_app
from pycrdt import Doc, Text
from sqlalchemy import delete, func, select

from workshop.activities.models import Card
from workshop.db import utcnow
from workshop.extensions import socketio
from workshop.i18n import localized
from workshop.ops import Rejected
from workshop.drafting.models import DraftCardLink, DraftUpdate
from workshop.measures.models import Measure
from workshop.measures.record import current_values, lines_keeping_sources, set_field, template_of
from workshop.measures.status import LABELS, ensure_editable, is_locked
from workshop.sessions.models import WorkshopSession

log = logging.getLogger("workshop.drafting")

NAMESPACE = "/draft"
ROOT = "text"  # the name of the shared Y.Text in every field document (browser: ydoc.getText("text"))
DRAFTED_TYPES = ("text", "longtext", "list")  # date, money, people, status go through validated forms
MAX_UPDATE_BYTES = 32 * 1024
FIELD_TEXT_MAX = 20_000
COMPACT_AFTER = 200
IDLE_SECONDS = 1.5


def room(measure_id: int) -> str:
    return f"measure:{measure_id}"


@dataclass
class FieldDoc:
    measure_id: int
    field_key: str
    doc: Doc
    rows: int
    lock: threading.Lock = dc_field(default_factory=threading.Lock)
    dirty: bool = False
    last_author: int | None = None
    deadline: float = 0.0
    timer_running: bool = False

    @property
    def text(self) -> Text:
        return self.doc.get(ROOT, type=Text)


def byte_offset(text: str, index: int) -> int:
    """pycrdt (yrs) indexes text by UTF-8 bytes; Python and the browser count characters."""
    return len(text[:index].encode("utf-8"))


class DraftHub:
    def __init__(self, app: Flask):
        self.app = app
        self.sessions = app.extensions["workshop.db"].session_factory
        self.docs: dict[tuple[int, str], FieldDoc] = {}
        self.guard = threading.Lock()

    # --- loading -------------------------------------------------------------------------
    def drafted_fields(self, measure: Measure) -> list:
        return [f for f in template_of(measure).fields if f.type in DRAFTED_TYPES]

    def field_doc(self, measure_id: int, field_key: str) -> FieldDoc:
        key = (measure_id, field_key)
        with self.guard:
            fd = self.docs.get(key)
            if fd is None:
                with self.sessions() as db:
                    rows = db.scalars(select(DraftUpdate.data).where(
                        DraftUpdate.measure_id == measure_id, DraftUpdate.field_key == field_key)
                        .order_by(DraftUpdate.id)).all()
                # used from whichever thread handles an event (threading mode); fd.lock serialises
                doc = Doc(allow_multithreading=True)
                for data in rows:
                    doc.apply_update(data)
                fd = self.docs[key] = FieldDoc(measure_id, field_key, doc, len(rows))
                with fd.lock:
                    if fd.rows > COMPACT_AFTER:
                        self._compact(fd)
                    self._reconcile(fd)
        return fd

    # --- record ↔ document ---------------------------------------------------------------
    def _reconcile(self, fd: FieldDoc) -> None:
        """Make document and record agree (caller holds fd.lock).

        The newer side wins: a record change made elsewhere (hand edit, restore, capture in a
        live session) after the document's last update goes into the document; document edits
        newer than the record (e.g. not materialised before a crash) go into the record.
        """
        doc_text = str(fd.text)
        with self.sessions() as db:
            measure = db.get(Measure, fd.measure_id)
            value = current_values(db, measure)[fd.field_key]
            last_update = db.scalar(select(func.max(DraftUpdate.created_at)).where(
                DraftUpdate.measure_id == fd.measure_id, DraftUpdate.field_key == fd.field_key))
        if value.value == doc_text:
            return
        record_is_newer = last_update is None or (
            value.revision is not None and value.revision.created_at > last_update)
        if record_is_newer:
            self._server_edit(fd, value.value, author_id=None)
        else:
            self._materialise_locked(fd)

    def record_changed(self, measure_id: int, field_key: str) -> None:
        """The record field was changed outside the editor: bring a loaded document along."""
        fd = self.docs.get((measure_id, field_key))
        if fd is not None:
            with fd.lock:
                self._reconcile(fd)

    def _server_edit(self, fd: FieldDoc, new_text: str, author_id: int | None,
                     card_link: DraftCardLink | None = None) -> None:
        """Change the document to new_text with a minimal edit; store, apply, broadcast."""
        old = str(fd.text)
        prefix = 0
        while prefix < min(len(old), len(new_text)) and old[prefix] == new_text[prefix]:
            prefix += 1
        suffix = 0
        while (suffix < min(len(old), len(new_text)) - prefix
               and old[len(old) - 1 - suffix] == new_text[len(new_text) - 1 - suffix]):
            suffix += 1
        scratch = Doc()
        scratch.apply_update(fd.doc.get_update())
        before = scratch.get_state()
        text = scratch.get(ROOT, type=Text)
        with scratch.transaction():
            start, end = byte_offset(old, prefix), byte_offset(old, len(old) - suffix)
            if end > start:
                del text[start:end]
            inserted = new_text[prefix:len(new_text) - suffix]
            if inserted:
                text.insert(start, inserted)
        update = scratch.get_update(before)
        self._store_and_apply(fd, update, author_id, card_link=card_link)
        self.emit_update(fd, update, skip_sid=None)

    # --- client updates ------------------------------------------------------------------
    def apply_client_update(self, measure_id: int, field_key: str, update: bytes,
                            author_id: int, sid: str | None) -> int:
        """Validate, store (committed), apply and broadcast one client update; returns its row id."""
        if len(update) > MAX_UPDATE_BYTES:
            raise Rejected("update_too_large",
                           f"update: {len(update)} bytes; at most {MAX_UPDATE_BYTES} per update.")
        fd = self.field_doc(measure_id, field_key)
        with fd.lock:
            scratch = Doc()
            scratch.apply_update(fd.doc.get_update())
            try:
                scratch.apply_update(update)
                length = len(str(scratch.get(ROOT, type=Text)))
                others = sorted(set(scratch.keys()) - {ROOT})
            except Exception as error:  # pycrdt refuses bytes that are no Yjs update
                raise Rejected("invalid_update", f"update: not a valid Yjs update ({error}).") from error
            if others:
                raise Rejected("invalid_update", f"update: may change only the shared text '{ROOT}', "
                                                 f"not {', '.join(others)}.")
            if length > FIELD_TEXT_MAX:
                raise Rejected("too_long", f"The field would have {length} characters; at most {FIELD_TEXT_MAX}.")
            row_id = self._store_and_apply(fd, update, author_id)
            self._touch(fd, author_id)
        self.emit_update(fd, update, skip_sid=sid)
        return row_id

    def _store_and_apply(self, fd: FieldDoc, update: bytes, author_id: int | None,
                         card_link: DraftCardLink | None = None) -> int:
        """Commit the update to the log (caller holds fd.lock), then apply it in memory."""
        with self.sessions() as db:
            measure = db.get(Measure, fd.measure_id)
            if measure is None:
                raise Rejected("measure_not_found", f"There is no measure {fd.measure_id}.")
            if author_id is not None:  # server-side reconciliation is not an edit
                ensure_editable(measure)
            row = DraftUpdate(measure_id=fd.measure_id, field_key=fd.field_key, data=update,
                              author_id=author_id)
            db.add(row)
            if card_link is not None:
                db.add(card_link)
            db.commit()
            row_id = row.id
        fd.doc.apply_update(update)
        fd.rows += 1
        if fd.rows > COMPACT_AFTER:
            self._compact(fd)
        return row_id

    def _compact(self, fd: FieldDoc) -> None:
        with self.sessions() as db:
            snapshot = DraftUpdate(measure_id=fd.measure_id, field_key=fd.field_key,
                                   data=fd.doc.get_update(), is_snapshot=True)
            db.add(snapshot)
            db.flush()
            db.execute(delete(DraftUpdate).where(
                DraftUpdate.measure_id == fd.measure_id, DraftUpdate.field_key == fd.field_key,
                DraftUpdate.id < snapshot.id))
            db.commit()
        log.info("compacted draft log of measure %s field %s", fd.measure_id, fd.field_key)
        fd.rows = 1

    def emit_update(self, fd: FieldDoc, update: bytes, skip_sid: str | None) -> None:
        socketio.emit("draft.update", {"measure_id": fd.measure_id, "field_key": fd.field_key,
                                       "update": b64encode(update).decode("ascii")},
                      to=room(fd.measure_id), skip_sid=skip_sid, namespace=NAMESPACE)

    # --- cards -----------------------------------------------------------------------------
    def pull_card(self, measure_id: int, field_key: str, card_id: int, author_id: int) -> str:
        """Append a card of one of the measure's sessions to the field as a line of its own."""
        fd = self.field_doc(measure_id, field_key)
        with self.sessions() as db:
            row = db.execute(select(Card, WorkshopSession).join(
                WorkshopSession, WorkshopSession.id == Card.session_id).where(
                Card.id == card_id, Card.deleted_at.is_(None),
                WorkshopSession.measure_id == measure_id)).first()
            if row is None:
                raise Rejected("card_not_found", f"Card {card_id} is no card of this measure's sessions.")
            card, ws = row
            from workshop.drafting.views import room_may_see  # views import the hub; read lazily

            if not room_may_see(card, ws):  # a hidden, pending or unrevealed card is not the measure's yet
                raise Rejected("card_not_found", f"Card {card_id} is no card of this measure's sessions.")
            step = ws.step(card.step_key) or {"title": {"de": card.step_key}}
        line = " ".join(card.text.split())
        source = {"session_id": ws.id, "session_title": ws.title, "unit": ws.template.get("unit"),
                  "template": ws.template_key, "step_key": card.step_key,
                  "step_title": localized(step["title"]), "card_id": card.id, "votes": None,
                  "captured_at": utcnow().isoformat(), "via": "draft"}
        link = DraftCardLink(measure_id=measure_id, field_key=field_key, card_id=card.id,
                             text=line, source=source, author_id=author_id)
        with fd.lock:
            old = str(fd.text)
            new = old + ("\n" if old and not old.endswith("\n") else "") + line
            if len(new) > FIELD_TEXT_MAX:
                raise Rejected("too_long", f"The field would have {len(new)} characters; at most {FIELD_TEXT_MAX}.")
            self._server_edit(fd, new, author_id, card_link=link)
            fd.last_author = author_id
            self._materialise_locked(fd)
        return line

    # --- materialising into the record ---------------------------------------------------------
    def _touch(self, fd: FieldDoc, author_id: int) -> None:
        fd.dirty, fd.last_author = True, author_id
        fd.deadline = time.monotonic() + IDLE_SECONDS
        if not fd.timer_running:
            fd.timer_running = True
            socketio.start_background_task(self._idle_timer, fd)

    def _idle_timer(self, fd: FieldDoc) -> None:
        try:
            while True:
                wait = fd.deadline - time.monotonic()
                if wait <= 0:
                    break
                socketio.sleep(wait)
            fd.timer_running = False
            with self.app.app_context():
                self.materialise(fd)
        except Exception:
            fd.timer_running = False
            log.exception("materialising measure %s field %s failed", fd.measure_id, fd.field_key)

    def materialise(self, fd: FieldDoc) -> int | None:
        with fd.lock:
            return self._materialise_locked(fd)

    def _materialise_locked(self, fd: FieldDoc) -> int | None:
        text = str(fd.text)
        fd.dirty = False
        with self.sessions() as db:
            measure = db.get(Measure, fd.measure_id)
            if measure is None:
                return None
            links = db.scalars(select(DraftCardLink).where(
                DraftCardLink.measure_id == fd.measure_id, DraftCardLink.field_key == fd.field_key)
                .order_by(DraftCardLink.id)).all()
            lines = lines_keeping_sources(db, measure, fd.field_key, text,
                                          {link.text: link.source for link in links})
            # Edits accepted before a lock are written even if the lock came in between.
            revision = set_field(db, measure, fd.field_key, lines, source_kind="draft",
                                 author_id=fd.last_author, check_lock=False)
            db.commit()
            revision_id = revision.id if revision else None
        if revision_id is not None:
            socketio.emit("draft.saved", {"measure_id": fd.measure_id, "field_key": fd.field_key,
                                          "revision_id": revision_id, "value": text},
                          to=room(fd.measure_id), namespace=NAMESPACE)
        return revision_id

    def flush_measure(self, measure_id: int) -> None:
        for fd in [fd for (mid, _k), fd in list(self.docs.items()) if mid == measure_id]:
            if fd.dirty:
                self.materialise(fd)

    def status_changed(self, measure: Measure) -> None:
        socketio.emit("draft.status", {"measure_id": measure.id, "status": measure.status,
                                       "label": LABELS[measure.status], "locked": is_locked(measure)},
                      to=room(measure.id), namespace=NAMESPACE)


def init_app(app: Flask) -> DraftHub:
    hub = app.extensions["workshop.drafting"] = DraftHub(app)
    return hub


def current_hub() -> DraftHub:
    return current_app.extensions["workshop.drafting"]


def record_changed(measure_id: int, field_key: str) -> None:
    current_hub().record_changed(measure_id, field_key)
