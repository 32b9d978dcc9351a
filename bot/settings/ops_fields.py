"""The fields of the last three README sections (retraining, production, the event queue)."""

from __future__ import annotations

from pydantic import Field

from bot.settings.core_fields import RetentionFields
from bot.settings.names import (
    DAY,
    EVENTS,
    QUEUE_TTL_SECONDS,
    RETRAINING,
    TOPOLOGY,
)


class RetrainingFields(RetentionFields):
    # The web team's retraining loop
    review_db_url: str = Field(
        "sqlite:///var/review.db",
        env="BOT_REVIEW_DB_URL",
        section=RETRAINING,
        description="SQLAlchemy URL of the review store: message text for review, model versions, "
        "retraining jobs",
    )
    review_low_confidence: float = Field(
        0.85,
        env="BOT_REVIEW_LOW_CONFIDENCE",
        ge=0,
        le=1,
        section=RETRAINING,
        description="a prediction below this confidence goes to the inbox",
    )
    review_sample_rate: float = Field(
        0.02,
        env="BOT_REVIEW_SAMPLE_RATE",
        ge=0,
        le=1,
        section=RETRAINING,
        description="share of confident predictions sampled into the inbox, to catch confident "
        "mistakes (`1` all, `0` none)",
    )
    promotion_tolerance: float = Field(
        0.02,
        env="BOT_PROMOTION_TOLERANCE",
        ge=0,
        le=1,
        section=RETRAINING,
        description="a candidate model worse than the one in service by more than this (held-out "
        "accuracy or macro F1, 0..1) is refused",
    )
    cv_folds: int = Field(
        3,
        env="BOT_CV_FOLDS",
        ge=0,
        le=10,
        section=RETRAINING,
        description="folds of the cross-validation in a retraining (`0` leaves it out, and the "
        "gate compares the held-out set only)",
    )
    shadow_days: int = Field(
        14,
        env="BOT_SHADOW_DAYS",
        ge=1,
        le=3660,
        section=RETRAINING,
        description="the shadow test runs both models on the citizens' messages of this many "
        "last days",
    )
    training_threads: int = Field(
        1,
        env="BOT_TRAINING_THREADS",
        ge=1,
        le=64,
        section=RETRAINING,
        description="TensorFlow/OpenMP threads of a retraining's training and cross-validation "
        "(`1`: the two cores serve citizens too)",
    )
    models_dir: str = Field(
        "models",
        env="BOT_MODELS_DIR",
        section=RETRAINING,
        description="where trained models and their versions are kept",
    )
    pages_dir: str = Field(
        "var/pages",
        env="BOT_PAGES_DIR",
        section=RETRAINING,
        description="where the page catalogue the assistant serves is kept once it has been "
        "imported or edited (until then the bundled catalogue is served)",
    )
    import_allow_internal: bool = Field(
        False,
        env="BOT_IMPORT_ALLOW_INTERNAL",
        section=RETRAINING,
        description="`1`: an import started from the web team's page may fetch internal addresses "
        "(loopback, private networks)",
    )
    model_server_token: str = Field(
        "",
        env="BOT_MODEL_SERVER_TOKEN",
        section=RETRAINING,
        keep_empty=True,
        description="token the Rasa server sends when it pulls the model in service from the web "
        "app; required (32+ characters) in production; unset, the model server refuses every "
        "request (`python -m bot run` makes one)",
    )
    model_poll_seconds: int = Field(
        10,
        env="BOT_MODEL_POLL_SECONDS",
        ge=1,
        le=3600,
        section=RETRAINING,
        description="how often the Rasa server asks for a new model",
    )


class TopologyFields(RetrainingFields):
    # Production topology
    tracker_db_url: str = Field(
        "postgresql://postgres@127.0.0.1:5432/rasa",
        env="BOT_TRACKER_DB_URL",
        section=TOPOLOGY,
        schemes=("postgresql", "postgresql+psycopg2"),
        example="postgresql://rasa:PASSWORD@127.0.0.1:5432/rasa",
        description="PostgreSQL URL of the shared tracker store; the database is created when "
        "missing",
    )
    redis_url: str = Field(
        "redis://127.0.0.1:6379/1",
        env="BOT_REDIS_URL",
        section=TOPOLOGY,
        schemes=("redis", "rediss"),
        example="redis://127.0.0.1:6379/1",
        description="Redis URL of the lock store every Rasa replica shares",
    )
    rabbitmq_url: str = Field(
        "amqp://guest:guest@127.0.0.1:5672/%2F",
        env="BOT_RABBITMQ_URL",
        section=TOPOLOGY,
        schemes=("amqp", "amqps"),
        example="amqp://user:PASSWORD@127.0.0.1:5672/%2F",
        description="RabbitMQ URL of the event broker. Set explicitly (not empty), the stacks of "
        "`python -m bot run` and the tests publish the Rasa server's events to the durable queue "
        "`BOT_EVENT_QUEUE` and `python -m bot events` records them; unset, the Rasa server records "
        "statistics in its own process",
    )
    event_queue: str = Field(
        "rasa_events",
        env="BOT_EVENT_QUEUE",
        section=TOPOLOGY,
        description="the RabbitMQ queue the Rasa servers publish conversation events to (letters, "
        "digits, `_.:-`; not starting with `amq.`)",
    )
    event_queue_ttl_seconds: int = Field(
        None,
        env="BOT_EVENT_QUEUE_TTL_SECONDS",
        ge=1,
        le=3660 * DAY,
        section=TOPOLOGY,
        shown_default=f"`{QUEUE_TTL_SECONDS}` (3 days), or `BOT_RETENTION_REVIEW_DAYS` if shorter",
        description="an event (it holds citizen text) not consumed within this time is deleted "
        "by RabbitMQ (`x-message-ttl`); at most `BOT_RETENTION_REVIEW_DAYS`",
    )
    event_queue_max_length: int = Field(
        200_000,
        env="BOT_EVENT_QUEUE_MAX_LENGTH",
        ge=1,
        le=10**8,
        section=TOPOLOGY,
        description="events the queue holds at most; beyond it RabbitMQ drops the oldest "
        "(`x-max-length`, overflow `drop-head`)",
    )


class EventFields(TopologyFields):
    # Statistics through RabbitMQ
    event_batch_size: int = Field(
        200,
        env="BOT_EVENT_BATCH_SIZE",
        ge=1,
        le=5000,
        section=EVENTS,
        description="the consumer records at most this many events in one transaction",
    )
    event_batch_ms: int = Field(
        50,
        env="BOT_EVENT_BATCH_MS",
        ge=1,
        le=60_000,
        section=EVENTS,
        description="the consumer waits at most this many milliseconds for a batch to fill",
    )

    class Config:
        frozen = True
        case_sensitive = True

        @classmethod
        def customise_sources(cls, init_settings, env_settings, file_secret_settings):
            return (init_settings,)  # load_settings reads the environment
