"""The step editor: a list of steps of any activity type, edited as a *draft*. One editor for a
session's agenda (agenda/views.py) and for a format of the library (agenda/format_views.py).

A draft is one dict of plain strings per step, exactly what the form shows, plus `texts`: the
step's texts in every language (JSON), so what the person did not type keeps its other language.
Structural changes (add, remove, move, change type, append a format) act on the draft;
`draft_to_steps` turns it into template steps, with one sentence per problem, in the person's
language, naming the step and the field. Nothing typed is lost: a draft that does not fit is
shown again as it was. Everything here is plain Python over dicts (no request): the pages call
it, and the engine can (a plan changed during a session).

What the editor shows of a type it reads from the activity (activities/base.py): its label, its
presets, and its options from its config schema (kind from the field, label / help / editor from
the field's metadata). A new activity type shows up here by itself.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from flask_babel import gettext as _
from marshmallow import ValidationError, fields, validate

from workshop.activities.base import Activity, Preset
from workshop.activities.registry import ACTIVITIES
from workshop.agenda.templates import (
    StepBaseSchema,
    TemplateError,
    TemplateHeaderSchema,
    parse_template_data,
    template_units,
)
from workshop.i18n import DEFAULT_LOCALE, LOCALES, LocalizedText, current_locale, in_current_language, localized
from workshop.sessions.steps import Problem, StepRef
from workshop.validation import NotAWholeNumber, form_number, whole_number

BASE_FIELDS = ("key", "type", "title", "prompt", "timebox_minutes", "capture_field", "unit", "texts")
COLUMN_LINE = re.compile(r"^\s*(?:([A-Za-z][A-Za-z0-9_-]{0,39})\s*(?:\[([a-z_]+)\])?\s*:)?\s*(.+?)\s*$")


def _range(field: fields.Field) -> tuple[int | None, int | None]:
    found = [v for v in field.validators if isinstance(v, validate.Range)]
    return (found[0].min, found[0].max) if found else (None, None)


def _length(field: fields.Field) -> tuple[int | None, int | None]:
    found = [v for v in field.validators if isinstance(v, validate.Length)]
    return (found[0].min, found[0].max) if found else (None, None)


# The rules of the base settings are the template checker's (agenda/templates.py), read from there.
_BASE = StepBaseSchema().fields
MIN_MINUTES, MAX_MINUTES = _range(_BASE["timebox_minutes"])
FIRST_UNIT, LAST_UNIT = (bound or 1 for bound in _range(_BASE["unit"]))
TITLE_MAX = _BASE["title"].max_length  # type: ignore[attr-defined]
PROMPT_MAX = _BASE["prompt"].max_length  # type: ignore[attr-defined]
MAX_STEPS = _length(TemplateHeaderSchema().fields["steps"])[1] or 30


def column_line(line: str) -> tuple[str | None, str | None, str]:
    """(key, field, title) of a non-blank column line: "key: Title", "key [field]: Title" or a title."""
    match = COLUMN_LINE.match(line)
    if match is None:  # only a blank line fails: the title takes any non-blank text
        raise ValueError(f"not a column line: {line!r}")
    key, field, title = match.groups()
    return key, field, title


# --- what the editor shows of each type -------------------------------------------------------------


@dataclass
class OptionField:
    """One option of an activity's config, as the editor shows it."""

    name: str
    kind: str  # checkbox | number | choice | lines | columns | text | longtext | step | files
    label: str
    help: str = ""
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[tuple[str, str], ...] = ()
    min_lines: int | None = None  # lines and columns: how many the schema takes
    max_lines: int | None = None
    max_length: int | None = None  # texts and lines: how long one may be

    def allows(self, number: int) -> bool:
        """Within the option's range (an integer option without a Range takes any)."""
        return (self.minimum is None or number >= self.minimum) and (self.maximum is None or number <= self.maximum)


def type_label(activity_type: str) -> str:
    activity = ACTIVITIES.get(activity_type)
    return in_current_language(activity.label) if activity and activity.label else activity_type


def type_choices() -> list[tuple[str, str]]:
    """Every activity type, as the editor's "type" field offers them."""
    return [(name, type_label(name)) for name in ACTIVITIES]


def _presets() -> list[tuple[Activity, Preset]]:
    every = [(activity, preset) for activity in ACTIVITIES.values() for preset in activity.step_presets()]
    return [item for item in every if item[1].frame] + [item for item in every if not item[1].frame]


