"""Held-out NLU evaluation measured the way citizens experience it.

Rasa's ``rasa test nlu`` reports intent accuracy as if the FallbackClassifier were not there.
What matters for a citizen is what the assistant does: answer the right topic, fall back
gracefully, or (the bad case) answer a wrong topic with confidence. This module runs the
trained model on the held-out file and counts exactly that.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.dialogue.outcome import Kind
from bot.dialogue.topics import get_registry


@dataclass(frozen=True)
class Prediction:
    text: str
    expected: str
    predicted: str
    confidence: float
    # The classifier's own best intent and confidence, before the FallbackClassifier.
    top_intent: str
    top_confidence: float

    def at_threshold(self, threshold: float) -> Prediction:
        """This prediction as a FallbackClassifier with ``threshold`` would have made it."""
        below = self.top_confidence < threshold
        return Prediction(
            self.text,
            self.expected,
            "nlu_fallback" if below else self.top_intent,
            self.top_confidence,
            self.top_intent,
            self.top_confidence,
        )

    @property
    def correct(self) -> bool:
        return self.predicted == self.expected or (
            self.expected == "out_of_scope" and self.predicted == "nlu_fallback"
        )

    @property
    def confidently_wrong(self) -> bool:
        """Answered with another topic's answer: the error a citizen is misled by."""
        return not self.correct and self.predicted not in get_registry().intents_of(Kind.FALLBACK)


@dataclass(frozen=True)
class Report:
    predictions: list[Prediction]

    @property
    def accuracy(self) -> float:
        return sum(p.correct for p in self.predictions) / len(self.predictions)

    @property
    def confidently_wrong_rate(self) -> float:
        return sum(p.confidently_wrong for p in self.predictions) / len(self.predictions)

    @property
    def fallback_rate(self) -> float:
        return sum(p.predicted == "nlu_fallback" for p in self.predictions) / len(self.predictions)

    def at_threshold(self, threshold: float) -> Report:
        return Report([p.at_threshold(threshold) for p in self.predictions])

    def macro_f1(self) -> float:
        from sklearn.metrics import f1_score

        expected = [p.expected for p in self.predictions]
        predicted = [
            "out_of_scope" if p.correct and p.expected == "out_of_scope" else p.predicted
            for p in self.predictions
        ]
        return float(f1_score(expected, predicted, average="macro", labels=sorted(set(expected))))


def load_examples(path: Path) -> list[tuple[str, str]]:
    """(plain text, intent) of every example in a Rasa NLU YAML file."""
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(path))
    return [(m.get("text"), m.get("intent")) for m in data.intent_examples]


_AGENTS: dict[tuple[str, int, int], Any] = {}
KEEP_AGENTS = 2  # a retrain reads with two models: the candidate and the one in service


def load_agent(model: Path) -> Any:
    """A Rasa agent of ``model``, loaded as the Rasa server loads it (no training step).

    The last :data:`KEEP_AGENTS` are kept, keyed by path, size and modification time, so a
    retrain's held-out evaluation and shadow test load each model once."""
    from rasa.core.agent import Agent

    from bot.rasa_server.model_loading import install

    stat = Path(model).stat()
    key = (str(Path(model).resolve()), stat.st_size, stat.st_mtime_ns)
    if key in _AGENTS:
        _AGENTS[key] = _AGENTS.pop(key)  # most recently used last
        return _AGENTS[key]
    install()  # as the Rasa server loads it: no training step first
    agent = Agent.load(str(model))
    _AGENTS[key] = agent
    while len(_AGENTS) > KEEP_AGENTS:
        _AGENTS.pop(next(iter(_AGENTS)))
    return agent


async def _predict(model: Path, examples: list[tuple[str, str]]) -> list[Prediction]:
    agent = load_agent(model)
    result = []
    for text, intent in examples:
        parsed = await agent.parse_message(text)
        ranking = [r for r in parsed.get("intent_ranking", []) if r["name"] != "nlu_fallback"]
        top = ranking[0] if ranking else parsed["intent"]
        result.append(
            Prediction(
                text,
                intent,
                parsed["intent"]["name"],
                float(parsed["intent"]["confidence"]),
                top["name"],
                float(top["confidence"]),
            )
        )
    return result


def evaluate(model: Path, heldout: Path) -> Report:
    """Run ``model`` on every example of ``heldout``."""
    return Report(asyncio.run(_predict(model, load_examples(heldout))))


def data_fingerprint(path: Path) -> str:
    """SHA-256 (16 hex digits) of a file's bytes: which held-out set metrics were measured on."""
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def heldout_metrics(model: Path, heldout: Path) -> dict:
    """The "heldout" part of a model version's metrics (the contract of bot.mlops.versions):

    ``{"fingerprint", "examples", "accuracy", "macro_f1", "confidently_wrong_rate",
    "fallback_rate", "per_intent": {intent: {"precision", "recall", "f1", "support"}}}``
    """
    return report_metrics(evaluate(model, heldout), data_fingerprint(heldout))


def report_metrics(report: Report, fingerprint: str) -> dict:
    """:func:`heldout_metrics` of an existing report."""
    from sklearn.metrics import precision_recall_fscore_support

    expected = [p.expected for p in report.predictions]
    predicted = [
        "out_of_scope" if p.correct and p.expected == "out_of_scope" else p.predicted
        for p in report.predictions
    ]
    labels = sorted(set(expected))
    precision, recall, f1, support = precision_recall_fscore_support(
        expected, predicted, labels=labels, zero_division=0
    )
    return {
        "fingerprint": fingerprint,
        "examples": len(report.predictions),
        "accuracy": report.accuracy,
        "macro_f1": report.macro_f1(),
        "confidently_wrong_rate": report.confidently_wrong_rate,
        "fallback_rate": report.fallback_rate,
        "per_intent": {
            label: {
                "precision": float(p),
                "recall": float(r),
                "f1": float(f),
                "support": int(s),
            }
            for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
        },
    }
