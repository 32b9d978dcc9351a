"""Read a YAML file into a pydantic model, with errors that name the file and the field."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

Model = TypeVar("Model", bound=BaseModel)


def load_model(path: Path, model: type[Model], what: str, error: type[Exception]) -> Model:
    """``path`` parsed as ``model``; raises ``error`` saying which ``what`` (e.g. "topic
    registry"), which file and which dotted field is wrong."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise error(f"{what.capitalize()} {path} does not exist") from exc
    except yaml.YAMLError as exc:
        raise error(f"{what.capitalize()} {path} is not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise error(f"{what.capitalize()} {path}: the top level must be a mapping")
    return parse_model(raw, model, what, path, error)


def parse_model(
    raw: dict, model: type[Model], what: str, path: Path, error: type[Exception]
) -> Model:
    """``raw`` (the data of ``path``) parsed as ``model``; the error names file and field."""
    try:
        return model.parse_obj(raw)
    except ValidationError as exc:
        lines = [f"Invalid {what} {path}:"]
        for e in exc.errors():
            field = ".".join(str(p) for p in e["loc"] if p != "__root__") or "(top level)"
            lines.append(f"  field {field}: {e['msg']}")
        raise error("\n".join(lines)) from exc
