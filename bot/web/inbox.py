"""The web team's inbox pages (role ``webteam``): citizens' messages worth a look.

- ``GET /webteam/inbox``: filters (period, reason, predicted intent, status), counts per
  reason, and a paged list where the same message from many citizens is one line with its
  count;
- ``GET /webteam/inbox/<id>``: one item (text, prediction and runners-up, the reply, the
  messages before it) and the decision form, every intent with its Danish label and
  description from the topic registry; ``POST`` records the decision and shows the item again,
  or, with "Gem og næste" (``?videre=1``), the next open item;
- ``GET /webteam/inbox/naeste``: the next open item (the first line of the open inbox);
- ``GET /webteam/conversations/<id>``: the whole conversation, its tags, "mark as reviewed";
  ``POST /webteam/conversations/<id>/tags`` and ``/reviewed``.

Only users with the role ``webteam`` see them (others get a 403 page, anonymous visitors the
login). Every showing of citizen text (an item, a conversation, the list's lines) is logged
(:mod:`bot.web.audit`).
The queries are in :mod:`bot.review.inbox`, the decisions in :mod:`bot.review.annotate`; the
texts come from the review store (``BOT_REVIEW_DB_URL``, ``app.ctx.review_db_url``).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse, redirect

from bot.db.engine import session_scope
from bot.db.stores import REVIEW
from bot.dialogue.cpr import redact_cpr
from bot.dialogue.topics import IntentText, get_registry
from bot.knowledge.profile import get_profile
from bot.review.annotate import AnnotationError, annotate
from bot.review.domain import domain_intents
from bot.review.inbox import (
    REASON_LABELS,
    STATUS_LABELS,
    Filters,
    add_tag,
    get_conversation,
    get_item,
    list_groups,
    mark_reviewed,
    next_open_item,
    parse_filters,
    predicted_intents,
    public_phone_numbers,
    reason_counts,
    remove_tag,
)
from bot.settings import get_settings
from bot.web.audit import record_read, record_reads
from bot.web.auth import StaffSession
from bot.web.security import StaffIdentity, in_thread, message_page, render, staff_only

inbox = Blueprint("inbox")

PER_PAGE = 50
# Danish text of the form's fields when a filter is unusable.
BAD_FILTER = "Filteret er ugyldigt. Skriv datoer som 2026-11-30. Hele indbakken vises."


def intent_texts() -> dict[str, IntentText]:
    """Every intent's Danish label and description (the topic registry's ``intents``)."""
    return get_registry().intents


def intent_by_label(typed: str, intents: tuple[str, ...]) -> str:
    """The intent a member of the web team chose: its name, or its Danish label as the page
    shows it ("Digital Post: læse post"); anything else is returned as typed (and refused)."""
    typed = typed.strip()
    if typed in intents:
        return typed
    texts = intent_texts()
    for name in intents:
        text = texts.get(name)
        if text is not None and text.label.casefold() == typed.casefold():
            return name
    return typed


# A link in an assistant's message as the review store keeps it: "[taarnby.dk](http://…/r/…)".
_MARKDOWN_LINK = re.compile(r"\[([^\[\]]+)\]\((?:https?://|/)[^()\s]*\)")


def link_labels(text: str) -> str:
    """An assistant's message as the citizen saw it: a link by its label, "taarnby.dk (link)",
    not the click-counting address with the conversation's id."""
    return _MARKDOWN_LINK.sub(r"\1 (link)", text)


def _common() -> dict[str, Any]:
    # Times and shares are written by the template filters (bot.analytics.formats).
    return {
        "reason_labels": REASON_LABELS,
        "status_labels": STATUS_LABELS,
        "intent_texts": intent_texts(),
        "link_labels": link_labels,
    }


# -- the list ---------------------------------------------------------------------------


def _inbox_data(url: str, filters: Filters, page: int) -> dict[str, Any]:
    with session_scope(REVIEW, url) as db:
        result = list_groups(db, filters, page=page, per_page=PER_PAGE)
        counts = reason_counts(db, filters)
        intents = predicted_intents(db)
        db.expunge_all()
    return {"result": result, "counts": counts, "intents": intents}


