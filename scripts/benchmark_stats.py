"""Benchmark of the staff statistics queries on a large synthetic statistics database.

Creates a fresh database per backend (a SQLite file in a temporary directory; a PostgreSQL
database ``borger_bench_<random>`` on the test server, dropped afterwards unless ``--keep``),
seeds N synthetic Tårnby conversations over the 26 weeks ending 2026-11-29 (plus 10 % Ishøj
rows, so the municipality filter matters), then times ``overview``, ``komhen_table`` and a CSV
export of the KOMHEN rows for the whole 26 weeks and for the last 4 weeks.

Run: ``.venv/bin/python scripts/benchmark_stats.py [--conversations 1000000]
[--backend sqlite|postgresql|both] [--keep] [--extra-index] [--no-turns] [--runs 3]``.
``--extra-index`` also times a covering index (measured and not recommended).
Results and recommendations: docs/benchmark-stats.md.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

# bench/ and testkit/ live in the checkout, not in the installed package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa

from bot.analytics.models import REFERRAL_CHANNEL, Conversation, LinkEvent, Turn
from bot.analytics.report import komhen_csv as render_komhen_csv
from bot.analytics.stats import (
    Period,
    komhen_table,
    overview,
)
from bot.analytics.summary import rebuild as rebuild_summary
from bot.db.engine import get_engine, session_scope
from bot.db.stores import STATISTICS
from bot.dialogue.answers.self_service import task_topic
from bot.dialogue.outcome import ANSWER_KINDS, Kind
from bot.dialogue.topics import get_registry
from bot.knowledge.profile import get_profile
from bot.knowledge.profile_model import Profile
from bot.settings import TIMEZONE
from testkit import databases
from testkit.databases import PG_ADMIN_URL, postgres_available
from testkit.events import outcome_of

C = Conversation

MAIN, OTHER = "taarnby", "ishoj"
OTHER_SHARE = 0.10  # Ishøj rows on top of the N Tårnby conversations
END = date(2026, 11, 29)  # a Sunday
WEEKS = 26
START = END - timedelta(days=7 * WEEKS - 1)  # Monday 2026-06-01
PERIODS = {
    "26 weeks": Period(START, END),
    "4 weeks": Period(END - timedelta(days=27), END),
}
CHUNK = 50_000
TARGET_SECONDS = 1.0

CONV_COLS = (
    "id",
    "sender_id",
    "municipality",
    "started_at",
    "last_event_at",
    "n_turns",
    "n_answers",
    "n_links",
    "n_referrals",
    "n_fallbacks",
    "last_kind",
    "first_topic",
    "first_area",
    "referred_channel",
    "helpful",
    "otherwise",
    # Per answer (migration 0006): the one verdict of a conversation is on its last answer.
    "n_helpful_yes",
    "n_helpful_no",
)
TURN_COLS = ("id", "conversation_id", "at", "intent", "topic", "area", "kind")
LINK_COLS = ("id", "conversation_id", "municipality", "link_id", "event", "at")

# Covering index tried with --extra-index: every column the overview and KOMHEN queries read.
EXTRA_INDEX = "ix_bench_conversations_cover"
COVERED = (
    "last_kind",
    "helpful",
    "n_answers",
    "n_referrals",
    "n_fallbacks",
    "first_topic",
    "first_area",
    "referred_channel",
    "otherwise",
)

# --- synthetic data ---------------------------------------------------------------------

# Content turns per conversation (1 .. 3); feedback turns come on top (mean ≈ 1.5 in all).
TURN_COUNTS = (1, 2, 3)
TURN_COUNT_WEIGHTS = (0.88, 0.10, 0.02)
# Relative conversation volume by weekday (Monday first) and by hour of day.
WEEKDAY_WEIGHTS = (1.3, 1.15, 1.1, 1.05, 0.9, 0.45, 0.5)
HOUR_WEIGHTS = (
    (0.2,) * 6 + (0.6, 1.5, 3.5, 5, 5, 5, 4.5, 5, 4.5, 4) + (3, 2.5, 2.5, 2.5, 2.5, 2, 1.2, 0.6)
)
CLICK_PROBABILITY = 0.42  # per link shown
# How citizens would otherwise have contacted the municipality, when they say so.
OTHERWISE = ("telephone", "email", "personal_attendance", "paper_post", "none")
OTHERWISE_WEIGHTS = (0.45, 0.2, 0.15, 0.05, 0.15)
# (P(helpful = yes), P(helpful = no)) by the conversation's last kind.
HELPFUL = {
    "information": (0.24, 0.07),
    "self_service_link": (0.28, 0.05),
    "referral_phone": (0.08, 0.06),
    "referral_attendance": (0.1, 0.05),
    "referral_digital_post": (0.08, 0.06),
    "fallback": (0.01, 0.1),
    None: (0.02, 0.01),
}


@dataclass(frozen=True)
class TurnTemplate:
    intent: str
    topic: str | None
    kind: str
    area: str | None
    link: str | None = None
    link_probability: float = 0.0


# The traffic mix: per registry entry, the intent citizens use, its share of content turns,
# and the link its answer shows with the probability that it does. Topic, kind and area come
# from the topic registry (bot/dialogue/topics.yml) and the answers through the tests' event
# factory (testkit.events.outcome_of), so the benchmark follows the assistant when a topic
# changes; an answered entry missing here gets a small share.
TRAFFIC: dict[str, tuple[str, float, str | None, float]] = {
    "opening_hours": ("opening_hours", 0.12, None, 0.0),
    "appointment": ("appointment", 0.05, None, 0.0),
    "kontaktcenter_1881": ("kontaktcenter_1881", 0.03, None, 0.0),
    "digital_post_info": ("digital_post_info", 0.03, "digital_post_info", 1.0),
    "digital_post_read": ("digital_post_read", 0.02, "digital_post", 0.5),
    "digital_post_write": ("digital_post_write", 0.025, None, 0.0),
    "digital_post_exemption": ("digital_post_exemption", 0.015, None, 0.0),
    "contact": ("contact", 0.08, "contact_form", 0.5),
    "social_media": ("social_media", 0.015, "contact_form", 1.0),
    "fallback": ("out_of_scope", 0.11, None, 0.0),
    "conversation": ("greet", 0.05, None, 0.0),
    "help": ("help", 0.02, None, 0.0),
}
SELF_SERVICE_SHARE = {"self_service_link": 0.33, "other": 0.06}
OTHER_ENTRY_SHARE = 0.01
NOT_GENERATED = ("feedback", "technical_error", "personal_data", "self_service")


def turn_templates(profile: Profile) -> tuple[list[TurnTemplate], list[float]]:
    """What a citizen turn can be in ``profile``'s assistant, with cumulative weights."""
    registry = get_registry()
    weighted: list[tuple[float, TurnTemplate]] = []
    outcomes = [(t, outcome_of(task_topic(t.id), profile)) for t in profile.self_service]
    links = [(t, o) for t, o in outcomes if o.kind is Kind.SELF_SERVICE_LINK]
    others = [(t, o) for t, o in outcomes if o.kind is not Kind.SELF_SERVICE_LINK]
    zipf = [1 / (rank + 1) for rank in range(len(links))]
    for (task, o), z in zip(links, zipf, strict=True):
        share = SELF_SERVICE_SHARE["self_service_link"] * z / sum(zipf)
        template = TurnTemplate("self_service", o.topic, o.kind.value, o.area, task.id, 1.0)
        weighted.append((share, template))
    for task, o in others:
        template = TurnTemplate("self_service", o.topic, o.kind.value, o.area, task.id, 1.0)
        weighted.append((SELF_SERVICE_SHARE["other"] / len(others), template))
    for entry in registry.topics:
        if entry.id in NOT_GENERATED or not entry.intents:
            continue
        intent, share, link, p_link = TRAFFIC.get(
            entry.id, (entry.intents[0], OTHER_ENTRY_SHARE, None, 0.0)
        )
        if entry.action is None:  # answered by responses alone: no outcome is recorded
            template = TurnTemplate(intent, None, Kind.META.value, None)
        else:
            o = outcome_of(entry.id)
            template = TurnTemplate(intent, o.topic, o.kind.value, o.area, link, p_link)
        weighted.append((share, template))
    cumulative, total = [], 0.0
    for w, _ in weighted:
        total += w
        cumulative.append(total)
    return [t for _, t in weighted], cumulative


