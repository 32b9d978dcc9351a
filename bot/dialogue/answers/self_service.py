"""Self-service tasks: the task's short answer and its link, or the catalogue as buttons."""

from __future__ import annotations

from bot.dialogue.outcome import Kind
from bot.dialogue.replies import Answer, Question, Reply
from bot.knowledge.matching import match_task
from bot.knowledge.profile import Profile, SelfServiceTask

# A task's kind in the profile -> the response with its link, and what handing it out does.
_LINK_RESPONSE = {
    "self_service": ("utter_self_service_link", Kind.SELF_SERVICE_LINK),
    "in_person_booking": ("utter_self_service_booking", Kind.REFERRAL_ATTENDANCE),
    "information": ("utter_self_service_information", Kind.INFORMATION),
}


def task_buttons(profile: Profile) -> list[dict[str, str]]:
    return [
        {"title": t.name, "payload": f'/self_service{{"task": "{t.id}"}}'}
        for t in profile.self_service
    ]


def self_service_task(task: SelfServiceTask) -> Answer:
    """The task's answer; counted as topic ``self_service:<task id>`` in the task's area."""
    response, kind = _LINK_RESPONSE[task.kind]
    return Answer.of(
        Reply("utter_self_service_task", {"text": task.text}),
        Reply(response, {"link": task.link.value}, links=(task.id,)),
        topic=f"self_service:{task.id}",
        kind=kind,
        area=task.area,
    )


def self_service(profile: Profile, q: Question) -> Answer:
    """The task's answer and link, or the catalogue as buttons when no task is recognised."""
    for candidate in [*q.entity_values("task"), q.text]:
        task = match_task(profile, candidate)
        if task is not None:
            return self_service_task(task)
    return Answer.of(Reply("utter_self_service_which", buttons=task_buttons(profile)))
