"""The agenda of a session: a list of steps of any activity type, edited before the session starts.

The builder's page works on a *draft*: one dict of plain strings per step, exactly what the form
shows. Structural changes (add, remove, move, change type, append a unit's format) act on the
draft; `draft_to_steps` then turns it into template steps, with one translated sentence per problem
naming the step and the field. Nothing typed is lost: an invalid draft is shown again as it was.

The option fields of a step are built from its activity's config schema (booleans, numbers with
their range, choices, lists of texts, columns), so a new activity type shows up here by itself.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext, pgettext
from marshmallow import ValidationError, fields, validate

from workshop.activities.registry import ACTIVITIES
from workshop.agenda.templates import TemplateError, parse_template_data
from workshop.i18n import DEFAULT_LOCALE, LocalizedText, current_locale, localized

MAX_STEPS = 30
BASE_FIELDS = ("key", "type", "title", "prompt", "timebox_minutes", "capture_field", "unit")
COLUMN_LINE = re.compile(r"^\s*(?:([A-Za-z][A-Za-z0-9_-]{0,39})\s*(?:\[([a-z_]+)\])?\s*:)?\s*(.+?)\s*$")


def column_line(line: str) -> tuple[str | None, str | None, str]:
    """(key, field, title) of a non-blank column line: "key: Title", "key [field]: Title" or a title."""
    match = COLUMN_LINE.match(line)
    if match is None:  # only a blank line fails: the title takes any non-blank text
        raise ValueError(f"not a column line: {line!r}")
    key, field, title = match.groups()
    return key, field, title


# Labels for activity types and their options; a type or option not listed shows its own name.
TYPE_LABELS = {
    "welcome": lazy_gettext("Begrüßung"),
    "input": lazy_gettext("Input (Text, Bilder, PDF)"),
    "break": lazy_gettext("Pause (Kaffee, Luft)"),
    "brainstorm": lazy_gettext("Sammeln (Beiträge)"),
    "draft": lazy_gettext("Formulieren (Spalten = Felder des Steckbriefs)"),
    "cluster": lazy_gettext("Clustern"),
    "dot_vote": lazy_gettext("Punkte vergeben"),
    "consent": lazy_gettext("Konsensieren"),
    "poll": lazy_gettext("Umfrage"),
    "action_items": lazy_gettext("Aufgaben"),
    "summary": lazy_gettext("Zusammenfassung"),
    # table groups (activities/tables.py, harvest.py)
    "tables": lazy_gettext("An Tischen (Tischgruppen, World Café)"),
    "harvest": lazy_gettext("Ernte der Tische im Plenum"),
}
OPTION_LABELS = {
    "columns": lazy_gettext("Spalten (eine pro Zeile: „schluessel: Titel“ oder nur der Titel)"),
    "silent": lazy_gettext("Still (Beiträge erst nach dem Aufdecken sichtbar)"),
    "moderated": lazy_gettext("Moderiert (Beiträge erst nach Freigabe sichtbar)"),
    "authors": lazy_gettext("Wer schreibt"),
    "source": lazy_gettext("Quelle (ein früherer Schritt)"),
    "budget": lazy_gettext("Punkte pro Person"),
    "max_per_card": lazy_gettext("Höchstens pro Beitrag"),
    "hidden": lazy_gettext("Ergebnis verdeckt bis zum Aufdecken"),
    "options": lazy_gettext("Antwortmöglichkeiten (eine pro Zeile)"),
    "multiple": lazy_gettext("Mehrfachauswahl"),
    "passive_option": lazy_gettext("Passivlösung (Status quo)"),
    "text": lazy_gettext("Text auf der Leinwand"),
    # table groups (activities/tables.py)
    "tables": lazy_gettext("Tische (einer pro Zeile: Name oder Thema)"),
    "seating": lazy_gettext("Wer wählt den Tisch"),
    "rounds": lazy_gettext("Runden (World Café: ab 2 wechseln die Gäste den Tisch)"),
    "picks": lazy_gettext("Kernpunkte pro Tisch fürs Plenum"),
}
CHOICE_LABELS = {
    "everyone": lazy_gettext("alle"),
    "facilitator": lazy_gettext("nur die Moderation"),
    # a table step's seating (activities/tables.py)
    "choose": lazy_gettext("jede Person am Handy (oder per QR-Code des Tisches)"),
    "qr": lazy_gettext("nur per QR-Code am Tisch"),
}

# What a new step of each kind starts with. "feedback" is a poll preset (one question at the end).
PRESETS = {
    "welcome": lambda: {
        "type": "welcome",
        "title": _("Begrüßung"),
        "timebox_minutes": "10",
        "prompt": _("Willkommen! Worum es heute geht und wie wir arbeiten."),
    },
    "input": lambda: {"type": "input", "title": _("Input"), "timebox_minutes": "15"},
    "break": lambda: {"type": "break", "title": pgettext("agenda step", "Pause"), "timebox_minutes": "15"},
    "feedback": lambda: {
        "type": "poll",
        "title": _("Feedbackrunde"),
        "timebox_minutes": "5",
        "prompt": _("Wie zufrieden sind Sie mit dem heutigen Workshop?"),
        "options": "\n".join([_("sehr zufrieden"), _("zufrieden"), _("teils, teils"), _("unzufrieden")]),
    },
    "poll": lambda: {
        "type": "poll",
        "title": _("Umfrage"),
        "timebox_minutes": "5",
        "options": "\n".join([_("Ja"), _("Nein")]),
    },
    "brainstorm": lambda: {"type": "brainstorm", "title": _("Sammeln"), "timebox_minutes": "10"},
}
ADD_CHOICES = ("welcome", "input", "break", "feedback")


def add_choices() -> list[tuple[str, str]]:
    """What the builder's "add a step" offers: the presets first, then every activity type."""
    extra = [t for t in ACTIVITIES if t not in ADD_CHOICES]
    labels = {**TYPE_LABELS, "feedback": lazy_gettext("Feedbackrunde (Umfrage mit einer Frage)")}
    return [(choice, str(labels.get(choice, choice))) for choice in (*ADD_CHOICES, *extra)]


