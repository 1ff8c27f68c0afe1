"""Summary: a step that shows what has been captured into the record; nobody adds anything."""

from workshop.activities.base import Activity


class SummaryActivity(Activity):
    type = "summary"
    capturable = False  # it shows captures; it has no results of its own
