"""The figures staff read: outcomes, deflection, savings with their assumptions, KOMHEN table.

Definitions (also in docs/statistics.md), per conversation:

* resolved: the citizen said the answer helped, or the last thing the assistant did was an
  answer or a self-service link (not followed by a referral or a fallback) and the citizen did
  not say it failed to help;
* referred: otherwise, the last thing was a referral (phone, personal attendance, Digital Post
  or the contact form);
* not understood: the assistant never answered or referred, and fell back at least once;
* abandoned: everything else (left after a fallback that followed answers, after "no, it did
  not help", or without a question).

A deflected contact is a resolved conversation whose citizen would otherwise have used a paid
channel (telephone, e-mail, personal attendance, paper post).

A conversation in English is one whose last citizen turn was in English (the dialogue's
``language`` slot; bot.analytics.conversation_state).

All aggregation happens in SQL over indexed columns; Python only formats the few result rows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.analytics.models import (
    ENGLISH,
    REFERRAL_CHANNEL,
    Conversation,
    DailyCount,
    LinkEvent,
)
from bot.analytics.texts import render_lines
from bot.db.stores import SQLITE_LOCAL_DAY
from bot.dialogue.outcome import ANSWER_KINDS
from bot.knowledge.profile_model import OTHERWISE_KEYS, Profile
from bot.settings import TIMEZONE

C = Conversation
D = DailyCount
PAID_CHANNELS = ("telephone", "email", "personal_attendance", "paper_post")
OUTCOMES = ("resolved", "referred", "abandoned", "not_understood")

OUTCOME = sa.case(
    (C.helpful.is_(True), "resolved"),
    (sa.and_(C.last_kind.in_(sorted(ANSWER_KINDS)), C.helpful.is_(None)), "resolved"),
    (C.last_kind.in_(sorted(REFERRAL_CHANNEL)), "referred"),
    (sa.and_(C.n_answers + C.n_referrals == 0, C.n_fallbacks > 0), "not_understood"),
    else_="abandoned",
)


@dataclass(frozen=True)
class Period:
    """Whole Copenhagen calendar days from ``start`` to ``end``, both included."""

    start: date
    end: date

    @property
    def lower(self) -> datetime:
        """The first instant of the period: Copenhagen midnight of ``start``, in UTC."""
        return copenhagen_midnight(self.start)

    @property
    def upper(self) -> datetime:
        """The first instant after the period: Copenhagen midnight after ``end``, in UTC."""
        return copenhagen_midnight(self.end + timedelta(days=1))

    def mondays(self) -> list[date]:
        """The Monday of every week the period touches, in order (a week without
        conversations is still a week of the period: the trend shows it as zero)."""
        first = self.start - timedelta(days=self.start.weekday())
        return [first + timedelta(weeks=i) for i in range((self.end - first).days // 7 + 1)]


def copenhagen_midnight(day: date) -> datetime:
    """The instant a Copenhagen calendar day begins, timezone-aware in UTC.

    Midnight always exists in Copenhagen (the clocks change at 02:00 and 03:00), so a day is
    23, 24 or 25 hours long and its bounds are exact.
    """
    return datetime.combine(day, time.min, tzinfo=TIMEZONE).astimezone(timezone.utc)


@dataclass(frozen=True)
class Savings:
    """Estimated savings in DKK and what the estimate rests on."""

    deflected_known: int  # resolved, and the citizen named a paid channel
    deflected_estimated: float  # resolved without an answer, times the paid share of the mix
    gross_dkk: float
    assistant_cost_dkk: float
    net_dkk: float
    mix: dict[str, float]
    mix_source: str  # "answers" | "default"
    answers: int  # how many "otherwise" answers the period has
    assumptions: list[str] = field(default_factory=list)
    # The inputs of the estimate that are still the profile's EXAMPLE values, of
    # EXAMPLE_INPUTS: while there is one, the figure is an estimate on example values.
    example_inputs: tuple[str, ...] = ()

    @property
    def deflected(self) -> float:
        return self.deflected_known + self.deflected_estimated

    @property
    def on_examples(self) -> bool:
        """True while any input of the estimate is an EXAMPLE value of the profile."""
        return bool(self.example_inputs)


# The inputs of the savings estimate that a profile may mark EXAMPLE: the channel prices, the
# default channel mix (used while the period has too few answers from citizens) and the
# assistant's cost per conversation.
EXAMPLE_INPUTS = ("channel_prices", "default_mix", "assistant_cost")


@dataclass(frozen=True)
class Overview:
    period: Period
    municipality: str
    conversations: int
    outcomes: dict[str, int]
    savings: Savings
    top_topics: list[tuple[str, int]]
    links_shown: int
    links_clicked: int
    helpful_yes: int
    helpful_no: int
    # (monday, conversations, resolved) for every week of the period, zeros included
    weekly: list[tuple[date, int, int]]
    english: int = 0  # conversations whose last citizen turn was in English

    def rate(self, outcome: str) -> float:
        return self.outcomes.get(outcome, 0) / self.conversations if self.conversations else 0.0

    @property
    def english_rate(self) -> float:
        """The share of the period's conversations that were in English (0 without any)."""
        return self.english / self.conversations if self.conversations else 0.0


