"""Precise drift (issue 17, contract "Drift" of 2026): real-shaped variants, exact changes,
and every reported change checked against the known variants (no phantom paths)."""

from __future__ import annotations

import contextlib
import copy
import itertools
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notifier import schemas
from notifier.core import drift
from notifier.core.drift.shape import ITEM, NULL
from notifier.core.events import ChangeKind
from tests.conftest import load_payload

Payload = dict[str, Any]


@pytest.fixture(scope="module")
def known() -> drift.KnownSchemas:
    return schemas.load_known()


def base(name: str) -> Payload:
    return copy.deepcopy(load_payload(f"oauth-usage-{name}.json"))


# A contract path (``limits[].scope.model``) back to a shape path; its round trip with
# ``display`` is a law checked in test_drift_shape.py.
parse = drift.shape.parse


def assert_true_of_known(payload: Payload, result: drift.DriftResult, kn: drift.KnownSchemas):
    """Each change is a fact about the payload and the known variants, at the path it names."""
    shape = drift.shape_of(payload)
    closest = min(kn.variants, key=lambda v: len(shape.keys() ^ v.shape.keys()))
    came_alive = [
        parse(c.path)
        for c in result.changes
        if c.change is ChangeKind.TYPE_CHANGED and c.new_type == "object"
    ]
    for change in result.changes:
        data = change.to_json()
        path = parse(data["path"])
        kind = data["change"]
        if kind == "added":
            assert path in shape, data
            assert path not in kn.union, data  # no variant has it there
            alive = [a for a in came_alive if path[: len(a)] == a and len(a) < len(path)]
            if alive:  # under a codename that came alive: compared with the union of windows
                assert path[len(max(alive, key=len)) :] not in kn.windows, data
            else:
                assert path[:-1] in kn.union, data  # reported at the root of what is new
        elif kind == "removed":
            assert path not in shape, data
            assert path in closest.shape, data
            assert shape[path[:-1]] & 1, data  # its parent object is present
        elif kind == "renamed":
            old = parse(data["from"])
            assert old in closest.shape, data
            assert old not in shape, data
            assert path in shape, data
            assert path not in kn.union, data
            assert old[:-1] == path[:-1], data
        elif kind == "type_changed":
            assert path in shape, data
            new_bit = drift.shape.BIT_OF_NAME[data["new_type"]]
            assert shape[path] & new_bit, data
            alive = [a for a in came_alive if path[: len(a)] == a and len(a) < len(path)]
            if alive:
                rel = path[len(max(alive, key=len)) :]
                assert not kn.windows.get(rel, 0) & new_bit, data
            else:
                assert path in kn.union, data
                assert not kn.union[path] & new_bit, data
        elif kind == "value_added":
            assert data["value"] not in kn.enums[path], data
        else:  # pragma: no cover - a new kind must be taught here
            raise AssertionError(data)


# ----------------------------------------------------------------------- the cases


def new_limit_kind(p: Payload) -> None:
    # A Claude Design weekly limit as a limits[] entry of a kind nobody has seen.
    p["limits"].append(
        {
            "kind": "weekly_design",
            "group": "weekly",
            "percent": 12,
            "severity": "normal",
            "resets_at": "2026-07-23T14:59:59.571200+00:00",
            "scope": {"model": None, "surface": None},
            "is_active": False,
        }
    )


def new_severity(p: Payload) -> None:
    p["limits"][2]["severity"] = "critical"
    p["limits"][2]["percent"] = 100


def new_group_and_kind(p: Payload) -> None:
    p["limits"][0]["kind"] = "burst"
    p["limits"][0]["group"] = "burst"
    p["limits"][1]["group"] = "burst"  # twice in one list: one change per value


def vanished_block(p: Payload) -> None:
    del p["extra_usage"]


def lost_utilization(p: Payload) -> None:
    del p["extra_usage"]["utilization"]


