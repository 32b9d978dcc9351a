"""Retrain: export the accepted review items, validate, train a candidate, compare it with the
model in service, register it. ``python -m bot retrain`` (:mod:`bot.ops.cli_retrain`) and the
web team's "Start gentræning" button run this.

Stages (each one updates the job's progress in :mod:`bot.review.jobs`):

1. export accepted review items to ``data/nlu/reviewed.yml`` (``bot.review.export``);
2. validate, as ``make validate`` does (registry vs. domain, ``scripts/validate_data.py``), in
   a child process while stage 3 trains: a failed validation still stops the retrain;
3. train the candidate in this process (``bot.ops.training.train_in_process``; a model of the
   same inputs is reused);
4. evaluate the candidate on the held-out set;
5. evaluate the model in service on the held-out set;
6. cross-validate both (:mod:`bot.ops.crossval`; the in-service version's result is stored in
   its metrics and reused);
7. build the comparison report (:mod:`bot.ops.compare`), register the candidate version;
8. the shadow test (:mod:`bot.ops.shadow`): both models read the citizens' recent messages.

Each model is loaded once (:func:`bot.ops.evaluation.load_agent` keeps the last two), and each
stage's wall time is a progress line and part of the result (``timings``), so the page shows
real steps and times. ``scripts/measure_retrain.py`` measures the whole on a store of 10,000
messages; the budget is 60 seconds (issue 22, docs/retraining.md).

The model in service is ``bot.review.versions.in_service()``. When no version is in service,
the baseline is the model the assistant's startup would serve (``bot.ops.serving``'s rule): the
model of the training inputs as they were before the export, or else the newest other model file
in the models directory; it is registered and put in service by ``system``, as ``python -m bot
run`` would. See docs/retraining.md.

Training and cross-validation run at the lowest CPU priority with one TensorFlow/OpenMP thread
(:func:`bot.ops.crossval.low_priority_env`), so citizens' replies are not stalled.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.ops.compare import ComparisonReport, ModelRun, build_report, fallback_threshold
from bot.ops.crossval import low_priority_env, nlu_fingerprint
from bot.ops.runner import ROOT, base_env
from bot.settings import get_settings

HELDOUT = Path("tests") / "nlu" / "heldout.yml"
STAGES = (
    "Henter godkendte eksempler",
    "Tjekker træningsdata",
    "Træner den nye model",
    "Tester den nye model",
    "Tester modellen i drift",
    "Krydsvalidering",
    "Sammenligner og gemmer",
    "Skyggetest på borgernes spørgsmål",
)
# Keys of the result's ``timings``, one per stage.
STAGE_KEYS = (
    "export_s",
    "validate_s",
    "train_s",
    "evaluate_candidate_s",
    "evaluate_in_service_s",
    "cv_s",
    "register_s",
    "shadow_s",
)
HEARTBEAT_S = 5.0
STILL_RUNNING_S = 30.0


class RetrainError(Exception):
    """The retrain cannot go on; the message is for the page and the command line."""


class Progress:
    """Stage changes and progress lines of one job, in the jobs table and on stderr."""

    def __init__(self, job_id: int | None, url: str | None, echo: bool = True) -> None:
        self.job_id = job_id
        self.url = url
        self.echo = echo
        self.step = 0
        self.started = time.monotonic()
        self._stage_started = self.started
        self.timings: dict[str, float] = {}

    def _job(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        if self.job_id is None:
            return
        from bot.review.db import session_scope

        with session_scope(self.url) as session:
            fn(session, self.job_id, *args, now=get_settings().now(), **kwargs)

    def stage(self, step: int) -> None:
        from bot.review import jobs

        self.close_stage()
        self.step = step
        self._stage_started = time.monotonic()
        name = STAGES[step - 1]
        self._job(jobs.set_stage, stage=name, step=step, steps=len(STAGES))
        self._print(f"[{step}/{len(STAGES)}] {name}")

    def close_stage(self) -> None:
        """Record the running stage's wall time and say it (a line "… færdig: 3,2 s")."""
        if not self.step or STAGE_KEYS[self.step - 1] in self.timings:
            return
        seconds = time.monotonic() - self._stage_started
        self.timings[STAGE_KEYS[self.step - 1]] = round(seconds, 1)
        self.line(f"{STAGES[self.step - 1]}: færdig efter {_seconds(seconds)}")

    def total(self) -> float:
        return round(time.monotonic() - self.started, 1)

    def line(self, text: str) -> None:
        from bot.review import jobs

        self._job(jobs.add_line, text)
        self._print(f"      {text}")

    def beat(self) -> None:
        from bot.review import jobs

        self._job(jobs.heartbeat)

    def _print(self, text: str) -> None:
        if self.echo:
            print(text, file=sys.stderr, flush=True)

    def while_running(self, what: str, fn: Callable[[], Any]) -> Any:
        """Run ``fn`` while a thread keeps the job's heartbeat and says it is still running."""
        done = threading.Event()

        def beat() -> None:
            started = last = time.monotonic()
            while not done.wait(HEARTBEAT_S):
                try:
                    if time.monotonic() - last >= STILL_RUNNING_S:
                        last = time.monotonic()
                        self.line(f"{what} … {_duration(last - started)}")
                    else:
                        self.beat()
                except Exception:  # noqa: S110 - a missed beat must not stop the work
                    pass

        thread = threading.Thread(target=beat, daemon=True)
        thread.start()
        try:
            return fn()
        finally:
            done.set()
            thread.join()