def day_counts(n: int, rng: random.Random) -> list[int]:
    """How many conversations start on each day of the 26 weeks (sums to exactly ``n``)."""
    days = [START + timedelta(days=i) for i in range(7 * WEEKS)]
    weights = []
    for d in days:
        w = WEEKDAY_WEIGHTS[d.weekday()]
        if d.month == 7:  # summer holidays
            w *= 0.7
        weights.append(w * rng.uniform(0.9, 1.1))
    exact = [n * w / sum(weights) for w in weights]
    counts = [int(x) for x in exact]
    by_remainder = sorted(range(len(days)), key=lambda i: exact[i] - counts[i], reverse=True)
    for i in by_remainder[: n - sum(counts)]:
        counts[i] += 1
    return counts


@dataclass
class Chunk:
    conversations: list[tuple] = field(default_factory=list)
    turns: list[tuple] = field(default_factory=list)
    links: list[tuple] = field(default_factory=list)


@dataclass
class Truth:
    """What was seeded for Tårnby, by day, to check the queries against."""

    conversations: Counter = field(default_factory=Counter)
    shown: Counter = field(default_factory=Counter)
    clicked: Counter = field(default_factory=Counter)
    helpful_yes: Counter = field(default_factory=Counter)  # judged answers, by start day
    helpful_no: Counter = field(default_factory=Counter)
    ishoj: int = 0
    turns: int = 0
    links: int = 0

    def count(self, what: str, period: Period) -> int:
        counter: Counter = getattr(self, what)
        return sum(n for d, n in counter.items() if period.start <= d <= period.end)


