"""The staff's one Danish formatter (bot/analytics/formats.py) and what it writes: the
statistics' text, the savings' EXAMPLE inputs, every week of a period, the KOMHEN CSV."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from bot.analytics.formats import (
    FILTERS,
    clock,
    csv_cell,
    day,
    day_month,
    dkk,
    iso_week,
    moment,
    number,
    percent,
    whole,
)
from bot.analytics.report import komhen_csv, komhen_csv_bytes
from bot.analytics.stats import Period, estimate_savings
from bot.analytics.texts import text_templates
from bot.knowledge.profile_model import Profile

NBSP = "\u00a0"


def test_numbers_are_danish() -> None:
    assert percent(4 / 7) == f"57,1{NBSP}%"
    assert percent(0.5, 0) == f"50{NBSP}%"
    assert number(231.25, 1) == "231,2"  # half to even, as Python rounds
    assert number(231.3) == "231,3"
    assert number(10139) == "10.139"
    assert dkk(10139.4) == "10.139 kr."
    assert whole(3.6) == "4" and whole(10139.2) == "10.139" and whole(None) == ""


def test_times_are_copenhagen_and_danish() -> None:
    # 03:25 UTC is 04:25 in Copenhagen in December (CET) ...
    assert moment(datetime(2026, 12, 6, 3, 25, tzinfo=timezone.utc)) == "6. dec. 2026 kl. 04.25"
    # ... and a naive stored time is UTC; in summer Copenhagen is two hours ahead.
    assert moment(datetime(2026, 7, 1, 22, 5)) == "2. jul. 2026 kl. 00.05"
    assert day(date(2026, 11, 9)) == "9. nov. 2026"
    assert day(date(2026, 5, 9)) == "9. maj 2026"
    assert day(datetime(2026, 11, 8, 23, 30, tzinfo=timezone.utc)) == "9. nov. 2026"
    assert day_month(date(2000, 6, 5)) == "5. jun."
    assert clock(datetime(2026, 12, 6, 3, 25, 13, tzinfo=timezone.utc)) == "04.25.13"
    assert moment(None) == "" and day(None) == "" and clock(None) == ""
    assert iso_week(date(2026, 12, 28)) == "2026-U53"


def test_the_filters_are_the_formatter() -> None:
    assert set(FILTERS) >= {"number", "whole", "percent", "dkk", "day", "moment", "iso_week"}
    rendered = (
        text_templates()
        .from_string("{{ a|percent(1) }} {{ b|dkk }} {{ c|day }}")
        .render(a=0.571, b=10139, c=date(2026, 11, 9))
    )
    assert rendered == f"57,1{NBSP}% 10.139 kr. 9. nov. 2026"


def test_csv_cells_have_a_decimal_comma() -> None:
    assert csv_cell(12.5) == "12,5"
    assert csv_cell(1234.0) == "1234"
    assert csv_cell(0.125) == "0,125"
    assert csv_cell(7) == "7"
    assert csv_cell(date(2026, 11, 2)) == "2026-11-02"
    assert csv_cell("Boligstøtte") == "Boligstøtte"


def test_the_komhen_file_has_a_bom_semicolons_and_utf8() -> None:
    rows = [(date(2026, 11, 2), "Boligstøtte", "selvbetjening", 1)]
    body = komhen_csv_bytes(rows)
    assert body.startswith(b"\xef\xbb\xbf")
    assert body[3:] == komhen_csv(rows).encode("utf-8")
    assert body.decode("utf-8-sig").splitlines() == [
        "uge;mandag;område;kanal;henvendelser",
        "2026-U45;2026-11-02;Boligstøtte;selvbetjening;1",
    ]


def test_every_week_of_a_period_is_a_week_of_the_trend() -> None:
    assert Period(date(2026, 11, 4), date(2026, 11, 18)).mondays() == [
        date(2026, 11, 2),
        date(2026, 11, 9),
        date(2026, 11, 16),
    ]
    assert Period(date(2026, 11, 2), date(2026, 11, 8)).mondays() == [date(2026, 11, 2)]
    assert Period(date(2026, 12, 27), date(2027, 1, 4)).mondays() == [
        date(2026, 12, 21),
        date(2026, 12, 28),
        date(2027, 1, 4),
    ]


def _confirmed(profile: Profile, *, mix: bool, cost: bool, prices: bool) -> Profile:
    stats = profile.statistics
    return profile.copy(
        update={
            "channel_prices": profile.channel_prices.copy(update={"example": not prices}),
            "statistics": stats.copy(
                update={
                    "default_mix": stats.default_mix.copy(update={"example": not mix}),
                    "assistant_cost_per_conversation": stats.assistant_cost_per_conversation.copy(
                        update={"example": not cost}
                    ),
                }
            ),
        }
    )


@pytest.mark.parametrize(
    ("confirmed", "answers", "expected"),
    [
        ({"mix": False, "cost": False, "prices": True}, 0, ("default_mix", "assistant_cost")),
        ({"mix": True, "cost": False, "prices": True}, 0, ("assistant_cost",)),
        ({"mix": False, "cost": True, "prices": True}, 0, ("default_mix",)),
        # Enough answers from citizens: the EXAMPLE mix is not used.
        ({"mix": False, "cost": True, "prices": True}, 40, ()),
        ({"mix": True, "cost": True, "prices": False}, 0, ("channel_prices",)),
        ({"mix": True, "cost": True, "prices": True}, 0, ()),
    ],
)
def test_the_savings_say_which_inputs_are_examples(
    testrup: Profile, confirmed: dict[str, bool], answers: int, expected: tuple[str, ...]
) -> None:
    profile = _confirmed(testrup, **confirmed)
    savings = estimate_savings({None: 4}, {"telephone": answers}, 10, profile)
    assert savings.example_inputs == expected
    assert savings.on_examples is bool(expected)
