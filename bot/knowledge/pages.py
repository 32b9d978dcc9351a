"""A municipality's page catalogue: the web pages the assistant may offer (issue 23).

One YAML file per municipality, ``bot/knowledge/profiles/pages/<profile id>.yml`` (format:
docs/knowledge-pages.md). The file is validated with pydantic (errors name the file and the
field, as for the profile) and handed out as frozen dataclasses. Nothing is read at import: a
catalogue is read on first use and again when its file changes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, Extra, Field, validator

from bot.knowledge.yamlfile import load_model

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

    @validator("keywords", each_item=True)
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


def load_catalogue_file(path: Path) -> PageCatalogue:
    """Read and validate one catalogue file; raise PageCatalogueError naming file and field."""
    model = load_model(path, _CatalogueModel, "page catalogue", PageCatalogueError)
    pages = tuple(
        Page(
            url=p.url,
            title=p.title,
            description=p.description,
            keywords=tuple(p.keywords),
            area=p.area,
            kind=p.kind,
            language=p.language,
            source=p.source,
            last_seen=p.last_seen,
            needs_confirmation=p.needs_confirmation,
            note=p.note,
        )
        for p in model.pages
    )
    return PageCatalogue(municipality=model.municipality, pages=pages, path=path)


def catalogue_path(profile: str) -> Path:
    """The catalogue of a profile: ``profiles/pages/<id>.yml`` for a bundled profile id
    (``taarnby``), ``<folder>/pages/<name>.yml`` next to a profile given as a .yml path."""
    if profile.endswith((".yml", ".yaml")):
        path = Path(profile)
        return path.parent / "pages" / path.name
    return PAGES_DIR / f"{profile}.yml"


@lru_cache(maxsize=8)
def _cached(path: str, mtime: float) -> PageCatalogue:
    return load_catalogue_file(Path(path))


def get_catalogue(profile: str | None = None) -> PageCatalogue:
    """The catalogue of a profile (the active one from settings unless given), re-read when
    its file changes."""
    if profile is None:
        from bot.settings import get_settings

        profile = get_settings().profile
    path = catalogue_path(profile)
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError as exc:
        raise PageCatalogueError(f"Page catalogue {path} does not exist") from exc
    return _cached(str(path.resolve()), mtime)


def catalogue_of(profile_id: str) -> PageCatalogue | None:
    """The page catalogue of a bundled profile (``profiles/pages/<id>.yml``), or None when the
    municipality has none yet; a catalogue that does not validate still raises."""
    if not catalogue_path(profile_id).is_file():
        return None
    return get_catalogue(profile_id)


def page_link_id(url: str) -> str:
    """A page's stable link id for the click-counting redirect: ``page-`` and 12 hex digits
    of its URL's SHA-256 (the URL, not its position, so a re-import keeps the id)."""
    import hashlib

    return "page-" + hashlib.sha256(url.encode("utf-8")).hexdigest()[:12]
