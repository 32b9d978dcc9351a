"""How to contact the municipality, in channel-strategy order."""

from __future__ import annotations

from bot.dialogue.answers.common import written_channels
from bot.dialogue.replies import Answer, Question, Reply
from bot.knowledge.hours import format_weekly
from bot.knowledge.profile import Profile


def contact_replies(profile: Profile) -> list[Reply]:
    """All channels in the order of the channel strategy (also used by other answers)."""
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
        *written_channels(profile),
    ]
    if c.secure_mail_authorities is not None:
        replies.append(
            Reply("utter_contact_authorities", {"secure_mail": c.secure_mail_authorities.value})
        )
    replies.append(
        Reply("utter_contact_social_media", {"social_media_note": c.social_media_note.value})
    )
    return replies


def contact(profile: Profile, q: Question) -> Answer:
    return Answer(tuple(contact_replies(profile)))


def social_media(profile: Profile, q: Question) -> Answer:
    note = profile.contact.social_media_note.value
    return Answer.of(
        Reply("utter_contact_social_media", {"social_media_note": note}),
        *written_channels(profile),
    )
