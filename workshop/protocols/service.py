"""Finishing a protocol: edit the draft, make it final (locked, versioned), reopen it (recorded),
attach photos. Plain functions over the database; the views only translate and redirect."""

from __future__ import annotations

import re

from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workshop import jobs
from workshop.db import utcnow
from workshop.i18n import LOCALES, N_
from workshop.protocols import images
from workshop.protocols.errors import ProtocolError
from workshop.protocols.model import Protocol, build_protocol
from workshop.protocols.models import (
    DRAFT,
    FINAL,
    ProtocolAttachment,
    ProtocolDraft,
    ProtocolReopening,
    ProtocolVersion,
)
from workshop.sessions.models import WorkshopSession
from workshop.validation import CleanText, describe_errors

MAX_ATTACHMENT_BYTES = images.MAX_ATTACHMENT_BYTES
MAX_ATTACHMENTS = 30
LINES_MAX, LINE_MAX, TEXT_MAX = 200, 2000, 20_000


# --- the draft ------------------------------------------------------------------------------


def peek_draft(db: Session, ws: WorkshopSession) -> ProtocolDraft:
    """The stored draft, or an unsaved empty one (reading a page writes nothing)."""
    return db.scalars(select(ProtocolDraft).where(ProtocolDraft.session_id == ws.id)).first() or ProtocolDraft(
        session_id=ws.id, language="de", status=DRAFT, edits={}
    )


def draft_of(db: Session, ws: WorkshopSession) -> ProtocolDraft:
    draft = db.scalars(select(ProtocolDraft).where(ProtocolDraft.session_id == ws.id)).first()
    if draft is None:
        draft = ProtocolDraft(session_id=ws.id, language="de", status=DRAFT, edits={})
        db.add(draft)
        db.flush()
    return draft


def attachments_of(db: Session, ws: WorkshopSession, *, include_removed: bool = False) -> list[ProtocolAttachment]:
    query = select(ProtocolAttachment).where(ProtocolAttachment.session_id == ws.id)
    if not include_removed:
        query = query.where(ProtocolAttachment.removed_at.is_(None))
    return list(db.scalars(query.order_by(ProtocolAttachment.id)))


def versions_of(db: Session, ws: WorkshopSession) -> list[ProtocolVersion]:
    return list(
        db.scalars(select(ProtocolVersion).where(ProtocolVersion.session_id == ws.id).order_by(ProtocolVersion.number))
    )


def reopenings_of(db: Session, ws: WorkshopSession) -> list[ProtocolReopening]:
    return list(
        db.scalars(
            select(ProtocolReopening).where(ProtocolReopening.session_id == ws.id).order_by(ProtocolReopening.id)
        )
    )


def current_protocol(
    db: Session, ws: WorkshopSession, version: int | None = None, language: str | None = None
) -> Protocol:
    """Version N if asked for; else the newest final version while the protocol is final; else
    the draft as it is now (generated + edits). `language` re-renders a draft in another language."""
    draft = db.scalars(select(ProtocolDraft).where(ProtocolDraft.session_id == ws.id)).first()
    if version is None and draft is not None and draft.status == FINAL:
        version = db.scalar(select(func.max(ProtocolVersion.number)).where(ProtocolVersion.session_id == ws.id))
    if version is not None:
        stored = db.scalars(
            select(ProtocolVersion).where(ProtocolVersion.session_id == ws.id, ProtocolVersion.number == version)
        ).first()
        if stored is None:
            raise ProtocolError(N_("Dieses Protokoll hat keine Fassung %(number)s."), number=version)
        return Protocol.from_dict(stored.document)
    edits = draft.edits if draft else {}
    return build_protocol(db, ws, edits, language or (draft.language if draft else "de"), attachments_of(db, ws))


class _Attendee(Schema):
    name = CleanText(required=True, validate=validate.Length(1, 200))
    organisation = CleanText(load_default="", validate=validate.Length(max=200))