def null_valued_keys(p: Payload) -> None:
    p["five_hour"]["resets_at"] = None
    p["seven_day"]["utilization"] = None
    p["extra_usage"] = None
    p["limits"][2]["scope"]["model"] = None


def new_null_key_in_window(p: Payload) -> None:
    p["five_hour"]["grant_id"] = None


def codename_alive(p: Payload) -> None:
    # amber_ladder is null in every known variant; it comes alive as a credit grant.
    p["amber_ladder"] = {
        "utilization": 40.0,
        "resets_at": "2026-07-25T02:10:41.779260+00:00",
        "limit_dollars": 500,
        "used_dollars": 200.0,
        "remaining_dollars": 300.0,
        "locked_reason": None,
    }


def codename_alive_with_news(p: Payload) -> None:
    codename_alive(p)
    p["amber_ladder"]["grant_expires_at"] = "2026-08-01T00:00:00Z"


def rename_in_every_window(p: Payload) -> None:
    for key in ("five_hour", "seven_day", "nimbus_quill", "cinder_cove"):
        p[key]["lock_reason"] = p[key].pop("locked_reason")


def breakdown_alive(p: Payload) -> None:
    # Known at the same path from the October 2026 variant: not news.
    p["seven_day_breakdown"] = {
        "as_of": "2026-07-18T09:41:27Z",
        "window_started_at": "2026-07-16T07:00:00Z",
        "rows": [{"key": "fable", "display_name": "Fable", "percent": 81}],
    }


def breakdown_row_field(p: Payload) -> None:
    breakdown_alive(p)
    for row in p["seven_day_breakdown"]["rows"]:
        row["reset_eligible"] = True
    p["seven_day_breakdown"]["rows"].append(
        {"key": "opus", "display_name": "Opus", "percent": 3, "reset_eligible": False}
    )


def opus_window_like_2026(p: Payload) -> None:
    # seven_day_opus came back in October 2026 with the dollar fields: known.
    p["seven_day_opus"] = {
        "utilization": 9.0,
        "resets_at": "2026-07-23T14:59:59Z",
        "limit_dollars": None,
        "used_dollars": None,
        "remaining_dollars": None,
        "locked_reason": None,
    }


def new_subtree(p: Payload) -> None:
    p["five_hour"]["grant"] = {"id": "g1", "money": {"amount_minor": 500, "currency": "USD"}}


def scope_without_surface(p: Payload) -> None:
    del p["limits"][2]["scope"]["surface"]  # other items' scope is null: the union lacks it


