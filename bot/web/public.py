"""The public blueprint: the demo page with the chat widget, liveness and link redirects."""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import datetime

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse, json, redirect

from bot.analytics.clicks import record_click
from bot.knowledge.links import known_links
from bot.knowledge.profile import get_profile
from bot.settings import get_settings
from bot.web.security import render

SENDER_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")
# A click is recorded before redirecting, but a slow or locked database may delay the
# citizen by at most this long; the write then finishes (or fails) in the background.
CLICK_RECORD_TIMEOUT_S = 2.0

log = logging.getLogger(__name__)

public = Blueprint("public")


@public.get("/healthz")
async def healthz(request: Request) -> HTTPResponse:
    """Liveness; never touches the database."""
    return json({"status": "ok"})


def _record_click_safely(
    url: str, municipality: str, link_id: str, sender_id: str | None, at: datetime
) -> None:
    try:
        record_click(url, municipality, link_id, sender_id, at)
    except Exception as exc:
        # Only the exception's class: database messages may quote the sender id.
        log.warning(
            "Could not record a click on link %r (%s); redirected anyway",
            link_id,
            type(exc).__name__,
        )


def link_not_found_page(request: Request) -> HTTPResponse:
    """The 404 page of a link that does not exist, for citizens: what happened and the way on
    (the municipality's front page, the assistant)."""
    website = get_profile().contact.website.value
    return render(request, "link_not_found.html", status=404, website=website)


@public.get("/r/<link_id:str>")
async def link_redirect(request: Request, link_id: str) -> HTTPResponse:
    """Count a click on a link of the profile and redirect to it (the click counts only for a
    link the assistant gave the sender, once: bot/analytics/clicks.py); an unknown id gets a
    citizen page with the way on."""
    profile = get_profile()
    language = "en" if request.args.get("lang") == "en" else "da"
    target = known_links(profile, language).get(link_id)
    if target is None:
        return link_not_found_page(request)
    sender_id = request.args.get("s")
    if sender_id is not None and not SENDER_ID.fullmatch(sender_id):
        sender_id = None
    write = asyncio.get_running_loop().run_in_executor(
        None,
        _record_click_safely,
        request.app.ctx.db_url,
        profile.municipality.id,
        link_id,
        sender_id,
        get_settings().now(),
    )
    try:
        await asyncio.wait_for(asyncio.shield(write), timeout=CLICK_RECORD_TIMEOUT_S)
    except asyncio.TimeoutError:
        log.warning("Recording a click on link %r is slow; redirected anyway", link_id)
    response = redirect(target, status=302)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@public.get("/")
async def demo_page(request: Request) -> HTTPResponse:
    """A municipal front page with the chat widget, configured from settings and profile."""
    contact = get_profile().contact
    response = render(
        request,
        "demo.html",
        assistant_url=request.app.ctx.settings.assistant_url,
        phone=contact.phone.value,
        digital_post_link=contact.digital_post_link.value,
    )
    # This page only: the widget's script and CSS (own files) and its calls to the assistant.
    # (widget_csp of BOT_ASSISTANT_URL, computed once by create_app)
    response.headers["Content-Security-Policy"] = request.app.ctx.widget_csp
    return response
