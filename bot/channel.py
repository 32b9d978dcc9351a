"""The citizen REST endpoint with the privacy guard in front of Rasa.

It replaces Rasa's ``rest`` channel at the same path (``/webhooks/rest/webhook``) and keeps its
contract: POST ``{"sender": "...", "message": "..."}`` and get back a JSON list of bot messages.
Before Rasa sees anything, the guard

* refuses malformed requests with a clear 4xx JSON error (never a 500),
* removes CPR numbers from the text and the metadata, and makes the assistant warn the citizen
  (the number never reaches the tracker store, a log line or a table),
* refuses messages longer than BOT_MAX_MESSAGE_CHARS with 413 (the widget limits input too).

Enable it in ``credentials.yml`` with ``bot.channel.GuardedRestInput:``.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.privacy import contains_cpr, install_log_redaction, redact_value, remainder_after_cpr

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 16 * 1024
_SENDER = re.compile(r"^[A-Za-z0-9_.:\-]{1,128}$")
# Intents the guard sends instead of (or before) the citizen's text.
INTENT_PERSONAL_DATA = "/personal_data"
# A remainder shorter than this many letters is not a question worth passing on.
_MIN_REMAINDER_LETTERS = 6


class GuardError(Exception):
    """The request cannot be passed on; carries the HTTP status and a clear message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _error(status: int, message: str) -> HTTPResponse:
    return response.json({"error": message, "status": status}, status=status)


def parse_request(body: bytes, max_chars: int) -> tuple[str, str, dict[str, Any] | None]:
    """Validate a raw request body; return (sender, text, metadata) or raise GuardError."""
    if len(body) > MAX_BODY_BYTES:
        raise GuardError(413, f"Request body is larger than {MAX_BODY_BYTES} bytes.")
    if not body.strip():
        raise GuardError(400, 'Send a JSON object: {"sender": "<id>", "message": "<text>"}.')
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise GuardError(400, "The request body is not valid JSON.") from None
    if not isinstance(payload, dict):
        raise GuardError(400, 'Send a JSON object: {"sender": "<id>", "message": "<text>"}.')
    sender = payload.get("sender")
    if not isinstance(sender, str) or not _SENDER.match(sender) or contains_cpr(sender):
        raise GuardError(
            400,
            '"sender" must be a conversation id of 1-128 letters, digits, "_", "-", "." or ":".',
        )
    text = payload.get("message")
    if not isinstance(text, str):
        raise GuardError(400, '"message" must be a text string.')
    if not text.strip():
        raise GuardError(400, '"message" is empty.')
    if len(text) > max_chars:
        raise GuardError(413, f'"message" is longer than {max_chars} characters.')
    metadata = payload.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise GuardError(400, '"metadata" must be a JSON object when given.')
    return sender, text, redact_value(metadata) if metadata else None


def guarded_texts(text: str) -> list[str]:
    """The message(s) Rasa gets for one citizen message, in order.

    * CPR found: the personal-data intent, then what is left of the question (if anything).
    * Otherwise: the text unchanged.
    """
    if not contains_cpr(text):
        return [text]
    texts = [INTENT_PERSONAL_DATA]
    rest = remainder_after_cpr(text)
    if sum(c.isalpha() for c in rest) >= _MIN_REMAINDER_LETTERS:
        texts.append(rest)
    return texts


class GuardedRestInput(InputChannel):
    """Rasa's REST contract with the privacy guard; registered under the name ``rest``."""

    def __init__(self, max_chars: int | None = None) -> None:
        from bot.settings import get_settings

        self.max_chars = max_chars or get_settings().max_message_chars
        install_log_redaction()
        # Startup stops with a message naming file and field if the profile is invalid.
        from bot.profile import get_profile

        get_profile()

    @classmethod
    def name(cls) -> str:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        credentials = credentials or {}
        return cls(max_chars=credentials.get("max_message_chars"))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("guarded_rest_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                sender, text, metadata = parse_request(request.body or b"", self.max_chars)
            except GuardError as exc:
                logger.info("Refused a request: %s", exc.message)
                return _error(exc.status, exc.message)
            collector = CollectingOutputChannel()
            for message_text in guarded_texts(text):
                try:
                    await on_new_message(
                        UserMessage(
                            message_text,
                            collector,
                            sender,
                            input_channel=self.name(),
                            metadata=metadata,
                        )
                    )
                except Exception:
                    # Never log the text; it is already redacted, but keep logs minimal.
                    logger.exception("Handling a message for a conversation failed.")
                    return _error(503, "The assistant could not answer right now.")
            return response.json(collector.messages)

        return webhook
