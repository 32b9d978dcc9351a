"""Cross-validation's pure parts: the intent-only pipeline, stratified folds, the fingerprint.
(The folds trained through Rasa are measured by the retrain's integration test.)"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.mlops.crossval import (
    CrossValidationError,
    folds_of,
    intent_only_config,
    nlu_fingerprint,
)
from testkit import ROOT


def test_the_folds_train_config_yml_without_its_entity_extractors() -> None:
    config = intent_only_config(ROOT / "config.yml")
    names = [c["name"] for c in config["pipeline"]]
    assert "bot.rasa_server.nlu_intent.LinearIntentClassifier" in names
    assert "FallbackClassifier" in names  # predictions count as citizens meet them
    assert not {"CRFEntityExtractor", "RegexEntityExtractor", "EntitySynonymMapper"} & set(names)
    assert config["language"] == "da" and "policies" not in config


def test_a_config_without_a_pipeline_is_named(tmp_path: Path) -> None:
    config = tmp_path / "config.yml"
    config.write_text("pipeline:\n  - name: CRFEntityExtractor\n", encoding="utf-8")
    with pytest.raises(CrossValidationError, match=r"config\.yml: the field pipeline is empty"):
        intent_only_config(config)


def test_folds_are_stratified_disjoint_and_repeatable() -> None:
    examples = [
        Message(data={"text": f"{intent} {i}", "intent": intent})
        for intent, n in (("a", 9), ("b", 6), ("c", 3))
        for i in range(n)
    ]
    data = TrainingData(training_examples=examples, regex_features=[{"name": "x", "pattern": "x"}])
    folds = folds_of(data, 3)
    assert len(folds) == 3
    tested = [e.get("text") for _, test in folds for e in test]
    assert sorted(tested) == sorted(e.get("text") for e in examples)  # each once
    for train, test in folds:
        assert Counter(e.get("intent") for e in test) == {"a": 3, "b": 2, "c": 1}
        assert not {e.get("text") for e in test} & {e.get("text") for e in train.intent_examples}
        assert train.regex_features == data.regex_features
    again = folds_of(data, 3)
    assert [[e.get("text") for e in t] for _, t in again] == [
        [e.get("text") for e in t] for _, t in folds
    ]


def test_the_fingerprint_follows_data_and_config(tmp_path: Path) -> None:
    nlu = tmp_path / "nlu"
    nlu.mkdir()
    (nlu / "a.yml").write_text("nlu: []\n", encoding="utf-8")
    config = tmp_path / "config.yml"
    config.write_text("pipeline: []\n", encoding="utf-8")
    first = nlu_fingerprint(nlu, config)
    assert nlu_fingerprint(nlu, config) == first
    (nlu / "b.yml").write_text("nlu: []\n", encoding="utf-8")
    second = nlu_fingerprint(nlu, config)
    assert second != first
    config.write_text("pipeline: [x]\n", encoding="utf-8")
    assert nlu_fingerprint(nlu, config) != second
