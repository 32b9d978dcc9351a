"""Text and CSV renderings of the statistics."""

from datetime import date

from bot.analytics.report import dkk, iso_week, komhen_csv, topic_label
from bot.knowledge.profile_model import Profile


def test_iso_week_and_kroner() -> None:
    assert iso_week(date(2026, 11, 23)) == "2026-U48"
    assert iso_week(date(2026, 12, 28)) == "2026-U53"
    assert dkk(121450.4) == "121.450 kr."


def test_komhen_csv() -> None:
    text = komhen_csv([(date(2026, 11, 23), "Pas", "personligt fremmøde", 3)])
    assert text.splitlines() == [
        "uge;mandag;område;kanal;henvendelser",
        "2026-U48;2026-11-23;Pas;personligt fremmøde;3",
    ]


def test_topic_labels_are_danish(testrup: Profile) -> None:
    assert topic_label(testrup, "self_service:moving") == "Selvbetjening: Flytning"
    assert topic_label(testrup, "opening_hours") == "Åbningstider"
