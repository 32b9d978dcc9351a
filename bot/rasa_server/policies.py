"""Rasa's RulePolicy and MemoizationPolicy, predicting from the recent end of the conversation.

Stock Rasa featurises the *whole* conversation on every prediction (``Tracker.past_states``
replays every event into a prior tracker; RulePolicy then matches its rules against every
state, twice, and deep-copies the states for a debug log line), although neither policy looks
further back than its longest rule or ``max_history`` turns. A prediction at turn 100 therefore
cost several times one at turn 10 (docs/benchmark-chat.md).

These subclasses hand the parent policy a *view* of the tracker: the slots and active loop as
they were where the view starts, then the latest events, from an ``action_listen`` that precedes
a citizen message, far enough back to hold more action states than any rule or the memoised
history is long. A state beyond that length never changes a prediction:

- RulePolicy (``_is_rule_applicable``) accepts a rule as soon as the turn index passes the
  rule's length, and the view's first state (the only one without a previous action, which a
  ``conversation_start`` rule could match) lies beyond every rule;
- MemoizationPolicy keeps the last ``max_history`` states after dropping rule-only turns; when
  its lookup is empty (this bot has rules and no stories), it predicts nothing whatever the
  tracker holds, so the featurisation is skipped.

Where the view could differ (events that revert earlier turns, a memoised history that reaches
further back than the view), the policy gets the whole tracker as before. Training is
untouched: only ``predict_action_probabilities`` is overridden.
``tests/unit/rasa_server/test_policy_view.py`` checks, with the trained model, that both give
the same predictions as their parents at every step of a long conversation.
"""

from __future__ import annotations

import itertools
from typing import Any

from rasa.core.policies.memoization import MemoizationPolicy
from rasa.core.policies.policy import PolicyPrediction
from rasa.core.policies.rule_policy import RULES, RULES_FOR_LOOP_UNHAPPY_PATH, RulePolicy
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    BotUttered,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.rasa_server.internal import get
from bot.rasa_server.internals import DEFAULT_PREDICTIONS, POLICY_PREDICTION, RULE_KEY_TO_STATE

# Events whose effect on a tracker the view's own events overwrite.
_OVERWRITTEN = frozenset({ActionExecuted, BotUttered, UserUttered})

# Action states the view holds beyond what a policy needs: room for the states Rasa adds
# around a citizen message (action_extract_slots) without ever cutting a rule short.
MARGIN = 4


def recent_view(
    tracker: DialogueStateTracker, min_actions: int, carry_state: bool = True
) -> DialogueStateTracker:
    """``tracker`` as a policy sees it, cut to the latest events holding at least
    ``min_actions`` executed actions; the tracker itself when it is short already or when a
    cut could change what the policies see.

    ``carry_state``: start the view with the slot values and the active loop the conversation
    had where the view begins (a walk over the earlier events). Policies see only slots that
    influence the conversation and loops of forms, so without either in the domain there is
    nothing to carry.
    """
    events = tracker.events
    if len(events) <= 2 * min_actions + 8:
        return tracker
    size = _tail_size(events, min_actions)
    if size is None or size == len(events):
        return tracker
    tail = list(itertools.islice(reversed(events), size))
    tail.reverse()
    if any(isinstance(e, (ActionReverted, UserUtteranceReverted)) for e in tail):
        return tracker
    view = tracker.init_copy()
    if carry_state:
        # The state where the view begins: every earlier event applied, none kept. Messages
        # and executed actions only set the latest message and action, which the tail sets.
        before = tracker.init_copy()
        for event in itertools.islice(events, len(events) - size):
            if type(event) not in _OVERWRITTEN:
                event.apply_to(before)
        for slot in before.slots.values():
            if slot.value != slot.initial_value:
                view.update(SlotSet(slot.name, slot.value))
        if before.active_loop_name:
            view.update(ActiveLoop(before.active_loop_name))
    for event in tail:
        view.update(event)
    return view


def carries_state(domain: Domain) -> bool:
    """Whether a view must start with the earlier slots and loop (see :func:`recent_view`)."""
    return bool(domain.form_names) or any(slot.influence_conversation for slot in domain.slots)


def _tail_size(events: Any, min_actions: int) -> int | None:
    """How many of the latest events make the view: back to the ``action_listen`` before a
    citizen message, with more than ``min_actions`` actions executed from it on; None if
    there is no such place."""
    actions = 0
    after: Any = None  # the event after the one looked at
    for size, event in enumerate(reversed(events), start=1):
        if isinstance(event, ActionExecuted):
            actions += 1
            if (
                actions > min_actions
                and event.action_name == ACTION_LISTEN_NAME
                and isinstance(after, UserUttered)
            ):
                return size
        after = event
    return None


def _longest(policy: RulePolicy, *lookups: str) -> int:
    """The number of states in the policy's longest rule."""
    return max(
        (
            len(get(RULE_KEY_TO_STATE, policy)(key))
            for name in lookups
            for key in policy.lookup.get(name, {})
        ),
        default=0,
    )


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True
)
class RecentRulePolicy(RulePolicy):
    """RulePolicy that predicts from :func:`recent_view` of the conversation."""

    _view_actions: int | None = None
    _carry_state = True

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        if self._view_actions is None:
            self._view_actions = _longest(self, RULES, RULES_FOR_LOOP_UNHAPPY_PATH) + MARGIN
            self._carry_state = carries_state(domain)
        view = recent_view(tracker, self._view_actions, self._carry_state)
        return super().predict_action_probabilities(view, domain, rule_only_data, **kwargs)


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True
)
class RecentMemoizationPolicy(MemoizationPolicy):
    """MemoizationPolicy that skips the featurisation when it has nothing memorised."""

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        if not self.lookup:
            return get(POLICY_PREDICTION, self)(get(DEFAULT_PREDICTIONS, self)(domain))
        return super().predict_action_probabilities(tracker, domain, rule_only_data, **kwargs)
