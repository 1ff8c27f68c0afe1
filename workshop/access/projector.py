"""Projector links: a scoped, revocable, read-only way into one session's projector view for the
room's PC, so nobody logs in with their own account on a shared machine."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from workshop.access.models import ProjectorLink
from workshop.db import utcnow


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_link(db: Session, session_id: int, created_by: int) -> tuple[ProjectorLink, str]:
    """A new link; the token is returned once (only its hash is kept)."""
    token = secrets.token_urlsafe(24)
    link = ProjectorLink(session_id=session_id, token_hash=_hash(token), created_by=created_by)
    db.add(link)
    db.flush()
    return link, token


def projector_link(db: Session, session_id: int | None, token) -> ProjectorLink | None:
    """The link this token opens (for this session, when given), or None (unknown or revoked)."""
    if not token or not isinstance(token, str) or len(token) > 100:
        return None
    link = db.scalars(select(ProjectorLink).where(ProjectorLink.token_hash == _hash(token))).first()
    if link is None or link.revoked_at is not None or (session_id is not None and link.session_id != session_id):
        return None
    return link


def revoke(link: ProjectorLink) -> None:
    if link.revoked_at is None:
        link.revoked_at = utcnow()


def links_of(db: Session, session_id: int) -> list[ProjectorLink]:
    return list(
        db.scalars(select(ProjectorLink).where(ProjectorLink.session_id == session_id).order_by(ProjectorLink.id))
    )