@inbox.get("/webteam/inbox")
@staff_only(role="webteam")
async def inbox_page(request: Request, session: StaffSession, user: StaffIdentity) -> HTTPResponse:
    args = request.args
    raw = {
        "fra": args.get("fra", ""),
        "til": args.get("til", ""),
        "grund": args.get("grund", ""),
        "intent": args.get("intent", ""),
        "status": args.get("status", "open"),
    }
    error = None
    try:
        filters = parse_filters(
            since=raw["fra"],
            until=raw["til"],
            reason=raw["grund"],
            intent=raw["intent"],
            status=raw["status"],
        )
    except ValueError:
        filters, error = Filters(), BAD_FILTER
        raw = {"fra": "", "til": "", "grund": "", "intent": "", "status": "open"}
    try:
        page = max(1, int(args.get("side", "1")))
    except ValueError:
        page = 1
    data = await in_thread(_inbox_data, request.app.ctx.review_db_url, filters, page)
    shown = [group.item.id for group in data["result"].groups]
    await in_thread(record_reads, request.app.ctx.db_url, user.username, "inbox_list", shown)

    def page_link(number: int, **change: str) -> str:
        query = {k: v for k, v in {**raw, **change}.items() if v}
        if number > 1:
            query["side"] = str(number)
        return "/webteam/inbox?" + urlencode(query)

    return render(
        request,
        "webteam/inbox.html",
        session=session,
        user=user,
        raw=raw,
        filter_error=error,
        page_link=page_link,
        nothing_open=args.get("tom") == "1",  # "Gem og næste" found nothing more to do
        **data,
        **_common(),
    )


# -- one item ---------------------------------------------------------------------------


def _item_data(url: str, item_id: int) -> dict[str, Any] | None:
    with session_scope(REVIEW, url) as db:
        detail = get_item(db, item_id, public_phone_numbers())
        db.expunge_all()
    return None if detail is None else {"d": detail}


def _next_item(url: str, skip: int | None) -> int | None:
    with session_scope(REVIEW, url) as db:
        return next_open_item(db, skip)


async def _item_page(
    request: Request,
    session: StaffSession,
    user: StaffIdentity,
    item_id: int,
    *,
    status: int = 200,
    error: str | None = None,
    form: dict[str, str] | None = None,
) -> HTTPResponse:
    data = await in_thread(_item_data, request.app.ctx.review_db_url, item_id)
    if data is None:
        return message_page(request, "page_not_found", 404, session=session, user=user)
    await in_thread(record_read, request.app.ctx.db_url, user.username, "inbox_item", item_id)
    return render(
        request,
        "webteam/inbox_item.html",
        status=status,
        session=session,
        user=user,
        intents=domain_intents(),
        tasks=[(t.id, t.name) for t in get_profile().self_service],
        error=error,
        saved=request.args.get("gemt") == "1",
        previous_saved=request.args.get("forrige", "").isdigit(),
        form=form or {},
        **data,
        **_common(),
    )


async def _to_next(request: Request, skip: int | None) -> HTTPResponse:
    """A redirect to the next open item, or to the inbox (with a note) when none is open."""
    found = await in_thread(_next_item, request.app.ctx.review_db_url, skip)
    if found is None:
        return redirect("/webteam/inbox?tom=1", status=303)
    suffix = f"?forrige={skip}" if skip is not None else ""
    return redirect(f"/webteam/inbox/{found}{suffix}", status=303)


@inbox.get("/webteam/inbox/naeste")
@staff_only(role="webteam")
async def next_item(request: Request, session: StaffSession, user: StaffIdentity) -> HTTPResponse:
    after = request.args.get("efter", "")
    return await _to_next(request, int(after) if after.isdigit() else None)


@inbox.get("/webteam/inbox/<item_id:int>")
@staff_only(role="webteam")
async def item_page(
    request: Request, session: StaffSession, user: StaffIdentity, item_id: int
) -> HTTPResponse:
    return await _item_page(request, session, user, item_id)


def _annotate(
    url: str,
    item_id: int,
    action: str,
    intent: str,
    text: str,
    by: str,
    task: str = "",
    task_words: str = "",
) -> None:
    with session_scope(REVIEW, url) as db:
        annotate(
            db,
            item_id,
            action,
            by=by,
            now=get_settings().now(),
            intents=domain_intents(),
            intent=intent,
            text=text,
            allow=public_phone_numbers(),
            task=task,
            task_words=task_words,
            tasks=[t.id for t in get_profile().self_service],
        )