Case = tuple[str, str, Callable[[Payload], None], list[dict[str, Any]]]
CASES: list[Case] = [
    (
        "new limit kind",
        "full-2026-07",
        new_limit_kind,
        [{"change": "value_added", "path": "limits[].kind", "value": "weekly_design"}],
    ),
    (
        "new enum value",
        "full-2026-07",
        new_severity,
        [{"change": "value_added", "path": "limits[].severity", "value": "critical"}],
    ),
    (
        "new values in several items: once per value",
        "two-scoped-limits",
        new_group_and_kind,
        [
            {"change": "value_added", "path": "limits[].group", "value": "burst"},
            {"change": "value_added", "path": "limits[].kind", "value": "burst"},
        ],
    ),
    (
        "vanished block: at its root, not as window members",
        "full-2026-07",
        vanished_block,
        [{"change": "removed", "path": "extra_usage"}],
    ),
    (
        "extra_usage lost utilization: its known members are not added",
        "classic-2026-03",
        lost_utilization,
        [{"change": "removed", "path": "extra_usage.utilization"}],
    ),
    ("null-valued keys are present", "full-2026-07", null_valued_keys, []),
    (
        "a new key holding null",
        "full-2026-07",
        new_null_key_in_window,
        [{"change": "added", "path": "five_hour.grant_id", "type": "null"}],
    ),
    (
        "codename alive, shaped like the known windows",
        "full-2026-07",
        codename_alive,
        [
            {
                "change": "type_changed",
                "path": "amber_ladder",
                "old_type": "null",
                "new_type": "object",
            }
        ],
    ),
    (
        "codename alive with a member no window has",
        "full-2026-07",
        codename_alive_with_news,
        [
            {
                "change": "type_changed",
                "path": "amber_ladder",
                "old_type": "null",
                "new_type": "object",
            },
            {"change": "added", "path": "amber_ladder.grant_expires_at", "type": "string"},
        ],
    ),
    (
        "rename in every window: at each window",
        "credit-grant-2026-09",
        rename_in_every_window,
        [
            {"change": "renamed", "from": f"{w}.locked_reason", "path": f"{w}.lock_reason"}
            for w in ("cinder_cove", "five_hour", "nimbus_quill", "seven_day")
        ],
    ),
    ("a block known at the same path in another variant", "full-2026-07", breakdown_alive, []),
    (
        "a field in every row of a list: once",
        "full-2026-07",
        breakdown_row_field,
        [
            {
                "change": "added",
                "path": "seven_day_breakdown.rows[].reset_eligible",
                "type": "boolean",
            }
        ],
    ),
    ("a classic key back as a 2026 window", "no-session", opus_window_like_2026, []),
    (
        "added subtree: once, at its root",
        "full-2026-07",
        new_subtree,
        [{"change": "added", "path": "five_hour.grant", "type": "object"}],
    ),
    (
        # The closest variant (full-2026-07 itself) has it: removed, by the contract's rule,
        # although the October 2026 variant lacks it.
        "scope without surface: removed relative to the closest variant",
        "full-2026-07",
        scope_without_surface,
        [{"change": "removed", "path": "limits[].scope.surface"}],
    ),
]


