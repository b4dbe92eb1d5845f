"""The pace forecast (contract, "Pace forecast"): window length, points, the rule, the pace.

Every expected forecast here is worked from the contract's numbers (L, L / 5,
L / 20, L / 10), not read back from the code.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from notifier.core.buckets import Bucket
from notifier.core.events import BucketReset, CapProjected, Event
from notifier.core.forecast import (
    FIVE_HOURS,
    SEVEN_DAYS,
    PaceTrack,
    default_window,
    pace_delta,
    pace_words,
    project,
    slope_per_hour,
    window_length,
)
from notifier.core.models import BucketConfig, Config, Observation
from notifier.core.pipeline import Pipeline

T0 = datetime(2026, 11, 2, 8, tzinfo=UTC)
H = timedelta(hours=1)
M = timedelta(minutes=1)


def window(utilization: float, resets_at: datetime | None) -> dict[str, Any]:
    return {"utilization": utilization, "resets_at": resets_at.isoformat() if resets_at else None}


def feed(pipeline: Pipeline, at: datetime, **payload: Any) -> list[Event]:
    return pipeline.process(Observation(at, payload))


def forecasts(events: list[Event]) -> list[CapProjected]:
    return [e for e in events if isinstance(e, CapProjected)]


# --------------------------------------------------------------------------- window length


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("five_hour", FIVE_HOURS),
        ("five_hour_opus", FIVE_HOURS),
        ("seven_day", SEVEN_DAYS),
        ("seven_day_omelette", SEVEN_DAYS),
        ("limit:weekly_scoped:fable", SEVEN_DAYS),
        ("limit:weekly_scoped:unscoped", SEVEN_DAYS),
        ("limit:monthly_scoped:fable", None),  # another kind: learned
        ("extra_usage", None),
        ("cinder_cove", None),
        ("hour_five", None),  # the name must start with it
    ],
)
def test_window_length_defaults_by_name(name: str, expected: timedelta | None) -> None:
    assert default_window(name) == expected
    # A default wins over anything learned.
    assert window_length(name, 99.0, True) == (expected or timedelta(seconds=99))


def test_a_learned_length_counts_only_once_a_reset_was_seen() -> None:
    assert window_length("cinder_cove", 30 * 86400.0, reset_seen=False) is None
    assert window_length("cinder_cove", None, reset_seen=True) is None
    assert window_length("cinder_cove", 30 * 86400.0, reset_seen=True) == timedelta(days=30)


def test_the_learned_length_is_the_longest_span_seen_including_before_the_reset() -> None:
    # cinder_cove, a credit grant with no name default. Seen 9 h 55 m before its
    # window ends; before any reset nothing is kept for the forecast but that span.
    pipeline = Pipeline(Config())
    end = T0 + 10 * H
    feed(pipeline, T0 + 5 * M, cinder_cove=window(10, end))
    state = pipeline.state.buckets["cinder_cove"]
    assert (state.longest_window_seconds, state.reset_seen, state.points) == (35700.0, False, ())
    # It resets at its resets_at; the next window's first reading shows 8 h to go:
    # the longest span stays 9 h 55 m, and now counts.
    feed(pipeline, end, cinder_cove=window(0, end + 8 * H))
    state = pipeline.state.buckets["cinder_cove"]
    assert (state.longest_window_seconds, state.reset_seen) == (35700.0, True)
    assert state.points == ((end, 0.0),)


def test_learned_length_in_a_pipeline_only_after_a_reset() -> None:
    # A bucket with no name default. Before its first reset it climbs steeply, and
    # no forecast comes: L is unknown. After the reset (observed at the old
    # resets_at, which moved 10 h later), L = the longest resets_at - observed_at
    # seen so far = 10 h, and the same climb is forecast.
    pipeline = Pipeline(Config())
    first_end = T0 + 2 * H
    got: list[Event] = []
    for minutes in range(0, 120, 10):  # 60 % .. 93 %, 10 min apart
        at = T0 + minutes * M
        got += feed(pipeline, at, cinder_cove=window(60 + minutes * 0.3, first_end))
    assert forecasts(got) == []
    assert pipeline.state.buckets["cinder_cove"].reset_seen is False
    second_end = first_end + 10 * H
    after: list[Event] = []
    # L = 10 h: points within 2 h, spanning >= 30 min, cap before second_end - 1 h.
    for step in range(0, 6):  # every 10 min from the reset: 60, 63, ... 75 %
        at = first_end + step * 10 * M
        after += feed(pipeline, at, cinder_cove=window(60 + step * 3, second_end))
    assert [type(e) for e in after][:1] == [BucketReset]
    assert pipeline.state.buckets["cinder_cove"].longest_window_seconds == 10 * 3600
    (forecast,) = forecasts(after)
    # 30 min after the reset (4 points spanning 30 min) at 69 %, 18 %/h: 100 % in 1 h 43 m.
    assert forecast.observed_at == first_end + 30 * M
    assert forecast.rate_per_hour == pytest.approx(18.0)
    assert forecast.projected_cap_at == pytest.approx(
        forecast.observed_at + timedelta(hours=31 / 18), abs=timedelta(seconds=1)
    )


# --------------------------------------------------------------------------- the rule


def climb(
    pipeline: Pipeline,
    start: float,
    per_step: float,
    steps: int,
    every: timedelta = 10 * M,
    resets_at: datetime = T0 + 5 * H,
    name: str = "five_hour",
) -> list[Event]:
    got: list[Event] = []
    for step in range(steps):
        at = T0 + step * every
        got += feed(pipeline, at, **{name: window(start + step * per_step, resets_at)})
    return got


def test_a_steady_climb_is_forecast_once_when_the_contract_allows() -> None:
    # five_hour, L = 5 h: points of the last hour, spanning >= 15 min, >= 3 of them.
    # 10 min apart from 55 %, +3 per step (18 %/h). The first reading at >= 60 % is
    # the 3rd (61 %, 20 min: 3 points spanning 20 min): 39 / 18 h = 2 h 10 m ahead,
    # 10:30, before 13:00 - 30 min.
    got = forecasts(climb(Pipeline(Config()), 55, 3, 10))
    assert len(got) == 1
    event = got[0]
    assert (event.bucket, event.utilization, event.observed_at) == ("five_hour", 61, T0 + 20 * M)
    assert event.rate_per_hour == pytest.approx(18.0)
    assert event.projected_cap_at == pytest.approx(
        T0 + 20 * M + timedelta(hours=39 / 18), abs=timedelta(seconds=1)
    )
    assert event.resets_at == T0 + 5 * H
    assert event.notify is True


def test_too_few_points_or_too_short_a_span_is_no_forecast() -> None:
    # Two readings only.
    assert forecasts(climb(Pipeline(Config()), 70, 5, 2)) == []
    # Three readings 5 min apart: span 10 min < L / 20 = 15 min; the 4th spans 15 min.
    got = forecasts(climb(Pipeline(Config()), 70, 2, 4, every=5 * M))
    assert [e.observed_at for e in got] == [T0 + 15 * M]


def test_points_older_than_a_fifth_of_the_window_are_dropped() -> None:
    # five_hour: L / 5 = 1 h. A flat morning at 65 %, then a climb: with the flat points
    # the slope would be small; only the last hour counts.
    pipeline = Pipeline(Config())
    end = T0 + 5 * H
    for minutes in range(0, 121, 20):  # 08:00 .. 10:00 flat
        feed(pipeline, T0 + minutes * M, five_hour=window(65, end))
    points = pipeline.state.buckets["five_hour"].points
    assert [at for at, _ in points] == [T0 + m * M for m in (60, 80, 100, 120)]


def test_below_forecast_min_or_at_100_is_no_forecast() -> None:
    # 20 %/h from 30 %: reaches 58 % at 1 h 24 m, still under 60 %.
    assert forecasts(climb(Pipeline(Config()), 30, 2, 15, every=6 * M)) == []
    # forecast_min = 20 lets it speak at once (3 points spanning 15 min... 12 min here: 4th).
    got = forecasts(climb(Pipeline(Config(forecast_min=20)), 30, 2, 15, every=6 * M))
    assert [e.observed_at for e in got] == [T0 + 18 * M]
    # Already at 100 %: nothing to forecast.
    assert forecasts(climb(Pipeline(Config()), 100, 1, 10)) == []


def test_a_cap_after_resets_at_minus_a_tenth_is_no_forecast() -> None:
    # From 60 %, +1 per 10 min = 6 %/h: 100 % in 6 h 40 m, after the reset: never.
    assert forecasts(climb(Pipeline(Config()), 60, 1, 20)) == []
    # The margin is resets_at - L / 10 = 12:30: a climb due at 12:31 says nothing,
    # one due at 12:29 speaks.
    for due, expected in ((T0 + 4.5 * H + M, 0), (T0 + 4.5 * H - M, 1)):
        per_step = 40 / ((due - T0) / (10 * M))
        assert len(forecasts(climb(Pipeline(Config()), 60, per_step, 20))) == expected


def test_once_per_window_and_again_in_the_next() -> None:
    pipeline = Pipeline(Config())
    first = forecasts(climb(pipeline, 60, 3, 10))
    assert len(first) == 1
    # The window resets at 13:00; the next one climbs the same way.
    got: list[Event] = []
    for step in range(10):
        at = T0 + 5 * H + step * 10 * M
        got += feed(pipeline, at, five_hour=window(60 + step * 3, T0 + 10 * H))
    assert isinstance(got[0], BucketReset)
    assert len(forecasts(got)) == 1


def test_the_switch_globally_and_per_bucket() -> None:
    assert forecasts(climb(Pipeline(Config(forecast=False)), 60, 3, 10)) == []
    off = Config(buckets={"five_hour": BucketConfig(forecast=False)})
    assert forecasts(climb(Pipeline(off), 60, 3, 10)) == []
    only = Config(forecast=False, buckets={"five_hour": BucketConfig(forecast=True)})
    assert len(forecasts(climb(Pipeline(only), 60, 3, 10))) == 1
    # A disabled bucket forecasts nothing either.
    muted = Config(buckets={"five_hour": BucketConfig(enabled=False)})
    assert forecasts(climb(Pipeline(muted), 60, 3, 10)) == []


def test_a_limit_that_aliases_a_window_forecasts_silently() -> None:
    pipeline = Pipeline(Config())
    end = T0 + 7 * 24 * H
    got: list[Event] = []
    for step in range(12):  # every hour from 60 %, +4 per hour: 100 % in 10 h
        at = T0 + step * H
        number = 60 + step * 4
        entry = {
            "kind": "weekly_scoped",
            "percent": number,
            "resets_at": end.isoformat(),
            "scope": {"model": {"display_name": "Opus"}},
        }
        got += feed(pipeline, at, seven_day_opus=window(number, end), limits=[entry])
    pairs = [(e.bucket, e.notify) for e in forecasts(got)]
    # L / 20 = 8.4 h: the 10th reading (9 h of points) is the first to speak.
    assert pairs == [("seven_day_opus", True), ("limit:weekly_scoped:opus", False)]


def test_a_restart_repeats_nothing() -> None:
    pipeline = Pipeline(Config())
    assert len(forecasts(climb(pipeline, 60, 3, 5))) == 1
    again = Pipeline(Config(), pipeline.state)
    later = [
        feed(again, T0 + (5 + s) * 10 * M, five_hour=window(75 + s, T0 + 5 * H)) for s in range(5)
    ]
    assert [forecasts(e) for e in later] == [[]] * 5


# --------------------------------------------------------------------------- arithmetic


def test_slope_is_least_squares_in_percent_per_hour() -> None:
    points = [(T0, 10.0), (T0 + 30 * M, 20.0), (T0 + 60 * M, 24.0)]
    # x = 0, .5, 1; y = 10, 20, 24: slope = sum(dx dy) / sum(dx^2) = 7 / .5 = 14.
    assert slope_per_hour(points) == pytest.approx(14.0)
    assert slope_per_hour([(T0, 0.1)] * 3 + [(T0 + H, 0.1)]) == 0.0  # flat is exactly flat
    assert slope_per_hour([(T0, 1.0), (T0, 5.0)]) is None  # no time passed


def test_project_gives_no_date_for_a_crawl_or_a_fall() -> None:
    crawl = [(T0, 60.0), (T0 + H, 60.0 + 1e-9), (T0 + 2 * H, 60.0 + 2e-9)]
    projection = project(crawl, 60.0, T0 + 2 * H, FIVE_HOURS)
    assert projection is not None
    assert projection.cap_at is None
    fall = [(T0, 70.0), (T0 + H, 65.0), (T0 + 2 * H, 60.0)]
    down = project(fall, 60.0, T0 + 2 * H, FIVE_HOURS)
    assert down is not None
    assert (down.rate_per_hour, down.cap_at) == (pytest.approx(-5.0), None)


@pytest.mark.parametrize(
    ("utilization", "left", "delta", "words"),
    [
        (62.0, timedelta(hours=2.5), 12.0, "ahead of pace by 12 points"),  # half gone: 50
        (50.0, timedelta(hours=2.5), 0.0, "on pace"),
        (54.9, timedelta(hours=2.5), 4.9, "on pace"),
        (40.0, timedelta(hours=2.5), -10.0, "behind pace by 10 points"),
        (0.0, timedelta(hours=5), 0.0, "on pace"),  # the window just began
        (99.0, timedelta(minutes=1), -0.667, "on pace"),  # the window is nearly over
    ],
)
def test_pace_delta_and_words(
    utilization: float, left: timedelta, delta: float, words: str
) -> None:
    now = T0
    got = pace_delta(utilization, now + left, now, FIVE_HOURS)
    assert got == pytest.approx(delta, abs=0.001)
    assert pace_words(got) == words


def test_pace_needs_a_window_length_and_a_reset_time() -> None:
    assert pace_delta(50, None, T0, FIVE_HOURS) is None
    assert pace_delta(50, T0 + H, T0, None) is None
    assert pace_delta(50, T0, T0, FIVE_HOURS) is None  # the window is over


def test_a_track_round_trips_through_its_persisted_fields() -> None:
    track = PaceTrack.for_bucket("five_hour")
    emitted: list[CapProjected] = []
    for step in range(4):
        bucket = Bucket("five_hour", 60 + step * 3, T0 + 5 * H)
        track.observe(bucket, T0 + step * 10 * M, False, 60.0, emitted.append)
    assert len(emitted) == 1
    from notifier.core.models import BucketState

    copy = PaceTrack.for_bucket("five_hour", BucketState(**track.fields()))
    assert copy == track
