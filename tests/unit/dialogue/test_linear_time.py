"""Everything that reads a citizen's text runs in linear time, also on hostile input.

A backtracking regular expression that is quadratic takes seconds on 16 KB; these tests give
every function 0.25 s for 16 KB and require time(16 KB) < 12 x time(4 KB) + 0.02 s (linear
would be 4x). Each timing is the best of three runs after a warm-up, to keep out noise.
"""

from __future__ import annotations

import logging
import math
import re
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from bot.dialogue import cpr, privacy
from bot.dialogue.answers import digital_post, hours, self_service
from bot.dialogue.replies import Question
from bot.knowledge import daytext
from bot.knowledge.daytext import resolve_day
from bot.knowledge.matching import match_task
from bot.knowledge.profile_model import Profile
from bot.rasa_server.guard import clean_text
from bot.settings import TIMEZONE

try:  # Python 3.11+
    from re import _parser as sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - Python 3.10
    import sre_parse  # type: ignore[no-redef]

SMALL, LARGE = 4 * 1024, 16 * 1024
LIMIT_S = 0.25
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=TIMEZONE)


def _best_time(func: Callable[[Any], object], arg: Any, repeat: int = 3) -> float:
    func(arg)  # warm-up: caches, lazy imports
    best = math.inf
    for _ in range(repeat):
        start = time.perf_counter()
        func(arg)
        best = min(best, time.perf_counter() - start)
    return best


def assert_linear(func: Callable[[Any], object], make: Callable[[int], Any]) -> None:
    small = _best_time(func, make(SMALL))
    large = _best_time(func, make(LARGE))
    assert large < LIMIT_S, f"{large:.3f} s for 16 KB"
    assert large < 12 * small + 0.02, f"{small:.4f} s for 4 KB, {large:.4f} s for 16 KB"


