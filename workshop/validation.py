"""Shared input-checking helpers: turn marshmallow errors into one sentence that names the field."""

from __future__ import annotations

from functools import cache

from marshmallow import Schema, ValidationError, fields


def describe_errors(messages, prefix: str = "") -> str:
    """Flatten {'payload': {'text': ['Too long.']}} into "payload.text: Too long."."""
    parts: list[str] = []

    def walk(node, path: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, f"{path}.{key}" if path else str(key))
        elif isinstance(node, list) and all(isinstance(item, str) for item in node):
            parts.append(f"{path}: {' '.join(node)}" if path else " ".join(node))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{path}[{index}]")
        else:
            parts.append(f"{path}: {node}" if path else str(node))

    walk(messages, prefix)
    return "; ".join(parts)


class Text(fields.String):
    """A string that can be stored: lone UTF-16 surrogates (which JSON can smuggle in as
    \\udXXX escapes) are refused instead of failing in the database."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if any("\ud800" <= ch <= "\udfff" for ch in text):
            raise ValidationError("must be valid Unicode text (it contains a lone surrogate)")
        return text


def strip_controls(text: str, keep: str = "\n\t") -> str:
    """text without C0/C1 control characters (and DEL), except those in keep.

    Why: a vertical tab pasted from a word processor is invisible on a page but breaks every
    XML-based file (XLSX, DOCX) it reaches, and U+0085 splits lines where nobody sees a break."""
    return "".join(ch for ch in text if ch in keep or not (ord(ch) < 32 or 127 <= ord(ch) < 160))


class CleanText(Text):
    """A string with surrounding white space and control characters removed.

    Newlines and tabs survive (cards may have several lines); other C0/C1 control
    characters never reach the database or another participant's screen.
    """

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        return strip_controls(text).strip()


# JSON from a client may hold any integer (Python's are unbounded) and any nesting; the database
# stores 64-bit integers and nothing here needs deeper than a few levels. Checked once, before
# any schema, so a value out of range is `invalid` with its path, never an overflow deep inside.
MAX_INT = 2**63 - 1
MAX_DEPTH = 16


def check_json_shape(value, path: str = "") -> None:
    """Raise ValidationError naming the first integer out of range or nesting too deep."""
    stack = [(value, path, 0)]
    while stack:
        node, where, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ValidationError({where or "value": [f"nested deeper than {MAX_DEPTH} levels"]})
        if isinstance(node, int) and not isinstance(node, bool) and not -MAX_INT <= node <= MAX_INT:
            raise ValidationError({where or "value": ["number out of range (at most 2^63-1)"]})
        if isinstance(node, dict):
            stack.extend((v, f"{where}.{k}" if where else str(k), depth + 1) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, f"{where}[{i}]", depth + 1) for i, v in enumerate(node))


__all__ = ["CleanText", "Text", "ValidationError", "check_json_shape", "describe_errors", "strip_controls"]


@cache
def schema_instance(schema_class: type[Schema]) -> Schema:
    """One instance per schema class: loading keeps no state, and building one per op or draft
    update cost ~3 % of a busy process (py-spy, Schema.__init__)."""
    return schema_class()


# --- whole numbers from forms and query strings ------------------------------------------------
# Every number a person (or a tampered form) sends is read here, one way. Not str.isdigit() and
# int(): isdigit() takes "²", which int() refuses (a 500 on eight routes), and int() takes "١٢",
# "1_000" and "+3", which no form of ours offers.


def whole_number(text: object) -> int | None:
    """The whole number a form field or query argument holds (digits 0-9, white space around
    allowed, at most 18 digits: it fits the database), else None."""
    if not isinstance(text, str):
        return None
    text = text.strip()
    if not text or len(text) > 18 or not (text.isascii() and text.isdigit()):
        return None
    return int(text)


class NotAWholeNumber(ValueError):
    """A form's number that is none, or out of its range: `sentence()` names the field."""

    def __init__(self, label: object, value: str, minimum: int | None = None, maximum: int | None = None):
        super().__init__(f"{label}: {value!r} is not a whole number")
        self.label, self.value, self.minimum, self.maximum = label, value, minimum, maximum

    def sentence(self) -> str:
        from workshop.i18n import N_, in_current_language

        values = {"label": str(self.label), "value": self.value.strip()[:40]}
        if self.minimum is not None and self.maximum is not None:
            return in_current_language(
                N_("„%(label)s“: „%(value)s“ ist keine ganze Zahl von %(min)s bis %(max)s."),
                **values,
                min=self.minimum,
                max=self.maximum,
            )
        return in_current_language(N_("„%(label)s“: „%(value)s“ ist keine ganze Zahl."), **values)


def form_number(raw: object, label: object, minimum: int | None = None, maximum: int | None = None) -> int | None:
    """A form field's whole number in [minimum, maximum]; None when left empty; NotAWholeNumber
    (naming the field by its label) when it is something else."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    number = whole_number(raw)
    if number is None or (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        raise NotAWholeNumber(label, raw if isinstance(raw, str) else str(raw), minimum, maximum)
    return number
