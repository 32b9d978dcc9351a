"""The retrain's stages (:data:`STAGES`; :mod:`bot.mlops.retrain` runs them in order): export
the accepted review items, validate the data (``python -m bot.mlops.validate`` in a child
process while the candidate trains), train, evaluate both models on the held-out set,
cross-validate both in worker processes (a stored result of the same data is reused), compare
and register, and the shadow test. :class:`Progress` writes each stage and progress line to the
job (:mod:`bot.mlops.jobs`, polled by the web team's page) and to stderr, and times each stage.
A stage that cannot go on raises :class:`RetrainError` with a Danish message for the page.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.mlops.shadow_gate import messages_word
from bot.settings import get_settings
from bot.stack.paths import PROJECT_DIR_VARIABLE, Project, base_env

if TYPE_CHECKING:
    from bot.mlops.promotion import GateDecision

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
        from bot.db.engine import session_scope
        from bot.db.stores import REVIEW

        with session_scope(REVIEW, self.url) as session:
            fn(session, self.job_id, *args, now=get_settings().now(), **kwargs)

    def stage(self, step: int) -> None:
        from bot.mlops import jobs

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
        self.line(f"{STAGES[self.step - 1]}: færdig efter {seconds_text(seconds)}")

    def total(self) -> float:
        return round(time.monotonic() - self.started, 1)

    def line(self, text: str) -> None:
        from bot.mlops import jobs

        self._job(jobs.add_line, text)
        self._print(f"      {text}")

    def beat(self) -> None:
        from bot.mlops import jobs

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


def _pct(value: float) -> str:
    return f"{100 * value:.1f}".replace(".", ",") + " %"


def seconds_text(seconds: float) -> str:
    """ "0,4 s", "12,3 s", "1 min 5 s": a stage's time as the page shows it."""
    if seconds >= 60:
        return _duration(seconds)
    return f"{seconds:.1f}".replace(".", ",") + " s"


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes} min {secs} s" if minutes else f"{secs} s"


def export_reviewed(project: Project, url: str | None, progress: Progress) -> int | None:
    """Stage 1; the number of examples in ``data/nlu/reviewed.yml`` (None: no export module)."""
    try:
        from bot.review.export import write_reviewed
    except ImportError:
        progress.line("Indbakkens eksport findes ikke; træningsdata bruges, som de er.")
        return None
    try:
        result = write_reviewed(project.root, url)
    except Exception as exc:
        raise RetrainError(
            f"De godkendte eksempler kunne ikke gemmes som træningsdata: {exc}"
        ) from exc
    from bot.dialogue.topics import get_registry

    label = get_registry().intent_label
    intents = ", ".join(f"{label(k)}: {v}" for k, v in sorted(result.by_intent.items()))
    progress.line(
        f"{result.added} godkendte eksempler i {result.path.relative_to(project.root)}"
        + (f" ({intents})" if intents else "")
    )
    return int(result.added)


ANSI = re.compile(r"\x1b\[[0-9;]*m")
WARNING_PREFIX = re.compile(r"^.*?\b(?:User)?Warning:\s*")


def clean_problem(line: str) -> str:
    """A validation problem without colour codes, file paths of Rasa's code and "UserWarning"."""
    text = ANSI.sub("", line).removeprefix("validate: ").strip()
    return WARNING_PREFIX.sub("", text)


def start_validation(project: Project) -> subprocess.Popen:
    """Stage 2: the checks of ``make validate`` (registry vs. domain here, Rasa's data
    validation, ``python -m bot.mlops.validate``, in a child process that runs while the
    candidate trains)."""
    from bot.mlops.training import TrainingDataError, write_generated_data

    try:
        write_generated_data(project.root)
    except TrainingDataError as exc:
        raise RetrainError(f"Emnelisten og domain.yml passer ikke sammen: {exc}") from exc
    return subprocess.Popen(
        [sys.executable, "-m", "bot.mlops.validate"],
        cwd=project.root,
        env=base_env({PROJECT_DIR_VARIABLE: str(project.root)}),
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
    project: Project, progress: Progress, validation: subprocess.Popen | None = None
) -> tuple[Path, bool]:
    """Stage 3: the candidate's model file, and whether an existing one was reused.

    Rasa trains in a worker thread while this one watches ``validation``: when it fails, the
    retrain stops at once with its problems (the thread is a daemon and ends with the
    process), instead of after a training of data that cannot be used."""
    from bot.mlops.training import model_path, train_in_process

    target = model_path(project.root)
    reused = target.exists()
    if reused:
        progress.line(f"Der findes allerede en model af disse data: {target.name}. Den genbruges.")
    else:
        outcome: dict[str, BaseException] = {}

        def train() -> None:
            try:
                train_in_process(project.root, target=target)
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
    folder = project.models
    if folder.resolve() != target.parent.resolve():
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy2(target, folder / target.name)
    return target, reused


def _baseline(project: Project, before: Path, candidate: Path) -> Path | None:
    """The model the assistant's startup would serve when no version is in service."""
    if before.exists() and before.name != candidate.name:
        return before
    others = [
        p for p in project.models.glob("model-*.tar.gz") if p.name != candidate.name and p.is_file()
    ]
    return max(others, key=lambda p: p.stat().st_mtime) if others else None


