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
