"""The web team's page catalogue (role ``webteam``; issue 23 §4, docs/knowledge-pages.md).

- ``GET /webteam/catalogue``: the catalogue's pages in a table (title linked to the page, host,
  area, kind, language, confirmed or not, how often the assistant offered each page and how
  often citizens followed it in the period, click rate), searched (``q``: title, description,
  keywords, URL) and filtered (``omraade``, ``type``, ``sprog``, ``status``; ``sort``; the
  period ``fra``/``til``) by GET parameters, so a view can be bookmarked; then "Spørgsmål uden
  side": the citizens' questions in the period for which the fallback found no page (review
  reason ``no_page``), most frequent first, each linked to its inbox item;
- ``GET /webteam/catalogue/page?id=<link id>`` (or ``?url=<page URL>``): one page's edit form
  (keywords, English keywords, description, area, kind), its imported headings and text, its
  source and notes, and the changes made to it here;
- ``POST /webteam/catalogue/page?id=<link id>`` with ``action`` = ``save`` ("Gem") or
  ``confirm`` ("Bekræft siden": saves and sets ``needs_confirmation`` false, ``confirmed_by``
  the user, ``confirmed_on`` today). Written through
  :func:`bot.knowledge.pages.edit_catalogue` (whole file validated, lock, atomic replace), so
  the assistant offers the page by its new words at the next question. The form carries a
  digest of the fields it edits: a change made meanwhile (another tab, an import) is not
  overwritten (409, the form again with the saved values beside).

- ``POST /webteam/catalogue/import`` with ``url``: imports the site's sitemap into the catalogue
  (:func:`bot.knowledge.site_import.run_import`, with
  ``allow_internal=BOT_IMPORT_ALLOW_INTERNAL``) in a background thread, one at a time; an
  internal address is refused at once, with a plain message. The list page shows the running
  import, its outcome and its problems (kept in this process's memory until the next import).

The offered/clicked counts are one aggregation in the statistics database
(:func:`bot.analytics.link_counts.link_counts`), mapped to pages by
:func:`bot.knowledge.pages.page_link_id`. Showing the questions logs their reading
(:mod:`bot.web.audit`, kind ``inbox_list``). Every change is logged (the web app's log) and
appended to ``$BOT_PAGES_DIR/<profile>.edits.jsonl`` (who, when, which page, which fields; no
field values), which the edit page shows.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse, redirect

from bot.analytics.db import session_scope as analytics_session
from bot.analytics.link_counts import link_counts
from bot.analytics.stats import Period
from bot.dialogue.privacy import find_cpr, redact_cpr
from bot.knowledge.matching import fold
from bot.knowledge.pages import (
    AREA_LABELS,
    AREAS,
    Page,
    PageCatalogue,
    PageCatalogueError,
    catalogue_of,
    edit_catalogue,
    page_link_id,
    served_path,
)
from bot.knowledge.profile import get_profile
from bot.review.db import session_scope as review_session
from bot.review.inbox import REASON_LABELS, STATUS_LABELS, Filters, Group, list_groups
from bot.web.audit import record_reads
from bot.web.auth import StaffSession
from bot.web.security import StaffIdentity, in_thread, message_page, render, staff_only
from bot.web.staff import parse_period

catalogue = Blueprint("catalogue")
log = logging.getLogger(__name__)

LIST_PATH = "/webteam/catalogue"
PAGE_PATH = "/webteam/catalogue/page"
NO_PAGE_REASON = "no_page"
PAGE_PREFIX = "page-"

KIND_LABELS = {"information": "Information", "selvbetjening": "Selvbetjening"}
LANGUAGE_LABELS = {"da": "Dansk", "en": "Engelsk"}
# ?status=: "skal" (needs confirmation) or "bekraeftet"; empty: all.
STATUS_FILTERS = {"skal": "Skal bekræftes", "bekraeftet": "Bekræftet"}
SORTS = {
    "titel": "Titel",
    "vist": "Mest vist",
    "klik": "Flest klik",
    "klikrate": "Højeste klikrate",
}
# The most frequent questions without a page shown on the catalogue page.
NO_PAGE_SHOWN = 15
EDITS_SHOWN = 10
EDIT_LOG_TAIL = 256 * 1024  # the edit log's last bytes the edit page reads

MAX_QUERY = 200
MAX_KEYWORDS = 60
MAX_KEYWORD = 80
MAX_DESCRIPTION = 600

# Messages after a redirect (?ok=...): fixed texts, never text from the address.
DONE = {
    "saved": "Gemt. Assistenten bruger de nye ord fra næste spørgsmål.",
    "confirmed": "Siden er bekræftet og gemt.",
    "unchanged": "Der var ingen ændringer at gemme.",
}
BAD_FILTER = "Filteret er ugyldigt. Hele kataloget vises."
UNREADABLE = "Sidekataloget kan ikke læses lige nu. Bed en udvikler se på filen."
NOT_WRITTEN = "Ændringen kunne ikke gemmes. Prøv igen om lidt."
NO_CATALOGUE = "Kommunen har ikke et sidekatalog endnu."


class EditError(ValueError):
    """Form input that cannot be saved; ``danish`` says why, ``field`` is the form field."""

    def __init__(self, field_name: str, danish: str) -> None:
        super().__init__(danish)
        self.field = field_name
        self.danish = danish


class _Stale(Exception):
    """The page changed since the form was shown."""


class _Unchanged(Exception):
    """Nothing to save (leaves the file as it is)."""


class _Missing(Exception):
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


# -- the list (pure) -----------------------------------------------------------------------


@dataclass(frozen=True)
class ListFilters:
    """The catalogue list's search and filters, as GET parameters give them."""

    q: str = ""
    area: str = ""
    kind: str = ""
    language: str = ""
    status: str = ""
    sort: str = "titel"

    def query(self, **change: str) -> dict[str, str]:
        """The GET parameters of this view (empty ones left out), with ``change``."""
        values = {
            "q": self.q,
            "omraade": self.area,
            "type": self.kind,
            "sprog": self.language,
            "status": self.status,
            "sort": "" if self.sort == "titel" else self.sort,
            **change,
        }
        return {k: v for k, v in values.items() if v}


