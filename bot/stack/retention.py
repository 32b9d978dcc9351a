"""Delete what is older than its retention period (``python -m bot purge``; docs/privacy.md).

One call of :func:`purge` goes through every store that can hold personal data:

* **tracker store** (Rasa's conversations, with their text): every conversation (sender id)
  whose *newest* event is older than ``now - retention_tracker_days`` is deleted whole, so a
  conversation still going on is never cut in half. Only Rasa's SQL tracker store (SQLite or
  PostgreSQL, read from ``endpoints.yml`` exactly as Rasa reads it) can be purged; any other
  type is reported as "not purged".
* **statistics detail** (``BOT_ANALYTICS_DB_URL``: conversations, their turns and link events;
  no message text): whole days at a time. A conversation goes when its last event was before
  the day ``retention_statistics_days`` ago; link events without a conversation go by their own
  time. A conversation that ran over midnight into a day that is kept keeps the other
  conversations of the day it started with it (for at most a day more), so every day with any
  detail left has all of it and ``bot.analytics.summary.rebuild`` can recompute it exactly.
* **daily summary** (``daily_counts``): the aggregated days, kept longer than the detail
  (``retention_summary_days``).
* **staff logins** (same database): revoked session ids and failed login attempts whose time
  has passed (they are also removed as new ones are written, see bot/web/auth.py).
* **log files** in the log directory, rotated ones included: a file goes when it was last
  modified more than ``retention_log_days`` ago. A file written to within the period stays.
* **retrain logs** (``var/logs/retrain-<id>.log`` in the project root, written through the same
  CPR-redacting log pipe): like the log files, also when ``log_dir`` is another directory.
* **model archives** (``BOT_MODELS_DIR``; a model is trained on the reviewed examples): a
  ``.tar.gz`` (with its ``.heldout.json`` and other files of the same name) last modified before
  ``now - retention_model_days`` goes, unless it is the version in service, one of the
  ``models_keep_rollback`` versions a rollback goes back to, or the model of the current training
  inputs. A deleted version keeps its row (metrics, promotion history); it cannot be served again.
* **review store** (``BOT_REVIEW_DB_URL``: the web team's inbox, with citizens' message
  text): every kept conversation whose newest message is older than
  ``now - retention_review_days`` is deleted whole, with its messages, review items (decided
  ones too: accepted examples live on in ``data/nlu/reviewed.yml``) and tags.

Timestamps are stored in UTC; "days" are Copenhagen calendar days, and the cutoffs are the UTC
instants of Copenhagen midnights. Everything is explicit SQL over indexed columns with named
parameters, one transaction per database; with ``dry_run`` the same conditions are only
counted. A store that cannot be reached is reported as an error naming the setting or the file
and field, and the other stores are still purged.

This module opens each store and reports; what is deleted is decided by the store's owner:
bot.stack.tracker_db, bot.analytics.retention, bot.web.retention (staff logins),
bot.stack.logfiles, bot.mlops.versions (model archives) and bot.review.retention.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from bot.analytics.retention import purge_statistics
from bot.db.engine import get_engine, session_scope
from bot.db.migrate import MigrationError
from bot.db.stores import REVIEW, STATISTICS, Store
from bot.mlops.versions import archives_to_keep, purge_archives, registered_archives
from bot.review.retention import purge_review
from bot.settings import TIMEZONE, Settings
from bot.stack.logfiles import purge_logs
from bot.stack.paths import Project
from bot.stack.tracker_db import TrackerStoreConfigError, db_error_reason, purge_tracker_store
from bot.web.retention import purge_staff_logins


class RetentionError(Exception):
    """A store could not be purged; the message names the setting or file and field."""


@dataclass
class PurgeReport:
    """What a purge deleted (or, with ``dry_run``, would delete), per store."""

    now: datetime
    dry_run: bool
    tracker_cutoff: datetime  # events before this moment (Copenhagen time)
    statistics_cutoff: datetime  # Copenhagen midnight (aware): detail before this day
    summary_cutoff: date  # daily rows of days before this day
    log_cutoff: datetime  # files last modified before this moment
    review_cutoff: datetime  # review conversations whose newest message is before this
    model_cutoff: datetime | None = None  # model archives last modified before this
    tracker_conversations: int = 0
    tracker_events: int = 0
    tracker_note: str | None = None  # e.g. "not purged: type redis"; None when purged
    statistics_conversations: int = 0
    statistics_turns: int = 0
    statistics_link_events: int = 0
    statistics_note: str | None = None  # e.g. "no database file var/analytics.db"
    summary_rows: int = 0
    expired_sessions: int = 0  # revoked staff sessions past their expiry
    expired_login_failures: int = 0  # failed login attempts past the limiter's window
    staff_reads: int = 0  # the read log's rows older than the review store's retention
    log_files: int = 0
    log_bytes: int = 0
    model_files: int = 0  # model archives
    model_bytes: int = 0
    model_versions: int = 0  # of them, registered versions (their rows stay)
    model_kept: int = 0  # old archives kept: in service, for rollback, current inputs
    review_conversations: int = 0
    review_messages: int = 0
    review_items: int = 0
    review_note: str | None = None  # e.g. "no database file var/review.db"
    errors: list[str] = field(default_factory=list)
    failed: set[str] = field(default_factory=set)  # "tracker", "statistics", "logs", "review"

    @property
    def ok(self) -> bool:
        return not self.errors

    def lines(self) -> list[str]:
        """One line per store that was purged (the others are in ``errors``)."""
        done = "would be deleted" if self.dry_run else "deleted"
        out = []
        if "tracker" not in self.failed:
            if self.tracker_note and self.tracker_note.startswith("not purged"):
                out.append(f"tracker store: {self.tracker_note}")
            else:
                out.append(
                    f"tracker store: {self.tracker_conversations} conversations "
                    f"({self.tracker_events} events) older than "
                    f"{self.tracker_cutoff:%Y-%m-%d %H:%M} {done}"
                    + (f" ({self.tracker_note})" if self.tracker_note else "")
                )
        if "statistics" not in self.failed:
            out.append(
                f"statistics detail: {self.statistics_conversations} conversations "
                f"({self.statistics_turns} turns, {self.statistics_link_events} link events) "
                f"older than {self.statistics_cutoff:%Y-%m-%d} {done}"
                + (f" ({self.statistics_note})" if self.statistics_note else "")
            )
            out.append(
                f"statistics daily summary: {self.summary_rows} rows older than "
                f"{self.summary_cutoff:%Y-%m-%d} {done}"
            )
            out.append(
                f"staff logins: {self.expired_sessions} expired revoked sessions, "
                f"{self.expired_login_failures} expired failed login attempts {done}"
            )
            out.append(
                f"read log: {self.staff_reads} reads of citizen text older than "
                f"{self.review_cutoff:%Y-%m-%d %H:%M} {done}"
            )
        if "logs" not in self.failed:
            out.append(
                f"log files: {self.log_files} files ({_size(self.log_bytes)}) older than "
                f"{self.log_cutoff:%Y-%m-%d %H:%M} {done}"
            )
        if "models" not in self.failed and self.model_cutoff is not None:
            out.append(
                f"model archives: {self.model_files} ({_size(self.model_bytes)}, "
                f"{self.model_versions} of them registered versions) older than "
                f"{self.model_cutoff:%Y-%m-%d %H:%M} and neither in service nor kept for "
                f"rollback {done}; {self.model_kept} older ones kept"
            )
        if "review" not in self.failed:
            out.append(
                f"review store: {self.review_conversations} conversations "
                f"({self.review_messages} messages, {self.review_items} review items) older "
                f"than {self.review_cutoff:%Y-%m-%d %H:%M} {done}"
                + (f" ({self.review_note})" if self.review_note else "")
            )
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines() + [f"error: {e}" for e in self.errors])


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n / 1024 / 1024:.1f} MB"


def _local(now: datetime) -> datetime:
    """``now`` as an aware Europe/Copenhagen time (a naive ``now`` is taken as local)."""
    return now.replace(tzinfo=TIMEZONE) if now.tzinfo is None else now.astimezone(TIMEZONE)


def models_folder(settings: Settings) -> Path:
    """``BOT_MODELS_DIR`` as a path (relative ones are under the project)."""
    return Project.current().path(settings.models_dir)


def purge(
    now: datetime,
    settings: Settings,
    *,
    endpoints: Path = Path("endpoints.yml"),
    log_dir: Path = Path("var/logs"),
    dry_run: bool = False,
    models_dir: Path | None = None,
    retrain_log_dir: Path | None = None,
) -> PurgeReport:
    """Delete (or with ``dry_run`` count) everything older than its retention period.

    The folders outside ``log_dir`` are purged only when given (``python -m bot purge`` gives
    both): ``models_dir``, the model archives (``BOT_MODELS_DIR``, :func:`models_folder`);
    ``retrain_log_dir``, the web page's retrain logs (``var/logs`` in the project root), purged
    too when it is not ``log_dir``."""
    now = _local(now)
    statistics_day = (now - timedelta(days=settings.retention_statistics_days)).date()
    report = PurgeReport(
        now=now,
        dry_run=dry_run,
        tracker_cutoff=now - timedelta(days=settings.retention_tracker_days),
        statistics_cutoff=datetime.combine(statistics_day, time.min, tzinfo=TIMEZONE),
        summary_cutoff=(now - timedelta(days=settings.retention_summary_days)).date(),
        log_cutoff=now - timedelta(days=settings.retention_log_days),
        review_cutoff=now - timedelta(days=settings.retention_review_days),
        model_cutoff=(
            now - timedelta(days=settings.retention_model_days) if models_dir is not None else None
        ),
    )
    other_retrain_logs = (
        retrain_log_dir is not None and retrain_log_dir.resolve() != Path(log_dir).resolve()
    )
    for name, step in (
        ("tracker", lambda: _purge_tracker_store(report, Path(endpoints))),
        ("statistics", lambda: _purge_statistics(report, settings.analytics_db_url)),
        ("logs", lambda: _purge_logs(report, Path(log_dir))),
        (
            "logs",
            lambda: (
                _purge_logs(report, Path(retrain_log_dir or log_dir), "retrain-")
                if other_retrain_logs
                else None
            ),
        ),
        (
            "models",
            lambda: (
                _purge_models(
                    report, models_dir, settings.review_db_url, settings.models_keep_rollback
                )
                if models_dir is not None
                else None
            ),
        ),
        ("review", lambda: _purge_review_store(report, settings.review_db_url)),
    ):
        try:
            step()
        except RetentionError as exc:
            report.errors.append(str(exc))
            report.failed.add(name)
    return report


# --- each store: opened here, purged by its owner ---------------------------------------------


def _purge_tracker_store(report: PurgeReport, endpoints: Path) -> None:
    try:
        done = purge_tracker_store(endpoints, report.tracker_cutoff, dry_run=report.dry_run)
    except TrackerStoreConfigError as exc:
        raise RetentionError(str(exc)) from exc
    report.tracker_conversations, report.tracker_events = done.conversations, done.events
    report.tracker_note = done.note


def _parsed(url: str, variable: str) -> sa.engine.URL:
    try:
        return sa.engine.make_url(url)
    except ArgumentError as exc:
        raise RetentionError(f"{variable}: {url!r} is not a database URL") from exc


def _missing_sqlite_file(url: sa.engine.URL) -> str | None:
    """The SQLite file of ``url`` when it does not exist (nothing recorded yet: nothing to
    delete, and no empty database is created)."""
    database = url.database or ""
    if url.get_backend_name() == "sqlite" and database not in ("", ":memory:"):
        return None if Path(database).exists() else database
    return None


def _opened(store: Store, url: str) -> tuple[str, str | None]:
    """Open ``store`` at ``url`` (upgrading its schema; a new database: all of it): the URL as
    shown in messages, and a note instead when its SQLite file does not exist yet."""
    parsed = _parsed(url, store.url_env)
    shown = parsed.render_as_string(hide_password=True)
    missing = _missing_sqlite_file(parsed)
    if missing:
        return shown, f"no database file {missing}"
    try:
        with get_engine(store, url).connect():
            pass
    except MigrationError as exc:
        raise RetentionError(f"{store.url_env}: {exc}") from exc
    except SQLAlchemyError as exc:
        raise RetentionError(
            f"{store.url_env}: cannot connect to {shown}: {db_error_reason(exc)}"
        ) from exc
    return shown, None


def _purge_statistics(report: PurgeReport, url: str) -> None:
    shown, report.statistics_note = _opened(STATISTICS, url)
    if report.statistics_note:
        return
    try:
        with session_scope(STATISTICS, url) as session:  # one transaction
            detail = purge_statistics(
                session,
                cutoff=report.statistics_cutoff,
                summary_cutoff=report.summary_cutoff,
                dry_run=report.dry_run,
            )
            logins = purge_staff_logins(
                session, now=report.now, review_cutoff=report.review_cutoff, dry_run=report.dry_run
            )
    except SQLAlchemyError as exc:
        raise RetentionError(
            f"BOT_ANALYTICS_DB_URL: cannot purge {shown}: {db_error_reason(exc)}"
        ) from exc
    report.statistics_conversations = detail.conversations
    report.statistics_turns = detail.turns
    report.statistics_link_events = detail.link_events
    report.summary_rows = detail.summary_rows
    report.expired_sessions = logins.expired_sessions
    report.expired_login_failures = logins.expired_login_failures
    report.staff_reads = logins.staff_reads


def _purge_logs(report: PurgeReport, log_dir: Path, prefix: str = "") -> None:
    try:
        files, size = purge_logs(log_dir, report.log_cutoff, dry_run=report.dry_run, prefix=prefix)
    except OSError as exc:
        raise RetentionError(
            f"log directory {log_dir}: cannot delete: {exc.strerror or exc}"
        ) from exc
    report.log_files += files
    report.log_bytes += size


def _purge_models(report: PurgeReport, models_dir: Path, review_url: str, steps: int) -> None:
    assert report.model_cutoff is not None
    if not models_dir.is_dir():
        return
    parsed = _parsed(review_url, "BOT_REVIEW_DB_URL")
    keep: set[str] = set()
    registered: dict[str, int] = {}
    database = parsed.database or ""
    if not (parsed.get_backend_name() == "sqlite" and database and not Path(database).exists()):
        try:
            with session_scope(REVIEW, review_url) as session:
                keep = archives_to_keep(session, steps)
                registered = registered_archives(session)
        except SQLAlchemyError as exc:
            raise RetentionError(
                f"BOT_REVIEW_DB_URL: {parsed.render_as_string(hide_password=True)}: cannot read "
                f"the model versions ({db_error_reason(exc)}); no model archive deleted"
            ) from exc
    try:
        done = purge_archives(
            models_dir,
            report.model_cutoff,
            keep=keep,
            registered=registered,
            dry_run=report.dry_run,
        )
    except OSError as exc:
        raise RetentionError(
            f"models directory {models_dir} (BOT_MODELS_DIR): cannot delete: {exc.strerror or exc}"
        ) from exc
    report.model_files, report.model_bytes = done.files, done.bytes
    report.model_versions, report.model_kept = done.versions, done.kept


def _purge_review_store(report: PurgeReport, url: str) -> None:
    shown, report.review_note = _opened(REVIEW, url)
    if report.review_note:
        return
    try:
        with session_scope(REVIEW, url) as session:
            done = purge_review(session, cutoff=report.review_cutoff, dry_run=report.dry_run)
    except SQLAlchemyError as exc:
        raise RetentionError(
            f"BOT_REVIEW_DB_URL: cannot purge {shown}: {db_error_reason(exc)}"
        ) from exc
    report.review_conversations, report.review_messages = done.conversations, done.messages
    report.review_items = done.items