def estimate_savings(
    resolved_by_otherwise: Mapping[str | None, int],
    answers_by_channel: Mapping[str, int],
    conversations: int,
    profile: Profile,
) -> Savings:
    """Savings = Σ price of the channel each deflected citizen would otherwise have used
    − the assistant's cost; unanswered resolved conversations use the period's answer mix,
    or the profile's default mix when there are too few answers."""
    prices = profile.channel_prices
    price = {ch: float(getattr(prices, ch)) for ch in PAID_CHANNELS} | {"none": 0.0}
    stats = profile.statistics
    answers = sum(answers_by_channel.values())
    if answers >= stats.min_answers_for_mix:
        mix = {ch: answers_by_channel.get(ch, 0) / answers for ch in OTHERWISE_KEYS}
        mix_source = "answers"
    else:
        mix = stats.default_mix.shares()
        mix_source = "default"

    deflected_known = sum(resolved_by_otherwise.get(ch, 0) for ch in PAID_CHANNELS)
    gross_known = sum(resolved_by_otherwise.get(ch, 0) * price[ch] for ch in PAID_CHANNELS)
    unanswered = resolved_by_otherwise.get(None, 0)
    deflected_estimated = unanswered * sum(mix[ch] for ch in PAID_CHANNELS)
    gross_estimated = unanswered * sum(mix[ch] * price[ch] for ch in PAID_CHANNELS)
    cost = conversations * stats.assistant_cost_per_conversation.dkk
    gross = gross_known + gross_estimated
    examples = {
        "channel_prices": prices.example,
        "default_mix": mix_source == "default" and stats.default_mix.example,
        "assistant_cost": stats.assistant_cost_per_conversation.example,
    }

    # The sentences are in templates/assumptions.txt; here only the figures.
    assumptions = render_lines(
        "assumptions.txt",
        prices=prices,
        price_source=profile.sources[prices.source],
        stats=stats,
        deflected_known=deflected_known,
        unanswered=unanswered,
        answers=answers,
        mix_source=mix_source,
    )
    return Savings(
        deflected_known=deflected_known,
        deflected_estimated=deflected_estimated,
        gross_dkk=gross,
        assistant_cost_dkk=cost,
        net_dkk=gross - cost,
        mix=mix,
        mix_source=mix_source,
        answers=answers,
        assumptions=assumptions,
        example_inputs=tuple(key for key in EXAMPLE_INPUTS if examples[key]),
    )


def _at_time_zone(value: sa.sql.ColumnElement, zone: str) -> sa.sql.ColumnElement:
    return value.op("AT TIME ZONE", return_type=sa.DateTime())(sa.literal(zone, sa.String()))


def day_of(column: sa.sql.ColumnElement, dialect: str) -> sa.sql.ColumnElement:
    """The Copenhagen calendar day of a timestamp column (naive UTC) in SQL.

    PostgreSQL: ``(column AT TIME ZONE 'UTC') AT TIME ZONE 'Europe/Copenhagen'``, cast to a date.
    SQLite: the deterministic function bot.db.stores registers on every connection, which
    gives the day as 'YYYY-MM-DD' text (how SQLite stores a date).
    """
    if dialect == "sqlite":
        return getattr(sa.func, SQLITE_LOCAL_DAY)(column)
    local = _at_time_zone(_at_time_zone(column, "UTC"), TIMEZONE.key)
    return sa.cast(local, sa.Date)


