"""Small talk, the help menu and the technical-error reply."""

from __future__ import annotations

from bot.dialogue.answers.self_service import task_answer
from bot.dialogue.replies import Answer, Question, Reply
from bot.knowledge.profile_model import Profile
from bot.knowledge.task_search import task_by_meaning

# Small talk's responses by intent, in order (they were response rules in data/rules/).
_SMALL_TALK = {
    "greet": ("utter_greet", "utter_privacy_reminder"),
    "thank": ("utter_thank",),
    "goodbye": ("utter_goodbye",),
    "bot_challenge": ("utter_bot_challenge", "utter_ask_for_human"),
}


def small_talk(profile: Profile, q: Question) -> Answer:
    """A greeting (with the privacy reminder and the topics), thanks, a goodbye, or "yes, I am
    a bot" with the way to a human."""
    replies = [Reply(name) for name in _SMALL_TALK.get(q.intent or "", ("utter_greet",))]
    if q.intent in (None, "greet"):
        replies.append(help_reply(q.language))
    return Answer.of(*replies)


def help_reply(language: str = "da") -> Reply:
    """What the assistant can help with, with a button per topic of the registry."""
    from bot.dialogue.topics import get_registry

    return Reply("utter_help", buttons=get_registry().help_buttons(language))


def help_menu(profile: Profile, q: Question) -> Answer:
    """The menu; but a request for help that describes a self-service task ("kan jeg få hjælp
    til huslejen") gets the task."""
    task = task_by_meaning(profile, q.text, q.language)
    if task is not None:
        return task_answer(profile, task, q.language)
    return Answer.of(help_reply(q.language))


def technical_error(profile: Profile, q: Question) -> Answer:
    """The assistant could not answer (a server part failed): try again, or call."""
    return Answer.of(
        Reply(
            "utter_technical_error",
            {"municipality": profile.municipality.name, "phone": profile.contact.phone.value},
        )
    )
