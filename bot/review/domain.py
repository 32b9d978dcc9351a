"""The project's domain as the review needs it: which intents an example may be given."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.stack.paths import Project


class DomainError(Exception):
    """domain.yml cannot be read; the message names the file and field."""


def domain_intents(root: Path | None = None) -> tuple[str, ...]:
    """The intents declared in ``<root>/domain.yml`` (default: the project's), in their order."""
    path = (Project(root) if root else Project.current()).domain
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise DomainError(f"{path}: cannot read: {exc}") from exc
    intents = data.get("intents") if isinstance(data, dict) else None
    if not isinstance(intents, list):
        raise DomainError(f"{path}: field intents: expected a list of intent names")
    names: list[str] = []
    for entry in intents:
        name = next(iter(entry), None) if isinstance(entry, dict) else entry
        if isinstance(name, str) and name not in names:
            names.append(name)
    return tuple(names)
