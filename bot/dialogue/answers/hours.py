"""Opening hours, and whether a place needs an appointment."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from bot.dialogue.replies import Answer, Question, Reply
from bot.knowledge.daytext import resolve_day
from bot.knowledge.hours import (
    OpenStatus,
    day_schedule,
    format_date,
    format_intervals,
    format_moment,
    format_time,
    format_weekly,
    status_at,
)
from bot.knowledge.matching import match_place
from bot.knowledge.profile import Place, Profile


def place_asked(profile: Profile, q: Question) -> Place:
    """The place the citizen named (entity first, then the text), else the default place."""
    return (
        match_place(profile, q.entity("place"))
        or match_place(profile, q.text)
        or profile.default_place
    )


def opening_hours(profile: Profile, q: Question) -> Answer:
    """Weekly hours, or whether a place is open now / on the day the citizen asked about."""
    return Answer(tuple(_hours_replies(profile, q)))


def _hours_replies(profile: Profile, q: Question) -> list[Reply]:
    place, now = place_asked(profile, q), q.now
    day_entity = q.entity("day")
    query = resolve_day(day_entity, now) if day_entity else None
    query = query or resolve_day(q.text, now)
    name = place.name
    if query is None:
        replies = [
            Reply("utter_hours_weekly", {"place": name, "weekly": format_weekly(place.hours)})
        ]
        if place.address is not None:
            replies.append(Reply("utter_hours_address", {"address": place.address.value}))
        return replies
    if query.kind == "now":
        status = status_at(place.hours, now)
        if status.is_open and status.closes_at is None:
            return [Reply("utter_hours_open_now_always", {"place": name})]
        if status.is_open and status.closes_at is not None:
            closes = format_time(status.closes_at.time())
            return [Reply("utter_hours_open_now", {"place": name, "closes": closes})]
        return [Reply("utter_hours_closed_now", {"place": name}), *_next_open(name, status, now)]
    schedule = day_schedule(place.hours, query.day)
    day_text = _day_words(query.day, now)
    if schedule.intervals:
        return [
            Reply(
                "utter_hours_day_open",
                {"place": name, "day": day_text, "intervals": format_intervals(schedule.intervals)},
            )
        ]
    replies = [Reply("utter_hours_day_closed", {"place": name, "day": day_text})]
    if schedule.closed_reason:
        reason = schedule.closed_reason
        replies.append(
            Reply("utter_hours_closed_reason", {"reason": reason[0].lower() + reason[1:]})
        )
    start_of_day = datetime.combine(query.day, datetime.min.time(), now.tzinfo)
    return [*replies, *_next_open(name, status_at(place.hours, start_of_day), now)]


def _next_open(place_name: str, status: OpenStatus, now: datetime) -> list[Reply]:
    """'<place> åbner igen ...' when a next opening is known."""
    if status.next_open is None:
        return []
    when = format_moment(status.next_open, now)
    return [Reply("utter_hours_next_open", {"place": place_name, "next_open": when})]


def _day_words(day: date, now: datetime) -> str:
    today = now.date()
    if day == today:
        return f"i dag, {format_date(day)}"
    if day == today + timedelta(days=1):
        return f"i morgen, {format_date(day)}"
    return format_date(day)


def appointment(profile: Profile, q: Question) -> Answer:
    place = place_asked(profile, q)
    return Answer.of(Reply("utter_place_appointment", {"appointment": place.appointment.value}))
