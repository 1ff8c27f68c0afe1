"""The status flow of a measure: idea → draft → mandated → in implementation → done, and
continuation (Verstetigung). From the mandate on the record is locked: changing a field needs an
explicit reopening, recorded with who, when and why (a MeasureStatusChange of kind "reopen")."""

from __future__ import annotations

from workshop.i18n import N_
from workshop.measures.messages import Label, RecordRefused
from workshop.measures.models import Measure, MeasureStatusChange

IDEA, DRAFT, MANDATED, IN_IMPLEMENTATION, DONE, CONTINUATION = (
    "idea",
    "draft",
    "mandated",
    "in_implementation",
    "done",
    "continuation",
)
LABELS = {
    IDEA: N_("Idee"),
    DRAFT: N_("Entwurf"),
    MANDATED: N_("Mandatiert"),  # German; views translate
    IN_IMPLEMENTATION: N_("In Umsetzung"),
    DONE: N_("Abgeschlossen"),
    CONTINUATION: N_("Verstetigung"),
}
NEXT = {
    IDEA: (DRAFT,),
    DRAFT: (MANDATED,),
    MANDATED: (IN_IMPLEMENTATION,),
    IN_IMPLEMENTATION: (DONE, CONTINUATION),
    DONE: (CONTINUATION,),
    CONTINUATION: (),
}
LOCKED = frozenset({MANDATED, IN_IMPLEMENTATION, DONE, CONTINUATION})
REASON_MAX = 2000


class StatusError(RecordRefused):
    """A Rejected, so a capture into a locked record is refused by the live engine as well."""


def is_locked(measure: Measure) -> bool:
    return measure.status in LOCKED


def ensure_editable(measure: Measure) -> None:
    """Raise StatusError('measure_locked') unless the record may be changed (the one lock rule)."""
    ensure_status_editable(measure.status)


def ensure_status_editable(status: str) -> None:
    """ensure_editable for a caller that read only the measure's status (the co-drafting write path)."""
    if status in LOCKED:
        raise StatusError(
            "measure_locked",
            N_(
                "Die Maßnahme ist „%(status)s“: Der Steckbrief ändert sich erst nach einer Wiedereröffnung "
                "mit Begründung."
            ),
            status=Label(LABELS[status]),
        )


def check_advance(measure: Measure, to_status: str) -> None:
    if to_status not in NEXT.get(measure.status, ()):
        raise StatusError(
            "wrong_status",
            N_("Von „%(current)s“ aus geht es nicht zu „%(target)s“."),
            current=Label(LABELS.get(measure.status, measure.status)),
            target=Label(LABELS.get(to_status, to_status)),
        )


def check_reopen(measure: Measure, reason: str) -> str:
    """The reason to keep, or StatusError."""
    if not is_locked(measure):
        raise StatusError("not_locked", N_("Nur eine mandatierte (gesperrte) Maßnahme muss wiedereröffnet werden."))
    reason = (reason or "").strip()
    if not reason:
        raise StatusError(
            "reason_required", N_("Bitte begründen Sie, warum die mandatierte Maßnahme wiedereröffnet wird.")
        )
    if len(reason) > REASON_MAX:
        raise StatusError("invalid", N_("Die Begründung hat höchstens %(max)s Zeichen."), max=REASON_MAX)
    return reason


def status_change(
    measure: Measure, to_status: str, kind: str, reason: str, author_id: int | None
) -> MeasureStatusChange:
    """The row recording one step of the flow; the record operations add it and write the field."""
    change = MeasureStatusChange(
        measure_id=measure.id,
        from_status=measure.status,
        to_status=to_status,
        kind=kind,
        reason=reason,
        author_id=author_id,
    )
    measure.status = to_status
    return change


# The status flow is a record operation (it writes the record's status field as a revision):
# workshop.measures.record.advance_status / reopen_status. This module holds the rules only, so
# it imports nothing of the record and record -> status is the only direction.
