"""Every stack with a model server has a token: ``python -m bot run`` and the test stacks make a
random one for the run when ``BOT_MODEL_SERVER_TOKEN`` is unset, and give the same one to the
web app (which refuses every download without it) and to the Rasa server's ``models:``."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.stack.local import isolated_stack, model_server_env


def test_a_random_token_is_made_for_each_run_without_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BOT_MODEL_SERVER_TOKEN", raising=False)
    model = tmp_path / "models" / "m.tar.gz"
    first = model_server_env(model)["BOT_MODEL_SERVER_TOKEN"]
    second = model_server_env(model)["BOT_MODEL_SERVER_TOKEN"]
    assert len(first) >= 32 and len(second) >= 32 and first != second
    given = "g" * 40
    assert model_server_env(model, {"BOT_MODEL_SERVER_TOKEN": given})["BOT_MODEL_SERVER_TOKEN"] == (
        given
    )


def test_the_stack_gives_the_same_token_to_the_web_app_and_the_rasa_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BOT_MODEL_SERVER_TOKEN", raising=False)
    model = tmp_path / "models" / "m.tar.gz"
    cfg = isolated_stack(tmp_path, model, {"BOT_ENV": "test"}, model_server=True)
    token = cfg.child_env()["BOT_MODEL_SERVER_TOKEN"]  # every process of the stack gets it
    assert len(token) >= 32
    endpoints = cfg.endpoints.read_text(encoding="utf-8")
    assert "token: ${BOT_MODEL_SERVER_TOKEN}" in endpoints  # Rasa expands it from its env
    assert f"127.0.0.1:{cfg.web_port}/model-server/model.tar.gz" in endpoints
