from __future__ import annotations

import hmac
import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from workshop.db import Base, utcnow


class Facilitator(UserMixin, Base):
    __tablename__ = "facilitators"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Part of the id in every login cookie; a logout draws a new one, so a cookie copied before
    # the logout (or left on another device) no longer logs anyone in.
    login_epoch: Mapped[str] = mapped_column(String(32), default=lambda: secrets.token_hex(16), server_default="")

    def set_password(self, password: str) -> None:
        # scrypt with a per-password salt: werkzeug's default, memory-hard.
        self.password_hash = generate_password_hash(password, method="scrypt")

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def get_id(self) -> str:  # Flask-Login: what the session and remember cookies carry
        return f"{self.id}.{self.login_epoch}"

    def matches_epoch(self, epoch: str) -> bool:
        return hmac.compare_digest(self.login_epoch.encode(), epoch.encode())

    def revoke_logins(self) -> None:
        self.login_epoch = secrets.token_hex(16)
