"""Backoff and interval maths, from the issue's numbers (no sleeping, no clock)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from notifier.core.models import AgentState, Config, Outcome
from notifier.core.schedule import (
    MAX_RETRY_AFTER,
    after_jump,
    default_rng,
    is_jump,
    next_poll,
    resume_deadline,
)

NOW = datetime(2025, 11, 20, 12, 0, tzinfo=UTC)
DEFAULTS = Config()


class NoJitter:
    """Always draws the lower bound; records the bounds it was asked for."""

    def __init__(self) -> None:
        self.bounds: list[tuple[float, float]] = []

    def uniform(self, a: float, b: float) -> float:
        self.bounds.append((a, b))
        return a


class MaxJitter(NoJitter):
    def uniform(self, a: float, b: float) -> float:
        self.bounds.append((a, b))
        return b


def wait(outcome: Outcome, failures: int, retry_after: float | None = None) -> float:
    when = next_poll(outcome, failures, retry_after, NOW, DEFAULTS, NoJitter())
    return (when - NOW).total_seconds()


@pytest.mark.parametrize(
    ("failures", "expected"),
    [(1, 60), (2, 120), (3, 240), (4, 480), (5, 960), (6, 1800), (7, 1800), (500, 1800)],
)
def test_rate_limit_ladder_doubles_from_60s_up_to_30_minutes(failures: int, expected: int) -> None:
    assert wait(Outcome.RATE_LIMITED, failures, retry_after=None) == expected


def test_retry_after_zero_does_not_mean_now() -> None:
    assert wait(Outcome.RATE_LIMITED, 1, retry_after=0) == 60


def test_retry_after_longer_than_the_ladder_wins() -> None:
    assert wait(Outcome.RATE_LIMITED, 1, retry_after=600) == 600
    # ... and the ladder wins when it is longer than the hint
    assert wait(Outcome.RATE_LIMITED, 4, retry_after=100) == 480


def test_absurd_retry_after_is_capped() -> None:
    assert wait(Outcome.RATE_LIMITED, 1, retry_after=10**9) == MAX_RETRY_AFTER.total_seconds()


def test_negative_retry_after_is_ignored() -> None:
    assert wait(Outcome.RATE_LIMITED, 1, retry_after=-5) == 60


@pytest.mark.parametrize(
    "outcome", [Outcome.UNREACHABLE, Outcome.SERVER_ERROR, Outcome.BAD_RESPONSE]
)
@pytest.mark.parametrize(
    ("failures", "expected"), [(1, 30), (2, 60), (3, 120), (5, 480), (6, 900), (40, 900)]
)
def test_errors_back_off_exponentially_up_to_15_minutes(
    outcome: Outcome, failures: int, expected: int
) -> None:
    assert wait(outcome, failures) == expected


def test_ok_polls_at_the_interval_plus_a_bounded_jitter() -> None:
    rng = MaxJitter()
    when = next_poll(Outcome.OK, 0, None, NOW, DEFAULTS, rng)
    assert when - NOW == timedelta(seconds=300 + 30)
    assert rng.bounds == [(0.0, 30.0)]


def test_jitter_never_exceeds_a_tenth_of_a_short_interval() -> None:
    config = Config(poll_interval_seconds=5, poll_jitter_seconds=30)
    when = next_poll(Outcome.OK, 0, None, NOW, config, MaxJitter())
    assert when - NOW == timedelta(seconds=5.5)


def test_jitter_only_ever_delays_a_backoff() -> None:
    rng = MaxJitter()
    when = next_poll(Outcome.RATE_LIMITED, 1, 0, NOW, DEFAULTS, rng)
    # 60 s ladder; jitter bounded by a tenth of the wait (6 s), never negative
    assert when - NOW == timedelta(seconds=66)
    assert rng.bounds == [(0.0, 6.0)]


def test_login_problem_keeps_the_normal_interval() -> None:
    # 401: credentials are re-read each poll, so a fresh login is seen at the next one
    assert wait(Outcome.LOGIN_REQUIRED, 7) == 300


def test_a_locked_keychain_backs_off_instead_of_asking_every_poll() -> None:
    # each read of a locked keychain may bring up an unlock dialog: error ladder
    assert Outcome.KEYCHAIN_LOCKED.is_backoff
    assert wait(Outcome.KEYCHAIN_LOCKED, 1) == wait(Outcome.UNREACHABLE, 1)
    assert wait(Outcome.KEYCHAIN_LOCKED, 3) == 4 * wait(Outcome.KEYCHAIN_LOCKED, 1)


def test_all_bases_come_from_config() -> None:
    config = Config(
        poll_interval_seconds=1.5,
        poll_jitter_seconds=0,
        rate_limit_backoff_seconds=0.5,
        rate_limit_backoff_max_seconds=1.5,
        error_backoff_seconds=0.25,
        error_backoff_max_seconds=0.75,
    )
    rng = default_rng(1)

    def secs(outcome: Outcome, failures: int) -> float:
        return (next_poll(outcome, failures, 0, NOW, config, rng) - NOW).total_seconds()

    assert [secs(Outcome.RATE_LIMITED, n) for n in (1, 2, 3)] == [0.5, 1.0, 1.5]
    assert [secs(Outcome.SERVER_ERROR, n) for n in (1, 2, 3)] == [0.25, 0.5, 0.75]
    assert secs(Outcome.OK, 0) == 1.5


def test_same_seed_same_schedule() -> None:
    a = [next_poll(Outcome.OK, 0, None, NOW, DEFAULTS, default_rng(7)) for _ in range(3)]
    b = [next_poll(Outcome.OK, 0, None, NOW, DEFAULTS, default_rng(7)) for _ in range(3)]
    assert a == b
    assert all(NOW + timedelta(seconds=300) <= t <= NOW + timedelta(seconds=330) for t in a)


def test_stored_backoff_deadline_is_honoured_after_restart() -> None:
    stored = NOW + timedelta(minutes=20)
    assert resume_deadline(stored, NOW, DEFAULTS) == stored


def test_past_or_missing_deadline_means_poll_now() -> None:
    assert resume_deadline(None, NOW, DEFAULTS) == NOW
    assert resume_deadline(NOW - timedelta(hours=1), NOW, DEFAULTS) == NOW


def test_deadline_from_a_clock_set_far_back_is_clamped() -> None:
    # A deadline a week away can only come from a wrong clock: no backoff is that long.
    resumed = resume_deadline(NOW + timedelta(days=7), NOW, DEFAULTS)
    assert NOW < resumed <= NOW + timedelta(hours=7)


def test_wake_after_missed_polls_gives_one_poll_soon_not_a_burst() -> None:
    # slept 8 h with a regular poll due 5 min after falling asleep
    deadline = NOW - timedelta(hours=8) + timedelta(minutes=5)
    moved = after_jump(deadline, NOW, timedelta(hours=8), DEFAULTS)
    assert NOW < moved <= NOW + timedelta(seconds=10)


def test_wake_keeps_a_backoff_that_is_still_running() -> None:
    deadline = NOW + timedelta(minutes=10)  # 30 min backoff, slept 20 min of it
    assert after_jump(deadline, NOW, timedelta(minutes=20), DEFAULTS) == deadline


def test_clock_set_back_shifts_the_deadline_back_too() -> None:
    # poll was due in 2 min; the clock went back 1 h: it is still due in 2 min
    deadline = NOW + timedelta(hours=1, minutes=2)
    moved = after_jump(deadline, NOW, -timedelta(hours=1), DEFAULTS)
    assert moved == NOW + timedelta(minutes=2)


def test_jump_detection_ignores_scheduling_noise() -> None:
    assert not is_jump(timedelta(seconds=15.2), timedelta(seconds=15))
    assert is_jump(timedelta(hours=2), timedelta(seconds=15))
    assert is_jump(timedelta(seconds=-3600), timedelta(seconds=15))


def test_the_persisted_outcome_is_the_schedule_outcome_by_value() -> None:
    # One type for both: state.json holds Outcome values and reads them back as Outcome.
    state = AgentState.model_validate({"outcome": "rate_limited"})
    assert state.outcome is Outcome.RATE_LIMITED
    assert AgentState().outcome is Outcome.NEVER
    assert state.model_dump(mode="json")["outcome"] == "rate_limited"
    assert not Outcome.NEVER.is_backoff