@pytest.mark.parametrize(
    ("name", "mutate", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_precise_case(
    name: str,
    mutate: Callable[[Payload], None],
    expected: list[dict[str, Any]],
    known: drift.KnownSchemas,
) -> None:
    payload = base(name)
    assert drift.check(payload, known).changes == ()  # the base is a known variant
    mutate(payload)
    result = drift.check(payload, known)
    assert [c.to_json() for c in result.changes] == expected
    assert_true_of_known(payload, result, known)
    if expected:
        assert result.fingerprint == drift.variant_id(result.changes)


def test_value_added_hides_a_free_text_value(known: drift.KnownSchemas) -> None:
    payload = base("full-2026-07")
    payload["limits"][0]["kind"] = "Contact jane.doe@example.com for access"
    (change,) = drift.check(payload, known).changes
    assert change.to_json() == {
        "change": "value_added",
        "path": "limits[].kind",
        "value": "<redacted:string>",
    }


def test_enum_union_over_documents_and_accepted_values() -> None:
    window = {"type": "string", "enum": ["session"]}
    doc_a = {
        "type": "object",
        "properties": {
            "limits": {"type": "array", "items": {"type": "object", "properties": {"kind": window}}}
        },
    }
    doc_b = copy.deepcopy(doc_a)
    del doc_b["properties"]["limits"]["items"]["properties"]["kind"]["enum"]  # no enum: no lift
    known = drift.KnownSchemas.from_documents([("a", doc_a), ("b", doc_b)])
    assert known.enums == {("limits", ITEM, "kind"): frozenset({"session"})}
    assert [c.value for c in drift.check({"limits": [{"kind": "x"}]}, known).changes] == ["x"]
    added = drift.with_enums(doc_b, {("limits", ITEM, "kind"): {"x"}})
    assert added == ["limits[].kind=x"]
    assert drift.with_enums(doc_b, {("limits", ITEM, "kind"): {"x"}}) == []  # idempotent
    known = drift.KnownSchemas.from_documents([("a", doc_a), ("b", doc_b)])
    assert drift.check({"limits": [{"kind": "x"}, {"kind": "session"}]}, known).changes == ()


def test_too_large_is_a_result_not_a_crash(known: drift.KnownSchemas) -> None:
    wide = {"five_hour": {"utilization": 1.0}, "blob": {f"k{i}": i for i in range(drift.MAX_NODES)}}
    result = drift.check(wide, known)
    assert result.too_large
    assert result.changes == ()
    assert result.fingerprint == ""
    deep: Payload = {"five_hour": None}
    node = deep
    for _ in range(drift.MAX_DEPTH + 2):
        node["x"] = {}
        node = node["x"]
    assert drift.check(deep, known).too_large


def test_a_drifting_shape_is_compared_once(
    known: drift.KnownSchemas, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    real = drift.compare

    def counting(*args: Any) -> Any:
        calls.append(1)
        return real(*args)

    monkeypatch.setattr("notifier.core.drift.compare", counting)
    fresh = schemas.load_known()
    first = base("full-2026-07")
    new_limit_kind(first)
    results = {drift.check(copy.deepcopy(first), fresh) for _ in range(5)}
    reordered = dict(reversed(list(first.items())))  # another quick key, same shape
    results.add(drift.check(reordered, fresh))
    assert len(results) == 1
    assert len(calls) == 1
    other = copy.deepcopy(first)
    other["limits"][3]["kind"] = "weekly_code"  # same shape, another value: compared again
    assert drift.check(other, fresh).changes[0].value == "weekly_code"
    assert len(calls) == 2


def test_a_poll_judged_before_is_answered_from_the_quick_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The common case of the module doc: the same payload again (a new object, as every
    # poll is) costs one walk, not the shape table, known or drifting.
    calls: list[int] = []
    real = drift.shape_of

    def counting(payload: Payload) -> Any:
        calls.append(1)
        return real(payload)

    monkeypatch.setattr("notifier.core.drift.shape_of", counting)
    fresh = schemas.load_known()
    drifting = base("full-2026-07")
    new_limit_kind(drifting)
    for payload in (base("full-2026-07"), drifting):
        first = drift.check(copy.deepcopy(payload), fresh)
        assert drift.check(copy.deepcopy(payload), fresh) == first
    assert len(calls) == 2  # once per payload


def test_a_new_shape_without_drift_keeps_its_shape_fingerprint() -> None:
    # Null where the variant has a window: not a known variant's shape, yet no change.
    # DriftResult: the fingerprint is the shape fingerprint when there are no changes.
    fresh = schemas.load_known()
    payload = base("full-2026-07")
    null_valued_keys(payload)
    print_ = drift.fingerprint(drift.shape_of(payload))
    assert print_ not in fresh.fingerprints
    assert drift.check(payload, fresh) == drift.DriftResult(print_)


# ----------------------------------------------------------------------- properties

KEYS = st.sampled_from(["utilization", "resets_at", "kind", "a", "b", "rows", "\x00x", "limits"])
LEAVES = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5)
)
JSON = st.recursive(
    LEAVES,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=5),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(KEYS, JSON, max_size=6))
def test_a_payload_has_no_drift_against_its_own_schema(payload: Payload) -> None:
    known = drift.KnownSchemas.from_documents([("self", drift.infer_schema(payload))])
    assert drift.check(payload, known).changes == ()
    assert drift.shape_of_schema(drift.infer_schema(payload)) == drift.shape_of(payload)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(KEYS, JSON, max_size=6), st.dictionaries(KEYS, JSON, max_size=6))
def test_every_change_is_true_of_the_known_variant(
    known_payload: Payload, payload: Payload
) -> None:
    known = drift.KnownSchemas.from_documents([("k", drift.infer_schema(known_payload))])
    result = drift.check(payload, known)
    assert_true_of_known(payload, result, known)
    assert drift.check(json.loads(json.dumps(payload)), known) == result  # memo: same answer


def test_null_only_known_paths_are_present_not_removed() -> None:
    known = drift.KnownSchemas.from_documents(
        [("k", drift.infer_schema({"five_hour": {"utilization": 1, "resets_at": None}}))]
    )
    assert known.union[("five_hour", "resets_at")] == NULL
    assert drift.check({"five_hour": {"utilization": 2, "resets_at": None}}, known).changes == ()


