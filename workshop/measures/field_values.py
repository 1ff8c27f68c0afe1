"""Checking a hand-edited value against its field's type; each error names the line and the rule."""
from __future__ import annotations

import re
from datetime import date, datetime

from workshop.measures.record_template import RecordField

TEXT_MAX = 300
PERSON_MAX = 200
# 12.500 € · 12500 EUR · 1.250.000,50 € · 3,5 Mio. € — an amount in euros somewhere in the line
_MONEY = re.compile(r"\d[\d.\s]*(,\d{1,2})?\s*(Mio\.?|Mrd\.?|Tsd\.?)?\s*(€|EUR\b|Euro\b)", re.IGNORECASE)
_DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y")


class FieldValueError(ValueError):
    pass


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.replace("\r\n", "\n").split("\n") if line.strip()]


def _parse_date(text: str) -> date:
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise FieldValueError(f"„{text}“ is not a date; write it as 2026-11-23 or 23.11.2026.")


def check_value(field: RecordField, text: str) -> str:
    """The value to store for `field` (dates normalised to ISO), or FieldValueError saying why not."""
    lines = _lines(text)
    if field.type == "status":
        raise FieldValueError("The status changes only through the status flow (advance or reopen).")
    if field.type == "text":
        if len(lines) > 1:
            raise FieldValueError("This field takes one line.")
        if lines and len(lines[0]) > TEXT_MAX:
            raise FieldValueError(f"At most {TEXT_MAX} characters.")
        return lines[0] if lines else ""
    if field.type == "date":
        if len(lines) > 1:
            raise FieldValueError("One date only.")
        return _parse_date(lines[0]).isoformat() if lines else ""
    if field.type == "money":
        for number, line in enumerate(lines, 1):
            if not _MONEY.search(line):
                raise FieldValueError(
                    f"line {number} („{line[:60]}“): give an amount in euros, e.g. „12.500 € Personalmittel“.")
        return "\n".join(lines)
    if field.type == "people":
        for number, line in enumerate(lines, 1):
            if "@" in line:
                raise FieldValueError(f"line {number}: names and roles only, no e-mail addresses.")
            if len(line) > PERSON_MAX:
                raise FieldValueError(f"line {number}: at most {PERSON_MAX} characters per person.")
            if sum(ch.isalpha() for ch in line) < 2:
                raise FieldValueError(f"line {number} („{line}“): one person (name, role) per line.")
        return "\n".join(lines)
    return text
