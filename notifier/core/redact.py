"""What of a payload may survive into an archive or an exported bundle.

Pure. The contract: keep keys, JSON types, numbers, booleans, null, timestamps
and short identifier-like strings (``USD``, ``weekly_scoped``, ``Fable``);
a number too large to represent (read as ``inf``) becomes ``null``;
replace everything else that is a string (emails, UUIDs, tokens, free text,
anything long) with a placeholder *string*, so the shape survives intact.

Keys are kept, because they are the shape. A key that itself looks like an
email, a UUID or a token (a dict keyed by account, say) is the one exception:
it becomes ``<redacted-key-N>``, since privacy outranks a faithful example;
the variant's fingerprint is taken from the raw payload, so nothing is lost.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

PLACEHOLDER = "<redacted:string>"

_TIMESTAMP = re.compile(
    r"\d{4}-\d{2}-\d{2}"
    r"(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?(?:Z|z|[+-]\d{2}(?::?\d{2})?)?)?"
)
_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_.:-]{0,31}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
_UUID = re.compile(
    r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"
)
_HEX_RUN = re.compile(r"[0-9a-fA-F]{16,}")
_TOKEN_PREFIX = re.compile(r"(?:sk|pk|rk)[-_]|(?:ghp|gho|xox[abp])[-_]|eyJ", re.IGNORECASE)
_MAX_DIGITS = 6  # a model id may carry a version; a random token has many digits
_SEPARATORS = re.compile(r"[_.:-]")
_LONG_SEGMENT = 10


def keeps(text: str) -> bool:
    """True when a string value may be kept as it is (a timestamp or a short identifier)."""
    if _TIMESTAMP.fullmatch(text):
        return True
    return looks_like_identifier(text)


def looks_like_identifier(text: str) -> bool:
    """Short, identifier-like and not secret-shaped (``weekly_scoped``, ``claude-opus``)."""
    if not _IDENTIFIER.fullmatch(text):
        return False
    if _TOKEN_PREFIX.match(text) or _HEX_RUN.search(text) or _UUID.search(text):
        return False
    if sum(ch.isdigit() for ch in text) > _MAX_DIGITS:
        return False
    return not any(_random_looking(part) for part in _SEPARATORS.split(text))


def _random_looking(segment: str) -> bool:
    # Words are short or single-case; generated ids are long runs mixing digits or cases.
    if len(segment) < _LONG_SEGMENT:
        return False
    inner_capitals = sum(ch.isupper() for ch in segment[1:])
    return any(ch.isdigit() for ch in segment) or inner_capitals >= 2


def _secret_key(key: str) -> bool:
    return bool(_EMAIL.search(key) or _UUID.search(key) or _HEX_RUN.search(key)) or bool(
        _TOKEN_PREFIX.match(key) and len(key) > 12
    )


def redact(value: Any) -> Any:
    """A copy of ``value`` in which only what the contract allows survives."""
    counter = [0]
    return _redact(value, counter)


def _redact(value: Any, counter: list[int]) -> Any:
    if isinstance(value, str):
        return value if keeps(value) else PLACEHOLDER
    if isinstance(value, float) and not math.isfinite(value):
        return None  # a number too large to read (see jsondoc): never written as Infinity
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, sub in value.items():
            name = str(key)
            if _secret_key(name):
                counter[0] += 1
                name = f"<redacted-key-{counter[0]}>"
            out[name] = _redact(sub, counter)
        return out
    if isinstance(value, list | tuple):
        return [_redact(item, counter) for item in value]
    return PLACEHOLDER  # not JSON: never copy what we do not understand
