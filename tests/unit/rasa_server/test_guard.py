"""The request guard in front of Rasa (pure logic; the HTTP path is in tests/integration)."""

import json

import pytest

from bot.rasa_server.guard import (
    INTENT_PERSONAL_DATA,
    MAX_BODY_BYTES,
    GuardedText,
    GuardError,
    as_plain_text,
    clean_text,
    guard_text,
    offered_payloads,
    parse_request,
    tail_of,
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


# -- bounded work, odd input ---------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "status", "says"),
    [
        (
            b'{"sender": "a", "message": "hej", "metadata": ' + b"[" * 5000 + b"]" * 5000 + b"}",
            400,
            "nested",
        ),
        (b"[" * 10000 + b"]" * 10000, 413, "larger"),
        (
            body(sender="a", message="hej", metadata={"a": {"b": {"c": {"d": {"e": 1}}}}}),
            400,
            "nested",
        ),
        (body(sender="a", message="hej", metadata={"x": " " * 3000}), 413, "metadata"),
        (b'{"sender": "a", "message": "hej", "metadata": {"x": NaN}}', 400, "JSON"),
        (b'{"sender": "a", "message": "hej", "metadata": {"x": 1e999999}}', 400, "JSON"),
        (body(sender="a", message="\u0000\u0001"), 400, "empty"),
    ],
)
def test_bounded_and_odd_requests(raw: bytes, status: int, says: str) -> None:
    with pytest.raises(GuardError) as err:
        parse_request(raw, 500)
    assert err.value.status == status
    assert says in err.value.message


@pytest.mark.parametrize("sender", ["0101901234", "01.01.90.1234", "a0101901234", "w-abc"])
def test_any_sender_id_of_the_allowed_syntax_is_accepted(sender: str) -> None:
    # A CPR-shaped id (a UUID-using widget makes one now and then) is not refused: the channel
    # stores only its pseudonym (tests/unit/dialogue/test_pseudonyms.py).
    assert parse_request(body(sender=sender, message="hej"), 500) == (sender, "hej", None)


def test_text_and_metadata_are_cleaned_for_every_store() -> None:
    raw = b'{"sender": "a", "message": "hej\\u0000 med\\ud800 dig", "metadata": {"k": "v\\u0000"}}'
    _, text, meta = parse_request(raw, 500)
    assert text == "hej  med\ufffd dig"
    assert meta == {"k": "v "}
    assert clean_text("linje 1\nlinje 2\ttab") == "linje 1\nlinje 2\ttab"
    # Spaces other than the plain one (and other invisible separators) stay separators;
    # format characters go.
    assert clean_text("22\u00a008\u20091957\u30008432") == "22 08 1957 8432"
    assert clean_text("22\ue00008\x0119") == "22 08 19"
    assert clean_text("01\u200b01\u00ad90") == "010190"


def test_metadata_numbers_with_a_cpr_are_removed() -> None:
    _, _, meta = parse_request(body(sender="a", message="hej", metadata={"n": [2304778813]}), 500)
    assert "2304778813" not in json.dumps(meta)


# -- a number split over two messages -------------------------------------------------


def test_a_number_split_over_two_messages_is_caught_in_the_second() -> None:
    first = guard_text("mit cpr er 230477")  # synthetic; a date of birth alone passes
    assert first == GuardedText(["mit cpr er 230477"], removed_cpr=False)
    second = guard_text("8813", tail_of("mit cpr er 230477"))
    assert second.removed_cpr and second.texts == [INTENT_PERSONAL_DATA]
    unrelated = guard_text("hvornår åbner i", tail_of("mit cpr er 230477"))
    assert unrelated == GuardedText(["hvornår åbner i"], removed_cpr=False)


# -- /intent messages -------------------------------------------------------------------


def test_offered_payloads_come_from_the_assistants_buttons() -> None:
    from rasa.shared.core.events import BotUttered, UserUttered

    events = [
        UserUttered("hej"),
        BotUttered(
            "Fik du svar?", {"buttons": [{"title": "Ja", "payload": '/feedback{"helpful": "ja"}'}]}
        ),
        BotUttered("tekst uden knapper"),
    ]
    assert offered_payloads(events) == {'/feedback{"helpful": "ja"}'}


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ('/feedback{"helpful":"ja"}', 'feedback{"helpful":"ja"}'),
        ("  //greet", "greet"),
        ("/", ""),
    ],
)
def test_unoffered_slash_messages_become_plain_text(text: str, plain: str) -> None:
    assert as_plain_text(text) == plain
