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
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from bot.ops.tracker_db import db_error_reason
from bot.settings import TIMEZONE, Settings


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
    """``BOT_MODELS_DIR`` as a path (relative ones are under the project root)."""
    from bot.ops.runner import ROOT

    folder = Path(settings.models_dir)
    return folder if folder.is_absolute() else ROOT / folder


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


# --- tracker store ----------------------------------------------------------------------------


def _tracker_engine(endpoints: Path) -> tuple[Engine | None, str | None]:
    """An engine on the tracker store of ``endpoints`` (None and a note when there is none)."""
    from bot.ops.tracker_db import (
        TrackerStoreConfigError,
        is_sql_store,
        quiet_rasa_imports,
        sql_url,
    )
    from bot.ops.tracker_db import tracker_store_config as read_config

    if not endpoints.is_file():
        raise RetentionError(f"{endpoints}: file not found (give it with --endpoints)")
    try:
        config = read_config(endpoints)
    except Exception as exc:  # Rasa raises its own YAML and environment-variable errors
        raise RetentionError(f"{endpoints}: tracker_store: cannot read: {exc}") from exc
    if config is None or config.type is None:
        return None, (
            f"not purged: {endpoints} has no tracker_store (Rasa keeps conversations in memory "
            "only; nothing on disk)"
        )
    if not is_sql_store(config.type):
        return None, (
            f"not purged: type {config.type} (only Rasa's SQL table of events is supported; "
            "delete old conversations with that store's own tools)"
        )
    try:
        url = sql_url(config, endpoints)  # the database with the events, not login_db
    except TrackerStoreConfigError as exc:
        raise RetentionError(str(exc)) from exc
    with quiet_rasa_imports():
        from rasa.core.tracker_store import create_engine_kwargs
    url = sa.engine.make_url(url)
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        if database and database != ":memory:" and not Path(database).exists():
            # Relative to the working directory, as for Rasa.
            return None, f"no database file {database}"
    kwargs = create_engine_kwargs(url)
    if url.get_backend_name() == "postgresql":
        kwargs.setdefault("connect_args", {}).setdefault("connect_timeout", 10)
    try:
        return sa.create_engine(url, future=True, **kwargs), None
    except (SQLAlchemyError, ImportError, ValueError) as exc:
        raise RetentionError(
            f"{endpoints}: tracker_store: cannot use {url.render_as_string(hide_password=True)}: "
            f"{db_error_reason(exc)}"
        ) from exc


def _purge_tracker_store(report: PurgeReport, endpoints: Path) -> None:
    engine, note = _tracker_engine(endpoints)
    report.tracker_note = note
    if engine is None:
        return
    from bot.ops.tracker_db import quiet_rasa_imports

    with quiet_rasa_imports():
        from rasa.core.tracker_store import SQLTrackerStore
    events = SQLTrackerStore.SQLEvent.__table__
    cutoff = {"cutoff": report.tracker_cutoff.timestamp()}
    # Conversations whose newest event is older than the cutoff (Rasa's timestamps are epoch s).
    stale = (
        sa.select(events.c.sender_id)
        .group_by(events.c.sender_id)
        .having(sa.func.max(events.c.timestamp) < sa.bindparam("cutoff"))
    )
    where = events.c.sender_id.in_(stale)
    shown = engine.url.render_as_string(hide_password=True)
    try:
        conn = engine.connect()
    except SQLAlchemyError as exc:
        engine.dispose()
        raise RetentionError(
            f"{endpoints}: tracker_store: cannot connect to {shown}: {db_error_reason(exc)}"
        ) from exc
    try:
        with conn, conn.begin():
            if not sa.inspect(conn).has_table(events.name):
                report.tracker_note = f"no {events.name} table yet"
                return
            report.tracker_conversations = int(
                conn.execute(
                    sa.select(sa.func.count()).select_from(stale.subquery()), cutoff
                ).scalar_one()
            )
            if report.dry_run:
                statement = sa.select(sa.func.count()).select_from(events).where(where)
                report.tracker_events = int(conn.execute(statement, cutoff).scalar_one())
            else:
                deleted = conn.execute(sa.delete(events).where(where), cutoff)
                report.tracker_events = int(deleted.rowcount)
    except SQLAlchemyError as exc:
        raise RetentionError(
            f"{endpoints}: tracker_store: cannot purge {shown}: {db_error_reason(exc)}"
        ) from exc
    finally:
        engine.dispose()


# --- statistics -------------------------------------------------------------------------------


