"""The one way tests build statistics: the Rasa events the broker receives, fed to the recorder.

A conversation is written the way a citizen has it::

    chat = (
        Chat("c1", profile=get_profile("taarnby"))
        .ask("opening_hours", at=datetime(2026, 11, 23, 10, tzinfo=TIMEZONE))
        .answered()                       # the registry's declaration for the intent
        .ask("self_service")
        .answered("self_service:moving")  # the real answer for the profile's task
        .feedback(helpful=True, otherwise="telephone")
    )
    feed(url, chat)                       # through record_event, one transaction per event

Each message is a Rasa ``user`` event (intent and entities, at an aware datetime); each outcome a
``turn_outcome`` slot event whose value is :meth:`Outcome.to_slot`. Outcomes come from the topic
registry (``bot/dialogue/topics.yml``: an entry's declared topic, kind and area), from the
self-service answer of a task of the conversation's profile, or are given as an
:class:`~bot.dialogue.outcome.Outcome`. The statistics benchmark takes its turns' topic, kind and
area from :func:`outcome_of` too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any

from bot.analytics.clicks import record_click
from bot.analytics.models import LinkEvent
from bot.analytics.recorder import record_event
from bot.db.engine import session_scope
from bot.db.stores import STATISTICS
from bot.dialogue.answers.self_service import self_service_task, task_of_topic
from bot.dialogue.outcome import Outcome, answer_id
from bot.dialogue.replies import Answer
from bot.dialogue.topics import get_registry
from bot.knowledge.profile_model import Profile
from testkit.profile import SYNTHETIC_MUNICIPALITY, synthetic_profile

Event = dict[str, Any]

# BOT_SESSION_IDLE_MINUTES' default: a sender's next message after this long starts a new
# conversation.
IDLE = timedelta(minutes=30)
# A message without a time comes this long after the conversation's previous one.
TURN_GAP = timedelta(minutes=1)
# The outcome of a turn is set this long after its message (as the action answers).
OUTCOME_DELAY = timedelta(milliseconds=100)


def _aware(at: datetime, what: str) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{what}: 'at' must be a timezone-aware datetime, got {at!r}")
    return at


def outcome_of(
    what: str | Outcome, profile: Profile | None = None, links: Iterable[str] | None = None
) -> Outcome:
    """A turn's outcome, as the dialogue reports it.

    ``what`` is a registry entry id (``"opening_hours"``: the entry's declared topic, kind and
    area), ``"self_service:<task id>"`` (what the self-service answer reports for that task of
    ``profile``, default the synthetic profile: the task's own kind, area and link), or an
    :class:`Outcome`, taken as it is. ``links`` replaces the ids of the links shown.
    """
    if isinstance(what, Outcome):
        outcome = what
    elif task_of_topic(what) is not None:
        task = (profile or synthetic_profile()).task(str(task_of_topic(what)))
        outcome = get_registry().get("self_service").outcome(self_service_task(task))
    else:
        outcome = get_registry().get(what).outcome(Answer.of())
    return outcome if links is None else replace(outcome, links=tuple(links))


def user_event(
    sender: str,
    intent: str,
    at: datetime,
    entities: Mapping[str, object] | None = None,
    message_id: str | None = None,
) -> Event:
    """A citizen's message as the broker receives it: intent and entities, no text (and
    Rasa's message id, when given: what the answer to it is known by)."""
    event: Event = {
        "event": "user",
        "sender_id": sender,
        "timestamp": _aware(at, "user_event").timestamp(),
        "parse_data": {
            "intent": {"name": intent},
            "entities": [{"entity": k, "value": v} for k, v in (entities or {}).items()],
        },
    }
    if message_id is not None:
        event["message_id"] = message_id
    return event


def outcome_event(sender: str, outcome: Outcome, at: datetime) -> Event:
    """The ``turn_outcome`` slot event the answering action sets."""
    return {
        "event": "slot",
        "sender_id": sender,
        "timestamp": _aware(at, "outcome_event").timestamp(),
        "name": "turn_outcome",
        "value": outcome.to_slot(),
    }


class Chat:
    """One sender's messages and the outcomes of their turns, as Rasa events.

    Every method returns the conversation, so a conversation reads as one expression. Times are
    aware datetimes; a message without ``at`` comes :data:`TURN_GAP` after the previous one
    (the first one: now).
    """

    def __init__(self, sender: str, profile: Profile | None = None) -> None:
        self.sender = sender
        self.profile = profile or synthetic_profile()
        self.events: list[Event] = []
        self._last_intent: str | None = None
        self._last_at: datetime | None = None
        # The answer id of each message, in order (bot.dialogue.outcome.answer_id).
        self.answer_ids: list[str] = []

    @property
    def municipality(self) -> str:
        """The id of the profile's municipality: what :func:`feed` records it under."""
        return self.profile.municipality.id

    def ask(
        self,
        intent: str,
        at: datetime | None = None,
        entities: Mapping[str, object] | None = None,
    ) -> Chat:
        """The citizen's next message: ``intent`` (and ``entities``) at ``at``."""
        if at is None:
            at = datetime.now(timezone.utc) if self._last_at is None else self._last_at + TURN_GAP
        message_id = f"{self.sender}-{len(self.answer_ids)}"
        self.answer_ids.append(answer_id(message_id))
        self.events.append(user_event(self.sender, intent, at, entities, message_id))
        self._last_intent, self._last_at = intent, at
        return self

    def answered(
        self, what: str | Outcome | None = None, links: Iterable[str] | None = None
    ) -> Chat:
        """The outcome of the last message's turn (see :func:`outcome_of`); without ``what``,
        the registry entry of the message's intent."""
        if self._last_at is None or self._last_intent is None:
            raise ValueError("answered() needs a message first: call ask()")
        if what is None:
            entry = get_registry().for_intent(self._last_intent)
            if entry is None:
                raise ValueError(f"no registry entry has the intent {self._last_intent!r}")
            what = entry.id
        outcome = outcome_of(what, self.profile, links)
        self.events.append(outcome_event(self.sender, outcome, self._last_at + OUTCOME_DELAY))
        return self

    def feedback(
        self,
        helpful: bool | str | None = None,
        otherwise: str | None = None,
        at: datetime | None = None,
        answer: int | str | None = None,
    ) -> Chat:
        """The feedback buttons: /feedback{"helpful": ..., "answer": <id>} and/or
        {"otherwise": <channel>}.

        ``answer`` is the answer the verdict judges: the number of the message it answered
        (0: this chat's first message), an answer id as it is, or None for feedback that names
        no answer (typed: it judges the latest answer). Only the message: follow with
        :meth:`answered` for the outcome the feedback action reports (e.g.
        ``answered("contact")`` after "no, it did not help").
        """
        if isinstance(answer, int):
            answer = self.answer_ids[answer]
        entities = {
            name: value
            for name, value in (("helpful", helpful), ("answer", answer), ("otherwise", otherwise))
            if value is not None
        }
        if not entities:
            raise ValueError("feedback() needs helpful and/or otherwise")
        return self.ask("feedback", at, entities)


def _events(
    items: Chat | Mapping[str, Any] | Iterable[Chat | Mapping[str, Any]],
    municipality: str | None,
) -> Iterable[tuple[Mapping[str, Any], str]]:
    if isinstance(items, (Chat, Mapping)):
        items = [items]
    for item in items:
        if isinstance(item, Chat):
            for event in item.events:
                yield event, municipality or item.municipality
        else:
            yield item, municipality or SYNTHETIC_MUNICIPALITY


def feed(
    url: str,
    events: Chat | Mapping[str, Any] | Iterable[Chat | Mapping[str, Any]],
    municipality: str | None = None,
    idle: timedelta = IDLE,
) -> int:
    """Record ``events`` in the statistics database at ``url`` as the event broker does.

    ``events`` is a conversation, an event, or a list of either. Each event goes through the
    real :func:`bot.analytics.recorder.record_event` in its own transaction, in order. The
    municipality is ``municipality`` if given, else the conversation's (raw events: the
    synthetic one). Returns how many events were fed.
    """
    n = 0
    for event, where in _events(events, municipality):
        with session_scope(STATISTICS, url) as session:
            record_event(session, dict(event), where, idle)
        n += 1
    return n


def click(
    url: str,
    link_id: str,
    at: datetime,
    sender: str | None = None,
    municipality: str = SYNTHETIC_MUNICIPALITY,
) -> None:
    """A click on a link's redirect. With a sender: through the real :func:`record_click`
    (counted only for a link shown in one of the sender's conversations, once). Without one:
    a click stored without a conversation, as the redirect recorded any click before clicks
    had to match a link the assistant gave (such rows stay in older databases)."""
    if sender is not None:
        record_click(url, municipality, link_id, sender, at)
        return
    with session_scope(STATISTICS, url) as db:
        db.add(LinkEvent(municipality=municipality, link_id=link_id, event="clicked", at=at))
