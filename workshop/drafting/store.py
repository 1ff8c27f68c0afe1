"""The update store: the append-only log `draft_updates`, the durable truth of every field document.

Like pycrdt-websocket's YStore beside its YRoom: the store knows rows and transactions, nothing of
sockets or of the record. An update is committed here before any process applies, broadcasts or
acknowledges it.

Several processes (PostgreSQL + Redis): every write to a field's log runs in a transaction that first
takes a PostgreSQL advisory lock for that field (pg_advisory_xact_lock), so a field's rows get their
ids and commit in one order across all processes. A process reads the rows after the last one it has
seen — inside that lock before it validates or writes — and so always validates against the whole
merged document. With SQLite (one process) the process's own per-field lock is enough.

A database that is away turns into Rejected("saving_paused"): nothing was stored, the editor keeps
the text and syncs again later.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import cast

from sqlalchemy import Select, Table, bindparam, delete, func, insert, select, text
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session

from workshop.drafting.models import DraftCardLink, DraftUpdate
from workshop.measures.models import Measure
from workshop.ops import Rejected

log = logging.getLogger("workshop.drafting")

DATABASE_AWAY = (OperationalError, InterfaceError, PoolTimeout)


def saving_paused() -> Rejected:
    return Rejected(
        "saving_paused",
        "The database cannot be reached; nothing was stored. "
        "Your text stays in the editor and is sent again once it is back.",
    )


class UpdateStore:
    def __init__(self, session_factory):
        self.sessions = session_factory

    @contextmanager
    def reading(self) -> Iterator[Session]:
        try:
            with self.sessions() as db:
                yield db
        except DATABASE_AWAY as error:
            log.warning("draft store unavailable: %s", error.__class__.__name__)
            raise saving_paused() from error

    @contextmanager
    def writing(self, measure_id: int, field_key: str) -> Iterator[Session]:
        """A transaction holding the field's cross-process lock; committed when the block ends."""
        try:
            with self.sessions() as db:
                try:
                    if db.get_bind().dialect.name == "postgresql":
                        db.execute(
                            text("SELECT pg_advisory_xact_lock(:m, :f)"),
                            {"m": measure_id, "f": zlib.crc32(field_key.encode()) - 2**31},
                        )
                    yield db
                    db.commit()
                except BaseException:
                    db.rollback()
                    raise
        except DATABASE_AWAY as error:
            log.warning("draft store unavailable: %s", error.__class__.__name__)
            raise saving_paused() from error

    @staticmethod
    def rows_after(db: Session, measure_id: int, field_key: str, after_id: int) -> list[tuple[int, bytes, bool]]:
        """The field's rows newer than after_id, in log order: (id, update, is_snapshot)."""
        found = db.execute(_rows_after(), {"measure_id": measure_id, "field_key": field_key, "after_id": after_id})
        return [(row_id, data, is_snapshot) for row_id, data, is_snapshot in found]

    @staticmethod
    def measure_and_rows_after(
        db: Session, measure_id: int, field_key: str, after_id: int
    ) -> tuple[str, str, list[tuple[int, bytes, bool]]] | None:
        """rows_after, plus the measure's status and record template, in one statement (the write
        path needs all three; a round trip less per batch). None: there is no such measure."""
        found = db.execute(
            _measure_and_rows_after(), {"measure_id": measure_id, "field_key": field_key, "after_id": after_id}
        ).all()
        if not found:
            return None
        rows = [(row_id, data, is_snapshot) for _, _, row_id, data, is_snapshot in found if row_id is not None]
        return found[0][0], found[0][1], rows

    @staticmethod
    def last_update_at(db: Session, measure_id: int, field_key: str):
        return db.scalar(
            select(func.max(DraftUpdate.created_at)).where(
                DraftUpdate.measure_id == measure_id, DraftUpdate.field_key == field_key
            )
        )

    @staticmethod
    def append(
        db: Session,
        measure_id: int,
        field_key: str,
        data: bytes,
        author_id: int | None,
        card_link: DraftCardLink | None = None,
    ) -> int:
        row = DraftUpdate(measure_id=measure_id, field_key=field_key, data=data, author_id=author_id)
        db.add(row)
        if card_link is not None:
            db.add(card_link)
        db.flush()
        return row.id

    @staticmethod
    def append_many(db: Session, measure_id: int, field_key: str, updates: list[tuple[bytes, int | None]]) -> list[int]:
        """Several client updates of one field in one INSERT; their row ids in the same order."""
        table = cast(Table, DraftUpdate.__table__)  # Core: the ORM's bulk insert was half the cost of this call
        ids = db.scalars(
            insert(table).returning(table.c.id, sort_by_parameter_order=True),
            [
                {"measure_id": measure_id, "field_key": field_key, "data": data, "author_id": author}
                for data, author in updates
            ],
        ).all()
        return list(ids)

    @staticmethod
    def compact(db: Session, measure_id: int, field_key: str, whole_state: bytes) -> int:
        """One row with the whole state replaces every row before it (same transaction, same lock)."""
        snapshot = DraftUpdate(measure_id=measure_id, field_key=field_key, data=whole_state, is_snapshot=True)
        db.add(snapshot)
        db.flush()
        db.execute(
            delete(DraftUpdate).where(
                DraftUpdate.measure_id == measure_id, DraftUpdate.field_key == field_key, DraftUpdate.id < snapshot.id
            )
        )
        log.info("compacted draft log of measure %s field %s", measure_id, field_key)
        return snapshot.id

    @staticmethod
    def row_count(db: Session, measure_id: int, field_key: str) -> int:
        return (
            db.scalar(
                select(func.count())
                .select_from(DraftUpdate)
                .where(DraftUpdate.measure_id == measure_id, DraftUpdate.field_key == field_key)
            )
            or 0
        )

    @staticmethod
    def drafted_keys(db: Session, measure_id: int) -> list[str]:
        """The fields of a measure that have a co-drafting log."""
        return list(
            db.scalars(select(DraftUpdate.field_key).where(DraftUpdate.measure_id == measure_id).distinct()).all()
        )


# The two reads of the write path, built once: building a select costs more Python than running it.
@cache
def _rows_after() -> Select:
    return (
        select(DraftUpdate.id, DraftUpdate.data, DraftUpdate.is_snapshot)
        .where(
            DraftUpdate.measure_id == bindparam("measure_id"),
            DraftUpdate.field_key == bindparam("field_key"),
            DraftUpdate.id > bindparam("after_id"),
        )
        .order_by(DraftUpdate.id)
    )


@cache
def _measure_and_rows_after() -> Select:
    return (
        select(Measure.status, Measure.record_template, DraftUpdate.id, DraftUpdate.data, DraftUpdate.is_snapshot)
        .select_from(Measure)
        .outerjoin(
            DraftUpdate,
            (DraftUpdate.measure_id == Measure.id)
            & (DraftUpdate.field_key == bindparam("field_key"))
            & (DraftUpdate.id > bindparam("after_id")),
        )
        .where(Measure.id == bindparam("measure_id"))
        .order_by(DraftUpdate.id)
    )
