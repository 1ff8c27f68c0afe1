"""Record templates: the fields of a measure record, kept as YAML data in record_templates/."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from marshmallow import Schema, ValidationError, fields, validate

from workshop.config import RECORD_TEMPLATE_DIR
from workshop.i18n import LocalizedText, localized
from workshop.validation import describe_errors

FIELD_TYPES = ("text", "longtext", "list", "date", "status", "money", "people")


class FieldSchema(Schema):
    key = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]{0,79}$"))
    type = fields.String(required=True, validate=validate.OneOf(FIELD_TYPES))
    label = LocalizedText(required=True, max_length=200)
    help = LocalizedText(max_length=500)
    choices = fields.List(fields.String(validate=validate.Length(1, 80)))


# Built from a dict: a section's YAML key is "fields", which as a class attribute would shadow
# Schema.fields.
SectionSchema = Schema.from_dict(
    {
        "title": LocalizedText(required=True, max_length=200),
        "fields": fields.List(fields.Nested(FieldSchema), required=True, validate=validate.Length(min=1)),
    },
    name="SectionSchema",
)


class MilestoneStatusSchema(Schema):
    key = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]{0,39}$"))
    label = LocalizedText(required=True, max_length=80)
    # done: the milestone counts as reached (its weight is progress); excluded: it no longer counts
    # at all (obsolete, dropped) — the seed 004 matrix pairs "Abgeschlossen/Veraltet".
    done = fields.Boolean(load_default=False)
    excluded = fields.Boolean(load_default=False)


class MonitoringSchema(Schema):
    milestone_statuses = fields.List(
        fields.Nested(MilestoneStatusSchema), required=True, validate=validate.Length(2, 12)
    )


class RecordTemplateSchema(Schema):
    key = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_-]{0,79}$"))
    title = LocalizedText(required=True, max_length=200)
    note = LocalizedText(max_length=1000)  # shown on the record, e.g. Berlin's "not final, add yours"
    sections = fields.List(fields.Nested(SectionSchema), required=True, validate=validate.Length(min=1))
    monitoring = fields.Nested(MonitoringSchema)  # after the mandate: the milestones' status matrix


class RecordTemplateError(ValueError):
    pass


@dataclass(frozen=True)
class RecordField:
    key: str
    type: str
    label: dict
    help: dict | None
    choices: tuple[str, ...]

    def label_text(self, locale: str = "de") -> str:
        return localized(self.label, locale)


@dataclass(frozen=True)
class MilestoneStatus:
    key: str
    label: dict
    done: bool = False
    excluded: bool = False

    def label_text(self, locale: str = "de") -> str:
        return localized(self.label, locale)


# The status matrix of seed 004 (ISEK kick-off: Vorhanden/Geplant · In Umsetzung/aktiv ·
# Abgeschlossen/Veraltet · Monitoring/Fortschreibung), for a template that names none.
DEFAULT_MILESTONE_STATUSES = (
    MilestoneStatus("planned", {"de": "Geplant", "en": "Planned"}),
    MilestoneStatus("active", {"de": "In Umsetzung", "en": "In progress"}),
    MilestoneStatus("done", {"de": "Abgeschlossen", "en": "Done"}, done=True),
    MilestoneStatus("obsolete", {"de": "Veraltet / entfallen", "en": "Obsolete / dropped"}, excluded=True),
    MilestoneStatus("monitoring", {"de": "Monitoring / Fortschreibung", "en": "Monitoring / update"}, done=True),
)


@dataclass(frozen=True)
class RecordTemplate:
    key: str
    title: dict
    sections: tuple[tuple[dict, tuple[RecordField, ...]], ...]
    note: dict | None = None
    milestone_statuses: tuple[MilestoneStatus, ...] = DEFAULT_MILESTONE_STATUSES

    def milestone_status(self, key: str) -> MilestoneStatus | None:
        return next((s for s in self.milestone_statuses if s.key == key), None)

    @property
    def fields(self) -> list[RecordField]:
        return [field for _title, section_fields in self.sections for field in section_fields]

    def field(self, key: str) -> RecordField | None:
        return next((f for f in self.fields if f.key == key), None)

    def required_field(self, key: str) -> RecordField:
        """A field the caller has already checked exists (a validated template, a stored revision)."""
        field = self.field(key)
        if field is None:
            raise KeyError(f"record template '{self.key}' has no field '{key}'")
        return field


def parse_record_template(text: str, source: str) -> RecordTemplate:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise RecordTemplateError(f"{source}: not valid YAML: {error}") from error
    if not isinstance(data, dict):
        raise RecordTemplateError(f"{source}: must be a mapping with key, title, sections")
    try:
        loaded = RecordTemplateSchema().load(data)
    except ValidationError as error:
        raise RecordTemplateError(f"{source}: {describe_errors(error.messages)}") from error
    keys = [f["key"] for s in loaded["sections"] for f in s["fields"]]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        raise RecordTemplateError(f"{source}: field key(s) used twice: {', '.join(duplicates)}")
    sections = tuple(
        (
            section["title"],
            tuple(
                RecordField(f["key"], f["type"], f["label"], f.get("help"), tuple(f.get("choices", ())))
                for f in section["fields"]
            ),
        )
        for section in loaded["sections"]
    )
    statuses: tuple[MilestoneStatus, ...] = DEFAULT_MILESTONE_STATUSES
    if "monitoring" in loaded:
        statuses = tuple(MilestoneStatus(**status) for status in loaded["monitoring"]["milestone_statuses"])
        status_keys = [status.key for status in statuses]
        if len(set(status_keys)) != len(status_keys):
            raise RecordTemplateError(f"{source}: monitoring.milestone_statuses: a key is used twice")
        if not any(status.done for status in statuses):
            raise RecordTemplateError(f"{source}: monitoring.milestone_statuses: one status must be done: true")
        if statuses[0].done or statuses[0].excluded:
            raise RecordTemplateError(
                f"{source}: monitoring.milestone_statuses: the first status is a new milestone's (not done)"
            )
    return RecordTemplate(loaded["key"], loaded["title"], sections, loaded.get("note"), statuses)


@cache
def load_record_template(key: str = "default", directory: Path = RECORD_TEMPLATE_DIR) -> RecordTemplate:
    path = directory / f"{key}.yaml"
    if not path.exists():
        raise RecordTemplateError(f"no record template '{key}' in {directory}")
    template = parse_record_template(path.read_text(encoding="utf-8"), str(path.name))
    if template.key != key:
        raise RecordTemplateError(f"{path.name}: key '{template.key}' does not match file name")
    return template


DEFAULT_RECORD_TEMPLATE = "default"  # the Berlin measure sheet


def available_record_templates(directory: Path = RECORD_TEMPLATE_DIR) -> list[str]:
    """Keys, the default (Berlin) first."""
    keys = sorted(p.stem for p in directory.glob("*.yaml"))
    return sorted(keys, key=lambda k: (k != DEFAULT_RECORD_TEMPLATE, k))


def record_template_choices(locale: str = "de") -> list[tuple[str, str]]:
    """(key, human name) for forms: "Berlin Maßnahmensteckbrief", "Aachen Aktionsplan"."""
    return [(key, localized(load_record_template(key).title, locale)) for key in available_record_templates()]
