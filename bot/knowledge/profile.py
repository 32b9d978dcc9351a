"""The municipality profile: reading it, and what is looked up in a loaded one.

A profile is one YAML file per municipality (``bot/knowledge/profiles/<id>.yml``). It is validated
with pydantic when loaded (the schema: :mod:`bot.knowledge.profile_model`); an invalid profile
raises :class:`~bot.knowledge.profile_model.ProfileError`, whose message names the file and the
dotted path of the offending field.

Every fact carries ``source`` (a key of ``sources``) and ``example``: a value marked
``example: true`` is a placeholder the municipality must confirm before launch
(:func:`example_facts`).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel

from bot.knowledge.profile_model import Profile, ProfileError
from bot.knowledge.yamlfile import load_model

PROFILE_DIR = Path(__file__).parent / "profiles"
ENGLISH_SUFFIX = "_en"


def localized(obj: object, field: str, language: str = "da") -> object:
    """``obj.<field>`` in ``language``: ``<field>_en`` when language is "en" and it is set,
    else the Danish field. A fact with a ``value`` (a :class:`TextFact`) gives its text, in
    the same way (``value_en`` or ``value``); a missing (None) field gives None."""
    value = getattr(obj, field)
    if language == "en":
        english = getattr(obj, field + ENGLISH_SUFFIX, None)
        if english is not None:
            value = english
    if isinstance(value, BaseModel) and "value" in value.__fields__:
        return localized(value, "value", language)
    return value


ENGLISH_SITES = ("lifeindenmark.borger.dk",)
"""Hosts whose pages are in English (borger.dk's English site)."""


def english_page(obj: object, field: str) -> str | None:
    """The URL of a checked English page for the link ``obj.<field>``: ``<field>_en`` when
    set, else the link itself when it is on an English site; None when only a Danish page
    exists (an English answer then gives the Danish page and says so)."""
    english = getattr(obj, field + ENGLISH_SUFFIX, None)
    if english is not None:
        return english.value
    url = getattr(obj, field).value
    host = re.sub(r"^https?://([^/:]+).*$", r"\1", url).lower()
    return url if host in ENGLISH_SITES else None


def example_facts(profile: Profile) -> list[tuple[str, str]]:
    """(dotted path, value) of every fact still marked EXAMPLE, for staff to confirm."""
    result: list[tuple[str, str]] = []

    def walk(obj: object, path: str) -> None:
        if isinstance(obj, BaseModel):
            if getattr(obj, "example", False) or getattr(obj, "needs_confirmation", False):
                result.append((path, str(getattr(obj, "value", getattr(obj, "name", "")))))
            for k in obj.__fields__:
                walk(getattr(obj, k), f"{path}.{k}" if path else k)
        elif isinstance(obj, list):
            for i, v in enumerate(obj):
                walk(v, f"{path}.{i}")

    walk(profile, "")
    return result


def load_profile_file(path: Path) -> Profile:
    """Read and validate one profile file; raise ProfileError naming file and field."""
    return load_model(path, Profile, "municipality profile", ProfileError)


def profile_path(name_or_path: str) -> Path:
    """A bundled profile by id (``taarnby``) or any file path ending in .yml/.yaml."""
    if name_or_path.endswith((".yml", ".yaml")):
        return Path(name_or_path)
    return PROFILE_DIR / f"{name_or_path}.yml"


@lru_cache(maxsize=8)
def _cached(path: str, mtime: float) -> Profile:
    return load_profile_file(Path(path))


def get_profile(name_or_path: str | None = None) -> Profile:
    """The active profile (from settings unless given), re-read when the file changes."""
    if name_or_path is None:
        from bot.settings import get_settings

        name_or_path = get_settings().profile
    path = profile_path(name_or_path)
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError as exc:
        raise ProfileError(f"Municipality profile {path} does not exist") from exc
    return _cached(str(path.resolve()), mtime)