def add_choices() -> list[tuple[str, str]]:
    """What "add a step" offers: the presets that frame the work first, then every activity's."""
    return [(preset.key, in_current_language(preset.label)) for _activity, preset in _presets()]


def preset(choice: str) -> tuple[Activity, Preset] | None:
    return next((item for item in _presets() if item[1].key == choice), None)


def option_fields(activity_type: str) -> list[OptionField]:
    """The option inputs of a type, read from its config schema and the fields' metadata."""
    activity = ACTIVITIES.get(activity_type)
    schema = activity.config_schema if activity else None
    if schema is None:
        return []
    return [_option_field(name, field) for name, field in schema().fields.items()]


def _option_field(name: str, field: fields.Field) -> OptionField:
    meta = field.metadata
    label = in_current_language(meta["label"]) if meta.get("label") else name
    help_text = in_current_language(meta["help"]) if meta.get("help") else ""
    editor = meta.get("editor")
    option = OptionField(name, "text", label, help_text)
    if editor in ("columns", "step", "files"):
        option.kind = editor
        option.min_lines, option.max_lines = _length(field)
    elif isinstance(field, fields.Boolean):
        option.kind = "checkbox"
    elif isinstance(field, fields.Integer):
        option.kind = "number"
        option.minimum, option.maximum = _range(field)
    elif isinstance(field, fields.List):
        option.kind = "lines"
        option.min_lines, option.max_lines = _length(field)
        option.max_length = getattr(field.inner, "max_length", None)
    elif isinstance(field, fields.String):
        one_of = [v for v in field.validators if isinstance(v, validate.OneOf)]
        if one_of:
            labels = meta.get("choices") or {}
            option.kind = "choice"
            option.choices = tuple(
                (str(c), in_current_language(labels[c]) if c in labels else str(c)) for c in one_of[0].choices
            )
    elif isinstance(field, LocalizedText):
        option.kind = "longtext" if editor == "longtext" or field.max_length > 300 else "text"
        option.max_length = field.max_length
    return option


def takes_files(activity_type: str) -> bool:
    return any(option.kind == "files" for option in option_fields(activity_type))


def capturable(activity_type: str) -> bool:
    activity = ACTIVITIES.get(activity_type)
    return bool(activity and activity.capturable)


# --- steps <-> draft ------------------------------------------------------------------------------


def _text(value, locale: str) -> str:
    return localized(value, locale) if value else ""


def _step_texts(step: Mapping) -> dict:
    """The step's texts in every language, as the draft carries them (its `texts`)."""
    texts: dict = {}
    for name in ("title", "prompt"):
        if isinstance(step.get(name), dict):
            texts[name] = step[name]
    for option in option_fields(step["type"]):
        value = step.get(option.name)
        if option.kind == "columns" and value:
            texts[option.name] = {c["key"]: c["title"] for c in value if isinstance(c.get("title"), dict)}
        elif option.kind == "lines" and isinstance(value, list):
            texts[option.name] = [v for v in value if isinstance(v, dict)]
        elif isinstance(value, dict):
            texts[option.name] = value
    return texts


def step_to_draft(step: Mapping, locale: str) -> dict:
    """A template step as the editor's strings (texts in the person's language, and every
    language in `texts`)."""
    draft = {
        "key": step["key"],
        "type": step["type"],
        "title": _text(step.get("title"), locale),
        "prompt": _text(step.get("prompt"), locale),
        "timebox_minutes": str(step.get("timebox_minutes") or ""),
        "capture_field": (step.get("capture") or {}).get("field", ""),
        "unit": str(step.get("unit") or ""),
        "texts": json.dumps(_step_texts(step), ensure_ascii=False, sort_keys=True),
    }
    for option in option_fields(step["type"]):
        value = step.get(option.name)
        if option.kind == "checkbox":
            draft[option.name] = "1" if value else ""
        elif option.kind == "columns":
            draft[option.name] = "\n".join(
                f"{c['key']}{' [' + c['field'] + ']' if c.get('field') else ''}: {_text(c['title'], locale)}"
                for c in value or []
            )
        elif option.kind == "files":
            draft[option.name] = ",".join(str(f) for f in value or [])
        elif option.kind == "lines":
            draft[option.name] = "\n".join(_text(v, locale) for v in value or [])
        elif isinstance(value, dict):
            draft[option.name] = _text(value, locale)
        else:
            draft[option.name] = "" if value is None else str(value)
    if not draft.get("files"):
        draft.pop("files", None)
    return draft


