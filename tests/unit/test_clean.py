"""The one sanitiser: nothing a terminal or a notification server interprets survives."""

from __future__ import annotations

import io
import json
import logging
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from notifier.cli.output import Result, render
from notifier.core.text.clean import json_safe, printable, printable_lines
from notifier.logs import OneLineFormatter

BIDI = {chr(c) for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]}


def dangerous(ch: str) -> bool:
    return unicodedata.category(ch) == "Cc" or ch in BIDI


@given(st.text())
def test_printable_leaves_no_control_and_no_bidi_override(text: str) -> None:
    out = printable(text)
    assert not any(dangerous(ch) for ch in out)
    # Everything that is not dangerous stays, in order (tabs/newlines become spaces).
    assert out == "".join(
        " " if ch in "\t\n" else ch for ch in text if not dangerous(ch) or ch in "\t\n"
    )


@given(st.text())
def test_printable_lines_keeps_only_the_line_breaks(text: str) -> None:
    out = printable_lines(text)
    assert out.count("\n") == text.count("\n")
    assert not any(dangerous(ch) for ch in out.replace("\n", ""))


@given(st.dictionaries(st.text(), st.text()))
def test_json_safe_is_the_same_document_and_harmless(data: dict[str, str]) -> None:
    text = json_safe(json.dumps(data, ensure_ascii=False))
    assert json.loads(text) == data
    assert not any(dangerous(ch) for ch in text)


HOSTILE_KEY = "five_hour\x1b]0;pwned\x07\r\x9b2J\u202eevil"


def test_the_renderer_strips_text_and_notes_and_escapes_json() -> None:
    out, err = io.StringIO(), io.StringIO()
    render(Result(text=[f"{HOSTILE_KEY}  48%"], notes=[HOSTILE_KEY]), out=out, err=err)
    assert "\x1b" not in out.getvalue() + err.getvalue()
    assert "five_hour]0;pwned2Jevil  48%" in out.getvalue()
    out = io.StringIO()
    render(Result(data={"buckets": [{"name": HOSTILE_KEY}]}), as_json=True, out=out)
    assert not any(dangerous(ch) for ch in out.getvalue().rstrip("\n"))
    assert json.loads(out.getvalue())["buckets"][0]["name"] == HOSTILE_KEY


def test_a_log_line_carries_no_control_character() -> None:
    record = logging.LogRecord(
        "notifier", logging.WARNING, "x", 1, "bucket %s", (HOSTILE_KEY,), None
    )
    line = OneLineFormatter("%(message)s").format(record)
    assert line == "bucket five_hour]0;pwned | 2Jevil"  # the CR folds like a newline
