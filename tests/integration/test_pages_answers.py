"""Questions no built topic answers get pages of the municipality's own site (issue 23): the
real REST endpoint and action server with Tårnby's page catalogue, the real web app's
click-counting redirect and the real statistics database."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from bot.analytics.models import LinkEvent, Turn
from bot.db.engine import session_scope
from bot.db.stores import STATISTICS
from bot.knowledge.pages import get_catalogue, page_link_id
from tests.integration.conftest import Assistant, analytics_url, buttons, new_sender, texts
from tests.integration.test_links import clicked, follow, link_id, links

pytestmark = pytest.mark.integration

WASTE = "https://www.taarnby.dk/borger/natur-og-miljoe/affald"


def turns_of_topic(url: str, topic: str) -> list[tuple[str | None, str | None]]:
    with session_scope(STATISTICS, url) as db:
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
    with session_scope(STATISTICS, url) as db:
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


def test_staff_see_the_page_referral_per_area_in_komhen_and_the_top_topics(
    taarnby: Assistant,
) -> None:
    """A page referral is a self-service referral in the page's area: the KOMHEN table's
    "Affald" row on the self-service channel, and "Henvist til side" among the topics."""
    from bot.settings import TIMEZONE
    from testkit.staff import staff_login

    url = analytics_url(taarnby)
    sender = new_sender()
    taarnby.ask("hvor er genbrugspladsen", sender)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not turns_of_topic(url, "page"):
        time.sleep(0.5)
    with session_scope(STATISTICS, url) as db:
        at = db.execute(sa.select(sa.func.max(Turn.at)).where(Turn.topic == "page")).scalar()
    day = at.astimezone(TIMEZONE).date()
    browser = staff_login(
        taarnby.cfg.web_url, taarnby.cfg.child_env(), "pages.staff", "a long enough password 1"
    )
    csv_text = browser.get(
        f"{taarnby.cfg.web_url}/staff/komhen.csv?fra={day}&til={day}", timeout=30
    ).text
    assert ";Affald;selvbetjening;" in csv_text, csv_text
    overview_page = browser.get(f"{taarnby.cfg.web_url}/staff/?fra={day}&til={day}", timeout=30)
    assert overview_page.status_code == 200
    assert "Henvist til side" in overview_page.text


@pytest.mark.parametrize(
    ("question", "place"),
    [
        ("hvornår har svømmehallen åbent?", "svømmehallen"),
        ("hvornår har biblioteket åbent i dag", "biblioteket"),
    ],
)
def test_a_place_without_hours_never_gets_borgerservices_hours(
    taarnby: Assistant, question: str, place: str
) -> None:
    """Two of the issue's confidently wrong answers: Borgerservice's hours for the swimming
    pool and the library."""
    said = [m.get("text", "") for m in taarnby.ask(question, new_sender())]
    assert said[0] == f"Jeg kender ikke åbningstiderne for {place}.", said
    assert not any(text.startswith("Borgerservice har") for text in said), said
    assert any("Borgerservice og Rådhuset" in text for text in said), said
    assert any("32 76 11 00" in text for text in said), said  # the channels: phone among them


def test_a_death_never_gets_closed_now_and_rats_never_get_a_goodbye(taarnby: Assistant) -> None:
    """The other confidently wrong answers: "Borgerservice har lukket lige nu" to someone whose
    husband had just died, and a goodbye to a question about rats."""
    said = texts(taarnby.ask("min mand er lige død, hvad gør jeg nu", new_sender()))
    assert said.startswith("Det gør mig ondt at høre om dit tab."), said
    assert "har lukket lige nu" not in said
    rats = taarnby.ask("vi har set rotter i haven, hvad gør vi", new_sender())
    said = texts(rats)
    assert "Farvel" not in said, said
    assert "Jeg fandt de her sider" in said, said
    assert any("rotte" in href for _, href in links(rats)) or "rotte" in said.lower(), said


def test_a_task_described_not_named_gets_the_task(taarnby: Assistant) -> None:
    reply = taarnby.ask("hvordan ændrer jeg min adresse", new_sender())
    assert "borger.dk: Flytning" in [label for label, _ in links(reply)], texts(reply)
    menu = texts(taarnby.ask("jeg vil gerne bruge selvbetjeningen", new_sender()))
    assert "Vælg en opgave" in menu or "Hvad vil du gerne klare" in menu, menu