def _date(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _week(weekly: Mapping[date, list[int]], monday: date) -> tuple[int, int]:
    """(conversations, resolved) of one week; (0, 0) for a week without conversations."""
    n, resolved = weekly.get(monday, (0, 0))
    return n, resolved


def _summary_where(municipality: str, period: Period) -> list[sa.sql.ColumnElement]:
    return [D.municipality == municipality, D.day >= period.start, D.day <= period.end]


def overview(session: Session, profile: Profile, period: Period) -> Overview:
    """Every figure of the staff overview for one municipality and period.

    Reads the daily summary (bot/analytics/summary.py), grouped by (day, outcome, helpful,
    otherwise): a few thousand rows feed the outcomes, helpfulness, weekly trend and savings;
    each row also sums its conversations in English. Topics and links are one grouped query
    each.
    """
    municipality = profile.municipality.id
    where = _summary_where(municipality, period)
    english_n = sa.func.sum(sa.case((D.language == ENGLISH, D.n), else_=0))
    rows = session.execute(
        sa.select(
            D.day,
            D.outcome,
            sa.func.sum(D.helpful_yes),
            sa.func.sum(D.helpful_no),
            D.otherwise,
            sa.func.sum(D.n),
            english_n,
        )
        .where(*where)
        .group_by(D.day, D.outcome, D.otherwise)
    ).all()
    outcomes: Counter[str] = Counter()
    helpful: Counter[str] = Counter()
    weekly: dict[date, list[int]] = {}
    resolved_by_otherwise: Counter[str | None] = Counter()
    answers_by_channel: Counter[str] = Counter()
    english = 0
    for day_value, outcome, judged_yes, judged_no, otherwise, n, n_english in rows:
        n = int(n or 0)
        english += int(n_english or 0)
        outcomes[outcome] += n
        # "Hjalp svaret?" counts answers (each judged once, the last verdict counting).
        helpful["yes"] += int(judged_yes or 0)
        helpful["no"] += int(judged_no or 0)
        d = _date(day_value)
        week = weekly.setdefault(d - timedelta(days=d.weekday()), [0, 0])
        week[0] += n
        if outcome == "resolved":
            week[1] += n
            resolved_by_otherwise[otherwise or None] += n
        if otherwise:
            answers_by_channel[otherwise] += n
    conversations = sum(outcomes.values())
    total = sa.func.sum(D.n).label("n")
    top_topics = [
        (str(topic), int(n))
        for topic, n in session.execute(
            sa.select(D.topic, total)
            .where(*where, D.topic != "")
            .group_by(D.topic)
            .having(sa.func.sum(D.n) > 0)
            .order_by(sa.desc("n"), D.topic)
            .limit(10)
        ).all()
    ]
    links = dict(
        session.execute(
            sa.select(LinkEvent.event, sa.func.count())
            .where(
                LinkEvent.municipality == municipality,
                LinkEvent.at >= period.lower,
                LinkEvent.at < period.upper,
            )
            .group_by(LinkEvent.event)
        ).all()
    )
    return Overview(
        period=period,
        municipality=municipality,
        conversations=conversations,
        outcomes={o: int(outcomes.get(o, 0)) for o in OUTCOMES},
        savings=estimate_savings(resolved_by_otherwise, answers_by_channel, conversations, profile),
        top_topics=top_topics,
        links_shown=int(links.get("shown", 0)),
        links_clicked=int(links.get("clicked", 0)),
        helpful_yes=helpful["yes"],
        helpful_no=helpful["no"],
        weekly=[(w, *_week(weekly, w)) for w in period.mondays()],
        english=english,
    )


# The channel a conversation ended in, for the KOMHEN-style table.
CHANNEL = sa.case(
    (OUTCOME == "resolved", "selvbetjening"),
    (C.referred_channel == "telephone", "telefon"),
    (C.referred_channel == "personal_attendance", "personligt fremmøde"),
    (C.referred_channel == "digital_post", "digital post"),
    else_="ikke løst",
)


def komhen_table(
    session: Session, profile: Profile, period: Period
) -> list[tuple[date, str, str, int]]:
    """(week's Monday, area, channel, contacts) for every combination with contacts."""
    rows = session.execute(
        sa.select(D.day, D.area, D.channel, sa.func.sum(D.n))
        .where(*_summary_where(profile.municipality.id, period))
        .group_by(D.day, D.area, D.channel)
    ).all()
    table: Counter[tuple[date, str, str]] = Counter()
    for day_value, area, channel, n in rows:
        d = _date(day_value)
        table[(d - timedelta(days=d.weekday()), area or "Ukendt", channel)] += int(n or 0)
    return [(w, a, ch, n) for (w, a, ch), n in sorted(table.items()) if n]
