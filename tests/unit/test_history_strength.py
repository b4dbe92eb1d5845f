"""Edges of the history series (mutation-testing strength, issue 18)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from notifier.core.history import History, Series, build, to_json
from notifier.core.models import Config, Observation

T0 = datetime(2026, 7, 6, 10, 0, tzinfo=UTC)


def _obs(at: datetime, utilization: float) -> Observation:
    return Observation(at, {"five_hour": {"utilization": utilization, "resets_at": None}})


def test_the_span_includes_both_ends() -> None:
    observations = [_obs(T0 + timedelta(hours=h), 10.0 + h) for h in range(4)]
    history = build(observations, Config(), T0 + timedelta(hours=1), T0 + timedelta(hours=2))
    (series,) = history.series
    assert [value for _, value in series.points] == [11.0, 12.0]


def test_the_newest_observation_is_found_whatever_the_order() -> None:
    # A history file appended across a clock change need not be sorted.
    observations = [_obs(T0 + timedelta(hours=2), 30.0), _obs(T0, 10.0)]
    history = build(observations, Config(), T0, T0 + timedelta(days=1))
    assert history.last_observed_at == T0 + timedelta(hours=2)
    assert history.observations == 2
    # The points of a series are in time order.
    assert history.series[0].points == ((T0, 10.0), (T0 + timedelta(hours=2), 30.0))


def test_points_at_the_same_instant_keep_their_recorded_order() -> None:
    observations = [_obs(T0, 50.0), _obs(T0, 40.0)]
    history = build(observations, Config(), T0, T0 + timedelta(hours=1))
    assert history.series[0].points == ((T0, 50.0), (T0, 40.0))


def test_only_keeps_everything_but_the_other_series() -> None:
    history = History(
        T0,
        T0 + timedelta(days=1),
        (Series("five_hour", ((T0, 1.0),)), Series("seven_day", ((T0, 2.0),))),
        frozenset({"five_hour", "seven_day", "gone"}),
        7,
        T0 + timedelta(hours=3),
    )
    assert history.only("seven_day") == History(
        T0,
        T0 + timedelta(days=1),
        (Series("seven_day", ((T0, 2.0),)),),
        frozenset({"five_hour", "seven_day", "gone"}),
        7,
        T0 + timedelta(hours=3),
    )


def test_the_json_names_the_span() -> None:
    history = History(T0, T0 + timedelta(days=1), (Series("five_hour", ((T0, 1.5),)),))
    assert to_json(history) == {
        "since": "2026-07-06T10:00:00+00:00",
        "until": "2026-07-07T10:00:00+00:00",
        "buckets": [
            {
                "name": "five_hour",
                "points": [["2026-07-06T10:00:00+00:00", 1.5]],
                "resets": [],
                "crossings": [],
            }
        ],
    }
