"""Every topic, asked in Danish on the real REST endpoint (Tårnby profile, Monday 10:00)."""

from __future__ import annotations

import pytest

from tests.integration.conftest import Assistant, buttons, link_targets, new_sender, texts

pytestmark = pytest.mark.integration

TASK_LINKS = {
    "jeg skal flytte hvad gør jeg": "guide--naar-du-skal-flytte",
    "jeg har mistet mit sundhedskort": "Sundhedskortet",
    "hvordan søger jeg boligstøtte": "soeg-boligstoette",
    "hvornår skal jeg søge folkepension": "foer-du-gaar-paa-folkepension",
    "skal jeg have byggetilladelse til en carport": "bygogmiljoe.dk",
}


def test_greeting_offers_topics_and_warns_about_personal_data(taarnby: Assistant) -> None:
    reply = taarnby.ask("hej")
    assert "Hej!" in texts(reply)
    assert "CPR-nummer" in texts(reply)
    titles = {b["title"] for b in buttons(reply)}
    assert {"Åbningstider", "Selvbetjening", "Digital Post", "Kontakt kommunen"} <= titles


def test_help_answers_with_topic_buttons(taarnby: Assistant) -> None:
    reply = taarnby.ask("hvad kan du hjælpe med?")
    assert any(b["payload"] == "/opening_hours" for b in buttons(reply))


def test_a_topic_button_payload_is_answered(taarnby: Assistant) -> None:
    sender = new_sender()
    offered = buttons(taarnby.ask("hvad kan du hjælpe med?", sender))
    assert {"payload": "/kontaktcenter_1881", "title": "1881 Kontaktcenter"} in offered
    reply = taarnby.ask("/kontaktcenter_1881", sender)
    assert "1881" in texts(reply)


@pytest.mark.parametrize(
    ("question", "expected"),
    [("tak for hjælpen", "Selv tak"), ("farvel", "Farvel"), ("er du en robot", "chatbot")],
)
def test_small_talk(taarnby: Assistant, question: str, expected: str) -> None:
    assert expected in texts(taarnby.ask(question))


def test_weekly_opening_hours(taarnby: Assistant) -> None:
    answer = texts(taarnby.ask("hvornår har borgerservice åbent"))
    assert "Borgerservice har åbent mandag-onsdag kl. 9-15" in answer
    assert "lørdag-søndag lukket" in answer


def test_open_now(taarnby: Assistant) -> None:
    answer = texts(taarnby.ask("har borgerservice åbent nu?"))
    assert "Ja, Borgerservice har åbent nu, til kl. 15." in answer


def test_open_tomorrow_and_saturday(taarnby: Assistant) -> None:
    assert "i morgen, tirsdag den 24. november: kl. 9-15" in texts(
        taarnby.ask("har borgerservice åbent i morgen")
    )
    saturday = texts(taarnby.ask("har i åbent på lørdag"))
    assert "har lukket lørdag den 28. november" in saturday
    assert "åbner igen mandag den 30. november kl. 9" in saturday


def test_public_holiday_is_closed(taarnby: Assistant) -> None:
    answer = texts(taarnby.ask("har rådhuset åbent 25. december"))
    assert "Rådhuset har lukket fredag den 25. december" in answer
    assert "Det er juledag." in answer


def test_appointment(taarnby: Assistant) -> None:
    assert "bestille tid" in texts(taarnby.ask("skal jeg bestille tid i borgerservice"))


def test_appointment_for_a_passport_links_the_passport_page(taarnby: Assistant) -> None:
    reply = taarnby.ask("skal bestille tid til nyt pas til min søn")
    assert texts(reply).startswith("Til pas og kørekort skal du bestille tid.")
    assert "Du kan læse mere på kommunens hjemmeside:" in texts(reply)
    assert link_targets(reply) == ["http://www.taarnby.dk/borger/personlige-forhold/pas"]


def test_1881(taarnby: Assistant) -> None:
    answer = texts(taarnby.ask("hvad kan 1881 hjælpe mig med"))
    assert "Kontaktcenter Borger.dk har telefon 1881" in answer
    assert "70 10 18 81" in answer
    assert "mandag-torsdag kl. 8-22, fredag kl. 8-18" in answer
    assert "selvbetjeningen på borger.dk" in answer


