"""When a statusline reading stands in for a poll (core.passive), as a table from its rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from notifier.core import passive
from notifier.core.models import STATUSLINE, BucketState
from notifier.core.passive import Choice

NOW = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
INTERVAL = timedelta(minutes=5)
FIVE_RESET = NOW + timedelta(hours=2)
WEEK_RESET = NOW + timedelta(days=3)


def _doc(
    *,
    age: timedelta = timedelta(minutes=1),
    five: Any = 42.000000000000004,
    five_reset: datetime | None = FIVE_RESET,
    week: Any = 30.0,
) -> dict[str, Any]:
    limits: dict[str, Any] = {}
    if five is not None:
        limits["five_hour"] = {"used_percentage": five}
        if five_reset is not None:
            limits["five_hour"]["resets_at"] = int(five_reset.timestamp())
    if week is not None:
        limits["seven_day"] = {"used_percentage": week, "resets_at": WEEK_RESET.timestamp()}
    return {"version": 1, "read_at": (NOW - age).timestamp(), "rate_limits": limits}


def _state(five: float = 40.0, five_reset: datetime | None = FIVE_RESET) -> dict[str, BucketState]:
    return {
        "five_hour": BucketState(last_utilization=five, resets_at=five_reset),
        "seven_day": BucketState(last_utilization=30.0, resets_at=WEEK_RESET),
        "seven_day_opus": BucketState(last_utilization=12.0, resets_at=WEEK_RESET),
    }


def _choose(
    document: object,
    *,
    last_poll: timedelta | None = timedelta(minutes=5),
    last_observed: timedelta | None = timedelta(minutes=5),
    buckets: dict[str, BucketState] | None = None,
    interval: timedelta = INTERVAL,
) -> passive.Decision:
    return passive.choose(
        document,
        now=NOW,
        poll_interval=interval,
        last_poll_at=None if last_poll is None else NOW - last_poll,
        last_observed_at=None if last_observed is None else NOW - last_observed,
        buckets=_state() if buckets is None else buckets,
    )


def test_a_fresh_consistent_reading_stands_in() -> None:
    decision = _choose(_doc())
    assert decision.choice is Choice.USE_READING
    assert decision.reading is not None
    assert decision.reading.read_at == NOW - timedelta(minutes=1)
    five = decision.reading.windows["five_hour"]
    assert five.utilization == 42.0  # the float noise is gone
    assert five.resets_at == FIVE_RESET.replace(microsecond=0)


@pytest.mark.parametrize(
    ("kwargs", "why"),
    [
        ({"last_poll": None}, "the endpoint has not been asked yet"),
        ({"last_poll": timedelta(minutes=30)}, "the endpoint-only buckets are due"),
        ({"last_poll": timedelta(minutes=45)}, "the endpoint-only buckets are due"),
    ],
)
def test_the_endpoint_is_asked_at_least_every_30_minutes(kwargs: Any, why: str) -> None:
    decision = _choose(_doc(), **kwargs)
    assert (decision.choice, decision.why) == (Choice.POLL, why)


@pytest.mark.parametrize(
    ("age", "interval", "choice"),
    [
        (timedelta(minutes=4, seconds=59), INTERVAL, Choice.USE_READING),
        (timedelta(minutes=5), INTERVAL, Choice.POLL),  # as old as the interval: not younger
        (timedelta(minutes=9), timedelta(minutes=20), Choice.USE_READING),
        (timedelta(minutes=10), timedelta(minutes=20), Choice.POLL),  # the 10-minute cap
        (timedelta(seconds=-30), INTERVAL, Choice.USE_READING),  # clock noise
        (timedelta(minutes=-5), INTERVAL, Choice.POLL),  # from the future
    ],
)
def test_only_a_young_reading_counts(age: timedelta, interval: timedelta, choice: Choice) -> None:
    decision = _choose(_doc(age=age), last_observed=timedelta(minutes=15), interval=interval)
    assert decision.choice is choice, decision.why


def test_a_reading_not_newer_than_the_last_observation_is_not_used_again() -> None:
    decision = _choose(_doc(age=timedelta(minutes=2)), last_observed=timedelta(minutes=2))
    assert (decision.choice, decision.why) == (
        Choice.POLL,
        "the statusline reading is not newer than the last one",
    )


@pytest.mark.parametrize(
    "document",
    [
        None,
        "garbage",
        [],
        {},
        {"version": 2, "read_at": NOW.timestamp(), "rate_limits": {}},
        {"version": 1, "read_at": "yesterday", "rate_limits": {}},
        {"version": 1, "read_at": 1e300, "rate_limits": {"five_hour": {"used_percentage": 1}}},
        _doc(five=None, week=None),
        _doc(five="93", week=True),
    ],
)
def test_anything_else_is_no_reading(document: object) -> None:
    decision = _choose(document)
    assert (decision.choice, decision.why) == (Choice.POLL, "no statusline reading")


@pytest.mark.parametrize(
    ("document", "buckets", "why"),
    [
        (_doc(five=35.0), None, "five_hour went down within its window"),
        (
            _doc(five_reset=FIVE_RESET - timedelta(hours=5)),
            None,
            "five_hour resets_at moved back",
        ),
        (
            _doc(five_reset=FIVE_RESET + timedelta(hours=5)),
            None,
            "five_hour resets_at moved ahead before the window ended",
        ),
        (_doc(five_reset=None), None, "five_hour lost its resets_at before the window ended"),
        (
            # taken a minute ago, in a window that ended 30 s ago: it cannot show the reset
            _doc(five_reset=NOW - timedelta(seconds=30)),
            _state(five_reset=NOW - timedelta(seconds=30)),
            "five_hour reset after the reading was taken",
        ),
    ],
)
def test_a_reading_that_disagrees_with_the_rules_memory_sends_the_agent_to_the_endpoint(
    document: dict[str, Any], buckets: dict[str, BucketState] | None, why: str
) -> None:
    decision = _choose(document, buckets=buckets)
    assert decision.choice is Choice.POLL
    assert decision.why.startswith(why), decision.why


def test_a_window_that_rolled_over_is_a_reading_worth_taking() -> None:
    # The stored window ended two minutes before the reading; the new one is 5 h later
    # and starts low: a real reset, which the rules will report.
    ended = NOW - timedelta(minutes=3)
    buckets = _state(five=97.0, five_reset=ended)
    document = _doc(five=2.0, five_reset=ended + timedelta(hours=5))
    assert _choose(document, buckets=buckets).choice is Choice.USE_READING


def test_a_jitter_of_the_reset_time_is_the_same_window() -> None:
    document = _doc(five_reset=FIVE_RESET + timedelta(seconds=40))
    assert _choose(document).choice is Choice.USE_READING


def test_a_bucket_never_seen_accepts_any_reading() -> None:
    assert _choose(_doc(five=1.0), buckets={}).choice is Choice.USE_READING


def test_the_observation_holds_only_the_windows_and_says_where_it_came_from() -> None:
    reading = passive.parse_reading(_doc(week=None))
    assert reading is not None
    observation = passive.observation(reading)
    assert observation.source == STATUSLINE
    assert observation.observed_at == NOW - timedelta(minutes=1)
    assert observation.payload == {
        "five_hour": {"utilization": 42.0, "resets_at": "2026-07-01T14:00:00+00:00"}
    }


def test_a_window_without_a_reset_time_is_kept_with_null() -> None:
    reading = passive.parse_reading(_doc(five_reset=None, week=None))
    assert reading is not None
    assert passive.observation(reading).payload == {
        "five_hour": {"utilization": 42.0, "resets_at": None}
    }


def test_after_a_reading_the_next_deadline_never_passes_the_floor() -> None:
    last_poll = NOW - timedelta(minutes=28)
    regular = NOW + INTERVAL
    assert passive.next_deadline(regular, last_poll) == last_poll + timedelta(minutes=30)
    assert passive.next_deadline(regular, NOW) == regular
    assert passive.next_deadline(regular, None) == regular


def test_a_statusline_observation_gets_no_drift_check_and_keeps_other_buckets() -> None:
    from notifier import schemas
    from notifier.core.models import Config, State
    from notifier.core.pipeline import Pipeline

    state = State(buckets=_state())
    pipeline = Pipeline(Config(), state, schemas.load_known([]))
    reading = passive.parse_reading(_doc(five=80.0))
    assert reading is not None
    events = pipeline.process(passive.observation(reading))
    assert [type(e).__name__ for e in events] == ["ThresholdCrossed"]
    assert pipeline.last_drift is None
    assert pipeline.state.buckets["seven_day_opus"] == state.buckets["seven_day_opus"]


def test_the_history_line_keeps_the_source_and_reads_back() -> None:
    from notifier.recording import observation_to_line, parse_line

    reading = passive.parse_reading(_doc())
    assert reading is not None
    observation = passive.observation(reading)
    line = observation_to_line(observation)
    assert '"source":"statusline"' in line
    assert parse_line(line, "history:1") == observation


def test_a_line_without_source_is_an_endpoint_payload_and_a_bad_source_is_refused() -> None:
    from notifier.core.errors import InputError
    from notifier.core.models import ENDPOINT
    from notifier.recording import observation_to_line, parse_line

    line = '{"observed_at": "2026-07-01T12:00:00+00:00", "payload": {}}'
    assert parse_line(line, "x:1").source == ENDPOINT
    assert '"source"' not in observation_to_line(parse_line(line, "x:1"))
    with pytest.raises(InputError, match="x:1: source must be"):
        parse_line(line[:-1] + ', "source": "guess"}', "x:1")
