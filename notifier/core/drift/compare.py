"""The comparison: how a payload's shape differs from the known variants (contract "Drift").

Pure, and linear in the payload's size: one pass over the payload's shape table,
one over the closest variant's, set and dict lookups (the shapes are flat tables,
and a per-path lookup is the whole comparison; deepdiff serves :mod:`.report`,
where schema documents, not payloads, are compared).

Each path is compared with the same path of the known variants (``union``):
``five_hour`` with the known ``five_hour``s, ``limits[]`` with the union of the
known items. Only a window (an object holding ``utilization``) at a path that no
variant has as an object (a null codename coming alive) is compared, below its
root, with the union of every known window's members.

- ``added``: a path no variant has. Its subtree is not looked at (reported once,
  at its root).
- ``type_changed``: a non-null type the variants never had at that path. When the
  new type is object or array, the subtree is new too and not looked at, except a
  window's members (compared with the union of windows, as above).
- ``removed``: a path of the closest variant (smallest symmetric difference of
  path sets, ties to the first by name) missing from the payload while its parent
  is an object in the payload (and not itself new). A key holding ``null`` is
  present, never removed.
- ``renamed``: a removed and an added key under the same parent with compatible
  types (one type in common, or either only ever null); for objects, only when
  they share at least half of their members.
- ``value_added``: a string at an enum path (``schema.ENUM_PATHS`` declared in
  a schema) that the declared values do not hold. The value is shown only when it
  looks like an identifier (else the redaction placeholder): it is archived.

A list path stands for all its items, so a change in several items is one change;
a window is an object like any other, so a rename in every window is one rename
per window.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from notifier.core.drift.schema import KnownSchemas, Variant
from notifier.core.drift.shape import (
    ARRAY,
    ITEM,
    NULL,
    OBJECT,
    Path,
    Shape,
    display,
    type_name,
)
from notifier.core.events import Change, ChangeKind
from notifier.core.redact import PLACEHOLDER, looks_like_identifier

_RENAME_CANDIDATES = 64  # added keys tried per removed key: bounds a pathological payload
_ORDER = {kind: i for i, kind in enumerate(ChangeKind)}


def compare(payload: Mapping[str, Any], shape: Shape, known: KnownSchemas) -> tuple[Change, ...]:
    """Every change of ``payload`` (whose shape is ``shape``) against ``known``, sorted."""
    union, windows = known.union, known.windows
    added: list[Path] = []
    type_changed: list[tuple[Path, int]] = []
    new: set[Path] = set()  # roots and members of subtrees no variant has: not looked at
    rebased: dict[Path, Path] = {}  # a payload path under a new window -> its window-relative path
    for path, bits in shape.items():  # parents come before children
        if not path:
            continue
        parent = path[:-1]
        if parent in new:
            new.add(path)
            continue
        seen: int | None
        if parent in rebased:
            rel = (*rebased[parent], path[-1])
            rebased[path] = rel
            seen = windows.get(rel)
            # A node that is a list as well as a new window has the list's own items,
            # known at their path: a path known either way is known.
            at_path = union.get(path)
            if at_path is not None:
                seen = at_path | (seen or 0)
        else:
            seen = union.get(path)
        if seen is None:
            added.append(path)
            new.add(path)
            continue
        fresh = bits & ~NULL & ~seen
        if fresh:
            type_changed.append((path, fresh))
        if bits & OBJECT and not seen & OBJECT:
            if (*path, "utilization") in shape and path not in rebased:
                rebased[path] = ()
            else:
                new.add(path)
        elif bits & ARRAY and not seen & ARRAY:
            new.add(path)

    closest = _closest(shape, known.variants)
    old_shape: Shape = closest.shape if closest is not None else {}
    removed = [
        path
        for path in old_shape
        if path
        and path not in shape
        and path[-1] != ITEM
        and shape.get(path[:-1], 0) & OBJECT
        and path[:-1] not in new
        and path[:-1] not in rebased
    ]

    changes: list[Change] = []
    if removed and added:
        removed, added, renames = _pair_renames(removed, added, old_shape, shape)
        changes.extend(renames)
    changes.extend(Change(ChangeKind.REMOVED, display(p)) for p in removed)
    changes.extend(Change(ChangeKind.ADDED, display(p), type=type_name(shape[p])) for p in added)
    for path, fresh in type_changed:
        old = old_shape.get(path, 0) & ~NULL or _seen_at(path, rebased, known) & ~NULL or NULL
        changes.append(
            Change(
                ChangeKind.TYPE_CHANGED,
                display(path),
                old_type=type_name(old),
                new_type=type_name(fresh),
            )
        )
    for path, values in known.enums.items():
        if path in shape and path not in new and path not in rebased:
            for value in sorted(strings_at(payload, path) - values):
                shown = value if looks_like_identifier(value) else PLACEHOLDER
                changes.append(Change(ChangeKind.VALUE_ADDED, display(path), value=shown))
    unique = set(changes)
    return tuple(
        sorted(unique, key=lambda c: (c.path, _ORDER[c.change], c.from_path or "", c.value or ""))
    )


def _seen_at(path: Path, rebased: dict[Path, Path], known: KnownSchemas) -> int:
    at_path = known.union.get(path, 0)
    if rebased.get(path):
        return known.windows.get(rebased[path], 0) | at_path
    return at_path


def _closest(shape: Shape, variants: tuple[Variant, ...]) -> Variant | None:
    """The variant whose path set differs least from the payload's (first by name on ties)."""
    best: Variant | None = None
    best_distance = -1
    paths = shape.keys()
    for variant in variants:
        distance = len(paths ^ variant.shape.keys())
        if best is None or distance < best_distance:
            best, best_distance = variant, distance
    return best


