"""What the assistant answers, as response names plus the profile values that fill them.

Each function returns a list of :class:`Reply`; the sentences themselves are the responses in
``domain.yml``. Keeping this out of ``actions/`` makes it testable without Rasa.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

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
from bot.knowledge.matching import match_place, match_task
from bot.knowledge.profile import Place, Profile, SelfServiceTask

# Intents that mean the assistant did not understand (or cannot help): the fallback's misses.
MISS_INTENTS = frozenset({"nlu_fallback", "out_of_scope"})


@dataclass(frozen=True)
class Reply:
    """One bot message: a response name from the domain and the values it needs."""

    response: str
    variables: dict[str, Any] = field(default_factory=dict)
    buttons: list[dict[str, str]] = field(default_factory=list)
    # Ids (bot.knowledge.links.known_links) of the links this message hands out, for the statistics.
    links: tuple[str, ...] = ()


def join_danish(items: list[str], conjunction: str = "og") -> str:
    """'a', 'a og b', 'a, b og c' (or with another conjunction, e.g. 'eller')."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {conjunction} " + items[-1]


# -- opening hours ----------------------------------------------------------


def _place(profile: Profile, text: str, entity: str | None) -> Place:
    return match_place(profile, entity) or match_place(profile, text) or profile.default_place


def opening_hours(
    profile: Profile, text: str, place_entity: str | None, day_entity: str | None, now: datetime
) -> list[Reply]:
    """Weekly hours, or whether a place is open now / on the day the citizen asked about."""
    place = _place(profile, text, place_entity)
    query = resolve_day(day_entity, now) if day_entity else None
    query = query or resolve_day(text, now)
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


def _day_words(day: Any, now: datetime) -> str:
    today = now.date()
    if day == today:
        return f"i dag, {format_date(day)}"
    if day == today + timedelta(days=1):
        return f"i morgen, {format_date(day)}"
    return format_date(day)


def appointment(profile: Profile, text: str, place_entity: str | None) -> list[Reply]:
    place = _place(profile, text, place_entity)
    return [Reply("utter_place_appointment", {"appointment": place.appointment.value})]


# -- 1881 ---------------------------------------------------------------------


def kontaktcenter_1881(profile: Profile) -> list[Reply]:
    kc = profile.kontaktcenter_1881
    alt = kc.alt_phone.value if kc.alt_phone else kc.phone.value
    return [
        Reply("utter_1881_phone", {"name": kc.name, "phone": kc.phone.value, "alt_phone": alt}),
        Reply("utter_1881_helps", {"helps_with": join_danish(kc.helps_with)}),
        Reply("utter_1881_hours", {"hours": format_weekly(kc.hours)}),
    ]


# -- Digital Post -------------------------------------------------------------


def digital_post_info(profile: Profile, text: str = "") -> list[Reply]:
    """What Digital Post is and who must have it; the page for 15-year-olds if they ask."""
    dp = profile.digital_post
    replies = [
        Reply("utter_digital_post_what"),
        Reply(
            "utter_digital_post_who",
            {"who_must": dp.who_must.value, "since": dp.mandatory_since.value},
        ),
    ]
    if re.search(r"\b15\b|15[- ]?[aå]r", text.lower()):
        replies.append(
            Reply(
                "utter_digital_post_age15",
                {"link": dp.age15_link.value},
                links=("digital_post_15",),
            )
        )
    else:
        replies.append(
            Reply(
                "utter_digital_post_more",
                {"link": dp.info_link.value},
                links=("digital_post_info",),
            )
        )
    return replies


def digital_post_read(profile: Profile) -> list[Reply]:
    dp = profile.digital_post
    return [
        Reply("utter_digital_post_read", {"read_on": join_danish(dp.read_on, "eller")}),
        Reply("utter_digital_post_mitdk_support", {"phone": dp.mitdk_support_phone.value}),
    ]


def digital_post_write(profile: Profile) -> list[Reply]:
    return [
        Reply("utter_digital_post_write"),
        Reply("utter_digital_post_where_to_write"),
        Reply(
            "utter_contact_form",
            {"contact_form": profile.contact.contact_form.value},
            links=("contact_form",),
        ),
    ]


