"""Hostile and malformed requests against the real assistant: no 5xx, fast, clear errors, and
no CPR number on disk afterwards.

The corpus (tests/integration/hostile_corpus.py) runs in ONE test, in order, so that the disk
is searched after all of it. Each case is checked against the endpoint's contract
(bot/rasa_server/channel.py, README "Privacy guard and bad input"); all problems are collected and
reported together as a table, so one run shows every case that fails and why.
"""

from __future__ import annotations

import functools
import json
import os
import re
import sqlite3
import sys
import time
import unicodedata
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from bot.dialogue.cpr import redact_cpr
from testkit import ROOT
from testkit.senders import stored_sender
from tests.cpr_separators import SPELLINGS, digits_of, sample_separators
from tests.integration.conftest import Assistant, buttons, new_sender, texts
from tests.integration.hostile_corpus import WARNING, Case, build_corpus, synthetic_cpr

pytestmark = pytest.mark.integration

MAX_SECONDS = 2.0
REQUEST_TIMEOUT = 10
NORMAL_QUESTION = "hvornår har borgerservice åbent?"
FEEDBACK_THANKS = ("Tak for din tilbagemelding", "Godt")
# Not a CPR number (day 98, month 76): the disk search must find it, proving it sees user text
# through separators, as it would see a leaked number.
DISK_MARKER_TEXT = "ordrenummer 98 76 54 3210"
DISK_MARKER_DIGITS = "9876543210"
# Most non-digit characters allowed between two digits of a number found on disk.
MAX_GAP = 10
SKIP_DIRS = {".git", ".venv", "__pycache__", ".pytest_cache", "test-artifacts", "models"}


@dataclass
class Outcome:
    name: str
    status: int | None
    seconds: float
    problems: list[str]
    reply: list[dict] | None = None


def _url(assistant: Assistant, case: Case) -> str:
    url = assistant.cfg.rest_url
    if case.path is not None:
        parts = urlsplit(url)
        url = f"{parts.scheme}://{parts.netloc}{case.path}"
    return url + case.query


def _send(assistant: Assistant, case: Case) -> Outcome:
    data = case.data() if callable(case.data) else case.data
    started = time.monotonic()
    try:
        response = requests.request(
            case.method,
            _url(assistant, case),
            data=data,
            headers=case.headers,
            timeout=REQUEST_TIMEOUT,
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        seconds = time.monotonic() - started
        return Outcome(case.name, None, seconds, [f"no response: {type(exc).__name__}: {exc}"])
    seconds = time.monotonic() - started
    return _check(case, response, seconds)


def _excerpt(text: str, limit: int = 160) -> str:
    """The start of a response for the report; CPR numbers masked, as the report may be kept."""
    return repr(redact_cpr(text[: limit * 2])[0][:limit])


def _check(case: Case, response: requests.Response, seconds: float) -> Outcome:
    status = response.status_code
    problems = []
    if status >= 500:
        problems.append(f"server error {status}: {_excerpt(response.text)}")
    elif status not in case.expect:
        problems.append(f"expected {sorted(case.expect)}: {_excerpt(response.text)}")
    if seconds > MAX_SECONDS:
        problems.append(f"took {seconds:.2f} s (limit {MAX_SECONDS} s)")
    try:
        parsed = response.json()
    except ValueError:
        parsed = None
        problems.append(f"body is not JSON: {_excerpt(response.text)}")
    reply = None
    if parsed is not None and status == 200:
        if isinstance(parsed, list) and all(isinstance(m, dict) for m in parsed):
            reply = parsed
        else:
            problems.append(f"200 body is not a list of messages: {_excerpt(response.text)}")
    elif parsed is not None and not (
        isinstance(parsed, dict) and isinstance(parsed.get("error"), str) and parsed["error"]
    ):
        problems.append(f'{status} body is not {{"error": ...}}: {_excerpt(response.text)}')
    if case.warn and status == 200 and reply is not None and WARNING not in texts(reply):
        problems.append(f"no CPR warning in the reply: {_excerpt(texts(reply))}")
    return Outcome(case.name, status, seconds, problems, reply)


# --- the disk ----------------------------------------------------------------------------------


@functools.cache
def _to_ascii_digits() -> dict[int, str]:
    """Every decimal digit of any script (full-width, Arabic-Indic, ...) -> its ASCII digit."""
    return {
        cp: str(unicodedata.decimal(chr(cp)))
        for cp in range(0x80, sys.maxunicode + 1)
        if unicodedata.category(chr(cp)) == "Nd"
    }


_JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
_LONG_GAP = re.compile(rf"\D{{{MAX_GAP + 1},}}")
_NON_DIGITS = re.compile(r"\D+")


def _digit_runs(text: str) -> str:
    """The digits of ``text`` in order (any script, as ASCII); digits separated by at most
    MAX_GAP other characters are joined, longer gaps become "|"."""
    text = text.translate(_to_ascii_digits())
    return "|".join(_NON_DIGITS.sub("", part) for part in _LONG_GAP.split(text))


def _readings(raw: bytes) -> Iterable[str]:
    """The ways a file may hold text: UTF-8, UTF-16 (either byte alignment), and with JSON
    \\uXXXX escapes resolved (Rasa stores events with ensure_ascii)."""
    for text in (
        raw.decode("utf-8", errors="ignore"),
        raw.decode("utf-16-le", errors="ignore"),
        raw[1:].decode("utf-16-le", errors="ignore"),
    ):
        yield text
        if "\\u" in text:
            yield _JSON_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


def _repo_files_changed_since(started: float) -> list[Path]:
    changed = []
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS]
        for name in files:
            path = Path(folder) / name
            try:
                if path.is_file() and path.stat().st_mtime >= started:
                    changed.append(path)
            except OSError:
                continue
    return changed


