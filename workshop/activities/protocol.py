"""What an activity's part of the protocol is written with: each activity fills its agenda item
(TOP) in Activity.protocol(); protocols/model.py builds the document around it.

Here and not in protocols/: the protocol package imports the activities, so they must not
import it back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from workshop.sessions.models import WorkshopSession


class Words(Protocol):
    """The protocol's language (protocols/wording.Wording): German msgids, the catalog's English."""

    language: str

    def gettext(self, text: str, **values: Any) -> str: ...

    def ngettext(self, singular: str, plural: str, num: int, **values: Any) -> str: ...

    def decimal(self, value: float) -> str: ...


@dataclass
class ProtocolCard:
    text: str
    column: str | None = None
    notes: list[str] = field(default_factory=list)  # "5 Punkte", the author, "von Papier übertragen"
    votes: int | None = None  # dots it got (None: it was not voted on); the TOP's summary names the top ones


@dataclass
class Task:
    what: str
    who: str
    due: str


class Section(Protocol):
    """The parts of an agenda item an activity fills (protocols/model.AgendaItem)."""

    cards: list[ProtocolCard]
    results: list[str]
    withheld: list[str]  # unreleased contributions, counted by reason


@dataclass
class Fold:
    """What every activity may read (and add to) while the protocol is built."""

    db: Session
    ws: WorkshopSession
    w: Words
    names: dict[int, str | None]
    votes: dict[str, dict[int, int]]  # step key -> card id -> dots the step's cards got later
    captured_card_ids: set
    open_points: list[str] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)


def points(w: Words, n: int) -> str:
    return w.ngettext("%(num)d Punkt", "%(num)d Punkte", n)
