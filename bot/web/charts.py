"""A weekly trend chart as inline SVG, drawn on the server (no JavaScript, no CDN)."""

from __future__ import annotations

from datetime import date
from html import escape

from markupsafe import Markup
from markupsafe import escape as escape_title

from bot.analytics.report import iso_week

WIDTH, HEIGHT, PAD_LEFT, PAD_BOTTOM, PAD_TOP = 640, 240, 40, 36, 12


def weekly_chart(weekly: list[tuple[date, int, int]], title: str) -> Markup:
    """Bars of conversations per week with the resolved part filled darker.

    The same numbers are in a table next to the chart, so the SVG is decoration for screen
    readers; ``title`` summarises it (the template writes it: the Danish text lives there).
    """
    if not weekly:
        return Markup("")
    top = max(n for _, n, _ in weekly) or 1
    plot_w, plot_h = WIDTH - PAD_LEFT - 8, HEIGHT - PAD_BOTTOM - PAD_TOP
    slot = plot_w / len(weekly)
    bar = min(48.0, max(4.0, slot * 0.7))
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="chart-title" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="chart-title">{escape_title(title)}</title>',
        f'<line x1="{PAD_LEFT}" y1="{PAD_TOP + plot_h}" x2="{WIDTH - 8}" '
        f'y2="{PAD_TOP + plot_h}" class="axis"/>',
        f'<text x="{PAD_LEFT - 6}" y="{PAD_TOP + 10}" class="label" text-anchor="end">{top}</text>',
        f'<text x="{PAD_LEFT - 6}" y="{PAD_TOP + plot_h}" class="label" text-anchor="end">0</text>',
    ]
    label_every = max(1, len(weekly) // 8)
    for i, (monday, n, resolved) in enumerate(weekly):
        x = PAD_LEFT + i * slot + (slot - bar) / 2
        h_all = plot_h * n / top
        h_res = plot_h * resolved / top
        base = PAD_TOP + plot_h
        parts.append(
            f'<rect x="{x:.1f}" y="{base - h_all:.1f}" width="{bar:.1f}" height="{h_all:.1f}" '
            'class="bar-all"/>'
        )
        parts.append(
            f'<rect x="{x:.1f}" y="{base - h_res:.1f}" width="{bar:.1f}" height="{h_res:.1f}" '
            'class="bar-resolved"/>'
        )
        if i % label_every == 0:
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{HEIGHT - 12}" class="label" '
                f'text-anchor="middle">{escape(iso_week(monday).split("-")[1])}</text>'
            )
    parts.append("</svg>")
    # Only numbers, the escaped title and escaped week labels are interpolated above.
    return Markup("".join(parts))  # noqa: S704
