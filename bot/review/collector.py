"""Pick the citizen messages worth a look from Rasa's event stream (in memory, pure).

:class:`ReviewCollector` is fed every event the event broker publishes, in order. It keeps a
bounded buffer per conversation (the last :data:`MAX_MESSAGES` messages of at most
:data:`MAX_CONVERSATIONS` conversations, dropped after :data:`IDLE_DROP` without events) and,
when a citizen's turn is over, decides whether the message is a review item:

* ``no_page``: the turn's outcome is of kind fallback: the citizen got neither an answer nor a
  page. The fallback (``nlu_fallback``, ``out_of_scope``) searches the page catalogue first and
  reports a self-service link when it offers a page, so this is a question no page fitted;
  these show what the municipality's site or the assistant still lacks (the web team's
  catalogue page lists them);
* ``fallback``: the model did not understand (``nlu_fallback``, but a page or a task was
  offered, or no outcome was reported); ``out_of_scope``: it was predicted out of scope (and
  was offered a page);
* ``low_confidence``: the top intent's confidence is below ``review_low_confidence``;
* ``not_helped``: the citizen answered "Nej" to "Fik du svar på dit spørgsmål?" (the item is the
  question that got the unhelpful answer: the one whose answer id the button names, see
  :func:`bot.dialogue.outcome.answer_id`, also when the click comes after later answers; typed
  feedback names none and judges the latest answer; an id that is no answer of this
  conversation files nothing; each question is filed once, and a later "Ja" does not take it
  back: the web team looks at it anyway);
* ``sample``: a deterministic pseudo-random share (``review_sample_rate``) of the rest.

Only then does anything of the conversation leave memory: :meth:`ReviewCollector.feed` returns
:class:`Write` batches (the conversation's buffered messages and the item) for the writer, and
every later message of that conversation. Conversations without an item are never written.

Texts arrive without CPR numbers (the privacy guard removed them before Rasa saw them); every
text is passed through :func:`bot.dialogue.cpr.redact_cpr` again before it is kept. Button
payloads are kept as "Knap: <title>", the guard's personal-data marker as
:data:`CPR_REMOVED`.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from bot.dialogue.cpr import redact_cpr
from bot.dialogue.outcome import Kind, Outcome, answer_id, judged_answer
from bot.review.records import MAX_TEXT, REASON_RANK, normalize_text

MAX_CONVERSATIONS = 2_000
MAX_MESSAGES = 60
IDLE_DROP = timedelta(hours=2)
RECENT_TURNS = 6

FALLBACK_INTENT = "nlu_fallback"
OUT_OF_SCOPE_INTENT = "out_of_scope"
FEEDBACK_INTENT = "feedback"
PERSONAL_DATA_PAYLOAD = "/personal_data"  # bot.rasa_server.guard.INTENT_PERSONAL_DATA
CPR_REMOVED = "[CPR-nummer fjernet]"


@dataclass(frozen=True)
class Message:
    """One message as the review store keeps it."""

    seq: int
    at: datetime
    role: str  # "user" | "bot"
    text: str
    intent: str | None = None
    confidence: float | None = None


@dataclass(frozen=True)
class ItemData:
    """A review item for the message ``seq`` of its conversation."""

    seq: int
    reason: str
    text: str
    normalized: str
    intent: str
    confidence: float
    runners_up: tuple[tuple[str, float], ...]
    at: datetime


@dataclass(frozen=True)
class Write:
    """What the writer stores for one conversation: new messages and items (maybe none)."""

    key: str
    sender_id: str
    started_at: datetime
    messages: tuple[Message, ...]
    items: tuple[ItemData, ...] = ()


@dataclass
class _Turn:
    """A citizen message and what the model made of it."""

    seq: int
    at: datetime
    text: str
    citizen_text: bool  # typed by the citizen (not a button payload or the guard's marker)
    intent: str
    confidence: float
    ranking: tuple[tuple[str, float], ...]
    helpful: str | None = None  # the feedback entity "helpful" ("ja" / "nej")
    judged: str | None = None  # the answer id the feedback names (None: typed, names none)
    kind: Kind | None = None  # from the turn_outcome slot
    answer_id: str | None = None  # the id of the answer to this message


@dataclass
class _Conversation:
    key: str
    sender_id: str
    started_at: datetime
    last_seen: datetime
    messages: deque[Message] = field(default_factory=lambda: deque(maxlen=MAX_MESSAGES))
    next_seq: int = 0
    written_seq: int = -1  # messages up to this seq have been handed to the writer
    persisted: bool = False  # has an item: every message is written from now on
    pending: _Turn | None = None
    recent: deque[_Turn] = field(default_factory=lambda: deque(maxlen=RECENT_TURNS))
    buttons: dict[str, str] = field(default_factory=dict)  # payload -> title, last offered
    # The citizen's questions that got an answer, by answer id (the latest MAX_MESSAGES).
    answers: OrderedDict[str, _Turn] = field(default_factory=OrderedDict)
    not_helped: set[int] = field(default_factory=set)  # seqs already filed as not_helped


def event_time(event: dict[str, Any]) -> datetime:
    """The event's timestamp (epoch seconds) as an aware UTC datetime."""
    stamp = event.get("timestamp")
    if isinstance(stamp, (int, float)) and stamp > 0:
        return datetime.fromtimestamp(stamp, timezone.utc)
    return datetime.now(timezone.utc)


