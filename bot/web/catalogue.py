"""The web team's page catalogue (role ``webteam``; issue 23 §4, docs/knowledge-pages.md).

- ``GET /webteam/catalogue``: the catalogue's pages in a table (title linked to the page, host,
  area, kind, language, confirmed or not, how often the assistant offered each page and how
  often citizens followed it in the period, click rate), searched (``q``: title, description,
  keywords, URL) and filtered (``omraade``, ``type``, ``sprog``, ``status``; ``sort``; the
  period ``fra``/``til``) by GET parameters, so a view can be bookmarked; then "Spørgsmål uden
  side": the citizens' questions in the period for which the fallback found no page (review
  reason ``no_page``), most frequent first, each linked to its inbox item;
- ``POST /webteam/catalogue/import`` with ``url``: imports the site's sitemap into the catalogue
  in a background thread (:mod:`bot.web.catalogue_import`); a refused address is told on this
  page, which shows the running import, its outcome and its problems.

One page's edit form, ``/webteam/catalogue/page``, is :mod:`bot.web.catalogue_page`, on the same
blueprint (:data:`catalogue`); what it changes and the edit log are
:mod:`bot.web.catalogue_edits`.

The offered/clicked counts are one aggregation in the statistics database
(:func:`bot.analytics.link_counts.link_counts`), mapped to pages by
:func:`bot.knowledge.pages.page_link_id`. Showing the questions logs their reading
(:mod:`bot.web.audit`, kind ``inbox_list``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse, redirect

from bot.analytics.link_counts import link_counts
from bot.analytics.stats import Period
from bot.db.engine import session_scope
from bot.db.stores import REVIEW, STATISTICS
from bot.knowledge.matching import fold
from bot.knowledge.pages import (
    AREA_LABELS,
    Page,
    PageCatalogue,
    PageCatalogueError,
    catalogue_of,
    page_link_id,
)
from bot.knowledge.profile import get_profile
from bot.review.inbox import REASON_LABELS, STATUS_LABELS, Filters, Group, list_groups
from bot.web.audit import record_reads
from bot.web.auth import StaffSession
from bot.web.catalogue_edits import KIND_LABELS, record_edit
from bot.web.catalogue_import import (
    IMPORT_PATH,
    IMPORT_RUNNING,
    IMPORT_STATUSES,
    MAX_URL,
    check_import_url,
    import_state,
    start_import,
)
from bot.web.security import StaffIdentity, in_thread, render, staff_only
from bot.web.staff import parse_period

catalogue = Blueprint("catalogue")
log = logging.getLogger(__name__)

LIST_PATH = "/webteam/catalogue"
PAGE_PATH = "/webteam/catalogue/page"
NO_PAGE_REASON = "no_page"
PAGE_PREFIX = "page-"

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

MAX_QUERY = 200

BAD_FILTER = "Filteret er ugyldigt. Hele kataloget vises."
UNREADABLE = "Sidekataloget kan ikke læses lige nu. Bed en udvikler se på filen."
NO_CATALOGUE = "Kommunen har ikke et sidekatalog endnu."


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


# -- data ----------------------------------------------------------------------------------


def profile_id(request: Request) -> str:
    """The id of the profile the web app serves (``BOT_PROFILE``)."""
    return request.app.ctx.settings.profile


def page_counts(
    db_url: str, period: Period, prefix: str = PAGE_PREFIX
) -> dict[str, tuple[int, int]]:
    """Blocking: how often each page (by link id) was offered and followed in the period."""
    with session_scope(STATISTICS, db_url) as db:
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
    with session_scope(REVIEW, review_url) as db:
        result = list_groups(db, filters, page=1, per_page=NO_PAGE_SHOWN)
        db.expunge_all()
    return result.groups, result.total_groups, result.total_items


def served_catalogue(profile: str) -> tuple[PageCatalogue | None, str | None]:
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


def list_context(period: Period) -> dict[str, Any]:
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
    profile = profile_id(request)
    found, problem = await in_thread(served_catalogue, profile)
    counts = await in_thread(page_counts, request.app.ctx.db_url, period)
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
        **list_context(period),
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
# The route is here, not in bot.web.catalogue_import: a refused address is told on the list
# page, and the list page shows the import's state (the other way round would be a cycle).

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
    profile = profile_id(request)
    run = start_import(profile, url, allow_internal=allow_internal, by=user.username)
    if run is None:
        return await _list_page(
            request, session, user, status=409, import_error=IMPORT_RUNNING, import_url=url
        )
    await in_thread(record_edit, profile, user.username, "import", "", url, [])
    return redirect(LIST_PATH + "#hent", status=303)