def test_digital_post_info(taarnby: Assistant) -> None:
    answer = texts(taarnby.ask("hvad er digital post"))
    assert "fyldt 15 år" in answer and "1. november 2014" in answer


def test_digital_post_read(taarnby: Assistant) -> None:
    answer = texts(taarnby.ask("hvor kan jeg læse min digitale post"))
    assert answer.startswith(
        "Du kan læse din Digital Post på borger.dk, i Digital Post-appen, i e-Boks eller på mit.dk."
    )


def test_digital_post_write_securely(taarnby: Assistant) -> None:
    answer = texts(taarnby.ask("hvordan sender jeg en sikker besked til kommunen"))
    assert "Digital Post" in answer and "personlige oplysninger" in answer


def test_digital_post_exemption(taarnby: Assistant) -> None:
    answer = texts(taarnby.ask("hvordan bliver min mor fritaget for digital post"))
    assert "møde op i Borgerservice" in answer and "legitimation" in answer
    assert "tro og love" in answer
    assert "pårørende eller en med fuldmagt" in answer
    assert "ikke klares alene over telefonen" in answer
    assert "papir" in answer or "almindelig post" in answer


@pytest.mark.parametrize(("question", "link_part"), list(TASK_LINKS.items()))
def test_self_service_tasks_get_their_link(
    taarnby: Assistant, question: str, link_part: str
) -> None:
    reply = taarnby.ask(question)
    assert "/r/" in texts(reply), "links go through the click-counting redirect"
    assert any(link_part in target for target in link_targets(reply))


def test_passport_is_an_in_person_booking(taarnby: Assistant) -> None:
    answer = texts(taarnby.ask("jeg skal have nyt pas"))
    assert "Bestil tid" in answer and "Borgerservice" in answer


def test_self_service_without_task_offers_the_catalogue(taarnby: Assistant) -> None:
    sender = new_sender()
    reply = taarnby.ask("hvad kan jeg klare selv på nettet", sender)
    titles = {b["title"] for b in buttons(reply)}
    assert {"Flytning", "Pas", "Folkepension"} <= titles
    moving = next(b for b in buttons(reply) if b["title"] == "Flytning")
    # A button's payload is accepted in the conversation that offered it.
    targets = link_targets(taarnby.ask(moving["payload"], sender))
    assert any("guide--naar-du-skal-flytte" in t for t in targets)


def test_contact_in_channel_strategy_order(taarnby: Assistant) -> None:
    answer = texts(taarnby.ask("hvordan kontakter jeg kommunen"))
    order = [
        answer.index("klare selv"),
        answer.index("32 76 11 00"),
        answer.index("kontaktformularen"),
        answer.index("Digital Post"),
        answer.index("kommunen@taarnby.dk"),
        answer.index("Facebook"),
    ]
    assert order == sorted(order)


def test_social_media(taarnby: Assistant) -> None:
    answer = texts(taarnby.ask("kan jeg skrive til jer på facebook"))
    assert "ikke" in answer and "Facebook" in answer


def test_first_miss_asks_to_rephrase_second_offers_contact(taarnby: Assistant) -> None:
    sender = new_sender()
    first = taarnby.ask("blablabla qwerty zxcv", sender)
    # Gibberish is either low-confidence (nlu_fallback) or out_of_scope; both are misses.
    assert "forstod jeg ikke" in texts(first) or "ikke hjælpe med" in texts(first)
    assert buttons(first), "topic buttons after the first miss"
    second = taarnby.ask("flimflam bork bork", sender)
    answer = texts(second)
    assert "Her kan du få hjælp" in answer
    assert answer.index("32 76 11 00") < answer.index("kontaktformularen")


def test_out_of_scope_is_not_answered_confidently(taarnby: Assistant) -> None:
    answer = texts(taarnby.ask("hvad bliver vejret i morgen"))
    assert "ikke hjælpe med" in answer or "forstod jeg ikke" in answer


def test_typed_the_way_people_type(taarnby: Assistant) -> None:
    answer = texts(taarnby.ask("hvornaar har raadhuset aabent"))
    assert "Rådhuset har åbent" in answer
