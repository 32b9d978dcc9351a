"""The fields of the first four README sections; :class:`bot.settings.Settings` ends the chain.

Each field is written once: default, variable, limits, section and description.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseSettings, Field

from bot.settings.names import (
    GENERAL,
    LIMITS,
    PLACEHOLDER_SECRET,
    RETENTION,
    WEB,
)


class GeneralFields(BaseSettings):
    # General
    env: str = Field(
        "development",
        env="BOT_ENV",
        section=GENERAL,
        keep_empty=True,
        description="`development`, `test` or `production`",
    )
    profile: str = Field(
        "taarnby",
        env="BOT_PROFILE",
        section=GENERAL,
        keep_empty=True,
        description="profile id (`taarnby`, `ishoj`) or the path of a `.yml` profile",
    )
    secret_key: str = Field(
        PLACEHOLDER_SECRET,
        env="BOT_SECRET_KEY",
        section=GENERAL,
        keep_empty=True,
        description="secret for signing; refused in production unless 32+ random characters",
    )
    max_message_chars: int = Field(
        500,
        env="BOT_MAX_MESSAGE_CHARS",
        ge=20,
        le=5000,
        section=GENERAL,
        description="longest citizen message passed to the assistant; a longer one gets HTTP 413",
    )
    frozen_now: datetime | None = Field(
        None,
        env="BOT_NOW",
        section=GENERAL,
        description='ISO timestamp that freezes "now" (Europe/Copenhagen when it has no offset) '
        "for tests; refused in production",
    )
    log_level: str = Field(
        "INFO",
        env="LOG_LEVEL",
        section=GENERAL,
        description="Rasa's log level; `DEBUG` is refused in production (Rasa would log every "
        "citizen message)",
    )
    log_level_libraries: str = Field(
        "ERROR",
        env="LOG_LEVEL_LIBRARIES",
        section=GENERAL,
        description="Rasa's log level for the libraries it uses; `DEBUG` is refused in production",
    )
    analytics_db_url: str = Field(
        "sqlite:///var/analytics.db",
        env="BOT_ANALYTICS_DB_URL",
        section=GENERAL,
        description="SQLAlchemy URL of the statistics database (PostgreSQL: "
        "`postgresql+psycopg2://user@127.0.0.1:5432/db`)",
    )
    session_idle_minutes: int = Field(
        30,
        env="BOT_SESSION_IDLE_MINUTES",
        ge=1,
        le=24 * 60,
        section=GENERAL,
        description="a conversation ends after this many idle minutes",
    )


class WebFields(GeneralFields):
    # Web app and chat widget
    public_url: str = Field(
        "http://localhost:8000",
        env="BOT_PUBLIC_URL",
        section=WEB,
        description="base URL of the web app, used in link redirects; `https://…` makes the staff "
        "cookie `Secure` with the name `__Host-borger_staff`",
    )
    web_port: int = Field(
        8000, env="BOT_WEB_PORT", ge=1, le=65535, section=WEB, description="port of the web app"
    )
    session_hours: int = Field(
        8,
        env="BOT_SESSION_HOURS",
        ge=1,
        le=24 * 7,
        section=WEB,
        description="staff login lifetime in hours",
    )
    link_redirects: bool = Field(
        True,
        env="BOT_LINK_REDIRECTS",
        section=WEB,
        description="`1`: links in answers go through the web app's click-counting redirect at "
        "`BOT_PUBLIC_URL/r/<id>`; `0`: links point straight at their target",
    )
    assistant_url: str = Field(
        "http://localhost:5005",
        env="BOT_ASSISTANT_URL",
        section=WEB,
        description="base URL of the Rasa server the chat widget talks to",
    )
    cors_origins: tuple[str, ...] = Field(
        (),
        env="BOT_CORS_ORIGINS",
        section=WEB,
        shown_default="the origin of `BOT_PUBLIC_URL`",
        description="comma-separated site origins (like `https://www.kommune.dk`) allowed to call "
        "the assistant from a browser",
    )


class LimitFields(WebFields):
    # Public endpoint limits
    rate_per_address: int = Field(
        60,
        env="BOT_RATE_PER_ADDRESS",
        ge=1,
        le=100_000,
        section=LIMITS,
        description="messages per minute from one client address",
    )
    rate_per_conversation: int = Field(
        20,
        env="BOT_RATE_PER_CONVERSATION",
        ge=1,
        le=100_000,
        section=LIMITS,
        description="messages per minute in one conversation",
    )
    max_turns: int = Field(
        200,
        env="BOT_MAX_TURNS",
        ge=1,
        le=100_000,
        section=LIMITS,
        description="messages in one conversation before it is refused",
    )
    tracker_cache_size: int = Field(
        2000,
        env="BOT_TRACKER_CACHE_SIZE",
        ge=0,
        le=1_000_000,
        section=LIMITS,
        description="conversations whose tracker the Rasa server keeps in memory between turns "
        "(`bot/rasa_server/tracker_store.py`; `0` off)",
    )
    proxies_count: int = Field(
        0,
        env="BOT_PROXIES_COUNT",
        ge=0,
        le=10,
        section=LIMITS,
        description="reverse proxies in front of the Rasa server and the web app whose "
        "`X-Forwarded-For` is trusted for the client address (rate limits, staff login limits; "
        "`0`: none, use the peer)",
    )
    turn_timeout_seconds: int = Field(
        10,
        env="BOT_TURN_TIMEOUT_SECONDS",
        ge=1,
        le=300,
        section=LIMITS,
        description="longest a citizen waits for a reply before the assistant gives up and says "
        '"try again / call us"',
    )


class RetentionFields(LimitFields):
    # Retention
    retention_tracker_days: int = Field(
        30,
        env="BOT_RETENTION_TRACKER_DAYS",
        ge=1,
        le=3660,
        section=RETENTION,
        description="days of conversations with their text in the tracker store",
    )
    retention_statistics_days: int = Field(
        395,
        env="BOT_RETENTION_STATISTICS_DAYS",
        ge=1,
        le=3660,
        section=RETENTION,
        description="days of statistics detail: conversations, turns, links",
    )
    retention_summary_days: int = Field(
        1826,
        env="BOT_RETENTION_SUMMARY_DAYS",
        ge=1,
        le=36600,
        section=RETENTION,
        description="days of aggregated daily counts (KOMHEN, overview)",
    )
    retention_log_days: int = Field(
        14,
        env="BOT_RETENTION_LOG_DAYS",
        ge=1,
        le=3660,
        section=RETENTION,
        description="days of log files",
    )
    log_max_bytes: int = Field(
        10 * 1024 * 1024,
        env="BOT_LOG_MAX_BYTES",
        ge=1024,
        le=2**31,
        section=RETENTION,
        description="a log file is rotated when it reaches this many bytes (default: 10 MB)",
    )
    retention_review_days: int = Field(
        30,
        env="BOT_RETENTION_REVIEW_DAYS",
        ge=1,
        le=3660,
        section=RETENTION,
        description="days of citizens' message text kept for the web team's review",
    )
    retention_model_days: int = Field(
        90,
        env="BOT_RETENTION_MODEL_DAYS",
        ge=1,
        le=3660,
        section=RETENTION,
        description="days of model archives in `BOT_MODELS_DIR` (they are trained on reviewed "
        "examples) neither in service nor kept for rollback",
    )
    models_keep_rollback: int = Field(
        2,
        env="BOT_MODELS_KEEP_ROLLBACK",
        ge=0,
        le=100,
        section=RETENTION,
        description="versions before the one in service whose archives are always kept, so that "
        "many rollbacks stay possible",
    )
