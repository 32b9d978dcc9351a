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
store's ``save`` notes the slot of every tracker the turn saves
(:func:`bot.rasa_server.languages.remember_languages`).

Behind it, a turn that fails (the action server down, a reply that never comes) gets a Danish
"try again, or call us" reply that the statistics record, and a tracker store that fails stops
the turn with a clear error instead of Rasa's silent in-memory fallback.

The parts live beside it: the request checks in :mod:`bot.rasa_server.guard`, the language in
:mod:`bot.rasa_server.languages`, failed turns in :mod:`bot.rasa_server.turn_errors`. Rasa
builds this channel before it loads the model, so its constructor starts with
:func:`bot.rasa_server.startup.install`, which puts the bot's Rasa replacements in place.

Enable it in ``credentials.yml`` with ``bot.rasa_server.channel.GuardedRestInput:``.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.core.lock_store import LockError
from sanic import Blueprint, response
from sanic.exceptions import PayloadTooLarge, SanicException
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.dialogue import privacy
from bot.dialogue.privacy import pseudonymous_sender
from bot.rasa_server import startup
from bot.rasa_server.guard import (
    INTENT_PERSONAL_DATA,
    MAX_BODY_BYTES,
    REQUEST_TIMEOUT_S,
    TAIL_SECONDS,
    BodyTooLarge,
    GuardError,
    as_plain_text,
    error_response,
    guard_text,
    offered_payloads,
    parse_request,
    read_body,
    tail_of,
)
from bot.rasa_server.languages import (
    DEFAULT_LANGUAGE,
    language_of,
    remember_languages,
    response_text,
    with_language,
)
from bot.rasa_server.ratelimit import ExpiringLRU, TokenBucketLimiter, TurnCounter
from bot.rasa_server.turn_errors import (
    TrackerStoreUnavailable,
    fail_loudly_on_tracker_store_errors,
    technical_error,
    where,
)

logger = logging.getLogger(__name__)

# Conversations are counted for the turn cap until they have been idle this long.
TURN_WINDOW_SECONDS = 60 * 60


class GuardedRestInput(InputChannel):
    """Rasa's REST contract with the privacy guard; registered under the name ``rest``."""

    def __init__(self, max_chars: int | None = None) -> None:
        startup.install()  # first: before Rasa loads the model (see the module)
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
        return error_response(429, response_text(request, utter, language), headers)

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
            logger.warning("Could not read the conversation's language: %s", where(exc))
            return DEFAULT_LANGUAGE
        language = DEFAULT_LANGUAGE if tracker is None else language_of(tracker)
        self.languages.set(sender, language)
        return language

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
        async def tracker_store_hooks(app: Any, _: Any) -> None:
            # Rasa loaded the agent with its tracker store before the server started.
            agent = getattr(app.ctx, "agent", None)
            fail_loudly_on_tracker_store_errors(agent)
            if agent is not None:
                remember_languages(agent.tracker_store, self.languages)

        async def routing_error(_: Request, exc: SanicException) -> HTTPResponse:
            status = int(getattr(exc, "status_code", 500) or 500)
            if status >= 500:
                logger.error("Server error: %s", where(exc))
                status, text = 503, "The assistant could not answer right now."
            else:
                text = str(exc.args[0]) if exc.args else type(exc).__name__
            return error_response(status, text[:200])

        @webhook.exception(PayloadTooLarge)
        async def too_large(_: Request, __: Exception) -> HTTPResponse:
            return error_response(413, f"Request body is larger than {MAX_BODY_BYTES} bytes.")

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
                too_large = f"Request body is larger than {MAX_BODY_BYTES} bytes."
                return error_response(413, too_large, headers)
            except asyncio.TimeoutError:
                logger.info("Refused a request: body not received within %d s", REQUEST_TIMEOUT_S)
                return error_response(
                    408, "The request body did not arrive in time.", {"Connection": "close"}
                )
            try:
                return await handle(request, body)
            except Exception as exc:
                logger.error("Handling a request failed: %s", where(exc))
                return error_response(503, "The assistant could not answer right now.")

        async def handle(request: Request, body: bytes) -> HTTPResponse:
            address = request.remote_addr or request.ip or "unknown"
            wait = self.per_address.hit(address)
            if wait:
                return self._too_many(request, "utter_too_many_messages", wait)
            try:
                client_id, text, metadata = parse_request(body, self.max_chars)
            except GuardError as exc:
                logger.info("Refused a request: %s", exc.message)
                return error_response(exc.status, exc.message)
            # From here on the conversation is its pseudonym: Rasa, the stores, the logs, the
            # limits and the links the actions build (?s=) all see only that.
            sender = pseudonymous_sender(client_id, self.secret_key)
            limited = self._limit(request, sender)
            if limited is not None:
                return limited

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
                    return error_response(400, '"message" is empty.')
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
                    await technical_error(request.app.ctx.agent, sender, collector, record=True)
            except asyncio.TimeoutError:
                logger.error(
                    "No reply within %.0f s; sending the technical-error reply.", self.turn_timeout
                )
                await technical_error(request.app.ctx.agent, sender, collector, record=False)
            except TrackerStoreUnavailable as exc:
                logger.error("%s", exc)
                return error_response(503, "The assistant cannot store the conversation right now.")
            except LockError as exc:
                # The lock store (Redis, shared by several Rasa replicas) failed or gave up:
                # the Danish "try again" reply, not stored (bot/rasa_server/lock_store.py).
                logger.error(
                    "No conversation lock (%s); sending the technical-error reply.",
                    type(exc).__name__,
                )
                await technical_error(request.app.ctx.agent, sender, collector, record=False)
            except Exception as exc:
                logger.error("Handling a message failed: %s", where(exc))
                return error_response(503, "The assistant could not answer right now.")
            language = await self._language(request, sender)
            return response.json(with_language(collector.messages, language, client_id))

        return webhook

