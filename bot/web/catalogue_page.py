"""One page of the web team's page catalogue: its edit form (role ``webteam``), on the
blueprint of :mod:`bot.web.catalogue`.

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

Every change is logged (the web app's log) and appended to the edit log
(:mod:`bot.web.catalogue_edits`), which the edit page shows.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from datetime import date

from sanic.request import Request
from sanic.response import HTTPResponse, redirect

from bot.dialogue.cpr import redact_cpr
from bot.knowledge.pages import AREA_LABELS, Page, PageCatalogueError, edit_catalogue, page_link_id
from bot.web.auth import StaffSession
from bot.web.catalogue import (
    LANGUAGE_LABELS,
    PAGE_PATH,
    UNREADABLE,
    catalogue,
    edit_link,
    list_context,
    page_counts,
    profile_id,
    served_catalogue,
)
from bot.web.catalogue_edits import (
    KIND_LABELS,
    MAX_DESCRIPTION,
    Edit,
    EditError,
    Missing,
    Stale,
    Unchanged,
    apply_edit,
    edits_of,
    entry_version,
    parse_edit,
    record_edit,
)
from bot.web.security import StaffIdentity, in_thread, message_page, render, staff_only
from bot.web.staff import parse_period

log = logging.getLogger(__name__)

# Messages after a redirect (?ok=...): fixed texts, never text from the address.
DONE = {
    "saved": "Gemt. Assistenten bruger de nye ord fra næste spørgsmål.",
    "confirmed": "Siden er bekræftet og gemt.",
    "unchanged": "Der var ingen ændringer at gemme.",
}
NOT_WRITTEN = "Ændringen kunne ikke gemmes. Prøv igen om lidt."


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
    profile = profile_id(request)
    found, unreadable = await in_thread(served_catalogue, profile)
    page = _find(found.pages, link_id) if found is not None else None
    if page is None:
        if unreadable == UNREADABLE:
            return await _problem_page(request, session, user, unreadable)
        return message_page(request, "page_not_found", 404, session=session, user=user)
    period, _ = parse_period(request)
    counts = await in_thread(page_counts, request.app.ctx.db_url, period, link_id)
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
    context = {**list_context(parse_period(request)[0]), "problem": problem}
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
    fields. Raises Missing, Stale, Unchanged (nothing written) or PageCatalogueError."""
    with edit_catalogue(profile) as draft:
        entry = next((p for p in draft.pages if page_link_id(str(p.get("url"))) == link_id), None)
        if entry is None:
            raise Missing
        if version != entry_version(entry):
            raise Stale
        changed = apply_edit(entry, edit, confirm_by=confirm_by, today=today)
        if not changed:
            raise Unchanged
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
    profile = profile_id(request)
    today = request.app.ctx.settings.now().date()
    by = user.username if action == "confirm" else None
    try:
        url, changed = await in_thread(_save, profile, link_id, edit, form["version"], by, today)
    except Missing:
        return message_page(request, "page_not_found", 404, session=session, user=user)
    except Stale:
        return await _edit_page(request, session, user, status=409, form=form, stale=True)
    except Unchanged:
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
