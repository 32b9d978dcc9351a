"""The one place that reads the environment. Defaults suit local development.

Variables (all optional locally):
  BOT_ENV             development | test | production           (default development)
  BOT_PROFILE         profile id (taarnby, ishoj) or a .yml path  (default taarnby)
  BOT_SECRET_KEY      secret for signing; a placeholder is refused outside development/test
  BOT_MAX_MESSAGE_CHARS  longest citizen message passed to the assistant (default 500)
  BOT_NOW             ISO timestamp that freezes "now" (development/test only)
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

TIMEZONE = ZoneInfo("Europe/Copenhagen")
PLACEHOLDER_SECRET = "change-me-in-production"  # noqa: S105 - the refused placeholder itself
ENVIRONMENTS = ("development", "test", "production")


class SettingsError(Exception):
    """An environment variable holds a value the assistant cannot run with."""


@dataclass(frozen=True)
class Settings:
    env: str
    profile: str
    secret_key: str
    max_message_chars: int
    frozen_now: datetime | None

    def now(self) -> datetime:
        """The current time in Europe/Copenhagen (frozen when BOT_NOW is set)."""
        if self.frozen_now is not None:
            return self.frozen_now
        return datetime.now(TIMEZONE)


def _int(environ: dict[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise SettingsError(f"environment variable {name}: {raw!r} is not a whole number") from exc
    if not low <= value <= high:
        raise SettingsError(f"environment variable {name}: must be between {low} and {high}")
    return value


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Build settings from ``environ`` (default: the process environment)."""
    env_vars = dict(os.environ if environ is None else environ)
    env = env_vars.get("BOT_ENV", "development")
    if env not in ENVIRONMENTS:
        raise SettingsError(f"environment variable BOT_ENV: {env!r} is not one of {ENVIRONMENTS}")
    secret = env_vars.get("BOT_SECRET_KEY", PLACEHOLDER_SECRET)
    if env == "production" and (secret == PLACEHOLDER_SECRET or len(secret) < 32):
        raise SettingsError(
            "environment variable BOT_SECRET_KEY: set a random secret of at least 32 characters "
            "in production"
        )
    frozen = None
    if env_vars.get("BOT_NOW"):
        if env == "production":
            raise SettingsError("environment variable BOT_NOW: not allowed in production")
        try:
            frozen = datetime.fromisoformat(env_vars["BOT_NOW"])
        except ValueError as exc:
            raise SettingsError("environment variable BOT_NOW: not an ISO timestamp") from exc
        frozen = (
            frozen.replace(tzinfo=TIMEZONE)
            if frozen.tzinfo is None
            else frozen.astimezone(TIMEZONE)
        )
    return Settings(
        env=env,
        profile=env_vars.get("BOT_PROFILE", "taarnby"),
        secret_key=secret,
        max_message_chars=_int(env_vars, "BOT_MAX_MESSAGE_CHARS", 500, 20, 5000),
        frozen_now=frozen,
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings of this process, read once."""
    return load_settings()
