"""Which citizen messages become review items, and what leaves memory (bot/review/collector.py)."""

from __future__ import annotations

import pytest

from bot.review import collector as collector_module
from bot.review.collector import CPR_REMOVED, ReviewCollector, Write, sampled
from bot.review.records import REASON_RANK, REASONS
from tests.unit.review.events import Stream

FALLBACK_RANKING = [("nlu_fallback", 0.7), ("self_service", 0.41), ("contact", 0.22)]


def run(stream: Stream, low: float = 0.85, rate: float = 0.0) -> list[Write]:
    collector = ReviewCollector(low_confidence=low, sample_rate=rate)
    writes: list[Write] = []
    for event in stream.events:
        writes.extend(collector.feed(event))
    return writes


def items(writes: list[Write]) -> list[tuple[str, str]]:
    return [(i.reason, i.text) for w in writes for i in w.items]


def test_a_fallback_without_a_page_keeps_the_conversation_so_far_and_its_runners_up() -> None:
    # The fallback's outcome is of kind fallback only when the catalogue had no page for it.
    stream = Stream().answered("hvornår har i åbent")
    stream.turn(
        "kan jeg få hjælp til min skat",
        "nlu_fallback",
        0.7,
        FALLBACK_RANKING,
        replies=("Undskyld, det forstod jeg ikke.",),
        kind="fallback",
    )
    writes = run(stream)
    assert items(writes) == [("no_page", "kan jeg få hjælp til min skat")]
    (write,) = writes
    assert [(m.role, m.text) for m in write.messages] == [
        ("user", "hvornår har i åbent"),
        ("bot", "Borgerservice har åbent 10-15."),
        ("bot", "Fik du svar på dit spørgsmål? [Ja] [Nej]"),
        ("user", "kan jeg få hjælp til min skat"),
        ("bot", "Undskyld, det forstod jeg ikke."),
    ]
    item = write.items[0]
    assert (item.intent, item.confidence) == ("nlu_fallback", 0.7)
    assert item.runners_up == (("self_service", 0.41), ("contact", 0.22))
    assert item.seq == 3 and item.normalized == "kan jeg få hjælp til min skat"


def test_a_fallback_that_offered_pages_is_not_understood_and_any_miss_has_no_page() -> None:
    # The fallback found pages: a self-service link, but still a message the model did not get.
    stream = Stream().turn(
        "rotter i haven", "nlu_fallback", 0.7, FALLBACK_RANKING, kind="self_service_link"
    )
    # No outcome reported (an older action server): the intent alone says not understood.
    stream.turn("blabla", "nlu_fallback", 0.7, FALLBACK_RANKING, kind=None)
    # A follow-up the assistant could not answer: neither an answer nor a page either.
    stream.turn("og hvad med svømmehallen", "follow_up", 0.95, kind="fallback")
    assert items(run(stream)) == [
        ("fallback", "rotter i haven"),
        ("fallback", "blabla"),
        ("no_page", "og hvad med svømmehallen"),
    ]


def test_no_page_ranks_right_after_not_helped() -> None:
    assert set(REASON_RANK) == set(REASONS)
    assert sorted(REASONS, key=REASON_RANK.__getitem__)[:3] == ["not_helped", "no_page", "fallback"]


def test_later_messages_of_a_kept_conversation_are_written_too() -> None:
    stream = Stream().turn("skat?", "nlu_fallback", 0.7, FALLBACK_RANKING, kind="fallback")
    stream.answered("hvornår har i åbent")
    writes = run(stream)
    assert len(writes) == 2
    assert writes[1].items == ()
    assert [m.seq for m in writes[1].messages] == [2, 3, 4]
    assert writes[0].key == writes[1].key


def test_conversations_without_an_item_never_leave_memory() -> None:
    stream = Stream().answered("hvornår har i åbent").answered("åbningstider i morgen")
    stream.turn("tak", "thank", 0.99, replies=("Selv tak.",), kind="meta")
    assert run(stream) == []


def test_out_of_scope_and_low_confidence() -> None:
    # Out of scope and no page: the polite no (kind fallback); out of scope with a page offered
    # (kind self_service_link) stays out of scope.
    stream = Stream().turn("hvordan bliver vejret", "out_of_scope", 0.95, kind="fallback")
    stream.turn("hvornår kommer skraldebilen", "out_of_scope", 0.9, kind="self_service_link")
    stream.turn("nyt pas", "self_service", 0.6, [("self_service", 0.6), ("contact", 0.3)])
    stream.turn("åbningstider", "opening_hours", 0.86)
    assert items(run(stream)) == [
        ("no_page", "hvordan bliver vejret"),
        ("out_of_scope", "hvornår kommer skraldebilen"),
        ("low_confidence", "nyt pas"),
    ]
    # The threshold is the setting: at 0.9 the 0.86 one is low too.
    assert items(run(stream, low=0.9))[-1] == ("low_confidence", "åbningstider")


def test_no_after_an_answer_makes_the_question_an_item() -> None:
    stream = Stream().answered("hvor melder jeg flytning", "self_service", 0.97).said_no()
    writes = run(stream)
    assert items(writes) == [("not_helped", "hvor melder jeg flytning")]
    texts = [m.text for w in writes for m in w.messages]
    assert "Knap: Nej" in texts  # the payload is shown as the button the citizen pressed
    assert not any(t.startswith("/feedback") for t in texts)
    assert writes[0].items[0].runners_up == (("contact", 0.005), ("greet", 0.003))


