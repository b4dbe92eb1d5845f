"""Known variants: JSON Schema documents read as shapes, their enums, and inference.

Pure (the files are read by :mod:`notifier.schemas`, an edge). Only the JSON
Schema the shipped and generated documents use is understood, and that is all a
variant needs: ``type`` (a name or a list of names; ``integer`` reads as
``number``), ``properties``, ``items`` (one schema for every item), ``anyOf``
(genson and :func:`infer_schema` write it for mixed item types) and ``enum`` (of
strings, at :data:`ENUM_PATHS`). A node describes something only through its
``type`` (every node genson, :func:`infer_schema` and the shipped documents write
has one), and its ``properties`` or ``items`` only when that type is object or
array. Everything else (``required``, ``description``, ``x-*``, and ``$ref``,
``oneOf``, ``prefixItems``, which no variant uses) is ignored: a hand-written
schema must be written in that subset.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from notifier.core.drift.shape import (
    ARRAY,
    BIT_OF_NAME,
    ITEM,
    NULL,
    OBJECT,
    TYPE_NAMES,
    Path,
    Shape,
    bits_of,
    display,
    fingerprint,
    parse,
    segment,
    type_name,
)

SCHEMA_URI = "https://json-schema.org/draft/2020-12/schema"

ENUM_PATHS: tuple[Path, ...] = (
    ("limits", ITEM, "kind"),
    ("limits", ITEM, "group"),
    ("limits", ITEM, "severity"),
)
"""Where the shipped schemas declare ``enum``: a string outside it is ``value_added``."""

_MEMO_LIMIT = 256
_MEMO_TOKENS = 20_000  # a quick key grows with its payload (~60 for a real one): bound memory


def _alternatives(node: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """A node and its ``anyOf`` alternatives (nested ones unfolded) that declare a ``type``."""
    found: list[Mapping[str, Any]] = []
    pending = [node]
    while pending:
        current = pending.pop()
        subs = current.get("anyOf")
        if isinstance(subs, list):
            pending.extend(s for s in reversed(subs) if isinstance(s, Mapping))
        if "type" in current:
            found.append(current)
    return found


def _bits(node: Mapping[str, Any]) -> int:
    declared = node.get("type")
    names = [declared] if isinstance(declared, str) else list(declared or ())
    bits = 0
    for name in names:
        bits |= BIT_OF_NAME.get(name, 0) if isinstance(name, str) else 0
    return bits


def shape_of_schema(document: Mapping[str, Any]) -> Shape:
    """The shape a schema document describes, exactly as :func:`shape.shape_of` would
    compute it for a payload of that variant (parents before children)."""
    return _read(document)[0]


def enums_of_schema(document: Mapping[str, Any]) -> dict[Path, frozenset[str]]:
    """The ``enum`` string values a document declares, per path (only where declared)."""
    return _read(document)[1]


def _read(document: Mapping[str, Any]) -> tuple[Shape, dict[Path, frozenset[str]]]:
    shape: Shape = {(): OBJECT}
    enums: dict[Path, set[str]] = {}
    # (node, path); breadth-first, so a parent path is always entered before its children.
    queue: list[tuple[Mapping[str, Any], Path]] = [(document, ())]
    for node, path in queue:
        for alt in _alternatives(node):
            bits = _bits(alt)
            if path:
                shape[path] = shape.get(path, 0) | bits
            values = alt.get("enum")
            if isinstance(values, list):
                enums.setdefault(path, set()).update(v for v in values if isinstance(v, str))
            props = alt.get("properties")
            if bits & OBJECT and isinstance(props, Mapping):
                for name, sub in props.items():
                    if isinstance(sub, Mapping):
                        queue.append((sub, (*path, segment(str(name)))))
            items = alt.get("items")
            if bits & ARRAY and isinstance(items, Mapping):
                queue.append((items, (*path, ITEM)))
    return shape, {path: frozenset(values) for path, values in enums.items()}


def infer_schema(payload: Mapping[str, Any]) -> dict[str, Any]:
    """A JSON Schema (2020-12) describing one payload; list items are merged into one.

    Keys and type names only, never values (``enum`` is added by whoever knows the
    values may be shown: :func:`with_enums`). ``shape_of_schema`` of the result
    equals ``shape_of(payload)``.
    """
    return {"$schema": SCHEMA_URI, **_infer(payload)}


def _infer(value: Any) -> dict[str, Any]:
    bits = bits_of(value)
    if bits == OBJECT:
        return {
            "type": "object",
            "properties": {str(k): _infer(v) for k, v in value.items()},
            "required": sorted(str(k) for k in value),
        }
    if bits == ARRAY:
        node: dict[str, Any] = {"type": "array"}
        if value:
            node["items"] = _merge([_infer(item) for item in value])
        return node
    return {"type": type_name(bits)}


def _merge(nodes: list[dict[str, Any]]) -> dict[str, Any]:
    """Merge item schemas made by ``_infer`` into one (the union of their shapes)."""
    flat: list[dict[str, Any]] = []
    pending = list(reversed(nodes))
    while pending:
        n = pending.pop()
        if "anyOf" in n:
            pending.extend(reversed(n["anyOf"]))
        elif isinstance(n.get("type"), list):
            flat.extend({"type": t} for t in n["type"])
        else:
            flat.append(n)
    objects = [n for n in flat if n["type"] == "object"]
    arrays = [n for n in flat if n["type"] == "array"]
    scalars = {n["type"] for n in flat if n["type"] not in ("object", "array")}
    parts: list[dict[str, Any]] = []
    if objects:
        props: dict[str, list[dict[str, Any]]] = {}
        for n in objects:
            for k, sub in n["properties"].items():
                props.setdefault(k, []).append(sub)
        required = set.intersection(*(set(n["required"]) for n in objects))
        parts.append(
            {
                "type": "object",
                "properties": {k: _merge(subs) for k, subs in props.items()},
                "required": sorted(required),
            }
        )
    if arrays:
        with_items = [n["items"] for n in arrays if "items" in n]
        merged: dict[str, Any] = {"type": "array"}
        if with_items:
            merged["items"] = _merge(with_items)
        parts.append(merged)
    if scalars:
        ordered = [name for _, name in TYPE_NAMES if name in scalars]
        parts.append({"type": ordered[0] if len(ordered) == 1 else ordered})
    return parts[0] if len(parts) == 1 else {"anyOf": parts}


def with_enums(document: dict[str, Any], enums: Mapping[Path, Iterable[str]]) -> list[str]:
    """Add ``enum`` values to a schema document in place; the ``path=value`` texts added.

    For the enum paths only (``limits[].kind``...), at nodes that declare ``string``.
    Idempotent: values already declared are not added again, and the list stays sorted.
    """
    added: list[str] = []
    for path, values in sorted(enums.items()):
        for node in _nodes_at(document, path):
            declared = node.get("enum")
            listed = declared if isinstance(declared, list) else []
            current = {v for v in listed if isinstance(v, str)}
            new = sorted(set(values) - current)
            if not new and declared is not None:
                continue
            node["enum"] = sorted(current | set(values))
            added.extend(f"{display(path)}={value}" for value in new)
    return sorted(set(added))


def enums_of_changes(changes: Iterable[Mapping[str, Any]]) -> dict[Path, set[str]]:
    """The new enum values ``value_added`` changes (as JSON) carry, per path.

    Redacted values (the placeholder) are not values anyone saw: they are left out.
    """
    from notifier.core.redact import PLACEHOLDER

    found: dict[Path, set[str]] = {}
    for change in changes:
        value, path = change.get("value"), change.get("path")
        if change.get("change") != "value_added" or not isinstance(path, str):
            continue
        if isinstance(value, str) and value != PLACEHOLDER:
            found.setdefault(parse(path), set()).add(value)
    return found


def _nodes_at(document: dict[str, Any], path: Path) -> list[dict[str, Any]]:
    """The schema nodes (alternatives declaring ``string``) that describe ``path``."""
    nodes: list[dict[str, Any]] = [document]
    for part in path:
        following: list[dict[str, Any]] = []
        for node in nodes:
            for alt in _alternatives(node):
                if part == ITEM:
                    items = alt.get("items")
                    if isinstance(items, dict):
                        following.append(items)
                else:
                    props = alt.get("properties")
                    sub = props.get(part) if isinstance(props, dict) else None
                    if isinstance(sub, dict):
                        following.append(sub)
        nodes = following
    found: list[dict[str, Any]] = []
    for node in nodes:
        for alt in _alternatives(node):
            if isinstance(alt, dict) and _bits(alt) & ~NULL & BIT_OF_NAME["string"]:
                found.append(alt)
    return found


# ------------------------------------------------------------------ known variants


@dataclass(frozen=True)
class Variant:
    """One known payload shape, from one JSON Schema document."""

    name: str
    document: dict[str, Any] = field(repr=False)
    shape: Shape = field(repr=False)
    fingerprint: str


@dataclass(frozen=True)
class KnownSchemas:
    """The known payload variants, with what the comparison needs precomputed.

    ``union``: every known path and its types; ``windows``: the union of every known
    window's members, by path relative to the window; ``enums``: the declared
    ``enum`` values per path (the union over the documents that declare one; a
    document without ``enum`` there does not lift the check). ``KnownSchemas()``
    knows nothing (every key is ``added``). Build one with
    :func:`notifier.schemas.load_known` or :meth:`from_documents`.
    """

    variants: tuple[Variant, ...] = ()
    union: Shape = field(default_factory=dict, repr=False)
    windows: Shape = field(default_factory=dict, repr=False)
    enums: Mapping[Path, frozenset[str]] = field(default_factory=dict, repr=False)
    fingerprints: frozenset[str] = frozenset()
    # The memo: quick key -> result, and shape fingerprint -> result. Only ever holds
    # facts that follow from the fields above, so `check` stays a pure function.
    _memo: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)
    _by_shape: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_documents(cls, documents: Iterable[tuple[str, Mapping[str, Any]]]) -> KnownSchemas:
        """Known variants from ``(name, JSON Schema document)`` pairs, ordered by name."""
        variants = []
        enums: dict[Path, set[str]] = {}
        for name, document in sorted(documents, key=lambda pair: pair[0]):
            shape, declared = _read(document)
            variants.append(Variant(name, dict(document), shape, fingerprint(shape)))
            for path, values in declared.items():
                enums.setdefault(path, set()).update(values)
        union: Shape = {}
        windows: Shape = {}
        for variant in variants:
            for path, bits in variant.shape.items():
                union[path] = union.get(path, 0) | bits
            for path in variant.shape:
                root = path[:-1]
                # A "utilization" key makes its parent an object: _read follows
                # properties only under an object type.
                if root and path[-1] == "utilization":
                    for member, member_bits in variant.shape.items():
                        if len(member) > len(root) and member[: len(root)] == root:
                            rel = member[len(root) :]
                            windows[rel] = windows.get(rel, 0) | member_bits
        return cls(
            variants=tuple(variants),
            union=union,
            windows=windows,
            enums={path: frozenset(values) for path, values in enums.items()},
            fingerprints=frozenset(v.fingerprint for v in variants),
        )

    def remember(self, key: Any, size: int, result: Any) -> None:
        """Keep a result for a quick key, within the memo's bounds (oldest dropped)."""
        if size > _MEMO_TOKENS:
            return
        if len(self._memo) >= _MEMO_LIMIT:
            self._memo.pop(next(iter(self._memo)))
        self._memo[key] = result

    def remember_shape(self, key: Any, result: Any) -> None:
        """Keep a result for a shape fingerprint (and enum values), within bounds."""
        if len(self._by_shape) >= _MEMO_LIMIT:
            self._by_shape.pop(next(iter(self._by_shape)))
        self._by_shape[key] = result