def test_mappings_and_tuples_outside_plain_json_are_judged_the_slow_way(
    known: drift.KnownSchemas,
) -> None:
    from types import MappingProxyType

    payload = base("full-2026-07")
    new_limit_kind(payload)
    plain = drift.check(payload, known)
    odd = dict(payload)
    odd["five_hour"] = MappingProxyType(payload["five_hour"])
    odd["limits"] = tuple(payload["limits"])
    assert drift.shape.quick_key(odd) is None
    assert drift.check(odd, known) == plain


@contextlib.contextmanager
def fresh_layouts() -> Iterator[drift.shape._Layouts]:
    """Empty layout tables for one test, restored after.

    The tables are process-wide: without this, a signature learnt by an earlier test
    is only looked up here, and ``_Layouts.learn`` (what decides which values are
    containers and which strings are enums) would never run under these tests, so a
    mutation run would not pick them for its mutants.
    """
    with pytest.MonkeyPatch.context() as patch:
        layouts = drift.shape._Layouts()
        patch.setattr(drift.shape, "_LAYOUTS", layouts)
        yield layouts


def test_int_and_float_share_a_quick_key() -> None:
    with fresh_layouts():
        _int_and_float_share_a_quick_key()


def test_a_quick_key_sees_enum_values_nested_lists_and_key_order() -> None:
    """What check() can tell apart, the key must: each pair differs in one such thing."""
    pairs = [
        ({"limits": [{"kind": "a", "x": 1}]}, {"limits": [{"kind": "b", "x": 1}]}),
        ({"g": {"group": "a"}}, {"g": {"group": "b"}}),
        ({"a": [{"b": 1}]}, {"a": [{"c": 1}]}),  # inside a list's object
        ({"a": [[1]]}, {"a": [["x"]]}),  # inside a list's list
        ({"a": {"b": {"c": 1}}}, {"a": {"b": {"d": 1}}}),  # two levels down
        ({"a": [1, {"b": 1}]}, {"a": [1, {"c": 1}]}),  # the second of two items
        ({"a": {"p": [1], "q": {"r": 1}}}, {"a": {"p": [1], "q": {"s": 1}}}),  # two nested
    ]
    with fresh_layouts():
        for one, other in pairs:
            assert drift.shape.quick_key(one) != drift.shape.quick_key(other), (one, other)
        # A string under a key that is no enum is a value, not a shape: one key.
        assert drift.shape.quick_key({"a": {"label": "x"}}) == drift.shape.quick_key(
            {"a": {"label": "y"}}
        )


def test_the_layout_tables_start_over_just_past_their_bound() -> None:
    """Each new signature of one value counts 2 tokens (its layout and its lookup).

    With a bound of 2: the first signature takes 2 tokens; looking it up again is a
    hit and costs none; the second fits (4); the third finds 4 > 2 and starts over,
    so it is alone (2); the fourth finds 2, not past the bound, and joins it. (A
    lookup that missed a known signature would learn it again and count tokens: the
    tables would start over one signature early.)
    """
    with pytest.MonkeyPatch.context() as patch, fresh_layouts() as layouts:
        patch.setattr(drift.shape, "_LAYOUT_TOKENS", 2)
        sizes = []
        for key in "aabcd":
            drift.shape.quick_key({key: 1})
            sizes.append(len(layouts.by_types))
        assert sizes == [1, 1, 2, 1, 2]


def _int_and_float_share_a_quick_key() -> None:
    one = {"five_hour": {"utilization": 1, "resets_at": None}}
    other = {"five_hour": {"utilization": 1.5, "resets_at": None}}
    assert drift.shape.quick_key(one) == drift.shape.quick_key(other)
    assert drift.shape.quick_key({"limits": [{"kind": "a"}]}) != drift.shape.quick_key(
        {"limits": [{"kind": "b"}]}
    )