def _search_disk(files: Iterable[Path], needles: dict[str, str]) -> tuple[list[str], bool]:
    """(["<case>: <needle start>... in <file>", ...], whether the disk marker was found)."""
    found, marker = [], False
    for path in files:
        try:
            raw = path.read_bytes()
        except OSError:
            continue
        runs = "\n".join(_digit_runs(text) for text in _readings(raw))
        marker = marker or DISK_MARKER_DIGITS in runs
        # The digits themselves stay out of the report (it may be kept); the case names them.
        found += [f"{case}: {n[:4]}... in {path}" for n, case in needles.items() if n in runs]
    return found, marker


def _analytics_rows(assistant: Assistant, senders: Iterable[str]) -> dict[str, list[tuple]]:
    db = assistant.workdir / "analytics.db"
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return {
            s: conn.execute(
                "SELECT helpful, otherwise FROM conversations WHERE sender_id = ?",
                (stored_sender(s),),
            ).fetchall()
            for s in senders
        }


def _table(outcomes: list[Outcome]) -> str:
    width = max(len(o.name) for o in outcomes)
    lines = [f"{'case':<{width}}  status  seconds  problem", "-" * (width + 40)]
    for o in outcomes:
        status = "-" if o.status is None else str(o.status)
        for i, problem in enumerate(o.problems):
            head = (
                f"{o.name:<{width}}  {status:>6}  {o.seconds:7.2f}"
                if i == 0
                else " " * (width + 17)
            )
            lines.append(f"{head}  {problem}")
    return "\n".join(lines)


def _json_case(name: str, sender: str, message: str, warn: bool = False) -> Case:
    payload = json.dumps({"sender": sender, "message": message}).encode()
    return Case(name, payload, frozenset({200}), warn=warn)


def test_hostile_requests(taarnby: Assistant) -> None:
    started = time.time()
    run = uuid.uuid4().hex[:8]
    corpus = build_corpus(run)
    assert len(corpus) >= 60
    assert len({c.name for c in corpus}) == len(corpus), "case names must be unique"

    # Warm-up (not timed): the first turn of a fresh server loads what it loads lazily.
    taarnby.ask("hej", new_sender())

    outcomes: list[Outcome] = []

    # Positive control: a button payload the assistant offered IS accepted in its conversation.
    control = f"hostile-{run}-control"
    asked = _send(taarnby, _json_case("control_question", control, NORMAL_QUESTION))
    outcomes.append(asked)
    payloads = [
        b.get("payload", "")
        for b in buttons(asked.reply or [])
        if "helpful" in b.get("payload", "")
    ]
    ja = [p for p in payloads if '"ja"' in p]
    if not ja:
        asked.problems.append(f"no helpful=ja button offered: {asked.reply!r:.300}")
    else:
        clicked = _send(taarnby, _json_case("control_offered_button", control, ja[0]))
        if clicked.reply is not None and not any(
            t in texts(clicked.reply) for t in FEEDBACK_THANKS
        ):
            clicked.problems.append(
                f"offered payload {ja[0]!r} not treated as feedback: {texts(clicked.reply)[:120]!r}"
            )
        outcomes.append(clicked)
    marker = _send(taarnby, _json_case("disk_marker", f"hostile-{run}-marker", DISK_MARKER_TEXT))
    outcomes.append(marker)

    for case in corpus:
        outcomes.append(_send(taarnby, case))

    # The server still answers an ordinary question.
    after = _send(taarnby, _json_case("normal_question_after", new_sender(), NORMAL_QUESTION))
    if after.reply is not None and "Borgerservice" not in texts(after.reply):
        after.problems.append(f"no answer about Borgerservice: {texts(after.reply)[:120]!r}")
    outcomes.append(after)

    # Statistics: unsolicited feedback commands recorded no feedback; the offered button did.
    checks = {c.no_feedback_for: c.name for c in corpus if c.no_feedback_for}
    rows = _analytics_rows(taarnby, [*checks, control])
    extra: list[str] = []
    for sender, name in checks.items():
        if not rows[sender]:
            extra.append(f"{name}: no conversations row for {sender} (was the text recorded?)")
        elif any(r != (None, None) for r in rows[sender]):
            extra.append(f"{name}: feedback recorded (helpful, otherwise) = {rows[sender]}")
    if ja and not any(r[0] == 1 for r in rows[control]):
        extra.append(f"control_offered_button: helpful not recorded as yes: {rows[control]}")

    # The disk: no CPR number of any case in what the assistant wrote or the repository changed.
    needles = {n: c.name for c in corpus for n in c.secrets}
    workdir_files = taarnby.written_files()
    leaks, marker_seen = _search_disk(workdir_files, needles)
    repo_leaks, _ = _search_disk(_repo_files_changed_since(started - 1), needles)
    extra += [f"CPR digits on disk: {leak}" for leak in leaks + repo_leaks]
    if not marker_seen:
        extra.append(
            f"disk check is blind: {DISK_MARKER_DIGITS} (sent as {DISK_MARKER_TEXT!r}) "
            f"not found in {[str(p) for p in workdir_files]}"
        )

    failed = [o for o in outcomes if o.problems]
    report = []
    if failed:
        report.append(f"{len(failed)} of {len(outcomes)} requests failed:\n{_table(failed)}")
    if extra:
        report.append("After the corpus:\n" + "\n".join(f"  {e}" for e in extra))
    assert not report, "\n\n".join(report)


