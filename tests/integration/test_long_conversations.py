"""Long conversations through the real REST endpoint.

The policies that predict from the recent end of a conversation (bot/rasa_server/policies.py)
predict exactly what Rasa's own RulePolicy and MemoizationPolicy predict from the whole
conversation, at every step of a 110-turn conversation; the answers at turn 100 are the answers
at turn 1, although the action server gets only the latest turns
(bot/rasa_server/action_payload.py); and the otherwise-channel question is still asked once per
conversation."""

from __future__ import annotations

import itertools
import json
import sqlite3
from pathlib import Path

import pytest
from rasa.core.agent import Agent
from rasa.core.policies.memoization import MemoizationPolicy
from rasa.core.policies.rule_policy import RulePolicy
from rasa.shared.core.events import ActionExecuted, Event
from rasa.shared.core.trackers import DialogueStateTracker

from bench.loadtest import SCRIPTS
from bot.rasa_server.policies import RecentMemoizationPolicy, RecentRulePolicy, recent_view
from testkit.senders import stored_sender
from tests.integration.conftest import Assistant, new_sender, texts

pytestmark = pytest.mark.integration

TURNS = 110


def stored_events(tracker_db: Path, sender: str) -> list[dict]:
    """The conversation's events as the tracker store holds them."""
    with sqlite3.connect(tracker_db) as db:
        rows = db.execute(
            "SELECT data FROM events WHERE sender_id = ? ORDER BY id", (stored_sender(sender),)
        ).fetchall()
    return [json.loads(data) for (data,) in rows]


def trained_policies(model: Path) -> tuple[Agent, list[object]]:
    """The model's policy instances as the Rasa server runs them."""
    agent = Agent.load(str(model))
    nodes = agent.processor.graph_runner._instantiated_nodes.values()  # type: ignore[union-attr]
    policies = [
        node._component
        for node in nodes
        if isinstance(node._component, (RecentRulePolicy, RecentMemoizationPolicy))
    ]
    return agent, policies


@pytest.fixture(scope="module")
def long_conversation(taarnby: Assistant) -> tuple[str, list[list[str]]]:
    """110 turns of the benchmark's messages in one conversation; the replies of each."""
    sender = new_sender()
    messages = itertools.islice(itertools.cycle(m for s in SCRIPTS for m in s), TURNS)
    replies = [[m.get("text", "") for m in taarnby.ask(text, sender)] for text in messages]
    return sender, replies


def test_answers_at_turn_100_are_those_at_turn_1(
    long_conversation: tuple[str, list[list[str]]],
) -> None:
    _, replies = long_conversation
    cycle = sum(len(s) for s in SCRIPTS)
    assert all(replies), "every turn got an answer"
    # Turn k and turn k + cycle ask the same question; "og i morgen?"-style follow-ups carry
    # the same thread, so the answers are the same apart from the randomised survey question.
    same = sum(replies[k] == replies[k + cycle] for k in range(cycle, TURNS - cycle))
    assert same >= 0.9 * (TURNS - 2 * cycle), "late answers differ from early ones"


def test_same_predictions_as_rasas_policies_at_every_step(
    taarnby: Assistant, model_path: Path, long_conversation: tuple[str, list[list[str]]]
) -> None:
    sender, _ = long_conversation
    agent, policies = trained_policies(model_path)
    assert {type(p) for p in policies} == {RecentRulePolicy, RecentMemoizationPolicy}
    domain = agent.domain
    rule = next(p for p in policies if isinstance(p, RecentRulePolicy))
    stored = stored_events(taarnby.tracker_db, sender)
    assert sum(e.get("event") == "user" for e in stored) >= TURNS
    events = [Event.from_parameters(e) for e in stored]

    tracker = DialogueStateTracker(sender, domain.slots)
    compared = cut = 0
    for event in events:
        if isinstance(event, ActionExecuted) and event.action_name != "action_session_start":
            for policy in policies:
                parent = RulePolicy if isinstance(policy, RulePolicy) else MemoizationPolicy
                ours = policy.predict_action_probabilities(tracker, domain)
                rasas = parent.predict_action_probabilities(policy, tracker, domain)
                assert ours.probabilities == rasas.probabilities, (compared, event.action_name)
                assert ours.action_metadata == rasas.action_metadata
                assert [e.as_dict() for e in ours.events] == [e.as_dict() for e in rasas.events]
                compared += 1
            view = recent_view(tracker, rule._view_actions or 0)
            cut += len(view.events) < len(tracker.events)
        tracker.update(event)
    assert compared > 4 * TURNS
    # The view did cut the conversation short for most of it (so the comparison tested it):
    # for three in four of the predicted steps.
    steps = compared // len(policies)
    assert cut > 0.75 * steps, (cut, steps)
    final = recent_view(tracker, rule._view_actions or 0)
    assert len(final.events) < len(tracker.events) / 10


def test_the_model_really_uses_the_recent_policies(model_path: Path) -> None:
    """config.yml names them, so a retrain keeps them (a failing import would stop Rasa)."""
    _, policies = trained_policies(model_path)
    assert any(isinstance(p, RecentRulePolicy) for p in policies)


def feedback_button(reply: list[dict], title: str) -> str:
    return next(b["payload"] for m in reply for b in m.get("buttons", []) if b["title"] == title)


def test_the_otherwise_question_is_asked_once_however_long_ago(taarnby: Assistant) -> None:
    """The action server no longer sees the turn that asked it; the slot remembers."""
    sender = new_sender()
    question = "hvordan søger jeg boligstøtte"
    first = taarnby.ask(feedback_button(taarnby.ask(question, sender), "Ja"), sender)
    assert "Hvordan ville du ellers have kontaktet kommunen?" in texts(first)
    for text in ("hvornår har borgerservice åbent?", "hvad er digital post?", "tak") * 3:
        assert taarnby.ask(text, sender)
    again = taarnby.ask(feedback_button(taarnby.ask(question, sender), "Ja"), sender)
    assert again, "the feedback got a reply"
    assert "Hvordan ville du ellers have kontaktet kommunen?" not in texts(again)
    # A new conversation is asked again (the sampling share is 1.0 in this profile).
    other = new_sender()
    fresh = taarnby.ask(feedback_button(taarnby.ask(question, other), "Ja"), other)
    assert "Hvordan ville du ellers have kontaktet kommunen?" in texts(fresh)
