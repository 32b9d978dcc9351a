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


# A recognised task is counted as its own statistics topic: "self_service:<task id>".
TASK_TOPIC_PREFIX = "self_service:"


def task_topic(task_id: str) -> str:
    """The statistics topic of a self-service task."""
    return TASK_TOPIC_PREFIX + task_id


def task_of_topic(topic: str) -> str | None:
    """The task id of a task's statistics topic, or None for any other topic."""
    return topic.removeprefix(TASK_TOPIC_PREFIX) if topic.startswith(TASK_TOPIC_PREFIX) else None


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
        topic=task_topic(task.id),
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
