"""The citizen REST endpoint with the privacy guard in front of Rasa.

It replaces Rasa's ``rest`` channel at the same path (``/webhooks/rest/webhook``) and keeps its
contract: POST ``{"sender": "...", "message": "..."}`` and get back a JSON list of bot messages.
Before Rasa sees anything, the guard

* bounds the work per request: a body over 16 KB is read to its end without being kept (up to
  16 MB, so the client gets its answer instead of a reset connection) and answered with a
  413; metadata is limited in size and depth, and every text scan is linear-time;
* refuses malformed requests with a clear 4xx JSON error (never a 500);
* limits messages per client address and per conversation, and turns per conversation (429);
* removes CPR numbers from the text and the metadata, also a number split over two messages,
  and makes the assistant warn the citizen;
* replaces the client's conversation id (``sender``) by a pseudonym, a keyed hash with the
  server's secret (:func:`bot.dialogue.privacy.pseudonymous_sender`): Rasa, the tracker store,
  the statistics, the review store and the logs only ever see the pseudonym; the reply's
  ``recipient_id`` is the client's own id again;
* accepts a ``/intent{...}`` message only when it is exactly a button payload the assistant
  offered in that conversation; anything else starting with ``/`` is plain text.

Each bot message of the reply carries the conversation's language (the ``language`` slot after
the turn) in its ``metadata``, for the widget's own labels: ``{"recipient_id": ..., "text": ...,
"buttons": [...], "metadata": {"language": "en"}}``. It costs no tracker read: the tracker
store's ``save`` notes the slot of every tracker the turn saves (:func:`remember_languages`).

Behind it, a turn that fails (the action server down, a reply that never comes) gets a Danish
"try again, or call us" reply that the statistics record, and a tracker store that fails stops
the turn with a clear error instead of Rasa's silent in-memory fallback.

Enable it in ``credentials.yml`` with ``bot.dialogue.channel.GuardedRestInput:``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import re
import traceback
import unicodedata
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.core.lock_store import LockError
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, response
from sanic.exceptions import PayloadTooLarge, SanicException
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.dialogue import privacy
from bot.dialogue.privacy import (
    REDACTED,
    contains_cpr,
    install_log_redaction,
    pseudonymous_sender,
    redact_value,
    remainder_after_cpr,
)
from bot.dialogue.ratelimit import ExpiringLRU, TokenBucketLimiter, TurnCounter

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 16 * 1024
# A larger body is still read to its end (and dropped) up to this size, so that the client
# reads the 413 instead of a connection reset; beyond it the connection is closed.
MAX_DRAIN_BYTES = 16 * 1024 * 1024
MAX_METADATA_BYTES = 2 * 1024
MAX_METADATA_DEPTH = 4
# A request whose body has not arrived whole in this time is dropped (slow clients).
REQUEST_TIMEOUT_S = 10
_SENDER = re.compile(r"[A-Za-z0-9_.:\-]{1,128}")
# Intents the guard sends instead of (or before) the citizen's text.
INTENT_PERSONAL_DATA = "/personal_data"
# A remainder shorter than this many letters is not a question worth passing on.
_MIN_REMAINDER_LETTERS = 6
# How long the end of a conversation's last message is kept (in memory only) so that a CPR
# number split over two messages is caught; and how much of it.
TAIL_SECONDS = 10 * 60
TAIL_CHARS = 40
# Conversations are counted for the turn cap until they have been idle this long.
TURN_WINDOW_SECONDS = 60 * 60
# The conversation's language: the domain's slot, its values and the one it starts with.
LANGUAGE_SLOT = "language"
LANGUAGES = ("da", "en")
DEFAULT_LANGUAGE = "da"


class GuardError(Exception):
    """The request cannot be passed on; carries the HTTP status and a clear message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class TrackerStoreUnavailable(RasaException):
    """The tracker store failed; raised instead of Rasa's silent in-memory fallback."""


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> HTTPResponse:
    return response.json({"error": message, "status": status}, status=status, headers=headers)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(raw: str) -> float:
    value = float(raw)
    if not math.isfinite(value):
        raise ValueError("number out of range")
    return value


