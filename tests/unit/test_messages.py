"""Notification texts, worked out by hand from the issue's wording.

The local zone is pinned to UTC+2 so "local time" and day boundaries are tested,
not assumed: 23:30 UTC is already tomorrow there. Percent, countdown and local
time are the status command's (``notifier.core.text.render``, tested in test_render): a
notification reads "92.4%", "Wed 08 Jul 16:30", "in 2d 4h" exactly as status does.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from notifier.core.buckets import Bucket
from notifier.core.events import (
    BucketReset,
    CapProjected,
    Change,
    ChangeKind,
    DriftDetected,
    Event,
    ThresholdCrossed,
)
from notifier.core.text.messages import (
    USAGE_URL,
    LoginProblem,
    Message,
    MessageKind,
    Urgency,
    drift_message,
    event_message,
    event_messages,
    forecast_message,
    login_expiring_message,
    login_message,
    reset_message,
    sample_message,
    summary_message,
    threshold_message,
)

PLUS2 = timezone(timedelta(hours=2))
NOW = datetime(2026, 7, 6, 10, 0, tzinfo=UTC)  # Monday 12:00 local
OPUS_RESETS = datetime(2026, 7, 8, 14, 30, tzinfo=UTC)  # Wednesday 16:30 local
BUCKETS = [
    Bucket("five_hour", 61.0, datetime(2026, 7, 6, 12, 0, tzinfo=UTC)),
    Bucket("seven_day", 40.0, OPUS_RESETS),
    Bucket("seven_day_opus", 92.4, OPUS_RESETS),
]
FINGERPRINT = "a1b2c3d4e5f6a7b8c9d0e1f2"


def test_threshold_title_carries_the_real_value_and_the_body_the_reset_and_next_closest() -> None:
    event = ThresholdCrossed("seven_day_opus", 90, 92.4, NOW, resets_at=OPUS_RESETS)
    # Wed 16:30 local is 2 d 4 h 30 min away: within the week, so weekday and time.
    assert threshold_message(event, BUCKETS, NOW, PLUS2) == Message(
        title="Claude 7-day Opus at 92.4%",
        body="Resets Wed 16:30 (in 2d 4h).\nNext closest: 5-hour at 61%.",
        urgency=Urgency.NORMAL,
        open_url=USAGE_URL,
        kind=MessageKind.THRESHOLD,
        slots=("bucket:seven_day_opus",),
        line="7-day Opus at 92.4%, resets Wed 16:30 (in 2d 4h)",
    )


def test_threshold_reset_time_comes_from_the_bucket_when_the_event_lacks_it() -> None:
    event = ThresholdCrossed("five_hour", 75, 76.0, NOW)
    message = threshold_message(event, BUCKETS, NOW, PLUS2)
    # five_hour resets 12:00 UTC = 14:00 local, today: the time alone. Next closest
    # is the highest *other* bucket, seven_day_opus at 92.4.
    assert message.title == "Claude 5-hour at 76%"
    assert message.body == "Resets 14:00 (in 2h 0m).\nNext closest: 7-day Opus at 92.4%."


def test_threshold_without_reset_time_or_other_buckets_says_so() -> None:
    event = ThresholdCrossed("extra_usage", 75, 80.26, NOW)
    message = threshold_message(event, [Bucket("extra_usage", 80.26, None)], NOW, PLUS2)
    # One decimal, as status shows it.
    assert message.title == "Claude Extra usage at 80.3%"
    assert message.body == "No reset time is known for this limit."


def test_the_reset_time_is_local_even_across_midnight() -> None:
    # 23:30 UTC on Monday is 01:30 on Tuesday in UTC+2, 13 h 30 min after NOW.
    event = ThresholdCrossed(
        "five_hour", 90, 90.0, NOW, resets_at=datetime(2026, 7, 6, 23, 30, tzinfo=UTC)
    )
    message = threshold_message(event, [], NOW, PLUS2)
    assert message.body == "Resets Tue 01:30 (in 13h 30m)."


def test_at_100_percent_the_title_says_limit_reached_and_the_body_when_it_is_back() -> None:
    event = ThresholdCrossed(
        "five_hour", 100, 100.0, NOW, resets_at=NOW + timedelta(minutes=27, seconds=30)
    )
    message = threshold_message(event, BUCKETS, NOW, PLUS2)
    assert (message.title, message.body) == (
        "Claude 5-hour limit reached",
        "Back at 12:27 (in 27m)",
    )
    assert message.urgency is Urgency.CRITICAL
    assert message.line == "5-hour limit reached, back at 12:27 (in 27m)"
    assert message.sticky
    assert message.audible


def test_sound_is_for_critical_messages_only() -> None:
    normal = threshold_message(ThresholdCrossed("five_hour", 90, 91.0, NOW), BUCKETS, NOW, PLUS2)
    assert normal.sound  # allowed (not quiet hours) ...
    assert not normal.audible  # ... but a normal notification stays silent
    assert not normal.sticky


@pytest.mark.parametrize(
    ("utilization", "urgency"),
    [
        (89.9, Urgency.NORMAL),
        (90.0, Urgency.NORMAL),
        (99.99, Urgency.NORMAL),
        (100.0, Urgency.CRITICAL),
        (130.0, Urgency.CRITICAL),
    ],
)
def test_urgency_is_critical_from_100_percent(utilization: float, urgency: Urgency) -> None:
    event = ThresholdCrossed("five_hour", 75, utilization, NOW)
    assert threshold_message(event, BUCKETS, NOW, PLUS2).urgency is urgency


def test_reset_message_says_renewed_with_the_new_percent_the_old_one_and_the_next_reset() -> None:
    event = BucketReset("seven_day_opus", 92.4, 3.0, NOW)
    buckets = [Bucket("seven_day_opus", 3.0, datetime(2026, 7, 13, 10, 0, tzinfo=UTC))]
    # A week away: the date is given too.
    assert reset_message(event, buckets, NOW, PLUS2) == Message(
        title="Claude 7-day Opus window renewed: now 3%",
        body="It was at 92.4% before.\nNext reset Mon 13 Jul 12:00 (in 7d 0h).",
        urgency=Urgency.NORMAL,
        open_url=USAGE_URL,
        kind=MessageKind.RESET,
        slots=("bucket:seven_day_opus",),
        line="7-day Opus renewed, now 3%",
    )


def test_a_reset_shares_the_slot_of_the_buckets_threshold_message() -> None:
    threshold = threshold_message(ThresholdCrossed("five_hour", 100, 100.0, NOW), [], NOW)
    reset = reset_message(BucketReset("five_hour", 100.0, 2.0, NOW), [], NOW)
    assert threshold.slots == reset.slots == ("bucket:five_hour",)


def test_reset_message_without_previous_value_or_bucket() -> None:
    message = reset_message(BucketReset("five_hour", None, 0.0, NOW), [], NOW, PLUS2)
    assert message.title == "Claude 5-hour window renewed: now 0%"
    assert message.body == "5-hour starts a new window."


def test_an_early_reset_says_a_reset_was_used() -> None:
    event = BucketReset("five_hour", 96.0, 2.0, NOW, early=True)
    buckets = [Bucket("five_hour", 2.0, datetime(2026, 7, 6, 12, 0, tzinfo=UTC))]
    message = reset_message(event, buckets, NOW, PLUS2)
    assert message.title == "Claude 5-hour reset early: a reset was used"
    assert message.body == ("Now at 2%.\nIt was at 96% before.\nNext reset 14:00 (in 2h 0m).")
    assert message.kind is MessageKind.RESET


def test_forecast_message_says_when_the_wall_comes_and_how_long_it_holds() -> None:
    # The example: 100 % on Wednesday 14:00 local, the reset Thursday 10:00
    # local: 20 h of wall.
    cap = datetime(2026, 7, 8, 12, 0, tzinfo=UTC)  # Wed 14:00 at UTC+2
    resets = datetime(2026, 7, 9, 8, 0, tzinfo=UTC)  # Thu 10:00 at UTC+2
    event = CapProjected("seven_day_opus", 71.0, 0.55, cap, resets, NOW)
    expected = Message(
        title="Claude 7-day Opus: 100% by Wed 14:00",
        body="at this pace, 20 h before it resets (Thu 10:00)",
        urgency=Urgency.NORMAL,
        open_url=USAGE_URL,
        kind=MessageKind.FORECAST,
        slots=("bucket:seven_day_opus",),  # the bucket's one live notification
    )
    assert forecast_message(event, PLUS2) == expected
    assert event_message(event, BUCKETS, NOW, PLUS2) == expected


@pytest.mark.parametrize(
    ("wall", "words"),
    [
        (timedelta(minutes=35), "35 min"),
        (timedelta(minutes=59, seconds=50), "1 h"),
        (timedelta(hours=1), "1 h"),
        (timedelta(hours=47, minutes=20), "47 h"),
        (timedelta(hours=60), "2 days"),
        (timedelta(days=4, hours=13), "5 days"),
    ],
)
def test_forecast_margin_reads_in_minutes_hours_or_days(wall: timedelta, words: str) -> None:
    resets = datetime(2026, 7, 9, 8, 0, tzinfo=UTC)
    event = CapProjected("five_hour", 70.0, 9.0, resets - wall, resets, NOW)
    assert forecast_message(event, PLUS2).body.startswith(f"at this pace, {words} before")


def test_login_expiring_names_the_day_and_the_fix() -> None:
    ends = datetime(2026, 7, 9, 7, 0, tzinfo=UTC)  # Thu 09:00 at UTC+2
    message = login_expiring_message(ends, NOW, PLUS2)
    assert message.title == "Claude login ends in 2d 21h"
    assert message.body == (
        "Your Claude Code login ends Thu 09 Jul 09:00. "
        "Run `claude` and `/login` before then, so usage checks go on."
    )
    assert (message.urgency, message.kind) == (Urgency.NORMAL, MessageKind.LOGIN)
    after = ends + timedelta(minutes=1)
    assert login_expiring_message(ends, after, PLUS2).title == "Claude login has ended"


def _added(path: str, json_type: str = "object") -> Change:
    return Change(ChangeKind.ADDED, path, type=json_type)


def test_a_new_bucket_is_announced_by_label_with_the_key_in_the_body() -> None:
    event = DriftDetected(NOW, (_added("seven_day_opus_4_7"),), FINGERPRINT)
    assert drift_message(event) == Message(
        title="New Claude limit: 7-day Opus 4.7",
        body=(
            "It is now watched with your default thresholds.\n"
            "Key: seven_day_opus_4_7. Details: `claude-usage-notifier drift show a1b2c3d4e5f6`"
        ),
        urgency=Urgency.NORMAL,
        open_url=None,
        kind=MessageKind.DRIFT,
        slots=("drift",),
        line="New Claude limit: 7-day Opus 4.7",
    )


def test_a_codename_coming_alive_is_a_new_limit_with_its_percent() -> None:
    change = Change(ChangeKind.TYPE_CHANGED, "nimbus_quill", old_type="null", new_type="object")
    buckets = [Bucket("nimbus_quill", 0.0, None), *BUCKETS]
    message = drift_message(DriftDetected(NOW, (change,), FINGERPRINT), buckets)
    assert message is not None
    assert message.title == "New Claude limit: Nimbus Quill (0%)"
    assert "now watched" in message.body
    assert "nimbus_quill" not in message.title


NO_BUCKET_CHANGES = [
    (_added("member_flag", "boolean"),),  # top-level, but not an object: no bucket
    (_added("five_hour.limit_dollars", "number"),),  # nested
    (Change(ChangeKind.TYPE_CHANGED, "five_hour", old_type="object", new_type="array"),),
    (Change(ChangeKind.REMOVED, "spend"),),
]


@pytest.mark.parametrize("changes", NO_BUCKET_CHANGES)
def test_other_shape_changes_notify_nobody_by_default(changes: tuple[Change, ...]) -> None:
    assert drift_message(DriftDetected(NOW, changes, FINGERPRINT)) is None


@pytest.mark.parametrize("changes", NO_BUCKET_CHANGES)
def test_with_all_every_shape_change_is_told_without_raw_keys_in_the_title(
    changes: tuple[Change, ...],
) -> None:
    message = drift_message(DriftDetected(NOW, changes, FINGERPRINT), mode="all")
    assert message is not None
    assert message.title == "Claude usage data changed shape"
    assert message.body == (
        "1 change in the usage data; watching goes on.\n"
        "Details: `claude-usage-notifier drift show a1b2c3d4e5f6`"
    )


def test_never_silences_even_a_new_bucket() -> None:
    event = DriftDetected(NOW, (_added("nimbus_quill"),), FINGERPRINT)
    assert drift_message(event, mode="never") is None
    assert event_messages([event], BUCKETS, NOW, drift="never") == []
    assert len(event_messages([event], BUCKETS, NOW)) == 1


def test_several_new_buckets_are_listed_and_the_list_is_named_without_a_fingerprint() -> None:
    names = ["a_one", "b_two", "c_three", "d_four", "e_five"]
    message = drift_message(DriftDetected(NOW, tuple(_added(n) for n in names), ""))
    assert message is not None
    assert message.title == "New Claude limits: A One, B Two, C Three and 2 more"
    assert message.body.startswith("They are now watched")
    assert message.body.endswith("Details: `claude-usage-notifier drift list`")


def test_expired_login_says_the_reason_and_the_fix_once() -> None:
    detail = "the usage endpoint refused the Claude login (401): run `claude` to log in again"
    assert login_message(detail) == Message(
        title="Claude login expired",
        body=(
            "The usage endpoint refused the Claude login (401): run `claude` to log in again.\n"
            "Usage checks resume on their own."
        ),
        urgency=Urgency.CRITICAL,
        open_url=None,
        kind=MessageKind.LOGIN,
        slots=("login",),
        line="login expired",
    )
    assert login_message("  ").body == (
        "Run `claude` and log in again; usage checks resume on their own."
    )


def test_never_logged_in_is_a_different_message() -> None:
    detail = "no Claude login found in /home/u/.claude/.credentials.json: run `claude` to log in"
    message = login_message(detail, LoginProblem.NEVER_LOGGED_IN)
    assert message.title == "Claude usage: not logged in yet"
    assert message.body == (
        "No Claude login found in /home/u/.claude/.credentials.json: run `claude` to log in.\n"
        "Usage checks start on their own once you are logged in."
    )
    assert message.body.count("`claude`") == 1
    assert login_message("", LoginProblem.NEVER_LOGGED_IN).body == (
        "Run `claude` and log in; usage checks start on their own."
    )


def test_event_messages_skip_events_that_should_not_notify() -> None:
    events: list[Event] = [
        ThresholdCrossed("five_hour", 75, 76.0, NOW, notify=False),
        BucketReset("seven_day", 50.0, 1.0, NOW),
    ]
    assert [m.title for m in event_messages(events, BUCKETS, NOW, PLUS2)] == [
        "Claude 7-day all window renewed: now 1%"
    ]


def _msg(title: str, urgency: Urgency = Urgency.NORMAL, url: str | None = None) -> Message:
    return Message(title, "body", urgency, url, MessageKind.THRESHOLD, slots=(f"bucket:{title}",))


def test_summary_puts_critical_first_takes_the_highest_urgency_and_a_click_target() -> None:
    messages = [_msg(f"m{i}") for i in range(7)]
    messages[3] = _msg("m3", Urgency.CRITICAL, USAGE_URL)
    summary = summary_message(messages)
    assert (summary.title, summary.body, summary.urgency, summary.open_url) == (
        "Claude usage: 7 updates",
        "• m3\n• m0\n• m1\n• m2\n• m4\n• and 2 more",
        Urgency.CRITICAL,
        USAGE_URL,
    )
    # The summary is the live notification of every bucket it speaks for.
    assert summary.slots == tuple(f"bucket:m{i}" for i in (3, 0, 1, 2, 4, 5, 6))


def test_summary_keeps_each_buckets_percent_and_reset_time() -> None:
    five = datetime(2026, 7, 6, 10, 27, tzinfo=UTC)  # 12:27 local, in 27 min
    events: list[Event] = [
        ThresholdCrossed("seven_day_opus", 90, 92.4, NOW, resets_at=OPUS_RESETS),
        ThresholdCrossed("five_hour", 100, 100.0, NOW, resets_at=five),
        BucketReset("seven_day", 88.0, 2.0, NOW),
    ]
    summary = summary_message(event_messages(events, BUCKETS, NOW, PLUS2))
    assert summary.body == (
        "• 5-hour limit reached, back at 12:27 (in 27m)\n"
        "• 7-day Opus at 92.4%, resets Wed 16:30 (in 2d 4h)\n"
        "• 7-day all renewed, now 2%"
    )


def test_sample_message_opens_the_usage_page() -> None:
    sample = sample_message()
    assert sample.open_url == "https://claude.ai/settings/usage"
    assert sample.kind is MessageKind.TEST


def test_a_new_limit_kind_is_a_new_limit_for_a_person() -> None:
    changes = (
        Change(ChangeKind.VALUE_ADDED, "limits[].kind", value="weekly_design"),
        Change(ChangeKind.VALUE_ADDED, "limits[].severity", value="critical"),
    )
    buckets = [Bucket("limit:weekly_design:unscoped", 12.0, None), *BUCKETS]
    message = drift_message(DriftDetected(NOW, changes, FINGERPRINT), buckets)
    assert message is not None
    assert message.title == "New Claude limit kind: Weekly Design (12%)"
    assert "Kind: weekly_design." in message.body
    # A new severity alone is a shape change: the log and `drift list`, not a person.
    assert drift_message(DriftDetected(NOW, changes[1:], FINGERPRINT)) is None
