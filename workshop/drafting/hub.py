"""The co-drafting documents: one pycrdt Doc per (measure, record field), shared by every editor.

Three parts, as pycrdt-websocket separates YRoom and its YStore:
- store.py: the append-only update log (the durable truth), with a cross-process lock per field;
- room.py: connected editors, presence and the fan-out of updates;
- record_sync.py: the field's text into the record (materialising) and record changes made
  elsewhere (hand edit, restore, live capture) into the document.
This module holds the in-memory documents and the one path by which an update is accepted.

One path for every change of a document (client update, card pulled, record change): under the
field's lock, read the log rows this process has not seen yet, check the change against the merged
document, commit it to the log, then fan it out. So every process's document is the log, and a
change is acknowledged only once stored. (Client updates are checked by applying them to the
document itself, under the lock, before the commit; a batch that is not stored resets the document
to the log, so nothing unstored is ever read from it.)
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app
from pycrdt import merge_updates
from sqlalchemy.orm import Session

from workshop.drafting import room
from workshop.drafting.field_doc import FieldDoc
from workshop.drafting.models import DraftCardLink
from workshop.drafting.record_sync import RecordSync
from workshop.drafting.store import UpdateStore
from workshop.drafting.yjs import ROOT, missing_dependencies
from workshop.extensions import socketio
from workshop.i18n import N_
from workshop.measures import changes
from workshop.measures.field_values import FieldValueError
from workshop.measures.models import Measure
from workshop.measures.record import template_of
from workshop.measures.record_template import load_record_template
from workshop.measures.status import LABELS, ensure_editable, ensure_status_editable, is_locked
from workshop.ops import Rejected

log = logging.getLogger("workshop.drafting")

NAMESPACE = room.NAMESPACE
DRAFTED_TYPES = ("text", "longtext", "list")  # date, money, people, status go through validated forms
MAX_UPDATE_BYTES = 32 * 1024
FIELD_TEXT_MAX = 20_000
COMPACT_AFTER = 200


class DraftHub:
    def __init__(self, app: Flask):
        self.app = app
        self.store = UpdateStore(app.extensions["workshop.db"].session_factory)
        self.record = RecordSync(self)
        self.docs: dict[tuple[int, str], FieldDoc] = {}
        self.guard = threading.Lock()
        self.drafted_types = DRAFTED_TYPES
        self.field_text_max = FIELD_TEXT_MAX

    def drafted_fields(self, measure: Measure) -> list:
        return [f for f in template_of(measure).fields if f.type in DRAFTED_TYPES]

    # --- documents ----------------------------------------------------------------------------
    def field_doc(self, measure_id: int, field_key: str, read_log: bool = True) -> FieldDoc:
        """The field's document, up to date with the log (and, when first loaded, with the record).
        read_log False: the caller is about to write, and a write catches up under the lock anyway."""
        fd = self.docs.get((measure_id, field_key))
        if fd is None:
            with self.guard:
                fd = self.docs.setdefault((measure_id, field_key), FieldDoc(measure_id, field_key))
        with fd.lock:
            if not fd.reconciled:
                self.record.reconcile(fd)
                fd.reconciled = True
            elif read_log:
                with self.store.reading() as db:
                    self.catch_up(fd, db)
        return fd

    def catch_up(self, fd: FieldDoc, db: Session) -> None:
        """Apply the log rows this process has not seen (caller holds fd.lock)."""
        self._apply_rows(fd, self.store.rows_after(db, fd.measure_id, fd.field_key, fd.last_id))

    @staticmethod
    def _apply_rows(fd: FieldDoc, rows: list[tuple[int, bytes, bool]]) -> None:
        for row_id, data, is_snapshot in rows:
            fd.apply(data)
            fd.last_id = row_id
            fd.rows = 1 if is_snapshot else fd.rows + 1

    def commit(
        self,
        fd: FieldDoc,
        make_update: Callable[[FieldDoc, Session], bytes | None],
        author_id: int | None,
        skip_sid: str | None = None,
        card_link: DraftCardLink | None = None,
    ) -> int | None:
        """The one path of a change: lock, catch up, build + check, store, apply, fan out.

        make_update sees the merged document (and the locked transaction) and returns the update (or None: nothing to do), or
        raises Rejected. author_id None is the server's own reconciliation, allowed on a locked record.
        """
        with fd.lock:
            with self.store.writing(fd.measure_id, fd.field_key) as db:
                self.catch_up(fd, db)
                update = make_update(fd, db)
                if update is None:
                    return None
                measure = db.get(Measure, fd.measure_id)
                if measure is None:
                    raise Rejected("measure_not_found", f"There is no measure {fd.measure_id}.")
                if author_id is not None:
                    ensure_editable(measure)
                row_id = self.store.append(db, fd.measure_id, fd.field_key, update, author_id, card_link)
                if fd.rows + 1 > COMPACT_AFTER:
                    row_id = self.store.compact(
                        db, fd.measure_id, fd.field_key, merge_updates(fd.doc.get_update(), update)
                    )
                    rows = 1
                else:
                    rows = fd.rows + 1
            fd.apply(update)
            fd.last_id, fd.rows = row_id, rows
        room.update(fd.measure_id, fd.field_key, update, skip_sid)
        return row_id

    # --- client updates ---------------------------------------------------------------------
    def apply_client_update(
        self, measure_id: int, field_key: str, update: bytes, author_id: int, sid: str | None
    ) -> int | None:
        """Check, store (committed), apply and fan out one client update; returns its row id
        (None: the server already had all of it, e.g. a resend after a lost answer).

        Updates of one field that arrive while its log is being written wait and are then written
        together (group commit, as the live op queue does): one transaction, one lock, one catch-up
        and one INSERT for all of them, each still checked on its own against the document as the
        ones before it left it, each answered only after the commit."""
        if len(update) > MAX_UPDATE_BYTES:
            raise Rejected("update_too_large", f"update: {len(update)} bytes; at most {MAX_UPDATE_BYTES} per update.")
        fd = self.field_doc(measure_id, field_key, read_log=False)
        waiting = _Waiting(update, author_id, sid, socketio.server.eio.create_event())
        with fd.queue_lock:
            fd.pending.append(waiting)
            start, fd.writing = not fd.writing, True
        if start:
            socketio.start_background_task(self._write_pending, fd)
        waiting.done.wait()
        if isinstance(waiting.outcome, Rejected):
            raise waiting.outcome
        return waiting.outcome

    def _write_pending(self, fd: FieldDoc) -> None:
        with self.app.app_context():
            while True:
                with fd.queue_lock:
                    batch, fd.pending = fd.pending[:MAX_BATCH], fd.pending[MAX_BATCH:]
                    if not batch:
                        fd.writing = False
                        return
                accepted: list[_Waiting] = []
                try:
                    accepted = self._write_batch(fd, batch)
                except Rejected as rejected:  # e.g. saving_paused: nothing of the batch was stored
                    for waiting in batch:
                        waiting.outcome = rejected
                except BaseException as error:
                    if not isinstance(error, Exception) and not _is_panic(error):
                        raise  # the greenlet is being killed
                    log.exception("writing %d draft updates of measure %s failed", len(batch), fd.measure_id)
                    for waiting in batch:
                        waiting.outcome = Rejected.internal()
                finally:
                    for waiting in batch:
                        waiting.done.set()
                try:  # stored and answered: what goes wrong from here changes no answer
                    self._announce(fd, batch, accepted)
                except Exception:
                    log.exception("announcing %d draft updates of measure %s failed", len(accepted), fd.measure_id)

    def _write_batch(self, fd: FieldDoc, batch: list[_Waiting]) -> list[_Waiting]:
        """Each update is checked on the document itself, not on a copy (a copy costs a full encode
        and decode of the document per batch, the biggest item of a busy co-drafting process). So
        the document holds updates before they are stored: nobody reads it meanwhile (fd.lock),
        and if storing fails it starts over from the log (fd.reset)."""
        with fd.lock:
            try:
                with self.store.writing(fd.measure_id, fd.field_key) as db:
                    status, record_template = self.catch_up_with_measure(fd, db)
                    field = load_record_template(record_template).field(fd.field_key)
                    one_line = field is not None and field.type == "text"
                    accepted: list[_Waiting] = []
                    for waiting in batch:
                        try:
                            if _check(fd, waiting.update, one_line):
                                accepted.append(waiting)
                            else:
                                waiting.outcome = None  # nothing new
                        except Rejected as rejected:
                            waiting.outcome = rejected
                            self._rebuild(fd, db, accepted)  # a refused update may have half-applied
                    if accepted:
                        ensure_status_editable(status)
                        row_ids = self.store.append_many(
                            db, fd.measure_id, fd.field_key, [(w.update, w.author_id) for w in accepted]
                        )
                        rows = fd.rows + len(accepted)
                        if rows > COMPACT_AFTER:
                            row_ids[-1] = self.store.compact(db, fd.measure_id, fd.field_key, fd.doc.get_update())
                            rows = 1
            except BaseException:
                fd.reset()  # the document may hold updates that were not stored
                raise
            for waiting, row_id in zip(accepted, row_ids if accepted else [], strict=True):
                waiting.outcome = row_id
            if accepted:
                fd.last_id, fd.rows = row_ids[-1], rows
        return accepted

    def _announce(self, fd: FieldDoc, batch: list[_Waiting], accepted: list[_Waiting]) -> None:
        """Fan a stored batch out to the other editors and schedule its write into the record."""
        if accepted:
            room.updates(fd.measure_id, fd.field_key, [(w.update, w.sid) for w in accepted])
        for waiting in batch:
            stored = waiting.outcome is not None and not isinstance(waiting.outcome, Rejected)
            if stored or fd.dirty:  # dirty: a write to the record failed earlier (database away)
                self.record.touch(fd, waiting.author_id)

    def catch_up_with_measure(self, fd: FieldDoc, db: Session) -> tuple[str, str]:
        """catch_up, and the measure's status and record template, in one round trip (caller holds
        fd.lock and the field's log lock)."""
        found = self.store.measure_and_rows_after(db, fd.measure_id, fd.field_key, fd.last_id)
        if found is None:
            raise Rejected("measure_not_found", f"There is no measure {fd.measure_id}.")
        status, record_template, rows = found
        self._apply_rows(fd, rows)
        return status, record_template

    def _rebuild(self, fd: FieldDoc, db: Session, accepted: list[_Waiting]) -> None:
        """The document as stored plus the batch's updates accepted so far (inside the batch's transaction)."""
        fd.reset()
        self.catch_up(fd, db)
        for waiting in accepted:
            fd.apply(waiting.update)

    def server_update(self, fd: FieldDoc, since_state: bytes | None) -> bytes:
        with fd.lock:
            return fd.doc.get_update(since_state) if since_state is not None else fd.doc.get_update()

    # --- the record's side --------------------------------------------------------------------
    def pull_card(self, measure_id: int, field_key: str, card_id: int, author_id: int) -> str:
        return self.record.pull_card(self.field_doc(measure_id, field_key), card_id, author_id)

    def materialise(self, fd: FieldDoc) -> int | None:
        return self.record.materialise(fd)

    def flush_measure(self, measure_id: int) -> None:
        """Write every drafted field of the measure into the record now (before a lock, or when the
        last editor left). From the log, not only this process's dirty documents: an edit accepted
        by another process a moment ago is written too."""
        with self.store.reading() as db:
            keys = self.store.drafted_keys(db, measure_id)
        for key in keys:
            self.materialise(self.field_doc(measure_id, key))

    def record_changed(self, measure_id: int, field_key: str, source_kind: str = "manual") -> None:
        self.record.on_record_change(measure_id, field_key, source_kind)

    def status_changed(self, measure: Measure) -> None:
        room.status(measure.id, measure.status, LABELS[measure.status], is_locked(measure))


