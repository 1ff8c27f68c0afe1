"""Summary: a step that shows what has been captured into the record; nobody adds anything."""

from __future__ import annotations

from workshop.activities.base import Activity
from workshop.activities.protocol import Fold, Section


class SummaryActivity(Activity):
    type = "summary"
    capturable = False  # it shows captures; it has no results of its own

    def protocol(self, f: Fold, step: dict, item: Section) -> None:
        """The summary step shows what went into the record; its captures say it."""
