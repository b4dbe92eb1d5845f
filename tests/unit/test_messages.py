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
    Change,
    ChangeKind,
    DriftDetected,
    Event,
    ThresholdCrossed,
)
from notifier.core.text.messages import (
    USAGE_URL,
    Message,
    MessageKind,
    Urgency,
    drift_message,
    event_messages,
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


def test_threshold_message_has_exact_percent_reset_and_next_closest() -> None:
    event = ThresholdCrossed("seven_day_opus", 90, 92.4, NOW, resets_at=OPUS_RESETS)
    assert threshold_message(event, BUCKETS, NOW, PLUS2) == Message(
        title="Claude 7-day Opus at 90%",
        body=(
            "7-day Opus is at 92.4% of its limit.\n"
            "Resets Wed 08 Jul 16:30 (in 2d 4h).\n"
            "Next closest: 5-hour at 61%."
        ),
        urgency=Urgency.NORMAL,
        open_url=USAGE_URL,
        kind=MessageKind.THRESHOLD,
    )


def test_threshold_reset_time_comes_from_the_bucket_when_the_event_lacks_it() -> None:
    event = ThresholdCrossed("five_hour", 75, 76.0, NOW)
    message = threshold_message(event, BUCKETS, NOW, PLUS2)
    # five_hour resets 12:00 UTC = 14:00 local, two hours from now; next closest
    # is the highest *other* bucket, seven_day_opus at 92.4.
    assert message.body == (
        "5-hour is at 76% of its limit.\n"
        "Resets Mon 06 Jul 14:00 (in 2h 0m).\n"
        "Next closest: 7-day Opus at 92.4%."
    )


def test_threshold_without_reset_time_or_other_buckets_says_only_the_percent() -> None:
    event = ThresholdCrossed("extra_usage", 75, 80.26, NOW)
    message = threshold_message(event, [Bucket("extra_usage", 80.26, None)], NOW, PLUS2)
    assert message.title == "Claude Extra usage at 75%"
    # One decimal, as status shows it.
    assert message.body == "Extra usage is at 80.3% of its limit."


def test_the_reset_time_is_local_even_across_midnight() -> None:
    # 23:30 UTC on Monday is 01:30 on Tuesday in UTC+2, 13 h 30 min after NOW.
    event = ThresholdCrossed(
        "five_hour", 90, 90.0, NOW, resets_at=datetime(2026, 7, 6, 23, 30, tzinfo=UTC)
    )
    message = threshold_message(event, [], NOW, PLUS2)
    assert message.body == ("5-hour is at 90% of its limit.\nResets Tue 07 Jul 01:30 (in 13h 30m).")


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


def test_reset_message_gives_new_and_old_percent_and_the_next_reset() -> None:
    event = BucketReset("seven_day_opus", 92.4, 3.0, NOW)
    buckets = [Bucket("seven_day_opus", 3.0, datetime(2026, 7, 13, 10, 0, tzinfo=UTC))]
    assert reset_message(event, buckets, NOW, PLUS2) == Message(
        title="Claude 7-day Opus has reset",
        body="Now at 3% (was 92.4%).\nNext reset Mon 13 Jul 12:00 (in 7d 0h).",
        urgency=Urgency.NORMAL,
        open_url=USAGE_URL,
        kind=MessageKind.RESET,
    )


def test_reset_message_without_previous_value_or_bucket() -> None:
    message = reset_message(BucketReset("five_hour", None, 0.0, NOW), [], NOW, PLUS2)
    assert message.body == "Now at 0%."


def _added(path: str, json_type: str = "object") -> Change:
    return Change(ChangeKind.ADDED, path, type=json_type)


def test_drift_with_a_new_top_level_object_names_the_bucket_and_the_command() -> None:
    event = DriftDetected(NOW, (_added("seven_day_opus_4_7"),), FINGERPRINT)
    assert drift_message(event) == Message(
        title="Usage data changed: new bucket seven_day_opus_4_7",
        body=(
            "New buckets are watched with the default thresholds.\n"
            "Details: run `claude-usage-notifier drift show a1b2c3d4e5f6`"
        ),
        urgency=Urgency.NORMAL,
        open_url=None,
        kind=MessageKind.DRIFT,
    )


def test_drift_counts_the_other_changes_next_to_a_new_bucket() -> None:
    changes = (
        _added("seven_day_opus_4_7"),
        _added("five_hour.limit_dollars", "number"),
        Change(ChangeKind.REMOVED, "spend"),
    )
    body = drift_message(DriftDetected(NOW, changes, FINGERPRINT)).body
    assert body.splitlines()[0] == "Also 2 other changes."


def test_drift_null_to_object_at_top_level_is_a_bucket_coming_alive() -> None:
    change = Change(ChangeKind.TYPE_CHANGED, "tangelo", old_type="null", new_type="object")
    message = drift_message(DriftDetected(NOW, (change,), FINGERPRINT))
    assert message.title == "Usage data changed: bucket tangelo now reports usage"


@pytest.mark.parametrize(
    "changes",
    [
        (_added("member_flag", "boolean"),),  # top-level, but not an object: no bucket
        (_added("five_hour.limit_dollars", "number"),),  # nested
        (Change(ChangeKind.TYPE_CHANGED, "five_hour", old_type="object", new_type="array"),),
    ],
)
def test_drift_without_a_bucket_counts_changes(changes: tuple[Change, ...]) -> None:
    message = drift_message(DriftDetected(NOW, changes, FINGERPRINT))
    assert message.title == "Usage data changed: 1 change"
    assert message.body == "Details: run `claude-usage-notifier drift show a1b2c3d4e5f6`"


def test_drift_names_a_new_limit_kind() -> None:
    changes = (
        Change(ChangeKind.VALUE_ADDED, "limits[].kind", value="weekly_design"),
        Change(ChangeKind.VALUE_ADDED, "limits[].severity", value="critical"),
    )
    message = drift_message(DriftDetected(NOW, changes, FINGERPRINT))
    assert message.title == "Usage data changed: new limit kind weekly_design"
    severity = drift_message(DriftDetected(NOW, changes[1:], FINGERPRINT))
    assert severity.title == "Usage data changed: 1 change"


def test_drift_lists_several_buckets_and_points_at_the_list_without_a_fingerprint() -> None:
    names = ["a_one", "b_two", "c_three", "d_four", "e_five"]
    message = drift_message(DriftDetected(NOW, tuple(_added(n) for n in names), ""))
    assert message.title == "Usage data changed: new buckets a_one, b_two, c_three and 2 more"
    assert message.body.endswith("Details: run `claude-usage-notifier drift list`")
    two = drift_message(DriftDetected(NOW, (_added("x"), _added("y"), _added("z.k")), ""))
    assert two.title == "Usage data changed: new buckets x, y"


def test_login_message_names_the_fix_and_is_critical() -> None:
    assert login_message("Token expired.") == Message(
        title="Claude login expired",
        body="Run `claude` and log in. Usage checks resume on their own.\n(Token expired.)",
        urgency=Urgency.CRITICAL,
        open_url=None,
        kind=MessageKind.LOGIN,
    )
    assert login_message("  ").body == "Run `claude` and log in. Usage checks resume on their own."


def test_event_messages_skip_events_that_should_not_notify() -> None:
    events: list[Event] = [
        ThresholdCrossed("five_hour", 75, 76.0, NOW, notify=False),
        BucketReset("seven_day", 50.0, 1.0, NOW),
    ]
    assert [m.title for m in event_messages(events, BUCKETS, NOW, PLUS2)] == [
        "Claude 7-day all has reset"
    ]


def _msg(title: str, urgency: Urgency = Urgency.NORMAL, url: str | None = None) -> Message:
    return Message(title, "body", urgency, url, MessageKind.THRESHOLD)


def test_summary_lists_titles_takes_the_highest_urgency_and_a_click_target() -> None:
    messages = [_msg(f"m{i}") for i in range(7)]
    messages[3] = _msg("m3", Urgency.CRITICAL, USAGE_URL)
    assert summary_message(messages) == Message(
        title="Claude usage: 7 updates",
        body="• m0\n• m1\n• m2\n• m3\n• m4\n• and 2 more",
        urgency=Urgency.CRITICAL,
        open_url=USAGE_URL,
        kind=MessageKind.SUMMARY,
    )


def test_sample_message_opens_the_usage_page() -> None:
    sample = sample_message()
    assert sample.open_url == "https://claude.ai/settings/usage"
    assert sample.kind is MessageKind.TEST
