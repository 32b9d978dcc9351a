"""Retrain: export the accepted review items, validate, train a candidate, compare it with the
model in service, register it and run the shadow test: the eight stages of
:mod:`bot.mlops.retrain_stages`, in order (docs/retraining.md). ``python -m bot.mlops.retrain``
(:func:`main`, also ``python -m bot retrain``) runs one job; the web team's "Start gentræning"
button starts it with :func:`start_detached`. Each stage's wall time is a progress line and part
of the result (``timings``); ``scripts/measure_retrain.py`` measures the whole (budget 60 s).

The model in service is ``bot.mlops.versions.in_service()``. When none is, the baseline is the
model the assistant's startup would serve (``bot.mlops.serving``'s rule): the model of the
inputs as they were before the export, or else the newest other model file in the models
directory; it is registered and put in service by ``system``. Training and cross-validation run
at the lowest CPU priority with one thread (:func:`bot.mlops.crossval.low_priority_env`), so
citizens' replies are not stalled.

Exit codes of :func:`main`: 0 done, 2 failed (invalid data, training error; the message says
why), 3 another retrain is running (only one at a time).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from bot.mlops import retrain_stages as stages
from bot.mlops.compare import ComparisonReport, ModelRun, build_report, fallback_threshold
from bot.mlops.crossval import low_priority_env, nlu_fingerprint
from bot.settings import get_settings
from bot.stack.paths import PROJECT_DIR_VARIABLE, Project

EXIT_FAILED = 2
EXIT_BUSY = 3


@dataclass
class RetrainResult:
    """What a retrain produced: the registered candidate, the report, the gate's preview."""

    candidate_version_id: int
    candidate_file: str
    reused_model: bool
    report: ComparisonReport
    candidate_metrics: dict
    in_service_metrics: dict | None
    in_service_version_id: int | None
    gate: dict[str, Any]
    exported: int | None
    timings: dict[str, float] = field(default_factory=dict)

    def to_dict(self, job_id: int | None = None) -> dict[str, Any]:
        def model(metrics: dict | None, version_id: int | None, file_name: str | None) -> Any:
            if metrics is None:
                return None
            heldout = metrics["heldout"]
            return {
                "version_id": version_id,
                "file_name": file_name,
                "heldout": {
                    k: heldout[k]
                    for k in ("accuracy", "macro_f1", "confidently_wrong_rate", "fallback_rate")
                },
                "per_intent_f1": {i: v["f1"] for i, v in heldout["per_intent"].items()},
                "cv": metrics.get("cv"),
            }

        report = self.report
        return {
            "job_id": job_id,
            "candidate_version_id": self.candidate_version_id,
            "reused_model": self.reused_model,
            "exported_examples": self.exported,
            "candidate": model(
                self.candidate_metrics, self.candidate_version_id, self.candidate_file
            ),
            "in_service": model(
                self.in_service_metrics,
                self.in_service_version_id,
                report.in_service.file_name if report.in_service else None,
            ),
            "deltas": {
                "accuracy": report.accuracy_delta,
                "macro_f1": report.macro_f1_delta,
                "cv_macro_f1": report.cv_macro_f1_delta,
            },
            "error_categories": {
                "candidate": {c: report.candidate.count(c) for c in report.candidate.errors},
                "in_service": {c: report.in_service.count(c) for c in report.in_service.errors}
                if report.in_service
                else None,
            },
            "better": len(report.better),
            "worse": len(report.worse),
            "gate": self.gate,
            "timings": self.timings,
            "report": report.to_dict(),
        }


