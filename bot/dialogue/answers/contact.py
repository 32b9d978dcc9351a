"""How to contact the municipality, in channel-strategy order."""

from __future__ import annotations

from bot.dialogue.answers.common import written_channels
from bot.dialogue.answers.hours import hours_of, names_a_time
from bot.dialogue.replies import Answer, Question, Reply
from bot.dialogue.thread import Thread
from bot.knowledge.hours import format_weekly
from bot.knowledge.profile import localized
from bot.knowledge.profile_model import Profile


def contact_replies(profile: Profile, language: str = "da") -> list[Reply]:
    """All channels in the order of the channel strategy (also used by other answers)."""
    c = profile.contact
    replies = [
        Reply("utter_contact_self_service", {"website": c.website.value}, links=("website",)),
        Reply(
            "utter_contact_phone",
            {
                "municipality": profile.municipality.name,
                "phone": c.phone.value,
                "phone_hours": format_weekly(c.phone_hours, language=language),
            },
        ),
        *written_channels(profile, language),
    ]
    if c.secure_mail_authorities is not None:
        replies.append(
            Reply("utter_contact_authorities", {"secure_mail": c.secure_mail_authorities.value})
        )
    note = localized(c, "social_media_note", language)
    replies.append(Reply("utter_contact_social_media", {"social_media_note": note}))
    return replies


def contact(profile: Profile, q: Question) -> Answer:
    """Every channel; whether the phone line is open then, if a time is named."""
    if names_a_time(q):
        return hours_of("phone", profile, q)
    # "Kan man ringe om aftenen?" next asks about the phone line's hours.
    return Answer(
        tuple(contact_replies(profile, q.language)), thread=Thread(topic="contact", place="phone")
    )


def social_media(profile: Profile, q: Question) -> Answer:
    note = localized(profile.contact, "social_media_note", q.language)
    return Answer.of(
        Reply("utter_contact_social_media", {"social_media_note": note}),
        *written_channels(profile, q.language),
    )
