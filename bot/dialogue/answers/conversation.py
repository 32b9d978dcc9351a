"""The help menu and the technical-error reply."""

from __future__ import annotations

from bot.dialogue.answers.self_service import task_answer
from bot.dialogue.replies import Answer, Question, Reply
from bot.knowledge.profile import Profile
from bot.knowledge.task_search import task_by_meaning


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
