"""One action class per answered entry of the topic registry.

rasa-sdk registers every concrete :class:`rasa_sdk.Action` subclass in this package; the
classes are made here from ``bot/dialogue/topics.yml``, so adding a topic needs no code in
``actions/``. Reading the registry is a small YAML file; answer modules load on first use.
"""

from __future__ import annotations

from actions.base import TopicAction
from bot.dialogue.topics import get_registry


def _action_class(entry_id: str, action: str) -> type[TopicAction]:
    name = "".join(part.title() for part in action.split("_"))
    return type(name, (TopicAction,), {"entry_id": entry_id, "__module__": __name__})


ACTIONS = {t.action: _action_class(t.id, str(t.action)) for t in get_registry().answered()}
