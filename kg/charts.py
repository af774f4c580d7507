"""Small SVG charts drawn in Python: no JavaScript, no network, text always escaped.

The profile report and the notebook draw with these: a stacked bar chart with axes,
axis labels and a legend (:func:`stacked_bars`), a horizontal bar chart
(:func:`hbars`) and a ring showing a share (:func:`ring`). Each returns one
``<svg>`` element as text; every label and tooltip (``<title>``) passes through
:func:`html.escape`.

>>> svg = stacked_bars([2020, 2021], {"cs.CV": [1, 2], "<b>": [0, 1]}, y_label="Papers")
>>> svg.startswith("<svg") and "&lt;b&gt;" in svg and "<b>" not in svg
True
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape

#: Tableau 10, the palette the graph page uses too.
PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
           "#ff9da7", "#9c755f", "#bab0ac"]
FONT = "system-ui,-apple-system,'Segoe UI',Roboto,sans-serif"
INK = "#1f2933"
MUTED = "#6b7785"
GRID = "#e4e8ee"


def nice_step(top: float, ticks: int = 5) -> int:
    """A round step (1, 2, 5, 10, 20, ...) giving about ``ticks`` ticks up to ``top``.

    >>> nice_step(9), nice_step(37), nice_step(1)
    (2, 10, 1)
    """
    if top <= ticks:
        return 1
    raw = top / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * magnitude:
            return int(factor * magnitude)
    return int(10 * magnitude)


def _text(x: float, y: float, text: str, *, size: int = 12, anchor: str = "middle",
          fill: str = MUTED, weight: str = "normal", extra: str = "") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
            f'fill="{fill}" font-weight="{weight}"{extra}>{escape(text)}</text>')


def stacked_bars(categories: Sequence[object], series: Mapping[str, Sequence[float]], *,
                 colours: Mapping[str, str] | None = None, x_label: str = "Year",
                 y_label: str = "Papers", width: int = 760, height: int = 300,
                 title: str = "") -> str:
    """Bars per category (x), stacked by series, with y ticks, axis labels and a legend."""
    names = list(series)
    colours = {name: (colours or {}).get(name, PALETTE[i % len(PALETTE)]) for i, name in enumerate(names)}
    totals = [sum(series[n][i] for n in names) for i in range(len(categories))]
    top = max(totals, default=0) or 1
    step = nice_step(top)
    y_max = step * math.ceil(top / step)
    legend_h = 28
    left, right, top_pad, bottom = 52, 16, 14 + legend_h, 46
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    slot = plot_w / max(1, len(categories))
    bar_w = max(4.0, min(46.0, slot * 0.7))

    def y(value: float) -> float:
        return top_pad + plot_h * (1 - value / y_max)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
             f'width="100%" role="img" aria-label="{escape(title or y_label)}" '
             f'font-family="{escape(FONT)}" class="kg-chart">']
    if title:
        parts.append(f"<title>{escape(title)}</title>")
    for tick in range(0, int(y_max) + 1, step):
        ty = y(tick)
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{ty:.1f}" y2="{ty:.1f}" '
                     f'stroke="{GRID}" stroke-width="1"/>')
        parts.append(_text(left - 8, ty + 4, str(tick), anchor="end", size=11))
    label_every = max(1, math.ceil(len(categories) / max(1, plot_w // 44)))
    for i, category in enumerate(categories):
        cx = left + slot * (i + 0.5)
        base = 0.0
        for name in names:
            value = series[name][i]
            if not value:
                continue
            y0, y1 = y(base), y(base + value)
            parts.append(
                f'<rect x="{cx - bar_w / 2:.1f}" y="{y1:.1f}" width="{bar_w:.1f}" '
                f'height="{max(0.5, y0 - y1):.1f}" fill="{colours[name]}" rx="1.5">'
                f"<title>{escape(f'{category} · {name}: {value:g}')}</title></rect>")
            base += value
        if totals[i]:
            parts.append(_text(cx, y(totals[i]) - 5, f"{totals[i]:g}", size=11, fill=INK))
        if i % label_every == 0:
            parts.append(_text(cx, top_pad + plot_h + 17, str(category), size=11))
    parts.append(f'<line x1="{left}" x2="{width - right}" y1="{top_pad + plot_h}" '
                 f'y2="{top_pad + plot_h}" stroke="#9aa5b1" stroke-width="1"/>')
    parts.append(_text(left + plot_w / 2, height - 8, x_label, size=12, fill=INK))
    parts.append(_text(14, top_pad + plot_h / 2, y_label, size=12, fill=INK,
                       extra=f' transform="rotate(-90 14 {top_pad + plot_h / 2:.1f})"'))
    lx = left
    for name in names:
        parts.append(f'<rect x="{lx}" y="8" width="12" height="12" rx="2" fill="{colours[name]}"/>')
        parts.append(_text(lx + 17, 18.5, name, anchor="start", size=12, fill=INK))
        lx += 30 + 7.2 * len(name)
    parts.append("</svg>")
    return "".join(parts)


def hbars(labels: Sequence[str], values: Sequence[float], *, notes: Sequence[str] = (),
          colour: str = PALETTE[0], width: int = 460, row: int = 26, label_width: int = 170,
          title: str = "") -> str:
    """One horizontal bar per label, the value at its end and an optional note after it."""
    height = row * len(labels) + 6
    top = max(values, default=0) or 1
    note_w = 86 if notes else 0
    bar_span = width - label_width - 40 - note_w
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
             f'role="img" aria-label="{escape(title)}" font-family="{escape(FONT)}" class="kg-chart">']
    if title:
        parts.append(f"<title>{escape(title)}</title>")
    for i, (label, value) in enumerate(zip(labels, values)):
        cy = 3 + row * i + row / 2
        shown = label if len(label) <= 26 else label[:25] + "…"
        parts.append(f'<text x="{label_width - 10}" y="{cy + 4:.1f}" font-size="12" text-anchor="end" '
                     f'fill="{INK}">{escape(shown)}<title>{escape(label)}</title></text>')
        w = max(2.0, bar_span * value / top)
        parts.append(f'<rect x="{label_width}" y="{cy - 8:.1f}" width="{w:.1f}" height="16" rx="3" '
                     f'fill="{colour}"><title>{escape(f"{label}: {value:g}")}</title></rect>')
        parts.append(_text(label_width + w + 6, cy + 4, f"{value:g}", anchor="start", size=12, fill=INK,
                           weight="600"))
        if notes and i < len(notes) and notes[i]:
            parts.append(_text(width - 4, cy + 4, notes[i], anchor="end", size=11))
    parts.append("</svg>")
    return "".join(parts)


def ring(share: float, *, label: str = "", colour: str = PALETTE[4], size: int = 132) -> str:
    """A ring filled to ``share`` (0-1) with the percentage in the middle."""
    share = min(1.0, max(0.0, share))
    r = size / 2 - 12
    c = size / 2
    circumference = 2 * math.pi * r
    dash = circumference * share
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" width="{size}" '
        f'height="{size}" role="img" aria-label="{escape(label or f"{share:.0%}")}" '
        f'font-family="{escape(FONT)}" class="kg-ring">'
        f'<circle cx="{c}" cy="{c}" r="{r:.1f}" fill="none" stroke="{GRID}" stroke-width="14"/>'
        f'<circle cx="{c}" cy="{c}" r="{r:.1f}" fill="none" stroke="{colour}" stroke-width="14" '
        f'stroke-linecap="butt" stroke-dasharray="{dash:.2f} {circumference:.2f}" '
        f'transform="rotate(-90 {c} {c})"/>'
        + _text(c, c + 8, f"{share:.0%}", size=24, fill=INK, weight="700")
        + "</svg>")