def run_retrain(
    *,
    root: Path | None = None,
    url: str | None = None,
    job_id: int | None = None,
    by: str = "cli",
    folds: int | None = None,
    echo: bool = True,
) -> RetrainResult:
    """Run the whole pipeline; raises ``stages.RetrainError`` with a message for the page."""
    from bot.db.engine import session_scope
    from bot.db.stores import REVIEW
    from bot.mlops import versions
    from bot.mlops.evaluation import data_fingerprint
    from bot.mlops.shadow import quiet_rasa_logs
    from bot.mlops.training import fingerprint, model_path

    settings = get_settings()
    folds = settings.cv_folds if folds is None else folds
    progress = stages.Progress(job_id, url, echo)
    quiet_rasa_logs()  # Rasa's debug lines carry citizens' text; the progress lines suffice
    os.environ.update({k: v for k, v in low_priority_env().items() if "THREADS" in k})
    project = Project(root) if root else Project.current()
    root = project.root
    heldout = project.heldout
    try:
        threshold = fallback_threshold(project.config)
    except Exception as exc:
        raise stages.RetrainError(str(exc)) from exc

    # Before the export: the model of the inputs as they are, and their NLU data (the baseline's
    # cross-validation needs them when no version is in service).
    before = model_path(root)
    snapshot = Path(tempfile.mkdtemp(prefix="borger-nlu-before-"))
    # Cross-validation runs in worker processes while this one trains and evaluates; a failed
    # retrain stops them at once (terminate), a finished one has their results already.
    pool = multiprocessing.get_context("spawn").Pool(2)
    try:
        shutil.copytree(project.nlu, snapshot / "nlu")

        progress.stage(1)
        exported = stages.export_reviewed(project, url, progress)

        progress.stage(2)
        validation = stages.start_validation(project)
        progress.line("Tjekkes, mens den nye model trænes.")
        nlu_now = project.nlu
        cand_fp = nlu_fingerprint(nlu_now, project.config)
        cand_cv = (
            stages.candidate_cv_cached(url, model_path(root).name, folds, cand_fp)
            if folds
            else None
        )
        cand_cv_job = (
            stages.start_cv(pool, root, folds, nlu_now) if folds and cand_cv is None else None
        )

        progress.stage(3)
        try:
            candidate, reused = stages.train_candidate(project, progress, validation)
        finally:
            # Validation's verdict counts even when training failed: it usually says why.
            if not getattr(validation, "checked", False):
                stages.finish_validation(validation, progress)

        progress.stage(4)
        cand_predictions = stages.evaluate_on(candidate, heldout, progress, "den nye model")

        progress.stage(5)
        old_id, old_file, old_metrics = stages.in_service_model(
            project, url, before, candidate, progress
        )
        old_predictions = None
        if old_file is not None:
            old_predictions = stages.evaluate_on(old_file, heldout, progress, "modellen i drift")

        old_cv = stages.stored_cv(old_metrics, folds) if old_file is not None and folds else None
        old_cv_job = None
        if old_file is not None and old_cv is None and folds and old_file.name == before.name:
            if old_file.name != candidate.name:
                old_cv_job = stages.start_cv(pool, root, folds, snapshot / "nlu")

        progress.stage(6)
        if not folds:
            progress.line("Krydsvalidering er slået fra (BOT_CV_FOLDS=0); kun testsættet tæller.")
        if cand_cv is not None:
            progress.line("Krydsvalidering af den nye model: gemt resultat genbruges.")
        if old_file is not None and old_cv is not None:
            progress.line("Krydsvalidering af modellen i drift: gemt resultat genbruges.")
        if cand_cv_job is not None:
            cand_cv = stages.finish_cv(cand_cv_job, progress, "den nye model")
        if old_file is not None and old_cv is None and folds:
            # Its training data are known only when it is the model of the inputs as they were
            # before the export (model files are named after their inputs' fingerprint).
            if old_file.name == candidate.name:
                old_cv = cand_cv
            elif old_cv_job is not None:
                old_cv = stages.finish_cv(old_cv_job, progress, "modellen i drift")
            else:
                progress.line(
                    "Modellen i drift er trænet på andre data end dem, der ligger her, så den "
                    "kan ikke krydsvalideres. Sammenligningen bruger kun testsættet."
                )

        progress.stage(7)
        heldout_fp = data_fingerprint(heldout)
        notes = []
        if reused:
            notes.append("The candidate's model file existed already (same inputs) and was reused.")
        if old_file is not None and old_file.name == candidate.name:
            notes.append("The candidate is the model in service: the data did not change.")
        report, cand_heldout, old_heldout = build_report(
            ModelRun("Ny model", candidate.name, None, cand_predictions, cand_cv),
            ModelRun("Model i drift", old_file.name, old_id, old_predictions, old_cv)
            if old_file is not None and old_predictions is not None
            else None,
            threshold=threshold,
            heldout_fingerprint=heldout_fp,
            created_at=settings.now().isoformat(),
            notes=notes,
        )
        cand_metrics = {"heldout": cand_heldout, "cv": cand_cv}
        old_full = {"heldout": old_heldout, "cv": old_cv} if old_heldout is not None else None
        with session_scope(REVIEW, url) as session:
            same = versions.version_of_file(session, candidate.name)
            if old_id is not None and old_full is not None and old_id != (same and same.id):
                versions.set_metrics(session, old_id, old_full)
            version = versions.register_candidate(
                session,
                file_name=candidate.name,
                data_fingerprint=fingerprint(root),
                metrics=cand_metrics,
                report=None,
                created_by=by,
            )
            version_id = version.id
            report = replace(report, candidate=replace(report.candidate, version_id=version_id))
            version.report = report.to_dict()
        progress.line(f"Registreret som version {version_id}.")

        progress.stage(8)
        shadow = stages.shadow_stage(version_id, old_id, url, progress)

        decision = stages.preview_gate(url, version_id, progress)
        timings = {**progress.timings, "total_s": progress.total()}
        if shadow is not None:
            timings["shadow_messages"] = shadow.messages
            timings["shadow_distinct_texts"] = shadow.distinct_texts
    finally:
        pool.terminate()
        pool.join()
        shutil.rmtree(snapshot, ignore_errors=True)
    return RetrainResult(
        candidate_version_id=version_id,
        candidate_file=candidate.name,
        reused_model=reused,
        report=report,
        candidate_metrics=cand_metrics,
        in_service_metrics=old_full,
        in_service_version_id=old_id,
        gate={
            "allowed": decision.allowed,
            "reasons": list(decision.reasons),
            "notes": list(getattr(decision, "notes", [])),
        },
        exported=exported,
        timings=timings,
    )


