"""Old module paths of the classes Rasa loads by name, kept importable for trained models.

A trained model records the class path of each of its components
(``bot.dialogue.nlu_intent.LinearIntentClassifier``), and so does every model version in the
review store. The classes moved to :mod:`bot.rasa_server`; without these aliases the server,
retrain's comparison with the model in service and a rollback would all fail on a model trained
before the move. An alias is the same module object, so the classes are identical.

Keep an alias while a model trained before the move may still be served or rolled back to: at
least ``BOT_RETENTION_MODEL_DAYS`` plus ``BOT_MODELS_KEEP_ROLLBACK`` versions.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
from types import ModuleType

ALIASES: dict[str, str] = {
    "bot.dialogue.nlu_intent": "bot.rasa_server.nlu_intent",
    "bot.dialogue.nlu_language": "bot.rasa_server.nlu_language",
    "bot.dialogue.policies": "bot.rasa_server.policies",
    "bot.dialogue.channel": "bot.rasa_server.channel",
    "bot.dialogue.tracker_store": "bot.rasa_server.tracker_store",
    "bot.dialogue.lock_store": "bot.rasa_server.lock_store",
    "bot.review.broker": "bot.rasa_server.brokers",
    "bot.analytics.broker": "bot.rasa_server.brokers",
    "bot.analytics.queue_broker": "bot.rasa_server.queue_broker",
}


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, target: str) -> None:
        self.target = target

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        return ModuleType(spec.name)  # a placeholder; exec_module puts the real module in place

    def exec_module(self, module: ModuleType) -> None:
        # The import system returns whatever sys.modules holds for the name after this call.
        sys.modules[module.__name__] = importlib.import_module(self.target)


class _AliasFinder(importlib.abc.MetaPathFinder):
    def find_spec(
        self, fullname: str, path: object = None, target: object = None
    ) -> importlib.machinery.ModuleSpec | None:
        moved_to = ALIASES.get(fullname)
        if moved_to is None:
            return None
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(moved_to))


def install() -> None:
    """Make the old paths importable (once per process; importing nothing until one is used)."""
    if not any(isinstance(f, _AliasFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _AliasFinder())
