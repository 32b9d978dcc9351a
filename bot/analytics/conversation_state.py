"""The conversations a batch of events may change, read and changed in memory.

The recorder (bot/analytics/recorder.py) loads them with a handful of SELECTs, applies the
batch's events to them here in order, then writes what changed.

A sender's conversation is open at an event's time while its last event is no more than the
idle time before; a user or outcome event of a sender without an open conversation starts a new
one (so one batch may start more than one conversation of a sender). Of several open ones the
one with the latest last event counts (the newest on a tie).

The conversation's language (``Conversation.language``) is the language of its last citizen
turn: the value of the dialogue's ``language`` slot after that turn. Rasa's
``action_extract_slots`` sets the slot (a ``slot`` event right after the ``user`` event) whenever
the language detector tells a message's language; a message it cannot tell keeps the language
the conversation has. A conversation is Danish until a slot event says otherwise (a new
conversation of a sender starts Danish, as the slot does in a new Rasa session); a slot event
changes only an open conversation and never starts one.

Feedback belongs to the answer it judges. Each turn keeps the id of the answer given to its
message (:func:`bot.dialogue.outcome.answer_id` of the ``user`` event's ``message_id``); the
"Ja"/"Nej" buttons after an answer carry that id (``/feedback{"helpful": "nej", "answer":
"<id>"}``). A verdict is recorded on the answer turn of the sender's open conversation that has
the id, once: a later verdict on the same answer replaces it (the last one counts), the same
verdict again changes nothing, and a verdict never touches another answer. An id that is no
answer of the open conversation (a click from another conversation, a made-up id, or one from a
conversation that has ended) is recorded against nothing. Typed feedback ("nej, det hjalp
ikke"), which names no answer, judges the conversation's latest answer. The conversation counts
its judged answers (``n_helpful_yes``, ``n_helpful_no``: the staff figure "Hjalp svaret?"), and
its ``helpful`` (what the outcome reads) is the verdict on its latest judged answer.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.analytics.event_fields import entities, feedback_verdict, otherwise_channel
from bot.analytics.models import DEFAULT_LANGUAGE, REFERRAL_CHANNEL, Conversation, Turn
from bot.dialogue.outcome import ANSWER_KINDS, Kind, Outcome, answer_id, judged_answer

_CONVERSATIONS = Conversation.__table__
_TURNS = Turn.__table__
# The columns of a conversation that events change (in the order they are compared in).
_CHANGING = (
    "last_event_at",
    "n_turns",
    "n_answers",
    "n_links",
    "n_referrals",
    "n_fallbacks",
    "last_kind",
    "first_topic",
    "first_area",
    "referred_channel",
    "helpful",
    "n_helpful_yes",
    "n_helpful_no",
    "otherwise",
    "language",
)

# Every conversation of some senders that may still be open at the batch's earliest event.
_SELECT_OPEN = (
    sa.select(
        _CONVERSATIONS.c.id,
        _CONVERSATIONS.c.sender_id,
        _CONVERSATIONS.c.started_at,
        *(_CONVERSATIONS.c[name] for name in _CHANGING),
    )
    .where(
        _CONVERSATIONS.c.municipality == sa.bindparam("municipality"),
        _CONVERSATIONS.c.sender_id.in_(sa.bindparam("senders", expanding=True)),
        _CONVERSATIONS.c.last_event_at >= sa.bindparam("since"),
    )
    .order_by(_CONVERSATIONS.c.id)
)
# The id of the latest turn of each of some conversations.
_SELECT_LATEST_TURNS = (
    sa.select(_TURNS.c.conversation_id, sa.func.max(_TURNS.c.id))
    .where(_TURNS.c.conversation_id.in_(sa.bindparam("ids", expanding=True)))
    .group_by(_TURNS.c.conversation_id)
)
# The answer turns of some conversations (what a verdict may judge), oldest first.
_SELECT_ANSWERS = (
    sa.select(
        _TURNS.c.id,
        _TURNS.c.conversation_id,
        _TURNS.c.kind,
        _TURNS.c.topic,
        _TURNS.c.area,
        _TURNS.c.answer_id,
        _TURNS.c.helpful,
    )
    .where(
        _TURNS.c.conversation_id.in_(sa.bindparam("ids", expanding=True)),
        _TURNS.c.kind.in_(sorted(ANSWER_KINDS)),
    )
    .order_by(_TURNS.c.id)
)


class _Turn:
    """A turn the batch sets the outcome of: one in the database (``id``) or a new one."""

    __slots__ = (
        "answer_id",
        "area",
        "at",
        "conversation",
        "helpful",
        "id",
        "intent",
        "kind",
        "topic",
    )

    def __init__(
        self,
        conversation: ConversationState,
        id: int | None,
        at: datetime | None = None,
        intent: str | None = None,
        kind: str | None = None,
        answer_id: str | None = None,
    ) -> None:
        self.conversation = conversation
        self.id = id
        self.at = at
        self.intent = intent
        self.kind = kind
        self.topic: str | None = None
        self.area: str | None = None
        self.answer_id = answer_id
        self.helpful: bool | None = None


class ConversationState:
    """A conversation as the batch has it (the attributes are Conversation's columns)."""

    __slots__ = (
        "answers",
        "first_area",
        "first_topic",
        "helpful",
        "id",
        "language",
        "last_event_at",
        "last_kind",
        "latest_turn",
        "loaded",
        "n_answers",
        "n_fallbacks",
        "n_helpful_no",
        "n_helpful_yes",
        "n_links",
        "n_referrals",
        "n_turns",
        "order",
        "otherwise",
        "referred_channel",
        "sender_id",
        "started_at",
    )

    def __init__(self, id: int | None, sender_id: str, started_at: datetime) -> None:
        self.id = id
        self.sender_id = sender_id
        self.started_at = started_at
        self.last_event_at = started_at
        self.n_turns = self.n_answers = self.n_links = self.n_referrals = self.n_fallbacks = 0
        self.last_kind: str | None = None
        self.first_topic: str | None = None
        self.first_area: str | None = None
        self.referred_channel: str | None = None
        self.helpful: bool | None = None
        self.n_helpful_yes = self.n_helpful_no = 0
        self.otherwise: str | None = None
        self.language = DEFAULT_LANGUAGE
        self.latest_turn: _Turn | None = None
        # Its answer turns, oldest first: those of the batch, and those in the database when
        # the batch has a verdict of the sender (:meth:`BatchState.load_answers`).
        self.answers: list[_Turn] = []
        # The changing columns as read from the database (None: new in this batch).
        self.loaded: tuple[Any, ...] | None = None
        # Which of two conversations is newer: (0, id) in the database, (1, n) the batch's nth.
        self.order: tuple[int, int] = (0, id or 0)

    def values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in _CHANGING)

    def row(self) -> dict[str, Any]:
        return dict(zip(_CHANGING, self.values(), strict=True))


