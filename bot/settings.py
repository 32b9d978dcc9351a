"""The one place that reads the environment. Defaults suit local development.

Variables (all optional locally):
  BOT_ENV             development | test | production           (default development)
  BOT_PROFILE         profile id (taarnby, ishoj) or a .yml path  (default taarnby)
  BOT_SECRET_KEY      secret for signing; a placeholder is refused outside development/test
  BOT_MAX_MESSAGE_CHARS  longest citizen message passed to the assistant (default 500)
  BOT_NOW             ISO timestamp that freezes "now" (development/test only)
  LOG_LEVEL           Rasa's log level (default INFO); DEBUG is refused in production
  BOT_ANALYTICS_DB_URL   SQLAlchemy URL of the statistics database (default sqlite:///var/analytics.db;
                         PostgreSQL: postgresql+psycopg2://user@127.0.0.1:5432/db)
  BOT_SESSION_IDLE_MINUTES  a conversation ends after this many idle minutes (default 30)
  BOT_PUBLIC_URL      base URL of the web app, used in link redirects (default http://localhost:8000);
                      https:// makes the staff cookie Secure with the name __Host-borger_staff
  BOT_WEB_PORT        port of the web app (default 8000)
  BOT_SESSION_HOURS   staff login lifetime in hours (default 8)
  BOT_ASSISTANT_URL   base URL of the Rasa server the chat widget talks to (default
                      http://localhost:5005)
  BOT_CORS_ORIGINS    comma-separated site origins allowed to call the assistant from a browser
                      (default: the web app's own origin, BOT_PUBLIC_URL)
  BOT_LINK_REDIRECTS  1 (default): links in answers go through the web app's click-counting
                      redirect at BOT_PUBLIC_URL/r/<id>; 0: links point straight at their target

Public endpoint limits (docs/privacy.md, README "Privacy guard and bad input"):
  BOT_RATE_PER_ADDRESS        messages per minute from one client address (default 60)
  BOT_RATE_PER_CONVERSATION   messages per minute in one conversation (default 20)
  BOT_MAX_TURNS               messages in one conversation before it is refused (default 200)
  BOT_PROXIES_COUNT           reverse proxies in front of the Rasa server and the web app whose
                              X-Forwarded-For is trusted for the client address (rate limits,
                              staff login limits; default 0: none, use the peer)
  BOT_TURN_TIMEOUT_SECONDS    longest a citizen waits for a reply before the assistant gives up
                              and says "try again / call us" (default 10)
  BOT_TRACKER_CACHE_SIZE      conversations whose tracker the Rasa server keeps in memory
                              between turns (bot/dialogue/tracker_store.py; default 2000, 0 off)

Retention in days (``python -m bot purge`` deletes what is older; docs/privacy.md):
  BOT_RETENTION_TRACKER_DAYS     conversations with their text in the tracker store (default 30)
  BOT_RETENTION_STATISTICS_DAYS  statistics detail: conversations, turns, links (default 395)
  BOT_RETENTION_SUMMARY_DAYS     aggregated daily counts (KOMHEN, overview) (default 1826)
  BOT_RETENTION_LOG_DAYS         log files (default 14)
  BOT_LOG_MAX_BYTES              a log file is rotated when it reaches this size (default 10 MB)
  BOT_RETENTION_REVIEW_DAYS      citizens' message text kept for the web team's review (default 30)
  BOT_RETENTION_MODEL_DAYS       model archives in BOT_MODELS_DIR (they are trained on reviewed
                                 examples) neither in service nor kept for rollback (default 90)
  BOT_MODELS_KEEP_ROLLBACK       versions before the one in service whose archives are always kept,
                                 so that many rollbacks stay possible (default 2)

The web team's retraining loop (README "Retraining"):
  BOT_REVIEW_DB_URL          SQLAlchemy URL of the review store: message text for review, model
                             versions, retraining jobs (default sqlite:///var/review.db)
  BOT_REVIEW_LOW_CONFIDENCE  a prediction below this confidence goes to the inbox (default 0.85)
  BOT_REVIEW_SAMPLE_RATE     share of confident predictions sampled into the inbox (default 0.02)
  BOT_PROMOTION_TOLERANCE    a candidate model worse than the one in service by more than this
                             (held-out accuracy or macro F1, 0..1) is refused (default 0.02)
  BOT_CV_FOLDS               folds of the cross-validation in a retraining (default 3; 0 leaves
                             it out, and the gate compares the held-out set only)
  BOT_TRAINING_THREADS       TensorFlow/OpenMP threads of a retraining's training and
                             cross-validation (default 1: the two cores serve citizens too)
  BOT_MODELS_DIR             where trained models and their versions are kept (default models)
  BOT_PAGES_DIR              where the page catalogue the assistant serves is kept once it has
                             been imported or edited (default var/pages; until then the bundled
                             catalogue is served)
  BOT_IMPORT_ALLOW_INTERNAL  1: an import started from the web team's page may fetch internal
                             addresses (loopback, private networks); default 0
  BOT_MODEL_SERVER_TOKEN     token the Rasa server sends when it pulls the model in service from
                             the web app; required (32+ characters) in production; unset, the
                             model server refuses every request (python -m bot run makes one)
  BOT_MODEL_POLL_SECONDS     how often the Rasa server asks for a new model (default 10)

The production topology (``python -m bot run-production``, docs/production.md):
  BOT_TRACKER_DB_URL   PostgreSQL URL of the shared tracker store; the database is created when
                       missing (default postgresql://postgres@127.0.0.1:5432/rasa)
  BOT_REDIS_URL        Redis URL of the lock store every Rasa replica shares (default
                       redis://127.0.0.1:6379/1)
  BOT_RABBITMQ_URL     RabbitMQ URL of the event broker (default
                       amqp://guest:guest@127.0.0.1:5672/%2F)
  BOT_EVENT_QUEUE      the RabbitMQ queue the Rasa servers publish conversation events to
                       (default rasa_events)
  BOT_EVENT_QUEUE_TTL_SECONDS  an event (it holds citizen text) not consumed within this time is
                       deleted by RabbitMQ (x-message-ttl; default 259200 = 3 days; at most
                       BOT_RETENTION_REVIEW_DAYS)
  BOT_EVENT_QUEUE_MAX_LENGTH   events the queue holds at most; beyond it RabbitMQ drops the
                       oldest (x-max-length, overflow drop-head; default 200000)

Statistics through RabbitMQ (docs/statistics.md, "Two paths for the events"):
  BOT_RABBITMQ_URL       set explicitly (not empty), the stacks of ``python -m bot run`` and the
                         tests publish the Rasa server's events to the durable queue
                         BOT_EVENT_QUEUE and ``python -m bot events`` records them; unset, the
                         Rasa server records statistics in its own process (the default)
  BOT_EVENT_BATCH_SIZE   the consumer records at most this many events in one transaction
                         (default 200)
  BOT_EVENT_BATCH_MS     ... and waits at most this long for a batch to fill (default 50)
"""

