"""What the Rasa server sends the action server: the conversation's recent turns, not all of it.

Rasa 3.6 sends the whole tracker with every custom action call (``RemoteAction.
_action_call_format``: ``current_state(EventVerbosity.ALL)``), so at turn 100 it turns several
hundred events into dicts and JSON and the action server parses them back, every turn: the
largest cost that still grew with the conversation's length after the policies stopped
featurising the whole history (docs/benchmark-chat.md). Our actions read the latest message,
the slots and, of the events, only the two latest citizen messages (``actions/base.py``:
whether the previous message was also a miss). Whether the otherwise-channel question was asked
is the ``otherwise_asked`` slot, not a search of the history.

:func:`install` replaces that one method of Rasa's ``RemoteAction`` with
:func:`action_call_format`: the same request (next action, sender id, tracker state, Rasa
version, the domain unless selective domain is on and the action does not ask for it), with
the tracker state's ``events`` cut to the latest :data:`RECENT_TURNS` citizen turns. Installed,
like :mod:`bot.rasa_server.action_validation`, only on the Rasa code it was written against
(:mod:`bot.rasa_server.internals`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.rasa_server.internal import get, replace
from bot.rasa_server.internals import ACTION_CALL_FORMAT, SELECTIVE_DOMAIN

if TYPE_CHECKING:
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import Event
    from rasa.shared.core.trackers import DialogueStateTracker

# Citizen turns whose events the action server gets (the actions need two).
RECENT_TURNS = 5


def recent_events(tracker: DialogueStateTracker, turns: int = RECENT_TURNS) -> list[Event]:
    """The events of the latest ``turns`` citizen turns: from the ``action_listen`` before the
    ``turns``-th last citizen message (or the start) to the end."""
    from rasa.shared.core.constants import ACTION_LISTEN_NAME
    from rasa.shared.core.events import ActionExecuted, UserUttered

    kept: list[Event] = []
    seen = 0
    events = iter(reversed(tracker.events))
    for event in events:
        kept.append(event)
        if isinstance(event, UserUttered):
            seen += 1
            if seen == turns:
                before = next(events, None)
                if isinstance(before, ActionExecuted) and before.action_name == ACTION_LISTEN_NAME:
                    kept.append(before)
                break
    kept.reverse()
    return kept


def action_call_format(
    action: Any, tracker: DialogueStateTracker, domain: Domain
) -> dict[str, Any]:
    """The action server request Rasa builds, with only the recent events."""
    import rasa

    state = tracker.current_state()  # everything but the events
    state["events"] = [event.as_dict() for event in recent_events(tracker)]
    request: dict[str, Any] = {
        "next_action": action.name(),
        "sender_id": tracker.sender_id,
        "tracker": state,
        "version": rasa.__version__,
    }
    if (
        not get(SELECTIVE_DOMAIN, action)()
        or domain.does_custom_action_explicitly_need_domain(action.name())
    ):
        request["domain"] = domain.as_dict()
    return request


def install() -> bool:
    """Use :func:`action_call_format` in Rasa's ``RemoteAction``; True if installed."""
    return replace(ACTION_CALL_FORMAT, action_call_format)
