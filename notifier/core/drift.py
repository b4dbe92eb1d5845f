"""Shape comparison of usage payloads with the known variants (the contract's "Drift").

Owns: reducing a payload (or a JSON Schema document) to its *shape*, the shape
fingerprint, and the comparison that yields ``added`` / ``removed`` /
``renamed`` / ``type_changed`` changes. Pure: no clock, no disk (the schema
documents are read by :mod:`notifier.schemas`, an edge). Must not import edge
modules; deepdiff is imported inside the slow path only.

The shape
    A flat table ``path -> set of JSON types``. Paths are tuples of keys; list
    items of one list share one path (``limits[]``: the union of the items), and
    the members of every *window* (an object holding ``utilization``) share one
    virtual parent (the union of all windows), so ``five_hour.limit_dollars`` and
    ``cinder_cove.limit_dollars`` are the same member. Types are JSON's: object,
    array, string, number (int and float alike), boolean, null. Values and key
    order are not part of it. The fingerprint is a hash of the sorted table, so a
    payload whose shape is known costs one walk and one set lookup.

Variant identity
    A drifting payload is identified by a hash of its changes (``variant_id``),
    not of its raw shape, so a payload carrying the same news while unrelated
    buckets flip between null and a window is one variant, archived and reported
    once. A clean payload's ``fingerprint`` is its shape hash.

The comparison (slow path, only for an unseen fingerprint)
    Shapes become small trees of key names and type names (never values), and
    deepdiff (``threshold_to_diff_deeper=0``) compares them:

    - against the union of every known variant: keys no variant has there are
      ``added`` (reported once, at the root of the new subtree) and non-null
      types no variant has there are ``type_changed``;
    - against the closest variant (smallest symmetric difference of path sets,
      ties to the first by name): keys it has that are missing where their
      parent object is present are ``removed``;
    - a ``removed`` and an ``added`` key under the same parent with compatible
      types (sharing a type, or either only ever null) become one ``renamed``;
      for objects, only when they share at least half of their member keys
      (a block that vanished and an unrelated new one are not a rename).

    Changes under a path whose type changed to object/array (a new subtree) are
    not repeated. Window members are reported once, at the first window (by key)
    that carries them, e.g. ``five_hour.reset_at``; list items at ``limits[]``.

Null and codenames (a decision the contract and issue 4 both touch)
    ``null`` is compatible with every type, so a bucket that some known variant
    has as a window (``seven_day_opus``) may come and go as ``null`` or as a
    window of a known shape without drift: that is the issue's "a bucket going
    from null to a window whose shape is known". A key that every known variant
    has *only* as ``null`` (a codename such as ``tangelo``) and that now holds an
    object is ``type_changed`` ``null -> object``, window or not: the contract's
    "a codename bucket came alive", which users want to hear about. The window's
    members themselves are then compared with the union of windows as usual.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from notifier.core.events import Change, ChangeKind

Path_ = tuple[str, ...]
Shape = dict[Path_, int]

# Path segments that stand for "an item of this list" and "the union of all windows".
# A leading NUL cannot clash with a real key: real keys starting with NUL are escaped.
ITEM = "\x00[]"
WINDOW = "\x00window"
_MARKERS = (ITEM, WINDOW)

OBJECT, ARRAY, STRING, NUMBER, BOOLEAN, NULL = 1, 2, 4, 8, 16, 32
TYPE_NAMES: tuple[tuple[int, str], ...] = (
    (OBJECT, "object"),
    (ARRAY, "array"),
    (STRING, "string"),
    (NUMBER, "number"),
    (BOOLEAN, "boolean"),
    (NULL, "null"),
)
_BIT_OF_NAME = {name: bit for bit, name in TYPE_NAMES} | {"integer": NUMBER}
_MEMO_LIMIT = 1024

SCHEMA_URI = "https://json-schema.org/draft/2020-12/schema"


# --------------------------------------------------------------------------- shape


def _key(name: str) -> str:
    return "\x00" + name if name[:1] == "\x00" else name


def _unkey(part: str) -> str:
    return part[1:] if part[:2] == "\x00\x00" else part


def _bits_of(value: Any) -> int:
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


def _is_window(obj: Mapping[str, Any]) -> bool:
    return "utilization" in obj


_BITS_BY_TYPE: dict[type, int] = {
    dict: OBJECT,
    list: ARRAY,
    str: STRING,
    int: NUMBER,
    float: NUMBER,
    bool: BOOLEAN,
    type(None): NULL,
}


def shape_of(payload: Mapping[str, Any]) -> Shape:
    """The normalised shape of a payload: ``{path: type bits}`` (see the module doc)."""
    shape: Shape = {(): OBJECT}
    # Containers still to visit: (value, its shape path, is an item of a list of windows).
    # Iterative, so a deeply nested payload cannot exhaust the recursion limit.
    stack: list[tuple[Any, Path_, bool]] = [(payload, (), False)]
    while stack:
        container, path, window_item = stack.pop()
        if isinstance(container, Mapping):
            base = path
            if path and (window_item or "utilization" in container):
                base = (WINDOW,)
                shape[base] = OBJECT
            for name, value in container.items():
                child = (*base, "\x00" + name if name[:1] == "\x00" else name)
                bits = _BITS_BY_TYPE.get(type(value)) or _bits_of(value)
                shape[child] = shape.get(child, 0) | bits
                if bits <= ARRAY:
                    stack.append((value, child, False))
        else:
            item = (*path, ITEM)
            windowed = any(isinstance(i, Mapping) and "utilization" in i for i in container)
            for value in container:
                bits = _BITS_BY_TYPE.get(type(value)) or _bits_of(value)
                shape[item] = shape.get(item, 0) | bits
                if bits <= ARRAY:
                    stack.append((value, item, windowed))
    return shape


def fingerprint(shape: Shape) -> str:
    """A stable hash of a shape: same shape, same fingerprint, whatever the values or order."""
    text = "\x1e".join(f"{chr(31).join(path)}\x1d{bits}" for path, bits in sorted(shape.items()))
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


# ----------------------------------------------------------- JSON Schema <-> shape


def _schema_alternatives(
    schema: Mapping[str, Any], root: Mapping[str, Any], depth: int = 0
) -> Iterator[Mapping[str, Any]]:
    """The plain alternatives of a schema node: ``$ref``, ``anyOf``, ``oneOf`` unfolded."""
    if depth > 32:  # a $ref cycle in a hand-edited file; stop instead of looping
        return
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        target: Any = root
        for part in ref[2:].split("/"):
            target = target.get(part.replace("~1", "/").replace("~0", "~"), {})
        yield from _schema_alternatives(target, root, depth + 1)
    for combinator in ("anyOf", "oneOf"):
        for sub in schema.get(combinator, ()):
            yield from _schema_alternatives(sub, root, depth + 1)
    if any(k in schema for k in ("type", "properties", "items", "prefixItems")):
        yield schema


def _schema_bits(alt: Mapping[str, Any]) -> int:
    declared = alt.get("type")
    names = [declared] if isinstance(declared, str) else list(declared or ())
    if not names:
        names = ["object"] if "properties" in alt else ["array"]
    bits = 0
    for name in names:
        bits |= _BIT_OF_NAME.get(name, 0)
    return bits


def shape_of_schema(document: Mapping[str, Any]) -> Shape:
    """The shape a JSON Schema document describes, normalised exactly like :func:`shape_of`."""
    shape: Shape = {}
    _walk_schema(document, (), "", False, shape, document, None)
    shape[()] = OBJECT
    return shape


def window_homes(document: Mapping[str, Any]) -> dict[str, set[str]]:
    """Which windows carry each window member in a schema: ``{"resets_at": {"five_hour"}}``.

    The shape unites windows; this tells where to *write* a member that went missing.
    """
    homes: dict[str, set[str]] = {}
    _walk_schema(document, (), "", False, {}, document, homes)
    return homes


def _walk_schema(
    schema: Mapping[str, Any],
    path: Path_,
    text: str,
    windowed_items: bool,
    shape: Shape,
    root: Mapping[str, Any],
    homes: dict[str, set[str]] | None,
) -> None:
    alternatives = list(_schema_alternatives(schema, root))
    for alt in alternatives:
        if path:
            shape[path] = shape.get(path, 0) | _schema_bits(alt)
    objects = [a for a in alternatives if _schema_bits(a) & OBJECT]
    window = windowed_items or any("utilization" in a.get("properties", {}) for a in objects)
    for alt in objects:
        base: Path_ = path
        if window and path:
            shape[(WINDOW,)] = OBJECT
            base = (WINDOW,)
        for name, sub in alt.get("properties", {}).items():
            if base == (WINDOW,) and homes is not None:
                homes.setdefault(name, set()).add(text)
            sub_text = f"{text}.{name}" if text else name
            _walk_schema(sub, (*base, _key(name)), sub_text, False, shape, root, homes)
    for alt in alternatives:
        if not _schema_bits(alt) & ARRAY:
            continue
        item_schemas: list[Mapping[str, Any]] = list(alt.get("prefixItems", ()))
        items = alt.get("items")
        if isinstance(items, dict):
            item_schemas.append(items)
        elif isinstance(items, list):
            item_schemas.extend(items)
        item_objects = [
            a
            for s in item_schemas
            for a in _schema_alternatives(s, root)
            if _schema_bits(a) & OBJECT
        ]
        item_window = any("utilization" in a.get("properties", {}) for a in item_objects)
        for sub in item_schemas:
            _walk_schema(sub, (*path, ITEM), text + "[]", item_window, shape, root, homes)


def infer_schema(payload: Mapping[str, Any]) -> dict[str, Any]:
    """A JSON Schema (2020-12) describing one payload; list items are merged into one.

    Pure, values never copied: only keys and type names. ``shape_of_schema``
    of the result equals ``shape_of(payload)``.
    """
    document = {"$schema": SCHEMA_URI, **_infer(payload)}
    return document


def _infer(value: Any) -> dict[str, Any]:
    bits = _bits_of(value)
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
    return {"type": _type_name(bits)}


def _merge(nodes: list[dict[str, Any]]) -> dict[str, Any]:
    """Merge item schemas made by ``_infer`` into one (the union of their shapes)."""
    scalars: set[str] = set()
    objects = [n for n in nodes if n["type"] == "object"]
    arrays = [n for n in nodes if n["type"] == "array"]
    for n in nodes:
        if n["type"] not in ("object", "array"):
            scalars.add(n["type"])
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
            merged["items"] = _merge(_flatten_any_of(with_items))
        parts.append(merged)
    if scalars:
        ordered = [name for _, name in TYPE_NAMES if name in scalars]
        parts.append({"type": ordered[0] if len(ordered) == 1 else ordered})
    return parts[0] if len(parts) == 1 else {"anyOf": parts}


def _flatten_any_of(nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for n in nodes:
        if "anyOf" in n:
            out.extend(n["anyOf"])
        elif isinstance(n.get("type"), list):
            out.extend({"type": t} for t in n["type"])
        else:
            out.append(n)
    return out


# ------------------------------------------------------------------ known variants


@dataclass(frozen=True)
class Variant:
    """One known payload shape, from one JSON Schema document."""

    name: str
    document: dict[str, Any]
    shape: Shape = field(repr=False)
    fingerprint: str


@dataclass(frozen=True)
class KnownSchemas:
    """The known payload variants, with what ``check`` needs precomputed.

    ``KnownSchemas()`` knows nothing (every key is ``added``). Build one with
    :func:`notifier.schemas.load_known` or :meth:`from_documents`.
    """

    variants: tuple[Variant, ...] = ()
    union: Shape = field(default_factory=dict, repr=False)
    fingerprints: frozenset[str] = frozenset()
    # Memo of fingerprints found clean by the slow path (no changes). Only ever grows
    # with facts that follow from `variants`, so `check` stays a pure function.
    _clean: set[str] = field(default_factory=set, repr=False, compare=False)

    @classmethod
    def from_documents(cls, documents: Iterable[tuple[str, Mapping[str, Any]]]) -> KnownSchemas:
        """Known variants from ``(name, JSON Schema document)`` pairs, ordered by name."""
        variants = []
        for name, document in sorted(documents, key=lambda pair: pair[0]):
            shape = shape_of_schema(document)
            variants.append(Variant(name, dict(document), shape, fingerprint(shape)))
        union: Shape = {}
        for variant in variants:
            for path, bits in variant.shape.items():
                union[path] = union.get(path, 0) | bits
        prints = frozenset(v.fingerprint for v in variants)
        return cls(tuple(variants), union, prints, set(prints))


@dataclass(frozen=True)
class DriftResult:
    """A payload's variant identity and how it differs from every known variant.

    ``fingerprint`` is the shape hash when there are no changes, and
    :func:`variant_id` of the changes when there are: the key the archive and the
    "report once" logic use (32 hex digits either way).
    """

    fingerprint: str
    changes: tuple[Change, ...] = field(default_factory=tuple)


# ----------------------------------------------------------------------- compare


def check(payload: Mapping[str, Any], known: KnownSchemas) -> DriftResult:
    """Compare one payload's shape with the known variants. Pure.

    A known (or already found clean) fingerprint returns at once with no changes.
    """
    shape = shape_of(payload)
    print_ = fingerprint(shape)
    if print_ in known._clean:
        return DriftResult(print_)
    changes = _compare(payload, shape, known)
    if not changes:
        if len(known._clean) < _MEMO_LIMIT:
            known._clean.add(print_)
        return DriftResult(print_)
    return DriftResult(variant_id(changes), changes)


def variant_id(changes: Iterable[Change]) -> str:
    """The identity of a drifting variant: a hash of what differs from the known ones.

    Not the raw shape hash: a drifting payload whose *other* buckets flip between
    ``null`` and a window (``seven_day_sonnet`` does) has a new shape each time, but
    it is the same news, to be archived and reported once.
    """
    text = json.dumps(sorted(json.dumps(c.to_json(), sort_keys=True) for c in changes))
    return hashlib.blake2b(("variant\n" + text).encode(), digest_size=16).hexdigest()


def _type_name(bits: int) -> str:
    for bit, name in TYPE_NAMES:
        if bits & bit:
            return name
    return "null"


def _tree(shape: Shape) -> dict[str, Any]:
    """Nested ``{"t": {type names}, "k": {key: node}}``: keys and type names, no values."""
    root: dict[str, Any] = {"t": {"object"}, "k": {}}
    for path in sorted(shape, key=len):
        if not path:
            continue
        node = root
        for part in path[:-1]:
            node = node["k"].setdefault(part, {"t": set(), "k": {}})
        leaf = node["k"].setdefault(path[-1], {"t": set(), "k": {}})
        leaf["t"] = {name for bit, name in TYPE_NAMES if shape[path] & bit}
    return root


def _display_paths(
    payload: Mapping[str, Any],
) -> tuple[dict[Path_, str], set[str], dict[tuple[Path_, int], str]]:
    """How the contract writes each shape path; the windows; where each type was seen.

    A shape path stands for every window (or list item) that has the key; it is
    written as the first concrete one by name. ``typed`` keeps, per shape path and
    JSON type bit, the first concrete path holding a value of that type, so a type
    change is written where it happened (``seven_day.utilization``), not at the
    first window that merely has the key.
    """
    shown: dict[Path_, str] = {}
    windows: set[str] = set()
    typed: dict[tuple[Path_, int], str] = {}

    def note(path: Path_, text: str) -> None:
        if path not in shown or text < shown[path]:
            shown[path] = text

    def note_type(path: Path_, value: Any, text: str) -> None:
        key = (path, _bits_of(value))
        if key not in typed or text < typed[key]:
            typed[key] = text

    # (value, shape path, written path, is an item of a list of windows)
    stack: list[tuple[Any, Path_, str, bool]] = [(payload, (), "", False)]
    while stack:
        value, path, text, window_item = stack.pop()
        if isinstance(value, dict):
            base = path
            if path and (window_item or _is_window(value)):
                base = (WINDOW,)
                note(base, text)
                windows.add(text)
            for name, sub in value.items():
                child = (*base, _key(name))
                child_text = f"{text}.{name}" if text else str(name)
                note(child, child_text)
                note_type(child, sub, child_text)
                stack.append((sub, child, child_text, False))
        elif isinstance(value, list | tuple):
            item = (*path, ITEM)
            windowed = any(isinstance(i, dict) and _is_window(i) for i in value)
            note(item, text + "[]")
            for sub in value:
                note_type(item, sub, text + "[]")
                stack.append((sub, item, text + "[]", windowed))
    return shown, windows, typed


def _compare(payload: Mapping[str, Any], shape: Shape, known: KnownSchemas) -> tuple[Change, ...]:
    from deepdiff import DeepDiff  # heavy: only when a shape is new

    shown, windows, typed = _display_paths(payload)

    def show(path: Path_) -> str:
        if path in shown:
            return shown[path]
        if path[0] == WINDOW and len(path) == 2 and closest is not None:
            # A window member that went missing: write it at a window that had it
            # in the closest variant and is still here (five_hour.resets_at).
            homes = window_homes(closest.document).get(_unkey(path[1]), set()) & windows
            if homes:
                return f"{min(homes)}.{_unkey(path[1])}"
        parent = show(path[:-1]) if len(path) > 1 else ""
        return f"{parent}.{_unkey(path[-1])}" if parent else _unkey(path[-1])

    paths = set(shape)
    closest = min(
        known.variants, key=lambda v: len(paths.symmetric_difference(v.shape)), default=None
    )
    closest_shape: Shape = closest.shape if closest else {}
    payload_tree = _tree(shape)

    added: list[Path_] = []
    type_changed: dict[Path_, int] = {}
    vs_union = DeepDiff(_tree(known.union), payload_tree, threshold_to_diff_deeper=0, view="tree")
    for level in vs_union.get("dictionary_item_added", ()):
        added.extend(_expand_added(_shape_path(level.path(output_format="list")), shape))
    for level in vs_union.get("set_item_added", ()):
        path = _shape_path(level.up.path(output_format="list")[:-1])
        new_bits = _BIT_OF_NAME[level.t2] & ~NULL & ~known.union.get(path, 0)
        if new_bits:
            type_changed[path] = type_changed.get(path, 0) | new_bits

    removed: list[Path_] = []
    vs_closest = DeepDiff(
        _tree(closest_shape), payload_tree, threshold_to_diff_deeper=0, view="tree"
    )
    for level in vs_closest.get("dictionary_item_removed", ()):
        path = _shape_path(level.path(output_format="list"))
        parent = path[:-1]
        if path[-1] in _MARKERS:
            continue  # an empty list, or no window at all: no key went missing
        if parent == (WINDOW,) or shape.get(parent, 0) & OBJECT:
            removed.append(path)

    changes: set[Change] = set()
    for old in sorted(removed):
        partner = next(
            (
                new
                for new in sorted(added)
                if new[:-1] == old[:-1]
                and _compatible(closest_shape[old], shape[new])
                and _similar(_children(closest_shape, old), _children(shape, new))
            ),
            None,
        )
        if partner is None:
            changes.add(Change(ChangeKind.REMOVED, show(old)))
        else:
            added.remove(partner)
            changes.add(Change(ChangeKind.RENAMED, show(partner), from_path=show(old)))
    for new in added:
        changes.add(Change(ChangeKind.ADDED, show(new), type=_type_name(shape[new])))
    for path, new_bits in type_changed.items():
        old_bits = closest_shape.get(path, 0) & ~NULL or known.union.get(path, 0) & ~NULL or NULL
        where = [text for (p, bits), text in typed.items() if p == path and bits & new_bits]
        changes.add(
            Change(
                ChangeKind.TYPE_CHANGED,
                min(where) if where else show(path),
                old_type=_type_name(old_bits),
                new_type=_type_name(new_bits),
            )
        )
    # A new subtree is reported once, at its root: a new key, or a key whose type
    # became object/array (a codename that came alive) hides what lies under it.
    roots = [
        c.path
        for c in changes
        if c.change is ChangeKind.ADDED
        or (c.change is ChangeKind.TYPE_CHANGED and c.new_type in ("object", "array"))
    ]
    kept = [c for c in changes if not any(_under(c.path, root) for root in roots)]
    order = {kind: i for i, kind in enumerate(ChangeKind)}
    return tuple(sorted(kept, key=lambda c: (c.path, order[c.change], c.from_path or "")))


def _under(path: str, root: str) -> bool:
    return path.startswith((root + ".", root + "[]"))


def _shape_path(deepdiff_path: list[Any]) -> Path_:
    # ['k', 'five_hour', 'k', 'x'] -> ('five_hour', 'x')
    return tuple(str(part) for part in deepdiff_path[1::2])


def _expand_added(path: Path_, shape: Shape) -> list[Path_]:
    """A new key is one change; a virtual node (first window, first list item) is its keys."""
    if path[-1] not in _MARKERS:
        return [path]
    if path[-1] == ITEM:
        return [path]  # a list only ever seen empty now has items: report the items once
    return [p for p in shape if len(p) == 2 and p[0] == WINDOW]


def _children(shape: Shape, path: Path_) -> set[str]:
    return {p[len(path)] for p in shape if len(p) == len(path) + 1 and p[: len(path)] == path}


def _similar(old: set[str], new: set[str]) -> bool:
    # A renamed object keeps most of its members; `spend` going missing while an
    # unrelated window appears is a removal and an addition, not a rename.
    if not old and not new:
        return True
    return len(old & new) * 2 >= len(old | new)


def _compatible(old: int, new: int) -> bool:
    old_types, new_types = old & ~NULL, new & ~NULL
    return not old_types or not new_types or bool(old_types & new_types)