# Updates of one field written in one transaction at most (a burst of 30 editors is ~30).
MAX_BATCH = 100


@dataclass
class _Waiting:
    update: bytes
    author_id: int
    sid: str | None
    done: Any  # the async mode's event
    outcome: int | None | Rejected = None


def _check(fd: FieldDoc, update: bytes, one_line: bool) -> bool:
    """Apply a client's update to the field's document if it may go in: True if it changed
    something (False: nothing new). Raises Rejected saying why not (the document may then be
    half changed: rebuild it). one_line: the record field takes one line (type "text"), as its
    hand-edit form does.

    The text is read out of the document (a walk over every Yjs item) only where a limit could
    be reached: an update holds every byte it inserts, so a text that stays below the limit in
    UTF-8 bytes stays below it in characters; and an update without a line-break byte cannot add
    a line to a text without one."""
    doc = fd.doc
    before, before_length = doc.get_state(), fd.utf8_length
    check_length = before_length + len(update) > FIELD_TEXT_MAX
    check_lines = one_line and not (fd.newline_free and b"\n" not in update and b"\r" not in update)
    text = fd.text if check_length or check_lines else None
    try:
        fd.apply(update)
        others = [key for key in doc.keys() if key != ROOT]
    except BaseException as error:  # pycrdt refuses bytes that are no Yjs update (some with a panic)
        if not isinstance(error, Exception) and not _is_panic(error):
            raise
        raise Rejected("invalid_update", f"update: not a valid Yjs update ({error}).") from error
    if others:
        raise Rejected(
            "invalid_update", f"update: may change only the shared text '{ROOT}', not {', '.join(sorted(others))}."
        )
    if missing_dependencies(doc, update):
        raise Rejected(
            "missing_predecessor",
            "update: builds on changes the server does not have; sync again (draft.join with your state vectors).",
        )
    if text is None:
        return doc.get_state() != before or fd.utf8_length != before_length
    merged = fd.text
    # The limit holds for the merged document; shortening an overlong field stays possible.
    if len(merged) > FIELD_TEXT_MAX and len(merged) > len(text):
        raise Rejected("too_long", f"The field would have {len(merged)} characters; at most {FIELD_TEXT_MAX}.")
    # A second line in a one-line field would reach the record as two values (removing one stays possible).
    if one_line and len(_lines(merged)) > max(1, len(_lines(text))):
        raise FieldValueError(N_("Dieses Feld nimmt nur eine Zeile."))
    fd.note_text(merged)
    return doc.get_state() != before or merged != text


def _is_panic(error: BaseException) -> bool:
    """pycrdt (yrs via pyo3) reports a Rust panic as pyo3_runtime.PanicException, no Exception."""
    return type(error).__name__ == "PanicException"


def _lines(text: str) -> list[str]:
    return [line for line in text.replace("\r\n", "\n").split("\n") if line.strip()]


def init_app(app: Flask) -> DraftHub:
    hub = app.extensions["workshop.drafting"] = DraftHub(app)
    changes.subscribe(hub.record.on_record_change)  # a live capture reaches open editors at once
    return hub


def current_hub() -> DraftHub:
    return current_app.extensions["workshop.drafting"]


def record_changed(measure_id: int, field_key: str) -> None:
    """Kept for callers that announce a change themselves; measures.changes already tells us."""
    current_hub().record_changed(measure_id, field_key)
