"""Strict decoding of a document that must be one JSON object (a usage payload).

Pure: bytes in, a dict or a :class:`NotAnObject` out. Shared by the HTTP
client (a 200 body) and ``status --payload`` (a file), so both refuse the same
things with the same words: empty, HTML, not UTF-8, truncated or invalid JSON,
``NaN``/``Infinity`` (Python accepts them, JSON does not), nesting too deep to
parse, and JSON that is valid but not an object. Reasons never quote the
input: a body may hold anything, including secrets.

A valid number that does not fit a float (``1e999``, an integer of thousands of
digits) does not refuse the whole document: it is read as ``inf``, which every
reader treats as missing (``models.as_number``), so only that one reading is
lost (the contract). Writers never store it: redaction turns it into ``null``.

A reader of many documents (a recording's lines) asks for orjson, used where it
gives exactly the standard library's answer, and :mod:`json` with the rules above
otherwise (see :func:`loads`): a line takes a quarter of the time, and replay reads
tens of thousands. A reader of one document (a 200 body, ``status --payload``) does
not: orjson's import (it loads ``uuid`` and ``platform``) costs more start-up than
it saves.
"""

from __future__ import annotations

import json
import math
from typing import Any, NoReturn

_TYPE_NAMES = {
    list: "a JSON array",
    str: "a JSON string",
    int: "a JSON number",
    float: "a JSON number",
    bool: "a JSON boolean",
    type(None): "JSON null",
}


MAX_DOCUMENT_BYTES = 4 * 1024 * 1024
"""A usage payload is a few kilobytes: the cap on a body or a payload file (decoded)."""


def count_values(document: Any, limit: int) -> int:
    """How many JSON values ``document`` holds (itself included), counting no further than
    ``limit + 1``: linear, iterative (no recursion limit), and cheap for a huge one."""
    count = 0
    stack = [document]
    while stack:
        value = stack.pop()
        count += 1
        if count > limit:
            return count
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return count


class NotAnObject(ValueError):
    """The input is not one JSON object; ``reason`` says why, without quoting it."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _refuse_constant(name: str) -> NoReturn:
    raise NotAnObject(f"holds {name}, which JSON does not allow")


# Longer integers than this cannot be a float anyway (1.8e308 has 309 digits), and
# Python refuses to parse ones past 4300 digits: both are read as "too large".
_MAX_INT_DIGITS = 400


def read_float(literal: str) -> float:
    """A JSON float literal; one too large (``1e999``) is ``inf``, treated as missing."""
    return float(literal)


def read_int(literal: str) -> int | float:
    """A JSON integer literal; one with more digits than any float holds is ``inf``."""
    return int(literal) if len(literal) <= _MAX_INT_DIGITS else math.inf


# A run of this many digits may be an integer past 64 bits, which orjson reads as a float.
_LONG_DIGITS = b"0" * 19
# orjson nests up to 1,024 levels; the standard library stops near the recursion limit.
_MAX_FAST_OPENINGS = 512
# One pass for both guards: every digit reads as 0, every opening bracket as {.
_GUARD = bytes.maketrans(b"123456789[", b"000000000{")


def loads(text: str | bytes, *, many: bool = False) -> Any:
    """``json.loads`` with our number rules (too large: ``inf``); NaN/Infinity refused.

    Raises ``ValueError`` (``NotAnObject`` for the literals) or ``RecursionError``;
    for ``bytes`` that are not UTF-8, ``UnicodeDecodeError`` (a ``ValueError`` too),
    before any JSON error, as decoding them first would.

    With ``many`` (the caller reads many documents, so orjson's import pays off),
    orjson parses the common document, four times faster, where its answer is the
    standard library's to the bit: numbers of at most 18 digits in a row (an
    integer fits 64 bits; a float is correctly rounded by both), fewer than 512
    brackets (nesting stays far from either recursion limit). Whatever orjson
    refuses (invalid JSON or UTF-8, NaN, ``1e999``, lone surrogates) goes to
    :mod:`json`, so errors, ``inf`` and the accepted surrogates are exactly as before.
    """
    if many:
        raw = text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass")
        guarded = raw.translate(_GUARD)
        if _LONG_DIGITS not in guarded and guarded.count(b"{") < _MAX_FAST_OPENINGS:
            import orjson  # here, not at the top: see the module docstring

            try:
                return orjson.loads(raw)
            except orjson.JSONDecodeError:
                pass  # the standard library says why, or reads what orjson cannot (inf)
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    return json.loads(
        text, parse_constant=_refuse_constant, parse_float=read_float, parse_int=read_int
    )


def decode_object(raw: bytes) -> dict[str, Any]:
    """``raw`` as a JSON object, or :class:`NotAnObject` saying why not."""
    if not raw.strip():
        raise NotAnObject("is empty")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise NotAnObject("is not UTF-8 text (binary data?)") from None
    if text.lstrip()[:1] == "<":
        raise NotAnObject("is an HTML or XML page, not JSON")
    try:
        data: Any = loads(text)
    except RecursionError:
        raise NotAnObject("is nested too deeply to read") from None
    except json.JSONDecodeError as exc:
        raise NotAnObject(
            f"is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
        ) from None
    except NotAnObject:
        raise
    except ValueError:  # e.g. an integer longer than Python's digit limit
        raise NotAnObject("is not valid JSON (a number is too long)") from None
    if not isinstance(data, dict):
        kind = _TYPE_NAMES.get(type(data), "a JSON value")
        raise NotAnObject(f"is {kind}, not an object")
    return data
