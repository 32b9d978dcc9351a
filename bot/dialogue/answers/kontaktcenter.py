"""Kontaktcenter Borger.dk (1881)."""

from __future__ import annotations

from bot.dialogue.answers.hours import hours_of, names_a_time
from bot.dialogue.replies import Answer, Question, Reply
from bot.dialogue.thread import Thread
from bot.knowledge.formatting import format_list
from bot.knowledge.hours import format_weekly
from bot.knowledge.profile import localized
from bot.knowledge.profile_model import Profile


def kontaktcenter_1881(profile: Profile, q: Question) -> Answer:
    """What 1881 is, its numbers and hours; whether it is open then, if a time is named."""
    if names_a_time(q):
        return hours_of("kontaktcenter_1881", profile, q)
    kc = profile.kontaktcenter_1881
    alt = kc.alt_phone.value if kc.alt_phone else kc.phone.value
    name = localized(kc, "name", q.language)
    helps_with = format_list(localized(kc, "helps_with", q.language), language=q.language)
    return Answer.of(
        Reply("utter_1881_phone", {"name": name, "phone": kc.phone.value, "alt_phone": alt}),
        Reply("utter_1881_helps", {"helps_with": helps_with}),
        Reply("utter_1881_hours", {"hours": format_weekly(kc.hours, language=q.language)}),
        # "Har de åbent om aftenen?" next asks about 1881's hours.
        thread=Thread(topic="kontaktcenter_1881", place="kontaktcenter_1881"),
    )