from __future__ import annotations

import os
import re
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
    analytics_db_url: str = "sqlite:///var/analytics.db"
    session_idle_minutes: int = 30
    public_url: str = "http://localhost:8000"
    web_port: int = 8000
    session_hours: int = 8
    link_redirects: bool = True
    assistant_url: str = "http://localhost:5005"
    cors_origins: tuple[str, ...] = ("http://localhost:8000",)
    rate_per_address: int = 60
    rate_per_conversation: int = 20
    max_turns: int = 200
    tracker_cache_size: int = 2000
    proxies_count: int = 0
    turn_timeout_seconds: int = 10
    retention_tracker_days: int = 30
    retention_statistics_days: int = 395
    retention_summary_days: int = 1826
    retention_log_days: int = 14
    log_max_bytes: int = 10 * 1024 * 1024
    retention_review_days: int = 30
    retention_model_days: int = 90
    models_keep_rollback: int = 2
    review_db_url: str = "sqlite:///var/review.db"
    review_low_confidence: float = 0.85
    review_sample_rate: float = 0.02
    promotion_tolerance: float = 0.02
    cv_folds: int = 3
    shadow_days: int = 14
    training_threads: int = 1
    models_dir: str = "models"
    pages_dir: str = "var/pages"
    import_allow_internal: bool = False
    model_server_token: str = ""
    model_poll_seconds: int = 10
    tracker_db_url: str = "postgresql://postgres@127.0.0.1:5432/rasa"
    redis_url: str = "redis://127.0.0.1:6379/1"
    rabbitmq_url: str = "amqp://guest:guest@127.0.0.1:5672/%2F"
    event_queue: str = "rasa_events"
    # BOT_RABBITMQ_URL was set: the runner's stacks use the queue path (bot/ops/events.py).
    rabbitmq_configured: bool = False
    event_batch_size: int = 200
    event_batch_ms: int = 50
    event_queue_ttl_seconds: int = 3 * 24 * 3600
    event_queue_max_length: int = 200_000

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


