"""The protocol's words in the protocol's own language (chosen per protocol, not per viewer).

German is the msgid, English comes from the catalog. Babel's Translations are used directly
(not Flask-Babel's request locale), so the CLI and a facilitator with an English UI can still
produce a German protocol, and the other way round.
"""

from __future__ import annotations

from datetime import datetime

from babel.dates import format_date
from babel.numbers import format_decimal

from workshop.i18n import DEFAULT_LOCALE, LOCALES, catalog
from workshop.timezone import local

translations = catalog  # the one reading of the catalog (workshop/i18n.py)


class Wording:
    """gettext / ngettext / dates / numbers for one protocol language."""

    def __init__(self, language: str):
        self.language = language if language in LOCALES else DEFAULT_LOCALE
        self._t = translations(self.language)

    def gettext(self, text: str, **values) -> str:
        translated = self._t.gettext(text)
        return translated % values if values else translated

    def ngettext(self, singular: str, plural: str, num: int, **values) -> str:
        return self._t.ngettext(singular, plural, num) % {"num": num, **values}

    def date(self, moment: datetime | None) -> str:
        if moment is None:
            return "–"
        day = local(moment)
        return day.strftime("%d.%m.%Y") if self.language == "de" else format_date(day, "d MMMM y", locale="en")

    def time(self, moment: datetime | None) -> str:
        if moment is None:
            return "–"
        return self.gettext("%(time)s Uhr", time=local(moment).strftime("%H:%M"))

    def decimal(self, value: float) -> str:
        return format_decimal(value, "0.0", locale=self.language)

    def labels(self) -> dict[str, str]:
        """Every heading and row label the renderers print (kept with a final version)."""
        _ = self.gettext
        return {
            "title": _("Ergebnisprotokoll"),
            "occasion": _("Anlass"),
            "measure": _("Maßnahme"),
            "reference": _("Az."),
            "unit": _("Baustein"),
            "date": _("Datum"),
            "place": _("Ort"),
            "start_end": _("Beginn / Ende"),
            "participants": _("Teilnehmende"),
            "named": _("namentlich"),
            "moderation": _("Moderation"),
            "minute_taker": _("Protokollführung"),
            "distribution": _("Verteiler"),
            "attendance": _("Anwesenheit"),
            "name": _("Name"),
            "organisation": _("Organisation"),
            "top": _("TOP"),
            "prompt": _("Leitfrage"),
            "contributions": _("Beiträge"),
            "results": _("Ergebnis"),
            "decisions": _("Beschlüsse"),
            "dissent": _("Abweichende Meinungen"),
            "notes": _("Anmerkungen der Moderation"),
            "captured": _("In den Maßnahmensteckbrief übernommen"),
            "withheld": _("Nicht freigegebene Beiträge"),
            "tasks": _("Aufgaben"),
            "what": _("Was"),
            "who": _("Wer"),
            "due": _("Bis wann"),
            "open_points": _("Offene Punkte"),
            "none": _("keine"),
            "next_date": _("Nächster Termin"),
            "attachments": _("Anlagen"),
            "attachment": _("Anlage"),
            "generated": _("Erstellt am"),
            "status_draft": _("Entwurf"),
            "status_final": _("Endfassung"),
            "version": _("Fassung"),
            "from_paper": _("von Papier übertragen"),
            "field": _("Feld"),
            "value": _("Inhalt"),
            "record": _("Maßnahmensteckbrief"),
            "status": _("Status"),
            "page": _("Seite"),
            "annex_title": _("Anlage: Beiträge im Wortlaut"),
            "annex_note": _(
                "Alle Beiträge der Sitzung je TOP, mit Punkten und – wo die Person zugestimmt hat – Namen."
            ),
        }
