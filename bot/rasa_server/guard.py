"""The guard in front of Rasa: what a request to the citizen endpoint may be, and what of it
Rasa gets.

Every check here is pure and bounded (linear in the input, limits on body, metadata and text),
so a hostile request costs little and never reaches Rasa: a body over 16 KB gets a 413, a
malformed one a clear 4xx JSON error, control and invisible characters are cleaned for every
store, a CPR number (also one split over two messages) is taken out of the text and the
metadata and replaced by the personal-data intent, and a ``/intent`` message counts only when
it is a button payload the assistant offered. :mod:`bot.rasa_server.channel` applies it.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.dialogue.cpr import REDACTED, contains_cpr, cpr_across, remainder_after_cpr
from bot.dialogue.privacy import redact_value

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


class GuardError(Exception):
    """The request cannot be passed on; carries the HTTP status and a clear message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def error_response(
    status: int, message: str, headers: dict[str, str] | None = None
) -> HTTPResponse:
    """The endpoint's JSON error: ``{"error": message, "status": status}``."""
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
    across = cpr_across(previous_tail, text) if previous_tail else []
    if across:
        text = _cut(text, across)
    if not across and not contains_cpr(text):
        return GuardedText([text], removed_cpr=False)
    texts = [INTENT_PERSONAL_DATA]
    rest = remainder_after_cpr(text).replace(REDACTED, " ").strip()
    if sum(c.isalpha() for c in rest) >= _MIN_REMAINDER_LETTERS:
        texts.append(rest)
    return GuardedText(texts, removed_cpr=True)


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