def new_step_draft(choice: str, taken_keys: set[str], locale: str) -> dict:
    """The draft of a step "add a step" adds: its preset, with its texts in every language."""
    found = preset(choice)
    if found is None:
        raise ValueError(f"no preset '{choice}'")
    activity, chosen = found
    step = {**chosen.step(activity.type), "key": unique_key(activity.type, taken_keys)}
    return step_to_draft(step, locale)


def change_type(draft: dict, new_type: str, locale: str) -> dict:
    """Keep title, prompt, time, capture and every option the new type also has; fill what it
    needs from its preset (e.g. a poll's answer options)."""
    changed = {k: v for k, v in draft.items() if k in BASE_FIELDS}
    changed["type"] = new_type
    if not capturable(new_type):
        changed.pop("capture_field", None)  # the editor shows no field for it
    names = {option.name for option in option_fields(new_type)}
    changed.update({k: v for k, v in draft.items() if k in names})
    activity = ACTIVITIES[new_type]
    filled = step_to_draft({**activity.step_presets()[0].step(new_type), "key": draft.get("key", "")}, locale)
    texts, preset_texts = _texts_of(changed), _texts_of(filled)
    for name in names:
        if not changed.get(name) and filled.get(name):
            changed[name] = filled[name]
            if name in preset_texts:
                texts[name] = preset_texts[name]
    changed["texts"] = json.dumps({k: v for k, v in texts.items() if k in names | {"title", "prompt"}})
    return changed


def unique_key(wanted: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9_-]", "-", wanted.lower()).strip("-_")[:34] or "step"
    if not base[0].isalpha():
        base = "s-" + base
    key, number = base, 2
    while key in taken:
        key, number = f"{base}-{number}", number + 1
    return key


def append_unit(draft: list[dict], template: dict, locale: str) -> list[dict]:
    """Append a format's steps; keys already used get a suffix and sources follow them."""
    taken = {d.get("key", "") for d in draft}
    renamed: dict[str, str] = {}
    added = []
    for step in template["steps"]:
        key = unique_key(step["key"], taken)
        renamed[step["key"]] = key
        taken.add(key)
        step = {**copy.deepcopy(step), "key": key, "unit": step.get("unit") or template.get("unit")}
        step.pop("files", None)  # files belong to one session
        if step.get("source") in renamed:
            step["source"] = renamed[step["source"]]
        added.append(step_to_draft(step, locale))
    return draft + added


def move(draft: list[dict], index: int, offset: int) -> list[dict]:
    target = index + offset
    if not (0 <= index < len(draft) and 0 <= target < len(draft)):
        return draft
    draft = list(draft)
    draft[index], draft[target] = draft[target], draft[index]
    return draft


def remove(draft: list[dict], index: int) -> list[dict]:
    return draft[:index] + draft[index + 1 :] if 0 <= index < len(draft) else draft


def insert(draft: list[dict], step: dict, position: int | None) -> list[dict]:
    """The step before the one at `position` (None, or past the end: at the end)."""
    at = position if position is not None and 0 <= position < len(draft) else len(draft)
    return draft[:at] + [step] + draft[at:]


# --- the form ------------------------------------------------------------------------------------


class AgendaError(ValueError):
    """Problems of a draft: a list of (step index or None, sentence in the person's language)."""

    def __init__(self, problems: list[tuple[int | None, str]]):
        super().__init__("; ".join(text for _i, text in problems))
        self.problems = problems