def _purge_statistics(report: PurgeReport, url: str) -> None:
    from bot.analytics.db import get_engine, session_scope
    from bot.analytics.migrations import MigrationError
    from bot.analytics.models import (
        Conversation,
        DailyCount,
        LinkEvent,
        LoginFailure,
        RevokedSession,
        StaffRead,
        Turn,
    )

    try:
        parsed = sa.engine.make_url(url)
    except ArgumentError as exc:
        raise RetentionError(f"BOT_ANALYTICS_DB_URL: {url!r} is not a database URL") from exc
    shown = parsed.render_as_string(hide_password=True)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not Path(database).exists():
            # No statistics recorded yet: nothing to delete, and no empty database is created.
            report.statistics_note = f"no database file {database}"
            return

    conversations = Conversation.__table__
    turns = Turn.__table__
    links = LinkEvent.__table__
    daily = DailyCount.__table__
    revoked = RevokedSession.__table__
    failures = LoginFailure.__table__
    reads = StaffRead.__table__
    c = conversations.c
    try:
        with get_engine(url).connect():  # upgrades the schema (a new database: all of it)
            pass
    except MigrationError as exc:
        raise RetentionError(f"BOT_ANALYTICS_DB_URL: {exc}") from exc
    except SQLAlchemyError as exc:
        raise RetentionError(
            f"BOT_ANALYTICS_DB_URL: cannot connect to {shown}: {db_error_reason(exc)}"
        ) from exc
    try:
        with session_scope(url) as session:
            # Whole days only (see the module docstring): conversations that started before
            # the first day that still has a conversation ending after the cutoff.
            first_kept = session.execute(
                sa.select(sa.func.min(c.started_at)).where(
                    c.last_event_at >= sa.bindparam("cutoff")
                ),
                {"cutoff": report.statistics_cutoff},
            ).scalar_one()
            boundary = report.statistics_cutoff
            if first_kept is not None:
                first_day = first_kept.astimezone(TIMEZONE).date()
                boundary = min(boundary, datetime.combine(first_day, time.min, tzinfo=TIMEZONE))
            params = {
                "cutoff": report.statistics_cutoff,
                "boundary": boundary,
                "summary_cutoff": report.summary_cutoff,
                "now": report.now,
                "review_cutoff": report.review_cutoff,
            }
            stale = sa.select(c.id).where(
                c.last_event_at < sa.bindparam("cutoff"),
                c.started_at < sa.bindparam("boundary"),
            )
            stale_turns = turns.c.conversation_id.in_(stale)
            stale_links = sa.or_(
                links.c.conversation_id.in_(stale),
                sa.and_(links.c.conversation_id.is_(None), links.c.at < sa.bindparam("cutoff")),
            )
            stale_conversations = c.id.in_(stale)
            stale_days = daily.c.day < sa.bindparam("summary_cutoff")
            # Deleting a conversation makes the database look up its link events (the foreign
            # key): the index ix_link_events_conversation (made by the schema migrations) keeps
            # that linear; without it, 20,000 conversations took 7 s instead of 0.6 s.
            plan = (
                ("statistics_turns", turns, stale_turns),
                ("statistics_link_events", links, stale_links),
                ("statistics_conversations", conversations, stale_conversations),
                ("summary_rows", daily, stale_days),
                ("expired_sessions", revoked, revoked.c.expires_at <= sa.bindparam("now")),
                ("expired_login_failures", failures, failures.c.expires_at <= sa.bindparam("now")),
                ("staff_reads", reads, reads.c.at < sa.bindparam("review_cutoff")),
            )
            for attribute, table, where in plan:  # children first, then the conversations
                if report.dry_run:
                    statement = sa.select(sa.func.count()).select_from(table).where(where)
                    count = session.execute(statement, params).scalar_one()
                else:
                    count = session.execute(sa.delete(table).where(where), params).rowcount
                setattr(report, attribute, int(count))
    except SQLAlchemyError as exc:
        raise RetentionError(
            f"BOT_ANALYTICS_DB_URL: cannot purge {shown}: {db_error_reason(exc)}"
        ) from exc


# --- log files --------------------------------------------------------------------------------


def _purge_logs(report: PurgeReport, log_dir: Path, prefix: str = "") -> None:
    if not log_dir.is_dir():
        return
    cutoff = report.log_cutoff.timestamp()
    try:
        for path in sorted(log_dir.iterdir()):
            if path.is_symlink() or not path.is_file() or not path.name.startswith(prefix):
                continue
            stat = path.stat()
            if stat.st_mtime >= cutoff:
                continue  # written to within the period
            report.log_files += 1
            report.log_bytes += stat.st_size
            if not report.dry_run:
                path.unlink(missing_ok=True)
    except OSError as exc:
        raise RetentionError(
            f"log directory {log_dir}: cannot delete: {exc.strerror or exc}"
        ) from exc


