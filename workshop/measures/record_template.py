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


class RecordTemplateSchema(Schema):
    key = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_-]{0,79}$"))
    title = LocalizedText(required=True, max_length=200)
    note = LocalizedText(max_length=1000)  # shown on the record, e.g. Berlin's "not final, add yours"
    sections = fields.List(fields.Nested(SectionSchema), required=True, validate=validate.Length(min=1))


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
class RecordTemplate:
    key: str
    title: dict
    sections: tuple[tuple[dict, tuple[RecordField, ...]], ...]
    note: dict | None = None

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
    return RecordTemplate(loaded["key"], loaded["title"], sections, loaded.get("note"))


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
