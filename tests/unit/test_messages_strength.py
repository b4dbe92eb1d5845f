"""Edges of the notification texts (mutation-testing strength, issue 18)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

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
    Message,
    MessageKind,
    Urgency,
    drift_message,
    event_messages,
    reset_message,
    summary_message,
    threshold_message,
)

PLUS2 = timezone(timedelta(hours=2))
NOW = datetime(2026, 7, 6, 10, 0, tzinfo=UTC)
RESETS = datetime(2026, 7, 6, 12, 0, tzinfo=UTC)  # 14:00 at UTC+2, 12:00 in UTC
BUCKETS = [Bucket("five_hour", 76.0, RESETS), Bucket("seven_day", 40.0, RESETS)]
FINGERPRINT = "a1b2c3d4e5f6a7b8c9d0e1f2"


def _drift(*changes: Change) -> DriftDetected:
    return DriftDetected(NOW, changes, fingerprint=FINGERPRINT)


def _added(path: str, json_type: str = "object") -> Change:
    return Change(ChangeKind.ADDED, path, type=json_type)


def test_every_event_kind_gets_its_own_message_in_the_given_zone() -> None:
    threshold = ThresholdCrossed("five_hour", 75, 76.0, NOW)
    drift = _drift(_added("new_window"))
    reset = BucketReset("five_hour", 80.0, 1.0, NOW)
    events: list[Event] = [threshold, drift, reset]
    assert event_messages(events, BUCKETS, NOW, PLUS2) == [
        threshold_message(threshold, BUCKETS, NOW, PLUS2),
        drift_message(drift),
        reset_message(reset, BUCKETS, NOW, PLUS2),
    ]
    # The zone is passed down: 14:00 at UTC+2 is not 12:00 in UTC.
    local, utc = (event_messages(events, BUCKETS, NOW, tz) for tz in (PLUS2, UTC))
    assert ["14:00" in message.body for message in local] == [True, False, True]
    assert ["12:00" in message.body for message in utc] == [True, False, True]


def _msg(title: str, urgency: Urgency = Urgency.NORMAL) -> Message:
    return Message(title, "body", urgency, None, MessageKind.THRESHOLD)


def test_a_summary_of_five_lists_all_five() -> None:
    summary = summary_message([_msg(f"m{i}") for i in range(5)])
    assert summary.body == "• m0\n• m1\n• m2\n• m3\n• m4"
    assert summary.urgency is Urgency.NORMAL  # none of them was critical
    assert summary.sound is True


def test_a_summary_of_silenced_messages_is_silent() -> None:
    # Quiet hours silence the messages; summarising them must not bring the sound back.
    quiet = [replace(_msg("a"), sound=False), replace(_msg("b"), sound=False)]
    assert summary_message(quiet).sound is False
    assert summary_message([quiet[0], _msg("c")]).sound is False
