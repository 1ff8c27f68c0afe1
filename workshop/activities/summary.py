"""Summary: a step that shows what has been captured into the record; nobody adds anything."""

from __future__ import annotations

from workshop.activities.base import Activity
from workshop.activities.protocol import Fold, Section
from workshop.i18n import N_


class SummaryActivity(Activity):
    type = "summary"
    label = N_("Zusammenfassung")
    capturable = False  # it shows captures; it has no results of its own

    def protocol(self, f: Fold, step: dict, item: Section) -> None:
        """The summary step shows what went into the record; its captures say it."""
