from __future__ import annotations

from dataclasses import dataclass

FACILITATOR = "facilitator"
PARTICIPANT = "participant"
SYSTEM = "system"
VIEWER = "viewer"  # the projector: sees everything public, changes nothing


@dataclass(frozen=True)
class Actor:
    """Who is acting. Established by the socket / HTTP layer, trusted by the engine."""

    role: str
    id: int | None = None

    @property
    def label(self) -> str:
        return self.role if self.id is None else f"{self.role}:{self.id}"

    @classmethod
    def system(cls) -> "Actor":
        return cls(SYSTEM)
