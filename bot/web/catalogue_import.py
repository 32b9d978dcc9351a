"""Importing the site's sitemap into the page catalogue from the web team's page.

``POST /webteam/catalogue/import`` (:func:`bot.web.catalogue.import_start`) checks the address
(:func:`check_import_url`: an internal address is refused at once, with a plain message) and
starts :func:`bot.knowledge.site_import.run_import` (with
``allow_internal=BOT_IMPORT_ALLOW_INTERNAL``) in a background thread, one at a time
(:func:`start_import`). The list page shows the running import, its outcome and its problems
(:func:`import_state`: kept in this process's memory until the next import).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

log = logging.getLogger(__name__)

IMPORT_PATH = "/webteam/catalogue/import"
MAX_URL = 2000
IMPORT_RUNNING = "Der henter allerede sider. Vent, til den hentning er færdig."
IMPORT_BAD_URL = (
    "Skriv en hel adresse, der begynder med https://, fx https://www.kommune.dk/sitemap.xml."
)
IMPORT_REFUSED = (
    "Adressen blev afvist: den peger på en intern adresse (fx localhost eller et lukket "
    "netværk). Hent kun fra kommunens offentlige hjemmeside."
)
IMPORT_NOT_FOUND = "Adressen kunne ikke findes. Tjek, at den er skrevet rigtigt."
IMPORT_SITE_PROBLEM = "Hjemmesidens robots.txt eller sitemap kunne ikke læses. Intet er ændret."
IMPORT_INVALID = "Kataloget ville ikke være gyldigt efter hentningen. Intet er ændret."
IMPORT_FAILED = "Hentningen fejlede. Intet er ændret. Prøv igen senere."
# What happened to the pages (bot.knowledge.site_import.PageOutcome.status), in Danish.
IMPORT_STATUSES = {
    "added": "nye",
    "updated": "opdateret",
    "unchanged": "uændrede",
    "removed": "fjernet",
    "noted": "findes ikke mere (beholdt med en note)",
    "skipped": "sprunget over",
}
PROBLEMS_SHOWN = 10


@dataclass
class ImportRun:
    """An import started from the page (one at a time per profile and web app process; kept
    in memory until the next one)."""

    url: str
    by: str
    started: datetime
    progress: str = ""
    finished: datetime | None = None
    counts: dict[str, int] | None = None
    problems: list[tuple[str, str]] | None = None
    pages_after: int = 0
    error: str | None = None
    detail: str = ""

    @property
    def running(self) -> bool:
        return self.finished is None


_imports: dict[str, ImportRun] = {}
_imports_lock = threading.Lock()


def import_state(profile: str) -> ImportRun | None:
    """The latest import of ``profile`` started from this process, if any."""
    with _imports_lock:
        return _imports.get(profile)


def check_import_url(url: str, allow_internal: bool) -> str | None:
    """Blocking (resolves the host): why an import of ``url`` is refused at once, in Danish,
    or None. An internal address is refused before any request unless ``allow_internal``."""
    from bot.knowledge.site_urls import (
        BadUrlError,
        FetchError,
        InternalAddressError,
        check_url,
        check_url_address,
    )

    if not url or len(url) > MAX_URL:
        return IMPORT_BAD_URL
    try:
        check_url_address(check_url(url), allow_internal=allow_internal)
    except BadUrlError:
        return IMPORT_BAD_URL
    except InternalAddressError:
        return IMPORT_REFUSED
    except FetchError:
        return IMPORT_NOT_FOUND
    return None


def start_import(
    profile: str, url: str, *, allow_internal: bool, by: str, **options: Any
) -> ImportRun | None:
    """Start importing ``url`` into the served catalogue of ``profile`` in a background
    thread; None when an import of the profile is running already. ``options`` go to
    :func:`bot.knowledge.site_import.run_import` (delay, max_pages, ...)."""
    with _imports_lock:
        current = _imports.get(profile)
        if current is not None and current.running:
            return None
        run = _imports[profile] = ImportRun(url, by, datetime.now(timezone.utc))
    thread = threading.Thread(
        target=run_import_job,
        args=(run, profile, allow_internal),
        kwargs=options,
        name="catalogue-import",
        daemon=True,
    )
    thread.start()
    return run


def run_import_job(run: ImportRun, profile: str, allow_internal: bool, **options: Any) -> None:
    """Blocking: run the import of ``run`` and keep its outcome on ``run`` (never raises)."""
    from bot.knowledge.site_import import PageCatalogueError, SiteImportError, run_import
    from bot.knowledge.site_urls import BadUrlError

    def progress(line: str) -> None:
        run.progress = line

    try:
        report = run_import(
            run.url,
            profile=profile,
            allow_internal=allow_internal,
            progress=progress,
            **options,
        )
        run.counts = {status: report.count(status) for status in IMPORT_STATUSES}
        run.problems = [(o.url, o.reason or o.status) for o in report.problems][:PROBLEMS_SHOWN]
        run.pages_after = report.pages_after
        log.info(
            "Catalogue import of %s by %s: %s",
            run.url,
            run.by,
            ", ".join(f"{n} {status}" for status, n in run.counts.items()),
        )
    except BadUrlError as exc:
        run.error, run.detail = IMPORT_BAD_URL, str(exc)
    except SiteImportError as exc:
        refused = str(exc).startswith("Refused:")
        run.error, run.detail = (IMPORT_REFUSED if refused else IMPORT_SITE_PROBLEM), str(exc)
    except PageCatalogueError as exc:
        run.error, run.detail = IMPORT_INVALID, str(exc)
    except Exception as exc:  # a background thread: the page shows it, the log names it
        log.error("Catalogue import of %s failed: %s", run.url, type(exc).__name__)
        run.error = IMPORT_FAILED
    finally:
        run.finished = datetime.now(timezone.utc)