def _pct(value: float) -> str:
    return f"{100 * value:.1f}".replace(".", ",") + " %"


def _seconds(seconds: float) -> str:
    """ "0,4 s", "12,3 s", "1 min 5 s": a stage's time as the page shows it."""
    if seconds >= 60:
        return _duration(seconds)
    return f"{seconds:.1f}".replace(".", ",") + " s"


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes} min {secs} s" if minutes else f"{secs} s"


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


# -- the stages ---------------------------------------------------------------------


def export_reviewed(root: Path, url: str | None, progress: Progress) -> int | None:
    """Stage 1; the number of examples in ``data/nlu/reviewed.yml`` (None: no export module)."""
    try:
        from bot.review.export import write_reviewed
    except ImportError:
        progress.line("Indbakkens eksport findes ikke; træningsdata bruges, som de er.")
        return None
    try:
        result = write_reviewed(root, url)
    except Exception as exc:
        raise RetrainError(
            f"De godkendte eksempler kunne ikke gemmes som træningsdata: {exc}"
        ) from exc
    from bot.dialogue.topics import get_registry

    label = get_registry().intent_label
    intents = ", ".join(f"{label(k)}: {v}" for k, v in sorted(result.by_intent.items()))
    progress.line(
        f"{result.added} godkendte eksempler i {result.path.relative_to(root)}"
        + (f" ({intents})" if intents else "")
    )
    return int(result.added)


ANSI = re.compile(r"\x1b\[[0-9;]*m")
WARNING_PREFIX = re.compile(r"^.*?\b(?:User)?Warning:\s*")


def clean_problem(line: str) -> str:
    """A validation problem without colour codes, file paths of Rasa's code and "UserWarning"."""
    text = ANSI.sub("", line).removeprefix("validate: ").strip()
    return WARNING_PREFIX.sub("", text)


