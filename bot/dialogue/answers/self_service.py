"""Self-service tasks: the task's short answer and its link, or the catalogue as buttons."""

from __future__ import annotations

from bot.dialogue.answers.common import DANISH_PAGE, link_reply
from bot.dialogue.answers.pages import page_answer, page_hits, pages_offered
from bot.dialogue.outcome import Kind
from bot.dialogue.replies import Answer, Question, Reply
from bot.dialogue.thread import Thread
from bot.knowledge.matching import match_task
from bot.knowledge.pages import Page, page_link_id
from bot.knowledge.profile import localized
from bot.knowledge.profile_model import Profile, SelfServiceTask
from bot.knowledge.task_search import task_by_meaning, task_page, task_score

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


def task_buttons(profile: Profile, language: str = "da") -> list[dict[str, str]]:
    """One button per task, its title in ``language``; the payload is the same in both."""
    return [
        {"title": localized(t, "name", language), "payload": f'/self_service{{"task": "{t.id}"}}'}
        for t in profile.self_service
    ]


def self_service_task(
    task: SelfServiceTask, language: str = "da", page: Page | None = None
) -> Answer:
    """The task's answer; counted as topic ``self_service:<task id>`` in the task's area.

    In English the link is the task's checked English page (``link_en``) when it has one, else
    its Danish page with the ``_danish_page`` response ("page in Danish"). ``page``: the
    catalogue's page about the task, given in place of a link that is only a front page
    (:func:`bot.knowledge.task_search.task_page`)."""
    response, kind = _LINK_RESPONSE[task.kind]
    if language == "en" and task.link_en is not None:
        page = None  # the task's checked English page beats a Danish page of the catalogue
    if page is not None:
        in_danish = language == "en" and page.language != "en"
        link = Reply(
            DANISH_PAGE[response] if in_danish else response,
            {"link": page.url},
            links=(page_link_id(page.url),),
        )
    else:
        link = link_reply(response, task, "link", language, links=(task.id,))
    return Answer.of(
        Reply("utter_self_service_task", {"text": localized(task, "text", language)}),
        link,
        topic=task_topic(task.id),
        kind=kind,
        area=task.area,
        thread=Thread(topic="self_service", task=task.id),
    )


def task_answer(profile: Profile, task: SelfServiceTask, language: str = "da") -> Answer:
    """:func:`self_service_task` with the catalogue's page when the task's link is a front page."""
    return self_service_task(task, language, task_page(profile, task))


def self_service(profile: Profile, q: Question) -> Answer:
    """The task's answer and link; else the catalogue's pages about what was asked; the menu
    of tasks as buttons only when the message names nothing (issue 23 §2).

    The task is the one named (entity, then the text's synonyms), else the one the message
    describes (:func:`bot.knowledge.task_search.task_by_meaning`: "ændre min adresse" is
    moving). A follow-up that names no task ("og hvordan gør jeg det?") keeps the thread's task.
    """
    candidates = [*q.entity_values("task"), q.text]
    if q.follow_up and q.thread.task:
        candidates.append(q.thread.task)
    for candidate in candidates:
        task = match_task(profile, candidate)
        if task is not None:
            # A broad synonym ("skrald" for bulky waste) must not beat the page the message
            # is about ("skraldespanden er ikke tømt" is the bins' page).
            # A button's payload is the citizen's explicit choice: no comparison.
            pages = [] if q.text.startswith("/") else page_hits(profile, q)
            own = {task.link.value.split("?")[0]}
            if (page := task_page(profile, task)) is not None:
                own.add(page.url)
            if (
                pages
                and pages[0].page.url.split("?")[0] not in own
                and pages[0].score > task_score(profile, task, q.text, q.language)
            ):
                return pages_offered(pages, q.language)
            return task_answer(profile, task, q.language)
    task = task_by_meaning(profile, q.text, q.language)
    if task is not None:
        return task_answer(profile, task, q.language)
    # Any page that fits at all is better than the menu of unrelated tasks.
    pages = page_answer(profile, q, unsure=True)
    if pages is not None:
        return pages
    return Answer.of(
        Reply("utter_self_service_which", buttons=task_buttons(profile, q.language)),
        thread=Thread(topic="self_service"),
    )
