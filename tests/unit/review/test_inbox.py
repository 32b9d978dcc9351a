"""The inbox queries and the web team's decisions (bot/review/inbox.py) on a real database:
the items come from event streams through the collector and the writer, as in the assistant."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa

from bot.db.engine import session_scope
from bot.db.stores import REVIEW
from bot.review.annotate import AnnotationError, annotate
from bot.review.collector import ReviewCollector
from bot.review.domain import domain_intents
from bot.review.inbox import (
    REASON_LABELS,
    Filters,
    add_tag,
    get_conversation,
    get_item,
    list_groups,
    mark_reviewed,
    parse_filters,
    reason_counts,
    remove_tag,
)
from bot.review.records import REASONS, ReviewItem
from bot.review.writer import store
from tests.unit.review.events import T0, Stream

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
INTENTS = domain_intents()
FALLBACK = [("nlu_fallback", 0.7), ("self_service", 0.4), ("contact", 0.2)]


def fill(url: str, *streams: Stream, low: float = 0.85) -> None:
    collector = ReviewCollector(low_confidence=low, sample_rate=0.0)
    with session_scope(REVIEW, url) as session:
        for stream in streams:
            for event in stream.events:
                for write in collector.feed(event):
                    store(session, write)


def fallback(sender: str, text: str, start: float = T0) -> Stream:
    """A fallback that found no page in the catalogue (outcome kind fallback): reason no_page."""
    return Stream(sender, start).turn(text, "nlu_fallback", 0.7, FALLBACK, kind="fallback")


def item_id(url: str, text: str) -> int:
    with session_scope(REVIEW, url) as session:
        return session.execute(
            sa.select(sa.func.min(ReviewItem.id)).where(ReviewItem.text == text)
        ).scalar_one()


def statuses(url: str) -> dict[str, set[str]]:
    with session_scope(REVIEW, url) as session:
        out: dict[str, set[str]] = {}
        for text, status in session.execute(sa.select(ReviewItem.text, ReviewItem.status)):
            out.setdefault(text, set()).add(status)
        return out


def test_the_same_message_from_many_citizens_is_one_group(review_url: str) -> None:
    fill(
        review_url,
        *(fallback(f"w-{n}", "Hvordan søger jeg boligstøtte?") for n in range(5)),
        fallback("w-x", "hvordan  søger jeg BOLIGSTØTTE"),  # the same, normalised
        fallback("w-y", "hvad koster et pas"),
        Stream("w-z").turn("nyt pas", "self_service", 0.5, kind="self_service_link"),
    )
    with session_scope(REVIEW, review_url) as session:
        page = list_groups(session, Filters())
        assert (page.total_items, page.total_groups) == (8, 3)
        assert [(g.item.normalized, g.count) for g in page.groups] == [
            ("hvordan søger jeg boligstøtte", 6),
            ("nyt pas", 1),
            ("hvad koster et pas", 1),
        ]
        counts = {c.reason: (c.items, c.messages) for c in reason_counts(session, Filters())}
        assert counts["no_page"] == (7, 2)
        assert counts["low_confidence"] == (1, 1)
        assert counts["not_helped"] == counts["fallback"] == (0, 0)


def test_filters_by_reason_intent_status_and_period(review_url: str) -> None:
    day = 86_400.0
    fill(
        review_url,
        fallback("w-1", "gammel besked", start=T0),
        fallback("w-2", "ny besked", start=T0 + 10 * day),
        Stream("w-3", T0 + 10 * day).turn("pas", "self_service", 0.5, kind="self_service_link"),
    )
    first = datetime.fromtimestamp(T0, timezone.utc).date()
    with session_scope(REVIEW, review_url) as session:

        def texts(f: Filters) -> list[str]:
            return sorted(g.item.text for g in list_groups(session, f).groups)

        assert texts(Filters(reason="low_confidence")) == ["pas"]
        assert texts(Filters(intent="nlu_fallback")) == ["gammel besked", "ny besked"]
        assert texts(Filters(since=first, until=first)) == ["gammel besked"]
        assert texts(Filters(since=date.fromordinal(first.toordinal() + 5))) == [
            "ny besked",
            "pas",
        ]
        assert texts(Filters(status="accepted")) == []
        counts = reason_counts(session, Filters(reason="low_confidence"))
        assert {c.reason: c.items for c in counts}["no_page"] == 2  # not by reason
        assert texts(Filters(reason="no_page")) == ["gammel besked", "ny besked"]


def test_paging_through_thousands(review_url: str) -> None:
    collector = ReviewCollector(low_confidence=0.85, sample_rate=0.0)
    with session_scope(REVIEW, review_url) as session:
        for n in range(1200):
            for event in fallback(f"w-{n}", f"besked nummer {n % 1000}").events:
                for write in collector.feed(event):
                    store(session, write)
    with session_scope(REVIEW, review_url) as session:
        seen: list[str] = []
        page = list_groups(session, Filters(), page=1, per_page=150)
        assert (page.total_items, page.total_groups, page.pages) == (1200, 1000, 7)
        for number in range(1, page.pages + 1):
            seen += [g.item.normalized for g in list_groups(session, Filters(), number, 150).groups]
        assert len(seen) == len(set(seen)) == 1000
        doubles = list_groups(session, Filters(), 1, 150).groups
        assert all(g.count == 2 for g in doubles[: 200 if len(doubles) > 200 else len(doubles)])
        assert list_groups(session, Filters(), 99, 150).page == 7  # past the end: the last page


def test_an_item_shows_its_reply_and_the_messages_before(review_url: str) -> None:
    stream = Stream("w-1").answered("hvornår har i åbent")
    stream.turn(
        "kan jeg få hjælp til skat",
        "nlu_fallback",
        0.7,
        FALLBACK,
        replies=("Undskyld, det forstod jeg ikke.", "Prøv igen."),
        kind="fallback",
    )
    stream.answered("åbningstider")
    fill(review_url, stream)
    with session_scope(REVIEW, review_url) as session:
        detail = get_item(session, item_id(review_url, "kan jeg få hjælp til skat"))
        assert detail is not None
        assert [m.text for m in detail.reply] == ["Undskyld, det forstod jeg ikke.", "Prøv igen."]
        assert [m.role for m in detail.context] == ["user", "bot", "bot"]
        assert detail.context[0].text == "hvornår har i åbent"
        assert (detail.item.runner_up_1, detail.item.runner_up_2) == ("self_service", "contact")
        assert detail.findings == [] and detail.open_in_group == 1
        conversation = get_conversation(session, detail.conversation.id)
        assert conversation is not None and len(conversation.messages) == 9
        assert get_item(session, 999_999) is None


def test_a_decision_applies_to_the_open_group_and_records_who_and_when(review_url: str) -> None:
    fill(
        review_url,
        *(fallback(f"w-{n}", "boligstøtte ansøgning") for n in range(3)),
        fallback("w-9", "noget andet"),
    )
    first = item_id(review_url, "boligstøtte ansøgning")
    with session_scope(REVIEW, review_url) as session:
        ids = annotate(
            session,
            first,
            "intent",
            by="anna",
            now=NOW,
            intents=INTENTS,
            intent="self_service",
            text="Hvordan søger jeg  boligstøtte?",
        )
        assert len(ids) == 3
    with session_scope(REVIEW, review_url) as session:
        decided = (
            session.execute(sa.select(ReviewItem).where(ReviewItem.status == "accepted"))
            .scalars()
            .all()
        )
        assert {(i.decided_intent, i.decided_by, i.edited_text) for i in decided} == {
            ("self_service", "anna", "Hvordan søger jeg boligstøtte?")
        }
        assert all(i.decided_at == NOW for i in decided)
    assert statuses(review_url)["noget andet"] == {"open"}


@pytest.mark.parametrize(
    ("action", "intent", "status", "decided"),
    [
        ("out_of_scope", None, "out_of_scope", "out_of_scope"),
        ("discard", None, "discarded", None),
    ],
)
def test_out_of_scope_and_discard(
    review_url: str, action: str, intent: str | None, status: str, decided: str | None
) -> None:
    fill(review_url, fallback("w-1", "hvem vandt kampen"))
    with session_scope(REVIEW, review_url) as session:
        annotate(
            session,
            item_id(review_url, "hvem vandt kampen"),
            action,
            by="bo",
            now=NOW,
            intents=INTENTS,
            intent=intent,
        )
    with session_scope(REVIEW, review_url) as session:
        item = session.execute(sa.select(ReviewItem)).scalar_one()
        assert (item.status, item.decided_intent) == (status, decided)


def test_rules_of_annotation(review_url: str) -> None:
    fill(
        review_url,
        fallback("w-1", "ring til mig på 22334455"),
        Stream("w-2").turn("nyt pas", "self_service", 0.5, kind="self_service_link"),
    )
    phone = item_id(review_url, "ring til mig på 22334455")
    passport = item_id(review_url, "nyt pas")
    with session_scope(REVIEW, review_url) as session:
        with pytest.raises(AnnotationError) as err:
            annotate(session, phone, "intent", by="a", now=NOW, intents=INTENTS, intent="contact")
        assert err.value.code == "personal_data"
        assert "telefonnummer" in err.value.danish and "Ret teksten" in err.value.danish
        with pytest.raises(AnnotationError) as err:  # out of scope is training data too
            annotate(session, phone, "out_of_scope", by="a", now=NOW, intents=INTENTS)
        assert err.value.code == "personal_data"
        with pytest.raises(AnnotationError) as err:  # an edit with a CPR number is not kept
            annotate(
                session,
                phone,
                "intent",
                by="a",
                now=NOW,
                intents=INTENTS,
                intent="contact",
                text="mit cpr 010190-1234",
            )
        assert err.value.code == "personal_data"
        with pytest.raises(AnnotationError) as err:
            annotate(session, phone, "confirm", by="a", now=NOW, intents=INTENTS)
        assert err.value.code == "no_intent"  # nlu_fallback is no intent of the domain
        with pytest.raises(AnnotationError) as err:
            annotate(
                session, passport, "intent", by="a", now=NOW, intents=INTENTS, intent="self_servise"
            )
        assert err.value.code == "unknown_intent" and "self_service" in err.value.english
        with pytest.raises(AnnotationError) as err:
            annotate(session, 999_999, "discard", by="a", now=NOW, intents=INTENTS)
        assert err.value.code == "unknown_item"
        with pytest.raises(AnnotationError) as err:
            annotate(
                session,
                passport,
                "intent",
                by="a",
                now=NOW,
                intents=INTENTS,
                intent="self_service",
                text="x" * 501,
            )
        assert err.value.code == "too_long"
    assert statuses(review_url) == {"ring til mig på 22334455": {"open"}, "nyt pas": {"open"}}
    with session_scope(REVIEW, review_url) as session:
        # Edited, the phone number is gone and the example may be accepted; the municipality's
        # own number is not personal data.
        annotate(
            session,
            phone,
            "intent",
            by="a",
            now=NOW,
            intents=INTENTS,
            intent="contact",
            text="ring til mig på 32 76 11 00",
            allow=["32 76 11 00"],
        )
        annotate(session, passport, "confirm", by="a", now=NOW, intents=INTENTS)
        annotate(
            session,
            passport,
            "discard",
            by="a",
            now=NOW,
            intents=INTENTS,
            text="ignored for a discard",
        )
    with session_scope(REVIEW, review_url) as session:
        rows = dict(session.execute(sa.select(ReviewItem.text, ReviewItem.status)).all())
        assert rows == {"ring til mig på 22334455": "accepted", "nyt pas": "discarded"}
        raw = " ".join(str(r) for r in session.execute(sa.select(ReviewItem.edited_text)).all())
        assert "010190" not in raw


def test_tags_and_reviewed(review_url: str) -> None:
    fill(review_url, fallback("w-1", "skat"))
    with session_scope(REVIEW, review_url) as session:
        conversation_id = session.execute(sa.select(ReviewItem.conversation_id)).scalar_one()
        add_tag(session, conversation_id, "  skat  spørgsmål ", by="anna", now=NOW)
        add_tag(session, conversation_id, "skat spørgsmål", by="bo", now=NOW)
        add_tag(session, conversation_id, "ny emne", by="bo", now=NOW)
        for bad in ("", "x" * 41, "ring 22334455"):
            with pytest.raises(AnnotationError):
                add_tag(session, conversation_id, bad, by="bo", now=NOW)
        with pytest.raises(AnnotationError):
            add_tag(session, 999_999, "x", by="bo", now=NOW)
        mark_reviewed(session, conversation_id, by="anna", now=NOW)
    with session_scope(REVIEW, review_url) as session:
        detail = get_conversation(session, conversation_id)
        assert detail is not None
        assert [(t.tag, t.tagged_by) for t in detail.tags] == [
            ("ny emne", "bo"),
            ("skat spørgsmål", "anna"),
        ]
        assert (detail.conversation.reviewed_by, detail.conversation.reviewed_at) == ("anna", NOW)
        remove_tag(session, conversation_id, "ny emne")
    with session_scope(REVIEW, review_url) as session:
        assert [t.tag for t in get_conversation(session, conversation_id).tags] == [
            "skat spørgsmål"
        ]


def test_every_reason_has_a_danish_label_and_no_page_is_a_filter() -> None:
    assert list(REASON_LABELS) == list(REASONS)
    assert REASON_LABELS["no_page"] == "Ingen side fundet"
    assert parse_filters(
        since=None, until=None, reason="no_page", intent=None, status="all"
    ) == Filters(reason="no_page", status=None)


def test_parse_filters() -> None:
    assert parse_filters(
        since="2026-11-01", until="", reason="fallback", intent=" x ", status="all"
    ) == Filters(date(2026, 11, 1), None, "fallback", "x", None)
    for bad in ({"since": "1/11"}, {"reason": "nope"}, {"status": "done"}):
        args = {"since": None, "until": None, "reason": None, "intent": None, "status": "open"}
        with pytest.raises(ValueError, match=next(iter(bad))):
            parse_filters(**{**args, **bad})
