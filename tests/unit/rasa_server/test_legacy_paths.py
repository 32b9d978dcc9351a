"""A model trained before the move records the old class paths; Rasa's own graph loader must
still find the same classes (bot/legacy_paths.py)."""

from __future__ import annotations

import pytest

from bot import legacy_paths

# Component classes as trained models before issue 24 recorded them.
OLD_COMPONENTS = {
    "nlu_language": "bot.dialogue.nlu_language.LanguageDetector",
    "nlu_intent": "bot.dialogue.nlu_intent.LinearIntentClassifier",
    "rules": "bot.dialogue.policies.RecentRulePolicy",
    "memoization": "bot.dialogue.policies.RecentMemoizationPolicy",
}


def _node(uses: str) -> dict:
    return {
        "needs": {},
        "uses": uses,
        "constructor_name": "load",
        "fn": "process",
        "config": {},
        "eager": True,
        "is_target": False,
        "is_input": False,
        "resource": None,
    }


def test_an_old_models_graph_schema_loads_the_moved_classes() -> None:
    from rasa.engine.graph import GraphSchema

    schema = GraphSchema.from_dict({"nodes": {n: _node(u) for n, u in OLD_COMPONENTS.items()}})
    loaded = {name: node.uses for name, node in schema.nodes.items()}
    assert {name: cls.__module__ for name, cls in loaded.items()} == {
        "nlu_language": "bot.rasa_server.nlu_language",
        "nlu_intent": "bot.rasa_server.nlu_intent",
        "rules": "bot.rasa_server.policies",
        "memoization": "bot.rasa_server.policies",
    }


@pytest.mark.parametrize("old", sorted(legacy_paths.ALIASES))
def test_an_old_path_is_the_same_module_object(old: str) -> None:
    import importlib
    import sys

    module = importlib.import_module(old)
    assert module is importlib.import_module(legacy_paths.ALIASES[old])
    assert sys.modules[old] is module
    assert module.__name__ == legacy_paths.ALIASES[old]  # the real module is left as it was
