"""A payload's *shape*: which keys sit at which path, with which JSON types.

Pure. The shape is a flat table ``path -> type bits``. A path is a tuple of keys
from the top (``("five_hour", "resets_at")``); the items of one list share one
path segment, :data:`ITEM` (``limits[]``), so a list's shape is the union of its
items'. Types are JSON's: object, array, string, number (int and float alike),
boolean, null. Values and key order are not part of it.

Two identities come from here:

- :func:`fingerprint`: a hash of the sorted table, the *persisted* identity of a
  clean variant (golden values in ``tests/unit/test_drift_identity.py``; change
  the text it hashes and every archived variant is reported again).
- :func:`quick_key`: an exact, unsorted, unhashed walk of the payload (keys, type
  codes, and the values of enum-like keys), the in-memory memo key that lets a
  poll whose shape was judged before skip the table, the sort and the hash.

Both walks stop at :data:`MAX_NODES` keys and items or :data:`MAX_DEPTH` levels
(:class:`TooLarge`): bigger payloads are "too large to compare", so the cost of
one poll stays bounded whatever the server (or a proxy) sends.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable, Mapping
from operator import itemgetter
from typing import Any, cast

Path = tuple[str, ...]
Shape = dict[Path, int]

# The path segment that stands for "an item of this list". A leading NUL cannot
# clash with a real key: real keys starting with NUL are escaped by one more NUL.
ITEM = "\x00[]"

OBJECT, ARRAY, STRING, NUMBER, BOOLEAN, NULL = 1, 2, 4, 8, 16, 32
TYPE_NAMES: tuple[tuple[int, str], ...] = (
    (OBJECT, "object"),
    (ARRAY, "array"),
    (STRING, "string"),
    (NUMBER, "number"),
    (BOOLEAN, "boolean"),
    (NULL, "null"),
)
BIT_OF_NAME = {name: bit for bit, name in TYPE_NAMES} | {"integer": NUMBER}

MAX_NODES = 200_000
"""Keys plus list items a payload may hold and still be compared (a real one has ~100;
the 30,000-key stress payload of the benchmark is judged in well under a second)."""
MAX_DEPTH = 64
"""Nesting levels a payload may have and still be compared (a real one has 5)."""

# Keys whose string values take part in the memo key (the enum paths' last segments,
# see schema.ENUM_PATHS): a new `kind` must not hit a memo entry made for an old one.
ENUM_KEYS = frozenset({"kind", "group", "severity"})

_BITS_BY_TYPE: dict[type, int] = {
    dict: OBJECT,
    list: ARRAY,
    str: STRING,
    int: NUMBER,
    float: NUMBER,
    bool: BOOLEAN,
    type(None): NULL,
}


class TooLarge(Exception):
    """The payload has more than MAX_NODES keys and items, or is nested deeper than MAX_DEPTH."""


def bits_of(value: Any) -> int:
    """The type bit of one JSON value (subclasses of dict, list, str... included)."""
    bits = _BITS_BY_TYPE.get(type(value))
    if bits is not None:
        return bits
    if value is None:
        return NULL
    if isinstance(value, bool):
        return BOOLEAN
    if isinstance(value, int | float):
        return NUMBER
    if isinstance(value, Mapping):
        return OBJECT
    if isinstance(value, list | tuple):
        return ARRAY
    return STRING


def type_name(bits: int) -> str:
    """The contract's name of the first type in ``bits`` (``"null"`` for none)."""
    for bit, name in TYPE_NAMES:
        if bits & bit:
            return name
    return "null"


def segment(name: str) -> str:
    """A key as a path segment (keys starting with NUL get one more, so ITEM stays unique)."""
    return "\x00" + name if name[:1] == "\x00" else name


def display(path: Path) -> str:
    """How the contract writes a path: ``five_hour.resets_at``, ``limits[].scope``."""
    text = ""
    for part in path:
        if part == ITEM:
            text += "[]"
        else:
            name = part[1:] if part[:2] == "\x00\x00" else part
            text = f"{text}.{name}" if text else name
    return text


def parse(text: str) -> Path:
    """The inverse of :func:`display`: ``limits[].kind`` -> ``("limits", ITEM, "kind")``."""
    parts: list[str] = []
    for piece in text.split("."):
        items = 0
        while piece.endswith("[]"):
            piece, items = piece[:-2], items + 1
        if piece:
            parts.append(segment(piece))
        parts.extend([ITEM] * items)
    return tuple(parts)


def shape_of(payload: Mapping[str, Any]) -> Shape:
    """The shape of a payload. Parents come before their children in the table's order.

    Linear in the payload's size; iterative, so deep nesting cannot exhaust the
    recursion limit. Raises :class:`TooLarge` beyond MAX_NODES or MAX_DEPTH.
    """
    shape: Shape = {(): OBJECT}
    nodes = 0
    stack: list[tuple[Any, Path]] = [(payload, ())]
    get = _BITS_BY_TYPE.get
    while stack:
        container, path = stack.pop()
        if len(path) > MAX_DEPTH:
            raise TooLarge
        if isinstance(container, Mapping):
            nodes += len(container)
            for name, value in container.items():
                child = (*path, "\x00" + name if name[:1] == "\x00" else name)
                bits = get(type(value)) or bits_of(value)
                shape[child] = shape.get(child, 0) | bits
                if bits <= ARRAY:
                    stack.append((value, child))
        else:
            nodes += len(container)
            item = (*path, ITEM)
            for value in container:
                bits = get(type(value)) or bits_of(value)
                shape[item] = shape.get(item, 0) | bits
                if bits <= ARRAY:
                    stack.append((value, item))
        if nodes > MAX_NODES:
            raise TooLarge
    return shape


