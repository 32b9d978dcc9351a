"""K-fold intent cross-validation of a project's NLU training data with its config.

Runs Rasa's own ``rasa test nlu --cross-validation --folds K`` (stratified folds; a DIET model
is trained per fold, 1-2 minutes each on two cores) in a child process at low CPU priority
with few threads (:func:`low_priority_env`), follows its output to report the fold in progress,
and reads what it writes: ``intent_report.json`` in the output folder, the intent report over
all test folds together. The result is ``{"folds", "accuracy", "macro_f1", "seconds",
"data_fingerprint"}``, the ``cv`` part of a model version's metrics.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.ops.runner import base_env, rasa_executable

NLU_DIR = Path("data") / "nlu"
FOLD_STARTS = re.compile(r"Starting to train component 'DIETClassifier'")
EPOCHS = re.compile(r"Epochs:\s+(\d+)%")

Progress = Callable[[int, int, int], None]
"""``progress(fold, folds, percent of that fold's epochs)``."""


class CrossValidationError(Exception):
    """Rasa's cross-validation failed; the message says how (and the end of its output)."""


def low_priority_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for training processes: ``BOT_TRAINING_THREADS`` TensorFlow/OpenMP threads
    (default one: two noisy cores are shared with the citizens' Rasa and action servers),
    quiet logs."""
    from bot.settings import get_settings

    threads = str(get_settings().training_threads)
    return base_env(
        {
            "TF_NUM_INTRAOP_THREADS": threads,
            "TF_NUM_INTEROP_THREADS": threads,
            "OMP_NUM_THREADS": threads,
            "OPENBLAS_NUM_THREADS": threads,
            "MKL_NUM_THREADS": threads,
            **(extra or {}),
        }
    )


def be_nice() -> None:
    """Lower this process's CPU priority to the lowest (children inherit it).

    Linux's autogroup scheduling (``kernel.sched_autogroup_enabled``, on by default) shares the
    CPU between sessions first, and a process's nice value only counts inside its session. So
    a session leader (the job the web page starts, a training child started with
    ``start_new_session``) also lowers its session's autogroup priority; a command run from a
    terminal shares the terminal's session and only lowers its own nice value.
    """
    try:
        os.nice(19 - os.nice(0))
    except OSError:  # pragma: no cover - not allowed here; run at normal priority
        return
    if os.getsid(0) == os.getpid():
        try:
            Path("/proc/self/autogroup").write_text("19", encoding="ascii")
        except OSError:
            pass  # no autogroup (other kernels, containers): the nice value is what counts


def nlu_fingerprint(nlu_dir: Path, config: Path) -> str:
    """SHA-256 (16 hex digits) of the NLU files and the config: what a CV result is valid for."""
    h = hashlib.sha256(config.read_bytes())
    for path in sorted(p for p in nlu_dir.rglob("*") if p.is_file()):
        h.update(str(path.relative_to(nlu_dir)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def read_intent_report(path: Path, folds: int) -> dict[str, Any]:
    """``{"folds", "accuracy", "macro_f1"}`` from Rasa's ``intent_report.json``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {
            "folds": folds,
            "accuracy": float(data["accuracy"]),
            "macro_f1": float(data["macro avg"]["f1-score"]),
        }
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CrossValidationError(f"{path}: no intent accuracy and macro F1 ({exc})") from exc


def _follow(proc: subprocess.Popen, folds: int, progress: Progress | None) -> str:
    """Read the child's output (tqdm's carriage returns too), report progress, return the tail."""
    assert proc.stdout is not None
    tail = ""
    fold, percent = 0, -1
    buffer = ""
    while True:
        chunk = proc.stdout.read1(4096) if hasattr(proc.stdout, "read1") else proc.stdout.read(4096)
        if not chunk:
            break
        buffer += chunk.decode("utf-8", errors="replace")
        *parts, buffer = re.split(r"[\r\n]", buffer)
        for part in parts:
            if FOLD_STARTS.search(part):
                fold, percent = fold + 1, 0
                if progress:
                    progress(min(fold, folds), folds, 0)
            elif (m := EPOCHS.search(part)) and fold:
                value = int(m.group(1))
                if value >= percent + 10 and progress:
                    percent = value - value % 10
                    progress(min(fold, folds), folds, percent)
            if part.strip():
                tail = (tail + part + "\n")[-4000:]
    return tail


def cross_validate(
    root: Path,
    folds: int,
    *,
    nlu: Path | None = None,
    config: str = "config.yml",
    progress: Progress | None = None,
    nice: bool = True,
) -> dict[str, Any]:
    """Cross-validate the intents of ``nlu`` (default ``<root>/data/nlu``) with ``config`` in
    ``folds`` folds; returns the ``cv`` metrics (with the time taken, in seconds)."""
    nlu_dir = nlu or root / NLU_DIR
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="borger-cv-") as out:
        command = [
            rasa_executable(),
            "test",
            "nlu",
            "--nlu",
            str(nlu_dir),
            "--config",
            config,
            "--cross-validation",
            "--folds",
            str(folds),
            "--out",
            out,
            "--no-plot",
            "--no-errors",
            "--no-warnings",
        ]
        proc = subprocess.Popen(
            command,
            cwd=root,
            env=low_priority_env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            preexec_fn=be_nice if nice else None,
        )
        try:
            tail = _follow(proc, folds, progress)
        finally:
            proc.wait()
        if proc.returncode != 0:
            raise CrossValidationError(
                f"rasa test nlu --cross-validation exited with {proc.returncode}:\n{tail[-1500:]}"
            )
        result = read_intent_report(Path(out) / "intent_report.json", folds)
    result["seconds"] = round(time.monotonic() - started, 1)
    result["data_fingerprint"] = nlu_fingerprint(nlu_dir, root / config)
    return result
