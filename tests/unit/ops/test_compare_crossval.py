"""Cross-validation's reading of Rasa: fold progress from its output, figures from its report."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.ops.crossval import CrossValidationError, _follow, nlu_fingerprint, read_intent_report

RASA_OUTPUT = (
    "INFO rasa.cli.test - Test model using cross validation.\n"
    "INFO hooks - Starting to train component 'DIETClassifier'.\n"
    "Epochs:   0%|   | 0/100\rEpochs:  12%|#  | 12/100\rEpochs:  55%|#  | 55/100\r"
    "Epochs: 100%|###| 100/100\n"
    "INFO hooks - Starting to train component 'DIETClassifier'.\n"
    "Epochs:  30%|#  | 30/100\rEpochs: 100%|###| 100/100\n"
)


def test_fold_progress_is_read_from_rasas_output() -> None:
    script = f"import sys; sys.stdout.write({RASA_OUTPUT!r})"
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE)
    seen: list[tuple[int, int, int]] = []
    tail = _follow(proc, 2, lambda k, n, p: seen.append((k, n, p)))
    proc.wait()
    assert seen == [
        (1, 2, 0),
        (1, 2, 10),
        (1, 2, 50),
        (1, 2, 100),
        (2, 2, 0),
        (2, 2, 30),
        (2, 2, 100),
    ]
    assert "Test model using cross validation" in tail


def test_figures_come_from_the_intent_report(tmp_path: Path) -> None:
    report = tmp_path / "intent_report.json"
    report.write_text(
        json.dumps({"accuracy": 0.81, "macro avg": {"f1-score": 0.8, "precision": 0.9}}),
        encoding="utf-8",
    )
    assert read_intent_report(report, 3) == {"folds": 3, "accuracy": 0.81, "macro_f1": 0.8}
    report.write_text("{}", encoding="utf-8")
    with pytest.raises(CrossValidationError, match=r"intent_report\.json"):
        read_intent_report(report, 3)


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
