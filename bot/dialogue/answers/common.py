"""Pieces several answers share."""

from __future__ import annotations

from bot.dialogue.replies import Reply
from bot.knowledge.profile import Profile


def written_channels(profile: Profile) -> list[Reply]:
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