def start_validation(root: Path) -> subprocess.Popen:
    """Stage 2: the checks of ``make validate`` (registry vs. domain here, Rasa's data
    validation in a child process that runs while the candidate trains)."""
    from bot.ops.training import TrainingDataError, write_generated_data

    try:
        write_generated_data(root)
    except TrainingDataError as exc:
        raise RetrainError(f"Emnelisten og domain.yml passer ikke sammen: {exc}") from exc
    env = base_env({"PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")])})
    return subprocess.Popen(
        [sys.executable, str(root / "scripts" / "validate_data.py")],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish_validation(proc: subprocess.Popen, progress: Progress) -> None:
    """Wait for :func:`start_validation`'s child; raise with its problems when it failed."""
    proc.checked = True  # type: ignore[attr-defined] # once: its pipes are read here
    _, stderr = proc.communicate()
    if proc.returncode != 0:
        problems = [
            clean_problem(line) for line in stderr.splitlines() if line.startswith("validate: ")
        ] or [clean_problem(stderr.strip()[-500:])]
        raise RetrainError("Træningsdata er ikke gyldige: " + "; ".join(problems[:8]))
    progress.line("Træningsdata og domæne er gyldige.")


def train_candidate(
    root: Path, progress: Progress, validation: subprocess.Popen | None = None
) -> tuple[Path, bool]:
    """Stage 3: the candidate's model file, and whether an existing one was reused.

    Rasa trains in a worker thread while this one watches ``validation``: when it fails, the
    retrain stops at once with its problems (the thread is a daemon and ends with the
    process), instead of after a training of data that cannot be used."""
    from bot.ops.training import model_path, train_in_process
    from bot.review.versions import models_dir

    target = model_path(root)
    reused = target.exists()
    if reused:
        progress.line(f"Der findes allerede en model af disse data: {target.name}. Den genbruges.")
    else:
        outcome: dict[str, BaseException] = {}

        def train() -> None:
            try:
                train_in_process(root, target=target)
            except BaseException as exc:  # reported by the watching thread
                outcome["error"] = exc

        def watch() -> None:
            worker = threading.Thread(target=train, name="train-candidate", daemon=True)
            worker.start()
            while worker.is_alive():
                worker.join(0.5)
                if validation is not None and validation.poll() not in (None, 0):
                    finish_validation(validation, progress)  # raises with the problems

        progress.while_running("Træner stadig", watch)
        if "error" in outcome:
            exc = outcome["error"]
            raise RetrainError(f"Træningen mislykkedes: {str(exc)[:300]}. Se loggen.") from exc
        progress.line(f"Ny model: {target.name}")
    folder = models_dir()
    if folder.resolve() != target.parent.resolve():
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy2(target, folder / target.name)
    return target, reused


def _baseline(root: Path, before: Path, candidate: Path) -> Path | None:
    """The model the assistant's startup would serve when no version is in service."""
    from bot.review.versions import models_dir

    if before.exists() and before.name != candidate.name:
        return before
    others = [
        p for p in models_dir().glob("model-*.tar.gz") if p.name != candidate.name and p.is_file()
    ]
    return max(others, key=lambda p: p.stat().st_mtime) if others else None


def in_service_model(
    root: Path, url: str | None, before: Path, candidate: Path, progress: Progress
) -> tuple[int | None, Path | None, dict]:
    """(version id, model file, stored metrics) of the model in service (registering the
    baseline when nothing is in service), or (None, None, {}) when there is no model at all."""
    from bot.review.db import session_scope
    from bot.review.versions import in_service, model_file

    with session_scope(url) as session:
        current = in_service(session)
        if current is not None:
            found = (current.id, model_file(current), dict(current.metrics or {}))
        else:
            found = None
    if found is None:
        baseline = _baseline(root, before, candidate)
        if baseline is None:
            progress.line("Der er ingen model i drift og ingen tidligere model at sammenligne med.")
            return None, None, {}
        from bot.ops.serving import RegistrationError, register_served_model

        try:
            served = register_served_model(
                baseline, production=get_settings().env == "production", url=url
            )
        except RegistrationError as exc:
            raise RetrainError(f"Modellen i drift kunne ikke registreres: {exc}") from exc
        progress.line(
            f"Ingen version var i drift; {baseline.name} (den model, assistenten starter med) "
            f"er registreret som version {served.served_id} og sat i drift."
        )
        with session_scope(url) as session:
            current = in_service(session)
            assert current is not None
            found = (current.id, model_file(current), dict(current.metrics or {}))
    version_id, path, _ = found
    if not path.is_file():
        raise RetrainError(f"Modelfilen for version {version_id} i drift mangler: {path}")
    progress.line(f"Model i drift: version {version_id} ({path.name})")
    return found


def _evaluate(model: Path, heldout: Path, progress: Progress, what: str) -> list:
    from bot.ops.evaluation import evaluate

    report = progress.while_running(f"Tester {what}", lambda: evaluate(model, heldout))
    correct = sum(p.correct for p in report.predictions)
    progress.line(f"{what.capitalize()}: {correct} af {len(report.predictions)} rigtige.")
    return report.predictions


def _cv_in_child(root: str, folds: int, nlu: str) -> dict[str, Any] | str:
    """:func:`bot.ops.crossval.cross_validate` in a worker process; its error as a string."""
    from bot.ops.crossval import CrossValidationError, cross_validate

    try:
        return cross_validate(Path(root), folds, nlu=Path(nlu))
    except CrossValidationError as exc:
        return str(exc)


def _cv_start(pool: Any, root: Path, folds: int, nlu: Path) -> Any:
    """Start cross-validating ``nlu`` in ``pool`` (it runs while this process trains and
    evaluates: two cores, two jobs)."""
    return pool.apply_async(_cv_in_child, (str(root), folds, str(nlu)))


def _cv_finish(future: Any, progress: Progress, what: str) -> dict[str, Any] | None:
    """Wait for :func:`_cv_start`'s result and say it."""
    try:
        result = progress.while_running(f"Krydsvaliderer {what}", future.get)
    except Exception as exc:  # the worker died: the comparison goes on without it
        result = f"{type(exc).__name__}: {exc}"
    if isinstance(result, str):
        progress.line(f"Krydsvalidering af {what} mislykkedes: {result[:300]}")
        return None
    progress.line(
        f"Krydsvalidering af {what}: træfsikkerhed {_pct(result['accuracy'])}, "
        f"F1 {_pct(result['macro_f1'])} ({_seconds(result['seconds'])})"
    )
    return result


def _stored_cv(metrics: dict, folds: int, fingerprint: str | None = None) -> dict | None:
    from bot.ops.crossval import METHOD

    cv = metrics.get("cv")
    if not cv or cv.get("folds") != folds or cv.get("method") != METHOD:
        return None
    if fingerprint is not None and cv.get("data_fingerprint") not in (None, fingerprint):
        return None
    return cv


def _candidate_cv_cached(url: str | None, file_name: str, folds: int, fp: str) -> dict | None:
    import sqlalchemy as sa

    from bot.review.db import session_scope
    from bot.review.versions import ModelVersion

    with session_scope(url) as session:
        version = session.scalars(
            sa.select(ModelVersion).where(ModelVersion.file_name == file_name)
        ).first()
        return _stored_cv(dict(version.metrics or {}), folds, fp) if version else None


def _shadow(candidate_id: int, service_id: int | None, url: str | None, progress: Progress) -> Any:
    """Stage 8: the shadow test of the new version against the one in service (None when
    there is nothing to compare with); a failure is a line, not the end of the retrain: the
    report and the version stand, and ``python -m bot shadow`` can run it again."""
    from bot.ops.shadow import ShadowError, run_shadow

    if service_id is None or service_id == candidate_id:
        progress.line("Ingen anden model i drift: skyggetesten springes over.")
        return None
    try:
        result = run_shadow(candidate_id, url=url, progress=None)
    except ShadowError as exc:
        progress.line(f"Skyggetesten kunne ikke køre: {exc}")
        return None
    from bot.review.shadow import messages_word

    distinct = f" ({result.distinct_texts} forskellige)" if result.distinct_texts > 1 else ""
    progress.line(
        f"Skyggetest: {messages_word(result.messages)}{distinct} fra de sidste "
        f"{get_settings().shadow_days} dage. Svaret ændres for "
        f"{messages_word(result.disagreeing_messages)}."
    )
    return result


def run_retrain(
    *,
    root: Path = ROOT,
    url: str | None = None,
    job_id: int | None = None,
    by: str = "cli",
    folds: int | None = None,
    echo: bool = True,
) -> RetrainResult:
    """Run the whole pipeline; raises :class:`RetrainError` with a message for the page."""
    from bot.ops.evaluation import data_fingerprint
    from bot.ops.shadow import quiet_rasa_logs
    from bot.ops.training import fingerprint, model_path
    from bot.review import versions
    from bot.review.db import session_scope

    settings = get_settings()
    folds = settings.cv_folds if folds is None else folds
    progress = Progress(job_id, url, echo)
    quiet_rasa_logs()  # Rasa's debug lines carry citizens' text; the progress lines suffice
    os.environ.update({k: v for k, v in low_priority_env().items() if "THREADS" in k})
    heldout = root / HELDOUT
    try:
        threshold = fallback_threshold(root / "config.yml")
    except Exception as exc:
        raise RetrainError(str(exc)) from exc

    # Before the export: the model of the inputs as they are, and their NLU data (the baseline's
    # cross-validation needs them when no version is in service).
    before = model_path(root)
    snapshot = Path(tempfile.mkdtemp(prefix="borger-nlu-before-"))
    # Cross-validation runs in worker processes while this one trains and evaluates; a failed
    # retrain stops them at once (terminate), a finished one has their results already.
    pool = multiprocessing.get_context("spawn").Pool(2)
    try:
        shutil.copytree(root / "data" / "nlu", snapshot / "nlu")

        progress.stage(1)
        exported = export_reviewed(root, url, progress)

        progress.stage(2)
        validation = start_validation(root)
        progress.line("Tjekkes, mens den nye model trænes.")
        nlu_now = root / "data" / "nlu"
        cand_fp = nlu_fingerprint(nlu_now, root / "config.yml")
        cand_cv = (
            _candidate_cv_cached(url, model_path(root).name, folds, cand_fp) if folds else None
        )
        cand_cv_job = _cv_start(pool, root, folds, nlu_now) if folds and cand_cv is None else None

        progress.stage(3)
        try:
            candidate, reused = train_candidate(root, progress, validation)
        finally:
            # Validation's verdict counts even when training failed: it usually says why.
            if not getattr(validation, "checked", False):
                finish_validation(validation, progress)

        progress.stage(4)
        cand_predictions = _evaluate(candidate, heldout, progress, "den nye model")

        progress.stage(5)
        old_id, old_file, old_metrics = in_service_model(root, url, before, candidate, progress)
        old_predictions = None
        if old_file is not None:
            old_predictions = _evaluate(old_file, heldout, progress, "modellen i drift")

        old_cv = _stored_cv(old_metrics, folds) if old_file is not None and folds else None
        old_cv_job = None
        if old_file is not None and old_cv is None and folds and old_file.name == before.name:
            if old_file.name != candidate.name:
                old_cv_job = _cv_start(pool, root, folds, snapshot / "nlu")

        progress.stage(6)
        if not folds:
            progress.line("Krydsvalidering er slået fra (BOT_CV_FOLDS=0); kun testsættet tæller.")
        if cand_cv is not None:
            progress.line("Krydsvalidering af den nye model: gemt resultat genbruges.")
        if old_file is not None and old_cv is not None:
            progress.line("Krydsvalidering af modellen i drift: gemt resultat genbruges.")
        if cand_cv_job is not None:
            cand_cv = _cv_finish(cand_cv_job, progress, "den nye model")
        if old_file is not None and old_cv is None and folds:
            # Its training data are known only when it is the model of the inputs as they were
            # before the export (model files are named after their inputs' fingerprint).
            if old_file.name == candidate.name:
                old_cv = cand_cv
            elif old_cv_job is not None:
                old_cv = _cv_finish(old_cv_job, progress, "modellen i drift")
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
        with session_scope(url) as session:
            if (
                old_id is not None
                and old_full is not None
                and old_id != _same_id(session, candidate.name)
            ):
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
        report = _with_candidate_id(report, version_id)
        with session_scope(url) as session:
            versions.register_candidate(
                session,
                file_name=candidate.name,
                data_fingerprint=fingerprint(root),
                metrics=cand_metrics,
                report=report.to_dict(),
                created_by=by,
            )
        progress.line(f"Registreret som version {version_id}.")

        progress.stage(8)
        shadow = _shadow(version_id, old_id, url, progress)

        with session_scope(url) as session:
            version = session.get(versions.ModelVersion, version_id)
            current = versions.in_service(session)
            if current is not None and current.id == version_id:
                current = None
            decision = versions.gate_with_shadow(
                session, version, current, settings.promotion_tolerance
            )
        progress.close_stage()
        progress.line(
            f"Færdig efter {_seconds(progress.total())}. "
            + (
                "Porten tillader at sætte den i drift."
                if decision.allowed
                else "Porten afviser den: " + " ".join(decision.reasons)
            )
        )
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


def _same_id(session: Any, file_name: str) -> int | None:
    import sqlalchemy as sa

    from bot.review.versions import ModelVersion

    version = session.scalars(
        sa.select(ModelVersion).where(ModelVersion.file_name == file_name)
    ).first()
    return version.id if version else None


def _with_candidate_id(report: ComparisonReport, version_id: int) -> ComparisonReport:
    from dataclasses import replace

    return replace(report, candidate=replace(report.candidate, version_id=version_id))
