"""The suggestions in a worker process (workshop/jobs): suggest() grows with the cards (600 take
~275 ms of CPU) and every room of the process shares the event loop. The optional meaning model
(semantic.py) is loaded in the worker too."""

from __future__ import annotations

from workshop import jobs
from workshop.suggestions import semantic
from workshop.suggestions.grouping import suggest


@jobs.task(seconds=30)
def suggestion_views(
    cards: list[tuple[int, str]], clusterable: list[int], rejected: list[str], meaning: bool
) -> list[dict]:
    similarity = semantic.meaning_similarity() if meaning and semantic.available() else None
    found = suggest(cards, clusterable=set(clusterable), rejected=rejected, similarity=similarity)
    return [suggestion.view() for suggestion in found]