def clean_text(text: str) -> str:
    """``text`` that every store and log can take (PostgreSQL refuses NUL): lone surrogates
    replaced, invisible format characters (zero-width space, soft hyphen, bidi marks) removed,
    and every other character that is not printable (controls but newline and tab, spaces
    other than the plain one, private-use and unassigned code points) turned into a space.

    A space, not nothing: such a character may separate the groups of a CPR number, and
    removing it would join "22<nbsp>08<nbsp>1957<nbsp>8432" into one 12-digit group, which the
    guard rightly takes for an account number.
    """
    if text.isprintable():
        return text
    return "".join(
        "\ufffd"
        if "\ud800" <= ch <= "\udfff"
        else ch
        if ch.isprintable() or ch in "\n\t"
        else ""
        if unicodedata.category(ch) == "Cf"
        else " "
        for ch in text
    )


def _check_metadata(value: Any, depth: int = 0) -> Any:
    """Metadata cleaned like text, or GuardError when it is nested too deeply."""
    if depth > MAX_METADATA_DEPTH:
        raise GuardError(400, f'"metadata" is nested more than {MAX_METADATA_DEPTH} levels deep.')
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_text(k): _check_metadata(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_check_metadata(v, depth + 1) for v in value]
    return value


def parse_request(body: bytes, max_chars: int) -> tuple[str, str, dict[str, Any] | None]:
    """Validate a raw request body; return (sender, text, metadata) or raise GuardError.

    The sender is the client's id as sent (any id of the allowed syntax); the channel stores
    and logs only its pseudonym (:func:`bot.dialogue.privacy.pseudonymous_sender`).

    The text and metadata come back cleaned of control characters; the metadata also of CPR
    numbers. The text still holds them: :func:`guard_text` decides what Rasa gets.
    """
    if len(body) > MAX_BODY_BYTES:
        raise GuardError(413, f"Request body is larger than {MAX_BODY_BYTES} bytes.")
    if not body.strip():
        raise GuardError(400, 'Send a JSON object: {"sender": "<id>", "message": "<text>"}.')
    try:
        # Strictly UTF-8 (RFC 8259): no UTF-16 guessing, no encoded surrogates.
        payload = json.loads(
            body.decode("utf-8"), parse_constant=_reject_constant, parse_float=_finite_float
        )
    except RecursionError:
        raise GuardError(400, "The request body is nested too deeply.") from None
    except (ValueError, UnicodeDecodeError):
        raise GuardError(400, "The request body is not valid JSON.") from None
    if not isinstance(payload, dict):
        raise GuardError(400, 'Send a JSON object: {"sender": "<id>", "message": "<text>"}.')
    sender = payload.get("sender")
    if not isinstance(sender, str) or not _SENDER.fullmatch(sender):
        raise GuardError(
            400,
            '"sender" must be a conversation id of 1-128 letters, digits, "_", "-", "." or ":".',
        )
    text = payload.get("message")
    if not isinstance(text, str):
        raise GuardError(400, '"message" must be a text string.')
    text = clean_text(text)
    if not text.strip():
        raise GuardError(400, '"message" is empty.')
    if len(text) > max_chars:
        raise GuardError(413, f'"message" is longer than {max_chars} characters.')
    metadata = payload.get("metadata")
    if metadata is None or metadata == {}:
        return sender, text, None
    if not isinstance(metadata, dict):
        raise GuardError(400, '"metadata" must be a JSON object when given.')
    if len(json.dumps(metadata)) > MAX_METADATA_BYTES:
        raise GuardError(413, f'"metadata" is larger than {MAX_METADATA_BYTES} bytes.')
    return sender, text, redact_value(_check_metadata(metadata))


@dataclass(frozen=True)
class GuardedText:
    """What Rasa gets for one citizen message, in order, and whether a CPR number was removed."""

    texts: list[str]
    removed_cpr: bool


def guard_text(text: str, previous_tail: str = "") -> GuardedText:
    """The message(s) Rasa gets for one citizen message.

    * CPR found (also one begun at the end of the previous message): the personal-data intent,
      then what is left of the question (if anything).
    * Otherwise: the text unchanged.
    """
    across = privacy.cpr_across(previous_tail, text) if previous_tail else []
    if across:
        text = _cut(text, across)
    if not across and not contains_cpr(text):
        return GuardedText([text], removed_cpr=False)
    texts = [INTENT_PERSONAL_DATA]
    rest = remainder_after_cpr(text).replace(REDACTED, " ").strip()
    if sum(c.isalpha() for c in rest) >= _MIN_REMAINDER_LETTERS:
        texts.append(rest)
    return GuardedText(texts, removed_cpr=True)


