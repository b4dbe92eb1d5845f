"""Drift comparison, from the contract's "Drift" section: exact changes per case."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from notifier import schemas
from notifier.core import drift
from notifier.core.events import Change, ChangeKind
from tests.conftest import all_payload_files, load_payload, variant_payload_files

Payload = dict[str, Any]


@pytest.fixture(scope="module")
def known() -> drift.KnownSchemas:
    return schemas.load_known()


def full() -> Payload:
    # Five_hour and seven_day are windows; the codenames are null; limits has 3 items.
    return copy.deepcopy(load_payload("oauth-usage-full-2026-07.json"))


def changes(payload: Payload, known: drift.KnownSchemas) -> list[dict[str, Any]]:
    return [c.to_json() for c in drift.check(payload, known).changes]


# ------------------------------------------------------------------ known shapes


@pytest.mark.parametrize("path", variant_payload_files(), ids=lambda p: p.name)
def test_every_fixture_checks_clean(path: Path, known: drift.KnownSchemas) -> None:
    payload = json.loads(path.read_text())
    result = drift.check(payload, known)
    assert result.changes == ()
    assert result.fingerprint in known.fingerprints  # one shipped document per variant


def test_one_distinct_schema_document_per_fixture(known: drift.KnownSchemas) -> None:
    assert len(known.variants) == len(variant_payload_files())
    assert len(known.fingerprints) == len(known.variants)
    for variant in known.variants:
        assert variant.document["$schema"] == drift.SCHEMA_URI
        assert variant.document["title"]
        assert variant.document["x-seen"]


# --------------------------------------------------------------------- drift cases


def _new_window(p: Payload) -> None:
    p["seven_day_opus_4_7"] = {"utilization": 12.5, "resets_at": "2026-07-23T15:00:00Z"}


def _new_null_codename(p: Payload) -> None:
    p["walnut_tower"] = None


def _codename_alive(p: Payload) -> None:
    # tangelo is null in every known variant.
    p["tangelo"] = {"utilization": 4.0, "resets_at": "2026-07-23T15:00:00Z"}


def _field_in_windows(p: Payload) -> None:
    p["five_hour"]["burst_minutes"] = 30
    p["seven_day"]["burst_minutes"] = 30


def _field_in_limits(p: Payload) -> None:
    for item in p["limits"]:
        item["window_minutes"] = 300


def _field_deep_in_limits(p: Payload) -> None:
    p["limits"][2]["scope"]["model"]["family"] = "fable"


def _renamed_in_every_window(p: Payload) -> None:
    for key in ("five_hour", "seven_day"):
        p[key]["reset_at"] = p[key].pop("resets_at")


def _type_change(p: Payload) -> None:
    p["member_dashboard_available"] = "yes"


def _type_change_in_items(p: Payload) -> None:
    for item in p["limits"]:
        item["percent"] = str(item["percent"])


def _removed_block(p: Payload) -> None:
    del p["spend"]


def _removed_window_member(p: Payload) -> None:
    for key in ("five_hour", "seven_day"):
        del p[key]["resets_at"]


def _incompatible_rename(p: Payload) -> None:
    del p["member_dashboard_available"]
    p["dashboard"] = "members"


def _nested_rename(p: Payload) -> None:
    p["spend"]["used"]["amount_cents"] = p["spend"]["used"].pop("amount_minor")


def _non_window_codename_alive(p: Payload) -> None:
    p["cedar_ember"] = {"grant": {"amount_minor": 500}}  # null only, in credit-grant


def _list_where_object_was(p: Payload) -> None:
    p["spend"] = []


CASES: list[tuple[str, Callable[[Payload], None], list[dict[str, Any]]]] = [
    (
        "new top-level window",
        _new_window,
        [{"change": "added", "path": "seven_day_opus_4_7", "type": "object"}],
    ),
    (
        "new codename that is null",
        _new_null_codename,
        [{"change": "added", "path": "walnut_tower", "type": "null"}],
    ),
    (
        "codename comes alive",
        _codename_alive,
        [{"change": "type_changed", "path": "tangelo", "old_type": "null", "new_type": "object"}],
    ),
    (
        "codename comes alive as a non-window: reported once, at its root",
        _non_window_codename_alive,
        [
            {
                "change": "type_changed",
                "path": "cedar_ember",
                "old_type": "null",
                "new_type": "object",
            }
        ],
    ),
    (
        "field added inside windows: at each window (each compared with its own path)",
        _field_in_windows,
        [
            {"change": "added", "path": "five_hour.burst_minutes", "type": "number"},
            {"change": "added", "path": "seven_day.burst_minutes", "type": "number"},
        ],
    ),
    (
        "field added to every limits item: once",
        _field_in_limits,
        [{"change": "added", "path": "limits[].window_minutes", "type": "number"}],
    ),
    (
        "field added deep in a limits item",
        _field_deep_in_limits,
        [{"change": "added", "path": "limits[].scope.model.family", "type": "string"}],
    ),
    (
        "renamed field in every window: a rename at each window",
        _renamed_in_every_window,
        [
            {"change": "renamed", "from": "five_hour.resets_at", "path": "five_hour.reset_at"},
            {"change": "renamed", "from": "seven_day.resets_at", "path": "seven_day.reset_at"},
        ],
    ),
    (
        "type change",
        _type_change,
        [
            {
                "change": "type_changed",
                "path": "member_dashboard_available",
                "old_type": "boolean",
                "new_type": "string",
            }
        ],
    ),
    (
        "type change in every list item: once",
        _type_change_in_items,
        [
            {
                "change": "type_changed",
                "path": "limits[].percent",
                "old_type": "number",
                "new_type": "string",
            }
        ],
    ),
    (
        "removed top-level block",
        _removed_block,
        [{"change": "removed", "path": "spend"}],
    ),
    (
        "removed from every window: at each window",
        _removed_window_member,
        [
            {"change": "removed", "path": "five_hour.resets_at"},
            {"change": "removed", "path": "seven_day.resets_at"},
        ],
    ),
    (
        "removed and added with incompatible types are not a rename",
        _incompatible_rename,
        [
            {"change": "added", "path": "dashboard", "type": "string"},
            {"change": "removed", "path": "member_dashboard_available"},
        ],
    ),
    (
        "a vanished block and an unrelated new window are not a rename",
        lambda p: (_removed_block(p), _new_window(p)),
        [
            {"change": "added", "path": "seven_day_opus_4_7", "type": "object"},
            {"change": "removed", "path": "spend"},
        ],
    ),
    (
        "a renamed block keeps its members",
        lambda p: p.__setitem__("spending", p.pop("spend")),
        [{"change": "renamed", "from": "spend", "path": "spending"}],
    ),
    (
        "nested rename",
        _nested_rename,
        [
            {
                "change": "renamed",
                "from": "spend.used.amount_minor",
                "path": "spend.used.amount_cents",
            }
        ],
    ),
    (
        "object becomes a list: the old members are not reported as removed",
        _list_where_object_was,
        [{"change": "type_changed", "path": "spend", "old_type": "object", "new_type": "array"}],
    ),
]


@pytest.mark.parametrize(("mutate", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_drift_case(
    mutate: Callable[[Payload], None], expected: list[dict[str, Any]], known: drift.KnownSchemas
) -> None:
    payload = full()
    mutate(payload)
    assert changes(payload, known) == expected


def test_changes_are_sorted_and_deduplicated(known: drift.KnownSchemas) -> None:
    payload = full()
    _new_window(payload)
    _new_null_codename(payload)
    _removed_block(payload)
    _field_in_limits(payload)
    result = drift.check(payload, known)
    assert [c.path for c in result.changes] == [
        "limits[].window_minutes",
        "seven_day_opus_4_7",
        "spend",
        "walnut_tower",
    ]
    reordered = dict(reversed(list(payload.items())))
    assert drift.check(reordered, known) == result


def test_a_drifting_variant_keeps_its_identity_while_other_buckets_flip(
    known: drift.KnownSchemas,
) -> None:
    first, second = full(), full()
    _new_window(first)
    _new_window(second)
    _null_to_known_window(second)
    second["five_hour"]["resets_at"] = None
    assert drift.fingerprint(drift.shape_of(first)) != drift.fingerprint(drift.shape_of(second))
    assert drift.check(first, known) == drift.check(second, known)
    third = full()
    _new_null_codename(third)
    assert drift.check(third, known).fingerprint != drift.check(first, known).fingerprint


def test_change_carries_the_new_bucket_name(known: drift.KnownSchemas) -> None:
    payload = full()
    _new_window(payload)
    (change,) = drift.check(payload, known).changes
    assert change == Change(ChangeKind.ADDED, "seven_day_opus_4_7", type="object")


# ------------------------------------------------------------------------ no drift


def _values(p: Payload) -> None:
    p["five_hour"]["utilization"] = 99.5
    p["five_hour"]["resets_at"] = "2027-01-01T00:00:00+02:00"
    p["limits"][2]["scope"]["model"]["display_name"] = "Opus"
    p["spend"]["disclaimer"] = "Something else entirely."


def _key_order(p: Payload) -> None:
    items = list(p.items())
    p.clear()
    p.update(reversed(items))
    p["five_hour"] = dict(reversed(list(p["five_hour"].items())))


def _int_and_float(p: Payload) -> None:
    p["five_hour"]["utilization"] = 15
    p["limits"][0]["percent"] = 15.5
    p["spend"]["used"]["amount_minor"] = 40843.0


def _null_where_allowed(p: Payload) -> None:
    p["five_hour"]["resets_at"] = None
    p["limits"][2]["scope"] = None
    p["spend"]["disclaimer"] = None
    p["seven_day"] = None


def _null_to_known_window(p: Payload) -> None:
    # seven_day_opus is a window in other variants, null in this one.
    p["seven_day_opus"] = {"utilization": 70.5, "resets_at": "2026-07-23T15:00:00Z"}


def _member_known_from_another_window(p: Payload) -> None:
    p["five_hour"]["locked_reason"] = None  # only the credit-grant windows carry it
    p["seven_day_sonnet"] = {"utilization": 3.0}


def _empty_list(p: Payload) -> None:
    p["limits"] = []


NO_DRIFT = [
    ("values", _values),
    ("key order", _key_order),
    ("int vs float", _int_and_float),
    ("null where allowed", _null_where_allowed),
    ("null to a known window", _null_to_known_window),
    ("member known from another window", _member_known_from_another_window),
    ("empty list", _empty_list),
]


@pytest.mark.parametrize("mutate", [c[1] for c in NO_DRIFT], ids=[c[0] for c in NO_DRIFT])
def test_no_drift(mutate: Callable[[Payload], None], known: drift.KnownSchemas) -> None:
    payload = full()
    mutate(payload)
    assert changes(payload, known) == []


def test_values_order_and_number_kind_keep_the_fingerprint() -> None:
    before = drift.fingerprint(drift.shape_of(full()))
    for mutate in (_values, _key_order, _int_and_float):
        payload = full()
        mutate(payload)
        assert drift.fingerprint(drift.shape_of(payload)) == before


# --------------------------------------------------------------- schema handling


def test_no_known_variant_reports_every_top_level_key() -> None:
    payload = {"five_hour": {"utilization": 1}, "flag": True}
    assert [c.to_json() for c in drift.check(payload, drift.KnownSchemas()).changes] == [
        {"change": "added", "path": "five_hour", "type": "object"},
        {"change": "added", "path": "flag", "type": "boolean"},
    ]


def test_accepted_schema_makes_a_variant_known(tmp_path: Path) -> None:
    payload = full()
    _new_window(payload)
    assert drift.check(payload, schemas.load_known()).changes
    accepted = tmp_path / "accepted"
    accepted.mkdir()
    (accepted / "mine.schema.json").write_text(json.dumps(drift.infer_schema(payload)))
    (accepted / "broken.json").write_text("{not json")
    known = schemas.load_known([accepted, tmp_path / "missing"])
    assert drift.check(payload, known).changes == ()


@pytest.mark.parametrize("path", all_payload_files(), ids=lambda p: p.name)
def test_inferred_schema_describes_the_payload_shape(path: Path) -> None:
    payload = json.loads(path.read_text())
    inferred = drift.infer_schema(payload)
    assert drift.shape_of_schema(inferred) == drift.shape_of(payload)
    assert _schema_strings(inferred) <= {"object", "array", "string", "number", "boolean", "null"}


def _schema_strings(node: Any) -> set[str]:
    """Every string value in a schema except key lists and the $schema URI: no payload values."""
    if isinstance(node, dict):
        found: set[str] = set()
        for key, value in node.items():
            if key not in ("required", "$schema"):
                found |= _schema_strings(value)
        return found
    if isinstance(node, list):
        return set().union(*(_schema_strings(v) for v in node)) if node else set()
    return {node} if isinstance(node, str) else set()


def test_genson_schemas_read_like_ours() -> None:
    genson = pytest.importorskip("genson")
    for path in all_payload_files():
        payload = json.loads(path.read_text())
        builder = genson.SchemaBuilder(schema_uri=drift.SCHEMA_URI)
        builder.add_object(payload)
        assert drift.shape_of_schema(builder.to_schema()) == drift.shape_of(payload), path.name


def test_any_of_and_type_lists_are_read() -> None:
    window = {"type": "object", "properties": {"utilization": {"type": "number"}}}
    document = {
        "type": "object",
        "properties": {
            "five_hour": {"anyOf": [{"type": "null"}, window]},
            "flag": {"type": ["boolean", "null"]},
            "count": {"type": "integer"},  # read as number
        },
    }
    known = drift.KnownSchemas.from_documents([("doc", document)])
    for payload in (
        {"five_hour": {"utilization": 3}, "flag": True, "count": 1.5},
        {"five_hour": None, "flag": None, "count": 2},
    ):
        assert drift.check(payload, known).changes == ()


def test_unused_json_schema_machinery_is_not_followed() -> None:
    """$ref, oneOf and prefixItems are outside the subset variants are written in
    (schemas/README.md): a document using them describes nothing there."""
    document = {
        "$defs": {"window": {"type": "object", "properties": {"utilization": {"type": "number"}}}},
        "type": "object",
        "properties": {
            "five_hour": {"$ref": "#/$defs/window"},
            "seven_day": {"oneOf": [{"type": "object", "properties": {"x": {"type": "number"}}}]},
            "limits": {"type": "array", "prefixItems": [{"type": "object"}]},
        },
    }
    shape = drift.shape_of_schema(document)
    assert {path: drift.type_name(bits) for path, bits in shape.items()} == {
        (): "object",
        ("limits",): "array",  # its prefixItems describe no item
    }


def test_shape_uses_contract_type_names() -> None:
    payload = {"a": 1, "b": 1.5, "c": "x", "d": True, "e": None, "f": [], "g": {}}
    tree = drift.shape_of(payload)
    names = {p[0]: drift.type_name(bits) for p, bits in tree.items() if p}
    assert names == {
        "a": "number",
        "b": "number",
        "c": "string",
        "d": "boolean",
        "e": "null",
        "f": "array",
        "g": "object",
    }
