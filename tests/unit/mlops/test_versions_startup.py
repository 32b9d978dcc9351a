"""Which version serves at startup (bot.mlops.serving.register_served_model) and the Rasa
``models:`` section the stacks write (bot.stack.endpoints); on a real SQLite review store, with
stand-in model files whose held-out metrics are already cached beside them (no TensorFlow)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from bot.db.engine import get_engine, session_scope
from bot.db.stores import REVIEW
from bot.mlops.evaluation import data_fingerprint
from bot.mlops.promotion import promote
from bot.mlops.serving import DEV_OVERRIDE, RegistrationError, register_served_model
from bot.mlops.versions import SYSTEM, in_service, list_versions, register_candidate
from bot.settings import get_settings
from bot.stack.endpoints import models_section, with_section
from bot.stack.paths import Project


@pytest.fixture
def models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "models"
    folder.mkdir()
    monkeypatch.setenv("BOT_MODELS_DIR", str(folder))
    monkeypatch.setenv("BOT_REVIEW_DB_URL", f"sqlite:///{tmp_path / 'review.db'}")
    get_settings.cache_clear()
    get_engine.cache_clear()
    yield folder
    get_settings.cache_clear()
    get_engine.cache_clear()


def model(folder: Path, fingerprint: str, accuracy: float) -> Path:
    path = folder / f"model-{fingerprint}.tar.gz"
    path.write_bytes(b"stand-in")
    metrics = {
        "fingerprint": data_fingerprint(Project.current().heldout),
        "examples": 10,
        "accuracy": accuracy,
        "macro_f1": accuracy,
    }
    path.with_name(f"model-{fingerprint}.heldout.json").write_text(json.dumps(metrics))
    return path


def served() -> tuple[str, str | None, str | None]:
    with session_scope(REVIEW) as s:
        v = in_service(s)
        assert v is not None
        return v.file_name, v.promoted_by, v.override_reason


def test_the_first_model_goes_into_service_with_its_measured_metrics(models: Path) -> None:
    first = model(models, "a" * 16, 0.9)
    result = register_served_model(first, production=False)
    assert result.served_id == result.registered_id
    assert served() == (first.name, SYSTEM, None)
    with session_scope(REVIEW) as s:
        (version,) = list_versions(s)
        assert version.data_fingerprint == "a" * 16
        assert version.metrics["heldout"]["accuracy"] == 0.9
    again = register_served_model(first, production=False)
    assert again.served_id == result.served_id and "the version in service" in again.message


def test_in_development_the_working_tree_replaces_what_the_system_served(models: Path) -> None:
    register_served_model(model(models, "a" * 16, 0.9), production=False)
    better = model(models, "b" * 16, 0.95)
    register_served_model(better, production=False)
    assert served() == (better.name, SYSTEM, None)
    worse = model(models, "c" * 16, 0.5)  # e.g. a developer's half-done data change
    result = register_served_model(worse, production=False)
    assert served() == (worse.name, SYSTEM, DEV_OVERRIDE)
    assert "replaced version" in result.message


def test_in_production_a_new_model_waits_as_a_candidate(models: Path) -> None:
    first = model(models, "a" * 16, 0.9)
    register_served_model(first, production=True)
    result = register_served_model(model(models, "b" * 16, 0.95), production=True)
    assert served()[0] == first.name
    assert result.served_id != result.registered_id
    assert f"python -m bot promote {result.registered_id}" in result.message


def test_a_version_promoted_by_the_web_team_stays_in_service(models: Path) -> None:
    register_served_model(model(models, "a" * 16, 0.9), production=False)
    chosen = model(models, "b" * 16, 0.9)
    with session_scope(REVIEW) as s:
        version = register_candidate(
            s,
            file_name=chosen.name,
            data_fingerprint="b" * 16,
            metrics={
                "heldout": json.loads(
                    chosen.with_suffix("").with_suffix(".heldout.json").read_text()
                ),
                "cv": None,
            },
            report={"from": "retraining"},
            created_by="anna",
        )
        promote(s, version.id, by="anna", override_reason=None, tolerance=0.02)
    result = register_served_model(model(models, "c" * 16, 0.99), production=False)
    assert served() == (chosen.name, "anna", None)
    assert "put in service by anna" in result.message


def test_a_model_outside_the_models_directory_is_refused(models: Path, tmp_path: Path) -> None:
    stray = tmp_path / "model-dddddddddddddddd.tar.gz"
    stray.write_bytes(b"x")
    with pytest.raises(RegistrationError, match="not in the models directory"):
        register_served_model(stray, production=False)


def test_the_models_section_replaces_one_in_the_endpoints_file() -> None:
    original = (
        "action_endpoint:\n  url: x\n"
        "models:\n  url: old\n  wait_time_between_pulls: 100\n"
        "# a comment\ntracker_store:\n  type: SQL\n"
    )
    text = with_section(original, models_section(8123, 7))
    parsed = yaml.safe_load(text)
    assert parsed["tracker_store"] == {"type": "SQL"}
    assert parsed["models"] == {
        "url": "http://127.0.0.1:8123/model-server/model.tar.gz",
        "token": "${BOT_MODEL_SERVER_TOKEN}",
        "wait_time_between_pulls": 7,
    }
    assert text.count("models:") == 1