def guarded_texts(text: str) -> list[str]:
    """:func:`guard_text` for a message on its own."""
    return guard_text(text).texts


def _cut(text: str, spans: Iterable[tuple[int, int]]) -> str:
    parts, last = [], 0
    for start, end in sorted(spans):
        parts.append(text[last:start])
        parts.append(" ")
        last = end
    parts.append(text[last:])
    return "".join(parts)


def tail_of(text: str) -> str:
    """The end of a message kept for the split-number check (CPR numbers already removed)."""
    return text[-TAIL_CHARS:]


def offered_payloads(events: Iterable[Any]) -> set[str]:
    """Every button payload the assistant offered in a conversation (its BotUttered events)."""
    payloads: set[str] = set()
    for event in events:
        data = getattr(event, "data", None)
        if getattr(event, "type_name", None) != "bot" or not isinstance(data, dict):
            continue
        for button in data.get("buttons") or []:
            if isinstance(button, dict) and isinstance(button.get("payload"), str):
                payloads.add(button["payload"])
    return payloads


def as_plain_text(text: str) -> str:
    """A ``/...`` message that is not an offered payload, as text Rasa will not parse as an
    intent: the leading slashes go."""
    return text.lstrip().lstrip("/").strip()


def language_of(tracker: Any) -> str:
    """The conversation's language: the tracker's ``language`` slot ("da" when unset)."""
    value = tracker.slots[LANGUAGE_SLOT].value if LANGUAGE_SLOT in tracker.slots else None
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


def remember_languages(store: Any, languages: ExpiringLRU[str]) -> None:
    """Make ``store.save`` note the language of every tracker it saves in ``languages`` (by
    sender id), once it is saved. Idempotent: a store that already notes into ``languages`` is
    left as it is.

    The channel reads the language of the turn it just passed on from there, instead of
    reading the tracker back from the store: the processor saves the tracker it has in hand at
    the end of every turn (Rasa's ``MessageProcessor.save_tracker``).
    """
    save = store.save
    if getattr(save, "remembers_languages_in", None) is languages:
        return

    async def save_and_remember(tracker: Any) -> None:
        await save(tracker)
        languages.set(tracker.sender_id, language_of(tracker))

    save_and_remember.remembers_languages_in = languages  # type: ignore[attr-defined]
    store.save = save_and_remember


def with_language(
    messages: list[dict[str, Any]], language: str, recipient_id: str | None = None
) -> list[dict[str, Any]]:
    """The bot messages, each with ``"metadata": {"language": language}`` (added to any
    metadata it has) and, when given, ``recipient_id`` (the client's own conversation id
    instead of its pseudonym)."""
    tagged = []
    for message in messages:
        metadata = message.get("metadata")
        metadata = dict(metadata) if isinstance(metadata, dict) else {}
        message = {**message, "metadata": {**metadata, "language": language}}
        if recipient_id is not None and "recipient_id" in message:
            message["recipient_id"] = recipient_id
        tagged.append(message)
    return tagged


class BodyTooLarge(Exception):
    """The request body is over :data:`MAX_BODY_BYTES`; ``drained`` says whether it was read
    to its end (the connection can answer cleanly) or not (over :data:`MAX_DRAIN_BYTES`)."""

    def __init__(self, drained: bool) -> None:
        super().__init__("request body too large")
        self.drained = drained


async def read_body(request: Request) -> bytes:
    """The body of a streamed request, or :class:`BodyTooLarge`.

    A body over :data:`MAX_BODY_BYTES` is read on to its end but not kept: a server that
    answers while the client is still sending and then closes the connection makes the
    client's kernel see a reset, and the client never reads the 413. A body that says (or
    turns out) to be over :data:`MAX_DRAIN_BYTES` is not read on.
    """
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_DRAIN_BYTES:
        raise BodyTooLarge(drained=False)
    stream = request.stream
    if stream is None:  # not a streamed route (a test app): Sanic read the body already
        body = request.body or b""
        if len(body) > MAX_BODY_BYTES:
            raise BodyTooLarge(drained=True)
        return body
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = await stream.read()
        if chunk is None:
            break
        size += len(chunk)
        if size <= MAX_BODY_BYTES:
            chunks.append(chunk)
        elif size > MAX_DRAIN_BYTES:
            raise BodyTooLarge(drained=False)
    if size > MAX_BODY_BYTES:
        raise BodyTooLarge(drained=True)
    return b"".join(chunks)


