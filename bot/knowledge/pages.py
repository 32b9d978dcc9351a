"""A municipality's page catalogue: the web pages the assistant may offer (issue 23).

One YAML file per municipality (format: docs/knowledge-pages.md). The bundled, curated one is
``bot/knowledge/profiles/pages/<profile id>.yml``. Once the catalogue has been imported from the
site (``python -m bot import-site``) or edited on the web team's page, the served one is
``$BOT_PAGES_DIR/<profile id>.yml`` (default ``var/pages``), written only through
:func:`edit_catalogue`: under a file lock, validated whole, replaced atomically, so a reader sees
the old file or the new one and nothing half-written.

The file is validated with pydantic (errors name the file and the field, as for the profile) and
handed out as frozen dataclasses. Nothing is read at import: a catalogue is read on first use
and again when its file changes, so the running assistant serves an import or an edit at its
next question, with no retraining and no restart.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, Extra, Field, validator

from bot.knowledge.yamlfile import load_model, parse_model

PAGES_DIR = Path(__file__).parent / "profiles" / "pages"

AREAS = (
    "affald",
    "veje-parkering",
    "byggeri-bolig",
    "boern-familie",
    "aeldre",
    "sundhed",
    "job-ydelser",
    "borgerservice",
    "kultur-fritid",
    "natur-miljoe",
    "politik-kommunen",
    "erhverv",
)
# An area as staff read it in the statistics (the KOMHEN-style channel table).
AREA_LABELS = {
    "affald": "Affald",
    "veje-parkering": "Veje og parkering",
    "byggeri-bolig": "Byggeri og bolig",
    "boern-familie": "Børn og familie",
    "aeldre": "Ældre",
    "sundhed": "Sundhed",
    "job-ydelser": "Job og ydelser",
    "borgerservice": "Borgerservice",
    "kultur-fritid": "Kultur og fritid",
    "natur-miljoe": "Natur og miljø",
    "politik-kommunen": "Politik og kommunen",
    "erhverv": "Erhverv",
}
assert set(AREA_LABELS) == set(AREAS)
Kind = Literal["information", "selvbetjening"]
Language = Literal["da", "en"]


class PageCatalogueError(Exception):
    """The catalogue file is missing, unreadable or invalid; the message names file and field."""


class _Model(BaseModel):
    class Config:
        extra = Extra.forbid
        allow_mutation = False


class _PageModel(_Model):
    url: str
    title: str = Field(..., min_length=1)
    description: str = Field(..., min_length=1)
    keywords: list[str] = Field(default_factory=list)
    area: str
    kind: Kind
    language: Language = "da"
    source: str = Field(..., min_length=1)
    last_seen: dt.date | None = None
    note: str | None = None
    needs_confirmation: bool
    # English words citizens use for the page's matter (a Danish page found by an English question).
    keywords_en: list[str] = Field(default_factory=list)
    # Filled by import-site: the page's headings and main text (no navigation, banner or footer),
    # and the validators for the next re-import's conditional request.
    headings: list[str] = Field(default_factory=list)
    text: str = ""
    etag: str | None = None
    last_modified: str | None = None
    # Who confirmed the page on the web team's catalogue page, and when.
    confirmed_by: str | None = None
    confirmed_on: dt.date | None = None

    @validator("url")
    def _absolute_http_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an absolute http(s) URL")
        return value

    @validator("area")
    def _known_area(cls, value: str) -> str:
        if value not in AREAS:
            raise ValueError(f"unknown area {value!r}; one of {', '.join(AREAS)}")
        return value

    @validator("keywords", "keywords_en", "headings", each_item=True)
    def _keyword_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("a keyword may not be blank")
        return value


class _CatalogueModel(_Model):
    municipality: str = Field(..., min_length=1)
    pages: list[_PageModel]

    @validator("pages")
    def _unique_urls(cls, pages: list[_PageModel]) -> list[_PageModel]:
        seen: set[str] = set()
        for page in pages:
            if page.url in seen:
                raise ValueError(f"the URL {page.url} is listed twice")
            seen.add(page.url)
        return pages


@dataclass(frozen=True)
class Page:
    """One page of the municipality's site (or borger.dk) that the assistant may offer."""

    url: str
    title: str
    description: str
    keywords: tuple[str, ...]
    area: str
    kind: str
    language: str
    source: str
    last_seen: dt.date | None
    needs_confirmation: bool
    note: str | None = None
    keywords_en: tuple[str, ...] = ()
    headings: tuple[str, ...] = ()
    text: str = ""
    etag: str | None = None
    last_modified: str | None = None
    confirmed_by: str | None = None
    confirmed_on: dt.date | None = None

    @property
    def host(self) -> str:
        """The host as a citizen reads it: ``taarnby.dk`` (no ``www.``, lower case)."""
        host = (urlsplit(self.url).hostname or "").lower()
        return host.removeprefix("www.")


@dataclass(frozen=True)
class PageCatalogue:
    municipality: str
    pages: tuple[Page, ...]
    path: Path

    def __len__(self) -> int:
        return len(self.pages)


def _catalogue(model: _CatalogueModel, path: Path) -> PageCatalogue:
    pages = tuple(
        Page(
            **{
                name: tuple(value) if isinstance(value, list) else value
                for name, value in p.dict().items()
            }
        )
        for p in model.pages
    )
    return PageCatalogue(municipality=model.municipality, pages=pages, path=path)