def _fraction(environ: dict[str, str], name: str, default: float) -> float:
    raw = environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise SettingsError(f"environment variable {name}: {raw!r} is not a number") from exc
    if not 0.0 <= value <= 1.0:
        raise SettingsError(f"environment variable {name}: must be between 0 and 1")
    return value


def _origins(environ: dict[str, str], public_url: str) -> tuple[str, ...]:
    raw = environ.get("BOT_CORS_ORIGINS", "")
    origins = tuple(o.strip().rstrip("/") for o in raw.split(",") if o.strip())
    for origin in origins:
        if not origin.startswith(("http://", "https://")) or origin.count("/") != 2:
            raise SettingsError(
                f"environment variable BOT_CORS_ORIGINS: {origin!r} is not an origin like "
                "https://www.kommune.dk"
            )
    if origins:
        return origins
    scheme, _, rest = public_url.partition("://")
    return (f"{scheme}://{rest.split('/', 1)[0]}",)


# The URL schemes each service URL may have, and an example for the error message.
_URL_SCHEMES = {
    "BOT_TRACKER_DB_URL": (
        ("postgresql", "postgresql+psycopg2"),
        "postgresql://rasa:PASSWORD@127.0.0.1:5432/rasa",
    ),
    "BOT_REDIS_URL": (("redis", "rediss"), "redis://127.0.0.1:6379/1"),
    "BOT_RABBITMQ_URL": (("amqp", "amqps"), "amqp://user:PASSWORD@127.0.0.1:5672/%2F"),
}


def _url(environ: dict[str, str], name: str, default: str) -> str:
    """A service URL (see _URL_SCHEMES): the right scheme, a host, a numeric port."""
    from urllib.parse import urlsplit

    raw = environ.get(name) or default
    schemes, example = _URL_SCHEMES[name]
    try:
        parts = urlsplit(raw)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in schemes or not parts.hostname:
        raise SettingsError(f"environment variable {name}: not a URL like {example}")
    if name == "BOT_REDIS_URL" and parts.path.strip("/") and not parts.path.strip("/").isdigit():
        raise SettingsError(
            f"environment variable {name}: the path must be a Redis database number, like {example}"
        )
    return raw