class GuardedRestInput(InputChannel):
    """Rasa's REST contract with the privacy guard; registered under the name ``rest``."""

    def __init__(self, max_chars: int | None = None) -> None:
        from bot.settings import get_settings

        settings = get_settings()
        self.secret_key = settings.secret_key
        self.max_chars = max_chars or settings.max_message_chars
        self.turn_timeout = float(settings.turn_timeout_seconds)
        self.proxies_count = settings.proxies_count
        self.per_address = TokenBucketLimiter(settings.rate_per_address)
        self.per_conversation = TokenBucketLimiter(settings.rate_per_conversation)
        self.turns = TurnCounter(settings.max_turns, TURN_WINDOW_SECONDS)
        self.tails: ExpiringLRU[str] = ExpiringLRU(50_000, TAIL_SECONDS)
        # The language of each recent conversation, as its last saved tracker had it.
        self.languages: ExpiringLRU[str] = ExpiringLRU(50_000, TURN_WINDOW_SECONDS)
        install_log_redaction()
        logging.getLogger("rasa.core.nlg.interpolator").addFilter(_not_a_payload_template)
        from bot.dialogue.action_payload import install as install_action_payload
        from bot.dialogue.action_validation import install as install_action_validation
        from bot.dialogue.model_loading import install as install_model_loading

        install_action_payload()
        install_action_validation()
        install_model_loading()  # before the Rasa server loads its model
        # Startup stops with a message naming file and field if the profile is invalid.
        from bot.knowledge.profile import get_profile

        get_profile()

    @classmethod
    def name(cls) -> str:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        credentials = credentials or {}
        return cls(max_chars=credentials.get("max_message_chars"))

    # -- the parts of a turn ---------------------------------------------------

    def _limit(self, request: Request, sender: str) -> HTTPResponse | None:
        """429 when the conversation has used up its turns (every request counts) or sends
        too fast."""
        language = self.languages.get(sender) or DEFAULT_LANGUAGE  # no tracker read when busy
        if not self.turns.hit(sender):
            return self._too_many(request, "utter_too_many_turns", None, language)
        wait = self.per_conversation.hit(sender)
        if wait:
            return self._too_many(request, "utter_too_many_messages", wait, language)
        return None

    def _too_many(
        self, request: Request, utter: str, wait: float | None, language: str = DEFAULT_LANGUAGE
    ) -> HTTPResponse:
        logger.info("Refused a request: rate limit (%s)", utter)
        headers = {"Retry-After": str(math.ceil(wait))} if wait else None
        return _error(429, _response_text(request, utter, language), headers)

    async def _plain_unless_offered(self, request: Request, sender: str, text: str) -> str:
        if not text.lstrip().startswith("/"):
            return text
        tracker = await request.app.ctx.agent.tracker_store.retrieve(sender)
        if tracker is not None and text in offered_payloads(tracker.events):
            return text
        return as_plain_text(text)

    async def _language(self, request: Request, sender: str) -> str:
        """The conversation's language after the turn: noted when the turn saved its tracker;
        read from the store only when no turn of this process has saved it (one read)."""
        remembered = self.languages.get(sender)
        if remembered is not None:
            return remembered
        try:
            tracker = await request.app.ctx.agent.tracker_store.retrieve(sender)
        except Exception as exc:  # the reply goes out anyway, in the default language
            logger.warning("Could not read the conversation's language: %s", _where(exc))
            return DEFAULT_LANGUAGE
        language = DEFAULT_LANGUAGE if tracker is None else language_of(tracker)
        self.languages.set(sender, language)
        return language

    async def _technical_error(
        self, request: Request, sender: str, collector: CollectingOutputChannel, record: bool
    ) -> None:
        """Tell the citizen to try again or call; record it for the statistics if asked."""
        from rasa.shared.core.events import BotUttered, SlotSet
        from rasa.shared.core.trackers import DialogueStateTracker

        from bot.dialogue.replies import Question
        from bot.dialogue.topics import get_registry
        from bot.knowledge.profile import get_profile
        from bot.settings import get_settings

        agent = request.app.ctx.agent
        topic = get_registry().get("technical_error")
        answer = topic.ask(get_profile(), Question(now=get_settings().now()))
        (reply,) = answer.replies
        store = agent.tracker_store
        if not record:
            tracker = DialogueStateTracker(sender, agent.domain.slots)
            message = await agent.nlg.generate(reply.response, tracker, "rest", **reply.variables)
            await collector.send_response(sender, message or {})
            return
        async with agent.lock_store.lock(sender):
            tracker = await store.get_or_create_tracker(sender)
            message = await agent.nlg.generate(reply.response, tracker, "rest", **reply.variables)
            message = message or {}
            tracker.update(
                BotUttered(
                    message.get("text"),
                    {k: v for k, v in message.items() if k != "text"},
                    {"utter_action": reply.response},
                )
            )
            tracker.update(SlotSet("turn_outcome", topic.outcome(answer).to_slot()))
            await store.save(tracker)
        await collector.send_response(sender, message)

    # -- the endpoint ----------------------------------------------------------

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("guarded_rest_webhook", __name__)

        @webhook.listener("before_server_start")
        async def limits(app: Any, _: Any) -> None:
            # Sanic refuses a larger body (413) on the other routes; the webhook streams its
            # body and reads a larger one to its end before answering 413 (read_body).
            app.config.REQUEST_MAX_SIZE = MAX_BODY_BYTES
            app.config.REQUEST_TIMEOUT = REQUEST_TIMEOUT_S
            if self.proxies_count:
                app.config.PROXIES_COUNT = self.proxies_count
            # Wrong paths and methods answer in the endpoint's JSON error format too.
            app.error_handler.add(SanicException, routing_error)

        @webhook.listener("after_server_start")
        async def strict_tracker_store(app: Any, _: Any) -> None:
            _fail_loudly_on_tracker_store_errors(app.ctx.agent)

        async def routing_error(_: Request, exc: SanicException) -> HTTPResponse:
            status = int(getattr(exc, "status_code", 500) or 500)
            if status >= 500:
                logger.error("Server error: %s", _where(exc))
                status, text = 503, "The assistant could not answer right now."
            else:
                text = str(exc.args[0]) if exc.args else type(exc).__name__
            return _error(status, text[:200])

        @webhook.exception(PayloadTooLarge)
        async def too_large(_: Request, __: Exception) -> HTTPResponse:
            return _error(413, f"Request body is larger than {MAX_BODY_BYTES} bytes.")

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            # Ready means "answers with a model": a Rasa server that pulls its model from a
            # model server starts without one when that is unreachable (docs/model-versions.md).
            agent = getattr(request.app.ctx, "agent", None)
            if agent is None or not agent.is_ready():
                return response.json({"status": "no model loaded yet"}, status=503)
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"], stream=True)
        async def receive(request: Request) -> HTTPResponse:
            try:
                body = await asyncio.wait_for(read_body(request), REQUEST_TIMEOUT_S)
            except BodyTooLarge as exc:
                logger.info("Refused a request: body larger than %d bytes", MAX_BODY_BYTES)
                headers = None if exc.drained else {"Connection": "close"}
                return _error(413, f"Request body is larger than {MAX_BODY_BYTES} bytes.", headers)
            except asyncio.TimeoutError:
                logger.info("Refused a request: body not received within %d s", REQUEST_TIMEOUT_S)
                return _error(
                    408, "The request body did not arrive in time.", {"Connection": "close"}
                )
            try:
                return await handle(request, body)
            except Exception as exc:
                logger.error("Handling a request failed: %s", _where(exc))
                return _error(503, "The assistant could not answer right now.")

        async def handle(request: Request, body: bytes) -> HTTPResponse:
            address = request.remote_addr or request.ip or "unknown"
            wait = self.per_address.hit(address)
            if wait:
                return self._too_many(request, "utter_too_many_messages", wait)
            try:
                client_id, text, metadata = parse_request(body, self.max_chars)
            except GuardError as exc:
                logger.info("Refused a request: %s", exc.message)
                return _error(exc.status, exc.message)
            # From here on the conversation is its pseudonym: Rasa, the stores, the logs, the
            # limits and the links the actions build (?s=) all see only that.
            sender = pseudonymous_sender(client_id, self.secret_key)
            limited = self._limit(request, sender)
            if limited is not None:
                return limited

            agent = getattr(request.app.ctx, "agent", None)
            if agent is not None:
                remember_languages(agent.tracker_store, self.languages)
            guarded = guard_text(text, self.tails.get(sender) or "")
            self.tails.set(sender, "" if guarded.removed_cpr else tail_of(text))
            collector = CollectingOutputChannel()
            try:
                texts = [
                    t
                    if t == INTENT_PERSONAL_DATA
                    else await self._plain_unless_offered(request, sender, t)
                    for t in guarded.texts
                ]
                texts = [t for t in texts if t]
                if not texts:
                    return _error(400, '"message" is empty.')
                for message_text in texts:
                    privacy.start_turn()
                    user_message = UserMessage(
                        message_text,
                        collector,
                        sender,
                        input_channel=self.name(),
                        metadata=metadata,
                    )
                    await asyncio.wait_for(on_new_message(user_message), self.turn_timeout)
                if not collector.messages:
                    # Every turn says something; silence means a part failed (Rasa logs it and
                    # carries on with no reply when the action server is down).
                    logger.error("A turn produced no reply; sending the technical-error reply.")
                    await self._technical_error(request, sender, collector, record=True)
            except asyncio.TimeoutError:
                logger.error(
                    "No reply within %.0f s; sending the technical-error reply.", self.turn_timeout
                )
                await self._technical_error(request, sender, collector, record=False)
            except TrackerStoreUnavailable as exc:
                logger.error("%s", exc)
                return _error(503, "The assistant cannot store the conversation right now.")
            except LockError as exc:
                # The lock store (Redis, shared by several Rasa replicas) failed or gave up:
                # the Danish "try again" reply, not stored (bot/dialogue/lock_store.py).
                logger.error(
                    "No conversation lock (%s); sending the technical-error reply.",
                    type(exc).__name__,
                )
                await self._technical_error(request, sender, collector, record=False)
            except Exception as exc:
                logger.error("Handling a message failed: %s", _where(exc))
                return _error(503, "The assistant could not answer right now.")
            language = await self._language(request, sender)
            return response.json(with_language(collector.messages, language, client_id))

        return webhook


