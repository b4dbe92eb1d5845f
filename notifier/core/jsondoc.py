"""Strict decoding of a document that must be one JSON object (a usage payload).

Pure: bytes in, a dict or a :class:`NotAnObject` out. Shared by the HTTP
client (a 200 body) and ``status --payload`` (a file), so both refuse the same
things with the same words: empty, HTML, not UTF-8, truncated or invalid JSON,
``NaN``/``Infinity`` (Python accepts them, JSON does not), nesting too deep to
parse, and JSON that is valid but not an object. Reasons never quote the
input: a body may hold anything, including secrets.
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


class NotAnObject(ValueError):
    """The input is not one JSON object; ``reason`` says why, without quoting it."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _refuse_constant(name: str) -> NoReturn:
    raise NotAnObject(f"holds {name}, which JSON does not allow")


def _finite_float(literal: str) -> float:
    number = float(literal)
    if math.isinf(number):  # 1e999 parses as infinity
        raise NotAnObject("holds a number too large to represent")
    return number


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
        data: Any = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
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
