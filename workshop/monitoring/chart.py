"""An indicator's chart, drawn on the server: the measured values over time, the baseline, the
target and the straight line between them. One geometry, two renderers: SVG for the pages and the
PDF (no script, no third-party service), PNG (Pillow) for the DOCX, which cannot hold SVG. The same
data is always shown as a table beside it (templates/monitoring/_indicator.html)."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from xml.sax.saxutils import escape

from workshop.measures.monitoring import IndicatorState

WIDTH, HEIGHT = 560, 220
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 36
INK, MUTED, TARGET, PLAN, POINT = "#1f2933", "#616e7c", "#0b6e4f", "#8a94a6", "#1a56db"


@dataclass
class Geometry:
    points: list[tuple[float, float]] = field(default_factory=list)  # measured values (x, y)
    plan: tuple[tuple[float, float], tuple[float, float]] | None = None  # baseline -> target
    target_y: float | None = None
    y_ticks: list[tuple[float, str]] = field(default_factory=list)
    x_ticks: list[tuple[float, str, str]] = field(default_factory=list)  # (x, label, text-anchor)


def _number(value: float) -> str:
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return text.replace(",", "\u202f").replace(".", ",")


def geometry(state: IndicatorState) -> Geometry | None:
    """None when there is nothing to draw (no value, no baseline, no target)."""
    i = state.indicator
    dated: list[tuple[date, float]] = [(date.fromisoformat(v["measured_on"]), v["value"]) for v in state.values]
    if i["baseline_value"] is not None and i["baseline_date"]:
        dated.append((date.fromisoformat(i["baseline_date"]), i["baseline_value"]))
    if i["target_value"] is not None and i["target_date"]:
        dated.append((date.fromisoformat(i["target_date"]), i["target_value"]))
    if not dated:
        return None
    ys = [y for _d, y in dated] + [v for v in (i["baseline_value"], i["target_value"]) if v is not None]
    low, high = min(ys), max(ys)
    if low == high:
        low, high = low - 1, high + 1
    pad = (high - low) * 0.08
    low, high = low - pad, high + pad
    first, last = min(d for d, _y in dated), max(d for d, _y in dated)
    span = max((last - first).days, 1)

    def x(day: date) -> float:
        return LEFT + (WIDTH - LEFT - RIGHT) * ((day - first).days / span if last != first else 0.5)

    def y(value: float) -> float:
        return TOP + (HEIGHT - TOP - BOTTOM) * (1 - (value - low) / (high - low))

    g = Geometry()
    g.points = [
        (x(date.fromisoformat(v["measured_on"])), y(v["value"]))
        for v in sorted(state.values, key=lambda v: v["measured_on"])
    ]
    if i["baseline_value"] is not None and i["target_value"] is not None and i["baseline_date"] and i["target_date"]:
        g.plan = (
            (x(date.fromisoformat(i["baseline_date"])), y(i["baseline_value"])),
            (x(date.fromisoformat(i["target_date"])), y(i["target_value"])),
        )
    if i["target_value"] is not None:
        g.target_y = y(i["target_value"])
    g.y_ticks = [(y(low + (high - low) * k / 4), _number(low + (high - low) * k / 4)) for k in range(5)]
    g.x_ticks = [(x(first), first.strftime("%m/%Y"), "start" if last != first else "middle")]
    if last != first:
        g.x_ticks.append((x(last), last.strftime("%m/%Y"), "end"))
    return g


def svg(state: IndicatorState, title: str, description: str) -> str:
    """An inline <svg> with a title and description for screen readers (the table has the data)."""
    g = geometry(state)
    if g is None:
        return ""
    parts = [
        f'<svg class="indicator-chart" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'role="img" aria-labelledby="chart-t-{state.indicator["id"]} chart-d-{state.indicator["id"]}" '
        'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="chart-t-{state.indicator["id"]}">{escape(title)}</title>',
        f'<desc id="chart-d-{state.indicator["id"]}">{escape(description)}</desc>',
        f'<line x1="{LEFT}" y1="{HEIGHT - BOTTOM}" x2="{WIDTH - RIGHT}" y2="{HEIGHT - BOTTOM}" stroke="{MUTED}"/>',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{HEIGHT - BOTTOM}" stroke="{MUTED}"/>',
    ]
    for ty, label in g.y_ticks:
        parts.append(
            f'<text x="{LEFT - 6}" y="{ty + 4:.1f}" text-anchor="end" font-size="11" fill="{INK}">{escape(label)}</text>'
        )
    for tx, label, anchor in g.x_ticks:
        parts.append(
            f'<text x="{tx:.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="{anchor}" font-size="11" '
            f'fill="{INK}">{escape(label)}</text>'
        )
    if g.target_y is not None:
        parts.append(
            f'<line x1="{LEFT}" y1="{g.target_y:.1f}" x2="{WIDTH - RIGHT}" y2="{g.target_y:.1f}" '
            f'stroke="{TARGET}" stroke-dasharray="6 4"/>'
        )
    if g.plan is not None:
        (x1, y1), (x2, y2) = g.plan
        parts.append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{PLAN}" stroke-dasharray="2 3"/>'
        )
    if len(g.points) > 1:
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py in g.points)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{POINT}" stroke-width="2.5"/>')
    for px, py in g.points:
        parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="4" fill="{POINT}"/>')
    parts.append("</svg>")
    return "".join(parts)


def png(state: IndicatorState) -> bytes | None:
    """The same chart as a PNG (twice the size, for print); None when there is nothing to draw."""
    from PIL import Image, ImageDraw, ImageFont

    g = geometry(state)
    if g is None:
        return None
    scale = 2
    image = Image.new("RGB", (WIDTH * scale, HEIGHT * scale), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=11 * scale)
    s = lambda value: value * scale  # noqa: E731
    draw.line([(s(LEFT), s(HEIGHT - BOTTOM)), (s(WIDTH - RIGHT), s(HEIGHT - BOTTOM))], fill=MUTED, width=scale)
    draw.line([(s(LEFT), s(TOP)), (s(LEFT), s(HEIGHT - BOTTOM))], fill=MUTED, width=scale)
    for ty, label in g.y_ticks:
        draw.text((s(LEFT - 6), s(ty)), label, fill=INK, font=font, anchor="rm")
    for tx, label, anchor in g.x_ticks:
        pil_anchor = {"start": "lm", "middle": "mm", "end": "rm"}[anchor]
        draw.text((s(tx), s(HEIGHT - BOTTOM + 14)), label, fill=INK, font=font, anchor=pil_anchor)
    if g.target_y is not None:
        for start in range(LEFT, WIDTH - RIGHT, 10):
            draw.line(
                [(s(start), s(g.target_y)), (s(min(start + 6, WIDTH - RIGHT)), s(g.target_y))], fill=TARGET, width=scale
            )
    if g.plan is not None:
        (x1, y1), (x2, y2) = g.plan
        draw.line([(s(x1), s(y1)), (s(x2), s(y2))], fill=PLAN, width=scale)
    if len(g.points) > 1:
        draw.line([(s(px), s(py)) for px, py in g.points], fill=POINT, width=3 * scale)
    for px, py in g.points:
        draw.ellipse([s(px) - 4 * scale, s(py) - 4 * scale, s(px) + 4 * scale, s(py) + 4 * scale], fill=POINT)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()
