"""Which model the running assistant serves: register the model of the current inputs as a
version, and put it into service when nothing is. (The Rasa ``models:`` endpoint section that
makes the Rasa server pull the version in service from the web app is bot.stack.endpoints'.)

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

from bot.stack.paths import Project

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

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


def heldout_metrics_cached(model: Path, heldout: Path | None = None) -> dict:
    """``bot.mlops.evaluation.heldout_metrics`` of ``model``, computed once per model and held-out
    set (kept beside the model as ``<name>.heldout.json``; evaluating takes 20-40 s)."""
    from bot.mlops.evaluation import data_fingerprint, heldout_metrics

    heldout = heldout or Project.current().heldout
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
    """The training-input fingerprint of a model file named by :mod:`bot.mlops.training`, or of
    the current inputs when the name has none."""
    found = FINGERPRINT_IN_NAME.search(model.name)
    if found:
        return found.group(1)
    from bot.mlops.training import fingerprint

    return fingerprint()


def register_served_model(
    model: Path, *, production: bool, url: str | None = None, by: str = "system"
) -> Served:
    """Register ``model`` (a file in the models directory) and apply the startup rule above."""
    from bot.db.engine import session_scope
    from bot.db.stores import REVIEW
    from bot.mlops.promotion import gate
    from bot.mlops.versions import SYSTEM, in_service, register_candidate, version_of_file
    from bot.settings import get_settings

    model = model.resolve()
    folder = Project.current().models.resolve()
    if model.parent != folder:
        raise RegistrationError(
            f"{model}: the model is not in the models directory {folder} (BOT_MODELS_DIR); "
            "the model server only serves files from there"
        )
    if not model.is_file():
        raise RegistrationError(f"{model}: no such model file")
    with session_scope(REVIEW, url) as session:
        current = in_service(session)
        existing = version_of_file(session, model.name)
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
    from bot.mlops.promotion import promote
    from bot.mlops.versions import SYSTEM, VersionError
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



def main(argv: list[str] | None = None) -> int:
    """``python -m bot.mlops.serving register PATH`` (also ``python -m bot register-model``):
    register a model file as a version and apply the startup rule; print what is served."""
    import argparse
    import sys

    from sqlalchemy.exc import SQLAlchemyError

    from bot.settings import get_settings

    parser = argparse.ArgumentParser(prog="python -m bot.mlops.serving")
    parser.add_argument("command", choices=["register"])
    parser.add_argument("path", help="a model file in the models directory")
    args = parser.parse_args(argv)
    try:
        served = register_served_model(
            Path(args.path), production=get_settings().env == "production"
        )
    except RegistrationError as exc:
        print(f"Cannot register the model: {exc}", file=sys.stderr)
        return 2
    except (SQLAlchemyError, OSError) as exc:
        print(
            f"The review store is not reachable ({type(exc).__name__}); check BOT_REVIEW_DB_URL",
            file=sys.stderr,
        )
        return 1
    print(served.message)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
