"""Kontaktcenter Borger.dk (1881)."""

from __future__ import annotations

from bot.dialogue.replies import Answer, Question, Reply
from bot.knowledge.formatting import format_list
from bot.knowledge.hours import format_weekly
from bot.knowledge.profile import Profile


def kontaktcenter_1881(profile: Profile, q: Question) -> Answer:
    kc = profile.kontaktcenter_1881
    alt = kc.alt_phone.value if kc.alt_phone else kc.phone.value
    return Answer.of(
        Reply("utter_1881_phone", {"name": kc.name, "phone": kc.phone.value, "alt_phone": alt}),
        Reply("utter_1881_helps", {"helps_with": format_list(kc.helps_with)}),
        Reply("utter_1881_hours", {"hours": format_weekly(kc.hours)}),
    )