def draft_from_form(form: Mapping[str, str], locale: str) -> tuple[list[dict], list[tuple[int | None, str]]]:
    """The draft the editor's form holds (s<i>-<name> fields, `count` of them), and problems
    with its numbers. A step whose type was changed in the form keeps what the new type has."""
    count = min(whole_number(form.get("count", "0")) or 0, MAX_STEPS + 5)
    draft: list[dict] = []
    problems: list[tuple[int | None, str]] = []
    for index in range(count):
        prefix = f"s{index}-"
        values = {name[len(prefix) :]: value for name, value in form.items() if name.startswith(prefix)}
        if not values.get("type"):
            continue
        old_type = values.pop("old_type", values["type"])
        dropped = {name[len("drop-") :] for name in values if name.startswith("drop-")}
        for name in [n for n in values if n.startswith("drop-")]:
            del values[name]
        if values.get("files"):
            kept = []
            for raw in values["files"].split(","):
                if whole_number(raw) is None:
                    label = next((o.label for o in option_fields(values["type"]) if o.kind == "files"), "files")
                    problems.append((index, _step_problem(index, NotAWholeNumber(label, raw).sentence())))
                elif raw.strip() not in dropped:  # files the person ticked off
                    kept.append(raw.strip())
            values["files"] = ",".join(kept)
        if old_type != values["type"] and old_type in ACTIVITIES and values["type"] in ACTIVITIES:
            values = change_type({**values, "type": old_type}, values["type"], locale)
        draft.append(values)
    return draft, problems


def units_from_form(form: Mapping[str, str], fallback: dict) -> tuple[list[int], list[str]]:
    """The units the agenda combines, carried through the form like the draft (nothing is
    stored before a save that fits); problems name a value that is no unit."""
    units, problems = set(), []
    for raw in form.get("units", "").split(","):
        if not raw.strip():
            continue
        try:
            units.add(form_number(raw, _("Bausteine"), FIRST_UNIT, LAST_UNIT))
        except NotAWholeNumber as error:
            problems.append(error.sentence())
    found = sorted(u for u in units if u is not None)
    return found or template_units(fallback), problems


def apply_action(
    draft: list[dict],
    action: str,
    form: Mapping[str, str],
    units: list[int],
    library: Callable[[str], dict | None],
    locale: str,
) -> tuple[list[dict], list[tuple[int | None, str]]]:
    """A structural change the form asks for (action: add, up-<i>, down-<i>, remove-<i>, append,
    or a save: nothing). An appended format adds its units to `units`. Returns the new draft and
    the problems to show."""
    problems: list[tuple[int | None, str]] = []
    verb, _sep, arg = action.partition("-")
    if verb in ("up", "down", "remove"):
        index = whole_number(arg)
        if index is None or not 0 <= index < len(draft):
            return draft, [(None, _("Diesen Schritt gibt es nicht (mehr); bitte laden Sie die Seite neu."))]
        if verb == "remove":
            return remove(draft, index), problems
        return move(draft, index, -1 if verb == "up" else 1), problems
    if verb == "add":
        choice = form.get("add_type", "")
        try:
            position = form_number(form.get("add_position", ""), _("Position des neuen Schritts"), 0, len(draft))
        except NotAWholeNumber as error:
            return draft, [(None, error.sentence())]
        if preset(choice) is None:
            return draft, [(None, _("Bitte wählen Sie, welche Art Schritt hinzukommen soll."))]
        return insert(draft, new_step_draft(choice, {d.get("key", "") for d in draft}, locale), position), problems
    if verb == "append":
        template = library(form.get("append_key", ""))
        if template is None:
            return draft, [(None, _("Bitte wählen Sie ein Format, dessen Schritte angehängt werden."))]
        units[:] = sorted(set(units) | set(template_units(template)))
        return append_unit(draft, template, locale), problems
    return draft, problems


# --- draft -> steps ------------------------------------------------------------------------------


def localized_update(old, typed: str, locale: str) -> dict:
    """The typed text goes into the person's language; the other languages are kept. A text the
    person left as it was shown keeps every language as it was."""
    value = (
        {k: v for k, v in old.items() if k in LOCALES}
        if isinstance(old, dict)
        else ({DEFAULT_LOCALE: old} if old else {})
    )
    if value and localized(value, locale) == typed:
        return value
    value[locale] = typed
    if not value.get(DEFAULT_LOCALE):
        value[DEFAULT_LOCALE] = typed  # German must be there: the first text written is the German one too
    return value


def _localized_or_none(value) -> dict | None:
    """A {de, en} text from the form's `texts` (a person's own form, but checked all the same)."""
    if not isinstance(value, dict):
        return None
    clean = {k: v for k, v in value.items() if k in LOCALES and isinstance(v, str) and len(v) <= 5000}
    return clean if clean.get(DEFAULT_LOCALE) else None


def _texts_of(values: Mapping) -> dict:
    try:
        texts = json.loads(values.get("texts") or "{}")
    except ValueError:
        return {}
    return texts if isinstance(texts, dict) else {}


