"""``core.stateview``: the pydantic-free reading of ``state.json`` agrees with the pydantic one.

``status`` reads the agent's state through :func:`stateview.parse` and falls back to
:func:`statefile.load_state` when it answers ``None``. So two things must hold: the
view recognises what the agent writes (else the fast path is dead code), and
whatever it accepts reads exactly as pydantic reads it (else ``status`` changed).
"""

from __future__ import annotations

import copy
import json
import string
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notifier.core import stateview
from notifier.core.models import AgentState, BucketState, Outcome, State
from notifier.statefile import load_state, save_state, state_to_json
from notifier.store import read_json

# The kind each annotation dumps to, derived here independently of the module's tables.
KINDS: list[tuple[object, str]] = [
    (float | None, stateview.NUMBER_OR_NULL),
    (tuple[float, ...], stateview.NUMBERS),
    (int, stateview.INTEGER),
    (bool, stateview.BOOLEAN),
    (str | None, stateview.TEXT_OR_NULL),
    (datetime | None, stateview.TIME_OR_NULL),
    (tuple[datetime, ...], stateview.TIMES),
    (tuple[tuple[datetime, float], ...], stateview.POINTS),
    (Outcome, stateview.OUTCOME),
]


def kind_of(annotation: object) -> str:
    found = [kind for known, kind in KINDS if known == annotation]
    assert found, f"no kind for {annotation!r}: teach stateview (and this test) the new type"
    return found[0]


@pytest.mark.parametrize(
    ("model", "table"),
    [(BucketState, stateview.BUCKET_FIELDS), (AgentState, stateview.AGENT_FIELDS)],
)
def test_the_field_tables_are_the_models_fields_field_by_field(
    model: type[BucketState | AgentState], table: dict[str, str]
) -> None:
    expected = {name: kind_of(info.annotation) for name, info in model.model_fields.items()}
    assert dict(table) == expected


def test_the_top_level_fields_are_the_states() -> None:
    assert set(State.model_fields) == stateview.TOP_FIELDS


def test_the_empty_view_is_a_fresh_state() -> None:
    assert stateview.of(State()) == stateview.EMPTY


# --------------------------------------------------------------------------- generated states

ZONES = st.sampled_from(
    [UTC, timezone(timedelta(hours=2)), timezone(-timedelta(hours=5, minutes=30))]
)
# hypothesis takes naive bounds and attaches the zones itself.
TIMES = st.datetimes(
    min_value=datetime(1990, 1, 1),  # noqa: DTZ001
    max_value=datetime(2200, 1, 1),  # noqa: DTZ001
    timezones=ZONES,
)
NUMBERS = st.floats(allow_nan=False, allow_infinity=False, width=64)
PRINTABLE = st.text(alphabet=string.ascii_letters + string.digits + " ./:;-_()", max_size=20)


def bucket_states(text: st.SearchStrategy[str] = PRINTABLE) -> st.SearchStrategy[BucketState]:
    return st.builds(
        BucketState,
        fired=st.lists(NUMBERS, max_size=3).map(tuple),
        last_utilization=st.none() | NUMBERS,
        resets_at=st.none() | TIMES,
        crossed_in_window=st.booleans(),
        points=st.lists(st.tuples(TIMES, NUMBERS), max_size=4).map(tuple),
        forecast_fired=st.booleans(),
        longest_window_seconds=st.none() | NUMBERS,
        reset_seen=st.booleans(),
    )


def agent_states(text: st.SearchStrategy[str]) -> st.SearchStrategy[AgentState]:
    maybe_time = st.none() | TIMES
    maybe_text = st.none() | text
    return st.builds(
        AgentState,
        outcome=st.sampled_from(list(Outcome)),
        consecutive_failures=st.integers(min_value=0, max_value=10**6),
        backoff_until=maybe_time,
        last_poll_at=maybe_time,
        last_success_at=maybe_time,
        last_error=maybe_text,
        login_notified=st.booleans(),
        login_expiry_warned=maybe_time,
        login_expires_at=maybe_time,
        failing_since=maybe_time,
        stale_told=st.booleans(),
        reset_polls=st.lists(TIMES, max_size=3).map(tuple),
        notifier=maybe_text,
        user_agent=maybe_text,
        user_agent_hint=maybe_text,
        last_reading_at=maybe_time,
    )


def states(text: st.SearchStrategy[str] = PRINTABLE) -> st.SearchStrategy[State]:
    names = st.text(alphabet=string.ascii_lowercase + ":_", min_size=1, max_size=12)
    return st.builds(
        State,
        buckets=st.dictionaries(names, bucket_states(), max_size=3),
        agent=agent_states(text),
    )


def pydantic_view(path: Path) -> stateview.StateView:
    state, _warnings = load_state(path, move_aside=False)
    return stateview.of(state)


@settings(max_examples=150, deadline=None)
@given(state=states())
def test_what_the_agent_writes_is_recognised_and_reads_as_pydantic_reads_it(
    tmp_path_factory: pytest.TempPathFactory, state: State
) -> None:
    path = tmp_path_factory.mktemp("state") / "state.json"
    save_state(path, state)  # the agent's own writer
    view = stateview.parse(read_json(path))
    assert view is not None
    assert view == pydantic_view(path)
    assert view == stateview.of(state)