def _children(shape: Shape, parents: set[Path]) -> dict[Path, set[str]]:
    found: dict[Path, set[str]] = {p: set() for p in parents}
    for path in shape:
        if path and path[:-1] in found:
            found[path[:-1]].add(path[-1])
    return found


def _pair_renames(
    removed: list[Path], added: list[Path], old_shape: Shape, shape: Shape
) -> tuple[list[Path], list[Path], list[Change]]:
    by_parent: dict[Path, list[Path]] = {}
    for path in sorted(added):
        by_parent.setdefault(path[:-1], []).append(path)
    candidates = [p for p in removed if p[:-1] in by_parent]
    if not candidates:
        return removed, added, []
    old_children = _children(old_shape, {p for p in candidates if old_shape[p] & OBJECT})
    new_children = _children(
        shape, {p for ps in by_parent.values() for p in ps if shape[p] & OBJECT}
    )
    renames: list[Change] = []
    gone: set[Path] = set()
    kept_removed: list[Path] = []
    for old in sorted(removed):
        partner = None
        for new in by_parent.get(old[:-1], ())[:_RENAME_CANDIDATES]:
            if new in gone or not _compatible(old_shape[old], shape[new]):
                continue
            if _similar(old_children.get(old, set()), new_children.get(new, set())):
                partner = new
                break
        if partner is None:
            kept_removed.append(old)
        else:
            gone.add(partner)
            renames.append(Change(ChangeKind.RENAMED, display(partner), from_path=display(old)))
    return kept_removed, [p for p in added if p not in gone], renames


def _similar(old: set[str], new: set[str]) -> bool:
    # A renamed object keeps most of its members; `spend` going missing while an
    # unrelated window appears is a removal and an addition, not a rename.
    if not old and not new:
        return True
    return len(old & new) * 2 >= len(old | new)


def _compatible(old: int, new: int) -> bool:
    old_types, new_types = old & ~NULL, new & ~NULL
    return not old_types or not new_types or bool(old_types & new_types)


def strings_at(payload: Mapping[str, Any], path: Path) -> set[str]:
    """The string values at a shape path (every item of each list on the way)."""
    current: list[Any] = [payload]
    for part in path:
        following: list[Any] = []
        for value in current:
            if part == ITEM:
                if isinstance(value, list | tuple):
                    following.extend(value)
            elif isinstance(value, Mapping):
                name = part[1:] if part[:2] == "\x00\x00" else part
                if name in value:
                    following.append(value[name])
        current = following
    return {v for v in current if isinstance(v, str)}
