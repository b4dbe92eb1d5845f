"""The pace forecast at its edges: every limit of the contract's rule, on both sides.

Each case is built so its arithmetic can be checked by hand: slopes from three
points a half hour (or an hour) apart whose offsets are small binary fractions, so
the least-squares slope and the projected hours come out exact in floating point
and a boundary can be hit exactly (a cap *at* ``resets_at - L / 10``, a span *of*
``L / 20``, a crawl due *at* the one-year horizon).

The three-point slope used throughout: x = 0, 1/2, 1 hour and y = 0, 5, 10 points
give n = 3, sx = 3/2, sxx = 5/4, sy = 15, sxy = 5/2 + 10 = 25/2, so
(n sxy - sx sy) / (n sxx - sx^2) = (75/2 - 45/2) / (15/4 - 9/4) = 15 / (3/2) = 10 %/h.
Scaling y scales the slope: y = 0, 10, 20 gives 20 %/h.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from notifier.core.buckets import Bucket
from notifier.core.events import CapProjected, Event
from notifier.core.forecast import (
    FIVE_HOURS,
    HORIZON_HOURS,
    Pace,
    PaceTrack,
    learned_length,
    pace_of,
    pace_words,
    project,
    slope_per_hour,
    window_length,
)
from notifier.core.models import BucketState, Config, Observation, Point
from notifier.core.pipeline import Pipeline

T0 = datetime(2026, 11, 2, 8, tzinfo=UTC)
H = timedelta(hours=1)
M = timedelta(minutes=1)
S = timedelta(seconds=1)


def window(utilization: float, resets_at: datetime) -> dict[str, Any]:
    return {"utilization": utilization, "resets_at": resets_at.isoformat()}


def run(readings: list[tuple[datetime, float, datetime]], config: Config | None = None) -> Pipeline:
    """A pipeline fed ``(observed_at, utilization, resets_at)`` readings of ``five_hour``."""
    pipeline = Pipeline(config or Config())
    for at, utilization, resets_at in readings:
        pipeline.process(Observation(at, {"five_hour": window(utilization, resets_at)}))
    return pipeline


def forecasts_of(
    readings: list[tuple[datetime, float, datetime]], config: Config | None = None
) -> list[CapProjected]:
    pipeline = Pipeline(config or Config())
    got: list[Event] = []
    for at, utilization, resets_at in readings:
        got += pipeline.process(Observation(at, {"five_hour": window(utilization, resets_at)}))
    return [event for event in got if isinstance(event, CapProjected)]


# --------------------------------------------------------------------------- window length


def test_a_learned_length_must_be_positive() -> None:
    # Every resets_at seen was at or before its observation: no window to speak of.
    assert learned_length(0.0, reset_seen=True) is None
    assert learned_length(-3600.0, reset_seen=True) is None
    assert window_length("cinder_cove", 0.0, reset_seen=True) is None
    # Any positive span is one, however short.
    assert learned_length(0.5, reset_seen=True) == timedelta(seconds=0.5)
    assert window_length("cinder_cove", 0.5, reset_seen=True) == timedelta(seconds=0.5)
    assert learned_length(0.5, reset_seen=False) is None


def test_a_track_knows_its_length_like_window_length() -> None:
    assert PaceTrack.for_bucket("five_hour").length() == FIVE_HOURS
    learned = PaceTrack.for_bucket("cinder_cove")
    assert learned.length() is None
    for longest, seen, expected in (
        (0.0, True, None),
        (0.5, True, timedelta(seconds=0.5)),
        (36000.0, False, None),
        (36000.0, True, 10 * H),
    ):
        learned.longest_seconds, learned.reset_seen = longest, seen
        assert learned.length() == expected == window_length("cinder_cove", longest, seen)


def test_a_named_window_learns_no_length() -> None:
    # five_hour's L is 5 h by name; its state keeps no longest span, across a reset too.
    end = T0 + 5 * H
    pipeline = run([(T0, 10, end), (T0 + H, 20, end), (end, 0, end + 5 * H)])
    state = pipeline.state.buckets["five_hour"]
    assert state.reset_seen is True
    assert state.longest_window_seconds is None


def test_a_learned_length_drops_points_older_than_its_fifth() -> None:
    # cinder_cove: seen 10 h before its end, then reset at that end with 10 h to go:
    # L = 10 h, so points older than L / 5 = 2 h are dropped.
    first_end, second_end = T0 + 10 * H, T0 + 20 * H
    pipeline = Pipeline(Config())

    def see(at: datetime, utilization: float, resets_at: datetime) -> tuple[Point, ...]:
        pipeline.process(Observation(at, {"cinder_cove": window(utilization, resets_at)}))
        return pipeline.state.buckets["cinder_cove"].points

    see(T0, 10, first_end)
    see(first_end, 0, second_end)  # the reset: a new list
    see(first_end + H, 5, second_end)
    # At 2 h after the reset the first point is exactly L / 5 old: it stays.
    assert [at for at, _ in see(first_end + 2 * H, 10, second_end)] == [
        first_end,
        first_end + H,
        first_end + 2 * H,
    ]
    assert pipeline.state.buckets["cinder_cove"].longest_window_seconds == 36000.0
    # A minute later it is older than 2 h: gone.
    assert [at for at, _ in see(first_end + 2 * H + M, 11, second_end)] == [
        first_end + H,
        first_end + 2 * H,
        first_end + 2 * H + M,
    ]


# --------------------------------------------------------------------------- slope


def test_the_slope_of_two_points_is_the_line_through_them() -> None:
    # Two points are enough for a least-squares line: 20 points in 2 h.
    assert slope_per_hour([(T0, 10.0), (T0 + 2 * H, 30.0)]) == 10.0
    assert slope_per_hour([(T0, 10.0)]) is None  # one point: no line
    assert slope_per_hour([]) is None


@settings(max_examples=60, deadline=None)
@given(
    level=st.floats(min_value=0, max_value=150),
    gaps=st.lists(st.integers(min_value=1, max_value=7200), min_size=1, max_size=12),
)
def test_a_flat_series_has_a_slope_of_exactly_zero(level: float, gaps: list[int]) -> None:
    # The docstring's promise: nothing to round, whatever the level and the spacing.
    at = T0
    points = [(at, level)]
    for gap in gaps:
        at += timedelta(seconds=gap)
        points.append((at, level))
    assert slope_per_hour(points) == 0.0


# --------------------------------------------------------------------------- project


def test_points_spanning_exactly_a_twentieth_of_the_window_are_enough() -> None:
    # five_hour: L / 20 = 15 min. Spanning 15 min: a projection; 14 m 30 s: none.
    enough = [(T0, 60.0), (T0 + 7 * M, 61.0), (T0 + 15 * M, 62.0)]
    assert project(enough, 62.0, T0 + 15 * M, FIVE_HOURS) is not None
    short = [(T0, 60.0), (T0 + 7 * M, 61.0), (T0 + 14 * M + 30 * S, 62.0)]
    assert project(short, 62.0, T0 + 14 * M + 30 * S, FIVE_HOURS) is None


def test_at_100_percent_there_is_a_rate_but_no_cap() -> None:
    # y = 0, 10, 20 over an hour: 20 %/h; already at 100 %: nothing left to project.
    points = [(T0, 80.0), (T0 + 30 * M, 90.0), (T0 + H, 100.0)]
    projection = project(points, 100.0, T0 + H, FIVE_HOURS)
    assert projection is not None
    assert (projection.rate_per_hour, projection.cap_at) == (20.0, None)


def crawl(last: float) -> list[Point]:
    """Three points an hour apart rising 2**-7 points per hour, ending at ``last``."""
    step = 2.0**-7
    return [(T0, last - 2 * step), (T0 + H, last - step), (T0 + 2 * H, last)]


def test_a_cap_exactly_at_the_horizon_still_has_a_date() -> None:
    # x = 0, 1, 2; y = 0, s, 2s with s = 2**-7: slope (3 * 5s - 3 * 3s) / (15 - 9) = s.
    # From 31.375 %, 68.625 / 2**-7 = 8784 h = 366 days: exactly the horizon.
    assert HORIZON_HOURS == 8784
    now = T0 + 2 * H
    projection = project(crawl(31.375), 31.375, now, FIVE_HOURS)
    assert projection is not None
    assert projection.rate_per_hour == 2.0**-7
    assert projection.cap_at == now + timedelta(hours=8784)


def test_a_cap_past_the_horizon_keeps_its_rate_but_has_no_date() -> None:
    # From 31.25 %: 68.75 / 2**-7 = 8800 h, past the horizon.
    projection = project(crawl(31.25), 31.25, T0 + 2 * H, FIVE_HOURS)
    assert projection is not None
    assert (projection.rate_per_hour, projection.cap_at) == (2.0**-7, None)


def test_a_cap_past_year_9999_keeps_its_rate_but_has_no_date() -> None:
    # 10 %/h from 70 %: 3 h after 22:00 on the last day a datetime can hold.
    now = datetime(9999, 12, 31, 22, tzinfo=UTC)
    points = [(now - H, 60.0), (now - 30 * M, 65.0), (now, 70.0)]
    projection = project(points, 70.0, now, FIVE_HOURS)
    assert projection is not None
    assert (projection.rate_per_hour, projection.cap_at) == (10.0, None)


# --------------------------------------------------------------------------- the rule's limits


def test_a_reading_at_exactly_forecast_min_can_forecast() -> None:
    # 54, 57, 60 % ten minutes apart (18 %/h); the third is at forecast_min = 60:
    # 40 / 18 h = 2 h 13 m 20 s later, 10:33:20, well before 13:00 - 30 min.
    end = T0 + 5 * H
    readings = [(T0 + step * 10 * M, 54.0 + step * 3, end) for step in range(4)]
    (event,) = forecasts_of(readings)
    assert event.observed_at == T0 + 20 * M
    assert event.utilization == 60.0


def test_reaching_100_percent_is_no_forecast() -> None:
    # 90, 95, 100, 105 %: by the time three points exist the cap is reached.
    end = T0 + 5 * H
    readings = [(T0 + step * 10 * M, 90.0 + step * 5, end) for step in range(4)]
    assert forecasts_of(readings) == []


def test_a_cap_exactly_at_resets_at_minus_a_tenth_is_no_forecast() -> None:
    # 60, 65, 70 % at 08:00, 08:30, 09:00 (10 %/h): 30 / 10 = 3 h later, 12:00 exactly.
    # The margin is resets_at - L / 10 = resets_at - 30 min.
    def readings(resets_at: datetime) -> list[tuple[datetime, float, datetime]]:
        return [(T0, 60.0, resets_at), (T0 + 30 * M, 65.0, resets_at), (T0 + H, 70.0, resets_at)]

    # resets_at 12:30: the cap is at the margin, not earlier than it: silent.
    assert forecasts_of(readings(T0 + 4 * H + 30 * M)) == []
    # A second later the margin is a second later too: 12:00 is earlier, it speaks.
    (event,) = forecasts_of(readings(T0 + 4 * H + 30 * M + S))
    assert event.rate_per_hour == 10.0
    assert event.projected_cap_at == T0 + 4 * H


# --------------------------------------------------------------------------- pace_of (status)

NOW = T0 + 2 * H
RESETS = NOW + 2 * H + 30 * M  # 2 h 30 m of five_hour's 5 h left: half the window gone


def remembered(resets_at: datetime | None = RESETS, **fields: Any) -> BucketState:
    """The agent's state of five_hour: its points of the last hour climb 20 %/h to now."""
    points = (
        (NOW - H - S, 0.0),  # older than L / 5: ignored
        (NOW - H, 50.0),  # exactly L / 5 old: counts
        (NOW - 30 * M, 60.0),
        (NOW, 65.0),  # stored at this very instant: the reading read now replaces it
        (NOW + M, 99.0),  # after now (a payload older than the state): ignored
    )
    return BucketState(resets_at=resets_at, points=points, **fields)