def _queue_name(environ: dict[str, str], name: str, default: str) -> str:
    raw = environ.get(name) or default
    if not re.fullmatch(r"[A-Za-z0-9_.:-]{1,200}", raw):
        raise SettingsError(
            f"environment variable {name}: {raw!r} is not a queue name (letters, digits, _.:-)"
        )
    return raw


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
    public_url = (env_vars.get("BOT_PUBLIC_URL") or "http://localhost:8000").rstrip("/")
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
    model_token = env_vars.get("BOT_MODEL_SERVER_TOKEN", "")
    if env == "production" and len(model_token) < 32:
        raise SettingsError(
            "environment variable BOT_MODEL_SERVER_TOKEN: set a random token of at least 32 "
            "characters in production (the Rasa server sends it when it pulls a model)"
        )
    for name in ("LOG_LEVEL", "LOG_LEVEL_LIBRARIES"):
        if env == "production" and env_vars.get(name, "").strip().upper() == "DEBUG":
            raise SettingsError(
                f"environment variable {name}: DEBUG is not allowed in production (Rasa would "
                "log every citizen message); use INFO"
            )
    retention_review_days = _int(env_vars, "BOT_RETENTION_REVIEW_DAYS", 30, 1, 3660)
    # Unset: 3 days, or the review store's retention when that is shorter.
    default_ttl = min(Settings.event_queue_ttl_seconds, retention_review_days * 86400)
    queue_ttl = _int(env_vars, "BOT_EVENT_QUEUE_TTL_SECONDS", default_ttl, 1, 3660 * 86400)
    if queue_ttl > retention_review_days * 86400:
        raise SettingsError(
            "environment variable BOT_EVENT_QUEUE_TTL_SECONDS: must not be longer than the review "
            f"store's retention (BOT_RETENTION_REVIEW_DAYS={retention_review_days} days)"
        )
    return Settings(
        env=env,
        profile=env_vars.get("BOT_PROFILE", "taarnby"),
        secret_key=secret,
        max_message_chars=_int(env_vars, "BOT_MAX_MESSAGE_CHARS", 500, 20, 5000),
        frozen_now=frozen,
        analytics_db_url=env_vars.get("BOT_ANALYTICS_DB_URL") or "sqlite:///var/analytics.db",
        session_idle_minutes=_int(env_vars, "BOT_SESSION_IDLE_MINUTES", 30, 1, 24 * 60),
        public_url=public_url,
        web_port=_int(env_vars, "BOT_WEB_PORT", 8000, 1, 65535),
        session_hours=_int(env_vars, "BOT_SESSION_HOURS", 8, 1, 24 * 7),
        link_redirects=_int(env_vars, "BOT_LINK_REDIRECTS", 1, 0, 1) == 1,
        assistant_url=(env_vars.get("BOT_ASSISTANT_URL") or "http://localhost:5005").rstrip("/"),
        cors_origins=_origins(env_vars, public_url),
        rate_per_address=_int(env_vars, "BOT_RATE_PER_ADDRESS", 60, 1, 100_000),
        rate_per_conversation=_int(env_vars, "BOT_RATE_PER_CONVERSATION", 20, 1, 100_000),
        max_turns=_int(env_vars, "BOT_MAX_TURNS", 200, 1, 100_000),
        tracker_cache_size=_int(env_vars, "BOT_TRACKER_CACHE_SIZE", 2000, 0, 1_000_000),
        proxies_count=_int(env_vars, "BOT_PROXIES_COUNT", 0, 0, 10),
        turn_timeout_seconds=_int(env_vars, "BOT_TURN_TIMEOUT_SECONDS", 10, 1, 300),
        retention_tracker_days=_int(env_vars, "BOT_RETENTION_TRACKER_DAYS", 30, 1, 3660),
        retention_statistics_days=_int(env_vars, "BOT_RETENTION_STATISTICS_DAYS", 395, 1, 3660),
        retention_summary_days=_int(env_vars, "BOT_RETENTION_SUMMARY_DAYS", 1826, 1, 36600),
        retention_log_days=_int(env_vars, "BOT_RETENTION_LOG_DAYS", 14, 1, 3660),
        log_max_bytes=_int(env_vars, "BOT_LOG_MAX_BYTES", 10 * 1024 * 1024, 1024, 2**31),
        retention_review_days=retention_review_days,
        retention_model_days=_int(env_vars, "BOT_RETENTION_MODEL_DAYS", 90, 1, 3660),
        models_keep_rollback=_int(env_vars, "BOT_MODELS_KEEP_ROLLBACK", 2, 0, 100),
        review_db_url=env_vars.get("BOT_REVIEW_DB_URL") or "sqlite:///var/review.db",
        review_low_confidence=_fraction(env_vars, "BOT_REVIEW_LOW_CONFIDENCE", 0.85),
        review_sample_rate=_fraction(env_vars, "BOT_REVIEW_SAMPLE_RATE", 0.02),
        promotion_tolerance=_fraction(env_vars, "BOT_PROMOTION_TOLERANCE", 0.02),
        cv_folds=_int(env_vars, "BOT_CV_FOLDS", 3, 0, 10),
        shadow_days=_int(env_vars, "BOT_SHADOW_DAYS", 14, 1, 3660),
        training_threads=_int(env_vars, "BOT_TRAINING_THREADS", 1, 1, 64),
        models_dir=env_vars.get("BOT_MODELS_DIR") or "models",
        pages_dir=env_vars.get("BOT_PAGES_DIR") or "var/pages",
        import_allow_internal=_int(env_vars, "BOT_IMPORT_ALLOW_INTERNAL", 0, 0, 1) == 1,
        model_server_token=model_token,
        model_poll_seconds=_int(env_vars, "BOT_MODEL_POLL_SECONDS", 10, 1, 3600),
        tracker_db_url=_url(env_vars, "BOT_TRACKER_DB_URL", Settings.tracker_db_url),
        redis_url=_url(env_vars, "BOT_REDIS_URL", Settings.redis_url),
        rabbitmq_url=_url(env_vars, "BOT_RABBITMQ_URL", Settings.rabbitmq_url),
        event_queue=_queue_name(env_vars, "BOT_EVENT_QUEUE", Settings.event_queue),
        rabbitmq_configured=bool(env_vars.get("BOT_RABBITMQ_URL")),
        event_batch_size=_int(env_vars, "BOT_EVENT_BATCH_SIZE", 200, 1, 5000),
        event_batch_ms=_int(env_vars, "BOT_EVENT_BATCH_MS", 50, 1, 60_000),
        event_queue_ttl_seconds=queue_ttl,
        event_queue_max_length=_int(
            env_vars, "BOT_EVENT_QUEUE_MAX_LENGTH", Settings.event_queue_max_length, 1, 10**8
        ),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings of this process, read once."""
    return load_settings()
