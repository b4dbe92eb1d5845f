"""When the agent says its numbers are stale, and when it says they are fresh again.

From the issue: stale once the last successful poll is older than
``stale_after_minutes`` (default 120); one notice per spell, one more when fresh
numbers are back. Plus the module's own rule: the failures must have lasted
``FAILING_GRACE`` (10 min), so a laptop waking after a night off does not announce
stale numbers because its first poll beat the Wi-Fi.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from notifier.core.models import Config, Outcome
from notifier.core.staleness import FAILING_GRACE, StaleNotice, check_at, decide, stale_after

T0 = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)
DEFAULTS = Config()

NONE, STALE, FRESH = StaleNotice.NONE, StaleNotice.STALE, StaleNotice.FRESH


def test_the_default_is_two_hours_and_the_range_is_checked() -> None:
    assert stale_after(DEFAULTS) == timedelta(hours=2)
    assert stale_after(Config(stale_after_minutes=10)) == timedelta(minutes=10)
    for bad in (9, 0, -5, 7 * 24 * 60 + 1):
        with pytest.raises(ValidationError):
            Config(stale_after_minutes=bad)


# (outcome, last success, failing since, now, told) -> notice; times in minutes from T0
CASES = [
    # failing for 2 h after a success at T0: exactly at the limit it is stale
    (Outcome.RATE_LIMITED, 0, 5, 120, False, STALE),
    (Outcome.RATE_LIMITED, 0, 5, 119, False, NONE),
    # already told: nothing more while the spell lasts
    (Outcome.RATE_LIMITED, 0, 5, 300, True, NONE),
    # every failing outcome counts (the reason differs, not the rule)
    (Outcome.UNREACHABLE, 0, 1, 121, False, STALE),
    (Outcome.SERVER_ERROR, 0, 1, 121, False, STALE),
    (Outcome.BAD_RESPONSE, 0, 1, 121, False, STALE),
    (Outcome.LOGIN_REQUIRED, 0, 1, 121, False, STALE),
    # a success after the notice: fresh again, once
    (Outcome.OK, 0, 5, 200, True, FRESH),
    (Outcome.OK, 0, 5, 200, False, NONE),
    # woke after a night: numbers 8 h old, but failing for only 30 s -> not yet
    (Outcome.UNREACHABLE, 0, 480, 480.5, False, NONE),
    # ... failing for the whole grace -> now it is worth saying
    (Outcome.UNREACHABLE, 0, 480, 490, False, STALE),
    # never a success: the first failure stands in for it
    (Outcome.UNREACHABLE, None, 0, 119, False, NONE),
    (Outcome.UNREACHABLE, None, 0, 120, False, STALE),
]


@pytest.mark.parametrize(("outcome", "success", "failing", "now", "told", "expected"), CASES)
def test_decide(
    outcome: Outcome,
    success: float | None,
    failing: float | None,
    now: float,
    told: bool,
    expected: StaleNotice,
) -> None:
    def at(minutes: float | None) -> datetime | None:
        return None if minutes is None else T0 + minutes * MIN

    assert (
        decide(
            outcome=outcome,
            last_success_at=at(success),
            failing_since=at(failing),
            now=T0 + now * MIN,
            told=told,
            config=DEFAULTS,
        )
        is expected
    )


def test_nothing_is_stale_while_nothing_fails() -> None:
    # A failing outcome without a failing spell cannot happen in the agent; still no notice.
    assert check_at(T0, None, DEFAULTS) is None
    assert (
        decide(
            outcome=Outcome.UNREACHABLE,
            last_success_at=T0,
            failing_since=None,
            now=T0 + timedelta(days=3),
            told=False,
            config=DEFAULTS,
        )
        is NONE
    )


def test_check_at_is_the_later_of_the_limit_and_the_grace() -> None:
    assert check_at(T0, T0 + 5 * MIN, DEFAULTS) == T0 + 120 * MIN
    assert check_at(T0, T0 + 600 * MIN, DEFAULTS) == T0 + 600 * MIN + FAILING_GRACE
    assert check_at(None, T0, DEFAULTS) == T0 + 120 * MIN
    short = Config(stale_after_minutes=10)
    assert check_at(T0, T0 + 9 * MIN, short) == T0 + 19 * MIN