def _lines_update(old: list, lines: list[str], locale: str) -> list[dict]:
    """Each typed line with its other languages: the old line it still reads as, else the one
    at its place."""
    old = [o for o in (_localized_or_none(v) for v in old) if o is not None]
    unused = list(range(len(old)))
    matched: list[dict | None] = []
    for line in lines:
        same = next((i for i in unused if localized(old[i], locale) == line), None)
        if same is not None:
            unused.remove(same)
        matched.append(old[same] if same is not None else None)
    for index in range(len(lines)):
        if matched[index] is None and index in unused:
            unused.remove(index)
            matched[index] = old[index]
    return [localized_update(matched[i], line, locale) for i, line in enumerate(lines)]


def _step_problem(index: int, text: str) -> str:
    return _("Schritt %(number)s: %(problem)s", number=index + 1, problem=text)


def draft_to_steps(
    draft: list[dict],
    old_steps: list[dict],
    locale: str,
    header: dict | None = None,
    record_fields: set[str] | dict[str, str] | None = None,
    file_ids: set[int] | None = None,
    blocked_fields: set[str] | None = None,
) -> list[dict]:
    """Turn the draft into template steps, or raise AgendaError naming every problem.
    header: the template without its steps (key, unit, title, record_template).
    blocked_fields: record fields that take nothing from cards (the status, the reference number)."""
    blocked_fields = blocked_fields or set()
    old = {s["key"]: s for s in old_steps}
    problems: list[tuple[int | None, str]] = []
    steps: list[dict] = []
    if not draft:
        problems.append((None, _("Der Ablauf braucht mindestens einen Schritt.")))
    if len(draft) > MAX_STEPS:
        problems.append(
            (
                None,
                _(
                    "Höchstens %(max)s Schritte – bitte entfernen Sie %(extra)s.",
                    max=MAX_STEPS,
                    extra=len(draft) - MAX_STEPS,
                ),
            )
        )
    keys_before: list[str] = []
    drafted: list[int] = []  # the draft's index of each step
    for index, values in enumerate(draft):

        def problem(text, index=index):
            problems.append((index, _step_problem(index, text)))

        kind = values.get("type", "")
        if kind not in ACTIVITIES:
            problem(_("Unbekannte Art „%(type)s“.", type=kind))
            continue
        key = values.get("key") or unique_key(kind, set(keys_before))
        base = {**old.get(key, {}), **_texts_of(values)}  # the texts the form carries come first
        step: dict = {"key": key, "type": kind}
        unit = whole_number(values.get("unit", ""))
        if unit is not None and FIRST_UNIT <= unit <= LAST_UNIT:
            step["unit"] = unit
        title = values.get("title", "").strip()
        if not title:
            problem(_("Bitte geben Sie einen Titel ein."))
        elif len(title) > TITLE_MAX:
            problem(_("Der Titel ist %(length)s Zeichen lang; höchstens %(max)s.", length=len(title), max=TITLE_MAX))
        step["title"] = localized_update(_localized_or_none(base.get("title")), title, locale)
        prompt = values.get("prompt", "").strip()
        if len(prompt) > PROMPT_MAX:
            problem(
                _("Die Leitfrage ist %(length)s Zeichen lang; höchstens %(max)s.", length=len(prompt), max=PROMPT_MAX)
            )
        if prompt:
            step["prompt"] = localized_update(_localized_or_none(base.get("prompt")), prompt, locale)
        minutes = values.get("timebox_minutes", "").strip()
        if minutes:
            number = whole_number(minutes)
            if number is None or not MIN_MINUTES <= number <= MAX_MINUTES:  # type: ignore[operator]
                problem(
                    _(
                        "Die Zeit „%(value)s“ ist keine ganze Zahl von %(min)s bis %(max)s Minuten.",
                        value=minutes,
                        min=MIN_MINUTES,
                        max=MAX_MINUTES,
                    )
                )
            else:
                step["timebox_minutes"] = number
        capture = values.get("capture_field", "").strip()
        if capture and capturable(kind):  # the editor shows no field for the others
            if record_fields is not None and capture not in record_fields:
                problem(_("Das Feld „%(field)s“ gibt es im Steckbrief nicht.", field=capture))
            elif capture in blocked_fields:
                problem(_blocked(capture, record_fields))
            step["capture"] = {**(old.get(key, {}).get("capture") or {}), "field": capture}
        for option in option_fields(kind):
            _read_option(
                option, values, base, step, keys_before, locale, record_fields, blocked_fields, file_ids, problem
            )
        keys_before.append(key)
        steps.append(step)
        drafted.append(index)
    # Across steps too, in the same answer; a step already named above is not named twice.
    named = {index for index, _text in problems}
    problems += [
        (drafted[index], text)
        for index, text in _cross_step_problems(steps)
        if index is not None and drafted[index] not in named
    ]
    if problems:
        raise AgendaError(problems)
    # The same checks a template file gets. Everything they refuse is asked above in the person's
    # language; should one still slip through, the sentence says so and where, not in English alone.
    try:
        checked = parse_template_data(
            {**(header or {"key": "agenda", "unit": 1, "title": "Ablauf"}), "steps": steps}, _("Ablauf")
        )
    except TemplateError as error:
        raise AgendaError(
            [(None, _("Der Ablauf passt so nicht zusammen; bitte prüfen Sie: %(detail)s", detail=error))]
        ) from error
    return checked["steps"]


