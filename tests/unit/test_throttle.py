"""Grouping, the rolling hourly cap and quiet hours, as pure decisions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from notifier.core.models import Config, QuietHours
from notifier.core.text.messages import Message, MessageKind, Urgency
from notifier.core.throttle import MAX_HELD, ThrottleState, decide, decide_for, in_quiet_hours

NOW = datetime(2026, 7, 6, 10, 0, tzinfo=UTC)
PLUS2 = timezone(timedelta(hours=2))


def _m(title: str) -> Message:
    return Message(title, "body", Urgency.NORMAL, None, MessageKind.THRESHOLD)


A, B, C = _m("a"), _m("b"), _m("c")


def test_one_or_two_messages_go_out_as_they_are() -> None:
    sent, state = decide([A, B], ThrottleState(), NOW)
    assert sent == [A, B]
    assert state == ThrottleState(sent_at=(NOW, NOW))


def test_more_than_two_messages_become_one_summary() -> None:
    sent, state = decide([A, B, C], ThrottleState(), NOW)
    assert [m.title for m in sent] == ["Claude usage: 3 updates"]
    assert sent[0].body == "• a\n• b\n• c"
    assert state.sent_at == (NOW,)
    assert state.held == ()


def test_over_the_cap_messages_are_held() -> None:
    earlier = (NOW - timedelta(minutes=50), NOW - timedelta(minutes=10))
    sent, state = decide([A], ThrottleState(sent_at=earlier), NOW, max_per_hour=2)
    assert sent == []
    assert state == ThrottleState(sent_at=earlier, held=(A,))


def test_the_hour_is_rolling_a_send_exactly_an_hour_ago_no_longer_counts() -> None:
    old, recent = NOW - timedelta(hours=1), NOW - timedelta(minutes=59)
    sent, state = decide([A], ThrottleState(sent_at=(old, recent)), NOW, max_per_hour=2)
    assert sent == [A]
    assert state.sent_at == (recent, NOW)


def test_held_messages_are_summarised_in_the_next_allowed_notification() -> None:
    state = ThrottleState(sent_at=(NOW - timedelta(minutes=59),), held=(A, B))
    sent, after = decide([C], state, NOW, max_per_hour=2)
    assert [m.title for m in sent] == ["Claude usage: 3 updates"]
    assert after == ThrottleState(sent_at=(NOW - timedelta(minutes=59), NOW))


def test_two_messages_and_one_slot_left_become_one_summary() -> None:
    state = ThrottleState(sent_at=(NOW - timedelta(minutes=5),), held=(A,))
    sent, after = decide([B], state, NOW, max_per_hour=2)
    assert [m.title for m in sent] == ["Claude usage: 2 updates"]
    assert after.held == ()


def test_a_held_message_goes_out_on_a_poll_without_events() -> None:
    sent, after = decide([], ThrottleState(held=(A,)), NOW)
    assert sent == [A]
    assert after == ThrottleState(sent_at=(NOW,))


def test_nothing_to_send_only_forgets_old_send_times() -> None:
    state = ThrottleState(sent_at=(NOW - timedelta(hours=2), NOW - timedelta(minutes=1)))
    assert decide([], state, NOW) == ([], ThrottleState(sent_at=(NOW - timedelta(minutes=1),)))


@pytest.mark.parametrize(
    ("start", "end", "local", "quiet"),
    [
        ("09:00", "17:00", "08:59", False),
        ("09:00", "17:00", "09:00", True),
        ("09:00", "17:00", "16:59", True),
        ("09:00", "17:00", "17:00", False),
        ("22:00", "07:00", "23:30", True),  # wraps midnight
        ("22:00", "07:00", "03:00", True),
        ("22:00", "07:00", "06:59", True),
        ("22:00", "07:00", "07:00", False),
        ("22:00", "07:00", "12:00", False),
        ("08:00", "08:00", "08:00", False),  # empty span: never quiet
    ],
)
def test_quiet_hours_span(start: str, end: str, local: str, quiet: bool) -> None:
    hours, minutes = map(int, local.split(":"))
    at = datetime(2026, 7, 6, hours, minutes, tzinfo=PLUS2)
    assert in_quiet_hours(QuietHours(start=start, end=end), at.astimezone(UTC), PLUS2) is quiet


def test_quiet_hours_are_local_time() -> None:
    # 21:30 UTC is 23:30 in UTC+2: inside 22:00-07:00 there, outside it in UTC.
    night = QuietHours(start="22:00", end="07:00")
    at = datetime(2026, 7, 6, 21, 30, tzinfo=UTC)
    assert in_quiet_hours(night, at, PLUS2)
    assert not in_quiet_hours(night, at, UTC)
    assert not in_quiet_hours(None, at, PLUS2)


def test_defer_holds_until_the_quiet_hours_end() -> None:
    night = QuietHours(start="22:00", end="07:00", mode="defer")
    at_night = datetime(2026, 7, 6, 23, 0, tzinfo=UTC)
    sent, state = decide([A], ThrottleState(), at_night, quiet=night, tz=UTC)
    assert sent == []
    assert state.held == (A,)
    sent, state = decide([B], state, at_night + timedelta(hours=7, minutes=59), quiet=night, tz=UTC)
    assert sent == []
    assert state.held == (A, B)
    morning = datetime(2026, 7, 7, 7, 0, tzinfo=UTC)
    sent, state = decide([], state, morning, quiet=night, tz=UTC)
    assert sent == [A, B]
    assert state == ThrottleState(sent_at=(morning, morning))


def test_silent_quiet_hours_deliver_without_sound() -> None:
    night = QuietHours(start="22:00", end="07:00", mode="silent")
    at_night = datetime(2026, 7, 6, 23, 0, tzinfo=UTC)
    sent, _ = decide([A], ThrottleState(), at_night, quiet=night, tz=UTC)
    assert [(m.title, m.sound) for m in sent] == [("a", False)]
    sent, _ = decide([A], ThrottleState(), NOW, quiet=night, tz=UTC)
    assert [(m.title, m.sound) for m in sent] == [("a", True)]


def test_held_messages_are_capped_keeping_the_newest() -> None:
    night = QuietHours(start="22:00", end="07:00", mode="defer")
    many = [_m(str(i)) for i in range(MAX_HELD + 20)]
    _, state = decide(
        many, ThrottleState(), datetime(2026, 7, 6, 23, 0, tzinfo=UTC), quiet=night, tz=UTC
    )
    assert len(state.held) == MAX_HELD
    assert state.held[0].title == "20"


def test_decide_for_takes_cap_and_quiet_hours_from_the_config() -> None:
    config = Config(max_notifications_per_hour=1)
    sent, state = decide_for([A], ThrottleState(), NOW, config, UTC)
    assert sent == [A]
    sent, state = decide_for([B], state, NOW + timedelta(minutes=1), config, UTC)
    assert sent == []
    assert state.held == (B,)


# --------------------------------------------------------------------------- the clock set back


def test_a_send_time_in_the_future_is_forgotten_not_counted() -> None:
    # The clock went back two hours: the two "future" sends must not fill the cap
    # (they would otherwise stay "recent" for three hours).
    future = (NOW + timedelta(hours=2), NOW + timedelta(minutes=1))
    sent, state = decide([A], ThrottleState(sent_at=future), NOW, max_per_hour=2)
    assert sent == [A]
    assert state.sent_at == (NOW,)


def test_a_send_time_equal_to_now_still_counts() -> None:
    sent, state = decide([A], ThrottleState(sent_at=(NOW,)), NOW, max_per_hour=1)
    assert sent == []
    assert state == ThrottleState(sent_at=(NOW,), held=(A,))


def test_nothing_to_send_drops_future_send_times_too() -> None:
    state = ThrottleState(sent_at=(NOW + timedelta(seconds=1), NOW - timedelta(minutes=1)))
    assert decide([], state, NOW) == ([], ThrottleState(sent_at=(NOW - timedelta(minutes=1),)))


# --------------------------------------------------------------------------- critical messages


def _critical(title: str, kind: MessageKind = MessageKind.THRESHOLD) -> Message:
    return Message(title, "body", Urgency.CRITICAL, None, kind)


LOGIN = _critical("Claude login expired", MessageKind.LOGIN)
FULL = _critical("Claude 5-hour at 100%")


def test_a_critical_message_goes_out_over_the_cap_and_the_others_wait() -> None:
    earlier = (NOW - timedelta(minutes=30),)
    sent, state = decide([A, LOGIN], ThrottleState(sent_at=earlier), NOW, max_per_hour=1)
    assert sent == [LOGIN]
    # It counts as a send (the cap stays honest for what follows) ...
    assert state == ThrottleState(sent_at=(*earlier, NOW), held=(A,))
    # ... and A goes out once both sends have left the rolling hour.
    sent, state = decide([], state, NOW + timedelta(hours=1), max_per_hour=1)
    assert sent == [A]


def test_a_critical_message_is_not_deferred_by_quiet_hours_but_is_silent() -> None:
    night = QuietHours(start="22:00", end="07:00", mode="defer")
    at_night = datetime(2026, 7, 6, 23, 0, tzinfo=UTC)
    sent, state = decide([A, FULL, LOGIN], ThrottleState(), at_night, quiet=night, tz=UTC)
    assert [(m.title, m.sound) for m in sent] == [
        ("Claude 5-hour at 100%", False),
        ("Claude login expired", False),
    ]
    assert state == ThrottleState(sent_at=(at_night, at_night), held=(A,))


def test_silent_quiet_hours_send_a_critical_message_without_sound() -> None:
    night = QuietHours(start="22:00", end="07:00", mode="silent")
    at_night = datetime(2026, 7, 6, 23, 0, tzinfo=UTC)
    sent, _ = decide([LOGIN], ThrottleState(), at_night, quiet=night, tz=UTC)
    assert [(m.title, m.sound) for m in sent] == [("Claude login expired", False)]


def test_many_critical_messages_over_the_cap_become_one_critical_summary() -> None:
    full = [_critical(f"Claude b{i} at 100%") for i in range(3)]
    earlier = (NOW - timedelta(minutes=1),)
    sent, state = decide([A, *full], ThrottleState(sent_at=earlier), NOW, max_per_hour=1)
    assert [(m.title, m.urgency) for m in sent] == [("Claude usage: 3 updates", Urgency.CRITICAL)]
    assert sent[0].body == "• Claude b0 at 100%\n• Claude b1 at 100%\n• Claude b2 at 100%"
    assert state.held == (A,)


def test_trimming_held_messages_never_drops_a_critical_one() -> None:
    # A critical message can reach the held list only through an older state;
    # even there the oldest *normal* messages are dropped first.
    many = (LOGIN, *(_m(str(i)) for i in range(MAX_HELD + 5)))
    earlier = (NOW - timedelta(minutes=1),)
    sent, state = decide([], ThrottleState(sent_at=earlier, held=many), NOW, max_per_hour=1)
    assert sent == [LOGIN]
    assert len(state.held) == MAX_HELD - 1
    assert state.held[0].title == "6"  # 0..5 dropped: 1 critical + 99 newest = MAX_HELD


def _slotted(title: str, slot: str) -> Message:
    return Message(title, "body", Urgency.NORMAL, None, MessageKind.THRESHOLD, slots=(slot,))


def test_a_held_message_superseded_by_a_newer_one_for_its_bucket_is_dropped() -> None:
    # Held "at 90%" (cap reached), then the bucket reaches 100 % and resets: only the
    # newest is still true, and it goes out alone, not in a summary of stale lines.
    at90 = _slotted("5-hour at 90%", "bucket:five_hour")
    other = _slotted("7-day at 80%", "bucket:seven_day")
    renewed = _slotted("5-hour renewed", "bucket:five_hour")
    state = ThrottleState(held=(at90, other))
    sent, after = decide([renewed], state, NOW)
    assert sent == [other, renewed]
    assert after.held == ()


def test_messages_without_slots_are_never_merged() -> None:
    sent, _ = decide([A, A], ThrottleState(), NOW)
    assert sent == [A, A]
