"""The status flow of a measure: idea → draft → mandated → in implementation → done, and
continuation (Verstetigung). From the mandate on the record is locked: changing a field needs an
explicit reopening, recorded with who, when and why (a MeasureStatusChange of kind "reopen")."""
from __future__ import annotations

from sqlalchemy.orm import Session

from workshop.i18n import N_
from workshop.ops import Rejected
from workshop.measures.models import Measure, MeasureStatusChange

IDEA, DRAFT, MANDATED, IN_IMPLEMENTATION, DONE, CONTINUATION = (
    "idea", "draft", "mandated", "in_implementation", "done", "continuation")
LABELS = {IDEA: N_("Idee"), DRAFT: N_("Entwurf"), MANDATED: N_("Mandatiert"),  # German; views translate
          IN_IMPLEMENTATION: N_("In Umsetzung"), DONE: N_("Abgeschlossen"), CONTINUATION: N_("Verstetigung")}
NEXT = {IDEA: (DRAFT,), DRAFT: (MANDATED,), MANDATED: (IN_IMPLEMENTATION,),
        IN_IMPLEMENTATION: (DONE, CONTINUATION), DONE: (CONTINUATION,), CONTINUATION: ()}
LOCKED = frozenset({MANDATED, IN_IMPLEMENTATION, DONE, CONTINUATION})
REASON_MAX = 2000


class StatusError(Rejected):
    """A Rejected, so a capture into a locked record is refused by the live engine as well."""


def is_locked(measure: Measure) -> bool:
    return measure.status in LOCKED


def ensure_editable(measure: Measure) -> None:
    """Raise StatusError('measure_locked') unless the record may be changed."""
    if is_locked(measure):
        raise StatusError(
            "measure_locked",
            f"The measure is {LABELS[measure.status]} (mandated): reopen it, with a reason, "
            "before changing the record.")


def advance(db: Session, measure: Measure, to_status: str, author_id: int) -> MeasureStatusChange:
    if to_status not in NEXT.get(measure.status, ()):
        allowed = ", ".join(NEXT.get(measure.status, ())) or "nothing"
        raise StatusError("wrong_status",
                          f"From {measure.status} the measure can move to {allowed}, not {to_status}.")
    return _change(db, measure, to_status, "advance", "", author_id)


def reopen(db: Session, measure: Measure, reason: str, author_id: int) -> MeasureStatusChange:
    """Back to draft after the mandate; the reason is required and kept."""
    if not is_locked(measure):
        raise StatusError("not_locked", "Only a mandated (locked) measure needs reopening.")
    reason = (reason or "").strip()
    if not reason:
        raise StatusError("reason_required", "reason: say why the mandated measure is reopened.")
    if len(reason) > REASON_MAX:
        raise StatusError("invalid", f"reason: at most {REASON_MAX} characters.")
    return _change(db, measure, DRAFT, "reopen", reason, author_id)


def _change(db, measure, to_status, kind, reason, author_id) -> MeasureStatusChange:
    from workshop.measures.record import set_field, template_of  # record imports this module

    change = MeasureStatusChange(measure_id=measure.id, from_status=measure.status,
                                 to_status=to_status, kind=kind, reason=reason, author_id=author_id)
    measure.status = to_status
    db.add(change)
    field = next((f for f in template_of(measure).fields if f.type == "status"), None)
    if field is not None:  # the record's status field shows the flow's state, as a revision
        label = LABELS[to_status] + (f" (wiedereröffnet: {reason})" if kind == "reopen" else "")
        set_field(db, measure, field.key, [{"text": label, "source": None}],
                  source_kind="status", author_id=author_id, check_lock=False)
    db.flush()
    return change
