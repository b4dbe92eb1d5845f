"""Boundaries of the scheduling rules (mutation-testing strength, issue 18)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from notifier.core.models import Config, Outcome
from notifier.core.schedule import (
    JUMP_THRESHOLD,
    MAX_RETRY_AFTER,
    after_jump,
    backoff_seconds,
    horizon,
    is_jump,
    next_poll,
)

NOW = datetime(2026, 7, 6, 10, 0, tzinfo=UTC)


class MaxJitter:
    """Always the largest jitter allowed: the worst case for how far ahead a deadline lies."""

    def uniform(self, a: float, b: float) -> float:
        return b


def test_a_sub_second_retry_after_is_honoured_over_a_shorter_ladder() -> None:
    # A compressed test ladder (0.1 s) against the server's 0.5 s: the longer one wins.
    config = Config(rate_limit_backoff_seconds=0.1)
    assert backoff_seconds(Outcome.RATE_LIMITED, 1, 0.5, config) == 0.5
    assert backoff_seconds(Outcome.RATE_LIMITED, 1, None, config) == 0.1


def test_a_deadline_inside_the_settle_pause_moves_to_its_end() -> None:
    # Woken with a deadline 5 s away: Wi-Fi gets its 10 s first (WAKE_SETTLE).
    config = Config()
    moved = after_jump(NOW + timedelta(seconds=5), NOW, timedelta(hours=1), config)
    assert moved == NOW + timedelta(seconds=10)


def test_a_disagreement_of_exactly_the_threshold_is_not_a_jump() -> None:
    assert not is_jump(timedelta(seconds=60) + JUMP_THRESHOLD, timedelta(seconds=60))
    assert is_jump(
        timedelta(seconds=60) + JUMP_THRESHOLD + timedelta(milliseconds=1), timedelta(seconds=60)
    )


HORIZON_CONFIGS = [
    Config(),  # the 6 h Retry-After cap dominates
    Config(poll_interval_seconds=30_000, poll_jitter_seconds=30),  # the poll interval
    Config(rate_limit_backoff_max_seconds=40_000),  # the 429 ladder
    Config(error_backoff_max_seconds=50_000),  # the error ladder
]


@pytest.mark.parametrize("config", HORIZON_CONFIGS)
def test_the_horizon_is_the_furthest_deadline_handed_out(config: Config) -> None:
    # Each rule's longest wait plus its largest jitter (the poll jitter; a tenth of a backoff).
    furthest = max(
        next_poll(outcome, 10_000, MAX_RETRY_AFTER.total_seconds() * 10, NOW, config, MaxJitter())
        for outcome in Outcome
    )
    expected = max(
        config.poll_interval_seconds + config.poll_jitter_seconds,
        config.rate_limit_backoff_max_seconds * 1.1,
        config.error_backoff_max_seconds * 1.1,
        MAX_RETRY_AFTER.total_seconds() * 1.1,
    )
    assert horizon(config) == timedelta(seconds=expected)
    assert NOW + horizon(config) >= furthest