def in_service_model(
    project: Project, url: str | None, before: Path, candidate: Path, progress: Progress
) -> tuple[int | None, Path | None, dict]:
    """(version id, model file, stored metrics) of the model in service (registering the
    baseline when nothing is in service), or (None, None, {}) when there is no model at all."""
    from bot.db.engine import session_scope
    from bot.db.stores import REVIEW
    from bot.mlops.versions import in_service, model_file

    with session_scope(REVIEW, url) as session:
        current = in_service(session)
        if current is not None:
            found = (current.id, model_file(current), dict(current.metrics or {}))
        else:
            found = None
    if found is None:
        baseline = _baseline(project, before, candidate)
        if baseline is None:
            progress.line("Der er ingen model i drift og ingen tidligere model at sammenligne med.")
            return None, None, {}
        from bot.mlops.serving import RegistrationError, register_served_model

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
        with session_scope(REVIEW, url) as session:
            current = in_service(session)
            assert current is not None
            found = (current.id, model_file(current), dict(current.metrics or {}))
    version_id, path, _ = found
    if not path.is_file():
        raise RetrainError(f"Modelfilen for version {version_id} i drift mangler: {path}")
    progress.line(f"Model i drift: version {version_id} ({path.name})")
    return found


def evaluate_on(model: Path, heldout: Path, progress: Progress, what: str) -> list:
    from bot.mlops.evaluation import evaluate

    report = progress.while_running(f"Tester {what}", lambda: evaluate(model, heldout))
    correct = sum(p.correct for p in report.predictions)
    progress.line(f"{what.capitalize()}: {correct} af {len(report.predictions)} rigtige.")
    return report.predictions


def _cv_in_child(root: str, folds: int, nlu: str) -> dict[str, Any] | str:
    """:func:`bot.mlops.crossval.cross_validate` in a worker process; its error as a string."""
    from bot.mlops.crossval import CrossValidationError, cross_validate

    try:
        return cross_validate(Path(root), folds, nlu=Path(nlu))
    except CrossValidationError as exc:
        return str(exc)


def start_cv(pool: Any, root: Path, folds: int, nlu: Path) -> Any:
    """Start cross-validating ``nlu`` in ``pool`` (it runs while this process trains and
    evaluates: two cores, two jobs)."""
    return pool.apply_async(_cv_in_child, (str(root), folds, str(nlu)))


def finish_cv(future: Any, progress: Progress, what: str) -> dict[str, Any] | None:
    """Wait for :func:`start_cv`'s result and say it."""
    try:
        result = progress.while_running(f"Krydsvaliderer {what}", future.get)
    except Exception as exc:  # the worker died: the comparison goes on without it
        result = f"{type(exc).__name__}: {exc}"
    if isinstance(result, str):
        progress.line(f"Krydsvalidering af {what} mislykkedes: {result[:300]}")
        return None
    progress.line(
        f"Krydsvalidering af {what}: træfsikkerhed {_pct(result['accuracy'])}, "
        f"F1 {_pct(result['macro_f1'])} ({seconds_text(result['seconds'])})"
    )
    return result


def stored_cv(metrics: dict, folds: int, fingerprint: str | None = None) -> dict | None:
    from bot.mlops.crossval import METHOD

    cv = metrics.get("cv")
    if not cv or cv.get("folds") != folds or cv.get("method") != METHOD:
        return None
    if fingerprint is not None and cv.get("data_fingerprint") not in (None, fingerprint):
        return None
    return cv


def candidate_cv_cached(url: str | None, file_name: str, folds: int, fp: str) -> dict | None:
    """The stored cross-validation of the registered version of ``file_name``, if it fits."""
    from bot.db.engine import session_scope
    from bot.db.stores import REVIEW
    from bot.mlops.versions import version_of_file

    with session_scope(REVIEW, url) as session:
        version = version_of_file(session, file_name)
        return stored_cv(dict(version.metrics or {}), folds, fp) if version else None


def shadow_stage(
    candidate_id: int, service_id: int | None, url: str | None, progress: Progress
) -> Any:
    """Stage 8: the shadow test of the new version against the one in service (None when
    there is nothing to compare with); a failure is a line, not the end of the retrain: the
    report and the version stand, and ``python -m bot shadow`` can run it again."""
    from bot.mlops.shadow import ShadowError, run_shadow

    if service_id is None or service_id == candidate_id:
        progress.line("Ingen anden model i drift: skyggetesten springes over.")
        return None
    try:
        result = run_shadow(candidate_id, url=url, progress=None)
    except ShadowError as exc:
        progress.line(f"Skyggetesten kunne ikke køre: {exc}")
        return None

    distinct = f" ({result.distinct_texts} forskellige)" if result.distinct_texts > 1 else ""
    progress.line(
        f"Skyggetest: {messages_word(result.messages)}{distinct} fra de sidste "
        f"{get_settings().shadow_days} dage. Svaret ændres for "
        f"{messages_word(result.disagreeing_messages)}."
    )
    return result


def preview_gate(url: str | None, version_id: int, progress: Progress) -> GateDecision:
    """After stage 8: the gate's verdict on the new version (shadow test included), said as the
    last line; the version is not promoted."""
    from bot.db.engine import session_scope
    from bot.db.stores import REVIEW
    from bot.mlops.promotion import gate_with_shadow
    from bot.mlops.versions import get_version, in_service

    with session_scope(REVIEW, url) as session:
        version = get_version(session, version_id)
        current = in_service(session)
        if current is not None and current.id == version_id:
            current = None
        decision = gate_with_shadow(session, version, current, get_settings().promotion_tolerance)
    progress.close_stage()
    verdict = (
        "Porten tillader at sætte den i drift."
        if decision.allowed
        else "Porten afviser den: " + " ".join(decision.reasons)
    )
    progress.line(f"Færdig efter {seconds_text(progress.total())}. {verdict}")
    return decision
