from __future__ import annotations

from sqlalchemy import select

from workshop.accounts.models import Facilitator

MIN_PASSWORD_LENGTH = 10


def create_facilitator(session, email: str, display_name: str, password: str) -> Facilitator:
    email = email.strip().lower()
    if "@" not in email or len(email) > 254:
        raise ValueError(f"'{email}' is not an e-mail address")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    # Hash before the first read: on SQLite (WAL) a transaction that read before another
    # connection's commit may no longer write, and scrypt leaves plenty of time for one.
    user = Facilitator(email=email, display_name=display_name.strip() or email)
    user.set_password(password)
    if session.scalars(select(Facilitator).where(Facilitator.email == email)).first():
        raise ValueError(f"there is already a facilitator with e-mail {email}")
    session.add(user)
    session.flush()
    return user
