"""Column layouts of the register table: Berlin (the measure sheet) and Aachen (the action plan).

A layout is a record template plus the column headings the table uses for its fields. The Aachen
headings are those of the action plan table (seed 002), typo "Städtetzwerk" included, so the
original table imports as it is; the template's own labels are accepted as well."""

from __future__ import annotations

from dataclasses import dataclass

from workshop.i18n import localized
from workshop.measures.record_template import load_record_template

REFERENCE = "reference_number"
# A column of the source's running numbers ("Nr." in the Aachen table: 1…7). It is not a
# reference number unless the person importing says so in the preview; otherwise it is left out.
NUMBERING = "numbering"
NUMBERING_HEADINGS = frozenset({"Nr.", "Nr", "No.", "Lfd. Nr.", "#"})


@dataclass(frozen=True)
class Column:
    heading: str
    key: str


@dataclass(frozen=True)
class Layout:
    key: str
    record_template: str
    columns: tuple[Column, ...]
    aliases: dict  # other heading -> field key (accepted on import)
    carry_down: frozenset = frozenset()  # an empty cell repeats the row above (merged cells)

    def key_for(self, heading: str) -> str | None:
        heading = " ".join(heading.split())
        for column in self.columns:
            if column.heading == heading:
                return column.key
        if heading in NUMBERING_HEADINGS:
            return NUMBERING
        return self.aliases.get(heading)


# The Aachen table's own headings for the fields it has (in its order).
_AACHEN_HEADINGS = {
    "reference_number": "Referenznummer",
    "action_field": "Aktionsfeld",
    "title": "Arbeitstitel des Vorhabens",
    "objective": "Übergeordnete Zielsetzung",
    "implementation_ideas": "Optionale Umsetzungsideen",
    "milestones": "Meilensteine / Erfolgsfaktoren",
    "indicators": "Indikatoren der Zielerreichung",
    "experience_transfer": "Möglicher Erfahrungstransfer aus Städtetzwerk",
    "cross_project_resolutions": "Projektübergreifende Vorsätze für die weitere Aktivierung des "
    "Aktionsplans (nach KoRa)",
}


def _layout(key: str, template_key: str, headings: dict[str, str], carry_down=frozenset()) -> Layout:
    template = load_record_template(template_key)
    fields = template.fields
    ordered = [f for f in fields if f.key in headings] + [f for f in fields if f.key not in headings]
    ordered.sort(key=lambda f: list(headings).index(f.key) if f.key in headings else len(headings))
    columns = tuple(Column(headings.get(f.key) or localized(f.label, "de"), f.key) for f in ordered)
    aliases = {localized(f.label, "de"): f.key for f in fields}
    aliases.update({localized(f.label, "en"): f.key for f in fields})
    return Layout(key, template_key, columns, aliases, frozenset(carry_down))


def layouts() -> dict[str, Layout]:
    return {
        "berlin": _layout("berlin", "default", {}),
        "aachen": _layout("aachen", "aachen", _AACHEN_HEADINGS, {"action_field"}),
    }


def layout_for_template(template_key: str) -> Layout | None:
    return next((layout for layout in layouts().values() if layout.record_template == template_key), None)
