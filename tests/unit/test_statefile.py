"""``state.json``: strict private writes, lenient reads that never crash the agent."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from notifier import statefile
from notifier.core.buckets import Bucket
from notifier.core.errors import StoreError
from notifier.core.models import STATE_VERSION, AgentState, BucketState, Config, State
from notifier.core.rules import evaluate
from notifier.statefile import load_state, save_state

RESETS_AT = datetime(2026, 11, 2, 13, 0, 0, 339563, tzinfo=UTC)

STATE = State(
    buckets={
        "five_hour": BucketState(
            fired=(75.0, 90.0), last_utilization=93.0, resets_at=RESETS_AT, crossed_in_window=True
        ),
        "extra_usage": BucketState(fired=(), last_utilization=12.5, resets_at=None),
    },
    agent=AgentState(
        outcome="rate_limited",
        consecutive_failures=2,
        backoff_until=datetime(2026, 11, 2, 13, 5, tzinfo=timezone(timedelta(hours=1))),
    ),
)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "state" / "state.json"


def write_doc(path: Path, doc: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc))


def good_doc() -> dict[str, Any]:
    return {
        "version": STATE_VERSION,
        "buckets": {
            "five_hour": {
                "fired": [75, 90],
                "last_utilization": 93,
                "resets_at": "2026-11-02T13:00:00.339563+00:00",
                "crossed_in_window": True,
            }
        },
        "agent": {"outcome": "ok", "consecutive_failures": 0},
    }


def test_missing_file_is_a_fresh_state_without_warning(path: Path) -> None:
    assert load_state(path) == (State(), [])


def test_save_is_private_versioned_and_loads_back_equal(path: Path) -> None:
    save_state(path, STATE)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    doc = json.loads(path.read_text())
    assert doc["version"] == STATE_VERSION
    assert doc["buckets"]["five_hour"]["resets_at"] == "2026-11-02T13:00:00.339563Z"
    loaded, warnings = load_state(path)
    assert warnings == []
    assert loaded == STATE
    assert loaded.agent.backoff_until == STATE.agent.backoff_until


def test_a_restart_with_saved_state_does_not_repeat_a_threshold(path: Path) -> None:
    config = Config()
    observed_at = RESETS_AT - timedelta(hours=1)
    bucket = [Bucket("five_hour", 92.0, RESETS_AT)]
    first_state, first = evaluate({}, bucket, observed_at, config)
    save_state(path, State(buckets=first_state))
    loaded, _ = load_state(path)
    _, again = evaluate(loaded.buckets, bucket, observed_at + timedelta(minutes=5), config)
    assert len(first) == 1
    assert again == []


@pytest.mark.parametrize(
    "content",
    [b"{not json", b"\xff\xfe garbage", b"", b"[1, 2, 3]", b'"state"', b'{"buckets": {}}',
     b'{"version": "1"}', b'{"version": true}'],
    ids=["truncated", "binary", "empty", "list", "string", "no-version", "str-version", "bool"],
)  # fmt: skip
def test_a_corrupt_file_is_moved_aside_with_a_warning(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    state, warnings = load_state(path)
    assert state == State()
    assert len(warnings) == 1
    assert "state.json.corrupt-1" in warnings[0]
    assert not path.exists()
    assert (path.parent / "state.json.corrupt-1").read_bytes() == content


def test_an_unreadable_path_is_moved_aside(path: Path) -> None:
    path.mkdir(parents=True)  # a folder where the file should be
    state, warnings = load_state(path)
    assert state == State()
    assert len(warnings) == 1
    assert (path.parent / "state.json.corrupt-1").is_dir()


@pytest.mark.parametrize(
    "content",
    [b"{not json", b'{"buckets": {}}', b'{"version": 99}', b'{"version": 0}'],
    ids=["corrupt", "no-version", "newer", "old"],
)
def test_read_only_loading_leaves_a_bad_file_in_place(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    state, warnings = load_state(path, move_aside=False)
    assert state == State()
    assert len(warnings) == 1
    assert "left in place" in warnings[0]
    assert path.read_bytes() == content
    assert [p.name for p in path.parent.iterdir()] == ["state.json"]


def test_read_only_loading_is_as_lenient_as_the_agent(path: Path) -> None:
    doc = good_doc()
    doc["buckets"]["broken"] = {"fired": "nope"}
    doc["agent"]["notifier"] = "osascript (no bundle identifier)"
    write_doc(path, doc)
    state, warnings = load_state(path, move_aside=False)
    assert list(state.buckets) == ["five_hour"]
    assert state.agent.outcome == "ok"
    assert state.agent.notifier == "osascript (no bundle identifier)"
    assert warnings == [f"{path}: bucket 'broken' is invalid; forgotten"]


def test_a_second_corrupt_file_does_not_overwrite_the_first(path: Path) -> None:
    for content in (b"one", b"two"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        load_state(path)
    assert (path.parent / "state.json.corrupt-1").read_bytes() == b"one"
    assert (path.parent / "state.json.corrupt-2").read_bytes() == b"two"


def test_a_newer_version_is_moved_aside_not_overwritten(path: Path) -> None:
    doc = good_doc() | {"version": STATE_VERSION + 1}
    write_doc(path, doc)
    state, warnings = load_state(path)
    assert state == State()
    assert len(warnings) == 1
    assert "newer" in warnings[0]
    assert json.loads((path.parent / "state.json.newer-1").read_text()) == doc


def test_an_old_version_without_migration_is_reset_with_a_warning(path: Path) -> None:
    write_doc(path, good_doc() | {"version": 0})
    state, warnings = load_state(path)
    assert state == State()
    assert len(warnings) == 1
    assert "cannot be migrated" in warnings[0]
    assert (path.parent / "state.json.old-1").exists()


def test_an_old_version_with_a_migration_is_migrated(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Version 0 (hypothetical) called the fired set "done": the migration renames it.
    def zero_to_one(doc: dict[str, Any]) -> dict[str, Any]:
        buckets = {
            name: {k if k != "done" else "fired": v for k, v in b.items()}
            for name, b in doc["buckets"].items()
        }
        return {**doc, "version": 1, "buckets": buckets}

    monkeypatch.setattr(statefile, "_MIGRATIONS", {**statefile._MIGRATIONS, 0: zero_to_one})
    write_doc(path, {"version": 0, "buckets": {"five_hour": {"done": [75]}}})
    state, warnings = load_state(path)
    assert state.buckets["five_hour"].fired == (75.0,)
    assert warnings == [f"{path}: migrated from state version 0 to {STATE_VERSION}"]


def test_a_version_1_file_migrates_to_2_keeping_every_bucket(path: Path) -> None:
    # A real version-1 document, as the notifier before the pace forecast wrote it.
    write_doc(
        path,
        {
            "version": 1,
            "buckets": {
                "five_hour": {
                    "fired": [75.0],
                    "last_utilization": 80.0,
                    "resets_at": "2026-11-02T13:00:00+00:00",
                    "crossed_in_window": True,
                }
            },
            "agent": {"outcome": "ok", "login_notified": False},
        },
    )
    state, warnings = load_state(path)
    assert warnings == [f"{path}: migrated from state version 1 to 2"]
    five = state.buckets["five_hour"]
    assert (five.fired, five.last_utilization, five.crossed_in_window) == ((75.0,), 80.0, True)
    assert five.resets_at == datetime(2026, 11, 2, 13, tzinfo=UTC)
    # The forecast starts empty: no points, nothing sent, nothing learned.
    assert (five.points, five.forecast_fired, five.longest_window_seconds) == ((), False, None)
    assert state.agent.outcome == "ok"


def test_forecast_points_round_trip_exactly(path: Path) -> None:
    at = datetime(2026, 11, 2, 10, 0, 0, 123456, tzinfo=timezone(timedelta(hours=2)))
    points = ((at, 61.5), (at + timedelta(minutes=5), 62.000000000000014))
    state = State(
        buckets={
            "limit:monthly:x": BucketState(
                points=points,
                forecast_fired=True,
                longest_window_seconds=2591999.876543,
                reset_seen=True,
            )
        }
    )
    save_state(path, state)
    loaded, warnings = load_state(path)
    assert warnings == []
    assert loaded.buckets == state.buckets
    assert loaded.buckets["limit:monthly:x"].points[0][0].utcoffset() == timedelta(hours=2)


def test_a_point_without_offset_forgets_that_bucket(path: Path) -> None:
    doc = good_doc()
    doc["buckets"]["five_hour"]["points"] = [["2026-11-02T10:00:00", 50.0]]
    write_doc(path, doc)
    state, warnings = load_state(path)
    assert "five_hour" not in state.buckets
    assert warnings == [f"{path}: bucket 'five_hour' is invalid; forgotten"]


def test_unknown_fields_are_ignored_with_a_warning(path: Path) -> None:
    doc = good_doc()
    doc["mood"] = "sunny"
    doc["buckets"]["five_hour"]["colour"] = "red"
    doc["agent"]["pet"] = "cat"
    write_doc(path, doc)
    state, warnings = load_state(path)
    assert state.buckets["five_hour"].fired == (75.0, 90.0)
    assert state.agent.outcome == "ok"
    assert len(warnings) == 3
    assert "mood" in warnings[0]
    assert "colour" in warnings[1]
    assert "pet" in warnings[2]
    assert path.exists()  # not moved aside


@pytest.mark.parametrize(
    "bad_bucket",
    [
        {"fired": "seventy"},
        {"last_utilization": "lots"},
        {"resets_at": "2026-11-02T13:00:00"},  # naive: would shift resets by hours
        {"resets_at": "soon"},
        "not an object",
    ],
)
def test_one_bad_bucket_is_forgotten_the_rest_kept(path: Path, bad_bucket: Any) -> None:
    doc = good_doc()
    doc["buckets"]["seven_day"] = bad_bucket
    write_doc(path, doc)
    state, warnings = load_state(path)
    assert set(state.buckets) == {"five_hour"}
    assert len(warnings) == 1
    assert "seven_day" in warnings[0]


def test_a_bad_agent_section_is_reset_the_buckets_kept(path: Path) -> None:
    doc = good_doc()
    doc["agent"] = {"outcome": "confused", "backoff_until": "2026-11-02T13:00:00"}
    write_doc(path, doc)
    state, warnings = load_state(path)
    assert state.agent == AgentState()
    assert set(state.buckets) == {"five_hour"}
    assert len(warnings) == 1


def test_a_naive_agent_timestamp_resets_the_agent_section(path: Path) -> None:
    doc = good_doc()
    doc["agent"] = {"backoff_until": "2026-11-02T13:00:00"}
    write_doc(path, doc)
    state, warnings = load_state(path)
    assert state.agent.backoff_until is None
    assert len(warnings) == 1


def test_saving_a_naive_timestamp_is_refused(path: Path) -> None:
    naive = datetime(2026, 11, 2, 13, 0)  # noqa: DTZ001 (the point of the test)
    bad = State(buckets={"five_hour": BucketState(resets_at=naive)})
    with pytest.raises(StoreError, match="without offset"):
        save_state(path, bad)
    assert not path.exists()


def test_saving_replaces_the_old_file_atomically(path: Path) -> None:
    save_state(path, State())
    save_state(path, STATE)
    assert load_state(path) == (STATE, [])
    assert [p.name for p in path.parent.iterdir()] == ["state.json"]  # no temp files left