@dataclass
class OptionField:
    """One option of an activity's config, as the builder shows it."""

    name: str
    kind: str  # checkbox | number | choice | lines | columns | text | step
    label: str
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[tuple[str, str], ...] = ()
    max_lines: int | None = None  # lines: how many the schema takes
    max_length: int | None = None  # texts and lines: how long one may be

    def allows(self, number: int) -> bool:
        """Within the option's range (an integer option without a Range takes any)."""
        return (self.minimum is None or number >= self.minimum) and (self.maximum is None or number <= self.maximum)


def option_fields(activity_type: str) -> list[OptionField]:
    """The option inputs of a type, read from its config schema."""
    schema = ACTIVITIES[activity_type].config_schema
    if schema is None:
        return []
    result = []
    for name, field in schema().fields.items():
        if name == "files":
            continue  # an input step's files have their own upload field
        label = str(OPTION_LABELS.get(name, name))
        if isinstance(field, fields.Boolean):
            result.append(OptionField(name, "checkbox", label))
        elif isinstance(field, fields.Integer):
            ranges = [v for v in _validators(field) if isinstance(v, validate.Range)]
            result.append(
                OptionField(name, "number", label, ranges[0].min if ranges else None, ranges[0].max if ranges else None)
            )
        elif isinstance(field, fields.List) and isinstance(field.inner, fields.Nested) and name == "columns":
            result.append(OptionField(name, "columns", label))
        elif isinstance(field, fields.List):
            lengths = [v for v in _validators(field) if isinstance(v, validate.Length)]
            result.append(
                OptionField(
                    name,
                    "lines",
                    label,
                    max_lines=lengths[0].max if lengths else None,
                    max_length=getattr(field.inner, "max_length", None),
                )
            )
        elif isinstance(field, fields.String) and name == "source":
            result.append(OptionField(name, "step", label))
        elif isinstance(field, fields.String):
            one_of = [v for v in _validators(field) if isinstance(v, validate.OneOf)]
            if one_of:
                result.append(
                    OptionField(
                        name,
                        "choice",
                        label,
                        choices=tuple((c, str(CHOICE_LABELS.get(c, c))) for c in one_of[0].choices),
                    )
                )
            else:
                result.append(OptionField(name, "text", label))
        elif isinstance(field, LocalizedText):
            kind = "longtext" if field.max_length > 300 else "text"
            result.append(OptionField(name, kind, label, max_length=field.max_length))
    return result


