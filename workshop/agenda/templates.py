"""Session templates: a process unit's format as YAML in session_templates/, checked at load.

A broken file is refused with a message naming the file, the step and the field, e.g.
"framing.yaml: step 4 'vote': budget: Must be greater than or equal to 1 and less than or equal to 50."
"""

from __future__ import annotations

import copy
from pathlib import Path

import yaml
from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validate

from workshop.activities.registry import ACTIVITIES
from workshop.config import SESSION_TEMPLATE_DIR
from workshop.i18n import LocalizedText, current_locale, in_language, localized
from workshop.measures.record_template import RecordTemplate, load_record_template
from workshop.sessions.steps import Problem, Step, StepRef
from workshop.validation import describe_errors

KEY = validate.Regexp(r"^[a-z][a-z0-9_-]{0,39}$", error="use lower-case letters, digits, - and _ (max. 40)")
# Units 1–5 are the pre-process (seed 000); 6 is the review after the mandate (Sachstand und
# Selbstevaluation, session_templates/review.yaml).
MAX_UNIT = 6
BASE_STEP_KEYS = {"key", "type", "title", "prompt", "timebox_minutes", "capture", "unit"}


class TemplateError(ValueError):
    """A format that cannot be used. The message is for the log and the template's author (it names
    file, step and key); `sentence`, where given, is what a person in the app reads instead."""

    def __init__(self, message: str, sentence: object = None):
        super().__init__(message)
        self.sentence = sentence  # a lazy text: rendered in the language of whoever reads it

    def for_people(self) -> str:
        if self.sentence is not None:
            return str(self.sentence)
        return _("die Vorlage ist fehlerhaft (%(detail)s)", detail=str(self))


class CaptureSchema(Schema):
    field = fields.String(validate=validate.Length(1, 80))
    top = fields.Integer(strict=True, validate=validate.Range(1, 100))
    mode = fields.String(validate=validate.OneOf(["replace", "append"]))  # default for this step


class StepBaseSchema(Schema):
    key = fields.String(required=True, validate=KEY)
    type = fields.String(required=True, validate=lambda value: validate.OneOf(sorted(ACTIVITIES))(value))
    title = LocalizedText(required=True, max_length=120)
    prompt = LocalizedText(load_default=None, max_length=1000)
    timebox_minutes = fields.Integer(strict=True, validate=validate.Range(1, 480), load_default=None)
    capture = fields.Nested(CaptureSchema, load_default=None)
    # The unit a step was appended from in a combined agenda (its guide prefills the step's notes).
    unit = fields.Integer(strict=True, validate=validate.Range(1, MAX_UNIT))


class TemplateHeaderSchema(Schema):
    key = fields.String(required=True, validate=KEY)
    unit = fields.Integer(required=True, strict=True, validate=validate.Range(1, MAX_UNIT))
    title = LocalizedText(required=True, max_length=200)
    description = LocalizedText(load_default=None, max_length=2000)
    record_template = fields.String(load_default="default")
    anonymous = fields.Boolean(load_default=False)  # a public audience: no names are asked
    # Which units' formats the agenda combines (the builder's "append a format"); absent: just `unit`.
    units = fields.List(
        fields.Integer(strict=True, validate=validate.Range(1, MAX_UNIT)), validate=validate.Length(max=10)
    )
    # A session's copy maps fields its measure's record lacks (agenda/create.py): the builder checks
    # that copy again, so the map must pass.
    field_map = fields.Dict(keys=fields.String(), values=fields.String())
    steps = fields.List(fields.Dict(), required=True, validate=validate.Length(1, 30))


def template_units(template: dict) -> list[int]:
    """The units a format (or a session's agenda) is made of, in order."""
    return sorted(set(template.get("units") or [])) or [template.get("unit") or 1]


def units_label(template: dict) -> str:
    """ "Baustein 1", or "Bausteine 1 + 2" for an agenda combining several units."""
    units = template_units(template)
    if len(units) > 1:
        return _("Bausteine %(units)s", units=" + ".join(str(u) for u in units))
    return _("Baustein %(unit)s", unit=units[0])


def format_label(template: dict, locale: str | None = None) -> str:
    """What a session's format is, for its headers: "Baustein 1: Rahmen setzen", or
    "Bausteine 1 + 2" when the agenda combines several units (one unit's title would be wrong)."""
    if len(template_units(template)) > 1:
        return units_label(template)
    return f"{units_label(template)}: {localized(template.get('title'), locale or current_locale())}"