def utc(local: datetime) -> datetime:
    """Naive Copenhagen wall-clock time as the aware UTC instant the database stores."""
    return local.replace(tzinfo=TIMEZONE).astimezone(timezone.utc)


def generate(n: int, with_turns: bool, truth: Truth) -> Iterator[Chunk]:
    """Deterministic synthetic rows (random.Random(42)) in chunks of about CHUNK conversations."""
    rng = random.Random(42)  # noqa: S311 - synthetic data, must be repeatable
    rnd, choices = rng.random, rng.choices
    hour_cum = [sum(HOUR_WEIGHTS[: h + 1]) for h in range(24)]
    count_cum = [sum(TURN_COUNT_WEIGHTS[: i + 1]) for i in range(len(TURN_COUNTS))]
    other_cum = [sum(OTHERWISE_WEIGHTS[: i + 1]) for i in range(len(OTHERWISE))]
    templates = {m: turn_templates(get_profile(m)) for m in (MAIN, OTHER)}
    per_day = {MAIN: day_counts(n, rng), OTHER: day_counts(round(n * OTHER_SHARE), rng)}
    hours = range(24)
    feedback = TurnTemplate("feedback", None, "meta", None)
    conv_id = turn_id = link_id = 0
    chunk = Chunk()
    for day_index in range(7 * WEEKS):
        day = START + timedelta(days=day_index)
        midnight = datetime.combine(day, datetime.min.time())
        starts = sorted(
            (h * 3600 + int(rnd() * 3600), m)
            for m in (MAIN, OTHER)
            for h in choices(hours, cum_weights=hour_cum, k=per_day[m][day_index])
        )
        for seconds, municipality in starts:
            conv_id += 1
            started = at = midnight + timedelta(seconds=seconds)
            tmpl, tmpl_cum = templates[municipality]
            n_content = choices(TURN_COUNTS, cum_weights=count_cum)[0]
            seq = choices(tmpl, cum_weights=tmpl_cum, k=n_content)
            n_answers = n_links = n_referrals = n_fallbacks = 0
            last_kind = first_topic = first_area = referred = None
            shown: list[tuple[str, datetime]] = []
            for t in seq:
                if with_turns:
                    turn_id += 1
                    row = (turn_id, conv_id, utc(at), t.intent, t.topic, t.area, t.kind)
                    chunk.turns.append(row)
                kind = t.kind
                if kind != "meta":
                    if kind in ANSWER_KINDS:
                        n_answers += 1
                        if kind == "self_service_link":
                            n_links += 1
                    elif kind == "fallback":
                        n_fallbacks += 1
                    else:
                        n_referrals += 1
                        referred = REFERRAL_CHANNEL[kind]
                    last_kind = kind
                    if first_topic is None and kind != "fallback":
                        first_topic, first_area = t.topic, t.area
                    if t.link and (t.link_probability >= 1 or rnd() < t.link_probability):
                        shown.append((t.link, at))
                at += timedelta(seconds=15 + int(rnd() * 90))
            yes, no = HELPFUL[last_kind]
            r = rnd()
            helpful = True if r < yes else False if r < yes + no else None
            asked = 0.7 if helpful else 0.1
            otherwise = choices(OTHERWISE, cum_weights=other_cum)[0] if rnd() < asked else None
            for given in (helpful is not None, otherwise is not None):
                if given:
                    if with_turns:
                        turn_id += 1
                        row = (turn_id, conv_id, utc(at), "feedback", None, None, "meta")
                        chunk.turns.append(row)
                    seq.append(feedback)
                    at += timedelta(seconds=5 + int(rnd() * 20))
            last_event = at - timedelta(seconds=5)
            for link, shown_at in shown:
                link_id += 1
                chunk.links.append((link_id, conv_id, municipality, link, "shown", utc(shown_at)))
                clicked_at = None
                if rnd() < CLICK_PROBABILITY:
                    link_id += 1
                    clicked_at = shown_at + timedelta(seconds=3 + int(rnd() * 240))
                    chunk.links.append(
                        (link_id, conv_id, municipality, link, "clicked", utc(clicked_at))
                    )
                if municipality == MAIN:
                    truth.shown[shown_at.date()] += 1
                    if clicked_at is not None:
                        truth.clicked[clicked_at.date()] += 1
            chunk.conversations.append(
                (
                    conv_id,
                    f"{rng.getrandbits(48):012x}",
                    municipality,
                    utc(started),
                    utc(last_event),
                    len(seq),
                    n_answers,
                    n_links,
                    n_referrals,
                    n_fallbacks,
                    last_kind,
                    first_topic,
                    first_area,
                    referred,
                    helpful,
                    otherwise,
                    int(helpful is True),
                    int(helpful is False),
                )
            )
            if municipality == MAIN:
                truth.conversations[day] += 1
                truth.helpful_yes[day] += int(helpful is True)
                truth.helpful_no[day] += int(helpful is False)
            else:
                truth.ishoj += 1
            if len(chunk.conversations) >= CHUNK:
                truth.turns, truth.links = turn_id, link_id
                yield chunk
                chunk = Chunk()
    truth.turns, truth.links = turn_id, link_id
    if chunk.conversations:
        yield chunk


