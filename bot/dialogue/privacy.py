"""The privacy guard besides the CPR scanner (:mod:`bot.dialogue.cpr`).

* the second net: a user message the NLU calls personal data has every run of digits masked;
* sender ids: the pseudonym a conversation is stored and logged under;
* structured values: CPR numbers redacted from JSON-like values, at any depth;
* logging: every log record of the process made CPR-free, whichever handler writes it.
"""

from __future__ import annotations

import contextvars
import copy
import hashlib
import hmac
import logging
import math
from collections.abc import Mapping
from typing import Any

from bot.dialogue.cpr import LETTER, MARK, REDACTED, classify, find_cpr, has_digit, redact_cpr

# -- the second net: messages the NLU calls personal data ---------------------------------------

PERSONAL_DATA_INTENT = "personal_data"
MASKED_NUMBER = "[nummer fjernet]"
MIN_MASKED_DIGITS = 6  # a run of this many digits or more is masked


def mask_digit_runs(text: str, min_digits: int = MIN_MASKED_DIGITS) -> tuple[str, int]:
    """``text`` with every run of ``min_digits`` or more digits replaced by
    :data:`MASKED_NUMBER`, and how many runs were masked.

    A run is digits (any script) with anything but letters between them, however much:
    "991399 1234", "12-34-56", "1 2 3 4 5 6", "12, 34; 56" are each one run. A letter ends a
    run. Unlike :func:`find_cpr` nothing is checked (no date, no group lengths): it is meant
    for a message that the NLU already calls personal data. Linear in the text's length.
    """
    if not text or not has_digit(text):
        return text, 0
    parts: list[str] = []
    last = 0
    masked = 0
    run_start = run_end = -1
    count = 0
    for i, ch in enumerate(text):
        cls = classify(ch)
        if cls <= 9:
            if count == 0:
                run_start = i
            count += 1
            run_end = i + 1
        elif cls == MARK:
            if count and run_end == i:
                run_end = i + 1  # a keycap or other mark on the digit belongs to it
        elif cls == LETTER:  # a letter ends the run
            if count >= min_digits:
                parts += [text[last:run_start], MASKED_NUMBER]
                last = run_end
                masked += 1
            count = 0
    if count >= min_digits:
        parts += [text[last:run_start], MASKED_NUMBER]
        last = run_end
        masked += 1
    if not masked:
        return text, 0
    parts.append(text[last:])
    return "".join(parts), masked


def _mask_strings(value: Any, min_digits: int = MIN_MASKED_DIGITS) -> Any:
    if isinstance(value, str):
        return mask_digit_runs(value, min_digits)[0]
    if isinstance(value, dict):
        return {k: _mask_strings(v, min_digits) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask_strings(v, min_digits) for v in value]
    return value


def is_personal_data_event(event: Mapping[str, Any]) -> bool:
    """Whether ``event`` (a Rasa event as a dict) is a user message the NLU classified as
    :data:`PERSONAL_DATA_INTENT`."""
    if event.get("event") != "user":
        return False
    parse_data = event.get("parse_data")
    intent = parse_data.get("intent") if isinstance(parse_data, Mapping) else None
    return isinstance(intent, Mapping) and intent.get("name") == PERSONAL_DATA_INTENT


def mask_personal_data_event(event: dict[str, Any]) -> dict[str, Any]:
    """The second net behind the CPR guard: a user message that the NLU classified as
    personal data has every run of 6 or more digits masked (:func:`mask_digit_runs`) in its
    text, the parsed text, the entities and the metadata. Other events come back as they are
    (the same object); a masked event is a copy.

    The tracker store applies it to every event it stores and publishes
    (bot/rasa_server/tracker_store.py), so the tracker store, the statistics, the review store
    and the event queue get the masked text.
    """
    if not is_personal_data_event(event):
        return event
    masked = copy.deepcopy(event)
    if isinstance(masked.get("text"), str):
        masked["text"] = mask_digit_runs(masked["text"])[0]
    if "metadata" in masked:
        masked["metadata"] = _mask_strings(masked["metadata"])
    parse_data = masked["parse_data"]
    for key in ("text", "metadata"):
        if key in parse_data:
            parse_data[key] = _mask_strings(parse_data[key])
    if "entities" in parse_data:
        # An entity is a piece of the message: any digits in it go (a piece of a masked run
        # can be short).
        parse_data["entities"] = _mask_strings(parse_data["entities"], min_digits=1)
    return masked


# -- sender ids --------------------------------------------------------------------------------

_PSEUDONYM_PREFIX = "p-"
_PSEUDONYM_LETTERS = "abcdefghijklmnop"  # one letter per 4 bits: no digits, so no CPR-shaped id


def pseudonymous_sender(sender: str, secret_key: str) -> str:
    """The id a conversation is stored and logged under: ``p-`` and 32 letters, a keyed hash
    (HMAC-SHA256, 128 bits kept) of the client's conversation id with the server's secret.

    The same client id always gives the same pseudonym (the conversation continues); without
    the secret the client id cannot be found from it, and nothing the client puts in the id
    (a CPR number, an e-mail address) reaches a store or a log. Letters only: a pseudonym never
    looks like a number.
    """
    digest = hmac.new(
        secret_key.encode("utf-8"), b"sender-id\x00" + sender.encode("utf-8"), hashlib.sha256
    ).digest()[:16]
    return _PSEUDONYM_PREFIX + "".join(
        _PSEUDONYM_LETTERS[b >> 4] + _PSEUDONYM_LETTERS[b & 15] for b in digest
    )


