"""Who may read or write a measure in the register, the read API and the public-page forms: the
access policy (workshop/access/policy.py) decides; these two helpers only ask it for the logged-in
person."""

from __future__ import annotations

from workshop.access import policy
from workshop.measures.models import Measure
from workshop.web import db


def _user_id(facilitator) -> int | None:
    return facilitator.id if getattr(facilitator, "is_authenticated", False) else None


def may_read_measure(facilitator, measure: Measure | None = None) -> bool:
    """Anyone logged in may open the register; a measure only its team reads."""
    user_id = _user_id(facilitator)
    if user_id is None:
        return False
    return measure is None or policy.may(db(), user_id, "measure.read", measure)


def may_write_measure(facilitator, measure: Measure | None = None) -> bool:
    """Anyone logged in may import (new measures become theirs); a measure only its editors change."""
    user_id = _user_id(facilitator)
    if user_id is None:
        return False
    return measure is None or policy.may(db(), user_id, "measure.edit", measure)