# --- databases --------------------------------------------------------------------------


@contextmanager
def fresh_database(backend: str, keep: bool) -> Iterator[str]:
    """The URL of a new, empty database; removed afterwards unless ``keep``."""
    tmp = Path(tempfile.mkdtemp(prefix="borger_bench_"))
    try:
        with databases.fresh_database(backend, tmp, keep=keep, prefix="borger_bench") as url:
            yield url
            if keep:
                print(f"  kept {url}")
    finally:
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)


def _copy(cursor: Any, table: str, cols: tuple[str, ...], rows: list[tuple]) -> None:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)  # None -> unquoted empty field = NULL
    buffer.seek(0)
    sql = f"COPY {table} ({', '.join(cols)}) FROM STDIN WITH (FORMAT csv)"
    cursor.copy_expert(sql, buffer)


def seed(url: str, n: int, with_turns: bool) -> tuple[Truth, dict[str, float]]:
    """Fill the database; return the truth and timings (generate, insert, analyze, total)."""
    engine = get_engine(STATISTICS, url)  # creates the tables and indexes of bot.analytics.models
    truth = Truth()
    times = {"generate": 0.0, "insert": 0.0}
    begin = time.perf_counter()
    tables = (
        (Conversation.__table__, CONV_COLS, "conversations"),
        (Turn.__table__, TURN_COLS, "turns"),
        (LinkEvent.__table__, LINK_COLS, "links"),
    )
    if engine.dialect.name == "postgresql":
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            t0 = time.perf_counter()
            for chunk in generate(n, with_turns, truth):
                t1 = time.perf_counter()
                for table, cols, attr in tables:
                    if getattr(chunk, attr):
                        _copy(cursor, table.name, cols, getattr(chunk, attr))
                raw.commit()
                times["generate"] += t1 - t0
                t0 = time.perf_counter()
                times["insert"] += t0 - t1
            for table, _, _ in tables:  # explicit ids: move the sequences past them
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # noqa: S608
                    f"(SELECT coalesce(max(id), 0) + 1 FROM {table.name}), false)"
                )
            raw.commit()
        finally:
            raw.close()
        t2 = time.perf_counter()
        # VACUUM as well as ANALYZE: autovacuum would otherwise start on the fresh rows in the
        # middle of the timings; a table in production has long been vacuumed.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for table, _, _ in tables:
                conn.exec_driver_sql(f"VACUUM ANALYZE {table.name}")
    else:
        with engine.connect() as conn:
            # Seeding only: the timed queries use the application's own connections.
            conn.exec_driver_sql("PRAGMA synchronous=OFF")
            conn.exec_driver_sql("PRAGMA cache_size=-262144")
            t0 = time.perf_counter()
            for chunk in generate(n, with_turns, truth):
                t1 = time.perf_counter()
                for table, cols, attr in tables:
                    rows = getattr(chunk, attr)
                    if rows:
                        conn.execute(
                            table.insert(), [dict(zip(cols, r, strict=True)) for r in rows]
                        )
                conn.commit()
                times["generate"] += t1 - t0
                t0 = time.perf_counter()
                times["insert"] += t0 - t1
            t2 = time.perf_counter()
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    end = time.perf_counter()
    times["analyze"] = end - t2
    # The application keeps daily_counts up to date as events arrive; a bulk load builds it once.
    with session_scope(STATISTICS, url) as session:
        rows = rebuild_summary(session)
    times["summary"] = time.perf_counter() - end
    print(f"  daily summary rebuilt: {rows:,} rows in {times['summary']:.1f} s")
    times["total"] = time.perf_counter() - begin
    return truth, times