def _validators(field) -> list:
    return list(field.validators)


# --- steps <-> draft ------------------------------------------------------------------------------


def _text(value, locale: str) -> str:
    return localized(value, locale) if value else ""


def step_to_draft(step: dict, locale: str) -> dict:
    """A template step as the builder's strings (texts in the user's language)."""
    draft = {
        "key": step["key"],
        "type": step["type"],
        "title": _text(step.get("title"), locale),
        "prompt": _text(step.get("prompt"), locale),
        "timebox_minutes": str(step.get("timebox_minutes") or ""),
        "capture_field": (step.get("capture") or {}).get("field", ""),
        "unit": str(step.get("unit") or ""),
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
        elif option.kind == "lines":
            draft[option.name] = "\n".join(_text(v, locale) for v in value or [])
        elif isinstance(value, dict):
            draft[option.name] = _text(value, locale)
        else:
            draft[option.name] = "" if value is None else str(value)
    if step.get("files"):
        draft["files"] = ",".join(str(f) for f in step["files"])
    return draft


def new_step_draft(choice: str, taken_keys: set[str]) -> dict:
    preset = PRESETS.get(choice)
    draft = (
        preset() if preset else {"type": choice, "title": str(TYPE_LABELS.get(choice, choice)), "timebox_minutes": "10"}
    )
    draft["key"] = unique_key(draft["type"], taken_keys)
    return draft


def change_type(draft: dict, new_type: str) -> dict:
    """Keep title, prompt, time, capture and every option the new type also has; fill what it
    needs from its preset (e.g. a poll's answer options)."""
    changed = {k: v for k, v in draft.items() if k in BASE_FIELDS or k == "files"}
    changed["type"] = new_type
    if not ACTIVITIES[new_type].capturable:
        changed.pop("capture_field", None)  # the builder shows no field for it
    names = {option.name for option in option_fields(new_type)}
    changed.update({k: v for k, v in draft.items() if k in names})
    preset = PRESETS.get(new_type)
    if preset:
        for name, value in preset().items():
            if name in names and not changed.get(name):
                changed[name] = value
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


class AgendaError(ValueError):
    """Problems of a draft: a list of (step index or None, sentence in the user's language)."""

    def __init__(self, problems: list[tuple[int | None, str]]):
        super().__init__("; ".join(text for _i, text in problems))
        self.problems = problems


def localized_update(old, typed: str, locale: str) -> dict:
    """The typed text goes into the user's language; the other languages are kept."""
    value = dict(old) if isinstance(old, dict) else ({DEFAULT_LOCALE: old} if old else {})
    value[locale] = typed
    if not value.get(DEFAULT_LOCALE):
        value[DEFAULT_LOCALE] = typed  # German must be there: the first text written is the German one too
    return value


def draft_to_steps(
    draft: list[dict],
    old_steps: list[dict],
    locale: str,
    header: dict | None = None,
    record_fields: set[str] | dict[str, str] | None = None,
    file_ids: set[int] | None = None,
    blocked_fields: set[str] | None = None,
) -> list[dict]:
    """Turn the builder's draft into template steps, or raise AgendaError naming every problem.
    header: the session's template without its steps (key, unit, title, record_template).
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
        where = _("Schritt %(number)s", number=index + 1)

        def problem(text, where=where, index=index):
            problems.append((index, f"{where}: {text}"))

        kind = values.get("type", "")
        if kind not in ACTIVITIES:
            problem(_("Unbekannte Art „%(type)s“.", type=kind))
            continue
        key = values.get("key") or unique_key(kind, set(keys_before))
        base = old.get(key, {})
        step: dict = {"key": key, "type": kind}
        if values.get("unit", "") in ("1", "2", "3", "4", "5"):
            step["unit"] = int(values["unit"])
        title = values.get("title", "").strip()
        if not title:
            problem(_("Bitte geben Sie einen Titel ein."))
        elif len(title) > 120:
            problem(_("Der Titel ist %(length)s Zeichen lang; höchstens 120.", length=len(title)))
        step["title"] = localized_update(base.get("title"), title, locale)
        prompt = values.get("prompt", "").strip()
        if len(prompt) > 1000:
            problem(_("Die Leitfrage ist %(length)s Zeichen lang; höchstens 1000.", length=len(prompt)))
        if prompt:
            step["prompt"] = localized_update(base.get("prompt"), prompt, locale)
        minutes = values.get("timebox_minutes", "").strip()
        if minutes:
            if not minutes.isdigit() or not 1 <= int(minutes) <= 480:
                problem(_("Die Zeit „%(value)s“ ist keine ganze Zahl von 1 bis 480 Minuten.", value=minutes))
            else:
                step["timebox_minutes"] = int(minutes)
        capture = values.get("capture_field", "").strip()
        if capture and ACTIVITIES[kind].capturable:  # the builder shows no field for the others
            if record_fields is not None and capture not in record_fields:
                problem(_("Das Feld „%(field)s“ gibt es im Steckbrief nicht.", field=capture))
            elif capture in blocked_fields:
                problem(_blocked(capture, record_fields))
            step["capture"] = {**(base.get("capture") or {}), "field": capture}
        for option in option_fields(kind):
            raw = values.get(option.name, "")
            label = option.label
            if option.kind == "checkbox":
                step[option.name] = bool(raw)
            elif option.kind == "number":
                if raw.strip():
                    if not raw.strip().isdigit() or not option.allows(int(raw)):
                        problem(
                            _(
                                "„%(label)s“: „%(value)s“ ist keine ganze Zahl von %(min)s bis %(max)s.",
                                label=label,
                                value=raw.strip(),
                                min=option.minimum,
                                max=option.maximum,
                            )
                        )
                    else:
                        step[option.name] = int(raw)
            elif option.kind == "columns":
                columns: list[dict] = []
                seen: set[str] = set()
                old_columns = {c["key"]: c for c in base.get("columns", [])}
                for line in raw.splitlines():
                    if not line.strip():
                        continue
                    col_key, field, col_title = column_line(line)
                    col_key = unique_key(col_key or col_title, seen)
                    seen.add(col_key)
                    column = {
                        "key": col_key,
                        "title": localized_update(old_columns.get(col_key, {}).get("title"), col_title, locale),
                    }
                    if field:
                        if record_fields is not None and field not in record_fields:
                            problem(
                                _(
                                    "Spalte „%(column)s“: das Feld „%(field)s“ gibt es im Steckbrief nicht.",
                                    column=col_title,
                                    field=field,
                                )
                            )
                        elif field in blocked_fields:
                            problem(_blocked(field, record_fields))
                        column["field"] = field
                    columns.append(column)
                if len(columns) > 8:
                    problem(_("„%(label)s“: höchstens 8 Spalten, es sind %(count)s.", label=label, count=len(columns)))
                if columns:
                    step["columns"] = columns
            elif option.kind == "lines":
                lines = [line.strip() for line in raw.splitlines() if line.strip()]
                old_lines = base.get(option.name) or []
                step[option.name] = [
                    localized_update(old_lines[i] if i < len(old_lines) else None, line, locale)
                    for i, line in enumerate(lines)
                ]
                if kind == "poll" and not 2 <= len(lines) <= 12:
                    problem(
                        _(
                            "Eine Umfrage braucht 2 bis 12 Antwortmöglichkeiten (eine pro Zeile); es sind %(count)s.",
                            count=len(lines),
                        )
                    )
                elif option.max_lines is not None and len(lines) > option.max_lines:
                    problem(
                        _(
                            "„%(label)s“: höchstens %(max)s Zeilen, es sind %(count)s.",
                            label=label,
                            max=option.max_lines,
                            count=len(lines),
                        )
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
                if option.name in (base or {}) and isinstance(base.get(option.name), dict):
                    step[option.name] = localized_update(base[option.name], raw.strip(), locale)
                else:
                    step[option.name] = raw.strip()
        if values.get("files"):
            ids = [int(i) for i in values["files"].split(",") if i.strip().isdigit()]
            step["files"] = [i for i in ids if file_ids is None or i in file_ids]
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
    # The same checks a template file gets. Everything they refuse is asked above in the user's
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


def _blocked(field: str, record_fields) -> str:
    name = record_fields.get(field, field) if isinstance(record_fields, dict) else field
    return _(
        "„%(field)s“ übernimmt nichts aus Beiträgen (Status und Aktenzeichen ändern sich nur im Steckbrief); "
        "bitte wählen Sie ein anderes Feld.",
        field=name,
    )


def _cross_step_problems(steps: list[dict]) -> list[tuple[int | None, str]]:
    """What the activities check across steps (a vote's source, a drafting step's fields) and
    across a step's options, as sentences naming the step and what to change."""
    problems: list[tuple[int | None, str]] = []
    offers: dict[str, frozenset[str]] = {}
    numbers: dict[str, tuple[int, str]] = {}
    for index, step in enumerate(steps):
        where = _("Schritt %(number)s", number=index + 1)
        activity = ACTIVITIES[step["type"]]
        labels = {option.name: option.label for option in option_fields(step["type"])}
        config = {name: step[name] for name in labels if name in step}
        if step.get("files"):
            config["files"] = step["files"]
        try:
            loaded: dict | None = activity.config_schema().load(config) if activity.config_schema else {}
        except ValidationError as error:
            for name in error.messages:
                if name == "max_per_card":
                    text = _(
                        "„%(max_label)s“ ist größer als „%(budget_label)s“; bitte verkleinern Sie es.",
                        max_label=labels.get("max_per_card", name),
                        budget_label=labels.get("budget", "budget"),
                    )
                else:
                    text = _(
                        "„%(label)s“: dieser Wert passt hier nicht; bitte ändern Sie ihn.", label=labels.get(name, name)
                    )
                problems.append((index, f"{where}: {text}"))
            loaded = None
        if loaded is not None:
            try:
                typed = activity.step_class.from_stored({**step, **loaded})
            except TypeError:  # an option the type requires is missing: named per step already
                typed = None
            for found in typed.check(offers) if typed else []:
                field = found.split(":", 1)[0]
                if field == "source":
                    number, title = numbers.get(step.get("source", ""), (None, step.get("source", "")))
                    text = _(
                        "„%(label)s“: Schritt %(number)s „%(title)s“ hat keine Beiträge, mit denen dieser Schritt "
                        "arbeiten kann; wählen Sie einen früheren Schritt, in dem gesammelt (oder geclustert) wird.",
                        label=labels.get("source", "source"),
                        number=number or "?",
                        title=title,
                    )
                elif field == "columns" and step["type"] == "draft":
                    text = _(
                        "Jede Spalte eines Formulier-Schritts braucht ein Feld des Steckbriefs: "
                        "schreiben Sie sie als „schluessel [feld]: Titel“."
                    )
                else:
                    text = _(
                        "„%(label)s“: diese Angabe passt nicht zu den anderen Schritten.",
                        label=labels.get(field, field),
                    )
                problems.append((index, f"{where}: {text}"))
        offers[step["key"]] = activity.offers
        numbers[step["key"]] = (index + 1, localized(step["title"], current_locale()))
    return problems


# --- the clock plan -------------------------------------------------------------------------------


@dataclass
class PlanRow:
    step: dict
    start: time | None
    end: time | None
    minutes: int


@dataclass
class Plan:
    rows: list[PlanRow]
    total_minutes: int
    ends_at: time | None
    over_minutes: int  # how far the plan runs past the slot's end (0: it fits)


def clock_plan(steps: list[dict], day: date | None, start: time | None, slot_end: time | None) -> Plan:
    """Planned start of every step from the start time and the steps' minutes."""
    rows, total = [], 0
    anchor = datetime.combine(day or date(2000, 1, 1), start) if start else None
    for step in steps:
        minutes = int(step.get("timebox_minutes") or 0)
        begin = anchor + timedelta(minutes=total) if anchor else None
        total += minutes
        rows.append(
            PlanRow(
                step,
                begin.time() if begin else None,
                (anchor + timedelta(minutes=total)).time() if anchor else None,
                minutes,
            )
        )
    over = 0
    if anchor and slot_end:
        end = anchor + timedelta(minutes=total)
        slot = datetime.combine(anchor.date(), slot_end)
        if slot <= anchor:
            slot += timedelta(days=1)
        over = max(0, int((end - slot).total_seconds() // 60))
    return Plan(rows, total, (anchor + timedelta(minutes=total)).time() if anchor else None, over)
