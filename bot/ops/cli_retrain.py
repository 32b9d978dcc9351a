"""CLI commands of the web team's retraining loop: retrain.

``python -m bot retrain [--json] [--job ID]`` runs validate -> train -> compare
(:mod:`bot.ops.retrain`) at low CPU priority and prints the report's figures (``--json``: one
machine-readable object on stdout; progress goes to stderr). ``--job ID`` runs a job the web
team's page created (``bot.web.training``); without it the command makes its own job, so the
page shows its progress too.

Exit codes: 0 done, 2 failed (invalid data, training error; the message says why), 3 another
retrain is running (only one at a time).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

EXIT_FAILED = 2
EXIT_BUSY = 3


class Interrupted(Exception):
    """SIGTERM or Ctrl-C while retraining."""


@contextmanager
def stdout_to_stderr(active: bool) -> Iterator[None]:
    """Send everything written to stdout (also by child processes: Rasa's training) to stderr,
    so that ``--json`` prints only the JSON object on stdout."""
    if not active:
        yield
        return
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def _busy_message(job: Any) -> str:
    from bot.settings import TIMEZONE

    started = job.started_at.astimezone(TIMEZONE).strftime("%d.%m.%Y %H:%M")
    return (
        f"En gentræning kører allerede (job {job.id}, startet {started} af {job.started_by}). "
        "Vent, til den er færdig. / A retrain is already running "
        f"(job {job.id}, started {started} by {job.started_by}); wait until it has finished."
    )


def cmd_retrain(args: argparse.Namespace) -> int:
    import getpass

    from sqlalchemy.exc import SQLAlchemyError

    from bot.ops.crossval import be_nice
    from bot.review import jobs
    from bot.review.db import session_scope
    from bot.settings import get_settings

    if args.log:  # the same run again, its output through the CPR-redacting log pipe
        from pathlib import Path

        from bot.ops.logfiles import run_logged

        again = [sys.executable, "-m", "bot", "retrain"]
        again += ["--json"] if args.json else []
        again += ["--job", str(args.job)] if args.job is not None else []
        again += ["--folds", str(args.folds)] if args.folds is not None else []
        return run_logged(again, Path(args.log))
    settings = get_settings()
    url = settings.review_db_url
    if args.folds is not None and not (args.folds == 0 or 2 <= args.folds <= 10):
        print("Cannot retrain: --folds must be 0 (no cross-validation) or 2 to 10", file=sys.stderr)
        return EXIT_FAILED
    try:
        with session_scope(url) as session:
            if args.job is not None:
                job = jobs.claim(session, args.job, pid=os.getpid(), now=settings.now())
                by = job.started_by
            else:
                by = f"cli:{getpass.getuser()}"
                job = jobs.create_job(session, started_by=by, now=settings.now())
                jobs.claim(session, job.id, pid=os.getpid(), now=settings.now())
    except jobs.JobAlreadyRunning as exc:
        print(_busy_message(exc.job), file=sys.stderr)
        return EXIT_BUSY
    except jobs.JobNotFound as exc:
        print(f"Cannot retrain: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except (SQLAlchemyError, OSError) as exc:
        print(
            f"Cannot retrain: the review store is not reachable ({type(exc).__name__}); "
            "check BOT_REVIEW_DB_URL",
            file=sys.stderr,
        )
        return EXIT_FAILED

    def _interrupt(*_: object) -> None:
        raise Interrupted()

    signal.signal(signal.SIGTERM, _interrupt)
    be_nice()
    error: str | None = None
    result = None
    with stdout_to_stderr(args.json):
        from bot.ops.retrain import RetrainError, run_retrain

        try:
            result = run_retrain(url=url, job_id=job.id, by=by, folds=args.folds)
        except RetrainError as exc:
            error = str(exc)
        except (Interrupted, KeyboardInterrupt):
            error = "Gentræningen blev afbrudt. / The retrain was interrupted."
        except Exception as exc:
            error = (
                f"Gentræningen stoppede med en uventet fejl ({type(exc).__name__}: "
                f"{str(exc)[:300]}). Se loggen. / The retrain stopped with an unexpected error."
            )
        finally:
            with session_scope(url) as session:
                jobs.finish(
                    session,
                    job.id,
                    now=settings.now(),
                    candidate_version_id=result.candidate_version_id if result else None,
                    error=error,
                )
    if error is not None or result is None:
        print(f"Retrain failed (job {job.id}): {error}", file=sys.stderr)
        return EXIT_FAILED
    if args.json:
        print(json.dumps(result.to_dict(job.id), ensure_ascii=False, indent=2))
    else:
        from bot.ops.compare import render_text

        print(render_text(result.report))
        gate = result.gate
        print(
            f"Candidate: version {result.candidate_version_id} ({result.candidate_file})"
            + (", reused (same inputs)" if result.reused_model else "")
        )
        print(
            "Gate: "
            + ("allowed" if gate["allowed"] else "refused")
            + ". "
            + " ".join(gate["reasons"])
        )
        print(
            f"Report: /webteam/reports/{result.candidate_version_id}  "
            f"promote: python -m bot promote {result.candidate_version_id}"
        )
    return 0


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Add this module's commands to ``python -m bot``."""
    p = sub.add_parser(
        "retrain",
        help="export reviewed examples, validate, train a candidate, compare it with the "
        "model in service",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.add_argument("--job", type=int, default=None, help="run this job (made by the web page)")
    p.add_argument(
        "--folds",
        type=int,
        default=None,
        help="cross-validation folds, 0 for none (default BOT_CV_FOLDS)",
    )
    p.add_argument(
        "--log",
        default=None,
        metavar="FILE",
        help="write all output (training's too) to FILE through the CPR-redacting, rotated log "
        "pipe (the web page's retrain-<id>.log)",
    )
    p.set_defaults(func=cmd_retrain)
