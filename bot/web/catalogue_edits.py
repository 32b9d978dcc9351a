"""Editing the page catalogue from the web team's page (:mod:`bot.web.catalogue_page`).

The edit form read and checked (pure: :func:`parse_edit`), its digest of what it edits
(:func:`entry_version`) and the change of a catalogue entry (:func:`apply_edit`); and the edit
log, ``$BOT_PAGES_DIR/<profile>.edits.jsonl`` (who, when, which page, which fields; no field
values), which the edit page shows (:func:`edits_of`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from bot.dialogue.cpr import find_cpr
from bot.knowledge.pages import AREAS, served_path

log = logging.getLogger(__name__)

KIND_LABELS = {"information": "Information", "selvbetjening": "Selvbetjening"}
EDITS_SHOWN = 10
EDIT_LOG_TAIL = 256 * 1024  # the edit log's last bytes the edit page reads

MAX_KEYWORDS = 60
MAX_KEYWORD = 80
MAX_DESCRIPTION = 600


class EditError(ValueError):
    """Form input that cannot be saved; ``danish`` says why, ``field`` is the form field."""

    def __init__(self, field_name: str, danish: str) -> None:
        super().__init__(danish)
        self.field = field_name
        self.danish = danish


class Stale(Exception):
    """The page changed since the form was shown."""


class Unchanged(Exception):
    """Nothing to save (leaves the file as it is)."""


class Missing(Exception):
    """The page is no longer in the catalogue."""


# -- the form (pure) -----------------------------------------------------------------------


@dataclass(frozen=True)
class Edit:
    """What the edit form may change on a page, validated."""

    keywords: tuple[str, ...]
    keywords_en: tuple[str, ...]
    description: str
    area: str
    kind: str


_SEPARATORS = re.compile(r"[,\n;]")
_HAS_WORD = re.compile(r"\w")


def split_keywords(raw: str, field_name: str, label: str) -> tuple[str, ...]:
    """Keywords as typed, one per line or separated by commas: trimmed, inner spaces single,
    empty lines and repeats (ignoring case) dropped. A keyword without a letter or digit, a too
    long one or too many raise :class:`EditError`."""
    keywords: list[str] = []
    seen: set[str] = set()
    for part in _SEPARATORS.split(raw or ""):
        keyword = " ".join(part.split())
        if not keyword:
            continue
        if not _HAS_WORD.search(keyword):
            raise EditError(
                field_name, f"{label}: »{keyword}« er ikke et ord. Et nøgleord skal have bogstaver."
            )
        if len(keyword) > MAX_KEYWORD:
            raise EditError(
                field_name,
                f"{label}: »{keyword[:30]}…« er for langt. Et nøgleord må højst være "
                f"{MAX_KEYWORD} tegn.",
            )
        if keyword.casefold() not in seen:
            seen.add(keyword.casefold())
            keywords.append(keyword)
    if len(keywords) > MAX_KEYWORDS:
        raise EditError(
            field_name, f"{label}: Der er {len(keywords)}. Der må højst være {MAX_KEYWORDS}."
        )
    return tuple(keywords)


def parse_edit(form: Mapping[str, str]) -> Edit:
    """The edit form's fields as an :class:`Edit`; :class:`EditError` names the first problem
    in plain Danish."""
    for name in ("keywords", "keywords_en", "description"):
        if find_cpr(form.get(name, "")):
            raise EditError(name, "Der må ikke stå et CPR-nummer i kataloget. Fjern det.")
    keywords = split_keywords(form.get("keywords", ""), "keywords", "Nøgleord")
    if not keywords:
        raise EditError("keywords", "Skriv mindst ét nøgleord: et ord, borgerne bruger om siden.")
    keywords_en = split_keywords(form.get("keywords_en", ""), "keywords_en", "Engelske nøgleord")
    description = " ".join(form.get("description", "").split())
    if not description:
        raise EditError("description", "Skriv en kort beskrivelse af siden.")
    if len(description) > MAX_DESCRIPTION:
        raise EditError(
            "description",
            f"Beskrivelsen er for lang ({len(description)} tegn). Den må højst være "
            f"{MAX_DESCRIPTION} tegn.",
        )
    area = form.get("area", "")
    if area not in AREAS:
        raise EditError("area", "Vælg et område fra listen.")
    kind = form.get("kind", "")
    if kind not in KIND_LABELS:
        raise EditError("kind", "Vælg, om siden er information eller selvbetjening.")
    return Edit(keywords, keywords_en, description, area, kind)


EDITABLE = ("keywords", "keywords_en", "description", "area", "kind", "needs_confirmation")


def entry_version(entry: Mapping[str, Any]) -> str:
    """A short digest of what the form edits on a page (an entry of the file format, or a
    :class:`Page`'s ``__dict__``): the form carries it, so a save notices a change made since."""
    values = {}
    for name in EDITABLE:
        value = entry.get(name)
        values[name] = list(value) if isinstance(value, (list, tuple)) else value
    digest = hashlib.sha256(json.dumps(values, sort_keys=True, ensure_ascii=False).encode())
    return digest.hexdigest()[:16]


def apply_edit(
    entry: dict[str, Any], edit: Edit, *, confirm_by: str | None, today: date
) -> list[str]:
    """Change a catalogue entry (a dict of the file format) in place; returns the names of the
    fields that changed. ``confirm_by``: also confirm the page as that user, today."""
    new: dict[str, Any] = {
        "keywords": list(edit.keywords),
        "keywords_en": list(edit.keywords_en),
        "description": edit.description,
        "area": edit.area,
        "kind": edit.kind,
    }
    if confirm_by is not None:
        new.update(needs_confirmation=False, confirmed_by=confirm_by, confirmed_on=today)
    changed = [name for name, value in new.items() if entry.get(name) != value]
    entry.update(new)
    return changed


# -- the edit log --------------------------------------------------------------------------


def edit_log_path(profile: str) -> Path:
    """The catalogue's edit log: ``$BOT_PAGES_DIR/<profile id>.edits.jsonl``."""
    return served_path(profile).with_suffix(".edits.jsonl")


def record_edit(
    profile: str, username: str, action: str, link_id: str, url: str, changed: list[str]
) -> None:
    """Blocking: log a change of the catalogue (the web app's log and the edit log; field
    names, no values). Never raises for the edit log: the change itself is saved."""
    at = datetime.now(timezone.utc)
    line = {
        "at": at.isoformat(timespec="seconds"),
        "by": username,
        "action": action,
        "link_id": link_id,
        "url": url,
        "fields": changed,
    }
    log.info("Catalogue edit: %s %s %s (%s)", username, action, link_id, ", ".join(changed) or "-")
    path = edit_log_path(profile)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")
    except OSError as exc:  # the change is saved; the log line above still records it
        log.error("The catalogue's edit log %s could not be written: %s", path, type(exc).__name__)


@dataclass(frozen=True)
class EditRecord:
    at: datetime
    by: str
    action: str
    fields: tuple[str, ...] = ()


def edits_of(profile: str, link_id: str, limit: int = EDITS_SHOWN) -> list[EditRecord]:
    """Blocking: the latest changes of one page from the edit log, newest first."""
    path = edit_log_path(profile)
    try:
        with open(path, "rb") as fh:
            fh.seek(0, 2)
            size = fh.tell()
            fh.seek(max(0, size - EDIT_LOG_TAIL))
            tail = fh.read().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return []
    found: list[EditRecord] = []
    for line in reversed(tail.splitlines()):
        try:
            data = json.loads(line)
            if data.get("link_id") != link_id:
                continue
            found.append(
                EditRecord(
                    datetime.fromisoformat(data["at"]),
                    str(data["by"]),
                    str(data["action"]),
                    tuple(str(f) for f in data.get("fields") or ()),
                )
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            continue  # a line cut by the tail, or not ours
        if len(found) >= limit:
            break
    return found
