"""The request guard in front of Rasa (pure logic; the HTTP path is in tests/integration)."""

import json

import pytest

from bot.channel import (
    INTENT_PERSONAL_DATA,
    MAX_BODY_BYTES,
    GuardError,
    guarded_texts,
    parse_request,
)


def body(**kw: object) -> bytes:
    return json.dumps(kw).encode()


def test_valid_request() -> None:
    assert parse_request(body(sender="abc-1", message="hej"), 500) == ("abc-1", "hej", None)


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b"", 400),
        (b"not json", 400),
        (b"[1, 2]", 400),
        (body(message="hej"), 400),  # no sender
        (body(sender="a b", message="hej"), 400),  # bad sender id
        (body(sender="0101901234", message="hej"), 400),  # CPR as sender id
        (body(sender="a", message=5), 400),
        (body(sender="a", message=None), 400),
        (body(sender="a", message="   "), 400),
        (body(sender="a", message="hej", metadata="x"), 400),
        (b"\xff\xfe", 400),
        (b"{" + b" " * MAX_BODY_BYTES + b"}", 413),
        (body(sender="a", message="x" * 501), 413),
    ],
)
def test_bad_requests_get_a_clear_4xx(raw: bytes, status: int) -> None:
    with pytest.raises(GuardError) as err:
        parse_request(raw, 500)
    assert err.value.status == status
    assert err.value.message


def test_metadata_cpr_is_removed() -> None:
    _, _, meta = parse_request(
        body(sender="a", message="hej", metadata={"page": "0101901234"}), 500
    )
    assert meta == {"page": "[CPR-nummer fjernet]"}


def test_cpr_message_becomes_warning_plus_question() -> None:
    texts = guarded_texts("mit cpr er 010190-1234, hvornår har borgerservice åbent?")
    assert texts == [INTENT_PERSONAL_DATA, "hvornår har borgerservice åbent?"]


def test_cpr_alone_becomes_only_the_warning() -> None:
    assert guarded_texts("mit cpr er 0101901234") == [INTENT_PERSONAL_DATA]


def test_message_without_cpr_is_unchanged() -> None:
    assert guarded_texts("hej") == ["hej"]
