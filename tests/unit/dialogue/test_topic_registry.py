"""The topic registry (bot/dialogue/topics.yml): valid, in step with the domain, and clear
about what is wrong when it is not."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.dialogue.outcome import Kind
from bot.dialogue.topics import REGISTRY_FILE, TopicError, get_registry, load_registry
from testkit import ROOT

DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


def test_the_registry_matches_the_domain_and_its_answers_import() -> None:
    assert get_registry().problems_with_domain(DOMAIN, "domain.yml") == []


def test_help_menu_buttons_come_from_the_registry_in_order() -> None:
    assert get_registry().help_buttons() == [
        {"title": "Åbningstider", "payload": "/opening_hours"},
        {"title": "Selvbetjening", "payload": "/self_service"},
        {"title": "Digital Post", "payload": "/digital_post_info"},
        {"title": "Fritagelse for Digital Post", "payload": "/digital_post_exemption"},
        {"title": "Kontakt kommunen", "payload": "/contact"},
        {"title": "1881 Kontaktcenter", "payload": "/kontaktcenter_1881"},
    ]


def test_meta_and_miss_intents() -> None:
    registry = get_registry()
    assert registry.intents_of(Kind.META) == {
        "greet",
        "goodbye",
        "thank",
        "help",
        "bot_challenge",
        "personal_data",
        "feedback",
        "self_service",  # the catalogue of tasks; a recognised task is counted as the task
        "follow_up",  # counted as the entry that answers it
    }
    assert registry.intents_of(Kind.FALLBACK) == {"nlu_fallback", "out_of_scope"}


def test_one_rule_per_answered_intent() -> None:
    rules = get_registry().rules()["rules"]
    pairs = {(r["steps"][0]["intent"], r["steps"][1]["action"]) for r in rules}
    assert ("opening_hours", "action_opening_hours") in pairs
    assert ("nlu_fallback", "action_fallback") in pairs
    assert ("out_of_scope", "action_fallback") in pairs
    # Small talk is an action (the arbiter must see it); the privacy warning stays a rule.
    assert ("greet", "action_conversation") in pairs
    assert all(intent != "personal_data" for intent, _ in pairs)


def test_staff_labels() -> None:
    registry = get_registry()
    assert registry.label("digital_post") == "Digital Post"
    assert registry.label("technical_error") == "Teknisk fejl"
    assert registry.label("unknown_topic") == "unknown_topic"


def write(tmp_path: Path, topics: list[dict]) -> Path:
    path = tmp_path / "topics.yml"
    path.write_text(yaml.safe_dump({"topics": topics}, allow_unicode=True), encoding="utf-8")
    return path


ENTRY = {
    "id": "parking",
    "topic": "parking",
    "intents": ["parking"],
    "action": "action_parking",
    "answer": "bot.dialogue.answers.contact:contact",
    "kind": "information",
    "area": "Generel information",
    "label": "Parkering",
}


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"kind": "answer"}, "topics.0.kind", "value is not a valid enumeration member"),
        ({"answer": None}, "topics.0", "an entry with an action needs an answer function"),
        ({"answer": "no colon"}, "topics.0.answer", 'must be "package.module:function"'),
        ({"action": "parking"}, "topics.0.action", "must be a custom action name"),
        ({"label": ""}, "topics.0.label", "ensure this value has at least 1 characters"),
        ({"colour": "red"}, "topics.0.colour", "extra fields not permitted"),
        ({"follow_ups": ["aspect"]}, "topics.0", "follow_ups names aspect exactly when"),
        ({"aspects": ["age"]}, "topics.0", "follow_ups names aspect exactly when"),
        ({"follow_ups": ["aspect"], "aspects": ["Age!"]}, "topics.0.aspects.0", "an aspect is"),
    ],
)
def test_an_invalid_entry_names_file_and_field(
    tmp_path: Path, change: dict, field: str, message: str
) -> None:
    path = write(tmp_path, [{**ENTRY, **change}])
    with pytest.raises(TopicError) as error:
        load_registry(path)
    assert str(path) in str(error.value)
    assert f"field {field}: {message}" in str(error.value)


def test_an_intent_declared_twice_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, [ENTRY, {**ENTRY, "id": "parking2", "action": "action_parking2"}])
    with pytest.raises(TopicError, match="intents 'parking' is declared twice"):
        load_registry(path)


def test_a_topic_with_two_labels_is_refused(tmp_path: Path) -> None:
    other = {**ENTRY, "id": "p2", "intents": ["p2"], "action": "action_p2", "label": "Andet"}
    with pytest.raises(TopicError, match="different labels"):
        load_registry(write(tmp_path, [ENTRY, other]))


def test_domain_mismatches_name_the_file_and_the_field(tmp_path: Path) -> None:
    registry = load_registry(write(tmp_path, [ENTRY]))
    problems = registry.problems_with_domain(
        {"intents": ["greet"], "actions": ["action_stray"]}, "domain.yml"
    )
    assert problems == [
        f"{REGISTRY_FILE.name}: topics[0] (parking): intent parking is not in domain.yml (intents)",
        f"{REGISTRY_FILE.name}: topics[0] (parking): action action_parking is not in domain.yml "
        "(actions)",
        f"domain.yml: actions: action_stray has no entry in {REGISTRY_FILE}",
    ]


def test_an_answer_that_cannot_be_imported_is_a_problem(tmp_path: Path) -> None:
    registry = load_registry(write(tmp_path, [{**ENTRY, "answer": "bot.nowhere:answer"}]))
    (problem,) = registry.problems_with_domain(
        {"intents": ["parking"], "actions": ["action_parking"]}, "domain.yml"
    )
    assert "answer bot.nowhere:answer cannot be imported" in problem
