"""Plain-text and CSV renderings of the statistics (for the CLI and the CSV export)."""

from __future__ import annotations

import csv
import io
from datetime import date

from bot.analytics.stats import Overview
from bot.knowledge.profile import Profile

OUTCOME_LABELS = {
    "resolved": "løst",
    "referred": "henvist",
    "abandoned": "opgivet",
    "not_understood": "ikke forstået",
}


TOPIC_LABELS = {
    "opening_hours": "Åbningstider",
    "appointment": "Tidsbestilling",
    "kontaktcenter_1881": "1881 Kontaktcenter",
    "digital_post": "Digital Post",
    "digital_post_exemption": "Fritagelse for Digital Post",
    "self_service": "Selvbetjening",
    "contact": "Kontakt kommunen",
    "fallback": "Ikke forstået",
    "feedback": "Tilbagemelding",
    "technical_error": "Teknisk fejl",
}


def topic_label(profile: Profile, topic: str) -> str:
    """A topic as staff read it: the task's Danish name, or a Danish label."""
    if topic.startswith("self_service:"):
        task_id = topic.split(":", 1)[1]
        names = {t.id: t.name for t in profile.self_service}
        return f"Selvbetjening: {names.get(task_id, task_id)}"
    return TOPIC_LABELS.get(topic, topic)


def iso_week(monday: date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-U{week:02d}"


def dkk(amount: float) -> str:
    return f"{amount:,.0f} kr.".replace(",", ".")


def overview_text(o: Overview, profile: Profile) -> str:
    """The overview as the lines ``python -m bot stats`` prints."""
    s = o.savings
    lines = [
        f"Statistik for {o.municipality}, {o.period.start} til {o.period.end}",
        f"Samtaler: {o.conversations}",
    ]
    for key, label in OUTCOME_LABELS.items():
        lines.append(f"  {label:14} {o.outcomes[key]:8}  {o.rate(key):6.1%}")
    lines += [
        f"Sparede henvendelser: {s.deflected:.1f} "
        f"({s.deflected_known} oplyst af borgeren, {s.deflected_estimated:.1f} skønnet)",
        f"Skønnet besparelse: {dkk(s.net_dkk)} "
        f"(brutto {dkk(s.gross_dkk)} - assistent {dkk(s.assistant_cost_dkk)})",
        f"Svar på 'hvordan ville du ellers have kontaktet os': {s.answers} "
        f"(fordeling fra {'svarene' if s.mix_source == 'answers' else 'profilens standard'})",
        "Forudsætninger:",
        *(f"  - {a}" for a in s.assumptions),
        f"Links givet: {o.links_shown}, klikket: {o.links_clicked}",
        f"Hjalp svaret? ja {o.helpful_yes}, nej {o.helpful_no}",
        "Emner:",
        *(f"  {topic_label(profile, topic):40} {n}" for topic, n in o.top_topics),
        "Uger (samtaler / løst):",
        *(f"  {iso_week(w)}  {n:8} {r:8}" for w, n, r in o.weekly),
    ]
    return "\n".join(lines)


def komhen_csv(rows: list[tuple[date, str, str, int]]) -> str:
    """The KOMHEN-style table as CSV (semicolon-separated, as Danish spreadsheets expect)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
    writer.writerow(["uge", "mandag", "område", "kanal", "henvendelser"])
    for monday, area, channel, n in rows:
        writer.writerow([iso_week(monday), monday.isoformat(), area, channel, n])
    return buffer.getvalue()
