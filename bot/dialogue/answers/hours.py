"""Opening hours, and whether a place needs an appointment.

The place is the one the message names, else the thread's (a follow-up, or "har de åbent?"
after a question about 1881), else the profile's default place. A follow-up that names no day
or time of day keeps the thread's ("og om aftenen?" after "har de åbent i morgen?").
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

from bot.dialogue.answers.pages import read_more
from bot.dialogue.replies import Answer, Question, Reply
from bot.dialogue.thread import Thread
from bot.knowledge.daytext import DayQuery, resolve_day
from bot.knowledge.formatting import word
from bot.knowledge.hours import (
    DaySchedule,
    OpenStatus,
    day_schedule,
    format_date,
    format_intervals,
    format_moment,
    format_time,
    format_weekly,
    named_day,
    next_day_open_during,
    open_during,
    status_at,
    week_schedule,
)
from bot.knowledge.periods import Period, resolve_period
from bot.knowledge.places import HoursPlace, hours_place, match_hours_place
from bot.knowledge.profile import localized
from bot.knowledge.profile_model import Profile, WeeklyHours


def place_asked(profile: Profile, q: Question) -> HoursPlace:
    """The place the message names (entity, then text), else the thread's, else the default."""
    named = match_hours_place(profile, q.entity("place")) or match_hours_place(profile, q.text)
    if named is not None:
        return named
    carried = hours_place(profile, q.thread.place) if q.thread.place else None
    default = hours_place(profile, profile.default_place.id)
    assert default is not None  # every profile place is an hours place
    return carried or default


def day_asked(q: Question) -> DayQuery | None:
    """The day the message names, else (for a follow-up) the thread's day."""
    entity = q.entity("day")
    query = (resolve_day(entity, q.now) if entity else None) or resolve_day(q.text, q.now)
    if query is None and q.follow_up and q.thread.day:
        query = _stored_day(q.thread.day)
    return query


def period_asked(q: Question) -> Period | None:
    """The time of day the message names, else (for a follow-up) the thread's."""
    period = resolve_period(q.entity("period")) or resolve_period(q.text)
    if period is None and q.follow_up and q.thread.period:
        period = resolve_period(q.thread.period)
    return period


def _stored_day(value: str) -> DayQuery | None:
    """A day kept in the thread: "date:2026-11-24" or "week:2026-11-30"."""
    kind, _, iso = value.partition(":")
    if kind not in ("date", "week"):
        return None
    try:
        return DayQuery(kind, date.fromisoformat(iso))  # type: ignore[arg-type]
    except ValueError:
        return None


def names_a_time(q: Question) -> bool:
    """Whether the message names a day or a time of day ("har 1881 åbent om aftenen?")."""
    return day_asked(q) is not None or period_asked(q) is not None


def hours_of(place_id: str, profile: Profile, q: Question) -> Answer:
    """The opening-hours answer about ``place_id`` unless the message names another place."""
    return opening_hours(profile, replace(q, thread=q.thread.merged(place=place_id)))


def opening_hours(profile: Profile, q: Question) -> Answer:
    """Weekly hours, or whether a place is open now, on a day, in a week or at a time of day."""
    place, query, period = place_asked(profile, q), day_asked(q), period_asked(q)
    if period is not None and (query is None or query.kind != "week"):
        replies = _period_replies(place, query, period, q.now, q.language)
    else:
        replies = _hours_replies(place, query, q.now, q.language)
    day = None
    if query is not None:
        day = f"{'week' if query.kind == 'week' else 'date'}:{query.day.isoformat()}"
    thread = Thread(
        topic="opening_hours",
        place=place.id,
        day=day,
        period=period.label("da") if period is not None else None,
    )
    return Answer(tuple(replies), thread=thread)


def _hours_replies(
    place: HoursPlace, query: DayQuery | None, now: datetime, language: str = "da"
) -> list[Reply]:
    name = localized(place, "name", language)
    if query is None:
        replies = [_weekly_reply(place, language)]
        if place.address is not None:
            replies.append(Reply("utter_hours_address", {"address": place.address}))
        return replies
    if query.kind == "now":
        status = status_at(place.hours, now)
        if status.is_open and status.closes_at is None:
            return [Reply("utter_hours_open_now_always", {"place": name})]
        if status.is_open and status.closes_at is not None:
            closes = format_time(status.closes_at.time(), language=language)
            return [Reply("utter_hours_open_now", {"place": name, "closes": closes})]
        return [
            Reply("utter_hours_closed_now", {"place": name}),
            *_next_open(name, status, now, language),
        ]
    if query.kind == "week":
        return _week_replies(place, query.day, now, language)
    schedule = day_schedule(place.hours, query.day)
    day_text = _day_words(query.day, now, language)
    if schedule.intervals:
        intervals = format_intervals(schedule.intervals, language=language)
        return [
            Reply("utter_hours_day_open", {"place": name, "day": day_text, "intervals": intervals})
        ]
    replies = [Reply("utter_hours_day_closed", {"place": name, "day": day_text})]
    reason = _closed_reason(place.hours, schedule, language)
    if reason:
        replies.append(Reply("utter_hours_closed_reason", {"reason": reason}))
    start_of_day = datetime.combine(query.day, datetime.min.time(), now.tzinfo)
    return [*replies, *_next_open(name, status_at(place.hours, start_of_day), now, language)]


