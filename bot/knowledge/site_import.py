"""Import the municipality's own pages into the page catalogue (``import-site``, issue 23 §1).

:func:`run_import` reads robots.txt and the sitemap (bot/knowledge/sitemaps.py), fetches every
listed page of the same site politely (bot/knowledge/site_fetch.py), extracts its main content
(bot/knowledge/html_extract.py) and then, in ONE :func:`bot.knowledge.pages.edit_catalogue`
block, merges everything into the served catalogue: all or nothing, under the catalogue's file
lock, validated whole. The running assistant re-reads the file at its next question.

Merge rules (docs/site-import.md):

- an entry with the same URL keeps what the web team curated (keywords, keywords_en, area,
  kind, language, needs_confirmation, confirmed_by/on, note, and the description unless the
  entry came from import-site) and gets title, headings, text, ETag, Last-Modified and
  last_seen refreshed; a 304 Not Modified refreshes last_seen only;
- a new URL becomes a new entry: area guessed from the URL path and the breadcrumbs, kind from
  the page, language from <html lang>, ``source: import-site <sitemap>``,
  ``needs_confirmation: true``;
- a page that answers 404 or 410 is removed if it came from import-site; a curated entry is
  kept with a note;
- a page that could not be fetched or read (timeout, not HTML, robots.txt, a redirect to
  another host, …) is reported and its old entry, if any, kept as it was.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bot.knowledge.html_extract import (
    ExtractedPage,
    decode_html,
    extract_page,
    not_html_reason,
)
from bot.knowledge.pages import (
    CatalogueDraft,
    PageCatalogueError,
    catalogue_path,
    edit_catalogue,
    load_catalogue_file,
)
from bot.knowledge.site_areas import guess_area
from bot.knowledge.site_fetch import (
    DEFAULT_DELAY_S,
    DEFAULT_MAX_BYTES,
    DEFAULT_TIMEOUT_S,
    USER_AGENT,
    PoliteFetcher,
)
from bot.knowledge.site_urls import (
    BadUrlError,
    FetchError,
    InternalAddressError,
    check_url,
    same_site,
    site_key,
    site_root,
)
from bot.knowledge.sitemaps import SiteReadError, read_robots, read_sitemap

SOURCE_PREFIX = "import-site"
DEFAULT_MAX_PAGES = 500
GONE_STATUSES = frozenset({404, 410})
# Fields an import refreshes on an existing entry; everything else is the web team's.
REFRESHED = ("title", "headings", "text", "etag", "last_modified", "last_seen")

__all__ = [
    "DEFAULT_MAX_PAGES",
    "ImportReport",
    "PageCatalogueError",
    "PageOutcome",
    "SiteImportError",
    "run_import",
]


class SiteImportError(Exception):
    """The import could not run (robots.txt or the sitemap unreadable, forbidden or refused by
    the guard); nothing was written. The message says why in one or two sentences."""


# -- outcomes and the report ----------------------------------------------------------------


@dataclass
class PageOutcome:
    """What happened to one URL. ``status``: added, updated, unchanged (304), removed (gone,
    came from import-site), noted (gone, curated: kept with a note) or skipped (with
    ``reason``; an old entry is kept)."""

    url: str
    status: str
    reason: str = ""
    page: ExtractedPage | None = None
    etag: str | None = None
    last_modified: str | None = None
    http_status: int | None = None


@dataclass
class ImportReport:
    url: str
    sitemaps: list[str]
    profile: str
    catalogue: Path
    listed: int = 0  # same-site pages in the sitemap(s)
    outcomes: list[PageOutcome] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)  # skipped sitemaps, entries, the cap
    dry_run: bool = False
    written: bool = False
    pages_after: int = 0
    requests: int = 0
    seconds: float = 0.0

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def problems(self) -> list[PageOutcome]:
        return [o for o in self.outcomes if o.status in ("skipped", "noted")]


# -- merging --------------------------------------------------------------------------------


def url_key(url: str) -> str:
    """A URL as pages are matched between the sitemap and the catalogue: scheme, a leading
    ``www.`` and a trailing slash ignored (``http://Taarnby.dk/`` is ``https://taarnby.dk``)."""
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    return f"{site_key(url)}{path}" + (f"?{parts.query}" if parts.query else "")


def _find(draft: CatalogueDraft, url: str) -> dict[str, Any] | None:
    exact = draft.find(url)
    if exact is not None:
        return exact
    key = url_key(url)
    return next((p for p in draft.pages if url_key(str(p.get("url", ""))) == key), None)


def _from_import(entry: dict[str, Any]) -> bool:
    return str(entry.get("source") or "").startswith(SOURCE_PREFIX)


_GONE_NOTE = re.compile(r"\s*(\| )?import-site [0-9-]+: the page answered \d+[^|]*")


def _without_gone_note(note: str | None) -> str | None:
    if not note:
        return note
    cleaned = _GONE_NOTE.sub("", note).strip(" |")
    return cleaned or None


def _refresh(entry: dict[str, Any], outcome: PageOutcome, today: dt.date) -> None:
    page = outcome.page
    assert page is not None
    fresh = {
        "title": page.title,
        "headings": list(page.headings),
        "text": page.text,
        "etag": outcome.etag,
        "last_modified": outcome.last_modified,
        "last_seen": today,
    }
    for name in REFRESHED:
        entry[name] = fresh[name]
    if _from_import(entry) and page.description:
        entry["description"] = page.description
    entry["note"] = _without_gone_note(entry.get("note"))


def _new_entry(outcome: PageOutcome, sitemap: str, today: dt.date) -> dict[str, Any]:
    page = outcome.page
    assert page is not None
    return {
        "url": outcome.url,
        "title": page.title,
        "description": page.description or page.title,
        "keywords": [],
        "area": guess_area(outcome.url, page.breadcrumbs),
        "kind": "selvbetjening" if page.self_service else "information",
        "language": page.language,
        "source": f"{SOURCE_PREFIX} {sitemap}",
        "last_seen": today,
        "needs_confirmation": True,
        "headings": list(page.headings),
        "text": page.text,
        "etag": outcome.etag,
        "last_modified": outcome.last_modified,
    }


def merge(draft: CatalogueDraft, outcomes: list[PageOutcome], sitemap: str, today: dt.date) -> None:
    """Apply the fetched outcomes to ``draft`` in place (the merge rules above); a fetched
    page's outcome status becomes added, updated, unchanged, removed or noted."""
    for outcome in outcomes:
        entry = _find(draft, outcome.url)
        if outcome.status == "fetched":
            if entry is None:
                draft.pages.append(_new_entry(outcome, sitemap, today))
                outcome.status = "added"
            else:
                _refresh(entry, outcome, today)
                outcome.status = "updated"
        elif outcome.status == "not-modified":
            if entry is not None:
                entry["last_seen"] = today
            outcome.status = "unchanged"
        elif outcome.status == "gone":
            if entry is None:
                outcome.status = "skipped"
                outcome.reason = f"answered {outcome.http_status} (not in the catalogue)"
            elif _from_import(entry):
                draft.pages.remove(entry)
                outcome.status = "removed"
                outcome.reason = f"answered {outcome.http_status}: removed from the catalogue"
            else:
                note = _without_gone_note(entry.get("note"))
                mark = (
                    f"import-site {today.isoformat()}: the page answered {outcome.http_status}; "
                    "check the URL"
                )
                entry["note"] = f"{note} | {mark}" if note else mark
                outcome.status = "noted"
                outcome.reason = (
                    f"answered {outcome.http_status}: curated entry kept, with a note to check it"
                )


# -- fetching the pages ---------------------------------------------------------------------


def _fetch_page(fetcher: PoliteFetcher, url: str, existing: dict[str, Any] | None) -> PageOutcome:
    headers: dict[str, str] = {}
    if existing is not None:
        if existing.get("etag"):
            headers["If-None-Match"] = str(existing["etag"])
        if existing.get("last_modified"):
            headers["If-Modified-Since"] = str(existing["last_modified"])
    try:
        response = fetcher.get(url, headers=headers)
    except InternalAddressError:
        raise
    except FetchError as exc:
        kept = "; old entry kept" if existing is not None else ""
        return PageOutcome(url, "skipped", exc.reason + kept)
    if response.status == 304:
        return PageOutcome(url, "not-modified", http_status=304)
    if response.status in GONE_STATUSES:
        return PageOutcome(url, "gone", http_status=response.status)
    kept = "; old entry kept" if existing is not None else ""
    if response.status != 200:
        return PageOutcome(url, "skipped", f"answered {response.status}{kept}", None)
    reason = not_html_reason(response.body, response.content_type)
    if reason is not None:
        return PageOutcome(url, "skipped", f"{reason}: skipped{kept}")
    page = extract_page(decode_html(response.body, response.headers.get("content-type", "")))
    if not page.title:
        return PageOutcome(url, "skipped", f"the page has no title (no <h1> or <title>){kept}")
    return PageOutcome(
        url,
        "fetched",
        page=page,
        etag=response.headers.get("etag"),
        last_modified=response.headers.get("last-modified"),
        http_status=200,
    )


def _entries(profile: str) -> list[dict[str, Any]]:
    """The current catalogue's entries as plain dicts (for conditional requests, the re-check
    of pages no longer in the sitemap and a dry run)."""
    path = catalogue_path(profile)
    if not path.is_file():
        return []
    catalogue = load_catalogue_file(path)
    return [
        {
            f.name: list(v) if isinstance(v := getattr(page, f.name), tuple) else v
            for f in dataclasses.fields(page)
        }
        for page in catalogue.pages
    ]


def _sitemap_urls(fetcher: PoliteFetcher, url: str, report: ImportReport) -> list[str]:
    """The sitemap(s) to read: ``url`` itself, or for a site root the sitemaps its robots.txt
    names (on the same site), else ``/sitemap.xml``."""
    if urlsplit(url).path not in ("", "/"):
        return [url]
    assert fetcher.robots is not None
    named = [s for s in fetcher.robots.sitemaps if same_site(url, s)]
    for other in fetcher.robots.sitemaps:
        if other not in named:
            report.notices.append(
                f"{other}: sitemap on another host, named in robots.txt: not read"
            )
    if named:
        return named
    report.notices.append("robots.txt names no sitemap: trying /sitemap.xml")
    return [site_root(url) + "sitemap.xml"]


def run_import(
    url: str,
    *,
    profile: str | None = None,
    allow_internal: bool = True,
    delay: float = DEFAULT_DELAY_S,
    max_pages: int = DEFAULT_MAX_PAGES,
    timeout: float = DEFAULT_TIMEOUT_S,
    max_bytes: int = DEFAULT_MAX_BYTES,
    dry_run: bool = False,
    user_agent: str = USER_AGENT,
    progress: Callable[[str], None] | None = None,
) -> ImportReport:
    """Import the pages that ``url`` (a sitemap, or a site root whose robots.txt names one)
    lists into the served catalogue of ``profile`` (default: the active profile).

    ``allow_internal=False`` is for imports started from the web: no request then goes to a
    loopback, private, link-local, reserved, multicast or unspecified address (checked on every
    request's resolved address, also after redirects and for the sitemap's pages); call it with
    ``allow_internal=get_settings().import_allow_internal``.

    Raises :class:`BadUrlError` for an address that is not an http(s) URL,
    :class:`SiteImportError` when robots.txt or the sitemap cannot be read, or the guard
    refuses an address (nothing written), and PageCatalogueError when the current catalogue or
    the merged one does not validate (nothing written). Per-page problems are in the report.
    """
    import time

    from bot.settings import get_settings

    started = time.monotonic()
    url = check_url(url)
    if max_pages < 1:
        raise BadUrlError("--max-pages must be at least 1")
    settings = get_settings()
    profile = profile or settings.profile
    say = progress or (lambda _line: None)
    existing = _entries(profile)  # a broken catalogue stops here, before any request
    report = ImportReport(
        url=url, sitemaps=[], profile=profile, catalogue=catalogue_path(profile), dry_run=dry_run
    )
    with PoliteFetcher(
        allow_internal=allow_internal,
        delay=delay,
        timeout=timeout,
        max_bytes=max_bytes,
        user_agent=user_agent,
    ) as fetcher:
        try:
            fetcher.robots = read_robots(fetcher, url)
            if fetcher.robots.delay > fetcher.delay:
                report.notices.append(
                    f"robots.txt asks for {fetcher.robots.delay:g} s between requests: honoured"
                )
                fetcher.delay = fetcher.robots.delay
            report.sitemaps = _sitemap_urls(fetcher, url, report)
            listed: list[str] = []
            for sitemap in report.sitemaps:
                say(f"Reading the sitemap {sitemap}")
                found = read_sitemap(fetcher, sitemap)
                listed += [p for p in found.pages if p not in listed]
                report.notices += [f"{u}: {why}" for u, why in found.skipped]
        except InternalAddressError as exc:
            raise SiteImportError(f"Refused: {exc.url}: {exc.reason}") from None
        except SiteReadError as exc:
            raise SiteImportError(str(exc)) from None
        if not listed:
            raise SiteImportError(f"The sitemap {report.sitemaps[0]} lists no pages of {url}")
        report.listed = len(listed)
        # Entries of this site that the sitemap no longer lists: asked again, to see whether
        # they are gone (404/410) or still there.
        listed_keys = {url_key(u) for u in listed}
        recheck = [
            e["url"]
            for e in existing
            if same_site(url, e["url"]) and url_key(e["url"]) not in listed_keys
        ]
        todo = listed + recheck
        if len(todo) > max_pages:
            report.notices.append(
                f"{len(todo) - max_pages} more pages not fetched: the cap is {max_pages} "
                "(--max-pages)"
            )
            todo = todo[:max_pages]
        by_key = {url_key(e["url"]): e for e in existing}
        for number, page_url in enumerate(todo, 1):
            say(f"[{number}/{len(todo)}] {page_url}")
            previous = next((e for e in existing if e["url"] == page_url), None) or by_key.get(
                url_key(page_url)
            )
            try:
                outcome = _fetch_page(fetcher, page_url, previous)
            except InternalAddressError as exc:
                raise SiteImportError(f"Refused: {exc.url}: {exc.reason}") from None
            report.outcomes.append(outcome)
        report.requests = fetcher.requests

    today = settings.now().date()
    if dry_run:
        municipality = load_catalogue_file(report.catalogue).municipality if existing else profile
        draft = CatalogueDraft(municipality, existing)
        merge(draft, report.outcomes, report.sitemaps[0], today)
        report.pages_after = len(draft.pages)
    else:
        with edit_catalogue(profile) as draft:
            merge(draft, report.outcomes, report.sitemaps[0], today)
            report.pages_after = len(draft.pages)
        report.written = True
        report.catalogue = catalogue_path(profile)
    report.seconds = time.monotonic() - started
    return report
