"""Conversations, not single questions: follow-ups keep their topic, on the real REST endpoint.

Tårnby profile, "now" frozen at Monday 23 November 2026 10:00 (Copenhagen). Each test is one
conversation (one sender id) of two to four turns.
"""

from __future__ import annotations

import pytest

from tests.integration.conftest import Assistant, buttons, new_sender, texts

pytestmark = pytest.mark.integration


class Conversation:
    """One citizen's conversation with the assistant."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant, self.sender = assistant, new_sender()

    def ask(self, text: str) -> str:
        return texts(self.assistant.ask(text, self.sender))


def test_1881_then_their_evening_hours_and_the_weekend(taarnby: Assistant) -> None:
    chat = Conversation(taarnby)
    assert "1881" in chat.ask("hvad kan 1881 hjælpe mig med")
    evening = chat.ask("hvornår har de åbent om aftenen?")
    assert "Ja, Kontaktcenter Borger.dk har åbent om aftenen i dag" in evening
    assert "kl. 8-22" in evening
    assert "Borgerservice" not in evening
    friday = chat.ask("og på fredag?")
    assert "Kontaktcenter Borger.dk" in friday
    assert "fredag den 27. november" in friday
    weekend = chat.ask("og i weekenden?")
    assert "Kontaktcenter Borger.dk har ikke åbent om aftenen lørdag den 28. november" in weekend


def test_exemption_then_a_relative_applying_what_to_bring_and_how_long(
    taarnby: Assistant,
) -> None:
    chat = Conversation(taarnby)
    assert "fritaget for Digital Post" in chat.ask("hvordan bliver jeg fritaget for digital post")
    relative = chat.ask("kan min datter gøre det for mig?")
    assert "En pårørende eller en med fuldmagt kan søge for dig." in relative
    assert "Vælg en opgave" not in relative
    assert "Tag gyldig legitimation med" in chat.ask("hvad skal jeg have med?")
    lasts = chat.ask("gælder det for altid?")
    assert "Fritagelsen er permanent." in lasts
    tomorrow = chat.ask("har de åbent i morgen?")
    assert "Borgerservice har åbent i morgen, tirsdag den 24. november: kl. 9-15." in tomorrow


@pytest.mark.parametrize(
    "question",
    [
        "skal min mor på 92 have Digital Post?",
        "min far er 87, skal han have digital post?",
        "skal min bedstemor have digital post",
    ],
)
def test_a_relative_asking_for_an_elderly_parent_gets_the_exemption(
    taarnby: Assistant, question: str
) -> None:
    """Not only the rule: who can be exempted, how, and that the relative can apply for them;
    then what the relative must bring, as a follow-up of the exemption."""
    chat = Conversation(taarnby)
    answer = chat.ask(question)
    assert "skal som udgangspunkt have Digital Post" in answer
    assert "Du kan blive fritaget for Digital Post, hvis:" in answer
    assert "Du kan søge for din pårørende." in answer
    assert "Du skal møde op i Borgerservice" in answer
    assert "Tag gyldig legitimation med" in chat.ask("hvad skal jeg have med?")


def test_a_new_topic_wins_then_a_follow_up_about_another_task(taarnby: Assistant) -> None:
    chat = Conversation(taarnby)
    assert "Rådhuset har åbent" in chat.ask("hvornår har rådhuset åbent")
    moving = chat.ask("jeg skal flytte hvad gør jeg")
    assert "Du melder flytning digitalt på borger.dk." in moving
    assert "Rådhuset" not in moving
    passport = chat.ask("hvad med pas?")
    assert "Pas kan ikke klares digitalt." in passport
    thursday = chat.ask("har borgerservice åbent efter kl. 16 på torsdag?")
    assert (
        "Ja, Borgerservice har åbent efter kl. 16 torsdag den 26. november: kl. 9-17." in thursday
    )


def test_a_place_then_another_day_and_another_place(taarnby: Assistant) -> None:
    chat = Conversation(taarnby)
    assert "har lukket lørdag den 28. november" in chat.ask("har borgerservice åbent på lørdag?")
    # The day carries over to the place the follow-up names.
    town_hall = chat.ask("hvad med rådhuset?")
    assert "Rådhuset har lukket lørdag den 28. november" in town_hall
    week = chat.ask("og næste uge?")
    assert "Rådhuset har åbent sådan i uge 49:" in week
    assert "torsdag den 3. december: kl. 8.45-17" in week


def test_time_of_day_against_the_schedule(taarnby: Assistant) -> None:
    after_four = texts(taarnby.ask("har borgerservice åbent efter kl. 16?"))
    assert "Nej, Borgerservice har ikke åbent efter kl. 16 i dag, mandag den 23. november." in (
        after_four
    )
    assert "Borgerservice har åbent efter kl. 16 torsdag den 26. november: kl. 9-17." in after_four
    noon = texts(taarnby.ask("har rådhuset åbent ved middagstid?"))
    assert "Ja, Rådhuset har åbent ved middagstid i dag, mandag den 23. november" in noon
    morning = texts(taarnby.ask("har 1881 åbent om morgenen på søndag?"))
    assert "Nej, Kontaktcenter Borger.dk har ikke åbent om morgenen søndag den 29. november." in (
        morning
    )


def test_the_phone_line_then_its_afternoon_hours(taarnby: Assistant) -> None:
    chat = Conversation(taarnby)
    assert "32 76 11 00" in chat.ask("hvordan kontakter jeg kommunen")
    afternoon = chat.ask("kan man ringe om eftermiddagen på torsdag?")
    assert "Telefonen har åbent om eftermiddagen torsdag den 26. november" in afternoon


def test_a_follow_up_without_a_thread(taarnby: Assistant) -> None:
    chat = Conversation(taarnby)
    reply = taarnby.ask("hvad med dem?", chat.sender)
    assert "Skriv hele spørgsmålet" in texts(reply)
    assert any(b["payload"] == "/opening_hours" for b in buttons(reply))
    # A day alone is most likely about opening hours (the default place).
    assert "Borgerservice har lukket lørdag den 28. november" in chat.ask("og i weekenden?")


def test_digital_post_then_the_age_of_15(taarnby: Assistant) -> None:
    chat = Conversation(taarnby)
    assert "Digital Post er din digitale postkasse" in chat.ask("hvad er digital post?")
    age = taarnby.ask("og hvis man er 15 år?", chat.sender)
    answer = texts(age)
    assert "fyldt 15 år" in answer and "Digital Post for 15-årige" in answer
    assert "/r/digital_post_15" in answer
    assert "1881" not in answer and "Skriv hele spørgsmålet" not in answer
    # Where to read it, then the age again: the same topic answers it.
    assert "Du kan læse din Digital Post" in chat.ask("hvor læser jeg den?")
    again = chat.ask("hvad med min søn på 15?")
    assert "Digital Post for 15-årige" in again and "Skriv hele spørgsmålet" not in again


def test_an_age_after_opening_hours_asks_for_the_whole_question(taarnby: Assistant) -> None:
    chat = Conversation(taarnby)
    assert "Borgerservice har åbent" in chat.ask("hvornår har borgerservice åbent")
    assert "Skriv hele spørgsmålet" in chat.ask("og hvis man er 15 år?")
