"""Export of the decisions to data/nlu/reviewed.yml (bot/review/export.py): format, dedup,
domain intents, merging with the file, and Rasa's own loader reading the result."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.db.engine import session_scope
from bot.db.stores import REVIEW
from bot.review.annotate import annotate
from bot.review.export import annotate_entities, plain_text, write_reviewed
from bot.review.records import ReviewItem
from testkit import ROOT
from tests.unit.review.events import Stream
from tests.unit.review.test_inbox import FALLBACK, fill, item_id

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The project's domain and NLU data, copied."""
    shutil.copy(ROOT / "domain.yml", tmp_path / "domain.yml")
    shutil.copytree(ROOT / "data" / "nlu", tmp_path / "data" / "nlu")
    (tmp_path / "data" / "nlu" / "reviewed.yml").unlink(missing_ok=True)
    return tmp_path


def decide(url: str, message: str, action: str, intent: str | None = None, **kw: object) -> None:
    from bot.review.domain import domain_intents

    fill(
        url,
        Stream(f"w-{abs(hash(message))}").turn(
            message, "nlu_fallback", 0.7, FALLBACK, kind="fallback"
        ),
    )
    with session_scope(REVIEW, url) as session:
        annotate(
            session,
            item_id(url, message),
            action,
            by="anna",
            intents=domain_intents(),
            intent=intent,
            now=kw.pop("now", NOW),
            **kw,
        )  # type: ignore[arg-type]


def test_accepted_examples_sorted_deduplicated_and_loadable_by_rasa(
    review_url: str, project: Path
) -> None:
    decide(review_url, "hvor melder jeg flytning på nettet", "intent", "self_service")
    decide(review_url, "Åbningstider?", "intent", "opening_hours")  # already in opening_hours.yml
    decide(review_url, "hvem vinder x factor", "out_of_scope")
    decide(review_url, "hvornår lukker biblioteket", "intent", "opening_hours")
    decide(review_url, "kassér mig", "discard")
    decide(review_url, "ring 22334455 om [pas]", "intent", "self_service", text="ring om [noget]")
    result = write_reviewed(project, review_url)
    assert result.path == project / "data" / "nlu" / "reviewed.yml"
    assert result.by_intent == {"opening_hours": 1, "out_of_scope": 1, "self_service": 2}
    assert result.added == 4 and result.skipped_duplicates == 1
    text = result.path.read_text(encoding="utf-8")
    assert 'version: "3.1"' in text
    body = text[text.index("nlu:") :]
    assert body == (
        "nlu:\n"
        "- intent: opening_hours\n  examples: |\n    - hvornår lukker biblioteket\n"
        "- intent: out_of_scope\n  examples: |\n    - hvem vinder x factor\n"
        "- intent: self_service\n  examples: |\n"
        "    - hvor melder jeg [flytning](task) på nettet\n"
        "    - ring om (noget)\n"
    )
    # Rasa's own loader reads it with the entity, and the whole data folder has no text twice.
    from rasa.shared.nlu.training_data.loading import load_data

    reviewed = load_data(str(result.path))
    assert {(m.get("text"), m.get("intent")) for m in reviewed.intent_examples} == {
        ("hvornår lukker biblioteket", "opening_hours"),
        ("hvem vinder x factor", "out_of_scope"),
        ("hvor melder jeg flytning på nettet", "self_service"),
        ("ring om (noget)", "self_service"),
    }
    assert [e["value"] for m in reviewed.intent_examples for e in m.get("entities") or []] == [
        "flytning"
    ]
    everything = load_data(str(project / "data" / "nlu"))
    texts = [m.get("text").lower() for m in everything.intent_examples]
    assert len(texts) == len(set(texts))
    # Deterministic: the same decisions give the same file.
    assert write_reviewed(project, review_url).path.read_text(encoding="utf-8") == text