def _closed_reason(hours: WeeklyHours, schedule: DaySchedule, language: str) -> str | None:
    """Why the day is closed, in ``language``: Danish "juledag" (the name lower-cased to go
    after "Det er"); English "Christmas Day", or an exception's English note (none if the
    profile gives no English note)."""
    reason = schedule.closed_reason
    if not reason:
        return None
    if language != "en":
        return reason[0].lower() + reason[1:]
    for exception in hours.exceptions:
        if exception.date == schedule.day:
            return exception.note_en
    return named_day(schedule.day, language)


def _weekly_reply(place: HoursPlace, language: str) -> Reply:
    """ "<place> har åbent <weekly hours>"."""
    weekly = format_weekly(place.hours, language=language)
    return Reply(
        "utter_hours_weekly", {"place": localized(place, "name", language), "weekly": weekly}
    )


def _week_replies(
    place: HoursPlace, monday: date, now: datetime, language: str = "da"
) -> list[Reply]:
    """The open days of one week, one line each."""
    name = localized(place, "name", language)
    days = [d for d in week_schedule(place.hours, monday) if d.intervals]
    if not days:
        return [_weekly_reply(place, language)]
    lines = "\n".join(
        f"- {format_date(d.day, language=language)}: "
        f"{format_intervals(d.intervals, language=language)}"
        for d in days
    )
    week = monday.isocalendar()[1]
    return [Reply("utter_hours_week", {"place": name, "week": week, "days": lines})]


def _period_replies(
    place: HoursPlace, query: DayQuery | None, period: Period, now: datetime, language: str = "da"
) -> list[Reply]:
    """Whether the place is open at a time of day on the day asked (today if none)."""
    day = query.day if query is not None else now.date()
    values = {
        "place": localized(place, "name", language),
        "period": period.label(language),
        "day": _day_words(day, now, language),
    }
    intervals = open_during(place.hours, day, period)
    if intervals:
        found = format_intervals(intervals, language=language)
        return [Reply("utter_hours_period_open", {**values, "intervals": found})]
    replies = [Reply("utter_hours_period_closed", values)]
    if query is None:
        following = next_day_open_during(place.hours, day, period)
        if following is not None:
            replies.append(
                Reply(
                    "utter_hours_period_next",
                    {
                        **values,
                        "day": _day_words(following, now, language),
                        "intervals": format_intervals(
                            open_during(place.hours, following, period), language=language
                        ),
                    },
                )
            )
        return replies
    schedule = day_schedule(place.hours, day)
    if schedule.intervals:
        replies.append(
            Reply(
                "utter_hours_day_open",
                {**values, "intervals": format_intervals(schedule.intervals, language=language)},
            )
        )
    return replies


def _next_open(
    place_name: str, status: OpenStatus, now: datetime, language: str = "da"
) -> list[Reply]:
    """'<place> åbner igen ...' when a next opening is known."""
    if status.next_open is None:
        return []
    when = format_moment(status.next_open, now, language=language)
    return [Reply("utter_hours_next_open", {"place": place_name, "next_open": when})]


def _day_words(day: date, now: datetime, language: str = "da") -> str:
    """The day in an answer: "i dag, mandag den 24. november" / "today (Monday 24 November)",
    "i morgen, ..." / "tomorrow (...)", else the date ("on Monday 24 November")."""
    today, text = now.date(), format_date(day, language=language)
    if day == today:
        return word("day_today", language, date=text)
    if day == today + timedelta(days=1):
        return word("day_tomorrow", language, date=text)
    return word("day_other", language, date=text)


def appointment(profile: Profile, q: Question) -> Answer:
    """Whether the place needs an appointment (a place citizens visit; the default else), and
    the catalogue's page about what the question names, when one fits it well."""
    place = place_asked(profile, q).place or profile.default_place
    return Answer.of(
        Reply(
            "utter_place_appointment",
            {"appointment": localized(place, "appointment", q.language)},
        ),
        # Where to book or read about the matter: "nyt pas til min søn" -> the passport page.
        *read_more(profile, q),
        thread=Thread(topic="appointment", place=place.id),
    )
