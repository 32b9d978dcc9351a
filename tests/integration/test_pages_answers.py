"""Questions no built topic answers get pages of the municipality's own site (issue 23): the
real REST endpoint and action server with Tårnby's page catalogue, the real web app's
click-counting redirect and the real statistics database."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from bot.analytics.db import session_scope
from bot.analytics.models import LinkEvent, Turn
from bot.knowledge.pages import get_catalogue, page_link_id
from tests.integration.conftest import Assistant, analytics_url, buttons, new_sender, texts
from tests.integration.test_links import clicked, follow, link_id, links

pytestmark = pytest.mark.integration

WASTE = "https://www.taarnby.dk/borger/natur-og-miljoe/affald"


def turns_of_topic(url: str, topic: str) -> list[tuple[str | None, str | None]]:
    with session_scope(url) as db:
        rows = db.execute(sa.select(Turn.area, Turn.kind).where(Turn.topic == topic)).all()
    return [tuple(r) for r in rows]


def test_a_question_without_a_topic_gets_the_municipalitys_page(taarnby: Assistant) -> None:
    url = analytics_url(taarnby)
    sender = new_sender()
    reply = taarnby.ask("hvornår kommer skraldebilen", sender)
    said = texts(reply)
    assert "Jeg fandt de her sider på kommunens hjemmeside" in said
    found = links(reply)
    assert found and len(found) <= 3
    labels = [label for label, _ in found]
    assert "taarnby.dk: Affald" in labels, labels
    assert "forstod jeg ikke" not in said  # not the rephrase fallback
    # "Fandt du det, du søgte?" with the answer's Ja/Nej.
    assert "Fandt du det, du søgte?" in said
    assert {b["title"] for b in buttons(reply)} >= {"Ja", "Nej"}

    # The link goes through the click counter to the page itself, and the click counts.
    waste = next(href for label, href in found if label == "taarnby.dk: Affald")
    assert link_id(waste) == page_link_id(WASTE)
    before = clicked(url)
    assert follow(waste) == WASTE
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and len(clicked(url)) == len(before):
        time.sleep(0.5)
    assert [link for link, _ in clicked(url)[len(before) :]] == [page_link_id(WASTE)]
    with session_scope(url) as db:
        shown = db.execute(
            sa.select(LinkEvent.link_id).where(
                LinkEvent.event == "shown", LinkEvent.link_id == page_link_id(WASTE)
            )
        ).scalars()
        assert list(shown)

    # For the statistics: a self-service referral, in the page's area.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not turns_of_topic(url, "page"):
        time.sleep(0.5)
    assert ("Affald", "self_service_link") in turns_of_topic(url, "page")


def test_not_about_the_municipality_gets_a_polite_no_not_a_page(taarnby: Assistant) -> None:
    reply = texts(taarnby.ask("kan du bestille en pizza", new_sender()))
    assert "Jeg fandt de her sider" not in reply
    assert "/r/page-" not in reply
    assert "Det kan jeg desværre ikke hjælpe med." in reply


def test_a_death_gets_a_kind_first_sentence_before_the_answer(taarnby: Assistant) -> None:
    reply = taarnby.ask("min mand er død, hvornår har borgerservice åbent?", new_sender())
    said = [m.get("text", "") for m in reply]
    assert said[0] == "Det gør mig ondt at høre om dit tab.", said
    assert any("Borgerservice" in text for text in said[1:]), said


def test_every_catalogue_page_can_be_followed(taarnby: Assistant) -> None:
    base = taarnby.cfg.web_url
    for page in get_catalogue("taarnby").pages[:5]:
        assert follow(f"{base}/r/{page_link_id(page.url)}") == page.url
