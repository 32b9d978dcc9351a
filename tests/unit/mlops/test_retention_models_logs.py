"""Retention of model archives and retrain logs, through ``python -m bot purge`` in a subprocess
on real files and a real review store (SQLite), and the retrain log pipe through
``python -m bot retrain --log`` and :func:`bot.stack.logfiles.run_logged`."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

from bot.db.engine import get_engine, session_scope
from bot.db.stores import REVIEW
from bot.mlops.promotion import promote
from bot.mlops.versions import register_candidate
from bot.settings import TIMEZONE
from bot.stack.logfiles import run_logged
from testkit import ROOT

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=TIMEZONE)
OLD = NOW - timedelta(days=200)  # older than the default 90 days
CPR = "010190-1234"  # synthetic


def _child_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    env.update(
        {
            "BOT_ENV": "test",
            "BOT_NOW": NOW.isoformat(),
            "BOT_ANALYTICS_DB_URL": f"sqlite:///{tmp_path / 'analytics.db'}",
            "BOT_REVIEW_DB_URL": f"sqlite:///{tmp_path / 'review.db'}",
            "BOT_MODELS_DIR": str(tmp_path / "models"),
            **extra,
        }
    )
    return env


def _purge(tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("action_endpoint:\n  url: http://localhost:5055/webhook\n", "utf-8")
    return subprocess.run(
        [
            *(sys.executable, "-m", "bot", "purge", "--endpoints", str(endpoints)),
            *("--log-dir", str(tmp_path / "logs"), *extra),
        ],
        cwd=ROOT,
        env=_child_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def _archive(models: Path, name: str, modified: datetime) -> Path:
    models.mkdir(exist_ok=True)
    archive = models / f"{name}.tar.gz"
    archive.write_bytes(b"model " + name.encode())
    sidecar = models / f"{name}.heldout.json"
    sidecar.write_text("{}", "utf-8")
    for path in (archive, sidecar):
        os.utime(path, (modified.timestamp(),) * 2)
    return archive


def _promote_in_order(url: str, names: list[str]) -> None:
    """Register each archive as a version and promote them one after the other (the last one
    ends in service; the ones before are its rollback chain)."""
    get_engine.cache_clear()
    try:
        for name in names:
            with session_scope(REVIEW, url) as session:
                version = register_candidate(
                    session,
                    file_name=f"{name}.tar.gz",
                    data_fingerprint=f"fp-{name}",
                    metrics=None,
                    report=None,
                    created_by="anna",
                )
                promote(session, version.id, by="anna", override_reason="test", tolerance=0.02)
        with session_scope(REVIEW, url) as session:
            register_candidate(
                session,
                file_name="old-candidate.tar.gz",
                data_fingerprint="fp-c",
                metrics=None,
                report=None,
                created_by="anna",
            )
    finally:
        get_engine(REVIEW, url).dispose()
        get_engine.cache_clear()


def test_purge_keeps_the_model_in_service_and_for_rollback_and_deletes_older_archives(
    tmp_path: Path,
) -> None:
    models = tmp_path / "models"
    names = ["v1", "v2", "v3", "v4"]  # v4 in service; v3, v2 for two rollbacks; v1 too old
    for name in names:
        _archive(models, name, OLD)
    _archive(models, "old-candidate", OLD)  # registered, never served
    _archive(models, "stray", OLD)  # not registered (e.g. an old make train)
    _archive(models, "recent", NOW - timedelta(days=10))  # within the retention
    _promote_in_order(f"sqlite:///{tmp_path / 'review.db'}", names)

    dry = _purge(tmp_path, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "model archives: 3 (" in dry.stdout and "would be deleted" in dry.stdout, dry.stdout
    assert (models / "v1.tar.gz").exists()

    done = _purge(tmp_path)
    assert done.returncode == 0, done.stderr
    line = next(x for x in done.stdout.splitlines() if x.startswith("model archives"))
    assert "model archives: 3 (" in line and "2 of them registered versions" in line, line
    assert "deleted; 3 older ones kept" in line, line
    left = sorted(p.name for p in models.iterdir())
    assert left == sorted(
        f"{n}.{ext}" for n in ("v2", "v3", "v4", "recent") for ext in ("tar.gz", "heldout.json")
    ), left


def test_purge_without_a_review_store_deletes_no_archive_it_cannot_place(tmp_path: Path) -> None:
    """No versions registered: old unregistered archives go, recent ones stay."""
    models = tmp_path / "models"
    _archive(models, "ancient", OLD)
    _archive(models, "fresh", NOW - timedelta(days=1))
    done = _purge(tmp_path)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in models.glob("*.tar.gz")) == ["fresh.tar.gz"]


def test_retrain_output_is_cpr_redacted_on_disk_and_rotated_like_every_log(
    tmp_path: Path,
) -> None:
    log = tmp_path / "logs" / "retrain-7.log"
    code = run_logged(
        [
            sys.executable,
            "-c",
            f"import sys; print('WARNING example: mit cpr er {CPR}'); "
            f"print('fejl {CPR.replace('-', '')}', file=sys.stderr); sys.exit(3)",
        ],
        log,
    )
    assert code == 3
    text = log.read_text("utf-8")
    assert "WARNING example: mit cpr er" in text and "fejl" in text, text
    assert CPR not in text and CPR.replace("-", "") not in text, text


def test_the_retrain_command_writes_its_log_through_the_pipe(tmp_path: Path) -> None:
    log = tmp_path / "logs" / "retrain-9.log"
    result = subprocess.run(
        [sys.executable, "-m", "bot", "retrain", "--folds", "1", "--log", str(log)],
        cwd=ROOT,
        env=_child_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert result.stdout == "" and result.stderr == ""  # all of it went to the log
    assert "--folds must be 0" in log.read_text("utf-8")


def test_purge_deletes_old_retrain_logs(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    old = logs / "retrain-3.log"
    old.write_text("x", "utf-8")
    os.utime(old, ((NOW - timedelta(days=20)).timestamp(),) * 2)
    new = logs / "retrain-4.log"
    new.write_text("y", "utf-8")
    os.utime(new, ((NOW - timedelta(days=1)).timestamp(),) * 2)
    done = _purge(tmp_path)
    assert done.returncode == 0, done.stderr
    assert not old.exists() and new.exists()


def test_purge_reaches_retrain_logs_in_their_own_folder_and_only_them(tmp_path: Path) -> None:
    """``python -m bot purge --log-dir var/production/logs`` still purges the web page's retrain
    logs in ``var/logs`` (the CLI passes it as ``retrain_log_dir``); other files there stay."""
    from bot.settings import load_settings
    from bot.stack.retention import purge

    project_logs = tmp_path / "var-logs"
    project_logs.mkdir()
    stamp = (NOW - timedelta(days=20)).timestamp()
    for name in ("retrain-1.log", "retrain-1.log.1", "notes.txt"):
        (project_logs / name).write_text("x", "utf-8")
        os.utime(project_logs / name, (stamp, stamp))
    settings = load_settings(_child_env(tmp_path))
    report = purge(
        NOW,
        settings,
        endpoints=tmp_path / "none.yml",
        log_dir=tmp_path / "production-logs",
        retrain_log_dir=project_logs,
    )
    assert report.log_files == 2
    assert sorted(p.name for p in project_logs.iterdir()) == ["notes.txt"]
