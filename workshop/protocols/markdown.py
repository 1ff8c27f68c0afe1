"""Protocol → Markdown."""

from __future__ import annotations

import re

from workshop.protocols.model import Protocol


def _escape(text: str) -> str:
    """Card text is data: keep it from turning into Markdown structure or HTML."""
    text = text.replace("\\", "\\\\").replace("\n", " ")
    text = re.sub(r"([`*_\[\]<>#|])", r"\\\1", text)
    return text


def _bullets(lines: list[str]) -> list[str]:
    return [f"- {_escape(line)}" for line in lines] + [""]


def render_markdown(protocol: Protocol, images=None) -> str:
    p, L = protocol, protocol.labels
    status = f"{L['status_final']}, {L['version']} {p.version}" if p.status == "final" else L["status_draft"]
    out: list[str] = [f"# {_escape(p.title)}", "", f"*{status}*", ""]
    header = [
        (L["occasion"], p.occasion),
        (L["measure"], p.measure_title + (f" ({L['reference']} {p.reference_number})" if p.reference_number else "")),
        (L["unit"], p.unit),
        (L["date"], p.date),
        (L["place"], p.place),
        (L["start_end"], f"{p.start} / {p.end}"),
        (L["participants"], p.participants),
        (L["moderation"], p.moderation),
        (L["minute_taker"], p.minute_taker),
    ]
    if p.distribution:
        header.append((L["distribution"], ", ".join(p.distribution)))
    out += ["| | |", "|---|---|"]
    out += [f"| **{label}** | {_escape(value)} |" for label, value in header]
    out.append("")
    if p.attendees:
        out += [f"## {L['attendance']}", "", f"| {L['name']} | {L['organisation']} |", "|---|---|"]
        out += [f"| {_escape(a.name)} | {_escape(a.organisation)} |" for a in p.attendees] + [""]
    for item in p.agenda:
        out += [f"## {L['top']} {item.number}: {_escape(item.title)}", ""]
        if item.empty():  # a welcome, an input, a break: the heading is all there is
            continue
        if item.prompt:
            out += [f"*{L['prompt']}:* {_escape(item.prompt)}", ""]
        for key, lines in (("results", item.results), ("decisions", item.decisions), ("dissent", item.dissent)):
            if lines:
                out += [f"**{L[key]}**", ""] + _bullets(lines)
        for capture in item.captures:
            out += [f"**{L['captured']} – {_escape(capture.field_label)}**", ""] + _bullets(capture.lines)
        if item.summary:
            out += [f"**{L['contributions']}:** {_escape(item.summary)}", ""]
        if item.withheld:
            out += [f"**{L['withheld']}**", ""] + _bullets(item.withheld)
        if item.notes:
            out += [f"**{L['notes']}**", "", _escape(item.notes), ""]
    if p.tasks:
        out += [f"## {L['tasks']}", "", f"| {L['what']} | {L['who']} | {L['due']} |", "|---|---|---|"]
        out += [f"| {_escape(t.what)} | {_escape(t.who)} | {t.due} |" for t in p.tasks] + [""]
    out += [f"## {L['open_points']}", ""] + (_bullets(p.open_points) if p.open_points else [f"- {L['none']}", ""])
    if p.next_date:
        out += [f"## {L['next_date']}", "", _escape(p.next_date), ""]
    if p.attachments:
        out += [f"## {L['attachments']}", ""]
        out += [f"{n}. {L['attachment']} {n}: {_escape(a.caption)}" for n, a in enumerate(p.attachments, 1)] + [""]
    if p.annex and any(item.cards for item in p.agenda):
        out += [f"## {L.get('annex_title', L['contributions'])}", ""]
        if L.get("annex_note"):
            out += [f"*{L['annex_note']}*", ""]
        for item in (item for item in p.agenda if item.cards):
            out += [f"### {L['top']} {item.number}: {_escape(item.title)}", ""]
            for column, cards in item.by_column():
                if column:
                    out += [f"**{_escape(column)}**", ""]
                for card in cards:
                    notes = f" ({', '.join(map(_escape, card.notes))})" if card.notes else ""
                    out.append(f"- {_escape(card.text)}{notes}")
                out.append("")
    out += [f"*{L['generated']} {p.generated_at}.*", ""]
    return "\n".join(out)
