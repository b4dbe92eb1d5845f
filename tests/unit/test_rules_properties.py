"""Properties of the rules over random utilization and reset sequences (hypothesis).

- A threshold never fires twice in one window unless utilization dropped below
  ``T - hysteresis`` in between.
- A monotone rise fires each configured threshold at most once.
- Replaying in two halves, with the state saved to disk and reloaded in
  between, gives the same events as one run.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from notifier.core.buckets import Bucket
from notifier.core.events import BucketReset, ThresholdCrossed
from notifier.core.models import BucketState, Config, Observation
from notifier.core.pipeline import Pipeline
from notifier.core.rules import RuleEvent, evaluate
from notifier.statefile import load_state, save_state

START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
WINDOW = timedelta(hours=5)

utilizations = st.floats(min_value=0, max_value=130, allow_nan=False).map(lambda u: round(u, 1))
threshold_lists = st.lists(
    st.integers(min_value=1, max_value=120), min_size=1, max_size=5, unique=True
).map(lambda ts: [float(t) for t in sorted(ts)])
hysteresis_values = st.sampled_from([0.0, 2.5, 5.0, 10.0])


@dataclass(frozen=True)
class Step:
    """One observation of one bucket: its utilization, whether its window ended, or absence."""

    utilization: float
    new_window: bool
    present: bool


steps = st.lists(
    st.builds(
        Step,
        utilization=utilizations,
        new_window=st.sampled_from([False, False, False, True]),
        present=st.sampled_from([True, True, True, True, False]),
    ),
    min_size=1,
    max_size=60,
)


def run(
    sequence: list[Step], config: Config
) -> tuple[list[tuple[Step, list[RuleEvent]]], dict[str, BucketState]]:
    """Feed the steps 20 minutes apart; a new window starts just after the old one ended."""
    state: dict[str, BucketState] = {}
    observed_at = START
    resets_at = START + WINDOW
    out: list[tuple[Step, list[RuleEvent]]] = []
    for step in sequence:
        observed_at += timedelta(minutes=20)
        if step.new_window:
            observed_at = max(observed_at, resets_at + timedelta(seconds=1))
            resets_at = observed_at + WINDOW
        elif observed_at >= resets_at:
            resets_at = observed_at + WINDOW  # the window rolled over on its own
        buckets = [Bucket("five_hour", step.utilization, resets_at)] if step.present else []
        state, events = evaluate(state, buckets, observed_at, config)
        out.append((step, events))
    return out, state


@settings(max_examples=300)
@given(sequence=steps, thresholds=threshold_lists, hysteresis=hysteresis_values)
def test_a_threshold_fires_again_in_a_window_only_after_a_drop(
    sequence: list[Step], thresholds: list[float], hysteresis: float
) -> None:
    config = Config(thresholds=thresholds, hysteresis=hysteresis)
    results, _ = run(sequence, config)
    # Per window (split at reset events): an event carrying T means every
    # threshold <= T is now fired. A later event carrying T2 <= T (one of those)
    # needs an observation in between below T2 - hysteresis.
    fired_at: dict[float, int] = {}  # threshold -> index of the step it last fired at
    for index, (step, events) in enumerate(results):
        for event in events:
            if isinstance(event, BucketReset):
                fired_at.clear()
            elif isinstance(event, ThresholdCrossed):
                assert event.threshold in thresholds
                assert event.threshold <= step.utilization
                for t in thresholds:
                    if t > event.threshold:
                        continue
                    if t in fired_at:
                        between = [
                            s.utilization for s, _ in results[fired_at[t] + 1 : index] if s.present
                        ]
                        if t == event.threshold:
                            assert any(u < t - hysteresis for u in between), (t, between)
                    fired_at[t] = index
        assert sum(isinstance(e, ThresholdCrossed) for e in events) <= 1  # ONE per observation


@settings(max_examples=300)
@given(
    values=st.lists(utilizations, min_size=1, max_size=14),  # 14 x 20 min: one 5 h window
    thresholds=threshold_lists,
    hysteresis=hysteresis_values,
)
def test_a_monotone_rise_fires_each_threshold_at_most_once(
    values: list[float], thresholds: list[float], hysteresis: float
) -> None:
    config = Config(thresholds=thresholds, hysteresis=hysteresis)
    rising = [Step(u, new_window=False, present=True) for u in sorted(values)]
    results, state = run(rising, config)
    fired = [
        e.threshold for _, events in results for e in events if isinstance(e, ThresholdCrossed)
    ]
    assert fired == sorted(set(fired))  # strictly increasing: none twice
    reached = [t for t in thresholds if t <= rising[-1].utilization]
    assert state["five_hour"].fired == tuple(reached)  # every reached one is marked
    if reached:
        assert fired[-1] == reached[-1]


# ----------------------------------------------------------------- save, reload, go on


def payload(step: Step, other: float, resets_at: datetime) -> dict[str, Any]:
    window = {"utilization": step.utilization, "resets_at": resets_at.isoformat()}
    return {
        "five_hour": window if step.present else None,
        "seven_day": {"utilization": other, "resets_at": "2026-11-09T15:00:00.123+00:00"},
        "extra_usage": {"is_enabled": True, "utilization": other / 2, "resets_at": None},
    }


def observations(sequence: list[Step], others: list[float]) -> list[Observation]:
    out: list[Observation] = []
    observed_at = START
    resets_at = START + WINDOW
    for step, other in zip(sequence, others, strict=False):
        observed_at += timedelta(minutes=20)
        if step.new_window:
            observed_at = max(observed_at, resets_at + timedelta(seconds=1))
            resets_at = observed_at + WINDOW
        out.append(Observation(observed_at, payload(step, other, resets_at)))
    return out


@settings(max_examples=100, deadline=None)
@given(
    sequence=steps,
    others=st.lists(utilizations, min_size=60, max_size=60),
    split=st.integers(min_value=0, max_value=60),
    mode=st.sampled_from(["crossed", "always", "never"]),
)
def test_two_halves_with_the_state_on_disk_equal_one_run(
    sequence: list[Step], others: list[float], split: int, mode: str
) -> None:
    config = Config.model_validate({"reset_notifications": mode, "thresholds": [50, 75, 90]})
    recording = observations(sequence, others)

    whole = Pipeline(config)
    expected = [e for o in recording for e in whole.process(o)]

    first = Pipeline(config)
    events = [e for o in recording[:split] for e in first.process(o)]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "state.json"
        save_state(path, first.state)
        reloaded, warnings = load_state(path)
    assert warnings == []
    second = Pipeline(config, reloaded)
    events += [e for o in recording[split:] for e in second.process(o)]

    assert events == expected
    assert second.state == whole.state
