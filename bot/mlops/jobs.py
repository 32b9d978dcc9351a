"""Retraining jobs and their progress, read by the web team's page while a model trains.

A job is one run of ``python -m bot.mlops.retrain`` (or ``python -m bot retrain``): who started
it and when, its status
(``running`` / ``succeeded`` / ``failed``), the stage it is in (step k of n), timestamped progress
lines, the candidate version it registered and, when it failed, a message for the page.

Only one job runs at a time, and the database enforces it: a running job holds
``running_slot = 1`` under a unique constraint (NULL otherwise, and NULLs never clash), so two
concurrent starts cannot both succeed. A job whose process died without finishing (killed,
machine restarted) would block the slot forever; :func:`create_job` ends such a job as failed
when its heartbeat is older than :data:`STALE_AFTER`.

Every function takes a session of the review store (``session_scope(REVIEW)``) and "now"
(timezone-aware). The web team's page starts a job's process with
:func:`bot.mlops.retrain.start_detached` (not here: the retrain writes to this module's table,
so the module that starts it sits above it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.db.stores import ReviewBase
from bot.db.types import UTCDateTime
from bot.settings import TIMEZONE

RUNNING, SUCCEEDED, FAILED = "running", "succeeded", "failed"
STATUSES = (RUNNING, SUCCEEDED, FAILED)
# A running job updates its heartbeat at least every few seconds (also while Rasa trains).
STALE_AFTER = timedelta(minutes=10)
MAX_LINES = 200
MAX_LINE_CHARS = 500


class RetrainJob(ReviewBase):
    """One retraining run: status, stage and progress lines, the candidate it registered."""

    __tablename__ = "retrain_jobs"

    id = sa.Column(sa.Integer, primary_key=True)
    started_by = sa.Column(sa.String(128), nullable=False)
    started_at = sa.Column(UTCDateTime, nullable=False)
    finished_at = sa.Column(UTCDateTime, nullable=True)
    heartbeat_at = sa.Column(UTCDateTime, nullable=False)
    status = sa.Column(sa.String(16), nullable=False, default=RUNNING)
    # 1 while running, NULL afterwards: the unique constraint allows one running job.
    running_slot = sa.Column(sa.Integer, nullable=True, unique=True)
    stage = sa.Column(sa.String(64), nullable=False, default="")
    step = sa.Column(sa.Integer, nullable=False, default=0)
    steps = sa.Column(sa.Integer, nullable=False, default=0)
    # [{"at": ISO time, "text": str}, ...], newest last, at most MAX_LINES.
    lines = sa.Column(sa.JSON, nullable=False, default=list)
    pid = sa.Column(sa.Integer, nullable=True)
    candidate_version_id = sa.Column(sa.Integer, nullable=True)
    error = sa.Column(sa.Text, nullable=True)


class JobAlreadyRunning(Exception):
    """Another retrain is running; :attr:`job` says which (id, started_by, started_at)."""

    def __init__(self, job: JobView) -> None:
        self.job = job
        super().__init__(
            f"retrain job {job.id} (started by {job.started_by}) is still running; "
            "only one retrain runs at a time"
        )


class JobNotFound(Exception):
    """No job with that id, or it is no longer running."""


def busy_message(job: JobView) -> str:
    """Why a second retrain cannot start, in Danish and English (the command's stderr)."""
    started = job.started_at.astimezone(TIMEZONE).strftime("%d.%m.%Y %H:%M")
    return (
        f"En gentræning kører allerede (job {job.id}, startet {started} af {job.started_by}). "
        "Vent, til den er færdig. / A retrain is already running "
        f"(job {job.id}, started {started} by {job.started_by}); wait until it has finished."
    )


@dataclass(frozen=True)
class JobView:
    """A job as the pages and the CLI show it (detached from the session)."""

    id: int
    started_by: str
    started_at: datetime
    finished_at: datetime | None
    status: str
    stage: str
    step: int
    steps: int
    lines: list[dict[str, str]]
    candidate_version_id: int | None
    error: str | None

    @property
    def percent(self) -> int:
        if self.status == SUCCEEDED:
            return 100
        return int(100 * max(self.step - 1, 0) / self.steps) if self.steps else 0

    @property
    def running(self) -> bool:
        return self.status == RUNNING

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "started_by": self.started_by,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "status": self.status,
            "stage": self.stage,
            "step": self.step,
            "steps": self.steps,
            "percent": self.percent,
            "lines": list(self.lines),
            "candidate_version_id": self.candidate_version_id,
            "error": self.error,
        }


def view(job: RetrainJob) -> JobView:
    return JobView(
        id=job.id,
        started_by=job.started_by,
        started_at=job.started_at,
        finished_at=job.finished_at,
        status=job.status,
        stage=job.stage or "",
        step=job.step or 0,
        steps=job.steps or 0,
        lines=list(job.lines or []),
        candidate_version_id=job.candidate_version_id,
        error=job.error,
    )


