"""Who may read or write a measure in the register.

Why one helper: the "access" branch adds teams and measure roles with a policy module; at merge
these two functions are wired to it, and every register route already asks here."""

from __future__ import annotations

from workshop.measures.models import Measure


def may_read_measure(facilitator, measure: Measure | None = None) -> bool:
    """Today every logged-in facilitator reads every measure (as the record pages do)."""
    return bool(getattr(facilitator, "is_authenticated", False))


def may_write_measure(facilitator, measure: Measure | None = None) -> bool:
    return bool(getattr(facilitator, "is_authenticated", False))