def test_pace_of_uses_the_stored_points_of_the_last_fifth_and_the_reading() -> None:
    # Points 50, 60, 70 at -1 h, -30 min, now: 20 %/h, and 30 / 20 = 1.5 h to 100 %.
    # Half the window gone: an even pace is at 50 %, so 70 % is 20 points ahead.
    pace = pace_of(Bucket("five_hour", 70.0, RESETS), remembered(), NOW)
    assert pace == Pace(FIVE_HOURS, 20.0, 20.0, NOW + 90 * M)


def test_pace_of_counts_stored_points_only_from_the_same_window() -> None:
    bucket = Bucket("five_hour", 70.0, RESETS)
    no_rate = Pace(FIVE_HOURS, 20.0, None, None)
    # A stored resets_at a minute off is jitter: the same window.
    for off in (60 * S, -60 * S):
        assert pace_of(bucket, remembered(RESETS + off), NOW).rate_per_hour == 20.0
    # More than a minute off, or none stored: another window, so only the reading.
    for other in (RESETS + 61 * S, RESETS - 61 * S, None):
        assert pace_of(bucket, remembered(other), NOW) == no_rate
    # No agent state at all: the pace line still, no rate.
    assert pace_of(bucket, None, NOW) == no_rate
    # Too few points of this window: no rate either.
    lonely = BucketState(resets_at=RESETS, points=((NOW - 30 * M, 60.0),))
    assert pace_of(bucket, lonely, NOW) == no_rate


