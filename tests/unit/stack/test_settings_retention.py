"""Settings of the issue-21 findings: the events queue's bounds and DEBUG logging in production
(bot/settings.py)."""

from __future__ import annotations

import pytest

from bot.settings import SettingsError, load_settings

PRODUCTION = {
    "BOT_ENV": "production",
    "BOT_SECRET_KEY": "s" * 40,
    "BOT_MODEL_SERVER_TOKEN": "t" * 40,
}


def test_the_queue_ttl_is_three_days_and_never_longer_than_the_review_retention() -> None:
    assert load_settings({}).event_queue_ttl_seconds == 3 * 86400
    assert load_settings({}).event_queue_max_length == 200_000
    assert load_settings({"BOT_RETENTION_REVIEW_DAYS": "1"}).event_queue_ttl_seconds == 86400
    with pytest.raises(SettingsError, match="BOT_EVENT_QUEUE_TTL_SECONDS: must not be longer"):
        load_settings({"BOT_RETENTION_REVIEW_DAYS": "1", "BOT_EVENT_QUEUE_TTL_SECONDS": "90000"})
    with pytest.raises(SettingsError, match="BOT_EVENT_QUEUE_MAX_LENGTH"):
        load_settings({"BOT_EVENT_QUEUE_MAX_LENGTH": "0"})


@pytest.mark.parametrize("name", ["LOG_LEVEL", "LOG_LEVEL_LIBRARIES"])
def test_debug_logging_is_refused_in_production_only(name: str) -> None:
    with pytest.raises(SettingsError, match=f"environment variable {name}: DEBUG is not allowed"):
        load_settings({**PRODUCTION, name: "DEBUG"})
    assert load_settings({**PRODUCTION, name: "INFO"}).env == "production"
    assert load_settings({"BOT_ENV": "development", name: "DEBUG"}).env == "development"
