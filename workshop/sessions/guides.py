"""A facilitator's guide per process unit (seed 000: "Planung einer Maßnahme – Vorprozess"): goal,
roles, preparation, guiding questions, method notes, pitfalls, materials — in guides.yaml beside
this file. Goal, guiding questions and pitfalls prefill the console's private notes of every step
of a session of that unit (until the facilitator writes their own); the whole guide is printable
for trainees (/training/guides).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

GUIDES_FILE = Path(__file__).with_name("guides.yaml")
PARTS = ("goal", "roles", "preparation", "questions", "method", "pitfalls", "materials")
NOTE_PARTS = {
    "goal": {"de": "Ziel", "en": "Goal"},
    "questions": {"de": "Leitfragen", "en": "Guiding questions"},
    "pitfalls": {"de": "Stolpersteine", "en": "Pitfalls"},
}


@cache
def guides() -> dict[int, dict]:
    return {int(unit): guide for unit, guide in yaml.safe_load(GUIDES_FILE.read_text(encoding="utf-8")).items()}


def guide_for(unit: int | None) -> dict[str, str] | None:
    """The short guide that prefills the notes, as {de, en} text (None for a unit without one)."""
    guide = guides().get(unit) if unit is not None else None
    if guide is None:
        return None
    return {
        lang: "\n".join(f"{label[lang]}: {guide[part][lang]}" for part, label in NOTE_PARTS.items())
        for lang in ("de", "en")
    }
