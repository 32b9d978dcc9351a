"""A corpus of hostile and malformed requests for the citizen endpoint (tests/test_hostile.py).

Every case is one HTTP request with the statuses the endpoint's contract allows for it
(bot/rasa_server/guard.py, README "Privacy guard and bad input"). Cases run in order; a few share a
conversation (a CPR number split over two messages).

CPR numbers: only synthetic ones, and none of those in test_privacy.py. Each is a calendar day
(the guard checks DD/MM against the calendar) in a year 50-57 with a serial starting with 5-8:
by the CPR century rule (7th digit 5-8 and year 00-57 means 2000-2057) that is a birth in the
2050s, so no one has the number. Spellings with a four-digit year write 19YY, which the serial
contradicts, so they are nobody's either. Every case gets its own number, so a number found on
disk names the case that leaked it.
"""

from __future__ import annotations

import gzip
import json
import random
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

WARNING = "Skriv ikke dit CPR-nummer"

OK = frozenset({200})
BAD = frozenset({400})
TOO_LARGE = frozenset({413})
OK_OR_BAD = frozenset({200, 400})
# The contract says 400 for metadata that is too large or too deep (413 is for the body and the
# message); a request under the server's metadata limits is answered normally.
METADATA_REFUSED_OR_OK = frozenset({200, 400, 413})  # 413: over the metadata size limit
WRONG_METHOD = frozenset({404, 405})
NOT_FOUND = frozenset({404})

JSON_HEADERS = {"Content-Type": "application/json"}


def synthetic_cpr(i: int) -> str:
    """The i-th synthetic CPR number: ten digits DDMMYYSSSS born in the 2050s (see above)."""
    day = 1 + (7 * i) % 28
    month = 1 + (5 * i) % 12
    year = 50 + i % 8
    serial = 5000 + (1237 * i + 821) % 4000
    return f"{day:02d}{month:02d}{year:02d}{serial:04d}"


def _digits(number: str, zero: str) -> str:
    return "".join(chr(ord(zero) + int(d)) for d in number)


def spell(number: str, style: str) -> str:
    """``number`` (ten ASCII digits) written the way a citizen (or an attacker) might."""
    dd, mm, yy, ssss = number[0:2], number[2:4], number[4:6], number[6:10]
    yyyy = "19" + yy
    spellings = {
        "hyphen": f"{dd}{mm}{yy}-{ssss}",
        "plain": number,
        "space": f"{dd}{mm}{yy} {ssss}",
        "groups": f"{dd} {mm} {yy} {ssss}",
        "dots": f"{dd}.{mm}.{yy}-{ssss}",
        "slashes": f"{dd}/{mm}/{yy}-{ssss}",
        "slashes_space": f"{dd}/{mm}/{yy} {ssss}",
        "minus_sign": f"{dd}{mm}{yy}\u2212{ssss}",
        "en_dash": f"{dd}{mm}{yy}\u2013{ssss}",
        "em_dash": f"{dd}{mm}{yy}\u2014{ssss}",
        "nbsp": f"{dd}{mm}{yy}\u00a0{ssss}",
        "thin_space": f"{dd}{mm}{yy}\u2009{ssss}",
        "nbsp_groups": f"{dd}\u00a0{mm}\u00a0{yy}\u00a0{ssss}",
        "dots_en_dash": f"{dd}.{mm}.{yy}\u2013{ssss}",
        "every_digit_spaced": " ".join(number),
        "year4_dots": f"{dd}.{mm}.{yyyy}-{ssss}",
        "year4_plain": f"{dd}{mm}{yyyy}-{ssss}",
        "year4_hyphens": f"{dd}-{mm}-{yyyy}-{ssss}",
        "fullwidth": _digits(number[:6], "\uff10") + "\uff0d" + _digits(ssss, "\uff10"),
        "fullwidth_plain": _digits(number, "\uff10"),
        "arabic_indic": _digits(number[:6], "\u0660") + "-" + _digits(ssss, "\u0660"),
        "arabic_indic_plain": _digits(number, "\u0660"),
        "zero_width_spaces": "\u200b".join(number),
        "soft_hyphens": "\u00ad".join(number),
    }
    return spellings[style]


def body(obj: object) -> bytes:
    return json.dumps(obj).encode("utf-8")


