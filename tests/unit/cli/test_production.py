"""``python -m bot run-production`` refuses to start without production settings, through the
CLI in a subprocess, and says which variable to set."""

from __future__ import annotations

import os
import subprocess
import sys

from testkit import ROOT

SECRET = "s" * 40
TOKEN = "t" * 40


def _run_production(**env: str) -> subprocess.CompletedProcess[str]:
    child = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("BOT_") and k not in ("LOG_LEVEL", "LOG_LEVEL_LIBRARIES")
    }
    child.update(env)
    return subprocess.run(
        [sys.executable, "-m", "bot", "run-production", "--state-dir", "/nonexistent/state"],
        cwd=ROOT,
        env=child,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_without_bot_env_it_refuses_and_names_bot_env_and_the_secret() -> None:
    result = _run_production()
    assert result.returncode == 2, result.stderr
    assert "Cannot start: BOT_ENV is 'development'" in result.stderr
    assert "BOT_ENV=production" in result.stderr and "BOT_SECRET_KEY" in result.stderr
    assert "Starting nginx" not in result.stdout


def test_test_settings_are_refused_too() -> None:
    result = _run_production(BOT_ENV="test", BOT_SECRET_KEY=SECRET, BOT_NOW="2026-03-02T10:00")
    assert result.returncode == 2
    assert "BOT_ENV is 'test'" in result.stderr and "BOT_ENV=production" in result.stderr


def test_production_without_a_real_secret_names_bot_secret_key() -> None:
    result = _run_production(BOT_ENV="production", BOT_MODEL_SERVER_TOKEN=TOKEN)
    assert result.returncode == 2
    assert "Cannot start: environment variable BOT_SECRET_KEY" in result.stderr


def test_production_with_bot_now_is_refused() -> None:
    result = _run_production(
        BOT_ENV="production",
        BOT_SECRET_KEY=SECRET,
        BOT_MODEL_SERVER_TOKEN=TOKEN,
        BOT_NOW="2026-03-02T10:00",
    )
    assert result.returncode == 2
    assert "BOT_NOW: not allowed in production" in result.stderr


def test_debug_logging_is_refused_in_production_and_names_log_level() -> None:
    result = _run_production(
        BOT_ENV="production", BOT_SECRET_KEY=SECRET, BOT_MODEL_SERVER_TOKEN=TOKEN, LOG_LEVEL="debug"
    )
    assert result.returncode == 2
    assert "environment variable LOG_LEVEL: DEBUG is not allowed in production" in result.stderr


def test_production_settings_get_past_the_check() -> None:
    """With production settings the refusal is not the settings' (here the profile is bad, so
    it stops right after, before any service is touched)."""
    result = _run_production(
        BOT_ENV="production",
        BOT_SECRET_KEY=SECRET,
        BOT_MODEL_SERVER_TOKEN=TOKEN,
        BOT_PROFILE="no-such-municipality",
    )
    assert "BOT_ENV" not in result.stderr and "BOT_SECRET_KEY" not in result.stderr
    assert "no-such-municipality" in result.stderr + result.stdout
    assert result.returncode != 0
