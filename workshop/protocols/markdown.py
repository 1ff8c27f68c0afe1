"""Protocol → Markdown."""
from __future__ import annotations

import re

from workshop.protocols.model import Protocol


def _escape(text: str) -> str:
    """Card text is data: keep it from turning into Markdown structure or HTML."""
    text = text.replace("\\", "\\\\").replace("\n", " ")
    text = re.sub(r"([`*_\[\]<>#|])", r"\\\1", text)
    return text


def render_markdown(protocol: Protocol) -> str:
    out: list[str] = [f"# {_escape(protocol.title)}", ""]
    named = f" (namentlich: {', '.join(map(_escape, protocol.named_participants))})" \
        if protocol.named_participants else ""
    header = [
        ("Anlass", protocol.occasion),
        ("Maßnahme", protocol.measure_title + (f" (Ref. {protocol.reference_number})"
                                              if protocol.reference_number else "")),
        ("Baustein", protocol.unit),
        ("Datum", protocol.date),
        ("Ort", protocol.place),
        ("Beginn / Ende", f"{protocol.start} / {protocol.end}"),
        ("Teilnehmende", f"{protocol.participants}{named}"),
        ("Moderation", protocol.moderation),
        ("Protokoll", protocol.minute_taker),
    ]
    out += ["| | |", "|---|---|"]
    out += [f"| **{label}** | {_escape(value)} |" for label, value in header]
    out.append("")
    for item in protocol.agenda:
        out += [f"## TOP {item.number}: {_escape(item.title)}", ""]
        if item.prompt:
            out += [f"*Leitfrage:* {_escape(item.prompt)}", ""]
        if item.cards:
            out += ["**Beiträge**", ""]
            for card in item.cards:
                parts = [f"{_escape(card.column)}: " if card.column else "", _escape(card.text)]
                extras = []
                if card.votes is not None:
                    extras.append(f"{card.votes} {'Punkt' if card.votes == 1 else 'Punkte'}")
                if card.author:
                    extras.append(_escape(card.author))
                out.append(f"- {''.join(parts)}" + (f" ({', '.join(extras)})" if extras else ""))
            out.append("")
        if item.results:
            out += ["**Ergebnis**", ""] + [f"- {_escape(r)}" for r in item.results] + [""]
        for capture in item.captures:
            out += [f"**In den Maßnahmensteckbrief übernommen – {_escape(capture.field_label)}**", ""]
            out += [f"- {_escape(line)}" for line in capture.lines] + [""]
    if protocol.tasks:
        out += ["## Aufgaben", "", "| Was | Wer | Bis |", "|---|---|---|"]
        out += [f"| {_escape(what)} | {_escape(who)} | {due} |" for what, who, due in protocol.tasks] + [""]
    out += ["## Offene Punkte", ""]
    out += [f"- {_escape(p)}" for p in protocol.open_points] or ["- keine"]
    out += ["", f"*Erstellt am {protocol.generated_at}.*", ""]
    return "\n".join(out)
