"""A weekly trend chart as inline SVG, drawn on the server (no JavaScript, no CDN)."""

from __future__ import annotations

from datetime import date

from markupsafe import Markup, escape

from bot.analytics.formats import iso_week, whole

WIDTH, HEIGHT, PAD_LEFT, PAD_BOTTOM, PAD_TOP = 640, 260, 48, 36, 36
SWATCH = 12


def weekly_chart(
    weekly: list[tuple[date, int, int]], title: str, legend: tuple[str, str]
) -> Markup:
    """Bars of conversations per week with the resolved part filled darker, and a legend.

    ``weekly`` has every week of the period, weeks without conversations as zero (they get
    their place on the axis and no bar). The same numbers are in a table next to the chart;
    ``title`` is the chart's text alternative and ``legend`` names the two kinds of bar (all
    conversations, resolved ones): the template writes both, the Danish text lives there.
    """
    if not weekly:
        return Markup("")
    top = max(n for _, n, _ in weekly) or 1
    plot_w, plot_h = WIDTH - PAD_LEFT - 8, HEIGHT - PAD_BOTTOM - PAD_TOP
    slot = plot_w / len(weekly)
    bar = min(48.0, max(1.0, slot * 0.7))
    base = PAD_TOP + plot_h
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="chart-title" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="chart-title">{escape(title)}</title>',
        f'<line x1="{PAD_LEFT}" y1="{base}" x2="{WIDTH - 8}" y2="{base}" class="axis"/>',
        f'<text x="{PAD_LEFT - 6}" y="{PAD_TOP + 10}" class="label" text-anchor="end">'
        f"{escape(whole(top))}</text>",
        f'<text x="{PAD_LEFT - 6}" y="{base}" class="label" text-anchor="end">0</text>',
    ]
    # The legend, top left above the bars: a swatch and its name for each kind of bar.
    x = PAD_LEFT
    for css, name in zip(("bar-all", "bar-resolved"), legend, strict=True):
        parts.append(
            f'<g class="legend"><rect x="{x}" y="8" width="{SWATCH}" height="{SWATCH}" '
            f'class="{css}"/><text x="{x + SWATCH + 6}" y="{8 + SWATCH - 1}" class="label">'
            f"{escape(name)}</text></g>"
        )
        x += SWATCH + 6 + 8 * len(name) + 24
    label_every = max(1, -(-len(weekly) // 12))
    for i, (monday, n, resolved) in enumerate(weekly):
        x_bar = PAD_LEFT + i * slot + (slot - bar) / 2
        h_all = plot_h * n / top
        h_res = plot_h * resolved / top
        if not n:  # an empty week: a "0" on the axis where its bar would stand
            parts.append(
                f'<text x="{x_bar + bar / 2:.1f}" y="{base - 4}" class="label zero" '
                'text-anchor="middle">0</text>'
            )
        if n:
            parts.append(
                f'<rect x="{x_bar:.1f}" y="{base - h_all:.1f}" width="{bar:.1f}" '
                f'height="{h_all:.1f}" class="bar-all"/>'
            )
        if resolved:
            parts.append(
                f'<rect x="{x_bar:.1f}" y="{base - h_res:.1f}" width="{bar:.1f}" '
                f'height="{h_res:.1f}" class="bar-resolved"/>'
            )
        if i % label_every == 0:
            parts.append(
                f'<text x="{x_bar + bar / 2:.1f}" y="{HEIGHT - 12}" class="label" '
                f'text-anchor="middle">{escape(iso_week(monday).split("-")[1])}</text>'
            )
    parts.append("</svg>")
    # Only numbers, the escaped title, legend and week labels are interpolated above.
    return Markup("".join(parts))  # noqa: S704
