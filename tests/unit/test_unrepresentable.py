"""Values that cannot be represented never poison the state (contract: "Threshold and reset").

Generated hostile values: integers beyond float range, ``1e999`` (read as inf),
timestamps whose offset pushes them outside years 1-9999. Each makes that one
bucket's reading missing; the healthy buckets of the same observation go on,
and nothing unrepresentable is ever stored, or survives loading a state file.
"""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from notifier.core.buckets import discover
from notifier.core.events import ThresholdCrossed
from notifier.core.jsondoc import decode_object
from notifier.core.models import (
    EARLIEST,
    LATEST,
    STATE_VERSION,
    Config,
    Observation,
    as_number,
    parse_timestamp,
    representable,
)
from notifier.core.pipeline import Pipeline
from notifier.statefile import load_state, save_state, state_to_json

NOW = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)

offsets = st.integers(-23 * 60 - 59, 23 * 60 + 59).map(lambda m: timezone(timedelta(minutes=m)))
edge_instants = st.builds(
    lambda year, month, day, hour, tz: datetime(year, month, day, hour, tzinfo=tz),
    st.sampled_from([1, 2, 9998, 9999]),
    st.sampled_from([1, 12]),
    st.sampled_from([1, 2, 30, 31]),
    st.integers(0, 23),
    offsets,
)
BAD_NUMBER_LITERALS = st.sampled_from(["1e999", "-1e999", "9" * 400, "1" * 5000, "1e400"])
BAD_TIMESTAMPS = st.sampled_from(
    ["9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+05:00", "9999-12-31T12:00:00-23:59"]
)


@given(edge_instants)
def test_parse_timestamp_never_raises_and_keeps_only_representable(moment: datetime) -> None:
    parsed = parse_timestamp(moment.isoformat())
    assert parsed is None or representable(parsed)
    if parsed is not None:
        parsed.astimezone(UTC) - timedelta(days=1)  # the rules' and display's arithmetic
        parsed.astimezone(UTC) + timedelta(days=1)


def test_the_bounds_themselves_are_representable_and_a_microsecond_beyond_is_not() -> None:
    # EARLIEST and LATEST are the first and last instants the rules may hold: both sides
    # of each edge, in UTC and in a zone whose offset moves the wall time but not the instant.
    tick = timedelta(microseconds=1)
    plus5 = timezone(timedelta(hours=5))
    assert representable(EARLIEST)
    assert representable(EARLIEST.astimezone(plus5))
    assert not representable(EARLIEST - tick)
    assert representable(LATEST)
    assert representable(LATEST.astimezone(plus5))
    assert not representable(LATEST + tick)


def test_an_aware_datetime_is_taken_as_it_is_and_a_naive_one_is_refused() -> None:
    # Callers in Python (tests, the statusline's readings) hand over datetimes, not text:
    # an aware one is kept unchanged, a naive one is missing like naive text.
    moment = datetime(2026, 7, 1, 14, 0, tzinfo=timezone(timedelta(hours=2)))
    assert parse_timestamp(moment) is moment
    assert parse_timestamp(moment.replace(tzinfo=None)) is None


@given(st.integers(min_value=10**309) | st.integers(max_value=-(10**309)))
def test_integers_beyond_float_range_are_missing(value: int) -> None:
    assert as_number(value) is None


def _payload_text(bad_number: str, bad_time: str, hot: float) -> str:
    # Built as text: the bad literals are what a hostile server sends on the wire.
    return "".join(
        [
            '{"five_hour": {"utilization": ',
            bad_number,
            ', "resets_at": null}, "seven_day": {"utilization": 10, "resets_at": "',
            bad_time,
            '"}, "seven_day_opus": {"utilization": ',
            repr(hot),
            ', "resets_at": "2026-07-05T00:00:00+00:00"},',
            ' "limits": [{"kind": "weekly_scoped", "percent": ',
            bad_number,
            ', "scope": {"model": {"display_name": "Fable"}}}]}',
        ]
    )


@settings(max_examples=60, deadline=None)
@given(BAD_NUMBER_LITERALS, BAD_TIMESTAMPS, st.floats(75, 99))
def test_one_poisoned_bucket_leaves_the_others_and_the_state_clean(
    bad_number: str, bad_time: str, hot: float
) -> None:
    payload = decode_object(_payload_text(bad_number, bad_time, hot).encode())
    assert [bucket.name for bucket in discover(payload)] == ["seven_day_opus"]
    pipeline = Pipeline(Config())
    events = pipeline.process(Observation(NOW, payload))
    assert [(type(e), e.bucket) for e in events] == [(ThresholdCrossed, "seven_day_opus")]
    document = state_to_json(pipeline.state)  # refuses to write anything unrepresentable
    assert set(document["buckets"]) == {"seven_day_opus"}
    json.dumps(document, allow_nan=False)


GOOD_BUCKET = {"fired": [75], "last_utilization": 80, "resets_at": "2026-07-05T00:00:00+00:00"}
BAD_BUCKETS = st.sampled_from(
    [
        {"fired": [], "last_utilization": 1e999},
        {"fired": [], "last_utilization": "Infinity"},
        {"fired": [10**400], "last_utilization": 3},
        {"fired": [], "last_utilization": 3, "resets_at": "9999-12-31T23:59:59-01:00"},
        {"fired": [], "last_utilization": 3, "resets_at": "0001-01-01T00:00:00+01:00"},
        {"fired": [], "last_utilization": 3, "resets_at": "10000-01-01T00:00:00+00:00"},
    ]
)


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.text("abcxyz_", min_size=1, max_size=8), BAD_BUCKETS, min_size=1))
def test_a_poisoned_state_file_is_repaired_on_load(bad: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "state.json"
        document = {
            "version": STATE_VERSION,
            "buckets": {"good_one": GOOD_BUCKET, **{f"bad_{k}": v for k, v in bad.items()}},
            "agent": {"outcome": "ok", "last_poll_at": "9999-12-31T23:00:00-05:00"},
        }
        path.write_text(json.dumps(document))  # Infinity and 400-digit ints, as written
        state, warnings = load_state(path)
        assert set(state.buckets) == {"good_one"}
        assert state.buckets["good_one"].fired == (75.0,)
        assert state.agent.last_poll_at is None
        assert len(warnings) == len(bad) + 1
        assert path.exists()  # repaired in place, not moved aside
        save_state(path, state)  # and the repaired state can be written back
        assert json.loads(path.read_text(), parse_constant=_refuse)["buckets"].keys() == {
            "good_one"
        }


def _refuse(name: str) -> None:
    raise AssertionError(f"{name} written to the state file")