def _running(session: Session) -> RetrainJob | None:
    return session.execute(
        sa.select(RetrainJob).where(RetrainJob.running_slot == 1)
    ).scalar_one_or_none()


def running_job(session: Session) -> JobView | None:
    """The running job, if any."""
    job = _running(session)
    return view(job) if job is not None else None


def _fail(job: RetrainJob, now: datetime, error: str) -> None:
    job.status = FAILED
    job.running_slot = None
    job.finished_at = now
    job.heartbeat_at = now
    job.error = error
    _append(job, now, error)


def create_job(session: Session, *, started_by: str, now: datetime) -> JobView:
    """A new running job; raises :class:`JobAlreadyRunning` when one is running.

    A running job without a heartbeat for :data:`STALE_AFTER` is ended as failed first.
    """
    current = _running(session)
    if current is not None:
        if now - current.heartbeat_at > STALE_AFTER:
            _fail(current, now, "Gentræningen stoppede uventet (ingen livstegn i 10 minutter).")
            session.flush()
        else:
            raise JobAlreadyRunning(view(current))
    job = RetrainJob(
        started_by=started_by[:128],
        started_at=now,
        heartbeat_at=now,
        status=RUNNING,
        running_slot=1,
        stage="Venter på at starte",
        step=0,
        steps=0,
        lines=[],
    )
    session.add(job)
    try:
        session.flush()
    except IntegrityError:
        # Another process took the slot between our check and our insert.
        session.rollback()
        other = _running(session)
        if other is None:  # pragma: no cover - the other one finished in between
            raise
        raise JobAlreadyRunning(view(other)) from None
    return view(job)


def _get(session: Session, job_id: int) -> RetrainJob:
    job = session.get(RetrainJob, job_id)
    if job is None:
        raise JobNotFound(f"no retrain job {job_id}")
    return job


def get_job(session: Session, job_id: int) -> JobView | None:
    job = session.get(RetrainJob, job_id)
    return view(job) if job is not None else None


def claim(session: Session, job_id: int, *, pid: int, now: datetime) -> JobView:
    """The process ``pid`` runs job ``job_id`` (made by the web page); it must be running and
    unclaimed. Raises :class:`JobNotFound` otherwise."""
    job = _get(session, job_id)
    if job.status != RUNNING or job.pid is not None:
        raise JobNotFound(f"retrain job {job_id} is {job.status} and cannot be run again")
    job.pid = pid
    job.heartbeat_at = now
    return view(job)


def claim_or_create(
    session: Session, job_id: int | None, *, started_by: str, pid: int, now: datetime
) -> JobView:
    """Job ``job_id`` (made by the web page) claimed by ``pid``, or without an id a new job
    started by ``started_by`` and claimed by ``pid``. Raises :class:`JobNotFound` or
    :class:`JobAlreadyRunning`."""
    if job_id is None:
        job_id = create_job(session, started_by=started_by, now=now).id
    return claim(session, job_id, pid=pid, now=now)


def _append(job: RetrainJob, now: datetime, text: str) -> None:
    lines = list(job.lines or [])
    lines.append({"at": now.isoformat(), "text": text[:MAX_LINE_CHARS]})
    job.lines = lines[-MAX_LINES:]


def set_stage(
    session: Session, job_id: int, *, stage: str, step: int, steps: int, now: datetime
) -> None:
    """Job ``job_id`` entered ``stage``, step ``step`` of ``steps``; also logs a line."""
    job = _get(session, job_id)
    job.stage = stage[:64]
    job.step = step
    job.steps = steps
    job.heartbeat_at = now
    _append(job, now, f"{step}/{steps} {stage}")


def add_line(session: Session, job_id: int, text: str, *, now: datetime) -> None:
    """A timestamped progress line (also a heartbeat)."""
    job = _get(session, job_id)
    job.heartbeat_at = now
    _append(job, now, text)


def heartbeat(session: Session, job_id: int, *, now: datetime) -> None:
    """The job is still alive (called every few seconds during long steps)."""
    _get(session, job_id).heartbeat_at = now


def finish(
    session: Session,
    job_id: int,
    *,
    now: datetime,
    candidate_version_id: int | None = None,
    error: str | None = None,
) -> JobView:
    """End job ``job_id``: succeeded, or failed with ``error`` (a message for the page)."""
    job = _get(session, job_id)
    if error is not None:
        _fail(job, now, error)
    else:
        job.status = SUCCEEDED
        job.running_slot = None
        job.finished_at = now
        job.heartbeat_at = now
        job.candidate_version_id = candidate_version_id
        _append(job, now, "Færdig.")
    return view(job)


def recent_jobs(session: Session, limit: int = 20) -> list[JobView]:
    """The newest jobs first."""
    rows = session.execute(
        sa.select(RetrainJob).order_by(RetrainJob.id.desc()).limit(limit)
    ).scalars()
    return [view(job) for job in rows]
