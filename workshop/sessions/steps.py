"""Typed steps: what a template's step says, as an object instead of a YAML dict.

Loaded at the boundaries (a template being checked: agenda/templates.py; the engine's step rules:
activities/registry.step_of), each activity type with its own subclass and typed options (next to
its module). Sessions keep storing the plain dict (`stored()`), so no stored JSON changes.
Read-only by convention, not frozen: the engine loads one per op, and a frozen dataclass takes
five times as long to build.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any, Self

Localized = dict[str, str]  # {"de": …, "en": …}: LocalizedText's loaded form


@dataclass(frozen=True)
class StepRef:
    """Another step, named in a problem: the builder says "Schritt 3 „Titel“", a template file 'key'."""

    key: str


@dataclass(frozen=True)
class Problem:
    """What a step's own check finds: the option it is about ("" for the step as a whole) and a
    sentence, a German msgid (N_) with %(name)s values, in whoever reads it's language (the
    builder's person, or English for a template file's author)."""

    option: str
    text: str
    values: Mapping[str, Any] = field(default_factory=dict)
    names_option: bool = True  # the builder puts the option's name first ("„Quelle“: …")


@dataclass(kw_only=True)
class Capture:
    """Where a step's results go in the record (each part optional)."""

    field: str | None = None
    top: int | None = None
    mode: str | None = None  # replace | append: the default for this step


@dataclass(kw_only=True)
class Column:
    """A column of a card step; field: the record field it is captured into."""

    key: str
    title: Localized
    field: str | None = None


@dataclass(kw_only=True)
class Step:
    """The settings every step has. Subclasses add an activity's own options."""

    key: str
    type: str
    title: Localized
    prompt: Localized | None = None
    timebox_minutes: int | None = None
    capture: Capture | None = None
    unit: int | None = None  # a combined agenda: the unit it was appended from (its guide's notes)

    @classmethod
    def from_stored(cls, data: Mapping[str, Any]) -> Self:
        """From a checked step dict (a session's template); keys of other types are ignored."""
        names = _field_names(cls)
        values = {key: value for key, value in data.items() if key in names}
        if values.get("capture") is not None:
            values["capture"] = Capture(**values["capture"])
        return cls(**cls._nested(values))

    @classmethod
    def _nested(cls, values: dict[str, Any]) -> dict[str, Any]:
        """Subclasses turn their nested options into objects here."""
        return values

    def stored(self) -> dict[str, Any]:
        """The dict sessions store (unset nested parts left out, as the template had them)."""
        stored = {f.name: _plain(getattr(self, f.name)) for f in fields(self)}
        if stored["unit"] is None:  # only steps appended from another unit carry one
            del stored["unit"]
        return stored

    def column_fields(self) -> list[str]:
        """The record fields its columns are captured into (a card step's)."""
        return []

    def record_fields(self) -> list[str]:
        """Every record field this step names: its columns' and its capture's."""
        return self.column_fields() + ([self.capture.field] if self.capture and self.capture.field else [])

    def check(self, earlier: dict[str, frozenset[str]]) -> list[Problem]:
        """Its rules across its options and against the earlier steps (earlier: what each offers,
        by key), for a template file and the builder alike."""
        return []


_FIELD_NAMES: dict[type, frozenset[str]] = {}  # per step class: fields() on every op costs


def _field_names(cls: type) -> frozenset[str]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = frozenset(f.name for f in fields(cls))
    return names


def _plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value) if getattr(value, f.name) is not None}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value
