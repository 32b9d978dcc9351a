"""Plain-text and CSV renderings of the statistics (for the CLI and the CSV export).

The overview's sentences are the Jinja2 text template ``templates/overview.txt``
(bot.analytics.texts); this module hands it the figures.
"""

from __future__ import annotations

import csv
import io
from datetime import date

from bot.analytics.formats import csv_cell
from bot.analytics.stats import Overview
from bot.analytics.texts import dkk, iso_week, text_templates
from bot.dialogue.answers.self_service import task_of_topic
from bot.dialogue.topics import get_registry
from bot.knowledge.profile_model import Profile

__all__ = [
    "OUTCOME_LABELS",
    "dkk",
    "iso_week",
    "komhen_csv",
    "komhen_csv_bytes",
    "overview_text",
    "topic_label",
]

# Danish Excel reads a CSV file as UTF-8 only when it starts with the byte order mark.
UTF8_BOM = "\ufeff"

OUTCOME_LABELS = {
    "resolved": "løst",
    "referred": "henvist",
    "abandoned": "opgivet",
    "not_understood": "ikke forstået",
}


def topic_label(profile: Profile, topic: str) -> str:
    """A topic as staff read it: the registry's label, with the task's name for a task."""
    registry = get_registry()
    task_id = task_of_topic(topic)
    if task_id is not None:
        names = {t.id: t.name for t in profile.self_service}
        return f"{registry.label('self_service')}: {names.get(task_id, task_id)}"
    return registry.label(topic)


def overview_text(o: Overview, profile: Profile) -> str:
    """The overview as the lines ``python -m bot stats`` prints (templates/overview.txt)."""
    text = (
        text_templates()
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
    """The KOMHEN-style table as CSV the way Danish spreadsheets expect it: separated by
    semicolons, numbers with a decimal comma (bot.analytics.formats.csv_cell)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
    writer.writerow(["uge", "mandag", "område", "kanal", "henvendelser"])
    for monday, area, channel, n in rows:
        writer.writerow([csv_cell(v) for v in (iso_week(monday), monday, area, channel, n)])
    return buffer.getvalue()


def komhen_csv_bytes(rows: list[tuple[date, str, str, int]]) -> bytes:
    """The CSV file staff download: :func:`komhen_csv` in UTF-8 after a byte order mark, so
    Danish Excel shows "Boligstøtte" and not "BoligstÃ¸tte"."""
    return (UTF8_BOM + komhen_csv(rows)).encode("utf-8")