@settings(max_examples=100, deadline=None)
@given(state=states(text=st.text(max_size=10)))
def test_any_text_is_recognised_or_left_to_pydantic(
    tmp_path_factory: pytest.TempPathFactory, state: State
) -> None:
    path = tmp_path_factory.mktemp("state") / "state.json"
    save_state(path, state)
    view = stateview.parse(read_json(path))
    assert view is None or view == pydantic_view(path)


# --------------------------------------------------------------------------- doubtful files

ODD_VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    3,
    1.5,
    "1.5",
    "",
    "x",
    "never",
    "rate_limited",
    "2026-11-02T13:00:00",  # naive
    "2026-11-02T13:00:00Z",
    "2026-11-02T13:00:00.5+01:00",
    "2026-11-02 13:00:00+00:00",
    "20261102T130000Z",
    "2026-11-02T13:00:00.1234567Z",
    "2026-11-02T13:00:00+24:00",
    "9999-12-31T23:00:00-05:00",  # out of range once the offset applies
    "0001-01-01T00:00:00+00:00",
    1_790_000_000,  # epoch seconds: pydantic might take it as a time
    10**400,  # read as inf
    [],
    [1, 2],
    ["2026-11-02T13:00:00Z"],
    [["2026-11-02T13:00:00Z", 50]],
    [["2026-11-02T13:00:00", 50]],
    [["2026-11-02T13:00:00Z", "50"]],
    [["2026-11-02T13:00:00Z", 50, 1]],
    {"a": 1},
    "tab\there",
    "\ud800",  # a lone surrogate: JSON can carry one, and pydantic takes it as text
]

BASE = State(
    buckets={
        "five_hour": BucketState(
            fired=(75.0,),
            last_utilization=80.0,
            resets_at=datetime(2026, 11, 2, 15, tzinfo=UTC),
            points=((datetime(2026, 11, 2, 12, tzinfo=UTC), 70.0),),
            longest_window_seconds=18000.0,
            reset_seen=True,
        )
    },
    agent=AgentState(
        outcome=Outcome.RATE_LIMITED,
        backoff_until=datetime(2026, 11, 2, 13, 5, tzinfo=timezone(timedelta(hours=1))),
        last_success_at=datetime(2026, 11, 2, 12, 55, tzinfo=UTC),
        login_expires_at=datetime(2026, 12, 2, tzinfo=UTC),
    ),
)


def _variants() -> list[tuple[str, dict[str, Any]]]:
    base = state_to_json(BASE)
    out: list[tuple[str, dict[str, Any]]] = []
    sections = [("buckets.five_hour", base["buckets"]["five_hour"]), ("agent", base["agent"])]
    for where, section in sections:
        for key in section:
            for index, odd in enumerate(ODD_VALUES):
                doc = copy.deepcopy(base)
                target = doc["agent"] if where == "agent" else doc["buckets"]["five_hour"]
                target[key] = odd
                out.append((f"{where}.{key}={index}", doc))
            doc = copy.deepcopy(base)
            target = doc["agent"] if where == "agent" else doc["buckets"]["five_hour"]
            del target[key]
            out.append((f"{where}.{key} missing", doc))
        doc = copy.deepcopy(base)
        target = doc["agent"] if where == "agent" else doc["buckets"]["five_hour"]
        target["surprise"] = 1
        out.append((f"{where}: unknown field", doc))
    for key, odd in [("version", 1), ("version", True), ("version", 3), ("version", "2")]:
        out.append((f"{key}={odd!r}", {**base, key: odd}))
    out.append(("unknown top-level field", {**base, "surprise": 1}))
    out.append(("no agent section", {k: v for k, v in base.items() if k != "agent"}))
    out.append(("buckets not an object", {**base, "buckets": []}))
    out.append(("agent not an object", {**base, "agent": None}))
    out.append(("bucket not an object", {**base, "buckets": {"five_hour": 80}}))
    return out


@pytest.mark.parametrize(("what", "doc"), _variants(), ids=[name for name, _ in _variants()])
def test_a_doubtful_file_is_left_to_pydantic_or_read_alike(
    tmp_path: Path, what: str, doc: dict[str, Any]
) -> None:
    path = tmp_path / "state.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    view = stateview.parse(read_json(path))
    assert view is None or view == pydantic_view(path), what


def test_the_base_document_itself_is_recognised(tmp_path: Path) -> None:
    # Guard on the guard: the variants above start from a document the view accepts.
    view = stateview.parse(state_to_json(BASE))
    assert view == stateview.of(BASE)
    assert view is not None
    assert view.agent.outcome is Outcome.RATE_LIMITED
    assert view.buckets["five_hour"].points == ((datetime(2026, 11, 2, 12, tzinfo=UTC), 70.0),)


@pytest.mark.parametrize(
    "doc",
    [
        None,
        [],
        "state",
        {"version": 2},
        {**state_to_json(State()), "version": 1},
    ],
)
def test_not_the_agents_dump_is_none(doc: object) -> None:
    assert stateview.parse(doc) is None