# -- the command ---------------------------------------------------------------------


class Interrupted(Exception):
    """SIGTERM or Ctrl-C while retraining."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The retrain's options (also ``python -m bot retrain``'s)."""
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    parser.add_argument("--job", type=int, default=None, help="run this job (made by the web page)")
    parser.add_argument(
        "--folds",
        type=int,
        default=None,
        help="cross-validation folds, 0 for none (default BOT_CV_FOLDS)",
    )
    parser.add_argument(
        "--log",
        default=None,
        metavar="FILE",
        help="write all output (training's too) to FILE through the CPR-redacting, rotated log "
        "pipe (the web page's retrain-<id>.log)",
    )


def start_detached(job_id: int, url: str, project: Project) -> None:
    """Start ``python -m bot.mlops.retrain --job ID`` for job ``job_id`` (made by
    :func:`bot.mlops.jobs.create_job`) in ``project``, detached (it survives a restart of the web
    app), at the lowest CPU priority; its output goes through the CPR-redacting log pipe to the
    project's ``var/logs/retrain-<id>.log``. Raises OSError when it cannot start."""
    project.logs.mkdir(parents=True, exist_ok=True)
    log = project.logs / f"retrain-{job_id}.log"
    subprocess.Popen(
        [sys.executable, "-m", "bot.mlops.retrain", "--job", str(job_id), "--log", str(log)],
        cwd=project.root,
        env={**os.environ, "BOT_REVIEW_DB_URL": url, PROJECT_DIR_VARIABLE: str(project.root)},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        preexec_fn=lambda: os.nice(19),
    )


def options(args: argparse.Namespace) -> list[str]:
    """``args`` as a command line again, without ``--log``."""
    return (
        (["--json"] if args.json else [])
        + (["--job", str(args.job)] if args.job is not None else [])
        + (["--folds", str(args.folds)] if args.folds is not None else [])
    )


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m bot.mlops.retrain [--json] [--job ID] [--folds N] [--log FILE]``: run the
    job ``ID`` the web team's page made, or a new job, and print the report's figures
    (``--json``: one object on stdout, progress on stderr)."""
    from bot.knowledge.profile_model import ProfileError
    from bot.settings import SettingsError

    parser = argparse.ArgumentParser(prog="python -m bot.mlops.retrain", description=main.__doc__)
    add_arguments(parser)
    args = parser.parse_args(argv)
    if args.log:  # the same run again, its output through the CPR-redacting log pipe
        from bot.stack.logfiles import run_logged

        again = [sys.executable, "-m", "bot.mlops.retrain", *options(args)]
        return run_logged(again, Path(args.log))
    if args.folds is not None and not (args.folds == 0 or 2 <= args.folds <= 10):
        print("Cannot retrain: --folds must be 0 (no cross-validation) or 2 to 10", file=sys.stderr)
        return EXIT_FAILED
    try:
        return _run_job(args)
    except (SettingsError, ProfileError) as exc:
        print(exc, file=sys.stderr)
        return EXIT_FAILED


def _run_job(args: argparse.Namespace) -> int:
    import getpass

    from sqlalchemy.exc import SQLAlchemyError

    from bot.db.engine import session_scope
    from bot.db.stores import REVIEW
    from bot.mlops import jobs
    from bot.mlops.crossval import be_nice

    settings = get_settings()
    url = settings.review_db_url
    try:
        with session_scope(REVIEW, url) as session:
            job = jobs.claim_or_create(
                session,
                args.job,
                started_by=f"cli:{getpass.getuser()}",
                pid=os.getpid(),
                now=settings.now(),
            )
    except jobs.JobAlreadyRunning as exc:
        print(jobs.busy_message(exc.job), file=sys.stderr)
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
    with stages.stdout_to_stderr(args.json):
        try:
            result = run_retrain(url=url, job_id=job.id, by=job.started_by, folds=args.folds)
        except stages.RetrainError as exc:
            error = str(exc)
        except (Interrupted, KeyboardInterrupt):
            error = "Gentræningen blev afbrudt. / The retrain was interrupted."
        except Exception as exc:
            error = (
                f"Gentræningen stoppede med en uventet fejl ({type(exc).__name__}: "
                f"{str(exc)[:300]}). Se loggen. / The retrain stopped with an unexpected error."
            )
        finally:
            with session_scope(REVIEW, url) as session:
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
        _print_result(result)
    return 0


def _print_result(result: RetrainResult) -> None:
    from bot.mlops.compare import render_text

    print(render_text(result.report))
    print(
        f"Candidate: version {result.candidate_version_id} ({result.candidate_file})"
        + (", reused (same inputs)" if result.reused_model else "")
    )
    gate = result.gate
    verdict = "allowed" if gate["allowed"] else "refused"
    print(f"Gate: {verdict}. " + " ".join(gate["reasons"]))
    print(
        f"Report: /webteam/reports/{result.candidate_version_id}  "
        f"promote: python -m bot promote {result.candidate_version_id}"
    )


if __name__ == "__main__":
    raise SystemExit(main())
