"""Drift: how a usage payload's shape differs from the known variants (contract "Drift").

Pure: no clock, no disk (the schema documents are read by :mod:`notifier.schemas`,
an edge). Three parts:

- :mod:`.shape`: a payload's shape (``path -> JSON types``), its persisted
  fingerprint, and the quick in-memory key;
- :mod:`.schema`: the known variants (JSON Schema documents read as shapes, with
  their enums), and a schema inferred from a payload;
- :mod:`.compare`: the comparison, per key path.

:func:`check` is the one entry point for a payload (:func:`recall` is its first step
alone, for a caller that bounds the size itself). Its cost, in order:

1. the quick key (one walk, no sort, no hash of ours) found in the memo: the
   common case, a poll whose shape (and enum values) was judged before, known or
   drifting (a payload drifting the same way every poll is compared once);
2. the shape table and its fingerprint found among the known variants, or in the
   memo by fingerprint (another key order, another list length);
3. the comparison.

A payload beyond :data:`MAX_NODES` keys and items or :data:`MAX_DEPTH` levels is
not compared: its result says ``too_large`` (no changes, no fingerprint to archive).

Variant identity (persisted; golden values in ``tests/unit/test_drift_identity.py``):
a clean payload's ``fingerprint`` is its shape fingerprint; a drifting payload's
is :func:`variant_id` of its changes, so a payload carrying the same news while
unrelated buckets flip between null and a window is one variant, archived and
reported once.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from notifier.core.drift.compare import compare, strings_at
from notifier.core.drift.schema import (
    ENUM_PATHS,
    SCHEMA_URI,
    KnownSchemas,
    Variant,
    enums_of_changes,
    enums_of_schema,
    infer_schema,
    shape_of_schema,
    with_enums,
)
from notifier.core.drift.shape import (
    MAX_DEPTH,
    MAX_NODES,
    Shape,
    TooLarge,
    display,
    fingerprint,
    quick_key,
    shape_of,
    type_name,
)
from notifier.core.events import Change

__all__ = [
    "ENUM_PATHS",
    "MAX_DEPTH",
    "MAX_NODES",
    "SCHEMA_URI",
    "DriftResult",
    "KnownSchemas",
    "Shape",
    "Variant",
    "check",
    "display",
    "enums_of_changes",
    "enums_of_schema",
    "fingerprint",
    "infer_schema",
    "recall",
    "shape_of",
    "shape_of_schema",
    "type_name",
    "variant_id",
    "with_enums",
]


@dataclass(frozen=True)
class DriftResult:
    """A payload's variant identity and how it differs from every known variant.

    ``fingerprint`` is the shape fingerprint when there are no changes, and
    :func:`variant_id` of the changes when there are (32 hex digits either way): the
    key the archive and the "report once" logic use. ``too_large``: the payload
    was not compared (see :data:`MAX_NODES`); then there are no changes and the
    fingerprint is empty.
    """

    fingerprint: str
    changes: tuple[Change, ...] = field(default_factory=tuple)
    too_large: bool = False


TOO_LARGE = DriftResult("", too_large=True)


def check(payload: Mapping[str, Any], known: KnownSchemas) -> DriftResult:
    """Compare one payload's shape with the known variants. Pure (see the module doc)."""
    try:
        key = quick_key(payload)
    except TooLarge:
        return TOO_LARGE
    if key is not None:
        hit = known._memo.get(key)
        if hit is not None:
            result: DriftResult = hit
            return result
    try:
        shape = shape_of(payload)
    except TooLarge:
        return TOO_LARGE
    print_ = fingerprint(shape)
    memo_key = (print_, _enum_values(payload, known))
    cached: DriftResult | None = known._by_shape.get(memo_key)
    if cached is not None:
        result = cached
    else:
        if print_ in known.fingerprints and not memo_key[1]:
            result = DriftResult(print_)
        else:
            changes = compare(payload, shape, known)
            result = DriftResult(variant_id(changes), changes) if changes else DriftResult(print_)
        known.remember_shape(memo_key, result)
    if key is not None:
        known.remember(key, len(key), result)
    return result


def recall(payload: Mapping[str, Any], known: KnownSchemas, max_nodes: int) -> DriftResult | None:
    """The result :func:`check` gave a payload of exactly this shape and these enum values,
    or ``None``: not judged before, not plain JSON, or more than ``max_nodes`` keys and
    items (then the caller decides, and calls :func:`check`).

    The pipeline's common case in one walk: a poll like the last ones, whose size the
    walk bounds as it goes (a hostile payload costs no more than ``max_nodes``).
    """
    try:
        key = quick_key(payload, max_nodes)
    except TooLarge:
        return None
    if key is None:
        return None
    hit: DriftResult | None = known._memo.get(key)
    return hit


def _enum_values(payload: Mapping[str, Any], known: KnownSchemas) -> tuple[str, ...]:
    """The strings at enum paths that the declared enums do not hold (sorted)."""
    outside: set[str] = set()
    for path, values in known.enums.items():
        outside |= {f"{path}:{v}" for v in strings_at(payload, path) - values}
    return tuple(sorted(outside))


def variant_id(changes: Iterable[Change]) -> str:
    """The identity of a drifting variant: a hash of what differs from the known ones.

    Not the raw shape hash: a drifting payload whose *other* buckets flip between
    ``null`` and a window (``seven_day_sonnet`` does) has a new shape each time, but
    it is the same news, to be archived and reported once. Persisted (golden tests).
    """
    text = json.dumps(sorted(json.dumps(c.to_json(), sort_keys=True) for c in changes))
    return hashlib.blake2b(("variant\n" + text).encode(), digest_size=16).hexdigest()
