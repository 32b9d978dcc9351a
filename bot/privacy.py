"""Finding and removing CPR numbers before anything is stored or logged.

A CPR number is DDMMYY followed by four digits. Citizens write it in many ways; synthetic
examples: ``010190-1234``, ``0101901234``, ``010190 1234``, ``01 01 90 1234``, ``01.01.90-1234``.
We do not use the modulus-11 check: numbers issued since 2007 may fail it. Instead any ten digits
in that shape whose first six form a plausible date (day 01-31, or 61-91 for substitute numbers;
month 01-12) count.
A false positive only costs a redacted number, which is the safe side.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

REDACTED = "[CPR-nummer fjernet]"

_SEP = r"[ \t.\-/\u2010-\u2015]?"  # optional space, dot, hyphen, slash or any dash
_CPR = re.compile(
    rf"(?<![\d])(\d{{2}}){_SEP}(\d{{2}}){_SEP}(\d{{2}})\s*[ \-\u2010-\u2015]?\s*(\d{{4}})(?![\d])"
)
# Words citizens put in front of the number; removed with it so "mit cpr er" does not linger.
_LEAD_IN = re.compile(
    r"\b(?:(?:mit|min|mine|hans|hendes|vores)\s+)?"
    r"(?:cpr|cpr\.?\s*nr\.?|cpr[- ]?nummer|cprnummer|personnummer)\s*(?:er|:|=)?\s*$",
    re.IGNORECASE,
)


def _plausible(day: str, month: str) -> bool:
    d, m = int(day), int(month)
    return (1 <= d <= 31 or 61 <= d <= 91) and 1 <= m <= 12


def find_cpr(text: str) -> list[tuple[int, int]]:
    """Spans (start, end) of every CPR-shaped number in ``text``."""
    return [m.span() for m in _CPR.finditer(text) if _plausible(m.group(1), m.group(2))]


def contains_cpr(text: str) -> bool:
    return bool(find_cpr(text))


def redact_cpr(text: str) -> tuple[str, int]:
    """``text`` with every CPR number replaced by :data:`REDACTED`, and how many were found."""
    spans = find_cpr(text)
    if not spans:
        return text, 0
    parts: list[str] = []
    last = 0
    for start, end in spans:
        parts.append(text[last:start])
        parts.append(REDACTED)
        last = end
    parts.append(text[last:])
    return "".join(parts), len(spans)


def remainder_after_cpr(text: str) -> str:
    """What is left of a message when the CPR numbers and their lead-in words are taken out.

    "mit cpr er 010190-1234, hvornår åbner i?" -> "hvornår åbner i?"  (synthetic number)
    """
    spans = find_cpr(text)
    pieces: list[str] = []
    last = 0
    for start, end in spans:
        before = _LEAD_IN.sub("", text[last:start])
        pieces.append(before)
        last = end
    pieces.append(text[last:])
    joined = " ".join(p.strip(" ,.;:-") for p in pieces)
    return re.sub(r"\s+", " ", joined).strip()


def redact_value(value: Any) -> Any:
    """Redact every string inside nested dicts, lists and tuples (e.g. message metadata)."""
    if isinstance(value, str):
        return redact_cpr(value)[0]
    if isinstance(value, Mapping):
        return {redact_value(k): redact_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_value(v) for v in value]
    return value


_installed = False


def install_log_redaction() -> None:
    """Make every log record in this process CPR-free, whichever handler writes it.

    A record factory (not a handler filter) covers handlers added later too, such as the
    file handler Rasa adds for ``--log-file``. Idempotent.
    """
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep the raw parts, redacted
            message = f"{record.msg} {record.args}"
        redacted, found = redact_cpr(message)
        if found:
            record.msg, record.args = redacted, ()
        return record

    logging.setLogRecordFactory(factory)
    _installed = True
