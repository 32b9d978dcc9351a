"""The staff pages' pieces in the real app without a server: the EKSEMPEL page for every
profile, the chart, the intents' Danish texts, the inbox's "next open item"."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from datetime import date

import pytest
from sanic import Sanic
from sanic.compat import Header
from sanic.request import Request

from bot.db.engine import get_engine
from bot.dialogue.topics import get_registry
from bot.knowledge.profile import get_profile
from bot.review.domain import domain_intents
from bot.settings import get_settings
from bot.web.app import create_app
from bot.web.charts import weekly_chart
from bot.web.examples import example_rows
from bot.web.inbox import intent_by_label, link_labels
from bot.web.security import SESSION_COOKIE
from bot.web.staff import examples
from testkit.staff import signed_in_cookie


@pytest.fixture(params=["taarnby", "ishoj"])
def app(
    request: pytest.FixtureRequest, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Sanic]:
    monkeypatch.setenv("BOT_PROFILE", request.param)
    get_settings.cache_clear()
    get_engine.cache_clear()
    yield create_app(sqlite_url)
    get_engine.cache_clear()
    get_settings.cache_clear()


def examples_html(app: Sanic) -> str:
    cookie, _ = signed_in_cookie(app, "anna.staff", "en lang nok adgangskode", "staff")
    headers = Header({"host": "localhost", "cookie": f"{SESSION_COOKIE}={cookie}"})
    request = Request(b"/staff/examples", headers, "1.1", "GET", None, app)
    response = asyncio.run(examples(request))  # the route, login check included
    assert response.status == 200
    return response.body.decode()


def test_every_example_value_is_shown_under_a_danish_label(app: Sanic) -> None:
    html = examples_html(app)
    rows = example_rows(get_profile())
    assert rows, "the profile has EXAMPLE values"
    headers = re.findall(r'<th scope="row">(.*?)</th>', html, flags=re.S)
    assert len(headers) == len(rows)
    for header in headers:
        assert "<code>" not in header and not re.search(r"[a-z_]\.[a-z_0-9]", header), header
    assert "(ugeskema)" not in html
    for row in rows:
        if row.kind == "text":
            assert str(row.value) in html or row.value.replace("&", "&amp;") in html


def test_the_chart_has_a_legend_and_zero_weeks() -> None:
    weekly = [(date(2026, 11, 2), 4, 4), (date(2026, 11, 9), 0, 0), (date(2026, 11, 16), 3, 0)]
    svg = str(weekly_chart(weekly, "En titel", ("Alle samtaler", "Løste samtaler")))
    assert '<title id="chart-title">En titel</title>' in svg
    assert svg.count('class="legend"') == 2
    assert ">Alle samtaler</text>" in svg and ">Løste samtaler</text>" in svg
    assert ">U45</text>" in svg and ">U46</text>" in svg and ">U47</text>" in svg
    plot = re.sub(r'<g class="legend">.*?</g>', "", svg)  # the bars without the legend
    bars = re.findall(r'<rect [^>]*class="bar-all"/>', plot)
    assert len(bars) == 2  # week 46 has its place on the axis, and no bar ...
    assert svg.count('class="label zero"') == 1  # ... but a "0"
    assert weekly_chart([], "x", ("a", "b")) == ""


def test_every_intent_has_a_danish_label_and_description() -> None:
    texts = get_registry().intents
    for intent in (*domain_intents(), "nlu_fallback"):
        assert intent in texts, f"bot/dialogue/topics.yml: intents: {intent} has no Danish text"
        assert texts[intent].label and texts[intent].description.endswith(".")
    assert texts["digital_post_read"].label == "Digital Post: læse post"


def test_a_danish_label_chooses_its_intent() -> None:
    intents = domain_intents()
    assert intent_by_label("Digital Post: læse post", intents) == "digital_post_read"
    assert intent_by_label("  kontakt kommunen ", intents) == "contact"
    assert intent_by_label("contact", intents) == "contact"
    assert intent_by_label("kontakt", intents) == "kontakt"  # refused later, as typed


def test_an_assistant_link_shows_its_label_not_its_address() -> None:
    text = (
        "Mange ting kan du klare selv på [taarnby.dk](http://localhost:8000/r/website?s=p-abc) "
        "og [borger.dk: Flytning](/r/moving?s=p-abc). Vælg et emne: [Åbningstider] [Hjælp]"
    )
    assert link_labels(text) == (
        "Mange ting kan du klare selv på taarnby.dk (link) og borger.dk: Flytning (link). "
        "Vælg et emne: [Åbningstider] [Hjælp]"
    )