def test_the_file_is_kept_and_the_latest_decision_wins(review_url: str, project: Path) -> None:
    path = project / "data" / "nlu" / "reviewed.yml"
    path.write_text(
        'version: "3.1"\nnlu:\n- intent: contact\n  examples: |\n'
        "    - kan jeg tale med en person\n    - hvad er jeres mail\n"
        "- intent: no_such_intent\n  examples: |\n    - gammelt eksempel\n",
        encoding="utf-8",
    )
    decide(review_url, "kan jeg tale med en person", "intent", "help")  # moved
    decide(review_url, "ny besked", "intent", "contact", now=NOW)
    with session_scope(REVIEW, review_url) as session:  # decided again later: discarded
        annotate(
            session,
            item_id(review_url, "ny besked"),
            "discard",
            by="bo",
            intents=("contact",),
            now=NOW + timedelta(hours=1),
        )
    result = write_reviewed(project, review_url)
    assert result.by_intent == {"contact": 1, "help": 1}
    assert result.skipped_unknown_intent == 1
    text = path.read_text(encoding="utf-8")
    assert "- intent: help\n  examples: |\n    - kan jeg tale med en person\n" in text
    assert "ny besked" not in text and "gammelt eksempel" not in text


def test_nothing_accepted_no_file(review_url: str, project: Path) -> None:
    decide(review_url, "kassér mig", "discard")
    result = write_reviewed(project, review_url)
    assert (result.added, result.by_intent) == (0, {})
    assert not result.path.exists()


def test_only_accepted_statuses_and_no_cpr(review_url: str, project: Path) -> None:
    fill(
        review_url,
        Stream("w-1").turn("åben besked", "nlu_fallback", 0.7, FALLBACK, kind="fallback"),
    )
    with session_scope(REVIEW, review_url) as session:  # a row written around the rules, with a CPR
        item = session.execute(sa.select(ReviewItem)).scalar_one()
        item.status, item.decided_intent, item.decided_at = "accepted", "contact", NOW
        item.edited_text = "mit nummer 010190-1234"
    assert write_reviewed(project, review_url).added == 0


def test_entity_annotation_helpers() -> None:
    known = {"flytning": "task", "melde flytning": "task", "pas": "task"}
    assert annotate_entities("Hvor kan jeg melde flytning", known) == (
        "Hvor kan jeg [melde flytning](task)"
    )
    assert annotate_entities("passet er væk", known) == "passet er væk"  # whole words only
    assert plain_text('[ja]{"entity": "helpful"} og [x](task) og [y](a:b)') == "ja og x og y"


def test_a_self_service_task_is_taught_as_a_synonym_of_its_id(
    review_url: str, project: Path
) -> None:
    message = "jeg skal bruge et nyt rejsedokument"
    decide(
        review_url,
        message,
        "intent",
        "self_service",
        task="pas",
        task_words="Rejsedokument",
        tasks=("pas", "flytning"),
    )
    result = write_reviewed(project, review_url)
    assert '- jeg skal bruge et nyt [rejsedokument]{"entity": "task", "value": "pas"}' in (
        result.path.read_text(encoding="utf-8")
    )
    from rasa.shared.nlu.training_data.loading import load_data

    example = load_data(str(result.path)).intent_examples[0]
    assert example.get("text") == message
    assert [(e["entity"], e["value"]) for e in example.get("entities")] == [("task", "pas")]


@pytest.mark.parametrize(
    ("intent", "task", "words", "code"),
    [
        ("contact", "pas", "rejsedokument", "task_without_self_service"),
        ("self_service", "no_such_task", "rejsedokument", "unknown_task"),
        ("self_service", "pas", "", "task_words_missing"),
        ("self_service", "pas", "rejse", "task_words_missing"),  # not a whole word of the text
    ],
)
def test_a_task_must_fit_the_intent_the_catalogue_and_the_text(
    review_url: str, intent: str, task: str, words: str, code: str
) -> None:
    from bot.review.annotate import AnnotationError

    with pytest.raises(AnnotationError) as refused:
        decide(
            review_url,
            "jeg skal bruge et nyt rejsedokument",
            "intent",
            intent,
            task=task,
            task_words=words,
            tasks=("pas",),
        )
    assert refused.value.code == code
    with session_scope(REVIEW, review_url) as session:
        assert session.execute(sa.select(ReviewItem.status)).scalar_one() == "open"
