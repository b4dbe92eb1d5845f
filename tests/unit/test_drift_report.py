"""What promote says it added: schema-document changes in payload paths."""

from __future__ import annotations

import copy
from typing import Any

from notifier.core.drift.report import schema_additions

DOC: dict[str, Any] = {
    "type": "object",
    "title": "t",
    "properties": {
        "five_hour": {"anyOf": [{"type": "null"}, {"type": "object", "properties": {}}]},
        "limits": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"kind": {"type": "string", "enum": ["session", "weekly_all"]}},
            },
        },
    },
}


def test_new_enum_values_are_named_at_their_payload_path() -> None:
    after = copy.deepcopy(DOC)
    after["properties"]["limits"]["items"]["properties"]["kind"]["enum"] = [
        "session",
        "weekly_all",
        "weekly_fable",
        "weekly_zeta",
    ]
    assert schema_additions(DOC, after) == [
        "limits[].kind: + weekly_fable",
        "limits[].kind: + weekly_zeta",
    ]


def test_an_unchanged_or_reordered_document_adds_nothing_and_prose_is_not_shape() -> None:
    after = copy.deepcopy(DOC)
    after["properties"]["limits"]["items"]["properties"]["kind"]["enum"].reverse()
    after["title"] = "another title"
    assert schema_additions(DOC, after) == []


def test_a_new_member_inside_an_alternative_is_reported_at_its_path() -> None:
    after = copy.deepcopy(DOC)
    after["properties"]["five_hour"]["anyOf"][1]["properties"]["utilization"] = {"type": "number"}
    assert schema_additions(DOC, after) == ["five_hour.utilization: + member"]


# What promote prints is read by a maintainer reviewing the commit: each finding says where
# in the payload it is (the contract's path notation, as ``shape.display`` writes it) and
# what kind of schema change it is. The cases below are built from JSON Schema's meaning.


def obj(**properties: Any) -> dict[str, Any]:
    return {"type": "object", "properties": properties}


def test_a_renamed_member_is_the_new_member_not_a_changed_block() -> None:
    # The two property sets share no key: still compared key by key (threshold 0), so
    # the reader sees which member is new, not "w: properties changed".
    before = obj(w=obj(a={"type": "number"}))
    after = obj(w=obj(b={"type": "number"}))
    assert schema_additions(before, after) == ["w.b: + member"]


def test_type_changes_are_named_whatever_form_the_type_takes() -> None:
    string = obj(x={"type": "string"})
    assert schema_additions(string, obj(x={"type": "number"})) == ["x: type changed"]
    assert schema_additions(string, obj(x={"type": ["string", "null"]})) == ["x: type changed"]
    # A name added to a type list is an added list item, but it is a type change, not
    # an enum value.
    listed = obj(x={"type": ["string"]})
    assert schema_additions(listed, obj(x={"type": ["string", "null"]})) == ["x: type changed"]


def test_a_member_replaced_by_another_kind_of_schema_is_a_changed_node() -> None:
    # ``true`` is a JSON Schema too (anything goes): the node itself changed.
    assert schema_additions(obj(x={"type": "string"}), obj(x=True)) == ["x: node changed"]


def test_a_new_keyword_on_a_node_is_a_change_of_that_keyword_not_a_member() -> None:
    before = obj(kind={"type": "string"}, scope={"type": "object"})
    after = obj(
        kind={"type": "string", "enum": ["session"]},
        scope={"type": "object", "properties": {}},
    )
    assert schema_additions(before, after) == [
        "kind: enum changed",
        "scope: properties changed",
    ]


def test_changes_of_the_document_itself_are_at_the_top_level() -> None:
    before: dict[str, Any] = {"type": "object"}
    after = {"type": "object", "properties": {}, "required": ["five_hour"]}
    assert schema_additions(before, after) == [
        "(top level): properties changed",
        "(top level): required changed",
    ]


def test_list_items_are_written_with_brackets_at_any_depth() -> None:
    rows = {"type": "array", "items": obj(key={"type": "string"})}
    before = obj(seven_day_breakdown=obj(rows=rows))
    after = copy.deepcopy(before)
    after["properties"]["seven_day_breakdown"]["properties"]["rows"]["items"]["properties"][
        "reset_eligible"
    ] = {"type": "boolean"}
    assert schema_additions(before, after) == [
        "seven_day_breakdown.rows[].reset_eligible: + member"
    ]
    top = {"type": "array", "items": obj()}  # a document for a list: its items are "[]"
    assert schema_additions(top, {"type": "array", "items": obj(x={"type": "number"})}) == [
        "[].x: + member"
    ]


def test_prose_is_skipped_without_hiding_the_shape_change_beside_it() -> None:
    before = obj(x={"description": "old", "x-seen": "2026-07", "type": "string"})
    after = obj(x={"description": "new", "x-seen": "2026-09", "type": "number"})
    assert schema_additions(before, after) == ["x: type changed"]
    added_prose = obj(x={"type": "string", "description": "d", "x-seen": "2026-10"})
    assert schema_additions(obj(x={"type": "string"}), added_prose) == []
