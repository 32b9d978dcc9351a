"""What the citizen gets when a turn fails, and a tracker store that fails loudly.

A turn that fails behind the channel (the action server down, a reply that never comes, no
conversation lock) gets the Danish "try again, or call us" reply, recorded for the statistics
when the conversation can still be stored (:func:`technical_error`). A tracker store that fails
stops the turn with :class:`TrackerStoreUnavailable` (a 503) instead of Rasa's silent fallback
to an in-memory store (:func:`fail_loudly_on_tracker_store_errors`). Errors are logged by type
and place only (:func:`where`): their messages may quote the conversation.
"""

from __future__ import annotations

import traceback
from pathlib import Path
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel
from rasa.shared.exceptions import RasaException

from bot.rasa_server.internal import assign
from bot.rasa_server.internals import FAIL_SAFE_HOOK, FAIL_SAFE_INNER


class TrackerStoreUnavailable(RasaException):
    """The tracker store failed; raised instead of Rasa's silent in-memory fallback."""


def where(exc: BaseException) -> str:
    """An error's type and the line that raised it, without its message: a message may quote
    the conversation (SQL parameters, a tracker, the citizen's text)."""
    frames = traceback.extract_tb(exc.__traceback__)
    at = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    return f"{type(exc).__name__}{at}"


async def technical_error(
    agent: Any, sender: str, collector: CollectingOutputChannel, record: bool
) -> None:
    """Tell the citizen to try again or call; record it for the statistics if asked."""
    from rasa.shared.core.events import BotUttered, SlotSet
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.dialogue.replies import Question
    from bot.dialogue.topics import get_registry
    from bot.knowledge.profile import get_profile
    from bot.settings import get_settings

    topic = get_registry().get("technical_error")
    answer = topic.ask(get_profile(), Question(now=get_settings().now()))
    (reply,) = answer.replies
    store = agent.tracker_store
    if not record:
        tracker = DialogueStateTracker(sender, agent.domain.slots)
        message = await agent.nlg.generate(reply.response, tracker, "rest", **reply.variables)
        await collector.send_response(sender, message or {})
        return
    async with agent.lock_store.lock(sender):
        tracker = await store.get_or_create_tracker(sender)
        message = await agent.nlg.generate(reply.response, tracker, "rest", **reply.variables)
        message = message or {}
        tracker.update(
            BotUttered(
                message.get("text"),
                {k: v for k, v in message.items() if k != "text"},
                {"utter_action": reply.response},
            )
        )
        tracker.update(SlotSet("turn_outcome", topic.outcome(answer).to_slot()))
        await store.save(tracker)
    await collector.send_response(sender, message)


def fail_loudly_on_tracker_store_errors(agent: Any) -> None:
    """Make Rasa's FailSafeTrackerStore raise instead of falling back to memory.

    Rasa wraps every tracker store in a ``FailSafeTrackerStore`` that, on an error, logs it and
    carries on with an in-memory store: a conversation would silently lose its history and the
    next turns would never be saved. Its documented hook ``on_tracker_store_error`` (a
    constructor argument; set here because Rasa builds the wrapper itself) is called instead of
    that log line, so raising there stops the turn with a clear error. The hook's attribute is
    a private one (:data:`~bot.rasa_server.internals.FAIL_SAFE_HOOK`): on a Rasa whose code
    differs it is left alone, with the warning, and Rasa's own behaviour applies.
    """
    from rasa.core.tracker_store import FailSafeTrackerStore

    store = getattr(agent, "tracker_store", None)
    if not isinstance(store, FailSafeTrackerStore):
        return
    inner = type(getattr(store, FAIL_SAFE_INNER.name, store)).__name__

    def fail(error: Exception) -> None:
        raise TrackerStoreUnavailable(
            f"The tracker store ({inner}, endpoints.yml: tracker_store) failed: "
            f"{type(error).__name__}. The conversation was not saved."
        ) from None

    assign(FAIL_SAFE_HOOK, store, fail)
