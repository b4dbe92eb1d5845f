"""Boundaries of quiet hours and the cap (mutation-testing strength, issue 18)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from notifier.core.models import Config, QuietHours
from notifier.core.text.messages import Message, MessageKind, Urgency
from notifier.core.throttle import ThrottleState, decide, decide_for, in_quiet_hours

PLUS2 = timezone(timedelta(hours=2))
NOW = datetime(2026, 7, 6, 10, 0, tzinfo=UTC)  # 12:00 at UTC+2
A = Message("a", "body", Urgency.NORMAL, None, MessageKind.THRESHOLD)


def _local(hh_mm: str) -> datetime:
    hours, minutes = map(int, hh_mm.split(":"))
    return datetime(2026, 7, 6, hours, minutes, tzinfo=PLUS2).astimezone(UTC)


def test_minutes_of_the_span_count() -> None:
    span = QuietHours(start="22:30", end="07:15")
    assert not in_quiet_hours(span, _local("22:29"), PLUS2)
    assert in_quiet_hours(span, _local("22:30"), PLUS2)  # a wrapping span includes its start
    assert in_quiet_hours(span, _local("07:14"), PLUS2)
    assert not in_quiet_hours(span, _local("07:15"), PLUS2)  # ... and excludes its end


def test_the_default_cap_is_six_an_hour() -> None:
    # Config's default, and decide's when called without one.
    assert Config().max_notifications_per_hour == 6
    six = ThrottleState(sent_at=tuple(NOW - timedelta(minutes=m) for m in range(1, 7)))
    sent, state = decide([A], six, NOW)
    assert sent == []
    assert state.held == (A,)
    five = ThrottleState(sent_at=six.sent_at[:5])
    assert decide([A], five, NOW)[0] == [A]


def test_decide_reads_quiet_hours_in_the_given_zone() -> None:
    # 10:00 UTC is 12:00 at UTC+2, inside 11:00-13:00 there but not in UTC.
    quiet = QuietHours(start="11:00", end="13:00", mode="defer")
    assert decide([A], ThrottleState(), NOW, quiet=quiet, tz=PLUS2)[0] == []
    assert decide([A], ThrottleState(), NOW, quiet=quiet, tz=UTC)[0] == [A]


def test_decide_for_takes_quiet_hours_from_the_config_and_the_zone_from_the_caller() -> None:
    config = Config(quiet_hours=QuietHours(start="11:00", end="13:00", mode="defer"))
    sent, state = decide_for([A], ThrottleState(), NOW, config, PLUS2)
    assert sent == []
    assert state.held == (A,)
    assert decide_for([A], ThrottleState(), NOW, config, UTC)[0] == [A]
