"""The pipeline: buckets, rules and drift over a stream of observations."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notifier.core import drift
from notifier.core.drift import KnownSchemas
from notifier.core.events import Change, ChangeKind, DriftDetected, ThresholdCrossed
from notifier.core.jsondoc import count_values
from notifier.core.models import AgentState, BucketState, Config, Observation, State
from notifier.core.pipeline import MAX_COMPARED_VALUES, Pipeline
from notifier.recording import read_recording
from tests.conftest import FIXTURES

RECORDINGS = FIXTURES / "recordings"
T = datetime(2026, 11, 2, 8, tzinfo=UTC)
RESETS_AT = datetime(2026, 11, 2, 13, tzinfo=UTC)  # five_hour's resets_at in observation()
ADDED = Change(ChangeKind.ADDED, "nimbus_quill", type="object")
ONE_SECOND = timedelta(seconds=1)
NO_FORECAST = Config(forecast=False)  # where a test is about drift or thresholds only


def observation(minutes: int, five_hour: float, **extra: Any) -> Observation:
    payload = {"five_hour": {"utilization": five_hour, "resets_at": "2026-11-02T13:00:00Z"}}
    return Observation(T + timedelta(minutes=minutes), payload | extra)


@pytest.fixture
def fake_check(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """drift.check answering from the payload: a ``shape`` key names the variant."""
    seen: list[dict[str, Any]] = []

    def check(payload: dict[str, Any], known: drift.KnownSchemas) -> drift.DriftResult:
        seen.append(payload)
        shape = payload.get("shape")
        if shape is None:
            return drift.DriftResult(fingerprint="known")
        return drift.DriftResult(fingerprint=str(shape), changes=(ADDED,))

    monkeypatch.setattr(drift, "check", check)
    return seen


def test_example_week_gives_the_hand_checked_events() -> None:
    # The shared file predates the contract's `early` field and the pace forecast.
    # None of its resets is early: each is observed after the old resets_at.
    rules = [
        json.loads(line)
        for line in (RECORDINGS / "example-week.events.jsonl").read_text().splitlines()
    ]
    for event in rules:
        if event["kind"] == "reset":
            event["early"] = False
    pipeline = Pipeline(Config(forecast=False))
    observations = list(read_recording(RECORDINGS / "example-week.jsonl"))
    got = [e.to_json() for o in observations for e in pipeline.process(o)]
    assert got == rules

    forecasting = Pipeline(Config())
    with_forecast = [e.to_json() for o in observations for e in forecasting.process(o)]
    assert [e for e in with_forecast if e["kind"] != "forecast"] == rules
    forecasts = [e for e in with_forecast if e["kind"] == "forecast"]
    # Worked by hand (L = 7 days: points from the last 33.6 h, spanning >= 8.4 h,
    # cap before resets_at - 16.8 h = Fri 6 Nov 22:12):
    # seven_day_opus at Mon 17:00 (70 %): points at 0, 2, 4, 4.5, 5.5, 9 h with
    #   30, 44, 61, 68, 68, 70: slope = sxy / sxx = (1327/6) / (142/3) = 1327/284 %/h,
    #   so 100 % 30 / (1327/284) h = 6 h 25 min later, Mon 23:25. (At 12:30 and
    #   13:30 the points spanned only 4.5 and 5.5 h.)
    # seven_day at Wed 12:00 (66 %): points 44, 52, 52, 60, 66 at Tue 10:00, 12:00,
    #   15:30, Wed 10:00, 12:00: slope 0.632 %/h, 100 % at Fri 17:48. (At Wed 10:00,
    #   60 %, the slope was 0.53 %/h: 100 % only on Sat 13:30, too late to warn.)
    assert [(e["bucket"], e["observed_at"], e["utilization"]) for e in forecasts] == [
        ("seven_day_opus", "2026-11-02T17:00:00+00:00", 70.0),
        ("seven_day", "2026-11-04T12:00:00+00:00", 66.0),
    ]
    assert forecasts[0]["rate_per_hour"] == pytest.approx(1327 / 284)
    assert forecasts[1]["rate_per_hour"] == pytest.approx(0.632)
    cap = [datetime.fromisoformat(e["projected_cap_at"]) for e in forecasts]
    assert cap[0] == pytest.approx(datetime(2026, 11, 2, 23, 25, 13, tzinfo=UTC), abs=ONE_SECOND)
    assert cap[1] == pytest.approx(datetime(2026, 11, 6, 17, 47, 50, tzinfo=UTC), abs=ONE_SECOND)
    assert all(e["notify"] for e in forecasts)
    # Each comes in its observation after the buckets before it: seven_day's forecast
    # precedes seven_day_opus's 100 % threshold of the same observation.
    second = with_forecast.index(forecasts[1])
    assert with_forecast[second + 1]["bucket"] == "seven_day_opus"
    assert with_forecast[second + 1]["threshold"] == 100.0


def test_without_known_schemas_drift_is_not_checked(fake_check: list[dict[str, Any]]) -> None:
    events = Pipeline(Config()).process(observation(0, 80, shape="new"))
    assert fake_check == []
    assert [type(e) for e in events] == [ThresholdCrossed]


def test_a_new_variant_is_reported_once_and_before_the_rules_events(
    fake_check: list[dict[str, Any]],
) -> None:
    pipeline = Pipeline(NO_FORECAST, known=drift.KnownSchemas())
    first = pipeline.process(observation(0, 80, shape="v2"))
    again = pipeline.process(observation(10, 81, shape="v2"))
    other = pipeline.process(observation(20, 82, shape="v3"))
    known = pipeline.process(observation(30, 83))
    assert len(fake_check) == 4  # every observation is checked
    assert first == [
        DriftDetected(observed_at=T, changes=(ADDED,), fingerprint="v2"),
        ThresholdCrossed("five_hour", 75.0, 80.0, T, True, RESETS_AT),
    ]
    assert again == []
    assert [type(e) for e in other] == [DriftDetected]
    assert known == []
    assert pipeline.seen_variants == {"v2", "v3"}


def test_seeded_variants_are_not_reported_again(fake_check: list[dict[str, Any]]) -> None:
    pipeline = Pipeline(Config(), known=drift.KnownSchemas(), seen_variants=["v2"])
    assert pipeline.process(observation(0, 1, shape="v2")) == []
    assert [type(e) for e in pipeline.process(observation(1, 1, shape="v9"))] == [DriftDetected]


def test_state_carries_over_and_keeps_the_agent_section() -> None:
    agent = AgentState(outcome="ok", consecutive_failures=0, last_poll_at=T)
    start = State(
        buckets={"five_hour": BucketState(fired=(75.0,), last_utilization=80, resets_at=RESETS_AT)},
        agent=agent,
    )
    pipeline = Pipeline(Config(), start)
    events = pipeline.process(observation(0, 85))
    assert events == []  # 75 already fired in this window
    assert pipeline.state.agent == agent
    assert pipeline.state.buckets["five_hour"].last_utilization == 85
    assert start.buckets["five_hour"].last_utilization == 80  # the input is not changed


def test_last_buckets_are_the_last_observation_s() -> None:
    pipeline = Pipeline(Config())
    assert pipeline.last_buckets == []
    pipeline.process(observation(0, 10, seven_day={"utilization": 55, "resets_at": None}))
    assert [(b.name, b.utilization) for b in pipeline.last_buckets] == [
        ("five_hour", 10.0),
        ("seven_day", 55.0),
    ]


@settings(max_examples=100, deadline=None)
@given(
    st.recursive(
        st.none() | st.integers() | st.text(max_size=3),
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=3), inner, max_size=4)
        ),
        max_leaves=60,
    ),
    st.integers(1, 80),
)
def test_count_values_counts_every_value_up_to_the_limit(document: object, limit: int) -> None:
    def full(value: object) -> int:
        if isinstance(value, dict):
            return 1 + sum(full(v) for v in value.values())
        if isinstance(value, list):
            return 1 + sum(full(v) for v in value)
        return 1

    assert count_values(document, limit) == min(full(document), limit + 1)


def test_a_payload_too_large_to_compare_is_not_compared_but_its_buckets_are_judged() -> None:
    payload = {f"k{i}": {"utilization": 1.0} for i in range(MAX_COMPARED_VALUES)}
    payload["five_hour"] = {"utilization": 80.0}
    pipeline = Pipeline(Config(), known=KnownSchemas())
    events = pipeline.process(Observation(datetime(2026, 7, 1, tzinfo=UTC), payload))
    assert pipeline.too_large == MAX_COMPARED_VALUES + 1
    assert pipeline.last_drift is None
    assert [type(e).__name__ for e in events] == ["ThresholdCrossed"]
    small = Pipeline(Config(), known=KnownSchemas())
    small.process(Observation(datetime(2026, 7, 1, tzinfo=UTC), {"five_hour": {"utilization": 1}}))
    assert small.too_large is None
    assert small.last_drift is not None


# --------------------------------------------------------------------------- reload, switches

OFF = {"enabled": False}


def test_a_fresh_pipeline_has_neither_a_drift_result_nor_a_size_to_report() -> None:
    pipeline = Pipeline(Config())
    assert pipeline.last_drift is None
    assert pipeline.too_large is None


def test_a_disabled_bucket_is_skipped_and_the_buckets_after_it_are_judged() -> None:
    config = Config(buckets={"five_hour": OFF})
    seeded = State(buckets={"five_hour": BucketState(fired=(75.0,), last_utilization=80)})
    pipeline = Pipeline(config, seeded)
    events = pipeline.process(observation(0, 95, seven_day={"utilization": 80, "resets_at": None}))
    assert [(e.bucket, e.threshold) for e in events if isinstance(e, ThresholdCrossed)] == [
        ("seven_day", 75.0)
    ]
    # rules: a disabled bucket's state is dropped, so enabling it again starts fresh.
    assert "five_hour" not in pipeline.state.buckets


def test_with_its_forecast_off_a_bucket_keeps_no_forecast_memory() -> None:
    seeded = State(
        buckets={
            "five_hour": BucketState(
                last_utilization=70, resets_at=RESETS_AT, points=((T - timedelta(minutes=10), 70),)
            )
        }
    )
    pipeline = Pipeline(NO_FORECAST, seeded)
    pipeline.process(observation(0, 71))
    assert pipeline.state.buckets["five_hour"].points == ()


def test_a_reloaded_config_applies_from_the_next_observation() -> None:
    pipeline = Pipeline(Config())
    assert pipeline.process(observation(0, 50)) == []
    # New, lower thresholds fire at the next observation at or above them.
    pipeline.reconfigure(Config(thresholds=[40, 60]), None)
    assert pipeline.process(observation(5, 50)) == [
        ThresholdCrossed("five_hour", 40.0, 50.0, T + timedelta(minutes=5), True, RESETS_AT)
    ]
    # Disabling the bucket by a reload (SIGHUP) silences it at once and drops its state,
    # even though the pipeline already looked its switches up.
    pipeline.reconfigure(Config(buckets={"five_hour": OFF}), None)
    assert pipeline.process(observation(10, 95)) == []
    assert "five_hour" not in pipeline.state.buckets
    # Enabled again, it starts fresh: its level is announced once, and its forecast
    # memory holds only what came after (nothing from before it was disabled).
    pipeline.reconfigure(Config(), None)
    assert pipeline.process(observation(15, 95)) == [
        ThresholdCrossed("five_hour", 90.0, 95.0, T + timedelta(minutes=15), True, RESETS_AT)
    ]
    assert [at for at, _ in pipeline.state.buckets["five_hour"].points] == [
        T + timedelta(minutes=15)
    ]


def test_a_reload_replaces_the_known_variants_but_never_turns_drift_detection_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    used: list[KnownSchemas] = []

    def check(payload: dict[str, Any], known: KnownSchemas) -> drift.DriftResult:
        used.append(known)
        return drift.DriftResult(fingerprint="known")

    monkeypatch.setattr(drift, "check", check)
    old, new = KnownSchemas(), KnownSchemas()
    watching = Pipeline(NO_FORECAST, known=old)
    watching.reconfigure(NO_FORECAST, new)
    watching.process(observation(0, 1))
    assert len(used) == 1
    assert used[0] is new  # a variant accepted since start-up counts as known
    # A pipeline made without drift detection (replay without schemas) stays without.
    blind = Pipeline(NO_FORECAST)
    blind.reconfigure(NO_FORECAST, new)
    blind.process(observation(0, 1))
    assert len(used) == 1


def _windows_and_values(values: int) -> dict[str, Any]:
    # count_values counts the root object, each window object and its utilization.
    windows = (values - 1) // 2
    payload: dict[str, Any] = {f"k{i}": {"utilization": 1.0} for i in range(windows)}
    if (values - 1) % 2:
        payload["flag"] = True
    assert count_values(payload, values + 10) == values
    return payload


def test_a_payload_of_exactly_the_limit_is_still_compared() -> None:
    at = datetime(2026, 7, 1, tzinfo=UTC)
    pipeline = Pipeline(NO_FORECAST, known=KnownSchemas())
    pipeline.process(Observation(at, _windows_and_values(MAX_COMPARED_VALUES)))
    assert pipeline.too_large is None
    assert pipeline.last_drift is not None
    pipeline.process(Observation(at, _windows_and_values(MAX_COMPARED_VALUES + 1)))
    assert pipeline.too_large == MAX_COMPARED_VALUES + 1


def test_without_schemas_no_payload_is_too_large_to_compare() -> None:
    # Nothing is compared, so there is nothing to warn about (the agent logs too_large).
    pipeline = Pipeline(NO_FORECAST)
    pipeline.process(
        Observation(datetime(2026, 7, 1, tzinfo=UTC), _windows_and_values(MAX_COMPARED_VALUES + 1))
    )
    assert pipeline.too_large is None
