"""Properties of the pace forecast over generated series (hypothesis).

- A constant rate that reaches 100 % before ``resets_at - L / 10`` fires exactly
  one forecast per window.
- A constant rate that does not never fires.
- A flat series never fires, whatever its level, spacing and resets.
- Replaying in two halves, with the state saved to disk and loaded in between,
  gives the same events (forecasts included, to the last bit) as one run.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from notifier.core.events import CapProjected, Event
from notifier.core.models import Config, Observation
from notifier.core.pipeline import Pipeline
from notifier.statefile import load_state, save_state

START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
L = timedelta(hours=5)  # five_hour's window length
MARGIN = L / 10


def steady_windows(
    start_level: float, hours_to_full: float, every: timedelta, windows: int
) -> list[Observation]:
    """``windows`` back-to-back five-hour windows, each climbing at one constant rate.

    Each window starts at ``start_level`` when the previous one ends (observed at
    its resets_at: a reset) and would reach 100 % ``hours_to_full`` after its start.
    """
    rate = (100 - start_level) / hours_to_full
    observations = []
    for number in range(windows):
        begins = START + number * L
        ends = begins + L
        at = begins
        while at < ends:
            level = start_level + rate * ((at - begins) / timedelta(hours=1))
            payload = {"five_hour": {"utilization": level, "resets_at": ends.isoformat()}}
            observations.append(Observation(at, payload))
            at += every
    return observations


def forecasts(observations: list[Observation], config: Config | None = None) -> list[CapProjected]:
    pipeline = Pipeline(config or Config())
    return [
        event
        for observation in observations
        for event in pipeline.process(observation)
        if isinstance(event, CapProjected)
    ]


intervals = st.sampled_from([timedelta(minutes=m) for m in (2, 5, 6, 7.5)])


@settings(max_examples=150, deadline=None)
@given(
    start_level=st.floats(min_value=0, max_value=50),
    # Due at least a minute before resets_at - L / 10 (4 h 30 m), and not so fast
    # that the climb from 60 % is over before three readings span L / 20.
    hours_to_full=st.floats(min_value=1.0, max_value=4.5 - 1 / 60),
    every=intervals,
    windows=st.integers(min_value=1, max_value=3),
)
def test_a_climb_due_before_the_margin_fires_once_per_window(
    start_level: float, hours_to_full: float, every: timedelta, windows: int
) -> None:
    got = forecasts(steady_windows(start_level, hours_to_full, every, windows))
    assert len(got) == windows
    for number, event in enumerate(got):
        begins = START + number * L
        assert begins <= event.observed_at < begins + L  # one in each window
        assert event.resets_at == begins + L
        assert event.projected_cap_at < event.resets_at - MARGIN
        # A constant rate projects to when it really reaches 100 %.
        due = begins + timedelta(hours=hours_to_full)
        assert abs(event.projected_cap_at - due) < timedelta(seconds=1)


@settings(max_examples=150, deadline=None)
@given(
    start_level=st.floats(min_value=0, max_value=99),
    # Due a minute or more after the margin, up to a crawl of weeks.
    hours_to_full=st.floats(min_value=4.5 + 1 / 60, max_value=1000),
    every=intervals,
    windows=st.integers(min_value=1, max_value=3),
)
def test_a_climb_due_after_the_margin_never_fires(
    start_level: float, hours_to_full: float, every: timedelta, windows: int
) -> None:
    assert forecasts(steady_windows(start_level, hours_to_full, every, windows)) == []


@settings(max_examples=150, deadline=None)
@given(
    level=st.floats(min_value=0, max_value=99.99),
    gaps=st.lists(st.integers(min_value=1, max_value=400), min_size=1, max_size=60),
    resets=st.lists(st.booleans(), min_size=60, max_size=60),
    forecast_min=st.sampled_from([0.0, 60.0]),
)
def test_a_flat_series_never_fires(
    level: float, gaps: list[int], resets: list[bool], forecast_min: float
) -> None:
    observations = []
    at = START
    resets_at = START + L
    for gap, reset in zip(gaps, resets, strict=False):
        at += timedelta(minutes=gap)
        if reset or at >= resets_at:
            resets_at = at + L
        for_both = {"utilization": level, "resets_at": resets_at.isoformat()}
        observations.append(
            Observation(at, {"five_hour": for_both, "seven_day": dict(for_both), "grant": for_both})
        )
    assert forecasts(observations, Config(forecast_min=forecast_min)) == []


# --------------------------------------------------------------------------- two halves


def payload(step: dict[str, Any], at: datetime) -> dict[str, Any]:
    """Three buckets: a five-hour window, a limit that aliases a weekly one, a learned one."""
    opus = {"utilization": step["week"], "resets_at": step["week_end"].isoformat()}
    return {
        "five_hour": {"utilization": step["five"], "resets_at": step["five_end"].isoformat()}
        if step["five_present"]
        else None,
        "seven_day_opus": opus,
        "cinder_cove": {"utilization": step["grant"], "resets_at": step["grant_end"].isoformat()},
        "limits": [
            {
                "kind": "weekly_scoped",
                "percent": step["week"],
                "resets_at": step["week_end"].isoformat(),
                "scope": {"model": {"display_name": "Opus"}},
            }
        ],
    }


@st.composite
def histories(draw: st.DrawFn) -> list[Observation]:
    count = draw(st.integers(min_value=2, max_value=80))
    at = START
    five = week = grant = 0.0
    five_end, week_end, grant_end = START + L, START + timedelta(days=2), START + timedelta(hours=8)
    out = []
    for _ in range(count):
        at += timedelta(minutes=draw(st.sampled_from([5, 10, 30, 90])))
        if at >= five_end:
            five_end, five = at + L, 0.0
        if at >= week_end:
            week_end, week = at + timedelta(days=7), 0.0
        if at >= grant_end:
            grant_end, grant = at + timedelta(hours=8), 0.0
        five = min(130.0, five + draw(st.floats(min_value=0, max_value=15)))
        week = min(110.0, week + draw(st.floats(min_value=0, max_value=6)))
        grant = max(0.0, grant + draw(st.floats(min_value=-3, max_value=12)))
        step = {
            "five": round(five, 1),
            "week": round(week, 1),
            "grant": grant,
            "five_end": five_end,
            "week_end": week_end,
            "grant_end": grant_end,
            "five_present": draw(st.sampled_from([True, True, True, False])),
        }
        out.append(Observation(at, payload(step, at)))
    return out


@settings(max_examples=100, deadline=None)
@given(history=histories(), split=st.floats(min_value=0, max_value=1))
def test_two_halves_with_the_state_saved_between_give_the_same_events(
    history: list[Observation], split: float
) -> None:
    config = Config(forecast_min=30)  # forecasts more often, so the property bites
    whole = Pipeline(config)
    expected: list[Event] = [e for o in history for e in whole.process(o)]

    cut = round(split * len(history))
    first = Pipeline(config)
    got: list[Event] = [e for o in history[:cut] for e in first.process(o)]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "state.json"
        save_state(path, first.state)
        loaded, warnings = load_state(path)
    assert warnings == []
    second = Pipeline(config, loaded)
    got += [e for o in history[cut:] for e in second.process(o)]
    assert got == expected
    assert second.state.buckets == whole.state.buckets
