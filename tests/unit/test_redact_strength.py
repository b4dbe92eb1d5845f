"""The edges of "short identifier-like" (mutation-testing strength, issue 18).

Each case sits on one side of a limit the module names: a segment of
``_LONG_SEGMENT`` (10) characters or more that mixes digits or cases looks
generated; more than ``_MAX_DIGITS`` (6) digits looks like a token; a run of
16 hex digits is a hash; a token-prefixed key longer than 12 is a token.
"""

from __future__ import annotations

import pytest

from notifier.core.redact import PLACEHOLDER, keeps, redact


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("subscription", True),  # a long plain word
        ("abcdefgh12", False),  # ten characters with digits: generated
        ("abcdefg12", True),  # nine: still short
        ("aBcdEfghijk", False),  # two capitals inside a long segment
        ("aBcdefghijk", True),  # one inner capital is a name (``iPhone``)
        ("aBCdefghijk", False),  # two inner capitals right after the first letter
        ("v123456", True),  # six digits: a version may have that many
        ("v1234567", False),  # seven: a token
        ("deadbeefcafebabe", False),  # a 16-hex-digit run, no digits to give it away
    ],
)
def test_identifier_limits(text: str, kept: bool) -> None:
    assert keeps(text) is kept


def test_token_prefixed_keys_longer_than_twelve_are_redacted() -> None:
    out = redact({"sk-abcdefghi": 1, "sk-abcdefghij": 2})
    assert out == {"sk-abcdefghi": 1, "<redacted-key-1>": 2}


def test_redacted_keys_are_numbered_across_lists() -> None:
    payload = {"accounts": [{"me@example.com": "x y"}, {"you@example.com": 2}]}
    assert redact(payload) == {
        "accounts": [{"<redacted-key-1>": PLACEHOLDER}, {"<redacted-key-2>": 2}]
    }
