"""The shape table's edges (mutation-testing strength, issue 18): path text, the size limits,
type names, and the quick key's promises (module doc of ``notifier.core.drift.shape``).

The two walks, :func:`shape_of` and :func:`quick_key`, must agree on what is too large:
``check`` tries the quick key first and the table second, so a walk that gave up
earlier or later than the other would make the answer depend on the memo.
"""

from __future__ import annotations

import json
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notifier.core import drift
from notifier.core.drift.shape import (
    ITEM,
    MAX_DEPTH,
    MAX_NODES,
    TooLarge,
    display,
    fingerprint,
    parse,
    quick_key,
    segment,
    shape_of,
    type_name,
)
from tests.conftest import variant_payload_files

WALKS = [shape_of, quick_key]

# ----------------------------------------------------------------------- path text


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("", ()),  # the top level
        ("five_hour", ("five_hour",)),
        ("five_hour.resets_at", ("five_hour", "resets_at")),
        ("limits[].scope.model.display_name", ("limits", ITEM, "scope", "model", "display_name")),
        ("rows[][]", ("rows", ITEM, ITEM)),  # a list of lists
        ("a[].b[].c", ("a", ITEM, "b", ITEM, "c")),
        ("\x00x", ("\x00\x00x",)),  # a real key starting with NUL, escaped
    ],
)
def test_parse_reads_the_contract_path_notation(text: str, path: tuple[str, ...]) -> None:
    assert parse(text) == path
    assert display(path) == text


# Keys the dotted notation can write unambiguously: no dot, not ending in "[]", not empty.
KEYS = st.text(st.characters(codec="utf-8", exclude_characters="."), min_size=1, max_size=6).filter(
    lambda k: not k.endswith("[]")
)
SEGMENTS = st.one_of(st.just(ITEM), KEYS.map(segment))


@settings(max_examples=100, deadline=None)
@given(st.lists(SEGMENTS, max_size=6))
def test_parse_is_the_inverse_of_display(path: list[str]) -> None:
    assert parse(display(tuple(path))) == tuple(path)


# ---------------------------------------------------------------------- type names


def test_no_type_bit_is_named_null() -> None:
    assert type_name(0) == "null"  # as the docstring says: "null" for none


# ------------------------------------------------------------------------- limits


def nested(levels: int) -> dict[str, Any]:
    """A payload whose innermost object sits ``levels`` keys below the top."""
    payload: dict[str, Any] = {}
    node = payload
    for _ in range(levels):
        node["x"] = {}
        node = node["x"]
    return payload


@pytest.mark.parametrize("walk", WALKS, ids=lambda w: w.__name__)
def test_nesting_up_to_max_depth_is_walked_one_more_level_is_too_large(walk: Any) -> None:
    walk(nested(MAX_DEPTH))
    with pytest.raises(TooLarge):
        walk(nested(MAX_DEPTH + 1))


def wide(total: int) -> dict[str, Any]:
    """A payload of ``total`` keys and items, spread so that no container holds half of them."""
    half = (total - 2) // 2
    return {"a": {f"k{i}": i for i in range(half)}, "b": [0] * (total - 2 - half)}


@pytest.mark.parametrize("walk", WALKS, ids=lambda w: w.__name__)
def test_max_nodes_counts_every_key_and_item_of_the_payload(walk: Any) -> None:
    walk(wide(MAX_NODES))  # exactly at the limit: compared
    with pytest.raises(TooLarge):
        walk(wide(MAX_NODES + 1))  # one more key or item anywhere: too large


# --------------------------------------------------------------------- fingerprint


def test_keys_with_lone_surrogates_have_a_fingerprint() -> None:
    # Valid JSON text (json.loads accepts an unpaired \ud800 escape), so a payload can hold it.
    one = shape_of(json.loads('{"\\ud800": 1}'))
    other = shape_of(json.loads('{"\\ud801": 1}'))
    assert fingerprint(one) != fingerprint(other)
    assert fingerprint(one) == fingerprint(shape_of(json.loads('{"\\ud800": 2.5}')))


# ------------------------------------------------------- values outside plain JSON


def test_list_items_outside_plain_json_have_their_json_type() -> None:
    plain = {"limits": [{"kind": "a"}, [1, 2]]}
    odd = {"limits": [MappingProxyType({"kind": "a"}), (1, 2)]}
    assert shape_of(odd) == shape_of(plain)


# ------------------------------------------------------------------------ quick key


@pytest.mark.parametrize("path", variant_payload_files(), ids=lambda p: p.name)
def test_every_plain_json_payload_has_a_quick_key(path: Any) -> None:
    # None is only for values outside plain JSON: a real poll must be able to hit the memo.
    assert quick_key(json.loads(path.read_text())) is not None


@pytest.mark.parametrize(
    ("before", "after", "old_type", "new_type", "where"),
    [
        ({"utilization": 1}, {"utilization": "high"}, "number", "string", "w.utilization"),
        ({"rows": [1]}, {"rows": ["x"]}, "number", "string", "w.rows[]"),
    ],
)
def test_the_memo_never_answers_for_another_value_type(
    before: dict[str, Any], after: dict[str, Any], old_type: str, new_type: str, where: str
) -> None:
    # Same keys, same list length: only the value types differ, and they are the shape.
    known = drift.KnownSchemas.from_documents([("k", drift.infer_schema({"w": before}))])
    assert drift.check({"w": before}, known).changes == ()  # judged once, remembered
    changes = [c.to_json() for c in drift.check({"w": after}, known).changes]
    assert changes == [
        {"change": "type_changed", "path": where, "old_type": old_type, "new_type": new_type}
    ]
