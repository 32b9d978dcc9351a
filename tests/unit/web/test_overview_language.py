"""The staff overview shows the share of conversations in English, through the real app (no
server): a logged-in request to the overview page, with conversations fed as Rasa events."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sanic import Sanic
from sanic.compat import Header
from sanic.request import Request

from bot.db.engine import get_engine
from bot.settings import TIMEZONE, get_settings
from bot.web.app import create_app
from bot.web.security import SESSION_COOKIE, staff_only
from bot.web.staff import overview_page
from testkit.events import Chat, feed
from testkit.profile import SYNTHETIC_PROFILE_PATH
from testkit.staff import signed_in_cookie

AT = datetime(2026, 11, 23, 10, tzinfo=TIMEZONE)


@pytest.fixture
def app(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sanic]:
    monkeypatch.setenv("BOT_PROFILE", str(SYNTHETIC_PROFILE_PATH))
    get_settings.cache_clear()
    get_engine.cache_clear()
    yield create_app(sqlite_url)
    get_engine.cache_clear()
    get_settings.cache_clear()


def overview_html(app: Sanic, cookie: str, query: str) -> str:
    headers = Header({"host": "localhost", "cookie": f"{SESSION_COOKIE}={cookie}"})
    request = Request(f"/staff?{query}".encode(), headers, "1.1", "GET", None, app)
    response = asyncio.run(staff_only(overview_page)(request))
    assert response.status == 200
    return response.body.decode()


def english_share(html: str) -> str:
    found = re.search(r"<dt>Samtaler på engelsk</dt>\s*<dd[^>]*>([^<]*)</dd>", html)
    assert found, "the overview has no English share"
    return found.group(1)


def test_the_overview_shows_the_share_in_english(app: Sanic, sqlite_url: str) -> None:
    chats = []
    for i, language in enumerate(("en", "da", "da", "da")):
        chat = Chat(f"c{i}").ask("opening_hours", at=AT + timedelta(minutes=i))
        chat.events.append(
            {
                "event": "slot",
                "sender_id": chat.sender,
                "timestamp": chat.events[-1]["timestamp"] + 0.01,
                "name": "language",
                "value": language,
            }
        )
        chats.append(chat.answered())
    feed(sqlite_url, chats)

    cookie, _ = signed_in_cookie(app, "anna.staff", "en lang nok adgangskode", "staff")
    assert english_share(overview_html(app, cookie, "fra=2026-11-23&til=2026-11-23")) == (
        "1 af 4 (25,0\u00a0%)"
    )
    assert english_share(overview_html(app, cookie, "fra=2026-11-24&til=2026-11-24")) == (
        "0 af 0 (0,0\u00a0%)"
    )