def digital_post_exemption(profile: Profile) -> list[Reply]:
    grounds = profile.digital_post.exemption_grounds
    return [
        Reply("utter_exemption_grounds", {"grounds": "\n".join(f"- {g}" for g in grounds)}),
        Reply("utter_exemption_how"),
        Reply("utter_exemption_proxy"),
        Reply("utter_exemption_not_by_phone"),
        Reply("utter_exemption_paper"),
    ]


# -- self-service -------------------------------------------------------------

_LINK_RESPONSE = {
    "self_service": "utter_self_service_link",
    "in_person_booking": "utter_self_service_booking",
    "information": "utter_self_service_information",
}


def task_buttons(profile: Profile) -> list[dict[str, str]]:
    return [
        {"title": t.name, "payload": f'/self_service{{"task": "{t.id}"}}'}
        for t in profile.self_service
    ]


def self_service_task(task: SelfServiceTask) -> list[Reply]:
    return [
        Reply("utter_self_service_task", {"text": task.text}),
        Reply(_LINK_RESPONSE[task.kind], {"link": task.link.value}, links=(task.id,)),
    ]


def self_service(profile: Profile, text: str, task_entities: list[str]) -> list[Reply]:
    """The task's answer and link, or the catalogue as buttons when no task is recognised."""
    for candidate in [*task_entities, text]:
        task = match_task(profile, candidate)
        if task is not None:
            return self_service_task(task)
    return [Reply("utter_self_service_which", buttons=task_buttons(profile))]


# -- contact ------------------------------------------------------------------


def technical_error(profile: Profile) -> list[Reply]:
    """The assistant could not answer (a server part failed): try again, or call."""
    return [
        Reply(
            "utter_technical_error",
            {"municipality": profile.municipality.name, "phone": profile.contact.phone.value},
        )
    ]


def contact(profile: Profile) -> list[Reply]:
    """All channels in the order of the channel strategy."""
    c = profile.contact
    replies = [
        Reply("utter_contact_self_service", {"website": c.website.value}, links=("website",)),
        Reply(
            "utter_contact_phone",
            {
                "municipality": profile.municipality.name,
                "phone": c.phone.value,
                "phone_hours": format_weekly(c.phone_hours),
            },
        ),
        *_written_channels(profile),
    ]
    if c.secure_mail_authorities is not None:
        replies.append(
            Reply("utter_contact_authorities", {"secure_mail": c.secure_mail_authorities.value})
        )
    replies.append(
        Reply("utter_contact_social_media", {"social_media_note": c.social_media_note.value})
    )
    return replies


def _written_channels(profile: Profile) -> list[Reply]:
    """The contact form (no personal data), then Digital Post (personal data)."""
    c = profile.contact
    return [
        Reply(
            "utter_contact_form", {"contact_form": c.contact_form.value}, links=("contact_form",)
        ),
        Reply(
            "utter_contact_digital_post",
            {"digital_post_link": c.digital_post_link.value},
            links=("digital_post",),
        ),
    ]


def social_media(profile: Profile) -> list[Reply]:
    note = profile.contact.social_media_note.value
    return [
        Reply("utter_contact_social_media", {"social_media_note": note}),
        *_written_channels(profile),
    ]


# -- fallback -----------------------------------------------------------------


def fallback(profile: Profile, previous_was_miss: bool, out_of_scope: bool) -> list[Reply]:
    """First miss: ask to rephrase and offer topics. Second miss in a row: the contact channels."""
    replies = [Reply("utter_out_of_scope")] if out_of_scope else []
    if previous_was_miss:
        return [*replies, Reply("utter_fallback_contact"), *contact(profile)]
    if not out_of_scope:
        replies.append(Reply("utter_fallback_rephrase"))
    return [*replies, Reply("utter_help")]


# -- feedback -----------------------------------------------------------------


def feedback(
    profile: Profile, helpful: str | None, otherwise: str | None, ask_otherwise: bool
) -> list[Reply]:
    """Reply to "did it help?" / "how would you otherwise have contacted us?".

    helpful "ja": thanks, then (if ``ask_otherwise``) the otherwise-channel question;
    helpful "nej": the contact channels; an otherwise answer: thanks.
    """
    if otherwise is not None:
        return [Reply("utter_feedback_thanks")]
    if helpful == "nej":
        return [Reply("utter_feedback_sorry"), *contact(profile)]
    replies = [Reply("utter_feedback_glad")]
    if ask_otherwise:
        replies.append(Reply("utter_ask_otherwise"))
    return replies