# --- every separator through the real endpoint -----------------------------------------------


def test_every_kind_of_separator_through_the_endpoint(taarnby: Assistant) -> None:
    """Every ASCII and Latin-1 punctuation and symbol, whitespace, and a sample of every
    Unicode P*/S* subcategory (tests/cpr_separators.py), each in every spelling: one message
    per separator with all the spellings in it. Every reply warns, and afterwards no file the
    stack wrote holds any of the numbers, whatever separates its digits."""
    started = time.time()
    separators = sample_separators()
    assert len(separators) >= 120
    taarnby.ask("hej", new_sender())  # warm-up
    needles: dict[str, str] = {}
    outcomes: list[Outcome] = []
    i = 1000  # numbers of its own, apart from the corpus's
    for ch in separators:
        written = []
        for spelling, make in SPELLINGS.items():
            number = synthetic_cpr(i)
            i += 1
            spelled = make(number, ch)
            written.append(spelled)
            needles[digits_of(spelled)] = f"U+{ord(ch):04X} {spelling}"
        # "cpr" before each number: the guard takes it out with the number, so nothing of
        # the message is left to pass on.
        message = " ".join(f"cpr {w}" for w in written)
        name = f"separator U+{ord(ch):04X} {unicodedata.name(ch, '?')}"
        outcome = _send(taarnby, _json_case(name, new_sender(), message, warn=True))
        outcomes.append(outcome)
    marker = _send(taarnby, _json_case("disk_marker", new_sender(), DISK_MARKER_TEXT))
    outcomes.append(marker)

    leaks, marker_seen = _search_disk(taarnby.written_files(), needles)
    repo_leaks, _ = _search_disk(_repo_files_changed_since(started - 1), needles)
    failed = [o for o in outcomes if o.problems]
    report = []
    if failed:
        report.append(f"{len(failed)} of {len(outcomes)} requests failed:\n{_table(failed)}")
    if leaks or repo_leaks:
        report.append("CPR digits on disk:\n" + "\n".join(f"  {x}" for x in leaks + repo_leaks))
    if not marker_seen:
        report.append(f"disk check is blind: {DISK_MARKER_DIGITS} not found")
    assert not report, "\n\n".join(report)


def test_a_5mb_body_gets_a_clean_413(taarnby: Assistant) -> None:
    """The body is read to its end and dropped: the client gets the JSON error, not a reset
    connection, and the connection can be used again."""
    big = b'{"sender": "abc", "message": "' + b"x" * (5 * 1024 * 1024) + b'"}'
    with requests.Session() as session:
        response = session.post(
            taarnby.cfg.rest_url, data=big, headers={"Content-Type": "application/json"}, timeout=30
        )
        assert response.status_code == 413
        assert response.json() == {
            "error": "Request body is larger than 16384 bytes.",
            "status": 413,
        }
        # The same connection answers the next request.
        after = session.post(
            taarnby.cfg.rest_url, json={"sender": new_sender(), "message": "hej"}, timeout=30
        )
        assert after.status_code == 200