class _Top(Schema):
    results = fields.List(
        CleanText(validate=validate.Length(max=LINE_MAX)),
        allow_none=True,
        load_default=None,
        validate=validate.Length(max=LINES_MAX),
    )
    decisions = fields.List(
        CleanText(validate=validate.Length(max=LINE_MAX)), load_default=list, validate=validate.Length(max=LINES_MAX)
    )
    dissent = fields.List(
        CleanText(validate=validate.Length(max=LINE_MAX)), load_default=list, validate=validate.Length(max=LINES_MAX)
    )
    paper = fields.List(
        CleanText(validate=validate.Length(max=LINE_MAX)), load_default=list, validate=validate.Length(max=LINES_MAX)
    )
    notes = CleanText(load_default="", validate=validate.Length(max=TEXT_MAX))


class _Header(Schema):
    place = CleanText(load_default="", validate=validate.Length(max=300))
    minute_taker = CleanText(load_default="", validate=validate.Length(max=300))


class _Attendance(Schema):
    count = fields.Integer(load_default=None, allow_none=True, strict=True, validate=validate.Range(0, 100_000))
    people = fields.List(fields.Nested(_Attendee), load_default=list, validate=validate.Length(max=LINES_MAX))


class ProtocolEdits(Schema):
    """Everything a person may change in the draft; the rest is generated from the session."""

    language = fields.String(load_default="de", validate=validate.OneOf(LOCALES))
    header = fields.Nested(_Header, load_default=dict)
    attendance = fields.Nested(_Attendance, load_default=dict)
    distribution = fields.List(
        CleanText(validate=validate.Length(max=300)), load_default=list, validate=validate.Length(max=LINES_MAX)
    )
    next_date = CleanText(load_default="", validate=validate.Length(max=300))
    open_points = fields.List(
        CleanText(validate=validate.Length(max=LINE_MAX)),
        allow_none=True,
        load_default=None,
        validate=validate.Length(max=LINES_MAX),
    )
    tops = fields.Dict(
        keys=fields.String(validate=validate.Length(1, 80)), values=fields.Nested(_Top), load_default=dict
    )
    annex = fields.Boolean(load_default=True)  # every contribution in full as an annex


def _ensure_draft(draft: ProtocolDraft) -> None:
    if draft.status == FINAL:
        raise ProtocolError(
            N_("Das Protokoll ist endgültig und gesperrt. Öffnen Sie es erneut (mit Begründung), um es zu ändern.")
        )


def save_edits(db: Session, ws: WorkshopSession, user_id: int, raw: dict) -> ProtocolDraft:
    """Validate and store the edits; bad input changes nothing and names what is wrong."""
    draft = draft_of(db, ws)
    _ensure_draft(draft)
    try:
        edits = ProtocolEdits().load(raw)
    except ValidationError as error:
        raise ProtocolError(N_("Eingabe ungültig: %(errors)s"), errors=describe_errors(error.messages)) from error
    unknown = set(edits["tops"]) - {step["key"] for step in ws.steps}
    if unknown:
        raise ProtocolError(N_("Diese Sitzung hat keinen TOP „%(key)s“."), key=sorted(unknown)[0])
    # Results equal to the generated ones stay "generated", so later captures still show up, also
    # when the form (still in the old language) switches the protocol's language.
    generated = [build_protocol(db, ws, {}, language) for language in {edits["language"], draft.language}]
    for key, top in edits["tops"].items():
        if top["results"] is not None and any(
            [r for r in top["results"] if r] == item.results
            for protocol in generated
            for item in protocol.agenda
            if item.key == key
        ):
            top["results"] = None
    if edits["open_points"] is not None and any(
        [p for p in edits["open_points"] if p] == protocol.open_points for protocol in generated
    ):
        edits["open_points"] = None
    draft.language = edits.pop("language")
    draft.edits = edits
    draft.updated_at, draft.updated_by_id = utcnow(), user_id
    db.flush()
    return draft


