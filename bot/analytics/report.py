"""Plain-text and CSV renderings of the statistics (for the CLI and the CSV export).

The overview's sentences are the Jinja2 text template ``templates/overview.txt``; this module
hands it the figures and the filters that format them.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from functools import lru_cache
from pathlib import Path

import jinja2

from bot.analytics.stats import Overview
from bot.dialogue.topics import get_registry
from bot.knowledge.formatting import Number, format_dkk
from bot.knowledge.profile import Profile

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"

OUTCOME_LABELS = {
    "resolved": "løst",
    "referred": "henvist",
    "abandoned": "opgivet",
    "not_understood": "ikke forstået",
}


def topic_label(profile: Profile, topic: str) -> str:
    """A topic as staff read it: the registry's label, with the task's name for a task."""
    registry = get_registry()
    if topic.startswith("self_service:"):
        task_id = topic.split(":", 1)[1]
        names = {t.id: t.name for t in profile.self_service}
        return f"{registry.label('self_service')}: {names.get(task_id, task_id)}"
    return registry.label(topic)


def iso_week(monday: date) -> str:
    """The ISO week of a day as KOMHEN writes it: "2026-U48" (year of the ISO week)."""
    year, week, _ = monday.isocalendar()
    return f"{year}-U{week:02d}"


def dkk(amount: Number) -> str:
    """Whole Danish kroner: "121.450 kr." (bot.knowledge.formatting.format_dkk)."""
    return format_dkk(amount)


def _plain_number(value: Number, decimals: int) -> str:
    """ "3.5": the overview's figures with a decimal point, as the CLI has always printed them."""
    return f"{value:.{decimals}f}"


def _plain_percent(share: Number, decimals: int) -> str:
    """ "12.5%": a share with a decimal point and no space, as the CLI has always printed it."""
    return f"{share:.{decimals}%}"


@lru_cache(maxsize=1)
def _text_templates() -> jinja2.Environment:
    """The plain-text templates (no HTML escaping), built on first use."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=jinja2.select_autoescape(["html"], default_for_string=False, default=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        dkk=dkk,
        iso_week=iso_week,
        number=_plain_number,
        percent=_plain_percent,
        ljust=lambda value, width: str(value).ljust(width),
        rjust=lambda value, width: str(value).rjust(width),
    )
    return env


def overview_text(o: Overview, profile: Profile) -> str:
    """The overview as the lines ``python -m bot stats`` prints (templates/overview.txt)."""
    text = (
        _text_templates()
        .get_template("overview.txt")
        .render(
            o=o,
            s=o.savings,
            outcomes=[
                (label, o.outcomes[key], o.rate(key)) for key, label in OUTCOME_LABELS.items()
            ],
            topics=[(topic_label(profile, topic), n) for topic, n in o.top_topics],
        )
    )
    return text.removesuffix("\n")  # print() adds the last line's newline


def komhen_csv(rows: list[tuple[date, str, str, int]]) -> str:
    """The KOMHEN-style table as CSV (semicolon-separated, as Danish spreadsheets expect)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
    writer.writerow(["uge", "mandag", "område", "kanal", "henvendelser"])
    for monday, area, channel, n in rows:
        writer.writerow([iso_week(monday), monday.isoformat(), area, channel, n])
    return buffer.getvalue()