def parse_list_filters(args: Mapping[str, str]) -> tuple[ListFilters, bool]:
    """The filters of ``args`` (``q``, ``omraade``, ``type``, ``sprog``, ``status``, ``sort``)
    and whether one was unusable (it is then left out)."""
    raw = {
        "q": " ".join((args.get("q") or "").split())[:MAX_QUERY],
        "area": args.get("omraade") or "",
        "kind": args.get("type") or "",
        "language": args.get("sprog") or "",
        "status": args.get("status") or "",
        "sort": args.get("sort") or "titel",
    }
    allowed = {
        "area": AREA_LABELS,
        "kind": KIND_LABELS,
        "language": LANGUAGE_LABELS,
        "status": STATUS_FILTERS,
        "sort": SORTS,
    }
    bad = False
    for name, known in allowed.items():
        if raw[name] and raw[name] not in known:
            raw[name] = "titel" if name == "sort" else ""
            bad = True
    return ListFilters(**raw), bad


def _haystack(page: Page) -> str:
    return fold(
        " ".join([page.title, page.description, page.url, *page.keywords, *page.keywords_en])
    )


def matches(page: Page, filters: ListFilters) -> bool:
    """Whether ``page`` is in the filtered view: every word of the search in its title,
    description, keywords or URL (case and æ/ø/å spelling ignored), and every filter."""
    if filters.area and page.area != filters.area:
        return False
    if filters.kind and page.kind != filters.kind:
        return False
    if filters.language and page.language != filters.language:
        return False
    if filters.status == "skal" and not page.needs_confirmation:
        return False
    if filters.status == "bekraeftet" and page.needs_confirmation:
        return False
    if filters.q:
        haystack = _haystack(page)
        return all(word in haystack for word in fold(filters.q).split())
    return True


@dataclass(frozen=True)
class Row:
    """One line of the catalogue table."""

    page: Page
    link_id: str
    shown: int
    clicked: int

    @property
    def rate(self) -> float | None:
        """Clicks per showing; None when the page was not shown."""
        return self.clicked / self.shown if self.shown else None


