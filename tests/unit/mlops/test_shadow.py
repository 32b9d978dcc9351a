"""The shadow test's pure logic (grouping, the gate's part) and its store on a real database:
runs, verdicts that become reviewed examples, verdicts carried over to the next run, and the
promotion gate refusing a candidate that answers a reviewed message worse."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest

from bot.db.engine import session_scope
from bot.db.stores import REVIEW
from bot.mlops.promotion import promote
from bot.mlops.shadow_gate import (
    CANDIDATE,
    SERVICE,
    Answer,
    disagree,
    group_changes,
    messages_word,
    shadow_gate,
)
from bot.mlops.shadow_store import gate_for, recent_texts, store_run, window_start
from bot.mlops.shadow_verdicts import VerdictError, answer_label, record_verdict, report
from bot.mlops.versions import in_service, register_candidate
from bot.review.records import ReviewItem
from testkit.shadow import seed_messages

NOW = datetime(2026, 11, 30, 11, 0, tzinfo=timezone.utc)
INTENTS = ("opening_hours", "self_service", "contact", "greet", "out_of_scope")


@dataclass
class Row:
    text: str
    count: int
    service_intent: str
    service_task: str | None
    candidate_intent: str
    candidate_task: str | None
    verdict: str | None = None


def test_another_task_is_another_answer_and_confidence_alone_is_not() -> None:
    assert disagree(Answer("self_service", "moving", 0.9), Answer("self_service", None, 0.9))
    assert disagree(Answer("opening_hours", None, 0.9), Answer("contact", None, 0.9))
    assert not disagree(Answer("contact", None, 0.99), Answer("contact", None, 0.71))


def test_changes_are_grouped_by_the_change_most_messages_first() -> None:
    rows = [
        Row("a", 2, "opening_hours", None, "self_service", "moving"),
        Row("b", 10, "contact", None, "greet", None),
        Row("c", 3, "opening_hours", None, "self_service", "moving"),
        Row("d", 1, "opening_hours", None, "self_service", None),
    ]
    changes = group_changes(rows)
    assert [(c.before, c.after, c.messages, len(c.rows)) for c in changes] == [
        (("contact", None), ("greet", None), 10, 1),
        (("opening_hours", None), ("self_service", "moving"), 5, 2),
        (("opening_hours", None), ("self_service", None), 1, 1),
    ]
    assert [r.text for r in changes[1].rows] == ["c", "a"]  # most frequent text first


def test_the_gate_refuses_only_for_a_verdict_for_the_model_in_service() -> None:
    assert shadow_gate(None).refusals == [] and not shadow_gate(None).ran
    rows = [
        Row("a", 4, "opening_hours", None, "contact", None, verdict=CANDIDATE),
        Row("b", 1, "opening_hours", None, "contact", None),
        Row("c", 2, "opening_hours", None, "contact", None),
    ]
    open_only = shadow_gate(rows)
    assert open_only.refusals == []
    assert open_only.unreviewed == 2
    assert open_only.notes == ["2 uenigheder i skyggetesten er ikke gennemgået endnu."]
    rows[1].verdict = SERVICE
    refused = shadow_gate(rows)
    assert refused.refusals == [
        "Skyggetesten: Den nye model svarer dårligere end modellen i drift på 1 besked, som "
        "webteamet har gennemgået."
    ]
    assert refused.notes == ["1 uenighed i skyggetesten er ikke gennemgået endnu."]


def test_answers_are_named_by_their_danish_labels() -> None:
    assert answer_label("opening_hours", None) == "Åbningstider"
    assert answer_label("self_service", "moving").startswith("Selvbetjening: ")
    assert "moving" not in answer_label("self_service", "moving")
    assert messages_word(1) == "1 besked" and messages_word(12) == "12 beskeder"


# -- the store ------------------------------------------------------------------------


def _versions(url: str) -> tuple[int, int]:
    with session_scope(REVIEW, url) as s:
        old = register_candidate(
            s,
            file_name="old.tar.gz",
            data_fingerprint="o",
            metrics=None,
            report=None,
            created_by="system",
        )
        promote(s, old.id, by="system", override_reason="baseline", tolerance=0.02)
        new = register_candidate(
            s,
            file_name="new.tar.gz",
            data_fingerprint="n",
            metrics=None,
            report=None,
            created_by="anna",
        )
        return old.id, new.id


def _run(url: str, old: int, new: int, answers: dict[str, tuple[Answer, Answer]]) -> int:
    with session_scope(REVIEW, url) as s:
        since = window_start(s, NOW, 14)
        messages, texts = recent_texts(s, since)
        pairs = [answers[t.normalized] for t in texts]
        return store_run(
            s,
            candidate_id=new,
            service_id=old,
            since=since,
            days=14,
            messages=messages,
            texts=texts,
            answers=pairs,
            seconds=1.0,
            now=NOW,
        ).id


HOURS = Answer("opening_hours", None, 0.95)
CONTACT = Answer("contact", None, 0.8)
MOVING = Answer("self_service", "moving", 0.9)


def test_recent_texts_are_deduplicated_and_leave_out_buttons_and_old_messages(
    review_url: str,
) -> None:
    seed_messages(review_url, ["Åbningstider?", "åbningstider", "Knap: Nej"], now=NOW, days=3)
    seed_messages(review_url, ["gammel besked"], now=NOW - timedelta(days=40), days=1, seed=8)
    with session_scope(REVIEW, review_url) as s:
        # The store holds more than 14 days: the window is the last 14 days.
        assert window_start(s, NOW, 14) == NOW - timedelta(days=14)
        messages, texts = recent_texts(s, window_start(s, NOW, 14))
    assert messages == 2
    assert [(t.normalized, t.count) for t in texts] == [("åbningstider", 2)]


def test_a_verdict_becomes_a_reviewed_example_and_the_gate_refuses_for_the_worse(
    review_url: str,
) -> None:
    seed_messages(
        review_url,
        ["hvornår har I åbent", "hvornår har I åbent", "jeg skal flytte", "hej"],
        now=NOW,
    )
    old, new = _versions(review_url)
    greet = Answer("greet", None, 0.9)
    _run(
        review_url,
        old,
        new,
        {
            "hvornår har i åbent": (HOURS, CONTACT),
            "jeg skal flytte": (Answer("self_service", None, 0.7), MOVING),
            "hej": (greet, greet),
        },
    )
    with session_scope(REVIEW, review_url) as s:
        data = report(s, new)
        assert data is not None
        assert [(c["before_label"], c["after_label"], c["messages"]) for c in data["changes"]] == [
            ("Åbningstider", "Kontakt kommunen", 2),
            ("Selvbetjening", answer_label("self_service", "moving"), 1),
        ]
        assert data["gate"]["unreviewed"] == 2
        hours_id = data["changes"][0]["rows"][0]["id"]
        moving_id = data["changes"][1]["rows"][0]["id"]

    with session_scope(REVIEW, review_url) as s:
        record_verdict(s, hours_id, SERVICE, by="anna", now=NOW, intents=INTENTS, tasks=("moving",))
        record_verdict(
            s, moving_id, CANDIDATE, by="anna", now=NOW, intents=INTENTS, tasks=("moving",)
        )
    with session_scope(REVIEW, review_url) as s:
        items = {i.text: i for i in s.query(ReviewItem)}
        assert items["hvornår har I åbent"].status == "accepted"
        assert items["hvornår har I åbent"].decided_intent == "opening_hours"
        assert items["jeg skal flytte"].decided_intent == "self_service"
        assert items["jeg skal flytte"].decided_task == "moving"
        assert items["jeg skal flytte"].task_words == "flytte"
        assert gate_for(s, new).refusals  # the model in service was right: refused
        result = promote(s, new, by="anna", override_reason=None, tolerance=0.02)
        assert not result.promoted
        assert result.decision is not None and "Skyggetesten" in result.decision.reasons[0]
        assert in_service(s).id == old  # type: ignore[union-attr]

    # The next run (a new candidate trained with the example) keeps the verdicts: the one
    # that still answers worse is still refused, and nothing is open.
    _run(
        review_url,
        old,
        new,
        {
            "hvornår har i åbent": (HOURS, CONTACT),
            "jeg skal flytte": (Answer("self_service", None, 0.7), MOVING),
            "hej": (greet, greet),
        },
    )
    with session_scope(REVIEW, review_url) as s:
        again = gate_for(s, new)
        assert again.unreviewed == 0 and len(again.refusals) == 1


def test_a_verdict_on_an_unknown_disagreement_or_side_is_refused(review_url: str) -> None:
    with session_scope(REVIEW, review_url) as s, pytest.raises(VerdictError, match="no shadow"):
        record_verdict(s, 404, SERVICE, by="anna", now=NOW, intents=INTENTS, tasks=())


def test_a_disagreement_goes_with_its_message_when_the_text_is_purged(review_url: str) -> None:
    import sqlalchemy as sa

    from bot.mlops.shadow_store import ShadowDisagreement
    from bot.review.records import ReviewMessage

    seed_messages(review_url, ["hvornår har I åbent"], now=NOW)
    old, new = _versions(review_url)
    _run(review_url, old, new, {"hvornår har i åbent": (HOURS, CONTACT)})
    with session_scope(REVIEW, review_url) as s:
        assert s.query(ShadowDisagreement).count() == 1
        s.execute(sa.delete(ReviewMessage.__table__))  # as the purge deletes them
    with session_scope(REVIEW, review_url) as s:
        assert s.query(ShadowDisagreement).count() == 0


def test_the_answers_cache_keeps_only_the_window_and_no_text(review_url: str) -> None:
    from bot.mlops.shadow_store import ShadowAnswer, cached_answers, keep_answers, text_digest

    with session_scope(REVIEW, review_url) as s:
        keep_answers(s, "m.tar.gz", {text_digest("a"): HOURS, text_digest("b"): CONTACT})
        keep_answers(s, "m.tar.gz", {text_digest("b"): CONTACT})
        keep_answers(s, "other.tar.gz", {text_digest("a"): MOVING})
    with session_scope(REVIEW, review_url) as s:
        assert cached_answers(s, "m.tar.gz") == {text_digest("b"): CONTACT}
        assert cached_answers(s, "other.tar.gz") == {text_digest("a"): MOVING}
        assert all(len(r.digest) == 32 and r.digest != "a" for r in s.query(ShadowAnswer))
