"""What the user reads about old numbers: the stale notice, fresh again, the age suffix.

The words come from the issue: since when and why ("rate limited until 14:05", login
expired, offline, server error), and "every notification built from numbers older than
one poll interval says how old they are". Times are local: the zone is pinned to UTC+2.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from notifier.core.buckets import Bucket
from notifier.core.events import ThresholdCrossed
from notifier.core.models import Outcome
from notifier.core.text.messages import (
    USAGE_URL,
    MessageKind,
    Urgency,
    fresh_message,
    stale_message,
    summary_message,
    threshold_message,
    with_age,
)
from notifier.core.text.render import clock_time, duration

PLUS2 = timezone(timedelta(hours=2))
NOW = datetime(2026, 7, 6, 14, 42, tzinfo=UTC)  # Monday 16:42 local
INTERVAL = timedelta(minutes=5)


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(seconds=59), "<1 min"),
        (timedelta(minutes=37, seconds=59), "37 min"),
        (timedelta(hours=2), "2 h"),
        (timedelta(hours=2, minutes=10), "2 h 10 min"),
        (timedelta(days=3), "3 d"),
        (timedelta(days=3, hours=4, minutes=59), "3 d 4 h"),
        (timedelta(seconds=-5), "<1 min"),  # a clock set back: never a negative age
    ],
)
def test_duration(delta: timedelta, text: str) -> None:
    assert duration(delta) == text


def test_clock_time_adds_the_day_only_when_it_is_not_today() -> None:
    assert clock_time(datetime(2026, 7, 6, 12, 5, tzinfo=UTC), NOW, PLUS2) == "14:05"
    # 23:30 UTC on the 5th is 01:30 on the 6th locally: still today
    assert clock_time(datetime(2026, 7, 5, 23, 30, tzinfo=UTC), NOW, PLUS2) == "01:30"
    assert clock_time(datetime(2026, 7, 5, 21, 0, tzinfo=UTC), NOW, PLUS2) == "Sun 05 Jul 23:00"


# --------------------------------------------------------------------------- the age suffix


def _threshold(observed_at: datetime) -> ThresholdCrossed:
    return ThresholdCrossed("five_hour", 90, 91.0, observed_at)


def test_fresh_numbers_get_no_suffix() -> None:
    message = threshold_message(_threshold(NOW - INTERVAL), [], NOW, PLUS2)
    assert message.numbers_at == NOW - INTERVAL
    assert with_age(message, NOW, INTERVAL, PLUS2) is message  # exactly one interval: fresh


def test_numbers_older_than_an_interval_say_how_old() -> None:
    observed = NOW - timedelta(minutes=37)  # 16:05 local
    message = threshold_message(_threshold(observed), [], NOW, PLUS2)
    aged = with_age(message, NOW, INTERVAL, PLUS2)
    assert aged.body == message.body + "\n(numbers from 16:05, 37 min ago)"
    assert (aged.title, aged.urgency, aged.kind) == (message.title, message.urgency, message.kind)


def test_a_summary_shows_the_age_of_its_oldest_numbers() -> None:
    old = threshold_message(_threshold(NOW - timedelta(hours=2, minutes=10)), [], NOW, PLUS2)
    new = threshold_message(_threshold(NOW - timedelta(minutes=1)), [], NOW, PLUS2)
    summary = summary_message([new, old, new])
    assert summary.numbers_at == old.numbers_at
    assert with_age(summary, NOW, INTERVAL, PLUS2).body.endswith(
        "\n(numbers from 14:32, 2 h 10 min ago)"
    )


def test_a_message_without_numbers_never_gets_a_suffix() -> None:
    stale = stale_message(
        outcome=Outcome.UNREACHABLE,
        last_success_at=None,
        failing_since=None,
        retry_at=None,
        last_known=None,
        now=NOW,
    )
    assert stale.numbers_at is None
    assert with_age(stale, NOW + timedelta(days=2), INTERVAL) is stale


# --------------------------------------------------------------------------- stale / fresh

SUCCESS = datetime(2026, 7, 6, 12, 5, tzinfo=UTC)  # 14:05 local, 2 h 37 min before NOW
TAIL = "Checks go on; you will be told when fresh numbers are back."


@pytest.mark.parametrize(
    ("outcome", "why"),
    [
        (Outcome.RATE_LIMITED, "rate limited until 17:30"),
        (Outcome.LOGIN_REQUIRED, "the Claude login expired (run `claude` and log in)"),
        (Outcome.UNREACHABLE, "offline, or the server cannot be reached"),
        (Outcome.SERVER_ERROR, "the server answers with errors"),
        (Outcome.BAD_RESPONSE, "the server's answers cannot be read (a captive portal or proxy?)"),
    ],
)
def test_the_stale_notice_says_since_when_and_why(outcome: Outcome, why: str) -> None:
    message = stale_message(
        outcome=outcome,
        last_success_at=SUCCESS,
        failing_since=SUCCESS + timedelta(minutes=5),
        retry_at=NOW + timedelta(minutes=48),  # 17:30 local; only a 429 names it
        last_known=Bucket("seven_day_opus", 92.4, None),
        now=NOW,
        tz=PLUS2,
    )
    assert message.title == "Claude usage numbers are stale"
    assert message.body == (
        f"No fresh numbers since 14:05 (2 h 37 min ago): {why}.\n"
        f"Last known: 7-day Opus at 92.4%.\n{TAIL}"
    )
    assert (message.kind, message.urgency, message.open_url) == (
        MessageKind.STALE,
        Urgency.NORMAL,
        USAGE_URL,
    )


def test_a_rate_limit_whose_retry_time_passed_names_no_time() -> None:
    message = stale_message(
        outcome=Outcome.RATE_LIMITED,
        last_success_at=SUCCESS,
        failing_since=SUCCESS,
        retry_at=NOW - timedelta(minutes=1),
        last_known=None,
        now=NOW,
        tz=PLUS2,
    )
    assert message.body == f"No fresh numbers since 14:05 (2 h 37 min ago): rate limited.\n{TAIL}"


def test_without_any_good_poll_the_notice_says_since_when_it_tries() -> None:
    message = stale_message(
        outcome=Outcome.UNREACHABLE,
        last_success_at=None,
        failing_since=SUCCESS,
        retry_at=None,
        last_known=None,
        now=NOW,
        tz=PLUS2,
    )
    assert message.body == (
        f"No usage numbers yet; trying since 14:05: offline, or the server cannot be reached.\n"
        f"{TAIL}"
    )


def test_fresh_again_says_after_how_long_and_the_closest_bucket() -> None:
    buckets = [Bucket("five_hour", 12.0, None), Bucket("seven_day", 48.0, None)]
    message = fresh_message(
        last_success_at=SUCCESS, failing_since=SUCCESS, buckets=buckets, now=NOW
    )
    assert message.title == "Claude usage numbers are fresh again"
    assert message.body == (
        "Usage checks work again after 2 h 37 min without fresh numbers.\n"
        "Closest to its limit: 7-day all at 48%."
    )
    assert message.kind is MessageKind.FRESH
    assert message.numbers_at == NOW