def _read_option(option, values, base, step, keys_before, locale, record_fields, blocked_fields, file_ids, problem):
    """One option from the draft into the step, by its kind; its rules are its schema field's."""
    raw = values.get(option.name, "")
    label = option.label
    if option.kind == "checkbox":
        step[option.name] = bool(raw)
    elif option.kind == "number":
        try:
            number = form_number(raw, label, option.minimum, option.maximum)
        except NotAWholeNumber as error:
            problem(error.sentence())
        else:
            if number is not None:
                step[option.name] = number
    elif option.kind == "files":
        ids = [number for number in (whole_number(i) for i in raw.split(",")) if number is not None]
        if ids:
            step[option.name] = [i for i in ids if file_ids is None or i in file_ids]
    elif option.kind == "columns":
        columns = _columns(raw, base.get(option.name), locale, record_fields, blocked_fields, problem)
        if option.max_lines is not None and len(columns) > option.max_lines:
            problem(
                _(
                    "„%(label)s“: höchstens %(max)s Spalten, es sind %(count)s.",
                    label=label,
                    max=option.max_lines,
                    count=len(columns),
                )
            )
        if columns:
            step[option.name] = columns
    elif option.kind == "lines":
        lines = [line.strip() for line in raw.splitlines() if line.strip()]
        step[option.name] = _lines_update(base.get(option.name) or [], lines, locale)
        fewest, most = option.min_lines or 0, option.max_lines
        if fewest and most is not None and not fewest <= len(lines) <= most:
            problem(
                _(
                    "„%(label)s“: bitte %(min)s bis %(max)s Zeilen (jetzt %(count)s).",
                    label=label,
                    min=fewest,
                    max=most,
                    count=len(lines),
                )
            )
        elif len(lines) < fewest:
            problem(
                _(
                    "„%(label)s“: mindestens %(min)s Zeilen (jetzt %(count)s).",
                    label=label,
                    min=fewest,
                    count=len(lines),
                )
            )
        elif most is not None and len(lines) > most:
            problem(
                _("„%(label)s“: höchstens %(max)s Zeilen, es sind %(count)s.", label=label, max=most, count=len(lines))
            )
        elif any(len(line) > (option.max_length or 300) for line in lines):
            problem(
                _(
                    "„%(label)s“: eine Zeile ist länger als %(max)s Zeichen; bitte kürzen Sie sie.",
                    label=label,
                    max=option.max_length or 300,
                )
            )
    elif option.kind == "step":
        if raw not in keys_before:
            problem(
                _(
                    "„%(label)s“: wählen Sie einen früheren Schritt, dessen Beiträge hier weiterverwendet werden.",
                    label=label,
                )
            )
        step[option.name] = raw
    elif option.kind == "choice":
        if raw:
            step[option.name] = raw
    elif raw.strip():
        if option.max_length and len(raw.strip()) > option.max_length:
            problem(
                _(
                    "„%(label)s“ ist %(length)s Zeichen lang; höchstens %(max)s.",
                    label=label,
                    length=len(raw.strip()),
                    max=option.max_length,
                )
            )
        step[option.name] = localized_update(_localized_or_none(base.get(option.name)), raw.strip(), locale)