def test_a_stale_no_files_the_question_whose_answer_it_judges() -> None:
    stream = Stream().answered("hvor melder jeg flytning", "self_service", 0.97)
    stream.said("ja")
    stream.answered("hvornår har i åbent")
    stream.answered("hvor er rådhuset", "place", 0.96)
    stream.said("nej", answer=0)  # the first answer's "Nej", after two later answers
    assert items(run(stream)) == [("not_helped", "hvor melder jeg flytning")]


def test_a_double_or_repeated_no_files_the_question_once() -> None:
    stream = Stream().answered("hvor melder jeg flytning", "self_service", 0.97)
    stream.said("nej").said("nej", answer=0).said("ja", answer=0).said("nej", answer=0)
    assert items(run(stream)) == [("not_helped", "hvor melder jeg flytning")]


def test_a_no_naming_another_conversations_answer_files_nothing() -> None:
    theirs = Stream(sender="w-other").answered("hvor melder jeg flytning", "self_service", 0.97)
    stream = Stream().answered("hvornår har i åbent")
    stream.said("nej", answer=theirs.answer_ids[0])
    stream.said("nej", answer="0123456789abcdef")
    assert run(stream) == []


def test_a_typed_no_files_the_latest_answered_question() -> None:
    stream = Stream().answered("hvor melder jeg flytning", "self_service", 0.97)
    stream.answered("hvornår har i åbent")
    stream.said("nej", answer=None)
    assert items(run(stream)) == [("not_helped", "hvornår har i åbent")]


def test_a_no_to_an_answer_of_a_button_question_files_nothing() -> None:
    # A question asked with a quick-reply button has no text of the citizen's to review.
    stream = Stream().turn("/opening_hours", "opening_hours", 1.0).said("nej")
    assert run(stream) == []


def test_yes_after_an_answer_is_no_item() -> None:
    stream = Stream().answered("hvor melder jeg flytning", "self_service", 0.97)
    stream.turn(
        '/feedback{"helpful": "ja"}',
        "feedback",
        1.0,
        kind=None,
        entities=[{"entity": "helpful", "value": "ja"}],
    )
    assert run(stream) == []


def test_a_sample_of_confident_messages_deterministically() -> None:
    stream = Stream()
    for n in range(400):
        stream.answered(f"hvornår har i åbent {n}")
    first = items(run(stream, rate=0.1))
    assert first == items(run(stream, rate=0.1))  # the same draw every time
    assert all(reason == "sample" for reason, _ in first)
    assert 20 <= len(first) <= 65  # about 10 % of 400
    assert run(stream, rate=0.0) == []
    assert len(items(run(stream, rate=1.0))) == 400


def test_sampled_is_a_fraction() -> None:
    hits = sum(sampled("w-x", n, "tekst", 0.02) for n in range(20_000))
    assert 300 <= hits <= 500


def test_button_payloads_and_the_guard_marker_are_never_items() -> None:
    stream = Stream().turn(
        "/personal_data",
        "personal_data",
        1.0,
        replies=("Skriv ikke dit CPR-nummer her.",),
        kind="meta",
    )
    stream.turn('/feedback{"otherwise": "telephone"}', "feedback", 0.2, kind="meta")
    stream.turn("skat", "nlu_fallback", 0.7, FALLBACK_RANKING, kind="fallback")
    writes = run(stream, low=0.99, rate=1.0)
    assert items(writes) == [("no_page", "skat")]
    assert writes[0].messages[0].text == CPR_REMOVED


def test_a_cpr_number_never_leaves_the_collector() -> None:
    # The guard removes CPR numbers before Rasa; should one slip through (a bug, a changed
    # channel), the collector removes it again, from citizen text and replies alike.
    stream = Stream().turn(
        "mit cpr er 010190-1234 hvad nu",
        "nlu_fallback",
        0.7,
        FALLBACK_RANKING,
        replies=("Du skrev 0101901234",),
        kind="fallback",
    )
    writes = run(stream)
    dumped = repr(writes)
    assert "1234" not in dumped and "010190" not in dumped
    assert items(writes)[0][1].startswith("mit cpr er [CPR-nummer fjernet]")


def test_memory_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(collector_module, "MAX_CONVERSATIONS", 50)
    monkeypatch.setattr(collector_module, "MAX_MESSAGES", 10)
    collector = ReviewCollector(low_confidence=0.85, sample_rate=0.0)
    for n in range(200):
        stream = Stream(sender=f"w-{n}", start=1_795_000_000.0 + n)
        for m in range(20):
            stream.answered(f"spørgsmål {m}")
        for event in stream.events:
            assert collector.feed(event) == []
    assert len(collector) == 50
    assert all(len(c.messages) <= 10 for c in collector._conversations.values())


def test_idle_conversations_are_forgotten() -> None:
    collector = ReviewCollector(low_confidence=0.85, sample_rate=0.0)
    for event in Stream(sender="w-old", start=1_795_000_000.0).answered("hej").events:
        collector.feed(event)
    later = Stream(sender="w-new", start=1_795_000_000.0 + 3 * 3600).answered("hej")
    for event in later.events:
        collector.feed(event)
    assert len(collector) == 1


def test_malformed_events_are_ignored() -> None:
    collector = ReviewCollector(low_confidence=0.85, sample_rate=0.0)
    for event in [
        {},
        {"event": "user"},
        {"event": "user", "sender_id": "w-1", "parse_data": "x", "text": None},
        {"event": "bot", "sender_id": "w-2", "text": 5},
        {"event": "slot", "sender_id": "w-1", "name": "turn_outcome", "value": "x"},
        {"event": "action", "sender_id": "w-1", "name": "action_listen"},
    ]:
        collector.feed(event)
