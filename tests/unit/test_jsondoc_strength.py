"""Edge cases of the strict one-object decoder (mutation-testing strength, issue 18)."""

from __future__ import annotations

import pytest

from notifier.core.jsondoc import NotAnObject, decode_object


@pytest.mark.parametrize("raw", [b"  <html><body>Sign in</body></html>", b"\n\t<?xml?>"])
def test_a_page_behind_leading_whitespace_is_still_named_a_page(raw: bytes) -> None:
    with pytest.raises(NotAnObject) as caught:
        decode_object(raw)
    assert caught.value.reason == "is an HTML or XML page, not JSON"


def test_a_utf8_byte_order_mark_is_accepted() -> None:
    assert decode_object(b'\xef\xbb\xbf{"five_hour": null}') == {"five_hour": None}