@inbox.post("/webteam/inbox/<item_id:int>")
@staff_only(role="webteam")
async def item_decide(
    request: Request, session: StaffSession, user: StaffIdentity, item_id: int
) -> HTTPResponse:
    form = {
        "action": request.form.get("action", ""),
        "intent": intent_by_label(request.form.get("intent", ""), domain_intents()),
        "text": request.form.get("text", ""),
        "task": request.form.get("task", ""),
        "task_words": request.form.get("task_words", ""),
    }
    # "Save with this intent" sends action=intent; the other buttons name their action.
    try:
        await in_thread(
            _annotate,
            request.app.ctx.review_db_url,
            item_id,
            form["action"],
            form["intent"],
            form["text"],
            user.username,
            form["task"],
            form["task_words"],
        )
    except AnnotationError as exc:
        if exc.code == "unknown_item":
            return message_page(request, "page_not_found", 404, session=session, user=user)
        form["text"] = redact_cpr(form["text"])[0]  # never echo a CPR number back
        return await _item_page(
            request, session, user, item_id, status=400, error=exc.danish, form=form
        )
    if request.args.get("videre") == "1":  # "Gem og næste"
        return await _to_next(request, item_id)
    return redirect(f"/webteam/inbox/{item_id}?gemt=1", status=303)


# -- conversations ----------------------------------------------------------------------


def _conversation_data(url: str, conversation_id: int) -> dict[str, Any] | None:
    with session_scope(REVIEW, url) as db:
        detail = get_conversation(db, conversation_id)
        db.expunge_all()
    return None if detail is None else {"c": detail}


async def _conversation_page(
    request: Request,
    session: StaffSession,
    user: StaffIdentity,
    conversation_id: int,
    *,
    status: int = 200,
    error: str | None = None,
) -> HTTPResponse:
    data = await in_thread(_conversation_data, request.app.ctx.review_db_url, conversation_id)
    if data is None:
        return message_page(request, "page_not_found", 404, session=session, user=user)
    await in_thread(
        record_read, request.app.ctx.db_url, user.username, "conversation", conversation_id
    )
    return render(
        request,
        "webteam/conversation.html",
        status=status,
        session=session,
        user=user,
        error=error,
        saved=request.args.get("gemt") == "1",
        **data,
        **_common(),
    )


@inbox.get("/webteam/conversations/<conversation_id:int>")
@staff_only(role="webteam")
async def conversation_page(
    request: Request, session: StaffSession, user: StaffIdentity, conversation_id: int
) -> HTTPResponse:
    return await _conversation_page(request, session, user, conversation_id)


def _tag(url: str, conversation_id: int, tag: str, remove: bool, by: str) -> None:
    with session_scope(REVIEW, url) as db:
        if remove:
            remove_tag(db, conversation_id, tag)
        else:
            add_tag(db, conversation_id, tag, by=by, now=get_settings().now())


@inbox.post("/webteam/conversations/<conversation_id:int>/tags")
@staff_only(role="webteam")
async def conversation_tag(
    request: Request, session: StaffSession, user: StaffIdentity, conversation_id: int
) -> HTTPResponse:
    remove = request.form.get("remove", "")
    tag = remove or request.form.get("tag", "")
    try:
        await in_thread(
            _tag, request.app.ctx.review_db_url, conversation_id, tag, bool(remove), user.username
        )
    except AnnotationError as exc:
        if exc.code == "unknown_conversation":
            return message_page(request, "page_not_found", 404, session=session, user=user)
        return await _conversation_page(
            request, session, user, conversation_id, status=400, error=exc.danish
        )
    return redirect(f"/webteam/conversations/{conversation_id}?gemt=1", status=303)


def _reviewed(url: str, conversation_id: int, by: str) -> None:
    with session_scope(REVIEW, url) as db:
        mark_reviewed(db, conversation_id, by=by, now=get_settings().now())


@inbox.post("/webteam/conversations/<conversation_id:int>/reviewed")
@staff_only(role="webteam")
async def conversation_reviewed(
    request: Request, session: StaffSession, user: StaffIdentity, conversation_id: int
) -> HTTPResponse:
    try:
        await in_thread(_reviewed, request.app.ctx.review_db_url, conversation_id, user.username)
    except AnnotationError:
        return message_page(request, "page_not_found", 404, session=session, user=user)
    return redirect(f"/webteam/conversations/{conversation_id}?gemt=1", status=303)