def clean(text: object) -> str:
    """A text as it may be kept: a string, CPR numbers removed, bounded length."""
    value = text if isinstance(text, str) else ""
    value, _ = redact_cpr(value)
    return value.strip()[:MAX_TEXT]


def sampled(sender_id: str, seq: int, text: str, rate: float) -> bool:
    """A deterministic draw: the same message of the same conversation always gives the same
    answer, and about ``rate`` of all messages are drawn."""
    if rate <= 0:
        return False
    digest = hashlib.sha256(f"{sender_id}\x00{seq}\x00{text}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < rate


def _ranking(parse_data: dict[str, Any]) -> tuple[tuple[str, float], ...]:
    out = []
    for entry in parse_data.get("intent_ranking") or []:
        if isinstance(entry, dict) and isinstance(entry.get("name"), str):
            try:
                out.append((entry["name"][:64], float(entry.get("confidence") or 0.0)))
            except (TypeError, ValueError):
                continue
    return tuple(out)


def _helpful(parse_data: dict[str, Any]) -> str | None:
    for entity in parse_data.get("entities") or []:
        if isinstance(entity, dict) and entity.get("entity") == "helpful":
            value = entity.get("value")
            if value is True or value in ("ja", "yes", "true"):
                return "ja"
            if value is False or value in ("nej", "no", "false"):
                return "nej"
    return None


class ReviewCollector:
    """Turns the event stream into :class:`Write` batches for the review store."""

    def __init__(self, low_confidence: float, sample_rate: float) -> None:
        self.low_confidence = low_confidence
        self.sample_rate = sample_rate
        self._conversations: OrderedDict[str, _Conversation] = OrderedDict()

    def __len__(self) -> int:
        return len(self._conversations)

    # -- the stream -----------------------------------------------------------------

    def feed(self, event: dict[str, Any]) -> list[Write]:
        """Take one event; return what should be written now (usually nothing)."""
        sender = event.get("sender_id")
        kind = event.get("event")
        if not isinstance(sender, str) or not sender:
            return []
        at = event_time(event)
        if kind == "session_started":
            self._forget_idle(at)
            self._conversations.pop(sender, None)
            self._conversation(sender, at)
            return []
        if kind == "user":
            conversation = self._conversation(sender, at)
            writes = self._finish(conversation)
            self._user(conversation, event, at)
            return writes
        conversation = self._conversations.get(sender)
        if conversation is None:
            return []
        conversation.last_seen = at
        if kind == "bot":
            self._bot(conversation, event, at)
        elif kind == "slot" and event.get("name") == "turn_outcome":
            outcome = Outcome.from_slot(event.get("value"))
            if outcome is not None and conversation.pending is not None:
                conversation.pending.kind = outcome.kind
        elif kind == "action" and event.get("name") == "action_listen":
            return self._finish(conversation)
        return []

    def _conversation(self, sender: str, at: datetime) -> _Conversation:
        conversation = self._conversations.get(sender)
        if conversation is None:
            self._forget_idle(at)
            while len(self._conversations) >= MAX_CONVERSATIONS:
                self._conversations.popitem(last=False)
            conversation = _Conversation(
                key=f"{sender}#{int(at.timestamp() * 1000)}"[:200],
                sender_id=sender[:128],
                started_at=at,
                last_seen=at,
            )
            self._conversations[sender] = conversation
        else:
            self._conversations.move_to_end(sender)
            conversation.last_seen = at
        return conversation

    def _forget_idle(self, now: datetime) -> None:
        while self._conversations:
            oldest = next(iter(self._conversations.values()))
            if now - oldest.last_seen < IDLE_DROP:
                return
            self._conversations.popitem(last=False)

    def _add(self, conversation: _Conversation, message: Message) -> None:
        conversation.messages.append(message)
        conversation.next_seq += 1

    def _user(self, conversation: _Conversation, event: dict[str, Any], at: datetime) -> None:
        parse_data = event.get("parse_data") if isinstance(event.get("parse_data"), dict) else {}
        raw = event.get("text") if isinstance(event.get("text"), str) else ""
        intent_data = parse_data.get("intent") if isinstance(parse_data.get("intent"), dict) else {}
        intent = str(intent_data.get("name") or "")[:64]
        try:
            confidence = float(intent_data.get("confidence") or 0.0)
        except (TypeError, ValueError):
            confidence = 0.0
        stripped = raw.strip()
        if stripped == PERSONAL_DATA_PAYLOAD:
            text, citizen_text = CPR_REMOVED, False
        elif stripped.startswith("/"):
            title = conversation.buttons.get(stripped)
            text, citizen_text = f"Knap: {clean(title)}" if title else "Knap", False
        else:
            text, citizen_text = clean(raw), True
        seq = conversation.next_seq
        self._add(conversation, Message(seq, at, "user", text, intent or None, confidence))
        message_id = event.get("message_id")
        entities = [e for e in parse_data.get("entities") or [] if isinstance(e, dict)]
        conversation.pending = _Turn(
            seq=seq,
            at=at,
            text=text,
            citizen_text=citizen_text and bool(text),
            intent=intent,
            confidence=confidence,
            ranking=_ranking(parse_data),
            helpful=_helpful(parse_data) if intent == FEEDBACK_INTENT else None,
            judged=judged_answer(entities),
            answer_id=answer_id(message_id) if isinstance(message_id, str) and message_id else None,
        )

    def _bot(self, conversation: _Conversation, event: dict[str, Any], at: datetime) -> None:
        data = event.get("data") if isinstance(event.get("data"), dict) else {}
        buttons = [b for b in data.get("buttons") or [] if isinstance(b, dict)]
        titles = [clean(b.get("title")) for b in buttons]
        conversation.buttons = {
            str(b.get("payload")): title
            for b, title in zip(buttons, titles, strict=True)
            if b.get("payload")
        }
        text = clean(event.get("text"))
        if titles:
            text = (text + " " + " ".join(f"[{t}]" for t in titles if t)).strip()
        if text:
            self._add(conversation, Message(conversation.next_seq, at, "bot", text))

    # -- deciding -------------------------------------------------------------------

    def reason(self, turn: _Turn, sender_id: str) -> str | None:
        """Why a citizen's message is worth a look (None: it is not)."""
        if not turn.citizen_text:
            return None
        if turn.kind is Kind.FALLBACK:
            return "no_page"
        if turn.intent == OUT_OF_SCOPE_INTENT:
            return "out_of_scope"
        if turn.intent == FALLBACK_INTENT:
            return "fallback"
        if turn.confidence < self.low_confidence:
            return "low_confidence"
        if sampled(sender_id, turn.seq, turn.text, self.sample_rate):
            return "sample"
        return None

    def _finish(self, conversation: _Conversation) -> list[Write]:
        """The pending turn is over: make its items, and hand out what is to be written."""
        turn, conversation.pending = conversation.pending, None
        if turn is None:
            return []
        items: list[ItemData] = []
        reason = self.reason(turn, conversation.sender_id)
        if reason is not None:
            items.append(self._item(turn, reason))
        if turn.helpful == "nej":
            question = self._judged_question(conversation, turn.judged)
            if question is not None and question.seq not in conversation.not_helped:
                conversation.not_helped.add(question.seq)
                items.append(self._item(question, "not_helped"))
        conversation.recent.append(turn)
        if turn.kind is not None and turn.kind.is_answer:
            # (a message without a Rasa message id can only be judged by typed feedback)
            conversation.answers[turn.answer_id or f"seq:{turn.seq}"] = turn
            while len(conversation.answers) > MAX_MESSAGES:
                conversation.answers.popitem(last=False)
        if items:
            conversation.persisted = True
        if not conversation.persisted:
            return []
        new = tuple(m for m in conversation.messages if m.seq > conversation.written_seq)
        # Items only for messages still in the buffer or already written.
        kept = {m.seq for m in conversation.messages}
        items = [i for i in items if i.seq in kept or i.seq <= conversation.written_seq]
        if new:
            conversation.written_seq = new[-1].seq
        if not new and not items:
            return []
        return [
            Write(
                key=conversation.key,
                sender_id=conversation.sender_id,
                started_at=conversation.started_at,
                messages=new,
                items=tuple(sorted(items, key=lambda i: REASON_RANK[i.reason])),
            )
        ]

    @staticmethod
    def _judged_question(conversation: _Conversation, judged: str | None) -> _Turn | None:
        """The citizen's question whose answer a "Nej" judges: the one its button names, or
        for typed feedback the latest answered one (a typed question: buttons have no text
        to review)."""
        if judged is None:
            question = next(reversed(conversation.answers.values()), None)
        else:
            question = conversation.answers.get(judged)
        return question if question is not None and question.citizen_text else None

    @staticmethod
    def _item(turn: _Turn, reason: str) -> ItemData:
        runners_up = tuple((n, c) for n, c in turn.ranking if n != turn.intent)[:2]
        return ItemData(
            seq=turn.seq,
            reason=reason,
            text=turn.text,
            normalized=normalize_text(turn.text),
            intent=turn.intent or FALLBACK_INTENT,
            confidence=turn.confidence,
            runners_up=runners_up,
            at=turn.at,
        )
