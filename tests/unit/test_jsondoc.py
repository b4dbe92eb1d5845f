"""The strict 'one JSON object' decoder shared by the client and ``status --payload``."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notifier.core.jsondoc import NotAnObject, decode_object
from notifier.core.models import as_number
from tests.conftest import FIXTURES, all_payload_files


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "is empty"),
        (b" \n\t", "is empty"),
        (b"[1, 2]", "is a JSON array, not an object"),
        (b'"text"', "is a JSON string, not an object"),
        (b"42", "is a JSON number, not an object"),
        (b"true", "is a JSON boolean, not an object"),
        (b"null", "is JSON null, not an object"),
        (b'{"a": NaN}', "holds NaN, which JSON does not allow"),
        (b'{"a": -Infinity}', "holds -Infinity, which JSON does not allow"),
        (b"<!DOCTYPE html><html></html>", "is an HTML or XML page, not JSON"),
        (b"\x00\x01\x02\xff\xfe", "is not UTF-8 text (binary data?)"),
        (b"[" * 5000 + b"]" * 5000, "is nested too deeply to read"),
        (b'{"a": ' + b"[" * 5000 + b"]" * 5000 + b"}", "is nested too deeply to read"),
    ],
)
def test_refusals(raw: bytes, reason: str) -> None:
    with pytest.raises(NotAnObject) as caught:
        decode_object(raw)
    assert caught.value.reason == reason


@pytest.mark.parametrize(
    "literal", [b"1e999", b"-1e999", b"1" * 5000, b"-" + b"9" * 400, b"2" * 401]
)
def test_a_number_too_large_for_a_float_is_inf_not_a_refusal(literal: bytes) -> None:
    # The contract: it makes that one reading missing; the rest of the payload goes on.
    data = decode_object(b'{"a": ' + literal + b', "b": 1}')
    assert data["b"] == 1
    assert as_number(data["a"]) is None


def test_truncated_json_says_where() -> None:
    with pytest.raises(NotAnObject) as caught:
        decode_object(b'{"five_hour": {"utilization": 4')
    assert caught.value.reason.startswith("is not valid JSON (")
    assert "line 1 column" in caught.value.reason


def test_reason_never_quotes_the_input() -> None:
    with pytest.raises(NotAnObject) as caught:
        decode_object(b'{"token": "sk-FAKE-SECRET" oops}')
    assert "FAKE" not in caught.value.reason


def test_cloudflare_page_is_html() -> None:
    raw = (FIXTURES / "errors" / "cloudflare-challenge.html").read_bytes()
    with pytest.raises(NotAnObject, match="HTML"):
        decode_object(raw)


def test_utf8_bom_is_accepted() -> None:
    assert decode_object(b'\xef\xbb\xbf{"five_hour": null}') == {"five_hour": None}


@pytest.mark.parametrize("path", all_payload_files(), ids=lambda p: p.name)
def test_every_fixture_payload_decodes(path: Path) -> None:
    assert isinstance(decode_object(path.read_bytes()), dict)


# ``loads`` takes orjson's fast path only where its answer is the standard library's to the
# bit; these compare the two on what could tell them apart (the reference is json itself,
# with our hooks, as loads was before the fast path).


def _reference(text: str) -> tuple[str, str]:
    import json

    from notifier.core.jsondoc import _refuse_constant, read_float, read_int

    try:
        value = json.loads(
            text, parse_constant=_refuse_constant, parse_float=read_float, parse_int=read_int
        )
    except (ValueError, RecursionError) as exc:
        return "error", type(exc).__name__
    return "value", repr(value)  # repr: an int is not a float, -0.0 is not 0.0


def _ours(text: str | bytes) -> tuple[str, str]:
    from notifier.core.jsondoc import loads

    try:
        value = loads(text, many=True)
    except (ValueError, RecursionError) as exc:
        return "error", type(exc).__name__
    return "value", repr(value)


@pytest.mark.parametrize(
    "text",
    [
        '{"a": 18446744073709551615}',  # the largest integer orjson keeps exact
        '{"a": 18446744073709551616}',  # orjson alone would read these as floats
        '{"a": -9223372036854775809}',
        '{"a": 1234567890123456789012345}',
        '{"a": 0.1234567890123456789012345}',
        '{"a": 1e999, "b": -1e999, "c": 1e-999}',
        '{"a": ' + "9" * 401 + "}",
        '{"a": NaN}',
        '{"a": "\\ud800 lone surrogate"}',
        '{"a": 1, "b": 2, "a": 3}',
        '{"a": -0, "b": -0.0, "c": 1E+2}',
        '{"a": "x\x01"}',
        "[" * 1000 + "]" * 1000,  # the standard library's recursion limit, not orjson's
        "[" * 600 + "]" * 600,
        '{"a": 1} trailing',
    ],
)
def test_loads_answers_as_the_standard_library_does(text: str) -> None:
    assert _ours(text) == _reference(text)
    assert _ours(text.encode("utf-8", "surrogatepass")) == _reference(text)


@pytest.mark.parametrize(
    "raw", [b'{"a": "\xff"}', b'{"a": "\xed\xa0\x80"}', b'{"a": 1}\xff', b"\xff{", b"\xc0\x80"]
)
def test_bytes_that_are_not_utf8_are_refused_as_such_before_any_json_error(raw: bytes) -> None:
    from notifier.core.jsondoc import loads

    with pytest.raises(UnicodeDecodeError):
        loads(raw, many=True)


def test_an_integer_past_64_bits_stays_an_exact_integer() -> None:
    from notifier.core.jsondoc import loads

    assert loads('{"a": 18446744073709551617}', many=True) == {"a": 2**64 + 1}
    assert type(loads('{"a": -9223372036854775809}', many=True)["a"]) is int


_number = st.from_regex(
    r"-?(0|[1-9][0-9]{0,24})(\.[0-9]{1,24})?([eE][+-]?[0-9]{1,3})?", fullmatch=True
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_number, min_size=1, max_size=8))
def test_number_literals_read_as_the_standard_library_reads_them(numbers: list[str]) -> None:
    text = '{"n": [' + ", ".join(numbers) + "]}"
    assert _ours(text) == _reference(text)


_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(max_size=8), _json, max_size=6), st.booleans())
def test_documents_read_as_the_standard_library_reads_them(
    doc: dict[str, object], ascii_only: bool
) -> None:
    import json

    text = json.dumps(doc, ensure_ascii=ascii_only)
    assert _ours(text) == _reference(text)
    assert _ours(text.encode("utf-8", "surrogatepass")) == _reference(text)


def test_one_document_is_read_without_orjson() -> None:
    # status --payload and the client read one document: orjson's import would cost
    # more start-up than it saves (the module docstring says why).
    import subprocess
    import sys

    code = (
        "import sys; from notifier.core.jsondoc import decode_object;"
        "decode_object(b'{\"a\": 1}'); print('orjson' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_one_document_is_read_without_even_trying_orjson(monkeypatch: pytest.MonkeyPatch) -> None:
    # The same promise in-process: with orjson made unimportable, the readers of one
    # document (decode_object, loads without many) still read it.
    import sys

    from notifier.core.jsondoc import loads

    monkeypatch.setitem(sys.modules, "orjson", None)  # import orjson now raises ImportError
    assert decode_object(b'{"a": [1, 2.5, "x"]}') == {"a": [1, 2.5, "x"]}
    assert loads('{"a": 1}') == {"a": 1}


@pytest.mark.parametrize(
    "text",
    [
        '{"a": "\ud800"}',  # a real lone surrogate in the text, not the escape \\ud800
        '{"\udfff": 1, "b": "x\udc80y"}',
    ],
)
def test_a_text_holding_a_lone_surrogate_reads_as_the_standard_library_reads_it(
    text: str,
) -> None:
    # json.loads accepts such a str; orjson refuses its bytes, so loads must fall back
    # to json with the text itself, never fail to encode it first.
    assert _ours(text) == _reference(text)
    assert _ours(text)[0] == "value"


def test_an_integer_of_the_longest_kept_length_stays_exact() -> None:
    # read_int keeps integers of up to _MAX_INT_DIGITS digits exact (past float range
    # already, so they are missing readings anyway) and reads longer ones as inf.
    from notifier.core.jsondoc import _MAX_INT_DIGITS, loads, read_int

    longest = "9" * _MAX_INT_DIGITS
    assert read_int(longest) == int(longest)
    assert read_int("-" + "9" * (_MAX_INT_DIGITS - 1)) == -int("9" * (_MAX_INT_DIGITS - 1))
    assert read_int(longest + "9") == math.inf
    assert loads('{"a": ' + longest + "}", many=True) == {"a": int(longest)}
