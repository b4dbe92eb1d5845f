"""The strict 'one JSON object' decoder shared by the client and ``status --payload``."""

from __future__ import annotations

from pathlib import Path

import pytest

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