def fingerprint(shape: Shape) -> str:
    """A stable hash of a shape: same shape, same fingerprint, whatever the values or order.

    Persisted (archive file names, accepted schemas): the text hashed here is frozen
    by golden tests.
    """
    text = "\x1e".join(f"{chr(31).join(path)}\x1d{bits}" for path, bits in sorted(shape.items()))
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


# Type codes in the quick key (int and float alike: a number may come as either).
_DICT, _LIST, _STRING = 1, 2, 4
_CODES: dict[type, int] = {dict: _DICT, list: _LIST, str: _STRING, int: 8, float: 8, bool: 16}
_CODES[type(None)] = 32
_code = _CODES.get

# A container's layout: (identity, getter of its nested containers or None, whether that
# getter returns one value rather than a tuple, getter of the strings under enum keys or
# None; with one such key it returns the string, with more a tuple, as the layout says).
_Layout = tuple[int, Callable[[Any], Any] | None, bool, Callable[[Any], Any] | None]
_IDENTITIES = itertools.count(1)  # never reused, so a key made before a clear never matches
_LAYOUT_TOKENS = 100_000  # keys and items the layout tables may hold before they start over


class _Layouts:
    """Container signatures seen so far, each with its layout, found by one dict lookup.

    A signature is an object's keys and its values' types (a list's: its items'
    types), in one flat tuple. Two signatures that differ only by int against
    float share one layout, and so one identity: the identity stands for exactly
    one (keys, type codes) pair for the life of the process, because identities
    are never reused; when the tables pass their bound they start over with new
    identities. A memo entry keyed with old identities is then never hit again,
    never wrongly hit.
    """

    def __init__(self) -> None:
        self.by_types: dict[tuple[Any, ...], _Layout] = {}
        self._by_codes: dict[tuple[Any, ...], _Layout] = {}
        self._tokens = 0

    def learn(self, container: Any, signature: tuple[Any, ...]) -> _Layout | None:
        """The layout of a signature not looked up before (``None``: not plain JSON)."""
        keys: tuple[Any, ...] | None
        if type(container) is dict:
            keys, types = signature[: len(container)], signature[len(container) :]
        else:
            keys, types = None, signature[1:]
        found = tuple(map(_code, types))
        if None in found:
            return None
        codes = cast("tuple[int, ...]", found)
        if self._tokens > _LAYOUT_TOKENS:
            self.by_types.clear()
            self._by_codes.clear()
            self._tokens = 0
        by_codes = (keys, codes)
        layout = self._by_codes.get(by_codes)
        if layout is None:
            if keys is None:
                where: list[Any] = [i for i, code in enumerate(codes) if code <= _LIST]
                enums: tuple[str, ...] = ()
            else:
                where = [key for key, code in zip(keys, codes, strict=True) if code <= _LIST]
                enums = tuple(
                    sorted(
                        key
                        for key, code in zip(keys, codes, strict=True)
                        if code == _STRING and key in ENUM_KEYS
                    )
                )
            getter = itemgetter(*where) if where else None
            strings = itemgetter(*enums) if enums else None
            layout = (next(_IDENTITIES), getter, len(where) == 1, strings)
            self._by_codes[by_codes] = layout
            self._tokens += len(codes)
        self.by_types[signature] = layout
        self._tokens += len(codes)
        return layout


_LAYOUTS = _Layouts()


def quick_key(payload: Mapping[str, Any], max_nodes: int = MAX_NODES) -> tuple[Any, ...] | None:
    """An exact in-memory key for "the same shape and the same enum values as before".

    Per container, breadth first (each level in the order its parents list them):
    the identity of its layout (see :class:`_Layouts`: one per object keys and
    value type codes, or list item type codes), then for an object the strings
    under its keys in :data:`ENUM_KEYS` (one string, or a tuple of them). A layout
    says which values are containers and which enum strings follow, so the
    sequence decodes to one shape (and one set of enum values) only. Per
    container, one signature (a C-level tuple) and one dict lookup; no sort, no
    hash of our own: the memo dict hashes the key and compares it exactly, so a
    hit can never be a collision. Key order and list length are part of it (a
    miss then costs one slow path, never a wrong answer). ``None`` for values
    outside plain JSON types. Raises :class:`TooLarge` past ``max_nodes`` keys
    and items (the caller's bound; :data:`MAX_NODES` by default) or
    :data:`MAX_DEPTH` levels.
    """
    out: list[Any] = []
    append = out.append
    known = _LAYOUTS.by_types.get
    learn = _LAYOUTS.learn
    level: list[Any] = [payload]
    depth = nodes = 0
    while level:
        if depth > MAX_DEPTH:
            raise TooLarge
        below: list[Any] = []
        for container in level:
            # One flat tuple: an object's keys, then its values' types (as many); a
            # list's items' types after a None (which no object's first key can be).
            if type(container) is dict:
                signature: tuple[Any, ...] = (*container, *map(type, container.values()))
            elif type(container) is list:
                signature = (None, *map(type, container))
            else:
                return None
            nodes += len(container)
            if nodes > max_nodes:
                raise TooLarge
            layout = known(signature) or learn(container, signature)
            if layout is None:
                return None
            identity, nested, single, strings = layout
            append(identity)
            if strings is not None:
                append(strings(container))
            if nested is not None:
                if single:
                    below.append(nested(container))
                else:
                    below.extend(nested(container))
        level = below
        depth += 1
    return tuple(out)
