"""The help menu and the technical-error reply."""

from __future__ import annotations

from bot.dialogue.replies import Answer, Question, Reply
from bot.knowledge.profile import Profile


def help_reply(language: str = "da") -> Reply:
    """What the assistant can help with, with a button per topic of the registry."""
    from bot.dialogue.topics import get_registry

    return Reply("utter_help", buttons=get_registry().help_buttons(language))


def help_menu(profile: Profile, q: Question) -> Answer:
    return Answer.of(help_reply(q.language))


def technical_error(profile: Profile, q: Question) -> Answer:
    """The assistant could not answer (a server part failed): try again, or call."""
    return Answer.of(
        Reply(
            "utter_technical_error",
            {"municipality": profile.municipality.name, "phone": profile.contact.phone.value},
        )
    )
