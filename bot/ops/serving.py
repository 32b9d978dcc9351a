"""Which model the running assistant serves: register the model of the current inputs as a
version, put it into service when nothing is, and the Rasa ``models:`` endpoint section that
makes the Rasa server pull the version in service from the web app.

The rule at startup (``python -m bot run``, or a test stack with a model server), see
docs/model-versions.md:

- no version in service: the model becomes the version in service, promoted by ``system``;
- the model is the one in service: nothing changes;
- another version is in service that ``system`` put there (nobody promoted one by hand) and
  ``BOT_ENV`` is not production: the model of the working tree replaces it (a developer who
  changed ``data/`` and restarts sees the change), recorded as an override by ``system``;
- otherwise the version in service stays, and the message says how to promote the new one.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot.ops.runner import ROOT

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

HELDOUT = ROOT / "tests" / "nlu" / "heldout.yml"
MODEL_SERVER_PATH = "/model-server/model.tar.gz"
FINGERPRINT_IN_NAME = re.compile(r"-([0-9a-f]{16})\.tar\.gz$")
DEV_OVERRIDE = (
    "Udvikling: modellen fra arbejdskopien erstatter den model, systemet satte i drift "
    "(BOT_ENV er ikke production)."
)


class RegistrationError(Exception):
    """The model cannot be registered; the message says why and what to do."""


@dataclass(frozen=True)
class Served:
    """The outcome of :func:`register_served_model`: which version serves, and what happened."""

    served_id: int
    registered_id: int
    message: str


def heldout_metrics_cached(model: Path, heldout: Path = HELDOUT) -> dict:
    """``bot.ops.evaluation.heldout_metrics`` of ``model``, computed once per model and held-out
    set (kept beside the model as ``<name>.heldout.json``; evaluating takes 20-40 s)."""
    from bot.ops.evaluation import data_fingerprint, heldout_metrics

    cache = model.with_name(model.name.removesuffix(".tar.gz") + ".heldout.json")
    wanted = data_fingerprint(heldout)
    if cache.is_file():
        try:
            cached = json.loads(cache.read_text(encoding="utf-8"))
            if cached.get("fingerprint") == wanted:
                return cached
        except (OSError, ValueError):
            pass  # a broken cache is measured again
    metrics = heldout_metrics(model, heldout)
    try:
        cache.write_text(json.dumps(metrics, ensure_ascii=False), encoding="utf-8")
    except OSError:
        pass  # read-only models dir: measured again next time
    return metrics


def data_fingerprint_of(model: Path) -> str:
    """The training-input fingerprint of a model file named by :mod:`bot.ops.training`, or of
    the current inputs when the name has none."""
    found = FINGERPRINT_IN_NAME.search(model.name)
    if found:
        return found.group(1)
    from bot.ops.training import fingerprint

    return fingerprint()


def register_served_model(
    model: Path, *, production: bool, url: str | None = None, by: str = "system"
) -> Served:
    """Register ``model`` (a file in the models directory) and apply the startup rule above."""
    import sqlalchemy as sa

    from bot.review.db import session_scope
    from bot.review.versions import (
        SYSTEM,
        ModelVersion,
        gate,
        in_service,
        models_dir,
        register_candidate,
    )
    from bot.settings import get_settings

    model = model.resolve()
    folder = models_dir().resolve()
    if model.parent != folder:
        raise RegistrationError(
            f"{model}: the model is not in the models directory {folder} (BOT_MODELS_DIR); "
            "the model server only serves files from there"
        )
    if not model.is_file():
        raise RegistrationError(f"{model}: no such model file")
    with session_scope(url) as session:
        current = in_service(session)
        existing = session.scalars(
            sa.select(ModelVersion).where(ModelVersion.file_name == model.name)
        ).first()
        metrics = None
        if existing is None or not (existing.metrics or {}).get("heldout"):
            metrics = {"heldout": heldout_metrics_cached(model), "cv": None}
        version = register_candidate(
            session,
            file_name=model.name,
            data_fingerprint=data_fingerprint_of(model),
            metrics=metrics,
            report=None,
            created_by=by,
        )
        name = f"version {version.id} ({model.name})"
        if current is None:
            _promote(session, version.id, None)
            return Served(version.id, version.id, f"Serving {name}: nothing was in service.")
        if current.id == version.id:
            return Served(version.id, version.id, f"Serving {name}, the version in service.")
        if current.promoted_by == SYSTEM and not production:
            decision = gate(version.metrics, current.metrics, get_settings().promotion_tolerance)
            _promote(session, version.id, None if decision.allowed else DEV_OVERRIDE)
            return Served(
                version.id,
                version.id,
                f"Serving {name}, trained from the working tree; it replaced version "
                f"{current.id}, which the system had put in service (development rule, "
                "docs/model-versions.md).",
            )
        return Served(
            current.id,
            version.id,
            f"Serving version {current.id} ({current.file_name}), put in service by "
            f"{current.promoted_by}. The model of the current inputs is {name}, "
            f"status {version.status}; to serve it: python -m bot promote {version.id}",
        )


def _promote(session: Session, version_id: int, override: str | None) -> None:
    from bot.review.versions import SYSTEM, VersionError, promote
    from bot.settings import get_settings

    try:
        result = promote(
            session,
            version_id,
            by=SYSTEM,
            override_reason=override,
            tolerance=get_settings().promotion_tolerance,
        )
    except VersionError as exc:
        raise RegistrationError(str(exc)) from exc
    if not result.promoted:  # only when nothing was in service, and then the gate allows
        raise RegistrationError("; ".join(result.decision.reasons if result.decision else []))


def models_section(web_port: int, poll_seconds: int) -> str:
    """The ``models:`` section of a Rasa endpoints file: pull the version in service from the
    web app on ``web_port`` every ``poll_seconds``, sending ``BOT_MODEL_SERVER_TOKEN`` (Rasa
    expands ``${...}`` when it reads the file, and sends the token as ``?token=``)."""
    return (
        "models:\n"
        f'  url: "http://127.0.0.1:{web_port}{MODEL_SERVER_PATH}"\n'
        "  token: ${BOT_MODEL_SERVER_TOKEN}\n"
        f"  wait_time_between_pulls: {int(poll_seconds)}\n"
    )


def with_models_section(endpoints_text: str, section: str) -> str:
    """``endpoints_text`` with its top-level ``models:`` block (if any) replaced by ``section``."""
    return with_section(endpoints_text, "models", section)


def with_section(endpoints_text: str, name: str, section: str) -> str:
    """``endpoints_text`` with its top-level ``name:`` block (if any) replaced by ``section``
    (appended at the end). Text, not YAML, so comments and ``${...}`` stay as they are."""
    out: list[str] = []
    skipping = False
    for line in endpoints_text.splitlines(keepends=True):
        top_level = bool(line.strip()) and not line[0].isspace() and not line.startswith("#")
        if top_level:
            skipping = line.startswith(f"{name}:")
        if not skipping:
            out.append(line)
    text = "".join(out)
    if text and not text.endswith("\n"):
        text += "\n"
    return text + section