def _not_a_payload_template(record: logging.LogRecord) -> bool:
    """Drop Rasa's false ERROR for button payloads such as ``/feedback{"helpful": "ja"}``:
    Rasa tries to fill the entity JSON as a slot template (rasa#6616) and keeps the payload."""
    return '"response": "/' not in record.getMessage()


def _where(exc: BaseException) -> str:
    """An error's type and the line that raised it, without its message: a message may quote
    the conversation (SQL parameters, a tracker, the citizen's text)."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    return f"{type(exc).__name__}{where}"


def _response_text(request: Request, utter: str, language: str = DEFAULT_LANGUAGE) -> str:
    """The text of a domain response in ``language`` (limits and faults are said in
    domain.yml): the variant whose condition is that language slot value, else the one
    without a condition (the Danish default)."""
    try:
        variants = request.app.ctx.agent.domain.responses[utter]
    except (AttributeError, KeyError, TypeError):
        return utter
    return response_variant_text(variants, language) or utter


def response_variant_text(variants: list[dict[str, Any]], language: str) -> str | None:
    """The text of the variant for ``language`` among a response's variants."""
    default = None
    for variant in variants:
        conditions = variant.get("condition") or []
        if not conditions:
            default = default if default is not None else variant.get("text")
        elif all(c.get("name") == LANGUAGE_SLOT and c.get("value") == language for c in conditions):
            return str(variant.get("text"))
    return None if default is None else str(default)


def _fail_loudly_on_tracker_store_errors(agent: Any) -> None:
    """Make Rasa's FailSafeTrackerStore raise instead of falling back to memory.

    Rasa wraps every tracker store in a ``FailSafeTrackerStore`` that, on an error, logs it and
    carries on with an in-memory store: a conversation would silently lose its history and the
    next turns would never be saved. Its documented hook ``on_tracker_store_error`` (a
    constructor argument; set here because Rasa builds the wrapper itself) is called instead of
    that log line, so raising there stops the turn with a clear error.
    """
    from rasa.core.tracker_store import FailSafeTrackerStore

    store = getattr(agent, "tracker_store", None)
    if not isinstance(store, FailSafeTrackerStore):
        return
    inner = type(getattr(store, "_tracker_store", store)).__name__

    def fail(error: Exception) -> None:
        raise TrackerStoreUnavailable(
            f"The tracker store ({inner}, endpoints.yml: tracker_store) failed: "
            f"{type(error).__name__}. The conversation was not saved."
        ) from None

    store._on_tracker_store_error = fail