# -- structured values ------------------------------------------------------------------------


def _number_has_cpr(value: int | float) -> bool:
    """Whether a number's digits hold a CPR number (a leading zero an int lost included)."""
    if isinstance(value, float):
        if not math.isfinite(value):
            return False
        if find_cpr(repr(value)):
            return True
        value = int(value)
    value = abs(value)
    if not 10**8 <= value < 10**10:
        return False  # a single group of other lengths is never a CPR number
    digits = str(value)
    return bool(find_cpr(digits) or (len(digits) == 9 and find_cpr("0" + digits)))


def _redact_scalar(value: Any) -> Any:
    if isinstance(value, str):
        return redact_cpr(value)[0]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        return REDACTED if _number_has_cpr(value) else value
    return value


def _redact_key(key: Any) -> Any:
    if isinstance(key, tuple):
        return tuple(redact_value(k) for k in key)
    return _redact_scalar(key)


def redact_value(value: Any) -> Any:
    """A copy of a JSON-like value with every CPR number redacted.

    Strings are redacted in place; an int or float whose digits hold a CPR number becomes the
    string :data:`REDACTED`; dicts (keys too), lists and tuples are walked without recursion,
    so any depth works. Other values are returned unchanged.
    """
    if not isinstance(value, (Mapping, list, tuple)):
        return _redact_scalar(value)
    # Frames: [source container, item iterator, collected items, key awaiting its value].
    result: list[Any] = []
    active: set[int] = set()

    def open_frame(container: Any) -> list[Any]:
        if id(container) in active:
            raise ValueError("redact_value: the value contains itself")
        active.add(id(container))
        items = iter(container.items()) if isinstance(container, Mapping) else iter(container)
        return [container, items, [], None]

    stack = [open_frame(value)]
    while stack:
        frame = stack[-1]
        source, items, collected, _ = frame
        is_mapping = isinstance(source, Mapping)
        for item in items:
            if is_mapping:
                key, child = item
                frame[3] = _redact_key(key)
            else:
                child = item
            if isinstance(child, (Mapping, list, tuple)):
                stack.append(open_frame(child))
                break
            redacted = _redact_scalar(child)
            collected.append((frame[3], redacted) if is_mapping else redacted)
        else:
            stack.pop()
            active.discard(id(source))
            built: Any
            if is_mapping:
                built = {}
                for key, child in collected:
                    unique, n = key, 2
                    while unique in built:  # two keys redacted to the same text
                        unique, n = f"{key} ({n})", n + 1
                    built[unique] = child
            elif isinstance(source, tuple):
                built = tuple(collected)
            else:
                built = collected
            if stack:
                parent = stack[-1]
                if isinstance(parent[0], Mapping):
                    parent[2].append((parent[3], built))
                else:
                    parent[2].append(built)
            else:
                result.append(built)
    return result[0]


# -- logging ----------------------------------------------------------------------------------

_installed = False
# Set (in the turn's context) once the NLU's debug record says the message is personal data:
# every later record of that turn has its digit runs masked too (Rasa's policies log the
# message text again, without the intent). The channel starts each message with it unset.
_personal_data_turn: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "personal_data_turn", default=False
)


def start_turn() -> None:
    """A new message is handled in this context: forget an earlier personal-data message."""
    _personal_data_turn.set(False)


_exception_formatter = logging.Formatter()


def _redact_record(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: keep the raw parts, redacted
        message = f"{record.msg} {record.args}"
    if has_digit(message):
        redacted, found = redact_cpr(message)
        if PERSONAL_DATA_INTENT in redacted:
            # Rasa's debug record of a message the NLU calls personal data (the second net).
            _personal_data_turn.set(True)
        if _personal_data_turn.get():
            redacted, masked = mask_digit_runs(redacted)
            found += masked
        if found:
            record.msg, record.args = redacted, ()
    if record.exc_info:
        # Format the traceback now, redacted; standard formatters print exc_text as it is.
        text = _exception_formatter.formatException(record.exc_info)
        redacted, found = redact_cpr(text)
        record.exc_text = redacted
        if found:
            record.exc_info = None  # no formatter may render the unredacted original
    if record.stack_info:
        record.stack_info = redact_cpr(record.stack_info)[0]


def install_log_redaction() -> None:
    """Make every log record in this process CPR-free, whichever handler writes it.

    A record factory (not a handler filter) covers handlers added later too, such as the
    file handler Rasa adds for ``--log-file``. The message, the traceback (``exc_text``) and
    ``stack_info`` are redacted; Python warnings are routed through logging so they are too.
    Idempotent.
    """
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        _redact_record(record)
        return record

    logging.setLogRecordFactory(factory)
    logging.captureWarnings(True)
    _installed = True
