"""Known variants read from schema documents, inferred schemas, enums, and the memo's bounds
(mutation-testing strength, issue 18; the subset read is the module doc of
``notifier.core.drift.schema`` and ``schemas/README.md``).

The documents are built in each test rather than in a shared fixture, so that each test
is tied to the reading it relies on.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from notifier.core import drift
from notifier.core.drift.schema import _MEMO_LIMIT, _MEMO_TOKENS, KnownSchemas
from notifier.core.drift.shape import ARRAY, BOOLEAN, ITEM, NULL, NUMBER, OBJECT, STRING
from notifier.core.redact import PLACEHOLDER

KIND = ("limits", ITEM, "kind")


def obj(**properties: Any) -> dict[str, Any]:
    return {"type": "object", "properties": properties}


def limits_doc(item: dict[str, Any]) -> dict[str, Any]:
    return obj(limits={"type": "array", "items": item})


# ------------------------------------------------------------------ reading a document


def test_type_names_outside_json_add_no_type() -> None:
    # A hand edit with a misspelt name or a non-string in a type list: the key is there,
    # with only the types that are JSON's (and the file still loads).
    document = obj(
        misspelt={"type": "strin"},
        odd={"type": [1, "string"]},
        nested={"type": [["string"]]},
    )
    assert drift.shape_of_schema(document) == {
        (): OBJECT,
        ("misspelt",): 0,
        ("odd",): STRING,
        ("nested",): 0,
    }


def test_a_node_without_a_type_describes_nothing() -> None:
    document = obj(
        window={"properties": {"utilization": {"type": "number"}}},
        rows={"items": {"type": "number"}},
    )
    assert drift.shape_of_schema(document) == {(): OBJECT}


def test_members_and_items_count_only_under_their_type() -> None:
    member = {"x": {"type": "number"}}
    document = obj(
        text={"type": "string", "properties": member, "items": {"type": "number"}},
        box={"type": "object", "items": {"type": "number"}},
        row={"type": "array", "properties": member},
        either={"type": ["null", "object"], "properties": member},
    )
    assert drift.shape_of_schema(document) == {
        (): OBJECT,
        ("text",): STRING,
        ("box",): OBJECT,
        ("row",): ARRAY,
        ("either",): NULL | OBJECT,
        ("either", "x"): NUMBER,
    }


def test_enums_of_schema_are_the_declared_strings_per_path() -> None:
    document = limits_doc(
        obj(
            kind={"type": "string", "enum": ["session", "weekly_all"]},
            severity={"type": ["string", "null"], "enum": ["normal", None]},
            percent={"type": "number"},
        )
    )
    assert drift.enums_of_schema(document) == {
        KIND: frozenset({"session", "weekly_all"}),
        ("limits", ITEM, "severity"): frozenset({"normal"}),
    }


# ------------------------------------------------------------------- inferred schemas


def test_required_lists_the_keys_every_instance_has() -> None:
    inferred = drift.infer_schema({"b": 1, "a": None, "l": [{"x": 1, "y": 2}, {"x": 3}]})
    assert inferred["required"] == ["a", "b", "l"]
    assert inferred["properties"]["l"]["items"]["required"] == ["x"]  # y is not in every item


def test_merged_items_have_one_alternative_per_kind_of_node() -> None:
    one = drift.infer_schema({"l": ["x", "y"]})["properties"]["l"]["items"]
    assert one == {"type": "string"}  # one type: a name, not a list, not an anyOf
    mixed = drift.infer_schema({"l": [[1], "x", [2.5]]})["properties"]["l"]["items"]
    alternatives = sorted(mixed["anyOf"], key=json.dumps)
    assert alternatives == [
        {"type": "array", "items": {"type": "number"}},  # both lists, merged into one
        {"type": "string"},
    ]


def _forms(node: Any) -> list[dict[str, Any]]:
    """Every schema node of an inferred document (anyOf alternatives included)."""
    found = [node]
    for alt in node.get("anyOf", ()):
        found += _forms(alt)
    for sub in node.get("properties", {}).values():
        found += _forms(sub)
    if "items" in node:
        found += _forms(node["items"])
    return found


LEAVES = st.none() | st.booleans() | st.integers() | st.text(max_size=2)
JSON = st.recursive(
    LEAVES,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from("ab"), inner),
    max_leaves=12,
)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.sampled_from("abc"), JSON, max_size=3))
def test_an_inferred_schema_names_each_type_once_per_node(payload: dict[str, Any]) -> None:
    for node in _forms(drift.infer_schema(payload)):
        if "anyOf" in node:
            names = [n for alt in node["anyOf"] for n in _names(alt)]
            assert len(node["anyOf"]) >= 2, node
            assert len(names) == len(set(names)), node
        elif isinstance(node["type"], list):
            assert len(node["type"]) >= 2, node
            assert len(node["type"]) == len(set(node["type"])), node


def _names(node: dict[str, Any]) -> list[str]:
    declared = node["type"]
    return declared if isinstance(declared, list) else [declared]


# ---------------------------------------------------------------------------- enums


def test_with_enums_extends_a_declared_enum() -> None:
    document = limits_doc(obj(kind={"type": "string", "enum": ["session"]}))
    assert drift.with_enums(document, {KIND: {"weekly_design"}}) == ["limits[].kind=weekly_design"]
    kind = document["properties"]["limits"]["items"]["properties"]["kind"]
    assert kind["enum"] == ["session", "weekly_design"]


def test_with_enums_leaves_a_document_alone_when_it_knows_every_value() -> None:
    # A hand-ordered enum stays as written: promoting known values again changes no file.
    document = limits_doc(obj(kind={"type": "string", "enum": ["weekly_all", "session"]}))
    before = copy.deepcopy(document)
    assert drift.with_enums(document, {KIND: {"session"}}) == []
    assert document == before


def test_with_enums_reaches_every_alternative_that_holds_strings() -> None:
    items = {
        "anyOf": [
            obj(kind={"type": "string", "enum": ["session"]}),  # knows it already
            obj(kind={"anyOf": [{"type": "number"}, {"type": ["string", "null"]}]}),
            {"type": "null"},  # an item that is null has no members
        ]
    }
    document = limits_doc(items)
    assert drift.with_enums(document, {KIND: {"session"}}) == ["limits[].kind=session"]
    first, second, null = items["anyOf"]
    assert first["properties"]["kind"]["enum"] == ["session"]
    number, text = second["properties"]["kind"]["anyOf"]
    assert "enum" not in number  # an enum of strings on a number says nothing
    assert text["enum"] == ["session"]
    assert null == {"type": "null"}


def test_enums_of_changes_takes_the_seen_values_of_value_added_only() -> None:
    changes: list[dict[str, Any]] = [
        {"change": "added", "path": "five_hour.grant", "type": "object"},
        {"change": "value_added", "path": "limits[].kind", "value": "weekly_design"},
        {"change": "value_added", "path": "limits[].kind", "value": "burst"},
        {"change": "value_added", "path": "limits[].group", "value": PLACEHOLDER},  # unseen
        {"change": "value_added", "path": "limits[].severity", "value": 3},  # not a string
        {"change": "value_added", "value": "lost"},  # no path (a damaged archive)
        {"change": "renamed", "path": "limits[].x", "value": "not a value_added"},
    ]
    assert drift.enums_of_changes(changes) == {KIND: {"weekly_design", "burst"}}


# ------------------------------------------------------------------- known variants


def test_variants_keep_their_name_and_document_ordered_by_name() -> None:
    one, two = obj(a={"type": "number"}), obj(b={"type": "string"})
    known = KnownSchemas.from_documents([("z", one), ("a", two), ("a", one)])
    assert [(v.name, v.document) for v in known.variants] == [("a", two), ("a", one), ("z", one)]
    assert known.variants[0].shape == {(): OBJECT, ("b",): STRING}


def test_windows_are_the_union_of_every_windows_members() -> None:
    first = drift.infer_schema(
        {
            "five_hour": {"utilization": 1, "resets_at": "2026-07-18T10:00:00Z"},
            "group": {"inner": {"utilization": 2, "extra": {"flag": True}}},  # nested window
            "other": {"spend": 1},  # no utilization: not a window
        }
    )
    second = drift.infer_schema({"seven_day": {"utilization": None, "resets_at": None}})
    known = KnownSchemas.from_documents([("1", first), ("2", second)])
    assert known.windows == {
        ("utilization",): NUMBER | NULL,
        ("resets_at",): STRING | NULL,
        ("extra",): OBJECT,
        ("extra", "flag"): BOOLEAN,
    }


def test_the_memos_keep_the_newest_entries_within_their_bound() -> None:
    known = KnownSchemas()
    extra = 10
    for i in range(_MEMO_LIMIT + extra):
        known.remember(("quick", i), 1, f"result {i}")
        known.remember_shape(("shape", i), f"result {i}")
    kept = range(extra, _MEMO_LIMIT + extra)  # the oldest ones dropped first
    assert known._memo == {("quick", i): f"result {i}" for i in kept}
    assert known._by_shape == {("shape", i): f"result {i}" for i in kept}


def test_the_quick_memo_skips_keys_beyond_its_token_bound() -> None:
    known = KnownSchemas()
    known.remember("at the bound", _MEMO_TOKENS, "kept")
    known.remember("beyond", _MEMO_TOKENS + 1, "not kept")
    assert known._memo == {"at the bound": "kept"}
