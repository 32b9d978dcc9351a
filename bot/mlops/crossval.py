"""K-fold intent cross-validation of a project's NLU training data with its config.

Runs in this process, fold by fold: stratified folds of the intent examples (fixed seed, so
two runs on the same data agree); per fold, Rasa trains the config's NLU pipeline without its
entity extractors (``rasa.model_training.train_nlu``: the same graph, featurizers fitted on the
fold's training part only) and the held-back fold is parsed in one batch. Predictions count as
the held-out evaluation counts them (:mod:`bot.mlops.evaluation`: the FallbackClassifier's
threshold applies, an out-of-scope message that falls back is right). With config.yml's linear
classifier a fold takes a few seconds; the result is ``{"folds", "accuracy", "macro_f1",
"seconds", "data_fingerprint", "method"}``, the ``cv`` part of a model version's metrics.

Until issue 22 this ran ``rasa test nlu --cross-validation`` in a child process (a DIET model
per fold, minutes each). Its figures count differently, so a stored result is reused only when
its ``method`` is :data:`METHOD`.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.stack.paths import Project, base_env

METHOD = "folds-in-process-v1"
SEED = 0
# Components that find entities only: a fold measures intents, so they are not trained.
ENTITY_ONLY = {
    "CRFEntityExtractor",
    "RegexEntityExtractor",
    "EntitySynonymMapper",
    "DucklingEntityExtractor",
    "SpacyEntityExtractor",
    "bot.rasa_server.nlu_language.LanguageDetector",
}

Progress = Callable[[int, int, int], None]
"""``progress(fold, folds, percent of that fold)``: 0 when a fold starts, 100 when it ends."""


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


def intent_only_config(config: Path) -> dict[str, Any]:
    """``config``'s recipe, language and NLU pipeline without the entity-only components."""
    import yaml

    data = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
    pipeline = [c for c in data.get("pipeline") or [] if c.get("name") not in ENTITY_ONLY]
    if not pipeline:
        raise CrossValidationError(f"{config}: the field pipeline is empty")
    keep = {k: v for k, v in data.items() if k in ("recipe", "language", "assistant_id")}
    return {**keep, "pipeline": pipeline}


def folds_of(data: Any, folds: int) -> list[tuple[Any, list[Any]]]:
    """(training data of the other folds, the fold's examples) per fold, stratified by intent.
    Regex features, lookup tables and synonyms go with every training part."""
    from rasa.shared.nlu.training_data.training_data import TrainingData
    from sklearn.model_selection import StratifiedKFold

    examples = [e for e in data.intent_examples if e.get("text")]
    labels = [e.get("intent") for e in examples]
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=SEED)
    out = []
    import warnings

    with warnings.catch_warnings():
        # An intent with fewer examples than folds is in fewer test folds; that is fine here.
        warnings.simplefilter("ignore", UserWarning)
        splits = list(splitter.split(examples, labels))
    for train_idx, test_idx in splits:
        train = TrainingData(
            training_examples=[examples[i] for i in train_idx],
            entity_synonyms=data.entity_synonyms,
            regex_features=data.regex_features,
            lookup_tables=data.lookup_tables,
        )
        out.append((train, [examples[i] for i in test_idx]))
    return out


def cross_validate(
    root: Path,
    folds: int,
    *,
    nlu: Path | None = None,
    config: str = "config.yml",
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Cross-validate the intents of ``nlu`` (default ``<root>/data/nlu``) with ``config`` in
    ``folds`` folds; returns the ``cv`` metrics (with the time taken, in seconds)."""
    import yaml

    nlu_dir = nlu or Project(root).nlu
    started = time.monotonic()
    if folds < 2:
        raise CrossValidationError(f"cross-validation needs at least 2 folds, not {folds}")
    os.environ.update({k: v for k, v in low_priority_env().items() if "THREADS" in k})
    try:
        from rasa.model_training import train_nlu
        from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter
        from rasa.shared.nlu.training_data.loading import load_data

        from bot.mlops.evaluation import Prediction, Report, load_agent
        from bot.mlops.shadow import parse_batch, quiet_rasa_logs

        quiet_rasa_logs()
        data = load_data(str(nlu_dir), language=None)
        predictions: list[Prediction] = []
        with tempfile.TemporaryDirectory(prefix="borger-cv-") as tmp:
            work = Path(tmp)
            config_file = work / "config.yml"
            config_file.write_text(
                yaml.safe_dump(intent_only_config(root / config), allow_unicode=True), "utf-8"
            )
            parts = folds_of(data, folds)
            for k, (train, test) in enumerate(parts, start=1):
                if progress:
                    progress(k, folds, 0)
                train_file = work / f"fold-{k}.yml"
                RasaYAMLWriter().dump(train_file, train)
                model = train_nlu(str(config_file), str(train_file), str(work / f"fold-{k}"))
                if model is None:
                    raise CrossValidationError(f"fold {k}: Rasa trained no model")
                agent = load_agent(Path(model))
                parsed = parse_batch(agent, [e.get("text") for e in test])
                for example, result in zip(test, parsed, strict=True):
                    intent = result.get("intent") or {}
                    ranking = [
                        r for r in result.get("intent_ranking") or [] if r["name"] != "nlu_fallback"
                    ]
                    top = ranking[0] if ranking else intent
                    predictions.append(
                        Prediction(
                            example.get("text"),
                            example.get("intent"),
                            str(intent.get("name") or "nlu_fallback"),
                            float(intent.get("confidence") or 0.0),
                            str(top.get("name") or "nlu_fallback"),
                            float(top.get("confidence") or 0.0),
                        )
                    )
                if progress:
                    progress(k, folds, 100)
    except CrossValidationError:
        raise
    except Exception as exc:  # Rasa's training or loading failed: say so, do not crash the job
        raise CrossValidationError(f"{type(exc).__name__}: {exc}") from exc
    report = Report(predictions)
    return {
        "folds": folds,
        "accuracy": report.accuracy,
        "macro_f1": report.macro_f1(),
        "seconds": round(time.monotonic() - started, 1),
        "data_fingerprint": nlu_fingerprint(nlu_dir, root / config),
        "method": METHOD,
    }
