"""The sync between a field's document and the record (RecordRevision rows).

Document → record ("materialising"): the field's plain text becomes a revision (source_kind "draft")
when the field has been idle for IDLE_SECONDS after its last update, when an editor leaves the field
(draft.flush, or the caret moves on), when the last editor of the measure disconnects, and before
the status flow locks the record. One revision per pause in typing, not per keystroke. It runs under
the field's log lock after catching up, so whichever process writes last writes the newest text.

Record → document: a change made elsewhere (hand edit, restore, live capture) is announced by
measures.changes after it commits; it goes into the document at once as a minimal server edit, which
is stored in the log and fanned out like any update. Record text goes in only through
measures.record's public functions.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from workshop.activities.cards import Seating, visible_to
from workshop.activities.models import Card
from workshop.db import utcnow
from workshop.drafting import room
from workshop.drafting.field_doc import FieldDoc
from workshop.drafting.models import DraftCardLink
from workshop.drafting.yjs import edit_to
from workshop.extensions import socketio
from workshop.i18n import localized
from workshop.measures.models import Measure
from workshop.measures.record import current_values, lines_keeping_sources, set_field, template_of
from workshop.ops import VIEWER, Actor, Rejected
from workshop.sessions.models import WorkshopSession
from workshop.sessions.runtime import is_revealed

ROOM = Actor(VIEWER)


def room_may_see(card: Card, ws: WorkshopSession) -> bool:
    """Only cards the session's room could see are offered to the measure's editors."""
    return visible_to(card, ws.step(card.step_key), is_revealed(ws, card.step_key), ROOM, Seating.room(ws))


class DraftHub(Protocol):
    """What the record sync uses of the hub (drafting/hub.py), which owns it: named here, not
    imported, so the two modules do not import each other."""

    app: Any
    store: Any
    drafted_types: tuple[str, ...]
    field_text_max: int

    def commit(
        self,
        fd: FieldDoc,
        make_update: Callable[[FieldDoc, Session], bytes | None],
        author_id: int | None,
        skip_sid: str | None = ...,
        card_link: DraftCardLink | None = ...,
    ) -> int | None: ...
    def catch_up(self, *args: Any, **kwargs: Any) -> Any: ...
    def field_doc(self, *args: Any, **kwargs: Any) -> FieldDoc: ...


log = logging.getLogger("workshop.drafting")

IDLE_SECONDS = 1.5


class RecordSync:
    def __init__(self, hub: DraftHub):
        self.hub = hub

    # --- record → document ----------------------------------------------------------------------
    def reconcile(self, fd: FieldDoc) -> None:
        """Make document and record agree; the newer side wins (caller holds fd.lock).

        A record change made outside the editor (not a "draft" revision) after the document's last
        update goes into the document; otherwise the document is the newer side (e.g. edits not
        materialised before a crash) and goes into the record.
        """
        doc_is_newer = False

        def record_into_doc(fd: FieldDoc, db: Session) -> bytes | None:
            nonlocal doc_is_newer
            measure = db.get(Measure, fd.measure_id)
            if measure is None:
                return None
            value = current_values(db, measure)[fd.field_key]
            if value.value == fd.text:
                return None
            last_update = self.hub.store.last_update_at(db, fd.measure_id, fd.field_key)
            revision = value.revision
            if last_update is None or (
                revision is not None and revision.source_kind != "draft" and revision.created_at > last_update
            ):
                return edit_to(fd.doc, value.value)
            doc_is_newer = True
            return None

        self.hub.commit(fd, record_into_doc, author_id=None)
        if doc_is_newer:
            self.materialise(fd)

    def on_record_change(self, measure_id: int, field_key: str, source_kind: str) -> None:
        """measures.changes subscriber: a committed record change (hand edit, restore, capture …)."""
        if source_kind == "draft":
            return  # our own materialisation
        with self.hub.store.reading() as db:
            measure = db.get(Measure, measure_id)
            field = template_of(measure).field(field_key) if measure is not None else None
        if field is None or field.type not in self.hub.drafted_types:
            return
        fd = self.hub.field_doc(measure_id, field_key)  # a first load reconciles already
        with fd.lock:
            self.reconcile(fd)

    # --- cards ------------------------------------------------------------------------------------
    def pull_card(self, fd: FieldDoc, card_id: int, author_id: int) -> str:
        """Append a card of one of the measure's sessions to the field as a line of its own."""
        with self.hub.store.reading() as db:
            row = db.execute(
                select(Card, WorkshopSession)
                .join(WorkshopSession, WorkshopSession.id == Card.session_id)
                .where(Card.id == card_id, Card.deleted_at.is_(None), WorkshopSession.measure_id == fd.measure_id)
            ).first()
            if row is None:
                raise Rejected("card_not_found", f"Card {card_id} is no card of this measure's sessions.")
            card, ws = row
            if not room_may_see(card, ws):  # a hidden, pending or unrevealed card is not the measure's yet
                raise Rejected("card_not_found", f"Card {card_id} is no card of this measure's sessions.")
            step = ws.step(card.step_key) or {"title": {"de": card.step_key}}
        line = " ".join(card.text.split())
        source = {
            "session_id": ws.id,
            "session_title": ws.title,
            "unit": step.get("unit") or ws.template.get("unit"),  # a step appended from another unit names it
            "template": ws.template_key,
            "step_key": card.step_key,
            "step_title": localized(step["title"]),
            "card_id": card.id,
            "votes": None,
            "captured_at": utcnow().isoformat(),
            "via": "draft",
        }
        link = DraftCardLink(
            measure_id=fd.measure_id,
            field_key=fd.field_key,
            card_id=card.id,
            text=line,
            source=source,
            author_id=author_id,
        )
        limit = self.hub.field_text_max

        def append_line(fd: FieldDoc, _db: Session) -> bytes:
            old = fd.text
            new = old + ("\n" if old and not old.endswith("\n") else "") + line
            if len(new) > limit:
                raise Rejected("too_long", f"The field would have {len(new)} characters; at most {limit}.")
            return edit_to(fd.doc, new)

        with fd.lock:
            self.hub.commit(fd, append_line, author_id, card_link=link)
            fd.last_author = author_id
            self.materialise(fd)
        return line

    # --- document → record -------------------------------------------------------------------------
    def touch(self, fd: FieldDoc, author_id: int) -> None:
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
            with self.hub.app.app_context():
                self.materialise(fd)
        except Rejected as rejected:  # e.g. saving_paused: stays dirty, the next flush writes it
            fd.timer_running = False
            log.warning("materialising measure %s field %s deferred: %s", fd.measure_id, fd.field_key, rejected.code)
        except Exception:
            fd.timer_running = False
            log.exception("materialising measure %s field %s failed", fd.measure_id, fd.field_key)

    def materialise(self, fd: FieldDoc) -> int | None:
        """Write the field's text into the record, under the field's log lock after catching up."""
        with fd.lock:
            with self.hub.store.writing(fd.measure_id, fd.field_key) as db:
                self.hub.catch_up(fd, db)
                text = fd.text
                measure = db.get(Measure, fd.measure_id)
                if measure is None:
                    return None
                links = db.scalars(
                    select(DraftCardLink)
                    .where(DraftCardLink.measure_id == fd.measure_id, DraftCardLink.field_key == fd.field_key)
                    .order_by(DraftCardLink.id)
                ).all()
                lines = lines_keeping_sources(
                    db, measure, fd.field_key, text, {link.text: link.source for link in links}
                )
                # Edits accepted before a lock are written even if the lock came in between.
                revision = set_field(
                    db, measure, fd.field_key, lines, source_kind="draft", author_id=fd.last_author, check_lock=False
                )
                db.flush()
                revision_id = revision.id if revision else None
            fd.dirty = False
        if revision_id is not None:
            room.saved(fd.measure_id, fd.field_key, revision_id, text)
        return revision_id
