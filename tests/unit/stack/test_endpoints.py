"""The one endpoints writer (bot/stack/endpoints.py): Rasa reads back what it writes, expands the
``${...}`` references, and takes every other value as written."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.stack.endpoints import (
    LOCK_STORE,
    action_endpoint_section,
    lock_store_section,
    models_section,
    tracker_store_section,
    with_section,
)


def test_references_are_plain_and_values_yaml_would_retype_are_quoted() -> None:
    text = tracker_store_section("postgresql://u:pw@db:5432/2024?sslmode=true&x=a%23b")
    assert "password: ${BOT_TRACKER_DB_PASSWORD}" in text
    assert 'db: "2024"' in text and 'sslmode: "true"' in text and 'x: "a#b"' in text
    assert "'" not in text


def test_rasa_reads_every_section_back_with_the_environment_expanded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rasa.core.utils import AvailableEndpoints

    monkeypatch.setenv("BOT_TRACKER_DB_PASSWORD", "s3cret#1")
    monkeypatch.setenv("BOT_REDIS_PASSWORD", "r")
    monkeypatch.setenv("BOT_MODEL_SERVER_TOKEN", "t" * 32)
    path = tmp_path / "endpoints.yml"
    path.write_text(
        action_endpoint_section(5055)
        + tracker_store_section("postgresql://u:pw@db:5432/2024")
        + lock_store_section("rediss://:pw@redis:6380/3")
        + models_section(8000, 7),
        encoding="utf-8",
    )
    read = AvailableEndpoints.read_endpoints(str(path))
    assert read.tracker_store.kwargs["password"] == "s3cret#1"
    assert read.tracker_store.kwargs["db"] == "2024"
    assert read.lock_store.type == LOCK_STORE
    assert (read.lock_store.kwargs["db"], read.lock_store.kwargs["use_ssl"]) == (3, True)
    assert read.model.token == "t" * 32 and read.model.kwargs["wait_time_between_pulls"] == 7
    assert read.action.kwargs["enable_selective_domain"] is True


def test_a_section_is_replaced_in_place_and_references_stay_references() -> None:
    text = "action_endpoint:\n  url: x\nmodels:\n  url: ${MODEL_URL}\ntracker_store:\n  type: SQL\n"
    replaced = with_section(text, action_endpoint_section(6000))
    assert replaced.index("action_endpoint:") < replaced.index("models:")
    assert "url: ${MODEL_URL}" in replaced and "127.0.0.1:6000/webhook" in replaced
    assert replaced.count("action_endpoint:") == 1
    with pytest.raises(ValueError):
        with_section("- a list\n", models_section(1, 1))
