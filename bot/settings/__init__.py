"""The one place that reads the environment, so that each variable's default, limits and meaning
are written once: the README table is generated from the fields (``settings_markdown``).

pydantic 1.10's own ``BaseSettings``, because Rasa 3.6 pins pydantic <1.10.10 and
pydantic-settings needs pydantic 2. Only ``load_settings`` reads variables, from any mapping, so
tests need not touch the process environment and every error names the variable. Defaults suit
local development; production refuses the ones that are only safe there.
"""

from __future__ import annotations

import os
from datetime import datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError, root_validator, validator
from pydantic.fields import ModelField

from bot.settings.names import (
    DAY,
    ENVIRONMENTS,
    PLACEHOLDER_SECRET,
    QUEUE_NAME_PATTERN,
    QUEUE_TTL_SECONDS,
    TIMEZONE,
)
from bot.settings.ops_fields import EventFields


class SettingsError(Exception):
    """An environment variable holds a value the assistant cannot run with."""


class _Refused(ValueError):
    """A rule over several fields refuses the value of ``field``."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field

class Settings(EventFields):
    """Every setting, validated; built only by :func:`load_settings`."""

    @validator("env")
    def _known_environment(cls, value: str) -> str:
        if value not in ENVIRONMENTS:
            raise ValueError(f"{value!r} is not one of {ENVIRONMENTS}")
        return value

    @validator("frozen_now", pre=True)
    def _copenhagen_time(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value)
            except ValueError:
                raise ValueError("not an ISO timestamp") from None
        if isinstance(value, datetime):
            if value.tzinfo is None:
                return value.replace(tzinfo=TIMEZONE)
            return value.astimezone(TIMEZONE)
        return value

    @validator("link_redirects", "import_allow_internal", pre=True)
    def _zero_or_one(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        try:
            number = int(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a whole number") from None
        if number not in (0, 1):
            raise ValueError("must be between 0 and 1")
        return number == 1

    @validator("public_url", "assistant_url")
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @validator("cors_origins", pre=True)
    def _origins(cls, value: Any) -> tuple[str, ...]:
        items = value.split(",") if isinstance(value, str) else value
        origins = tuple(o.strip().rstrip("/") for o in items if o.strip())
        for origin in origins:
            if not origin.startswith(("http://", "https://")) or origin.count("/") != 2:
                raise ValueError(f"{origin!r} is not an origin like https://www.kommune.dk")
        return origins

    @validator("tracker_db_url", "redis_url", "rabbitmq_url")
    def _service_url(cls, value: str, field: ModelField) -> str:
        """The right scheme, a host, a numeric port; for Redis, a database number as the path."""
        schemes, example = field.field_info.extra["schemes"], field.field_info.extra["example"]
        try:
            parts = urlsplit(value)
            parts.port  # noqa: B018 - raises ValueError for a port that is not a number
        except ValueError:
            parts = None
        if parts is None or parts.scheme not in schemes or not parts.hostname:
            raise ValueError(f"not a URL like {example}")
        path = parts.path.strip("/")
        if field.name == "redis_url" and path and not path.isdigit():
            raise ValueError(f"the path must be a Redis database number, like {example}")
        return value

    @validator("event_queue")
    def _queue_name(cls, value: str) -> str:
        if not QUEUE_NAME_PATTERN.fullmatch(value):
            raise ValueError(
                f"{value!r} is not a queue name (letters, digits, _.:-; not starting with amq.)"
            )
        return value

    @root_validator(skip_on_failure=True)
    def _combined(cls, values: dict[str, Any]) -> dict[str, Any]:
        """Production refuses development conveniences; the queue TTL and the CORS origins
        follow other fields when unset."""
        if values["env"] == "production":
            secret = values["secret_key"]
            if secret == PLACEHOLDER_SECRET or len(secret) < 32:
                raise _Refused(
                    "secret_key",
                    "set a random secret of at least 32 characters in production",
                )
            if values["frozen_now"] is not None:
                raise _Refused("frozen_now", "not allowed in production")
            if len(values["model_server_token"]) < 32:
                raise _Refused(
                    "model_server_token",
                    "set a random token of at least 32 characters in production (the Rasa server "
                    "sends it when it pulls a model)",
                )
            for name in ("log_level", "log_level_libraries"):
                if values[name].strip().upper() == "DEBUG":
                    raise _Refused(
                        name,
                        "DEBUG is not allowed in production (Rasa would log every citizen "
                        "message); use INFO",
                    )
        review_days = values["retention_review_days"]
        if values["event_queue_ttl_seconds"] is None:
            values["event_queue_ttl_seconds"] = min(QUEUE_TTL_SECONDS, review_days * DAY)
        elif values["event_queue_ttl_seconds"] > review_days * DAY:
            raise _Refused(
                "event_queue_ttl_seconds",
                "must not be longer than the review store's retention "
                f"(BOT_RETENTION_REVIEW_DAYS={review_days} days)",
            )
        if not values["cors_origins"]:
            scheme, _, rest = values["public_url"].partition("://")
            values["cors_origins"] = (f"{scheme}://{rest.split('/', 1)[0]}",)
        return values

    @property
    def rabbitmq_configured(self) -> bool:
        """BOT_RABBITMQ_URL was set (not empty): the local stacks use the queue path
        (bot/stack/local.py)."""
        return "rabbitmq_url" in self.__fields_set__

    @property
    def cookie_secure(self) -> bool:
        """Staff session cookies are Secure (HTTPS only) in production and whenever the web
        app is reached over HTTPS (``BOT_PUBLIC_URL`` starts with https://)."""
        return self.env == "production" or self.public_url.lower().startswith("https://")

    def now(self) -> datetime:
        """The current time in Europe/Copenhagen (frozen when BOT_NOW is set)."""
        if self.frozen_now is not None:
            return self.frozen_now
        return datetime.now(TIMEZONE)


def _variable(field: ModelField) -> str:
    return field.field_info.extra["env"]


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Build settings from ``environ`` (default: the process environment). An empty variable
    counts as unset, except where the field keeps it (``keep_empty``)."""
    source = os.environ if environ is None else environ
    values = {}
    for field in Settings.__fields__.values():
        raw = source.get(_variable(field))
        if raw is not None and (raw != "" or field.field_info.extra.get("keep_empty")):
            values[field.name] = raw
    try:
        return Settings(**values)
    except ValidationError as exc:
        raise SettingsError(_explain(exc.errors()[0], values)) from exc


def _explain(error: dict[str, Any], values: dict[str, str]) -> str:
    """``error`` of pydantic as "environment variable BOT_X: …"."""
    name = error["loc"][0]
    if name == "__root__":
        name = error["ctx"]["field"]
    field = Settings.__fields__[name]
    kind, raw = error["type"], values.get(name)
    if kind == "type_error.integer":
        message = f"{raw!r} is not a whole number"
    elif kind == "type_error.float":
        message = f"{raw!r} is not a number"
    elif kind in ("value_error.number.not_ge", "value_error.number.not_le"):
        low, high = (_plain(limit) for limit in (field.field_info.ge, field.field_info.le))
        message = f"must be between {low} and {high}"
    else:
        message = error["msg"]
    return f"environment variable {_variable(field)}: {message}"


def _plain(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings of this process, read once."""
    return load_settings()


def settings_markdown() -> str:
    """Every variable as Markdown tables by section: the README's settings table."""
    lines: list[str] = []
    section = None
    for field in Settings.__fields__.values():
        extra = field.field_info.extra
        if extra["section"] != section:
            section = extra["section"]
            lines += ["", f"**{section}**", "", "| variable | default | meaning |", "|---|---|---|"]
        default = extra.get("shown_default") or _shown(field.default)
        lines.append(f"| `{_variable(field)}` | {default} | {field.field_info.description} |")
    return "\n".join(lines[1:])


def _shown(default: Any) -> str:
    if default is None or default == "":
        return "unset"
    if isinstance(default, bool):
        return f"`{int(default)}`"
    return f"`{default}`"
