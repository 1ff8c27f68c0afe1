"""Join codes: 6 characters a person can read off a projector and type on a phone."""

from __future__ import annotations

import re
import secrets

# No look-alikes: 0/O, 1/I/L, 2/Z, 5/S, 8/B are left out.
ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
LENGTH = 6
_VALID = re.compile(f"^[{ALPHABET}]{{{LENGTH}}}$")


def new_join_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalize(code: str) -> str | None:
    """What a person typed → a code, or None. Forgiving about case, spaces and dashes."""
    cleaned = re.sub(r"[\s-]", "", code or "").upper()
    return cleaned if _VALID.match(cleaned) else None