def create_extra_index(url: str) -> float:
    """The covering index of EXTRA_INDEX; returns the seconds it took (with ANALYZE)."""
    engine = get_engine(STATISTICS, url)
    start = time.perf_counter()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql(
                f"CREATE INDEX {EXTRA_INDEX} ON conversations (municipality, started_at) "
                f"INCLUDE ({', '.join(COVERED)})"
            )
            conn.exec_driver_sql("VACUUM ANALYZE conversations")
        else:
            conn.exec_driver_sql(
                f"CREATE INDEX {EXTRA_INDEX} ON conversations "
                f"(municipality, started_at, {', '.join(COVERED)})"
            )
            conn.exec_driver_sql("ANALYZE")
    return time.perf_counter() - start


def database_size(url: str) -> str:
    engine = get_engine(STATISTICS, url)
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            return str(
                conn.exec_driver_sql(
                    "SELECT pg_size_pretty(pg_database_size(current_database()))"
                ).scalar()
            )
    path = url.removeprefix("sqlite:///")
    return f"{os.path.getsize(path) / 2**20:.0f} MB"


# --- timings ----------------------------------------------------------------------------


def komhen_csv(session: Any, profile: Profile, period: Period) -> str:
    """The KOMHEN export exactly as the staff page serves it."""
    return render_komhen_csv(komhen_table(session, profile, period))


def timed(url: str, fn: Callable[[Any], Any], runs: int) -> tuple[Any, list[float]]:
    """Call ``fn(session)`` ``runs`` times, each in its own session as a web request would."""
    result, seconds = None, []
    for _ in range(runs):
        start = time.perf_counter()
        with session_scope(STATISTICS, url) as session:
            result = fn(session)
        seconds.append(time.perf_counter() - start)
    return result, seconds