def table_rows(
    pages: Sequence[Page], counts: Mapping[str, tuple[int, int]], filters: ListFilters
) -> list[Row]:
    """The filtered pages with their counts, in the chosen order."""
    rows = [
        Row(page, link_id, *counts.get(link_id, (0, 0)))
        for page in pages
        if matches(page, filters)
        for link_id in [page_link_id(page.url)]
    ]
    by_title = sorted(rows, key=lambda r: (fold(r.page.title), r.page.url))
    if filters.sort == "vist":
        return sorted(by_title, key=lambda r: -r.shown)
    if filters.sort == "klik":
        return sorted(by_title, key=lambda r: -r.clicked)
    if filters.sort == "klikrate":
        return sorted(by_title, key=lambda r: 1.0 if r.rate is None else -r.rate)
    return by_title


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


# -- the import (bot.knowledge.site_import, in a background thread) ------------------------

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
    from bot.knowledge.site_fetch import (
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
    from bot.knowledge.site_import import (
        BadUrlError,
        PageCatalogueError,
        SiteImportError,
        run_import,
    )

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


# -- data ----------------------------------------------------------------------------------


def _profile_id(request: Request) -> str:
    return request.app.ctx.settings.profile


def _counts(db_url: str, period: Period, prefix: str = PAGE_PREFIX) -> dict[str, tuple[int, int]]:
    with analytics_session(db_url) as db:
        return link_counts(
            db,
            period.lower,
            period.upper,
            municipality=get_profile().municipality.id,
            prefix=prefix,
        )


def _no_page_questions(review_url: str, period: Period) -> tuple[list[Group], int, int]:
    """The most frequent questions without a page in the period (all statuses), the number
    of distinct ones and of all."""
    filters = Filters(since=period.start, until=period.end, reason=NO_PAGE_REASON, status=None)
    with review_session(review_url) as db:
        result = list_groups(db, filters, page=1, per_page=NO_PAGE_SHOWN)
        db.expunge_all()
    return result.groups, result.total_groups, result.total_items


def _catalogue(profile: str) -> tuple[PageCatalogue | None, str | None]:
    """The served catalogue, or None and the Danish reason."""
    try:
        found = catalogue_of(profile)
    except PageCatalogueError as exc:
        log.error("The page catalogue cannot be read: %s", exc)
        return None, UNREADABLE
    return (found, None) if found is not None else (None, NO_CATALOGUE)


def _inbox_link(period: Period) -> str:
    query = {
        "grund": NO_PAGE_REASON,
        "status": "all",
        "fra": period.start.isoformat(),
        "til": period.end.isoformat(),
    }
    return "/webteam/inbox?" + urlencode(query)


def edit_link(link_id: str) -> str:
    return f"{PAGE_PATH}?{urlencode({'id': link_id})}"


# -- the list page -------------------------------------------------------------------------


def _list_context(period: Period) -> dict[str, Any]:
    """What every rendering of the list page shows, empty."""
    return {
        "rows": [],
        "total": 0,
        "unconfirmed": 0,
        "filters": ListFilters(),
        "filter_error": None,
        "filtered": False,
        "period": period,
        "period_error": None,
        "problem": None,
        "questions": [],
        "questions_distinct": 0,
        "questions_total": 0,
        "inbox_link": _inbox_link(period),
        "view_link": lambda **change: LIST_PATH,
        "edit_link": edit_link,
        "area_labels": AREA_LABELS,
        "kind_labels": KIND_LABELS,
        "language_labels": LANGUAGE_LABELS,
        "status_filters": STATUS_FILTERS,
        "sorts": SORTS,
        "status_labels": STATUS_LABELS,
        "reason_labels": REASON_LABELS,
        "import_run": None,
        "import_error": None,
        "import_url": "",
        "import_statuses": IMPORT_STATUSES,
    }


async def _list_page(
    request: Request,
    session: StaffSession,
    user: StaffIdentity,
    *,
    status: int = 200,
    import_error: str | None = None,
    import_url: str = "",
) -> HTTPResponse:
    period, period_error = parse_period(request)
    filters, bad_filter = parse_list_filters(
        {name: request.args.get(name, "") for name in request.args}
    )
    profile = _profile_id(request)
    found, problem = await in_thread(_catalogue, profile)
    counts = await in_thread(_counts, request.app.ctx.db_url, period)
    questions, distinct, asked = await in_thread(
        _no_page_questions, request.app.ctx.review_db_url, period
    )
    await in_thread(
        record_reads,
        request.app.ctx.db_url,
        user.username,
        "inbox_list",
        [group.item.id for group in questions],
    )
    pages = found.pages if found is not None else ()
    period_query = {"fra": period.start.isoformat(), "til": period.end.isoformat()}

    def view_link(**change: str) -> str:
        return LIST_PATH + "?" + urlencode({**filters.query(**change), **period_query})

    context = {
        **_list_context(period),
        "rows": table_rows(pages, counts, filters),
        "total": len(pages),
        "unconfirmed": sum(1 for p in pages if p.needs_confirmation),
        "filters": filters,
        "filter_error": BAD_FILTER if bad_filter else None,
        "filtered": bool(filters.query(sort="")),
        "period_error": period_error,
        "problem": problem,
        "questions": questions,
        "questions_distinct": distinct,
        "questions_total": asked,
        "view_link": view_link,
        "import_run": import_state(profile),
        "import_error": import_error,
        "import_url": import_url,
    }
    if problem == UNREADABLE:
        status = 503
    return render(
        request, "webteam/catalogue.html", status=status, session=session, user=user, **context
    )


@catalogue.get(LIST_PATH)
@staff_only(role="webteam")
async def catalogue_page(
    request: Request, session: StaffSession, user: StaffIdentity
) -> HTTPResponse:
    return await _list_page(request, session, user)


# -- importing from the site's sitemap -----------------------------------------------------


@catalogue.post(IMPORT_PATH)
@staff_only(role="webteam")
async def import_start(
    request: Request, session: StaffSession, user: StaffIdentity
) -> HTTPResponse:
    url = " ".join((request.form.get("url") or "").split())
    allow_internal = request.app.ctx.settings.import_allow_internal
    refusal = await in_thread(check_import_url, url, allow_internal)
    if refusal is not None:
        return await _list_page(
            request, session, user, status=400, import_error=refusal, import_url=url[:MAX_URL]
        )
    profile = _profile_id(request)
    run = start_import(profile, url, allow_internal=allow_internal, by=user.username)
    if run is None:
        return await _list_page(
            request, session, user, status=409, import_error=IMPORT_RUNNING, import_url=url
        )
    await in_thread(record_edit, profile, user.username, "import", "", url, [])
    return redirect(LIST_PATH + "#hent", status=303)


# -- the edit page -------------------------------------------------------------------------


def _wanted_id(request: Request) -> str | None:
    link_id = request.args.get("id", "")
    if link_id:
        return link_id if re.fullmatch(r"page-[0-9a-f]{12}", link_id) else None
    url = request.args.get("url", "")
    return page_link_id(url) if url else None


def _find(pages: Sequence[Page], link_id: str) -> Page | None:
    return next((p for p in pages if page_link_id(p.url) == link_id), None)


def _form_of(page: Page) -> dict[str, str]:
    return {
        "keywords": "\n".join(page.keywords),
        "keywords_en": "\n".join(page.keywords_en),
        "description": page.description,
        "area": page.area,
        "kind": page.kind,
        "version": entry_version(page.__dict__),
    }


async def _edit_page(
    request: Request,
    session: StaffSession,
    user: StaffIdentity,
    *,
    status: int = 200,
    error: EditError | None = None,
    problem: str | None = None,
    form: dict[str, str] | None = None,
    stale: bool = False,
) -> HTTPResponse:
    link_id = _wanted_id(request)
    if link_id is None:
        return message_page(request, "page_not_found", 404, session=session, user=user)
    profile = _profile_id(request)
    found, unreadable = await in_thread(_catalogue, profile)
    page = _find(found.pages, link_id) if found is not None else None
    if page is None:
        if unreadable == UNREADABLE:
            return await _problem_page(request, session, user, unreadable)
        return message_page(request, "page_not_found", 404, session=session, user=user)
    period, _ = parse_period(request)
    counts = await in_thread(_counts, request.app.ctx.db_url, period, link_id)
    shown, clicked = counts.get(link_id, (0, 0))
    edits = await in_thread(edits_of, profile, link_id)
    values = form if form is not None else _form_of(page)
    if stale:  # their values, the current version: saving again is their choice
        values = {**values, "version": entry_version(page.__dict__)}
    ok = DONE.get(request.args.get("ok", "")) if error is None and problem is None else None
    return render(
        request,
        "webteam/catalogue_page.html",
        status=status,
        session=session,
        user=user,
        page=page,
        link_id=link_id,
        action=edit_link(link_id),
        form=values,
        error=error,
        problem=problem,
        stale=stale,
        done=ok,
        shown=shown,
        clicked=clicked,
        period=period,
        edits=edits,
        area_labels=AREA_LABELS,
        kind_labels=KIND_LABELS,
        language_labels=LANGUAGE_LABELS,
        field_labels=FIELD_LABELS,
        action_labels=ACTION_LABELS,
        max_description=MAX_DESCRIPTION,
    )


FIELD_LABELS = {
    "keywords": "nøgleord",
    "keywords_en": "engelske nøgleord",
    "description": "beskrivelse",
    "area": "område",
    "kind": "type",
    "needs_confirmation": "bekræftelse",
    "confirmed_by": "bekræftet af",
    "confirmed_on": "bekræftet den",
}
ACTION_LABELS = {"save": "Gemt", "confirm": "Bekræftet"}


async def _problem_page(
    request: Request, session: StaffSession, user: StaffIdentity, problem: str
) -> HTTPResponse:
    """The list page with only the problem (the catalogue cannot be read)."""
    context = {**_list_context(parse_period(request)[0]), "problem": problem}
    return render(
        request, "webteam/catalogue.html", status=503, session=session, user=user, **context
    )


@catalogue.get(PAGE_PATH)
@staff_only(role="webteam")
async def page_form(request: Request, session: StaffSession, user: StaffIdentity) -> HTTPResponse:
    return await _edit_page(request, session, user)


def _save(
    profile: str,
    link_id: str,
    edit: Edit,
    version: str,
    confirm_by: str | None,
    today: date,
) -> tuple[str, list[str]]:
    """Blocking: apply ``edit`` to the page through edit_catalogue; its URL and the changed
    fields. Raises _Missing, _Stale, _Unchanged (nothing written) or PageCatalogueError."""
    with edit_catalogue(profile) as draft:
        entry = next((p for p in draft.pages if page_link_id(str(p.get("url"))) == link_id), None)
        if entry is None:
            raise _Missing
        if version != entry_version(entry):
            raise _Stale
        changed = apply_edit(entry, edit, confirm_by=confirm_by, today=today)
        if not changed:
            raise _Unchanged
        return str(entry["url"]), changed


@catalogue.post(PAGE_PATH)
@staff_only(role="webteam")
async def page_save(request: Request, session: StaffSession, user: StaffIdentity) -> HTTPResponse:
    link_id = _wanted_id(request)
    if link_id is None:
        return message_page(request, "page_not_found", 404, session=session, user=user)
    names = ("keywords", "keywords_en", "description", "area", "kind", "version")
    form = {name: request.form.get(name, "") for name in names}
    action = request.form.get("action", "save")
    if action not in ACTION_LABELS:
        action = "save"
    try:
        edit = parse_edit(form)
    except EditError as exc:
        for name in ("keywords", "keywords_en", "description"):
            form[name] = redact_cpr(form[name])[0]  # never echo a CPR number back
        return await _edit_page(request, session, user, status=400, error=exc, form=form)
    profile = _profile_id(request)
    today = request.app.ctx.settings.now().date()
    by = user.username if action == "confirm" else None
    try:
        url, changed = await in_thread(_save, profile, link_id, edit, form["version"], by, today)
    except _Missing:
        return message_page(request, "page_not_found", 404, session=session, user=user)
    except _Stale:
        return await _edit_page(request, session, user, status=409, form=form, stale=True)
    except _Unchanged:
        return redirect(edit_link(link_id) + "&ok=unchanged", status=303)
    except PageCatalogueError as exc:
        # The form checks what it can; anything the catalogue's validation still refuses is
        # named in the log (English, with the field) and told plainly on the page.
        log.warning("A catalogue edit was refused: %s", exc)
        problem = "Siden kunne ikke gemmes, fordi kataloget ikke ville være gyldigt bagefter."
        return await _edit_page(request, session, user, status=400, problem=problem, form=form)
    except OSError as exc:
        log.error("The page catalogue could not be written: %s", type(exc).__name__)
        return await _edit_page(request, session, user, status=503, problem=NOT_WRITTEN, form=form)
    await in_thread(record_edit, profile, user.username, action, link_id, url, changed)
    done = "confirmed" if action == "confirm" else "saved"
    return redirect(edit_link(link_id) + f"&ok={done}", status=303)
