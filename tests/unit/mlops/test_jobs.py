"""Retraining jobs: one at a time (enforced by the database), progress, finish, stale jobs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest

from bot.db.engine import get_engine, session_scope
from bot.db.stores import REVIEW
from bot.mlops import jobs

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def url(database_url: str) -> Iterator[str]:
    get_engine.cache_clear()
    yield database_url
    get_engine.cache_clear()


def test_one_job_at_a_time(url: str) -> None:
    with session_scope(REVIEW, url) as s:
        first = jobs.create_job(s, started_by="anna", now=NOW)
    with pytest.raises(jobs.JobAlreadyRunning) as refused, session_scope(REVIEW, url) as s:
        jobs.create_job(s, started_by="bo", now=NOW + timedelta(minutes=1))
    assert refused.value.job.id == first.id and refused.value.job.started_by == "anna"
    with session_scope(REVIEW, url) as s:
        jobs.finish(s, first.id, now=NOW + timedelta(minutes=12), candidate_version_id=4)
    with session_scope(REVIEW, url) as s:
        second = jobs.create_job(s, started_by="bo", now=NOW + timedelta(minutes=13))
        assert jobs.running_job(s).id == second.id
        assert [j.id for j in jobs.recent_jobs(s)] == [second.id, first.id]


def test_the_database_refuses_a_second_running_job(url: str) -> None:
    """Even when the check in create_job is passed by (two processes at once)."""
    import sqlalchemy as sa
    from sqlalchemy.exc import IntegrityError

    with session_scope(REVIEW, url) as s:
        jobs.create_job(s, started_by="anna", now=NOW)
    with pytest.raises(IntegrityError), session_scope(REVIEW, url) as s:
        s.add(
            jobs.RetrainJob(
                started_by="bo",
                started_at=NOW,
                heartbeat_at=NOW,
                status="running",
                running_slot=1,
                lines=[],
            )
        )
        s.flush()
    with session_scope(REVIEW, url) as s:
        assert s.execute(sa.select(sa.func.count()).select_from(jobs.RetrainJob)).scalar() == 1


def test_progress_and_result(url: str) -> None:
    with session_scope(REVIEW, url) as s:
        job = jobs.create_job(s, started_by="anna", now=NOW)
        jobs.claim(s, job.id, pid=1234, now=NOW)
        jobs.set_stage(s, job.id, stage="Træner den nye model", step=3, steps=7, now=NOW)
        jobs.add_line(s, job.id, "Ny model: model-abc.tar.gz", now=NOW + timedelta(seconds=90))
    with session_scope(REVIEW, url) as s:
        view = jobs.get_job(s, job.id)
    assert view.running and view.stage == "Træner den nye model"
    assert view.percent == int(100 * 2 / 7)
    assert [line["text"] for line in view.lines] == [
        "3/7 Træner den nye model",
        "Ny model: model-abc.tar.gz",
    ]
    assert view.lines[1]["at"] == (NOW + timedelta(seconds=90)).isoformat()
    with session_scope(REVIEW, url) as s:
        done = jobs.finish(s, job.id, now=NOW + timedelta(minutes=10), candidate_version_id=9)
    assert done.status == "succeeded" and done.percent == 100
    assert done.to_dict()["candidate_version_id"] == 9
    assert done.to_dict()["finished_at"] == (NOW + timedelta(minutes=10)).isoformat()
    # A finished job cannot be run again.
    with pytest.raises(jobs.JobNotFound), session_scope(REVIEW, url) as s:
        jobs.claim(s, job.id, pid=99, now=NOW)


def test_failure_keeps_the_message(url: str) -> None:
    with session_scope(REVIEW, url) as s:
        job = jobs.create_job(s, started_by="anna", now=NOW)
        failed = jobs.finish(s, job.id, now=NOW, error="Træningsdata er ikke gyldige: x")
    assert failed.status == "failed" and failed.error == "Træningsdata er ikke gyldige: x"
    assert failed.lines[-1]["text"] == "Træningsdata er ikke gyldige: x"
    with session_scope(REVIEW, url) as s:
        assert jobs.running_job(s) is None


def test_a_job_without_heartbeat_is_ended_as_failed(url: str) -> None:
    with session_scope(REVIEW, url) as s:
        dead = jobs.create_job(s, started_by="anna", now=NOW)
    later = NOW + jobs.STALE_AFTER + timedelta(seconds=1)
    with session_scope(REVIEW, url) as s:
        jobs.heartbeat(s, dead.id, now=NOW + timedelta(minutes=5))
    with pytest.raises(jobs.JobAlreadyRunning), session_scope(REVIEW, url) as s:
        jobs.create_job(s, started_by="bo", now=later)  # it beat 5 minutes in: still alive
    much_later = NOW + timedelta(minutes=5) + jobs.STALE_AFTER + timedelta(seconds=1)
    with session_scope(REVIEW, url) as s:
        new = jobs.create_job(s, started_by="bo", now=much_later)
    with session_scope(REVIEW, url) as s:
        old = jobs.get_job(s, dead.id)
        assert old.status == "failed" and "uventet" in old.error
        assert jobs.running_job(s).id == new.id


def test_lines_are_bounded(url: str) -> None:
    with session_scope(REVIEW, url) as s:
        job = jobs.create_job(s, started_by="anna", now=NOW)
        for i in range(jobs.MAX_LINES + 30):
            jobs.add_line(s, job.id, f"line {i} " + "x" * 1000, now=NOW)
    with session_scope(REVIEW, url) as s:
        view = jobs.get_job(s, job.id)
    assert len(view.lines) == jobs.MAX_LINES
    assert view.lines[-1]["text"].startswith(f"line {jobs.MAX_LINES + 29} ")
    assert all(len(line["text"]) <= jobs.MAX_LINE_CHARS for line in view.lines)