def test_pace_of_a_bucket_without_a_reset_time_is_only_its_length() -> None:
    assert pace_of(Bucket("five_hour", 70.0, None), remembered(), NOW) == Pace(
        FIVE_HOURS, None, None, None
    )


def test_pace_of_a_learned_bucket_uses_its_learned_length() -> None:
    # cinder_cove, L = 10 h learned: 5 h left is half gone (even pace 50 %); points of the
    # last L / 5 = 2 h: 40, 55, 70 an hour apart, 15 %/h, so 100 % in 30 / 15 = 2 h.
    bucket = Bucket("cinder_cove", 70.0, NOW + 5 * H)
    points = ((NOW - 2 * H - S, 0.0), (NOW - 2 * H, 40.0), (NOW - H, 55.0))
    learned = {"resets_at": NOW + 5 * H, "points": points, "longest_window_seconds": 36000.0}
    state = BucketState(reset_seen=True, **learned)
    assert pace_of(bucket, state, NOW) == Pace(10 * H, 20.0, 15.0, NOW + 2 * H)
    # Before its first reset, or with no state at all, its length is unknown: nothing.
    nothing = Pace(None, None, None, None)
    assert pace_of(bucket, BucketState(reset_seen=False, **learned), NOW) == nothing
    assert pace_of(bucket, None, NOW) == nothing


def test_pace_words_at_the_edge_of_the_band() -> None:
    # "On pace" within 5 points, the edge included; past it, the rounded count.
    assert pace_words(5.0) == "on pace"
    assert pace_words(-5.0) == "on pace"
    assert pace_words(5.2) == "ahead of pace by 5 points"
    assert pace_words(-5.2) == "behind pace by 5 points"