def _columns(raw: str, old, locale, record_fields, blocked_fields, problem) -> list[dict]:
    """ "key: Title", "key [field]: Title" or a title, a line each; a column keeps its other
    languages by its key."""
    if isinstance(old, list):  # a stored step's columns
        old = {c["key"]: c.get("title") for c in old if isinstance(c, dict) and "key" in c}
    old = old if isinstance(old, dict) else {}
    columns: list[dict] = []
    seen: set[str] = set()
    for line in raw.splitlines():
        if not line.strip():
            continue
        key, field, title = column_line(line)
        key = unique_key(key or title, seen)
        seen.add(key)
        column = {"key": key, "title": localized_update(_localized_or_none(old.get(key)), title, locale)}
        if field:
            if record_fields is not None and field not in record_fields:
                problem(
                    _(
                        "Spalte „%(column)s“: das Feld „%(field)s“ gibt es im Steckbrief nicht.",
                        column=title,
                        field=field,
                    )
                )
            elif field in blocked_fields:
                problem(_blocked(field, record_fields))
            column["field"] = field
        columns.append(column)
    return columns


def _blocked(field: str, record_fields) -> str:
    name = record_fields.get(field, field) if isinstance(record_fields, dict) else field
    return _(
        "„%(field)s“ übernimmt nichts aus Beiträgen (Status und Aktenzeichen ändern sich nur im Steckbrief); "
        "bitte wählen Sie ein anderes Feld.",
        field=name,
    )


def problem_sentence(problem: Problem | str, labels: Mapping[str, str], name_step: Callable[[str], str]) -> str:
    """A step's own problem (Step.check) as a sentence in the person's language: the option's
    name first ("„Quelle“: …"), other steps by number and title."""
    if isinstance(problem, str):  # a check that still says it in English: named, not shown raw
        option = problem.split(":", 1)[0].strip()
        return _("„%(label)s“: diese Angabe passt nicht zu den anderen Schritten.", label=labels.get(option, option))
    values = {k: name_step(v.key) if isinstance(v, StepRef) else v for k, v in problem.values.items()}
    text = in_current_language(problem.text, **values)
    if problem.option and problem.names_option:
        return _("„%(label)s“: %(problem)s", label=labels.get(problem.option, problem.option), problem=text)
    return text


def _cross_step_problems(steps: list[dict]) -> list[tuple[int | None, str]]:
    """What the activities check across steps (a vote's source, a drafting step's fields) and
    across a step's options, as sentences naming the step and what to change."""
    problems: list[tuple[int | None, str]] = []
    offers: dict[str, frozenset[str]] = {}
    numbers: dict[str, tuple[int, str]] = {}

    def name_step(key: str) -> str:
        number, title = numbers.get(key, (None, key))
        if number is None:
            return _("„%(key)s“", key=key)
        return _("Schritt %(number)s „%(title)s“", number=number, title=title)

    for index, step in enumerate(steps):
        activity = ACTIVITIES[step["type"]]
        labels = {option.name: option.label for option in option_fields(step["type"])}
        config = {name: step[name] for name in labels if name in step}
        try:
            loaded: dict | None = activity.config_schema().load(config) if activity.config_schema else {}
        except ValidationError as error:
            for name in error.messages:
                text = _(
                    "„%(label)s“: dieser Wert passt hier nicht; bitte ändern Sie ihn.", label=labels.get(name, name)
                )
                problems.append((index, _step_problem(index, text)))
            loaded = None
        if loaded is not None:
            try:
                typed = activity.step_class.from_stored({**step, **loaded})
            except TypeError:  # an option the type requires is missing: named per step already
                typed = None
            for found in typed.check(offers) if typed else []:
                problems.append((index, _step_problem(index, problem_sentence(found, labels, name_step))))
        offers[step["key"]] = activity.offers
        numbers[step["key"]] = (index + 1, localized(step["title"], current_locale()))
    return problems


def plain_problems(items: Iterable[tuple[int | None, str] | str]) -> tuple[dict[int, list[str]], list[str]]:
    """Problems by step index, and the general ones, as the editor's page lists them."""
    by_step: dict[int, list[str]] = {}
    general: list[str] = []
    for item in items:
        index, text = item if isinstance(item, tuple) else (None, item)
        (by_step.setdefault(index, []) if index is not None else general).append(text)
    return by_step, general