def load_catalogue_file(path: Path) -> PageCatalogue:
    """Read and validate one catalogue file; raise PageCatalogueError naming file and field."""
    model = load_model(path, _CatalogueModel, "page catalogue", PageCatalogueError)
    return _catalogue(model, path)


def bundled_path(profile: str) -> Path:
    """The curated catalogue shipped with a profile: ``profiles/pages/<id>.yml`` for a bundled
    profile id (``taarnby``), ``<folder>/pages/<name>.yml`` next to a profile given as a .yml
    path."""
    if profile.endswith((".yml", ".yaml")):
        path = Path(profile)
        return path.parent / "pages" / path.name
    return PAGES_DIR / f"{profile}.yml"


def served_path(profile: str) -> Path:
    """Where imports and edits of a profile's catalogue are kept: ``$BOT_PAGES_DIR/<id>.yml``."""
    from bot.settings import get_settings

    name = Path(profile).stem if profile.endswith((".yml", ".yaml")) else profile
    return Path(get_settings().pages_dir) / f"{name}.yml"


def catalogue_path(profile: str) -> Path:
    """The catalogue file the assistant serves for a profile: the imported or edited one once
    it exists, the bundled one until then."""
    served = served_path(profile)
    return served if served.is_file() else bundled_path(profile)


@lru_cache(maxsize=8)
def _cached(path: str, mtime_ns: int, size: int) -> PageCatalogue:
    return load_catalogue_file(Path(path))


def _active_profile(profile: str | None) -> str:
    if profile is not None:
        return profile
    from bot.settings import get_settings

    return get_settings().profile


def get_catalogue(profile: str | None = None) -> PageCatalogue:
    """The catalogue of a profile (the active one from settings unless given), re-read when
    its file changes."""
    path = catalogue_path(_active_profile(profile))
    try:
        stat = path.stat()
    except FileNotFoundError as exc:
        raise PageCatalogueError(f"Page catalogue {path} does not exist") from exc
    return _cached(str(path.resolve()), stat.st_mtime_ns, stat.st_size)


def catalogue_of(profile_id: str) -> PageCatalogue | None:
    """The page catalogue a profile serves, or None when the municipality has none yet; a
    catalogue that does not validate still raises."""
    if not catalogue_path(profile_id).is_file():
        return None
    return get_catalogue(profile_id)


_HEADER = (
    "# The page catalogue the assistant serves (issue 23; format: docs/knowledge-pages.md).\n"
    "# Written by python -m bot import-site and the web team's catalogue page; edit it there.\n"
)


@dataclass
class CatalogueDraft:
    """A catalogue being changed inside :func:`edit_catalogue`: plain dicts, one per page, with
    the fields of the file format. Change ``pages`` in place; it is validated when the block
    ends."""

    municipality: str
    pages: list[dict[str, Any]]

    def find(self, url: str) -> dict[str, Any] | None:
        """The entry for ``url``, or None."""
        return next((p for p in self.pages if p.get("url") == url), None)


@contextmanager
def edit_catalogue(profile: str | None = None) -> Iterator[CatalogueDraft]:
    """Change the served catalogue of a profile: the block gets the current entries (from the
    served file, or the bundled one the first time) and, when it ends without an error, the
    whole catalogue is validated and written atomically under a file lock. An invalid result
    raises PageCatalogueError naming the field, and the file is left as it was."""
    profile = _active_profile(profile)
    target = served_path(profile)
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.with_name(target.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        source = catalogue_path(profile)
        if source.is_file():
            current = load_catalogue_file(source)
            draft = CatalogueDraft(current.municipality, [_entry(p) for p in current.pages])
        else:
            draft = CatalogueDraft(Path(profile).stem, [])
        yield draft
        raw = {"municipality": draft.municipality, "pages": draft.pages}
        model = parse_model(raw, _CatalogueModel, "page catalogue", target, PageCatalogueError)
        text = _HEADER + yaml.safe_dump(
            _plain(model), allow_unicode=True, sort_keys=False, width=100
        )
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def _entry(page: Page) -> dict[str, Any]:
    """A page as a plain dict of the file format (lists, not tuples)."""
    return {
        name: list(value) if isinstance(value, tuple) else value
        for name, value in page.__dict__.items()
    }


# Always written, even when empty; the other fields are left out while they hold their default.
_ALWAYS = frozenset(
    "url title description keywords area kind language source last_seen needs_confirmation".split()
)


def _plain(model: _CatalogueModel) -> dict[str, Any]:
    """The catalogue as YAML-ready data: dates as ISO strings, empty optional fields left out."""
    pages = []
    for page in model.pages:
        entry: dict[str, Any] = {}
        for name, value in page.dict().items():
            if name not in _ALWAYS and value in (None, "", []):
                continue
            entry[name] = value.isoformat() if isinstance(value, dt.date) else value
        pages.append(entry)
    return {"municipality": model.municipality, "pages": pages}


def page_link_id(url: str) -> str:
    """A page's stable link id for the click-counting redirect: ``page-`` and 12 hex digits
    of its URL's SHA-256 (the URL, not its position, so a re-import keeps the id)."""
    import hashlib

    return "page-" + hashlib.sha256(url.encode("utf-8")).hexdigest()[:12]