def raw_body(text: str) -> bytes:
    """A hand-written JSON text (for what json.dumps cannot produce), as UTF-8."""
    return text.encode("utf-8")


@dataclass(frozen=True)
class Case:
    """One request and what the contract allows for it."""

    name: str
    data: bytes | Callable[[], Iterator[bytes]] | None
    expect: frozenset[int]
    method: str = "POST"
    headers: dict[str, str] = field(default_factory=lambda: dict(JSON_HEADERS))
    # Replaces the path /webhooks/rest/webhook when given; ``query`` is appended.
    path: str | None = None
    query: str = ""
    # The reply must carry the CPR warning.
    warn: bool = False
    # Digit strings (ASCII) that must never be found on disk after this case.
    secrets: tuple[str, ...] = ()
    # The conversation whose statistics row must show no feedback afterwards.
    no_feedback_for: str | None = None


def build_corpus(run: str) -> list[Case]:
    """All cases, in the order they are sent. ``run`` makes the conversation ids unique."""
    cases: list[Case] = []
    numbers = iter(synthetic_cpr(i) for i in range(200))

    def sender(name: str) -> str:
        return f"hostile-{run}-{name}"[:128]

    def ask(name: str, message: object, expect: frozenset[int], **extra: object) -> None:
        """A well-formed request whose message (or extra top-level keys) is the attack."""
        payload = {"sender": sender(name), "message": message, **extra}
        cases.append(Case(name, body(payload), expect))

    def add(name: str, data: bytes | None, expect: frozenset[int], **kwargs: object) -> None:
        cases.append(Case(name, data, expect, **kwargs))  # type: ignore[arg-type]

    # --- the body itself -------------------------------------------------------------------
    add("empty_body", b"", BAD)
    add("whitespace_body", b"  \r\n\t  ", BAD)
    add("json_null", b"null", BAD)
    add("json_list", b'[{"sender": "a", "message": "hej"}]', BAD)
    add("json_string", b'"hej"', BAD)
    add("json_number", b"42", BAD)
    add("json_true", b"true", BAD)
    add("not_json", b"hvornaar har i aabent", BAD)
    add("truncated_json", b'{"sender": "abc", "message": "he', BAD)
    add("trailing_garbage", body({"sender": sender("tg"), "message": "hej"}) + b"xyz", BAD)
    add("two_objects", body({"sender": sender("two"), "message": "hej"}) * 2, BAD)
    add("single_quotes", b"{'sender': 'abc', 'message': 'hej'}", BAD)
    add("trailing_comma", raw_body('{"sender": "abc", "message": "hej",}'), BAD)
    add("js_comment", raw_body('{"sender": "abc", /* x */ "message": "hej"}'), BAD)
    add("raw_control_char_in_string", b'{"sender": "abc", "message": "he\x01j"}', BAD)
    add("body_100kb", body({"sender": sender("100kb"), "message": "a" * 100_000}), TOO_LARGE)
    add("body_1mb", b'{"sender": "abc", "message": "' + b"b" * 1_000_000 + b'"}', TOO_LARGE)
    # A clean 413 with the JSON error, not a reset connection (the body is read and dropped).
    add("body_5mb", b'{"sender": "abc", "message": "' + b"c" * 5_000_000 + b'"}', TOO_LARGE)
    add(
        "body_17kb_in_metadata",
        body({"sender": sender("17kb"), "message": "hej", "metadata": {"x": "y" * 17_000}}),
        TOO_LARGE,
    )
    add("random_binary", random.Random(4821).randbytes(4000), BAD)
    add("binary_nul_bytes", b"\x00" * 1000, BAD)
    add("invalid_utf8", b'{"sender": "abc", "message": "hej \xff\xfe \xc3"}', BAD)
    add("overlong_utf8", b'{"sender": "abc", "message": "\xc0\xaf\xc0\xae"}', BAD)
    add("utf8_encoded_surrogate", b'{"sender": "abc", "message": "\xed\xa0\x80"}', BAD)
    add(
        "utf16_body_with_bom",
        json.dumps({"sender": sender("utf16"), "message": "hej"}).encode("utf-16"),
        BAD,
    )
    add(
        "utf16le_body_without_bom",
        json.dumps({"sender": sender("utf16le"), "message": "hej"}).encode("utf-16-le"),
        BAD,
    )
    add(
        "utf8_bom_body",
        b"\xef\xbb\xbf" + body({"sender": sender("bom"), "message": "hej"}),
        OK_OR_BAD,
    )

    # --- content types: any is fine as long as the body is JSON ----------------------------
    add(
        "text_plain_json_body",
        body({"sender": sender("textplain"), "message": "hej"}),
        OK,
        headers={"Content-Type": "text/plain"},
    )
    add(
        "no_content_type_json_body",
        body({"sender": sender("noct"), "message": "hej"}),
        OK,
        headers={},
    )
    add(
        "form_urlencoded_json_body",
        body({"sender": sender("formjson"), "message": "hej"}),
        OK,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    add(
        "form_urlencoded_form_body",
        f"sender={sender('formform')}&message=hej".encode(),
        BAD,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    add(
        "multipart_header_json_body",
        body({"sender": sender("mpjson"), "message": "hej"}),
        OK,
        headers={"Content-Type": "multipart/form-data; boundary=xyz"},
    )
    multipart = (
        "--xyz\r\n"
        'Content-Disposition: form-data; name="sender"\r\n\r\n'
        f"{sender('mpform')}\r\n"
        "--xyz\r\n"
        'Content-Disposition: form-data; name="message"\r\n\r\n'
        "hej\r\n"
        "--xyz--\r\n"
    ).encode()
    add(
        "multipart_form_body",
        multipart,
        BAD,
        headers={"Content-Type": "multipart/form-data; boundary=xyz"},
    )
    add(
        "json_charset_latin1_header",
        body({"sender": sender("latin1"), "message": "hvornår har I åbent?"}),
        OK,
        headers={"Content-Type": "application/json; charset=latin-1"},
    )
    add(
        "gzip_content_encoding",
        gzip.compress(body({"sender": sender("gzip"), "message": "hej"})),
        OK_OR_BAD,
        headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
    )

    # --- chunked uploads (no Content-Length) -----------------------------------------------
    valid_chunked = body({"sender": sender("chunked"), "message": "hej"})
    cases.append(Case("chunked_valid_json", lambda: iter([valid_chunked]), OK))
    cases.append(
        Case(
            "chunked_one_byte_chunks",
            lambda: (bytes([b]) for b in body({"sender": sender("chunk1"), "message": "hej"})),
            OK,
        )
    )
    cases.append(Case("chunked_100kb", lambda: (b"[" * 1024 for _ in range(100)), TOO_LARGE))
    cases.append(Case("chunked_5mb", lambda: (b"[" * 65536 for _ in range(80)), TOO_LARGE))
    cases.append(Case("chunked_not_json", lambda: iter([b"not ", b"json"]), BAD))

    # --- JSON that parses badly: depth, size, numbers, duplicates -------------------------
    def raw(name: str, message: str = '"hej"', **raw_fields: str) -> bytes:
        """A body whose ``raw_fields`` are JSON text written by hand (json.dumps cannot)."""
        fields = "".join(f', "{key}": {value}' for key, value in raw_fields.items())
        return raw_body(f'{{"sender": {json.dumps(sender(name))}, "message": {message}{fields}}}')

    deep_lists = "[" * 5000 + "]" * 5000
    add("metadata_lists_5000_deep", raw("deep1", metadata=f'{{"x": {deep_lists}}}'), BAD)
    add("toplevel_lists_5000_deep", raw("deep2", x=deep_lists), BAD)
    add("message_lists_5000_deep", raw("deep3", message=deep_lists), BAD)
    deep_dicts = '{"a":' * 1500 + "1" + "}" * 1500
    add("metadata_dicts_1500_deep", raw("deep4", metadata=deep_dicts), BAD)
    add("unclosed_10000_deep", raw("deep5", metadata="[" * 10000)[:-1], BAD)
    add("lists_100000_deep", b"[" * 100_000 + b"]" * 100_000, TOO_LARGE)
    nested: object = "bund"
    for _ in range(100):
        nested = {"a": nested}
    ask("metadata_100_deep", "hej", BAD, metadata=nested)
    ask("metadata_array_5000", "hej", METADATA_REFUSED_OR_OK, metadata={"x": [0] * 5000})
    many_keys = {f"k{i}": i for i in range(1000)}
    ask("metadata_1000_keys", "hej", METADATA_REFUSED_OR_OK, metadata=many_keys)
    ask("metadata_15000_spaces", "hej", METADATA_REFUSED_OR_OK, metadata={"x": " " * 15000})
    ask("toplevel_extra_array_3000", "hej", OK_OR_BAD, extra=[[]] * 3000)
    ask("message_15000_spaces", " " * 15000, frozenset({400, 413}))
    add("number_1e999999", raw("inf", metadata='{"x": 1e999999}'), BAD)
    add("literal_nan", raw("nan", metadata='{"x": NaN}'), BAD)
    add("literal_infinity", raw("infinity", metadata='{"x": Infinity}'), BAD)
    add("literal_negative_infinity", raw("neginf", metadata='{"x": -Infinity}'), BAD)
    add("integer_5000_digits", raw("bigint", metadata=f'{{"x": 1{"0" * 5000}}}'), OK_OR_BAD)
    add(
        "duplicate_keys",
        raw("dup1", message='"x", "message": "hej"', sender=json.dumps(sender("dup2"))),
        OK_OR_BAD,
    )
    dup_number = next(numbers)
    add(
        "duplicate_message_key_hides_cpr",
        # The first "message" holds the number; a parser that keeps the last one sees "hej".
        raw(
            "dupcpr",
            message=json.dumps(f"mit cpr er {spell(dup_number, 'hyphen')}") + ', "message": "hej"',
        ),
        OK_OR_BAD,
        secrets=(dup_number,),
    )

    # --- sender ids -------------------------------------------------------------------------
    def ask_sender(name: str, value: str, expect: frozenset[int]) -> None:
        add(name, body({"sender": value, "message": "hej"}), expect)

    ask_sender("sender_128_chars", ("s" * 128), OK)
    ask_sender("sender_129_chars", ("s" * 129), BAD)
    ask_sender("sender_10kb", ("s" * 10_000), BAD)
    ask_sender("sender_100kb", ("s" * 100_000), TOO_LARGE)
    ask_sender("sender_empty", "", BAD)
    ask_sender("sender_whitespace", "   ", BAD)
    ask_sender("sender_path_traversal", "../../etc/passwd", BAD)
    ask_sender("sender_url_encoded_traversal", "%2e%2e%2f%2e%2e%2fetc", BAD)
    ask_sender("sender_trailing_newline", "abc\n", BAD)
    ask_sender("sender_embedded_newline", "abc\nINFO fake log line", BAD)
    ask_sender("sender_crlf", "abc\r\n", BAD)
    ask_sender("sender_nul", "abc\u0000def", BAD)
    ask_sender("sender_unicode_letters", "brøgger-æøå", BAD)
    ask_sender("sender_fullwidth_letters", "ｓｅｎｄｅｒ", BAD)
    ask_sender("sender_arabic_indic_digits", "١٢٣٤٥", BAD)
    ask_sender("sender_sql_injection", "'; DROP TABLE events; --", BAD)
    ask_sender("sender_html", "<script>alert(1)</script>", BAD)
    ask_sender("sender_lone_surrogate", "abc\ud800", BAD)
    add("sender_number", body({"sender": 12345, "message": "hej"}), BAD)
    add("sender_list", body({"sender": ["abc"], "message": "hej"}), BAD)
    add("sender_object", body({"sender": {"id": "abc"}, "message": "hej"}), BAD)
    add("sender_null", body({"sender": None, "message": "hej"}), BAD)
    add("sender_bool", body({"sender": True, "message": "hej"}), BAD)
    add("sender_missing", body({"message": "hej"}), BAD)

    # --- message types and sizes ------------------------------------------------------------
    ask("message_list", ["hej"], BAD)
    ask("message_number", 42, BAD)
    ask("message_null", None, BAD)
    ask("message_bool", True, BAD)
    ask("message_object", {"text": "hej"}, BAD)
    add("message_missing", body({"sender": sender("nomsg")}), BAD)
    ask("message_empty", "", BAD)
    ask("message_whitespace", " \n\t\u00a0\u2009 ", BAD)
    ask("message_500_chars", "a" * 500, OK)
    ask("message_501_chars", "a" * 501, TOO_LARGE)
    ask("message_long_word_499", "Donaudampfschifffahrt" * 23 + "x" * 16, OK)
    ask("message_500_emoji", "😀" * 500, OK)
    ask("message_10000_emoji", "😀" * 10_000, TOO_LARGE)
    ask("message_zwj_family_emoji", "👨\u200d👩\u200d👧\u200d👦 hej 🏳️\u200d🌈", OK)
    # 520 visible emoji (and 390 joiners): too long however the joiners are counted.
    ask("message_zwj_emoji_130_families", "👨\u200d👩\u200d👧\u200d👦" * 130, TOO_LARGE)
    ask("message_zalgo_combining", "h" + "\u0301" * 250 + "ej" + "\u0336" * 240, OK)

    # --- hostile text -------------------------------------------------------------------------
    ask("html_script", "<script>alert(1)</script>", OK)
    ask("html_img_onerror", '<img src=x onerror="alert(document.cookie)">', OK)
    ask("html_markdown_link", "[klik her](javascript:alert(1)) hvornår har i åbent?", OK)
    ask("sql_injection", "'; DROP TABLE events; --", OK)
    ask("sql_injection_union", "1' UNION SELECT sender_id, data FROM events --", OK)
    ask("template_injection", "{{ 7*7 }} ${7*7} {0.__class__} %s %n", OK)
    ask("log_injection_newlines", "hej\n2026-01-01 00:00:00 ERROR fake log line\r\nmere", OK)
    ask("rtl_override", "\u202ehvornår har I åbent?\u202c \u2066x\u2069", OK)
    ask("arabic_text", "مرحبا، متى يفتح مكتب خدمة المواطنين؟", OK)
    ask("hebrew_text", "שלום, מתי המשרד פתוח?", OK)
    ask("emoji_text", "👋🏽 hej 😀 hvornår har I åbent? 🙏", OK)
    ask("lone_surrogate_high", "hej \ud800 hej", OK_OR_BAD)
    ask("lone_surrogate_low", "hej \udc00", OK_OR_BAD)
    ask("reversed_surrogate_pair", "\udc00\ud800 hej", OK_OR_BAD)
    ask("nul_characters", "hej\u0000\u0000 med dig", OK_OR_BAD)
    ask("only_nul_characters", "\u0000\u0000\u0000", OK_OR_BAD)
    ask("control_characters", "".join(chr(c) for c in range(1, 32)) + "\u007f\u0085 hej", OK_OR_BAD)
    ask("only_zero_width", "\u200b\u200c\u200d\ufeff", OK_OR_BAD)
    ask("unicode_line_separators", "hej\u2028med\u2029dig", OK)
    ask("private_use_and_noncharacters", "\ue000\uffff\U0010ffff hej", OK_OR_BAD)
    # Inputs that make a careless CPR pattern backtrack: they must still answer fast.
    ask("redos_digits_and_spaces", "1 " * 249, OK)
    ask("redos_separators_only", "-. /\u2013\u00a0" * 83, OK)
    ask("redos_digit_runs", ("12345 " * 83)[:500], OK)
    ask("redos_zero_width_digits", "3\u200b" * 250, OK)
    ask(
        "redos_metadata_digits",
        "hej",
        METADATA_REFUSED_OR_OK,
        metadata={"x": "1 " * 900},
    )
    ask("extra_toplevel_keys", "hej", OK_OR_BAD, input_channel="facebook", admin=True)

    # --- metadata of the wrong type --------------------------------------------------------
    ask("metadata_list", "hej", BAD, metadata=["a"])
    ask("metadata_string", "hej", BAD, metadata="a")
    ask("metadata_number", "hej", BAD, metadata=42)
    ask("metadata_null", "hej", OK_OR_BAD, metadata=None)

    # --- slash commands: an intent only when it is a button the assistant offered ----------
    for name, text in [
        ("slash_feedback_helpful_compact", '/feedback{"helpful":"ja"}'),
        ("slash_feedback_helpful_exact_payload", '/feedback{"helpful": "ja"}'),
        ("slash_feedback_helpful_nej", '/feedback{"helpful": "nej"}'),
        ("slash_feedback_otherwise", '/feedback{"otherwise": "telephone"}'),
        ("slash_feedback_helpful_true", '/feedback{"helpful": true}'),
    ]:
        add(name, body({"sender": sender(name), "message": text}), OK, no_feedback_for=sender(name))
    for name, text in [
        ("slash_greet", "/greet"),
        ("slash_greet_confidence", "/greet@0.99"),
        ("slash_nlu_fallback", "/nlu_fallback"),
        ("slash_personal_data", "/personal_data"),
        ("slash_restart", "/restart"),
        ("slash_session_start", "/session_start"),
        ("slash_double", "//feedback"),
        ("slash_broken_entities", '/feedback{"helpful":'),
        ("slash_entity_list", "/feedback[1, 2, 3]"),
        ("slash_entity_operator", '/feedback{"helpful": {"$gt": ""}}'),
        ("slash_opening_hours_400_x", '/opening_hours{"place": "' + "x" * 400 + '"}'),
    ]:
        ask(name, text, OK)
    # Nothing is left of "/" as plain text: an empty message (400) is as fine as an answer.
    ask("slash_only", "/", OK_OR_BAD)
    ask("slash_opening_hours_5000_x", '/opening_hours{"place": "' + "x" * 5000 + '"}', TOO_LARGE)

    # --- CPR numbers in the message: every spelling is warned about and removed ------------
    for style in [
        "hyphen",
        "plain",
        "space",
        "groups",
        "dots",
        "slashes",
        "slashes_space",
        "minus_sign",
        "en_dash",
        "em_dash",
        "nbsp",
        "thin_space",
        "nbsp_groups",
        "dots_en_dash",
        "every_digit_spaced",
        "year4_dots",
        "year4_plain",
        "year4_hyphens",
        "fullwidth",
        "fullwidth_plain",
        "arabic_indic",
        "arabic_indic_plain",
        "zero_width_spaces",
        "soft_hyphens",
    ]:
        number = next(numbers)
        written = spell(number, style)
        add(
            f"cpr_message_{style}",
            body({"sender": sender(f"cpr-{style}"), "message": f"mit cpr er {written}"}),
            OK,
            warn=True,
            secrets=(number, _ascii_digits(written)),
        )
    number = next(numbers)
    add(
        "cpr_message_with_question",
        body(
            {
                "sender": sender("cpr-question"),
                "message": f"Mit CPR-nummer er {spell(number, 'dots')}. Hvornår har I åbent?",
            }
        ),
        OK,
        warn=True,
        secrets=(number,),
    )
    first, second = next(numbers), next(numbers)
    add(
        "cpr_message_two_numbers",
        body(
            {
                "sender": sender("cpr-two"),
                "message": f"min {spell(first, 'hyphen')} og min søns {spell(second, 'plain')}",
            }
        ),
        OK,
        warn=True,
        secrets=(first, second),
    )
    number = next(numbers)
    add(
        "cpr_message_repeated_40_times",
        body({"sender": sender("cpr-many"), "message": " ".join([number] * 40)}),
        OK,
        warn=True,
        secrets=(number,),
    )
    number = next(numbers)
    add(
        "cpr_message_glued_to_words",
        body({"sender": sender("cpr-glued"), "message": f"cpr:{number}tak"}),
        OK,
        warn=True,
        secrets=(number,),
    )
    number = next(numbers)
    add(
        "cpr_message_in_slash_command",
        body(
            {
                "sender": sender("cpr-slash"),
                "message": f'/personal_data{{"cpr": "{spell(number, "hyphen")}"}}',
            }
        ),
        OK,
        warn=True,
        secrets=(number,),
    )
    # A number split over two messages of one conversation: the second reply warns too.
    for style, separator in [("split_plain", ""), ("split_hyphen", "-")]:
        number = next(numbers)
        conversation = sender(f"cpr-{style}")
        add(
            f"cpr_{style}_part1",
            body({"sender": conversation, "message": f"mit cpr er {number[:6]}{separator}"}),
            OK,
            secrets=(number,),
        )
        add(
            f"cpr_{style}_part2",
            body({"sender": conversation, "message": number[6:]}),
            OK,
            warn=True,
            secrets=(number,),
        )

    # --- CPR numbers in the metadata: removed whatever their JSON type ---------------------
    def meta_case(name: str, make: Callable[[str], object], *written: str) -> None:
        number = next(numbers)
        add(
            name,
            body({"sender": sender(name), "message": "hej", "metadata": make(number)}),
            OK,
            secrets=(number, *(_ascii_digits(spell(number, w)) for w in written)),
        )

    meta_case("cpr_metadata_string", lambda n: {"note": f"cpr {spell(n, 'hyphen')}"})
    meta_case("cpr_metadata_integer", lambda n: {"cpr": int(n)})
    meta_case("cpr_metadata_float", lambda n: {"cpr": float(n)})
    # An integer loses a leading zero: 0101... is sent (and would be stored) as 101...
    number = next(n for n in numbers if n.startswith("0"))
    add(
        "cpr_metadata_integer_leading_zero",
        body({"sender": sender("cpr-int0"), "message": "hej", "metadata": {"cpr": int(number)}}),
        OK,
        secrets=(str(int(number)),),
    )
    meta_case("cpr_metadata_integer_in_list", lambda n: {"ids": [1, int(n), 2]})
    meta_case("cpr_metadata_nested_list", lambda n: {"a": [[spell(n, "plain")]]})
    meta_case("cpr_metadata_nested_object", lambda n: {"user": {"cpr": spell(n, "dots")}})
    meta_case("cpr_metadata_key", lambda n: {spell(n, "plain"): "x"})
    meta_case("cpr_metadata_nested_key", lambda n: {"user": {spell(n, "hyphen"): True}})
    meta_case("cpr_metadata_fullwidth", lambda n: {"note": spell(n, "fullwidth")})
    meta_case("cpr_metadata_zero_width", lambda n: {"note": spell(n, "zero_width_spaces")})
    meta_case("cpr_metadata_year4", lambda n: {"note": spell(n, "year4_dots")}, "year4_dots")

    # --- CPR numbers in the sender id: accepted, only the id's keyed hash is stored ----------
    for name, make in [
        ("cpr_sender_plain", lambda n: f"chat-{n}"),
        ("cpr_sender_hyphen", lambda n: spell(n, "hyphen")),
        ("cpr_sender_dots", lambda n: f"chat.{spell(n, 'dots')}"),
        ("cpr_sender_only_digits", lambda n: n),
        ("cpr_sender_in_uuid", lambda n: f"{n[:8]}-{n[8:]}00-4f1a-9c2b-7d3e5f6a8b9c"),
    ]:
        number = next(numbers)
        add(name, body({"sender": make(number), "message": "hej"}), OK, secrets=(number,))

    # --- CPR numbers outside the body: query string and path --------------------------------
    number = next(numbers)
    add(
        "cpr_in_query_string",
        body({"sender": sender("cpr-query"), "message": "hej"}),
        OK,
        query=f"?cpr={spell(number, 'hyphen')}",
        secrets=(number,),
    )
    number = next(numbers)
    add(
        "cpr_in_path",
        body({"sender": sender("cpr-path"), "message": "hej"}),
        NOT_FOUND,
        path=f"/webhooks/rest/{number}",
        secrets=(number,),
    )

    # --- wrong methods and paths --------------------------------------------------------------
    add("method_get", None, WRONG_METHOD, method="GET", headers={})
    add("method_put", body({"sender": sender("put"), "message": "hej"}), WRONG_METHOD, method="PUT")
    add("method_delete", None, WRONG_METHOD, method="DELETE", headers={})
    add(
        "method_patch",
        body({"sender": sender("patch"), "message": "hej"}),
        WRONG_METHOD,
        method="PATCH",
    )
    add(
        "path_traversal_in_url",
        body({"sender": sender("pathtrav"), "message": "hej"}),
        NOT_FOUND,
        path="/webhooks/rest/../../../etc/passwd",
    )
    add(
        "path_webhook_suffix",
        body({"sender": sender("suffix"), "message": "hej"}),
        NOT_FOUND,
        path="/webhooks/rest/webhookx",
    )
    return cases


def _ascii_digits(text: str) -> str:
    """Every decimal digit of ``text`` (any script) as ASCII."""
    return "".join(str(d) for d in (unicodedata.decimal(c, None) for c in text) if d is not None)
