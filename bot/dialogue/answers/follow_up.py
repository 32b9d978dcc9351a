"""Follow-ups: a short message that continues the latest answer's topic.

"og i weekenden?", "hvad med rådhuset?", "og om aftenen?", "kan min datter gøre det for mig?"
name a day, a place, a time of day, a task or an aspect, and leave the topic out. The topic
registry decides which entry answers (``follow_ups`` in ``topics.yml``): the latest answer's
entry if it takes what the message names, else the first entry that does. That entry's answer
function then answers with the thread's place, task, day and time of day for whatever the
message leaves out, and the turn is counted as that entry's topic.
"""

from __future__ import annotations

from dataclasses import replace

from bot.dialogue.answers.conversation import help_reply
from bot.dialogue.answers.digital_post import asks_about_age
from bot.dialogue.answers.fallback import described
from bot.dialogue.answers.pages import CLEAR_SHARE
from bot.dialogue.outcome import Kind
from bot.dialogue.replies import Answer, Question, Reply
from bot.knowledge.daytext import resolve_day
from bot.knowledge.matching import match_task
from bot.knowledge.periods import resolve_period
from bot.knowledge.places import match_hours_place
from bot.knowledge.profile_model import Profile


def named_in(profile: Profile, q: Question, aspects: frozenset[str]) -> frozenset[str]:
    """What the follow-up names: entities, what the knowledge layer finds in the text, and
    "aspect" when it asks about one (``aspects``, from :func:`aspects_in`)."""
    named = {e for e in ("place", "day", "period", "task") if q.entity(e)}
    if aspects:
        named.add("aspect")
    if resolve_day(q.text, q.now) is not None:
        named.add("day")
    if resolve_period(q.text) is not None:
        named.add("period")
    if match_hours_place(profile, q.text) is not None:
        named.add("place")
    if "place" not in named and match_task(profile, q.text) is not None:
        named.add("task")
    return frozenset(named)


def aspects_in(q: Question) -> frozenset[str]:
    """The aspects the follow-up asks about: the NLU's entity, and an age ("og hvis man er 15?").

    Only values an entry answers count: DIET sometimes tags a stray word ("og på fredag?" with
    aspect "på"), which would otherwise make an ordinary follow-up unanswerable.
    """
    from bot.dialogue.topics import get_registry

    aspects = set(q.entity_values("aspect")) & get_registry().aspects
    if asks_about_age(q.text):
        aspects.add("age")
    return frozenset(aspects)


def follow_up(profile: Profile, q: Question) -> Answer:
    """The answer of the entry the follow-up continues; a clear question back if none."""
    from bot.dialogue.topics import get_registry

    if q.thread.topic is None:
        # A first message the NLU took for a follow-up: what it says about a page or a task
        # beats the entry one word of it names ("min mor døde i nat": "i nat" is a time of
        # day, opening hours; the message is about a death).
        found = described(profile, q, min_word_score=CLEAR_SHARE)
        if found is not None:
            return found
    aspects = aspects_in(q)
    entry = get_registry().follow_up_entry(q.thread.topic, named_in(profile, q, aspects), aspects)
    if entry is None or entry.id == "follow_up":
        # Not a follow-up of anything: a first message the NLU took for one ("vi skal af med en
        # stor reol") may still describe a task or match a page.
        found = described(profile, q) if q.thread.topic is None else None
        if found is not None:
            return found
        return Answer.of(
            Reply("utter_follow_up_no_topic"),
            help_reply(q.language),
            topic="follow_up",
            kind=Kind.FALLBACK,
        )
    answer = entry.ask(profile, replace(q, follow_up=True))
    outcome = entry.outcome(answer)
    thread = answer.thread or q.thread.merged(topic=entry.id)
    return replace(answer, topic=outcome.topic, kind=outcome.kind, area=outcome.area, thread=thread)
