"""Plain-text and CSV renderings of the statistics (for the CLI and the CSV export).

The overview's sentences are the Jinja2 text template ``templates/overview.txt``
(bot.analytics.texts); this module hands it the figures.
"""

from __future__ import annotations

import csv
import io
from datetime import date

from bot.analytics.stats import Overview
from bot.analytics.texts import dkk, iso_week, text_templates
from bot.dialogue.answers.self_service import task_of_topic
from bot.dialogue.topics import get_registry
from bot.knowledge.profile import Profile

__all__ = ["OUTCOME_LABELS", "dkk", "iso_week", "komhen_csv", "overview_text", "topic_label"]

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
    """The KOMHEN-style table as CSV (semicolon-separated, as Danish spreadsheets expect)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
    writer.writerow(["uge", "mandag", "område", "kanal", "henvendelser"])
    for monday, area, channel, n in rows:
        writer.writerow([iso_week(monday), monday.isoformat(), area, channel, n])
    return buffer.getvalue()
