"""The training processes' threads: one by default, BOT_TRAINING_THREADS where cores are free."""

from __future__ import annotations

import pytest

from bot.mlops.crossval import low_priority_env
from bot.settings import SettingsError, get_settings, load_settings

THREAD_VARIABLES = (
    "TF_NUM_INTRAOP_THREADS",
    "TF_NUM_INTEROP_THREADS",
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
)


@pytest.fixture(autouse=True)
def fresh_settings():
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_one_thread_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BOT_TRAINING_THREADS", raising=False)
    env = low_priority_env()
    assert {env[name] for name in THREAD_VARIABLES} == {"1"}


def test_more_threads_where_training_has_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TRAINING_THREADS", "2")
    env = low_priority_env({"EXTRA": "x"})
    assert {env[name] for name in THREAD_VARIABLES} == {"2"}
    assert env["EXTRA"] == "x"


@pytest.mark.parametrize("raw", ["0", "two", "100"])
def test_a_bad_thread_count_names_the_variable(raw: str) -> None:
    with pytest.raises(SettingsError, match="BOT_TRAINING_THREADS"):
        load_settings({"BOT_TRAINING_THREADS": raw})
