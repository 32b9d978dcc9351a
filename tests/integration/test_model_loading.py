"""The trained model loaded for prediction without Rasa's training step
(bot/rasa_server/model_loading.py) predicts exactly what Rasa's own loading predicts: the same
intent ranking with the same confidences, and the same entities, on every held-out message in
Danish and English. The Rasa server installs it at start-up (bot.rasa_server.startup); the chat
benchmark shows the startup it saves (docs/benchmark-chat.md)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from rasa.core.agent import Agent
from rasa.utils.tensorflow.models import RasaModel

from bot.mlops.evaluation import load_examples
from bot.rasa_server import model_loading
from bot.rasa_server.internal import original
from bot.rasa_server.internals import MODEL_LOAD

pytestmark = pytest.mark.integration

HELDOUT = [Path("eval/heldout.yml"), Path("eval/heldout_en.yml")]


def predictions(model: Path, texts: list[str]) -> list[dict[str, Any]]:
    agent = Agent.load(str(model))
    loop = asyncio.new_event_loop()
    try:
        parsed = [loop.run_until_complete(agent.parse_message(text)) for text in texts]
    finally:
        loop.close()
    return [
        {
            "ranking": [(r["name"], round(r["confidence"], 6)) for r in p["intent_ranking"]],
            "entities": [
                (e["entity"], e.get("value"), e.get("start"), e.get("end")) for e in p["entities"]
            ],
        }
        for p in parsed
    ]


def test_same_predictions_as_rasas_loading(model_path: Path) -> None:
    texts = [text for path in HELDOUT for text, _ in load_examples(path)]
    assert len(texts) > 300
    assert model_loading.install()
    ours = predictions(model_path, texts)
    patched = RasaModel.__dict__["load"]
    RasaModel.load = original(MODEL_LOAD)  # Rasa's own way, for comparison
    try:
        rasas = predictions(model_path, texts)
    finally:
        RasaModel.load = patched
    differing = [t for t, a, b in zip(texts, ours, rasas, strict=True) if a != b]
    assert differing == []
    assert any(p["entities"] for p in ours)  # entities were compared, not only intents