def test_the_items_of_a_list_that_is_also_a_new_window_are_the_lists_items() -> None:
    # Found by hypothesis: `a[]` known as a list of lists; now its items are a list and
    # a window. The window is new (type_changed, its member added), but `a[][]` is the
    # known items' path, not a member of the window: never reported added.
    known = drift.KnownSchemas.from_documents([("k", drift.infer_schema({"a": [[None]]}))])
    payload = {"a": [[None], {"utilization": None}]}
    changes = {(c.change.value, c.path) for c in drift.check(payload, known).changes}
    assert changes == {("type_changed", "a[]"), ("added", "a[].utilization")}


SMALL = st.recursive(
    st.none() | st.booleans() | st.sampled_from([0, 1.5, "x", "y"]),
    lambda inner: (
        st.lists(inner, max_size=2)
        | st.dictionaries(st.sampled_from(["a", "kind", "group"]), inner, max_size=2)
    ),
    max_leaves=6,
)


@settings(max_examples=500, deadline=None)
@given(
    st.dictionaries(st.sampled_from(["a", "b", "limits"]), SMALL, max_size=3),
    st.dictionaries(st.sampled_from(["a", "b", "limits"]), SMALL, max_size=3),
)
def test_one_quick_key_is_one_shape_with_one_set_of_enum_values(
    first: Payload, second: Payload
) -> None:
    # Small alphabets, so that equal keys happen often: the memo may only ever merge
    # payloads that check() could not tell apart.
    with fresh_layouts():
        same = drift.shape.quick_key(first) == drift.shape.quick_key(second)
    if same:
        assert drift.shape_of(first) == drift.shape_of(second)
        assert enum_strings(first) == enum_strings(second)


def enum_strings(payload: Any) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    pending = [payload]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            found.extend(
                (k, v) for k, v in value.items() if k in {"kind", "group"} and isinstance(v, str)
            )
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return sorted(found)


def test_the_quick_key_stops_at_the_callers_bound() -> None:
    payload = {"a": [1, 2, 3], "b": {"c": 4}}  # six keys and items
    assert drift.shape.quick_key(payload, max_nodes=6) is not None
    with pytest.raises(drift.shape.TooLarge):
        drift.shape.quick_key(payload, max_nodes=5)
    assert drift.recall(payload, drift.KnownSchemas(), 6) is None  # not judged yet
    judged = drift.check(payload, known := drift.KnownSchemas())
    assert drift.recall(payload, known, 6) is judged
    assert drift.recall(payload, known, 5) is None


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.dictionaries(st.sampled_from(["a", "b", "limits"]), SMALL, max_size=3), max_size=6)
)
def test_layout_tables_that_start_over_never_merge_two_shapes(payloads: list[Payload]) -> None:
    # Every lookup past the bound empties the tables: identities are new each time, so a
    # key computed before can only ever equal a key of the same shape.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(drift.shape, "_LAYOUT_TOKENS", 0)
        keys = [drift.shape.quick_key(p) for p in payloads + payloads]
    for (i, one), (j, other) in itertools.combinations(enumerate(keys), 2):
        if one == other:
            first, second = (payloads + payloads)[i], (payloads + payloads)[j]
            assert drift.shape_of(first) == drift.shape_of(second)
            assert enum_strings(first) == enum_strings(second)


def test_one_shape_keeps_its_key_while_the_tables_hold() -> None:
    payload = {"limits": [{"kind": "a", "percent": 1}], "five_hour": None}
    before = drift.shape.quick_key(payload)
    assert drift.shape.quick_key(json.loads(json.dumps(payload))) == before
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(drift.shape, "_LAYOUTS", drift.shape._Layouts())  # started over
        again = drift.shape.quick_key(payload)
        assert again != before  # new identities: a key from before can match nothing
        assert drift.shape.quick_key(payload) == again
