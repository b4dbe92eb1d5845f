"""The comparison's rules at their edges (mutation-testing strength, issue 18), each case
worked from the module doc of ``notifier.core.drift.compare`` and the contract's "Drift":
the closest variant and its ties, when a removal and an addition are one rename, which
type a ``type_changed`` names as the old one, and what a new subtree hides.
"""

from __future__ import annotations

from typing import Any

import pytest

from notifier.core import drift
from notifier.core.drift.compare import strings_at
from notifier.core.drift.shape import ITEM, segment

Payload = dict[str, Any]


def known(*payloads: Payload) -> drift.KnownSchemas:
    """Variants inferred from example payloads, named "0", "1"... in the order given."""
    return drift.KnownSchemas.from_documents(
        [(str(i), drift.infer_schema(p)) for i, p in enumerate(payloads)]
    )


def changes(payload: Payload, kn: drift.KnownSchemas) -> list[dict[str, Any]]:
    return [c.to_json() for c in drift.check(payload, kn).changes]


def renamed(old: str, new: str) -> dict[str, Any]:
    return {"change": "renamed", "from": old, "path": new}


def removed(path: str) -> dict[str, Any]:
    return {"change": "removed", "path": path}


def added(path: str, type_: str) -> dict[str, Any]:
    return {"change": "added", "path": path, "type": type_}


def type_changed(path: str, old: str, new: str) -> dict[str, Any]:
    return {"change": "type_changed", "path": path, "old_type": old, "new_type": new}


def test_equally_close_variants_go_to_the_first_by_name() -> None:
    # {x} is one path away from both; "0" has y, "1" has z: y is the removed key.
    assert changes({"x": 1}, known({"x": 1, "y": 1}, {"x": 1, "z": 1})) == [removed("y")]


REN = [
    (
        "a key only ever null is compatible with any type",
        {"w": {"a": None}},
        {"w": {"b": "s"}},
        [renamed("w.a", "w.b")],
    ),
    (
        "a removed key with no added sibling stays removed beside a rename",
        {"v": {"x": 1}, "w": {"a": 1}},
        {"v": {}, "w": {"b": 1}},
        [removed("v.x"), renamed("w.a", "w.b")],
    ),
    (
        "an incompatible candidate is passed over for the next one",
        {"w": {"a": 1}},
        {"w": {"b": "s", "c": 2}},
        [added("w.b", "string"), renamed("w.a", "w.c")],
    ),
    (
        # Member similarity is for objects: two lists are a rename with or without items.
        "a list with items renamed to an empty list",
        {"w": {"old": [1]}},
        {"w": {"new": []}},
        [renamed("w.old", "w.new")],
    ),
    (
        "an empty list renamed to a list with items",
        {"w": {"old": []}},
        {"w": {"new": [1]}},
        [renamed("w.old", "w.new")],
    ),
    (
        "objects sharing exactly half of their members: a rename",
        {"w": {"old": {"a": 1, "b": 1}}},
        {"w": {"new": {"a": 1}}},
        [renamed("w.old", "w.new")],
    ),
    (
        "objects sharing a third of their members: not a rename",
        {"w": {"old": {"a": 1, "b": 1}}},
        {"w": {"new": {"b": 1, "c": 1}}},
        [added("w.new", "object"), removed("w.old")],
    ),
    (
        "an empty object and one with members share nothing",
        {"w": {"old": {}}},
        {"w": {"new": {"a": 1}}},
        [added("w.new", "object"), removed("w.old")],
    ),
    (
        "a null key and a new object with members: no members in common",
        {"w": {"a": None}},
        {"w": {"b": {"x": 1}}},
        [removed("w.a"), added("w.b", "object")],
    ),
    (
        "members are compared by their own names at any depth",
        {"g": {"w": {"old": {"a": 1, "b": 1}}}},
        {"g": {"w": {"new": {"c": 1, "d": 1}}}},
        [added("g.w.new", "object"), removed("g.w.old")],
    ),
]


@pytest.mark.parametrize(
    ("before", "after", "expected"), [r[1:] for r in REN], ids=[r[0] for r in REN]
)
def test_when_a_removal_and_an_addition_are_one_rename(
    before: Payload, after: Payload, expected: list[dict[str, Any]]
) -> None:
    assert changes(after, known(before)) == expected