def _repeat(unit: str) -> Callable[[int], str]:
    return lambda n: (unit * (n // len(unit) + 1))[:n]


# Text that is hard for a CPR scanner or a lead-in regex: long runs of what it skips, digits
# and separators in every mix, lead-in words that never end in a number.
TEXTS: dict[str, Callable[[int], str]] = {
    "spaces": _repeat(" "),
    "tabs and newlines": _repeat("\t\n"),
    "separators": _repeat("-./"),
    "digits": _repeat("1"),
    "digit space": _repeat("1 "),
    "digit dash": _repeat("1-"),
    "digit four separators": _repeat("1 - ."),
    "digit five separators": _repeat("1 - . "),
    "full-width digit space": _repeat("１ "),
    "arabic-indic digits": _repeat("١"),
    "zero-width": _repeat("\u200b"),
    "digit then zero-width": lambda n: "1" + "\u200b" * (n - 1),
    "digit zero-width": _repeat("1\u200b"),
    "combining marks": lambda n: "1" + "\u0301" * (n - 1),
    "cpr repeated": _repeat("cpr "),
    "lead-in without number": _repeat("mit cpr-nr. er: "),
    "lead-in, spaces, number": lambda n: "mit cpr" + " " * (n - 17) + "0101901234",
    "lead-in, spaces, word, number": lambda n: "cpr" + " " * (n - 15) + "x 0101901234",
    "date, spaces, letter": lambda n: "010190" + " " * (n - 7) + "x",
    "lead-ins before a number": lambda n: _repeat("cpr nr ")(n - 10) + "0101901234",
    "cpr numbers": _repeat("mit cpr er 010190-1234 "),
    "spaced cpr numbers": _repeat("0 1 0 1 9 0 1 2 3 4 "),
    "dates and times": _repeat("01.01.2026 10.00-15.00 "),
    "phone numbers": _repeat("+45 32 76 11 00 "),
    "danish text": _repeat("Hvornår har borgerservice åbent på lørdag? "),
    "many scripts": lambda n: "".join(chr(0x400 + i % 0x2000) for i in range(n)),
    "digit comma": _repeat("1,"),
    "digit symbols": _repeat("1*#|"),
    "cpr numbers with other separators": _repeat("mit cpr er 01_01_90:1234 "),
    "no-break spaces and controls": _repeat("1\u00a0\x01\ue000"),
}


@pytest.mark.parametrize("make", TEXTS.values(), ids=TEXTS.keys())
@pytest.mark.parametrize(
    "func",
    [
        cpr.find_cpr,
        cpr.redact_cpr,
        cpr.remainder_after_cpr,
        privacy.redact_value,
        lambda text: cpr.cpr_across(text, text),
        privacy.mask_digit_runs,
        clean_text,
    ],
    ids=[
        "find_cpr",
        "redact_cpr",
        "remainder_after_cpr",
        "redact_value",
        "cpr_across",
        "mask_digit_runs",
        "clean_text",
    ],
)
def test_privacy_functions_are_linear(func: Callable[[str], object], make: Callable) -> None:
    assert_linear(func, make)


def _deep(n: int) -> Any:
    value: Any = "0101901234"
    for i in range(n // 8):
        value = {"k": value} if i % 2 else [value, 1]
    return value


VALUES: dict[str, Callable[[int], Any]] = {
    "long string": lambda n: {"page": _repeat("0 1 0 1 9 0 ")(n)},
    "wide dict": lambda n: {f"key{i}": f"0101901234 {i}" for i in range(n // 16)},
    "wide list of numbers": lambda n: list(range(10**8, 10**8 + n // 8)),
    "floats": lambda n: [i * 1.5 for i in range(n // 8)],
    "deep": _deep,
    "many small containers": lambda n: [{"a": [i, "x"], "b": (None, True)} for i in range(n // 32)],
}


@pytest.mark.parametrize("make", VALUES.values(), ids=VALUES.keys())
def test_redact_value_is_linear(make: Callable[[int], Any]) -> None:
    assert_linear(privacy.redact_value, make)


def _log(text: str) -> logging.LogRecord:
    factory = logging.getLogRecordFactory()
    try:
        raise ValueError(text)
    except ValueError as exc:
        info = (type(exc), exc, exc.__traceback__)
    factory("bot.test", logging.INFO, __file__, 1, "message %s", (text,), None)
    return factory("bot.test", logging.ERROR, __file__, 1, text, (), info)


LOG_TEXTS = ("digit space", "cpr numbers", "spaces", "danish text", "zero-width")


@pytest.mark.parametrize("make", [TEXTS[k] for k in LOG_TEXTS], ids=LOG_TEXTS)
def test_log_redaction_is_linear(make: Callable[[int], str]) -> None:
    privacy.install_log_redaction()
    assert_linear(_log, make)


# -- the other functions that get the citizen's text (see actions/*.py) -------------------------

BOT_TEXTS: dict[str, Callable[[int], str]] = {
    "spaces": TEXTS["spaces"],
    "digits": TEXTS["digits"],
    "digit space": TEXTS["digit space"],
    "danish text": TEXTS["danish text"],
    "clock times": _repeat("kl. 9.30 "),
    "numeric dates": _repeat("1/2 "),
    "no such dates": _repeat("32/13 31/2 "),
    "dates dateparser rejects": lambda n: "".join(
        f"{d}. sept {y} " for y in range(1000, 3000) for d in (1, 2)
    )[:n],
    "29 february": lambda n: "".join(f"29/2/{y} " for y in range(1001, 5000) if y % 4)[:n],
    "weekday den": _repeat("lørdag den "),
    "words": _repeat("i "),
    "task words with typos": _repeat("pasport kørekortt sundhedskor flytnig "),
    "distinct words": lambda n: " ".join(f"ord{i}x" for i in range(n))[:n],
}


@pytest.fixture(scope="module")
def profile(testrup: Profile) -> Profile:
    return testrup


BOT_FUNCS: dict[str, Callable[..., object]] = {
    "resolve_day": lambda profile, text: resolve_day(text, NOW),
    "match_task": lambda profile, text: match_task(profile, text),
    "opening_hours": lambda profile, text: hours.opening_hours(profile, Question(NOW, text)),
    "appointment": lambda profile, text: hours.appointment(profile, Question(NOW, text)),
    "digital_post_info": lambda p, text: digital_post.digital_post_info(p, Question(NOW, text)),
    "self_service": lambda profile, text: self_service.self_service(profile, Question(NOW, text)),
}


@pytest.mark.parametrize("make", BOT_TEXTS.values(), ids=BOT_TEXTS.keys())
@pytest.mark.parametrize("name", BOT_FUNCS.keys())
def test_functions_reading_the_message_are_linear(profile, name: str, make: Callable) -> None:
    func = BOT_FUNCS[name]
    assert_linear(lambda text: func(profile, text), make)


@pytest.mark.parametrize("pattern", [daytext._CLOCK_BEFORE, daytext._WEEKDAY_BEFORE])
def test_daytext_look_behind_fits_its_window(pattern: re.Pattern[str]) -> None:
    _, longest = sre_parse.parse(pattern.pattern).getwidth()
    assert longest < daytext._BEFORE_WINDOW
