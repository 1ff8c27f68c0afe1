"""Checking a hand-edited value against its field's type; each error names the line and the rule."""

from __future__ import annotations

import re
from datetime import date, datetime

from workshop.i18n import N_
from workshop.measures.messages import RecordRefused
from workshop.measures.record_template import RecordField

TEXT_MAX = 300
PERSON_MAX = 200
# 12.500 € · 12500 EUR · 1.250.000,50 € · 3,5 Mio. € — an amount in euros somewhere in the line
_MONEY = re.compile(r"\d[\d.\s]*(,\d{1,2})?\s*(Mio\.?|Mrd\.?|Tsd\.?)?\s*(€|EUR\b|Euro\b)", re.IGNORECASE)
_DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y")


class FieldValueError(RecordRefused):
    """A value the field's type does not take; the sentence names the line and the rule."""

    def __init__(self, msgid: str, **params):
        super().__init__("invalid_value", msgid, **params)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.replace("\r\n", "\n").split("\n") if line.strip()]


def _parse_date(text: str) -> date:
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise FieldValueError(N_("„%(text)s“ ist kein Datum; schreiben Sie es als 2026-11-23 oder 23.11.2026."), text=text)


def check_value(field: RecordField, text: str) -> str:
    """The value to store for `field` (dates normalised to ISO), or FieldValueError saying why not."""
    lines = _lines(text)
    if field.type == "status":
        raise FieldValueError(
            N_("Der Status ändert sich nur über den Statusablauf (weiterschalten oder wiedereröffnen).")
        )
    if field.type == "text":
        if len(lines) > 1:
            raise FieldValueError(N_("Dieses Feld nimmt nur eine Zeile."))
        if lines and len(lines[0]) > TEXT_MAX:
            raise FieldValueError(N_("Höchstens %(max)s Zeichen."), max=TEXT_MAX)
        return lines[0] if lines else ""
    if field.type == "date":
        if len(lines) > 1:
            raise FieldValueError(N_("Nur ein Datum."))
        return _parse_date(lines[0]).isoformat() if lines else ""
    if field.type == "money":
        for number, line in enumerate(lines, 1):
            if not _MONEY.search(line):
                raise FieldValueError(
                    N_(
                        "Zeile %(number)s („%(line)s“): Bitte einen Betrag in Euro angeben, z. B. „12.500 € Personalmittel“."
                    ),
                    number=number,
                    line=line[:60],
                )
        return "\n".join(lines)
    if field.type == "people":
        for number, line in enumerate(lines, 1):
            if "@" in line:
                raise FieldValueError(
                    N_("Zeile %(number)s: nur Namen und Rollen, keine E-Mail-Adressen."), number=number
                )
            if len(line) > PERSON_MAX:
                raise FieldValueError(
                    N_("Zeile %(number)s: höchstens %(max)s Zeichen je Person."), number=number, max=PERSON_MAX
                )
            if sum(ch.isalpha() for ch in line) < 2:
                raise FieldValueError(
                    N_("Zeile %(number)s („%(line)s“): eine Person (Name, Rolle) je Zeile."),
                    number=number,
                    line=line[:60],
                )
        return "\n".join(lines)
    return text