def statement_times(url: str, fn: Callable[[Any], Any]) -> list[tuple[str, float, str, Any]]:
    """(summary, seconds, SQL, parameters) of every SQL statement one call of ``fn`` runs."""
    engine = get_engine(STATISTICS, url)
    found: list[tuple[str, float, str, Any]] = []

    def before(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        conn.info["bench_start"] = time.perf_counter()

    def after(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        elapsed = time.perf_counter() - conn.info.pop("bench_start", time.perf_counter())
        found.append((_summary(statement), elapsed, statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", before)
    sa.event.listen(engine, "after_cursor_execute", after)
    try:
        with session_scope(STATISTICS, url) as session:
            fn(session)
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)
        sa.event.remove(engine, "after_cursor_execute", after)
    return found


def _summary(statement: str) -> str:
    flat = " ".join(statement.split())
    if "link_events" in flat:
        return "links shown/clicked (link_events)"
    head = flat.split(" FROM ")[0].removeprefix("SELECT ")
    if "daily_counts.otherwise" in head:
        return "outcomes, helpful, weekly, savings (daily_counts by day, outcome, ...)"
    if "daily_counts.topic" in head:
        return "top topics (daily_counts)"
    return head[:50]


def explain(url: str, statement: str, parameters: Any) -> list[str]:
    """The query plan of one statement as the application ran it (EXPLAIN ANALYZE on
    PostgreSQL, EXPLAIN QUERY PLAN on SQLite)."""
    engine = get_engine(STATISTICS, url)
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            sql = f"EXPLAIN (ANALYZE, BUFFERS) {statement}"
            return [r[0] for r in conn.exec_driver_sql(sql, parameters).all()]
        rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
        return [str(r[-1]) for r in rows]


@dataclass
class Figure:
    backend: str
    variant: str
    period: str
    query: str
    seconds: list[float]

    @property
    def best(self) -> float:
        return min(self.seconds)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def measure(
    url: str,
    backend: str,
    variant: str,
    truth: Truth,
    runs: int,
    results: dict,
) -> list[Figure]:
    profile = get_profile(MAIN)
    figures = []
    plans: dict[str, tuple[str, Any]] = {}
    for label, period in PERIODS.items():
        ov, secs = timed(url, lambda s, p=period: overview(s, profile, p), runs)
        figures.append(Figure(backend, variant, label, "overview", secs))
        rows, secs = timed(url, lambda s, p=period: komhen_table(s, profile, p), runs)
        figures.append(Figure(backend, variant, label, "komhen_table", secs))
        text, secs = timed(url, lambda s, p=period: komhen_csv(s, profile, p), runs)
        figures.append(Figure(backend, variant, label, "KOMHEN CSV", secs))

        # Sanity: the figures count exactly what was seeded for Tårnby in the period.
        expected = truth.count("conversations", period)
        assert ov.conversations == expected, (ov.conversations, expected)
        assert sum(ov.outcomes.values()) == expected
        assert sum(w[1] for w in ov.weekly) == expected
        assert sum(r[3] for r in rows) == expected, (sum(r[3] for r in rows), expected)
        assert ov.links_shown == truth.count("shown", period)
        assert ov.links_clicked == truth.count("clicked", period)
        assert ov.helpful_yes == truth.count("helpful_yes", period), ov.helpful_yes
        assert ov.helpful_no == truth.count("helpful_no", period), ov.helpful_no
        assert text.count("\n") == len(rows) + 1
        results[(backend, variant, label)] = (
            ov.outcomes,
            ov.top_topics,
            ov.weekly,
            ov.links_shown,
            ov.links_clicked,
            ov.helpful_yes,
            ov.helpful_no,
            round(ov.savings.net_dkk, 2),
            rows,
        )
        rates = ", ".join(f"{o} {ov.rate(o):.1%}" for o in ov.outcomes)
        print(
            f"  [{variant}] {label}: {ov.conversations:,} conversations ({rates}); "
            f"links shown {ov.links_shown:,}, clicked {ov.links_clicked:,}; "
            f"{len(rows)} KOMHEN rows, CSV {len(text) / 1024:.0f} KiB — sanity checks OK"
        )
        print(f"    statements of one overview ({label}):")
        statements = statement_times(url, lambda s, p=period: overview(s, profile, p))
        for summary, secs, _, _ in statements:
            print(f"      {secs:7.3f} s  {summary}")
        plans[label] = next(
            (sql, params)
            for summary, _, sql, params in statements
            if summary.startswith("outcomes, helpful")
        )
    for label, (sql, params) in plans.items():
        print(f"    plan of the outcome aggregation ({label}):")
        for line in explain(url, sql, params):
            print(f"      {line}")
    return figures


def run_backend(backend: str, args: argparse.Namespace, results: dict) -> list[Figure]:
    print(f"\n=== {backend} ===")
    with fresh_database(backend, args.keep) as url:
        print(f"  database {url}")
        truth, times = seed(url, args.conversations, not args.no_turns)
        print(
            f"  seeded {sum(truth.conversations.values()):,} {MAIN} + {truth.ishoj:,} {OTHER} "
            f"conversations, {truth.turns:,} turns, {truth.links:,} link events "
            f"in {times['total']:.1f} s (generate {times['generate']:.1f} s, "
            f"insert {times['insert']:.1f} s, analyze {times['analyze']:.1f} s); "
            f"size {database_size(url)}"
        )
        figures = measure(url, backend, "models.py indexes", truth, args.runs, results)
        if args.extra_index:
            seconds = create_extra_index(url)
            print(f"  created {EXTRA_INDEX} in {seconds:.1f} s; size {database_size(url)}")
            figures += measure(url, backend, "+ covering index", truth, args.runs, results)
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"  load average after the timings (1, 5, 15 min): {load}")
    return figures


def print_table(figures: list[Figure], runs: int) -> None:
    head = ("backend", "indexes", "period", "query", "min s", "median s")
    print("\n{:11} {:18} {:9} {:18} {:>7} {:>9}".format(*head))
    for f in figures:
        print(
            f"{f.backend:11} {f.variant:18} {f.period:9} {f.query:18} {f.best:7.3f} {f.median:9.3f}"
        )
    print(f"({runs} runs each, every run in a fresh session)")
    print(f"\nTarget: overview under {TARGET_SECONDS:g} s on both backends (median of {runs}).")
    for f in figures:
        if f.query.startswith("overview"):
            verdict = "met" if f.median < TARGET_SECONDS else "MISSED"
            print(
                f"  {f.backend:11} {f.variant:18} {f.period:9} {f.query:18} "
                f"{f.median:6.3f} s  {verdict}"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=1_000_000, metavar="N")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    parser.add_argument(
        "--extra-index",
        action="store_true",
        help=f"after the baseline, create the covering index {EXTRA_INDEX} and measure again",
    )
    parser.add_argument("--no-turns", action="store_true", help="do not seed the turns table")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)

    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    print(
        f"{args.conversations:,} {MAIN} conversations (+{OTHER_SHARE:.0%} {OTHER}), "
        f"{START} .. {END}; periods: "
        + ", ".join(f"{k} {p.start}..{p.end}" for k, p in PERIODS.items())
        + f"; {os.cpu_count()} CPUs"
    )
    figures: list[Figure] = []
    results: dict = {}
    for backend in backends:
        if backend == "postgresql" and not postgres_available():
            print(f"\n=== postgresql ===\n  PostgreSQL at {PG_ADMIN_URL} is unreachable: skipped")
            continue
        figures += run_backend(backend, args, results)
    if not figures:
        return 1
    print_table(figures, args.runs)
    variants = {(b, v) for b, v, _ in results}
    if len(variants) > 1:
        same = all(
            len({repr(results[(b, v, label)]) for b, v in variants}) == 1 for label in PERIODS
        )
        print(f"\nSame figures on every backend and index variant: {'yes' if same else 'NO'}")
        if not same:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
