"""Train the Rasa model only when its inputs changed.

The model file is named after a fingerprint of everything training reads (config, domain,
training data, the topic registry, the spaCy pipeline and the Rasa version), so "is there a
model for the current inputs?" is a file lookup, independent of Rasa's cache.

The rules "intent -> action" of the registry's topics are not written by hand: they are made
from ``bot/dialogue/topics.yml`` into ``build/training-data/`` before each training and
validation, beside ``data/``.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

import yaml

from bot.mlops.spacy_model import build as build_spacy
from bot.stack.paths import Project, base_env, rasa_executable

TRAINING_INPUTS = ("config.yml", "domain.yml", "data", "bot/dialogue/topics.yml")
GENERATED_DATA = Path("build") / "training-data"


class TrainingDataError(Exception):
    """The registry and the domain disagree; the message names the file and the field."""


def write_generated_data(root: Path | None = None) -> Path:
    """Write the registry's rules to ``build/training-data/`` under ``root``; return the dir.

    Raises :class:`TrainingDataError` when the registry does not match ``domain.yml``.
    """
    root = root or Project.current().root
    from bot.dialogue.topics import get_registry

    registry = get_registry()
    domain = yaml.safe_load((root / "domain.yml").read_text(encoding="utf-8")) or {}
    problems = registry.problems_with_domain(domain, "domain.yml")
    if problems:
        raise TrainingDataError("\n".join(problems))
    target = root / GENERATED_DATA
    target.mkdir(parents=True, exist_ok=True)
    rules = yaml.safe_dump(registry.rules(), allow_unicode=True, sort_keys=False)
    header = "# Made from bot/dialogue/topics.yml by bot/mlops/training.py. Do not edit.\n"
    path = target / "topic_rules.yml"
    if not path.exists() or path.read_text(encoding="utf-8") != header + rules:
        path.write_text(header + rules, encoding="utf-8")
    return target


def _files(root: Path) -> list[Path]:
    paths: list[Path] = []
    for name in TRAINING_INPUTS:
        p = root / name
        paths.extend(sorted(q for q in p.rglob("*") if q.is_file()) if p.is_dir() else [p])
    return paths


def fingerprint(root: Path | None = None, config: str = "config.yml") -> str:
    """SHA-256 over the training inputs' paths and contents, plus the Rasa version."""
    root = root or Project.current().root
    from importlib.metadata import version

    h = hashlib.sha256(f"rasa=={version('rasa')}\nconfig={config}\n".encode())
    for path in _files(root):
        h.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    spacy_meta = Project(root).spacy_pipeline / "meta.json"
    if spacy_meta.exists():
        h.update(spacy_meta.read_bytes())
    if config != "config.yml":
        h.update((root / config).read_bytes())
    return h.hexdigest()[:16]


def model_path(
    root: Path | None = None, config: str = "config.yml", models: Path | None = None
) -> Path:
    """The model file for the current inputs under ``root``, in ``models`` (default the
    project's models directory, ``BOT_MODELS_DIR``: an absolute one lets a project copy (tests)
    keep its models beside the project's own, cached by fingerprint like them)."""
    project = Project(root) if root else Project.current()
    stem = "model" if config == "config.yml" else Path(config).stem
    return (models or project.models) / f"{stem}-{fingerprint(project.root, config)}.tar.gz"


def ensure_model(
    root: Path | None = None,
    config: str = "config.yml",
    force: bool = False,
    models: Path | None = None,
) -> Path:
    """Path of a model trained on the current inputs; trains one if there is none."""
    root = root or Project.current().root
    build_spacy(Project(root).spacy_pipeline)
    generated = write_generated_data(root)
    target = model_path(root, config, models)
    if target.exists() and not force:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        train_command(root, config, generated, target), cwd=root, env=base_env(), check=True
    )
    return target


def train_command(root: Path, config: str, generated: Path, target: Path) -> list[str]:
    """The ``rasa train`` command line that trains ``config`` on the project's data and the
    generated data into ``target`` (run it with ``cwd=root``)."""
    return [
        rasa_executable(),
        "train",
        "--config",
        config,
        "--domain",
        "domain.yml",
        "--data",
        "data",
        str(generated.relative_to(root)),
        "--out",
        str(target.parent),
        "--fixed-model-name",
        target.name.removesuffix(".tar.gz"),
    ]


def train_in_process(
    root: Path | None = None, config: str = "config.yml", target: Path | None = None
) -> Path:
    """Train ``config`` on the project's data into ``target`` (default :func:`model_path`) in
    this process, as ``rasa train`` does, without starting Python and importing Rasa again.
    Rasa's messages go to stderr (stdout may carry a ``--json`` answer). Raises
    :class:`TrainingDataError` when Rasa trains nothing."""
    root = root or Project.current().root
    import contextlib
    import sys

    build_spacy(Project(root).spacy_pipeline)
    generated = write_generated_data(root)
    target = target or model_path(root, config)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.environ["RASA_TELEMETRY_ENABLED"] = "false"
    from rasa.model_training import train

    with contextlib.redirect_stdout(sys.stderr):
        result = train(
            domain=str(root / "domain.yml"),
            config=str(root / config),
            training_files=[str(root / "data"), str(generated)],
            output=str(target.parent),
            fixed_model_name=target.name.removesuffix(".tar.gz"),
        )
    if result.code != 0 or not target.is_file():
        raise TrainingDataError(f"rasa train ended with code {result.code} and no {target.name}")
    return target