# --- model archives ---------------------------------------------------------------------------


def _current_model_name() -> str | None:
    """The file name of the model of the current training inputs (``make run`` serves it)."""
    try:
        from bot.ops.training import model_path

        return model_path().name
    except Exception:
        return None


def _purge_models(report: PurgeReport, models_dir: Path, review_url: str, steps: int) -> None:
    from bot.review.db import session_scope
    from bot.review.versions import archives_to_keep, registered_archives

    assert report.model_cutoff is not None
    if not models_dir.is_dir():
        return
    try:
        parsed = sa.engine.make_url(review_url)
    except ArgumentError as exc:
        raise RetentionError(f"BOT_REVIEW_DB_URL: {review_url!r} is not a database URL") from exc
    keep: set[str] = set()
    registered: dict[str, int] = {}
    database = parsed.database or ""
    if not (parsed.get_backend_name() == "sqlite" and database and not Path(database).exists()):
        try:
            with session_scope(review_url) as session:
                keep = archives_to_keep(session, steps)
                registered = registered_archives(session)
        except SQLAlchemyError as exc:
            raise RetentionError(
                f"BOT_REVIEW_DB_URL: {parsed.render_as_string(hide_password=True)}: cannot read "
                f"the model versions ({db_error_reason(exc)}); no model archive deleted"
            ) from exc
    current = _current_model_name()
    if current:
        keep.add(current)
    cutoff = report.model_cutoff.timestamp()
    try:
        for archive in sorted(models_dir.glob("*.tar.gz")):
            if archive.is_symlink() or not archive.is_file():
                continue
            if archive.stat().st_mtime >= cutoff:
                continue
            if archive.name in keep:
                report.model_kept += 1
                continue
            stem = archive.name.removesuffix(".tar.gz")
            files = [archive, *(f for f in models_dir.glob(stem + ".*") if f != archive)]
            for path in files:
                if path.is_file() and not path.is_symlink():
                    report.model_bytes += path.stat().st_size
                    if not report.dry_run:
                        path.unlink(missing_ok=True)
            report.model_files += 1
            report.model_versions += archive.name in registered
    except OSError as exc:
        raise RetentionError(
            f"models directory {models_dir} (BOT_MODELS_DIR): cannot delete: {exc.strerror or exc}"
        ) from exc


# --- review store -----------------------------------------------------------------------------


def _purge_review_store(report: PurgeReport, url: str) -> None:
    from bot.review.db import get_engine, session_scope
    from bot.review.records import ConversationTag, ReviewConversation, ReviewItem, ReviewMessage

    try:
        parsed = sa.engine.make_url(url)
    except ArgumentError as exc:
        raise RetentionError(f"BOT_REVIEW_DB_URL: {url!r} is not a database URL") from exc
    shown = parsed.render_as_string(hide_password=True)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not Path(database).exists():
            report.review_note = f"no database file {database}"
            return
    try:
        with get_engine(url).connect():  # creates missing tables (a new database)
            pass
    except SQLAlchemyError as exc:
        raise RetentionError(
            f"BOT_REVIEW_DB_URL: cannot connect to {shown}: {db_error_reason(exc)}"
        ) from exc
    conversations = ReviewConversation.__table__
    stale = sa.select(conversations.c.id).where(
        conversations.c.last_message_at < sa.bindparam("cutoff")
    )
    plan = (  # children first, then the conversations
        (None, ConversationTag.__table__),
        ("review_items", ReviewItem.__table__),
        ("review_messages", ReviewMessage.__table__),
        ("review_conversations", conversations),
    )
    params = {"cutoff": report.review_cutoff}
    try:
        with session_scope(url) as session:
            for attribute, table in plan:
                column = table.c.id if table is conversations else table.c.conversation_id
                where = column.in_(stale)
                if report.dry_run:
                    statement = sa.select(sa.func.count()).select_from(table).where(where)
                    count = session.execute(statement, params).scalar_one()
                else:
                    count = session.execute(sa.delete(table).where(where), params).rowcount
                if attribute:
                    setattr(report, attribute, int(count))
    except SQLAlchemyError as exc:
        raise RetentionError(
            f"BOT_REVIEW_DB_URL: cannot purge {shown}: {db_error_reason(exc)}"
        ) from exc
