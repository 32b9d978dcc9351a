"""English for international residents, on the real REST endpoint (Tårnby, Monday 10:00).

A message in English gets English answers with the same facts; a Danish or unclear first
message gets Danish; an unclear message later keeps the conversation's language.
"""

from __future__ import annotations

import pytest

from tests.integration.conftest import Assistant, buttons, link_targets, new_sender, texts

pytestmark = pytest.mark.integration

LIFE_IN_DENMARK_DIGITAL_POST = (
    "https://lifeindenmark.borger.dk/apps-and-digital-services/Digital-Post"
)
LIFE_IN_DENMARK_MOVING = "https://lifeindenmark.borger.dk/housing-and-moving/moving/change-address"
DANISH_WORDS = (" har ", " du ", " kan ", " ikke ", "åbent", "lukket")


def languages(messages: list[dict]) -> set[str]:
    return {(m.get("metadata") or {}).get("language") for m in messages}


def assert_english(messages: list[dict]) -> str:
    answer = texts(messages)
    assert languages(messages) == {"en"}, messages
    assert not [w for w in DANISH_WORDS if w in f" {answer} "], answer
    return answer


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("hello", "Hi! I am the municipality's digital assistant."),
        ("when is citizen service open?", "Opening hours for Borgerservice (Citizen Service):"),
        ("is the town hall open tomorrow?", "is open tomorrow (Tuesday 24 November): 8:45 am"),
        ("are you open on saturday?", "is closed on Saturday 28 November"),
        ("what is digital post?", "Digital Post is your digital mailbox."),
        ("where can I read my digital post", "You can read your Digital Post"),
        ("how can I get exempted from digital post", "You can be exempted from Digital Post if:"),
        ("what is 1881", "They can help you with"),
        ("how do I contact the municipality", "You can call Tårnby Kommune on 32 76 11 00."),
        ("do I need to book an appointment for a passport", "book"),
        ("are you a robot", "I am a chatbot."),
        ("thanks", "You are welcome."),
    ],
)
def test_every_topic_in_english(taarnby: Assistant, question: str, expected: str) -> None:
    answer = assert_english(taarnby.ask(question))
    assert expected in answer


def test_english_pages_where_checked_and_danish_pages_said_so(taarnby: Assistant) -> None:
    moving = taarnby.ask("I am moving to a new address, what do I do?")
    assert_english(moving)
    assert LIFE_IN_DENMARK_MOVING in link_targets(moving)
    health = texts(taarnby.ask("I lost my health card"))
    assert "(page in Danish)" in health
    digital_post = taarnby.ask("what is digital post?")
    assert LIFE_IN_DENMARK_DIGITAL_POST in link_targets(digital_post)


def test_the_greeting_buttons_are_english(taarnby: Assistant) -> None:
    titles = {b["title"] for b in buttons(taarnby.ask("hello"))}
    assert {"Opening hours", "Self-service", "Contact the municipality"} <= titles


def test_an_english_conversation_keeps_its_thread_and_language(taarnby: Assistant) -> None:
    sender = new_sender()
    assert "1881" in assert_english(taarnby.ask("what can 1881 help me with?", sender))
    evening = assert_english(taarnby.ask("are they open in the evening?", sender))
    assert "Yes. Kontaktcenter Borger.dk" in evening and "in the evening" in evening
    # "1881" alone says nothing about the language: the conversation stays English.
    assert_english(taarnby.ask("1881", sender))
    exemption = assert_english(taarnby.ask("how do I get exempted from digital post?", sender))
    assert "exempted" in exemption
    relative = assert_english(taarnby.ask("can my daughter do it for me?", sender))
    assert "A relative or someone with power of attorney can apply for you." in relative


def test_danish_stays_the_default(taarnby: Assistant) -> None:
    sender = new_sender()
    unclear = taarnby.ask("ok", sender)
    assert languages(unclear) == {"da"}
    english = taarnby.ask("when is the town hall open?", sender)
    assert languages(english) == {"en"}
    danish = taarnby.ask("hvornår har rådhuset åbent?", sender)
    assert languages(danish) == {"da"}
    assert "Rådhuset har åbent" in texts(danish)


def test_digital_post_then_the_age_of_15_in_english(taarnby: Assistant) -> None:
    sender = new_sender()
    assert "digital mailbox" in assert_english(taarnby.ask("what is digital post?", sender))
    age = assert_english(taarnby.ask("and what if I'm 15?", sender))
    assert "aged 15 or over" in age and "Digital Post for 15-year-olds" in age
    assert "1881" not in age


def test_a_relative_asking_for_an_elderly_parent_in_english(taarnby: Assistant) -> None:
    answer = assert_english(taarnby.ask("does my 92 year old mother need digital post?"))
    assert "You can be exempted from Digital Post if:" in answer
    assert "You can apply for your relative." in answer


# Typed nonsense that lingua scores as English (0.8-0.99): it has no English word in it.
NONSENSE = ("fghfgh", "jkhkjh", "nnnn qwerty")


@pytest.mark.parametrize("opening", ["hej", None])
def test_nonsense_keeps_a_danish_conversation_danish(
    taarnby: Assistant, opening: str | None
) -> None:
    """Two (and three) nonsense messages in a Danish conversation get Danish replies; a clear
    English question then switches the conversation to English."""
    sender = new_sender()
    if opening:
        assert languages(taarnby.ask(opening, sender)) == {"da"}
    for text in NONSENSE:
        reply = taarnby.ask(text, sender)
        assert languages(reply) == {"da"}, (text, texts(reply))
        assert "Sorry" not in texts(reply) and "I did not" not in texts(reply)
    english = assert_english(taarnby.ask("when is citizen service open?", sender))
    assert "Opening hours for Borgerservice (Citizen Service):" in english