OLD = [
    (
        "the closest variant has only null there: the type another variant has",
        [{"x": 1}, {"x": None, "y": 1, "z": 1}],
        {"x": "s", "y": 1, "z": 1},
        [type_changed("x", "number", "string")],
    ),
    (
        "the closest variant has a type there: that one",
        [{"x": 1, "p": 1}, {"x": True}],
        {"x": "s"},
        [type_changed("x", "boolean", "string")],
    ),
    (
        "a member of a codename come alive: the type the known windows have",
        [{"five_hour": {"utilization": 1, "resets_at": "t"}, "amber": None}],
        {
            "five_hour": {"utilization": 1, "resets_at": "t"},
            "amber": {"utilization": 1, "resets_at": 5},
        },
        [
            type_changed("amber", "null", "object"),
            type_changed("amber.resets_at", "string", "number"),
        ],
    ),
    (
        "a codename come alive below the top: its members read against the windows",
        [{"g": {"five_hour": {"utilization": 1, "resets_at": "t"}, "amber": None}}],
        {"g": {"five_hour": {"utilization": 1, "resets_at": "t"}, "amber": {"utilization": 2}}},
        [type_changed("g.amber", "null", "object")],
    ),
    (
        "the items of a list that is also a new window: the list's own items",
        [{"a": [[None]]}],
        {"a": [[1], {"utilization": None}]},
        [
            type_changed("a[]", "array", "object"),
            added("a[].utilization", "null"),
            type_changed("a[][]", "null", "number"),
        ],
    ),
    (
        "... which stay known when they keep their type",
        [{"a": [[1]]}],
        {"a": [[2], {"utilization": None}]},
        [type_changed("a[]", "array", "object"), added("a[].utilization", "null")],
    ),
    (
        "... and are news when they take another",
        [{"a": [[1]]}],
        {"a": [[{}], {"utilization": None}]},
        [
            type_changed("a[]", "array", "object"),
            added("a[].utilization", "null"),
            type_changed("a[][]", "number", "object"),
        ],
    ),
    (
        "an object that is a list in another item: its subtree is news, not looked at",
        [{"l": [{"g": {"m": 1}}]}],
        {"l": [{"g": {"x": 1}}, {"g": [1]}]},
        [type_changed("l[].g", "object", "array")],  # neither g.x added nor g.m removed
    ),
    (
        "a value that became a list: its items are part of the news, not added",
        [{"x": 1}],
        {"x": [1]},
        [type_changed("x", "number", "array")],
    ),
]


@pytest.mark.parametrize(
    ("before", "after", "expected"), [o[1:] for o in OLD], ids=[o[0] for o in OLD]
)
def test_which_type_a_type_change_names_as_the_old_one(
    before: list[Payload], after: Payload, expected: list[dict[str, Any]]
) -> None:
    assert changes(after, known(*before)) == expected


def with_kind_enum(payload: Payload) -> drift.KnownSchemas:
    """One variant from ``payload``, declaring its ``limits[].kind`` strings as the enum."""
    document = drift.infer_schema(payload)
    drift.with_enums(
        document, {("limits", ITEM, "kind"): strings_at(payload, ("limits", ITEM, "kind"))}
    )
    return drift.KnownSchemas.from_documents([("0", document)])


def test_an_enum_key_that_became_an_object_is_a_type_change_not_a_value() -> None:
    # The object makes limits[].kind a new subtree: not looked at, its strings included.
    kn = with_kind_enum({"limits": [{"kind": "session"}]})
    payload = {"limits": [{"kind": "weekly_design"}, {"kind": {"id": 1}}]}
    assert changes(payload, kn) == [type_changed("limits[].kind", "string", "object")]


def test_new_values_at_one_path_are_sorted_by_value() -> None:
    kn = with_kind_enum({"limits": [{"kind": "session"}]})
    values = ["zeta", "beta", "omega", "alpha", "kappa", "delta"]
    payload = {"limits": [{"kind": v} for v in values]}
    assert [c.value for c in drift.check(payload, kn).changes] == sorted(values)


def test_strings_at_reads_keys_that_start_with_nul() -> None:
    payload = {"\x00k": ["a", 1, {"b": "c"}], "k": ["no"]}
    assert strings_at(payload, (segment("\x00k"), ITEM)) == {"a"}