def parse_template(text: str, source: str) -> dict:
    """Parse and check one template; returns plain data ready to copy into a session."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise TemplateError(f"{source}: not valid YAML: {error}") from error
    return parse_template_data(data, source)


def parse_template_data(data, source: str) -> dict:
    """Check a template given as data (from YAML, or from the in-app editor)."""
    if not isinstance(data, dict):
        raise TemplateError(f"{source}: must be a mapping with key, unit, title and steps")
    try:
        header = TemplateHeaderSchema().load(data)
    except ValidationError as error:
        raise TemplateError(f"{source}: {describe_errors(error.messages)}") from error
    try:
        record_template = load_record_template(header["record_template"])
    except ValueError as error:
        raise TemplateError(f"{source}: record_template: {error}") from error

    steps: list[Step] = []
    for number, raw in enumerate(header["steps"], start=1):
        name = f"step {number}" + (f" '{raw['key']}'" if isinstance(raw.get("key"), str) else "")
        step = load_step(raw, f"{source}: {name}", steps, record_template)
        steps.append(step)
    header["steps"] = [step.stored() for step in steps]  # sessions store the plain form
    return header


def load_step(raw: dict, where: str, earlier: list[Step], record_template: RecordTemplate) -> Step:
    """The one place a step is checked and typed: its base settings, its activity's options (by
    the activity's config_schema), then its rules against the earlier steps and the record."""
    base_part = {k: v for k, v in raw.items() if k in BASE_STEP_KEYS}
    config_part = {k: v for k, v in raw.items() if k not in BASE_STEP_KEYS}
    try:
        base = StepBaseSchema().load(base_part)
    except ValidationError as error:
        raise TemplateError(f"{where}: {describe_errors(error.messages)}") from error
    activity = ACTIVITIES[base["type"]]
    try:
        config: dict = activity.config_schema().load(config_part) if activity.config_schema else {}
        if not activity.config_schema and config_part:
            raise ValidationError({k: ["unknown field"] for k in config_part})
    except ValidationError as error:
        raise TemplateError(f"{where}: {describe_errors(error.messages)}") from error
    step = activity.step_class.from_stored({**base, **config})
    if any(s.key == step.key for s in earlier):
        raise TemplateError(f"{where}: key: '{step.key}' is used by an earlier step")
    problems = [for_file(problem) for problem in step.check({s.key: ACTIVITIES[s.type].offers for s in earlier})]
    capture = step.capture
    if capture and capture.field and record_template.field(capture.field) is None:
        problems.append(f"capture.field: the record has no field '{capture.field}'")
    if capture and not activity.capturable:
        problems.append(f"capture: a {step.type} step has nothing to capture")
    problems += [
        f"columns: the record has no field '{key}'"
        for key in step.column_fields()
        if record_template.field(key) is None
    ]
    # The status changes only through the status flow, the reference number is the record's own.
    problems += [
        f"capture into '{key}': the status and the reference number are not captured from cards"
        for key in step.record_fields()
        if (found := record_template.field(key)) is not None and (found.type == "status" or key == "reference_number")
    ]
    if problems:
        raise TemplateError(f"{where}: {'; '.join(problems)}")
    return step


def for_file(problem: Problem | str) -> str:
    """A step's own problem for a template file's author: "option: sentence", in English (the
    language of the file checker's other messages), another step named by its key."""
    if isinstance(problem, str):
        return problem
    values = {k: f"'{v.key}'" if isinstance(v, StepRef) else v for k, v in problem.values.items()}
    text = in_language("en", problem.text, **values)
    return f"{problem.option}: {text}" if problem.option else text


def load_template_file(path: Path) -> dict:
    template = parse_template(path.read_text(encoding="utf-8"), path.name)
    if template["key"] != path.stem:
        raise TemplateError(f"{path.name}: key: '{template['key']}' must match the file name")
    return template


# A file's checked template (or why it fails) by (path, mtime, size): checking the five formats
# took 24 ms, on every page that lists them (the record, the builder, the formats library) and every
# session created. A changed file is read again.
_LOADED: dict[Path, tuple[tuple[float, int], dict | TemplateError]] = {}


def template_file(path: Path) -> dict:
    """The checked template of a file (load_template_file, remembered while the file is unchanged);
    each caller gets its own copy (a session stores and changes its own)."""
    stat = path.stat()
    version = (stat.st_mtime, stat.st_size)
    known = _LOADED.get(path)
    if known is None or known[0] != version:
        try:
            loaded: dict | TemplateError = load_template_file(path)
        except TemplateError as error:
            loaded = error
        known = _LOADED[path] = (version, loaded)
    if isinstance(known[1], TemplateError):
        raise known[1]
    return copy.deepcopy(known[1])


def available_templates(directory: Path = SESSION_TEMPLATE_DIR) -> dict[str, dict]:
    """Every template that loads; broken files are skipped here (use check_templates to see why)."""
    templates = {}
    for path in sorted(directory.glob("*.yaml")):
        try:
            templates[path.stem] = template_file(path)
        except TemplateError:
            continue
    return templates


def check_templates(paths: list[Path]) -> list[str]:
    errors = []
    for path in paths:
        try:
            load_template_file(path)
        except (TemplateError, OSError) as error:
            errors.append(str(error))
    return errors