class BatchState:
    """The conversations a batch of events may change, changed in memory (then written by
    :func:`bot.analytics.recorder.write_batch`)."""

    def __init__(self, session: Session, municipality: str, idle: timedelta) -> None:
        self.session = session
        self.municipality = municipality
        self.idle = idle
        self.by_sender: dict[str, list[ConversationState]] = {}
        self.loaded: dict[int, ConversationState] = {}
        self.new: list[ConversationState] = []
        self.new_turns: list[_Turn] = []
        self.changed_turns: dict[int, _Turn] = {}  # turns in the database, by id
        self.judged_turns: dict[int, _Turn] = {}  # turns in the database with a new verdict
        self.db_turns: dict[int, _Turn] = {}  # every turn read from the database, by id
        self.links: list[tuple[ConversationState, str, datetime]] = []

    # -- reading -------------------------------------------------------------------------

    def load(self, senders: set[str], earliest: datetime) -> None:
        """Every conversation of ``senders`` whose last event is at most the idle time before
        the batch's ``earliest`` event, or later: the only ones an event of the batch can find
        open, as the others' last events stay where they are (one SELECT)."""
        rows = self.session.execute(
            _SELECT_OPEN,
            {
                "municipality": self.municipality,
                "senders": sorted(senders),
                "since": earliest - self.idle,
            },
        )
        for conversation_id, sender_id, started_at, *values in rows:
            conversation = ConversationState(conversation_id, sender_id, started_at)
            for name, value in zip(_CHANGING, values, strict=True):
                setattr(conversation, name, value)
            conversation.loaded = conversation.values()
            self.loaded[conversation_id] = conversation
            self.by_sender.setdefault(sender_id, []).append(conversation)

    def load_latest_turns(self) -> None:
        """The latest turn of every loaded conversation (one SELECT): what an outcome event
        before the conversation's first message in the batch sets."""
        if not self.loaded:
            return
        rows = self.session.execute(_SELECT_LATEST_TURNS, {"ids": sorted(self.loaded)})
        for conversation_id, turn_id in rows:
            conversation = self.loaded[conversation_id]
            conversation.latest_turn = self.db_turns.get(turn_id) or _Turn(conversation, turn_id)
            self.db_turns[turn_id] = conversation.latest_turn

    def load_answers(self, senders: set[str]) -> None:
        """The answer turns of the loaded conversations of ``senders`` (one SELECT): what a
        verdict of the batch may judge. Before :meth:`load_latest_turns`."""
        ids = sorted(c.id for s in senders for c in self.by_sender.get(s, ()) if c.id is not None)
        if not ids:
            return
        rows = self.session.execute(_SELECT_ANSWERS, {"ids": ids})
        for turn_id, conversation_id, kind, topic, area, answer, helpful in rows:
            conversation = self.loaded[conversation_id]
            turn = _Turn(conversation, turn_id, kind=kind, answer_id=answer)
            turn.topic, turn.area, turn.helpful = topic, area, helpful
            self.db_turns[turn_id] = turn
            conversation.answers.append(turn)

    # -- applying events -----------------------------------------------------------------

    def open(self, sender_id: str, at: datetime) -> ConversationState | None:
        """The sender's conversation that is still open at ``at``, if any: of those whose last
        event is at most the idle time before, the one with the latest (the newest on a tie)."""
        floor = at - self.idle
        found: ConversationState | None = None
        for conversation in self.by_sender.get(sender_id, ()):
            if conversation.last_event_at >= floor and (
                found is None
                or (conversation.last_event_at, conversation.order)
                > (found.last_event_at, found.order)
            ):
                found = conversation
        return found

    def open_or_start(self, sender_id: str, at: datetime) -> ConversationState:
        """The sender's conversation that is still open at ``at``, or a new one."""
        conversation = self.open(sender_id, at)
        if conversation is None:
            conversation = ConversationState(None, sender_id, at)
            conversation.order = (1, len(self.new))
            self.new.append(conversation)
            self.by_sender.setdefault(sender_id, []).append(conversation)
        return conversation

    def set_language(self, sender_id: str, language: str, at: datetime) -> None:
        """The language slot of the sender's open conversation; a slot event without one (no
        citizen message yet) starts no conversation."""
        conversation = self.open(sender_id, at)
        if conversation is not None:
            conversation.language = language

    def user_turn(self, event: dict[str, Any], at: datetime, meta: frozenset[str]) -> None:
        """A citizen message: a new turn (a meta intent's is neither an answer nor a miss until
        its outcome says more) and the feedback it may give."""
        conversation = self.open_or_start(event["sender_id"], at)
        conversation.last_event_at = at
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        conversation.n_turns += 1
        turn_kind = Kind.META.value if intent in meta else None
        message_id = event.get("message_id")
        answer = answer_id(message_id) if isinstance(message_id, str) and message_id else None
        turn = _Turn(conversation, None, at, intent, turn_kind, answer)
        conversation.latest_turn = turn
        self.new_turns.append(turn)
        channel = otherwise_channel(event)
        if channel is not None:
            conversation.otherwise = channel
        verdict = feedback_verdict(event)
        if verdict is not None:
            judged = judged_answer(entities(event))
            target = _judged_turn(conversation, judged)
            if target is not None:
                self.judge(target, verdict)

    def judge(self, turn: _Turn, verdict: bool) -> None:
        """The citizen's verdict on one answer: it replaces an earlier verdict on the same
        answer (the last one counts; the same one again changes nothing). The conversation's
        ``helpful`` is the verdict on its latest judged answer."""
        if turn.helpful is verdict:
            return
        conversation = turn.conversation
        if turn.helpful is True:
            conversation.n_helpful_yes -= 1
        elif turn.helpful is False:
            conversation.n_helpful_no -= 1
        if verdict:
            conversation.n_helpful_yes += 1
        else:
            conversation.n_helpful_no += 1
        turn.helpful = verdict
        if turn.id is not None:
            self.judged_turns[turn.id] = turn
        conversation.helpful = next(
            (t.helpful for t in reversed(conversation.answers) if t.helpful is not None), None
        )

    def outcome(self, sender_id: str, outcome: Outcome, at: datetime) -> None:
        """Record what the dialogue says the turn did; nothing is re-derived here."""
        conversation = self.open_or_start(sender_id, at)
        conversation.last_event_at = at
        kind, topic, area = outcome.kind.value, outcome.topic or None, outcome.area or None
        turn = conversation.latest_turn
        if turn is not None:
            turn.kind, turn.topic, turn.area = kind, topic, area
            if turn.id is not None:
                self.changed_turns[turn.id] = turn
            is_listed = any(t is turn for t in conversation.answers)
            if kind in ANSWER_KINDS and not is_listed:
                conversation.answers.append(turn)
            elif kind not in ANSWER_KINDS and is_listed:
                conversation.answers = [t for t in conversation.answers if t is not turn]
        if kind == "meta":
            return
        if kind in ANSWER_KINDS:
            conversation.n_answers += 1
        if kind == "self_service_link":
            conversation.n_links += 1
        if kind in REFERRAL_CHANNEL:
            conversation.n_referrals += 1
            conversation.referred_channel = REFERRAL_CHANNEL[kind]
        if kind == "fallback":
            conversation.n_fallbacks += 1
        conversation.last_kind = kind
        if conversation.first_topic is None and kind != "fallback":
            conversation.first_topic, conversation.first_area = topic, area
        for link_id in outcome.links:
            self.links.append((conversation, str(link_id)[:64], at))


def _judged_turn(conversation: ConversationState, judged: str | None) -> _Turn | None:
    """The answer a verdict judges: the one its button names (None if that is no answer of
    this conversation: a click from elsewhere or a made-up id), or, for typed feedback that
    names none, the conversation's latest answer."""
    if judged is None:
        return conversation.answers[-1] if conversation.answers else None
    return next((t for t in reversed(conversation.answers) if t.answer_id == judged), None)