def finalize(db: Session, ws: WorkshopSession, user_id: int) -> ProtocolVersion:
    """Freeze the draft as the next version and lock it."""
    draft = draft_of(db, ws)
    _ensure_draft(draft)
    protocol = build_protocol(db, ws, draft.edits, draft.language, attachments_of(db, ws))
    number = (db.scalar(select(func.max(ProtocolVersion.number)).where(ProtocolVersion.session_id == ws.id)) or 0) + 1
    protocol.status, protocol.version = FINAL, number
    version = ProtocolVersion(
        session_id=ws.id, number=number, document=protocol.to_dict(), finalized_at=utcnow(), finalized_by_id=user_id
    )
    db.add(version)
    draft.status = FINAL
    db.flush()
    return version


def reopen(db: Session, ws: WorkshopSession, user_id: int, reason: str) -> ProtocolReopening:
    draft = draft_of(db, ws)
    if draft.status != FINAL:
        raise ProtocolError(N_("Das Protokoll ist noch ein Entwurf; es muss nicht wieder geöffnet werden."))
    reason = (reason or "").strip()
    if not 3 <= len(reason) <= 1000:
        raise ProtocolError(N_("Bitte begründen Sie das erneute Öffnen (3 bis 1000 Zeichen)."))
    number = db.scalar(select(func.max(ProtocolVersion.number)).where(ProtocolVersion.session_id == ws.id))
    reopening = ProtocolReopening(
        session_id=ws.id, version_number=number, reason=reason, reopened_at=utcnow(), reopened_by_id=user_id
    )
    db.add(reopening)
    draft.status = DRAFT
    db.flush()
    return reopening


# --- attachments ------------------------------------------------------------------------------


def add_attachment(
    db: Session, ws: WorkshopSession, user_id: int, filename: str, data: bytes, caption: str
) -> ProtocolAttachment:
    _ensure_draft(peek_draft(db, ws))  # the cheap refusals first, reading only
    if len(attachments_of(db, ws)) >= MAX_ATTACHMENTS:
        raise ProtocolError(N_("Höchstens %(max)s Anlagen je Protokoll."), max=MAX_ATTACHMENTS)
    caption = re.sub(r"\s+", " ", caption or "").strip()[:300] or filename.rsplit(".", 1)[0][:300] or "Anlage"
    if len(data) > MAX_ATTACHMENT_BYTES:  # before anything is handed to a worker
        raise ProtocolError(
            N_("Die Datei ist zu groß (%(size)s MB); erlaubt sind höchstens %(max)s MB."),
            size=f"{len(data) / 1024 / 1024:.1f}",
            max=MAX_ATTACHMENT_BYTES // 1024 // 1024,
        )
    # Decoding a photo takes up to a second of CPU (38 megapixels): a worker does it (workshop/jobs).
    # No transaction stays open meanwhile: a write lock held would stop every room's writes, and
    # on SQLite a write on a snapshot older than another commit is refused (SQLITE_BUSY_SNAPSHOT).
    db.rollback()
    encoded, mimetype, width, height = jobs.run(images.check_image, filename, data, owner=user_id)
    _ensure_draft(draft_of(db, ws))  # again, in the transaction that writes (it may have changed)
    attachment = ProtocolAttachment(
        session_id=ws.id,
        caption=caption,
        mimetype=mimetype,
        width=width,
        height=height,
        data=encoded,
        uploaded_at=utcnow(),
        uploaded_by_id=user_id,
    )
    db.add(attachment)
    db.flush()
    return attachment


def remove_attachment(db: Session, ws: WorkshopSession, attachment_id: int) -> None:
    _ensure_draft(draft_of(db, ws))
    attachment = db.get(ProtocolAttachment, attachment_id)
    if attachment is None or attachment.session_id != ws.id or attachment.removed_at is not None:
        raise ProtocolError(N_("Diese Anlage gibt es nicht."))
    attachment.removed_at = utcnow()
    db.flush()
