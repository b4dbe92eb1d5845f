"""Edges of the notification texts (mutation-testing strength, issue 18)."""

from __future__ import annotations

from dataclasses import replace
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
from notifier.core.models import Outcome
from notifier.core.text.messages import (
    DRIFT_SLOT,
    LOGIN_LIFETIME_SLOT,
    LOGIN_SLOT,
    STALE_SLOT,
    TEST_SLOT,
    USAGE_URL,
    Message,
    MessageKind,
    Urgency,
    drift_message,
    event_message,
    event_messages,
    forecast_message,
    fresh_message,
    login_expiring_message,
    login_message,
    reset_message,
    sample_message,
    stale_message,
    summary_message,
    threshold_message,
    with_age,
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


HINT = "`claude-usage-notifier drift show a1b2c3d4e5f6`"  # the first 12 hex of FINGERPRINT
INTERVAL = timedelta(minutes=5)


# --------------------------------------------------------------------------- threshold


def test_extra_usage_at_its_limit_has_no_reset_time_and_says_so() -> None:
    # The contract: extra_usage has no resets_at. At 100 % the message cannot say when
    # work goes on, so it says that no reset time is known, in the same sentence as
    # below 100 %, and never "Back at None".
    event = ThresholdCrossed("extra_usage", 100, 100.0, NOW)
    message = threshold_message(event, [Bucket("extra_usage", 100.0, None)], NOW, PLUS2)
    assert message.title == "Claude Extra usage limit reached"
    assert message.body == "No reset time is known for this limit."
    # The summary line names the bucket and the fact, with no dangling ", back at".
    assert message.line == "Extra usage limit reached"


def test_a_summary_line_without_a_reset_time_ends_at_the_percent() -> None:
    # Below 100 % the line is "<label> at <percent>", plus ", resets <when>" only when
    # a reset time is known: extra usage has none.
    event = ThresholdCrossed("extra_usage", 75, 80.26, NOW)
    message = threshold_message(event, [Bucket("extra_usage", 80.26, None)], NOW, PLUS2)
    assert message.line == "Extra usage at 80.3%"


# --------------------------------------------------------------------------- reset, forecast


def test_reset_and_forecast_messages_carry_the_time_of_their_numbers() -> None:
    # A held or retried reset/forecast notice must say how old its numbers are
    # (with_age), so each one remembers when they were observed.
    observed = NOW - timedelta(minutes=40)
    reset = reset_message(BucketReset("five_hour", 80.0, 1.0, observed), BUCKETS, NOW, PLUS2)
    cap = CapProjected("five_hour", 70.0, 9.0, NOW + timedelta(hours=1), RESETS, observed)
    forecast = forecast_message(cap, PLUS2)
    assert reset.numbers_at == observed
    assert forecast.numbers_at == observed
    # 09:20 UTC is 11:20 at UTC+2, 40 minutes before NOW.
    for message in (reset, forecast):
        assert with_age(message, NOW, INTERVAL, PLUS2).body.endswith(
            "\n(numbers from 11:20, 40 min ago)"
        )


@pytest.mark.parametrize(
    ("wall", "words"),
    [
        # Under a minute still reads as a minute: "0 min" would say there is no wall.
        (timedelta(seconds=20), "1 min"),
        # Under two days the margin counts hours; from two days on, days.
        (timedelta(hours=47, minutes=59), "48 h"),
        (timedelta(hours=48), "2 days"),
        (timedelta(hours=48, minutes=30), "2 days"),
    ],
)
def test_forecast_margin_edges(wall: timedelta, words: str) -> None:
    resets = NOW + timedelta(days=6)
    event = CapProjected("seven_day", 70.0, 1.0, resets - wall, resets, NOW)
    assert forecast_message(event, PLUS2).body.startswith(f"at this pace, {words} before")


# --------------------------------------------------------------------------- drift


NOT_A_NEW_BUCKET = [
    # Only a top-level key is a bucket (contract, "Buckets"): an object deeper down is
    # a shape change of an existing bucket, and an object inside a list is an item.
    _added("five_hour.details"),
    Change(ChangeKind.TYPE_CHANGED, "limits[]", old_type="null", new_type="object"),
    # Only a key that was null and now holds an object "came alive"; from a string it
    # is a plain type change.
    Change(ChangeKind.TYPE_CHANGED, "five_hour", old_type="string", new_type="object"),
]


@pytest.mark.parametrize("change", NOT_A_NEW_BUCKET)
def test_changes_that_are_not_a_new_bucket_are_not_told_by_default(change: Change) -> None:
    event = _drift(change)
    assert drift_message(event) is None
    # The default of the per-event helpers is the same "buckets" mode.
    assert event_message(event, BUCKETS, NOW) is None
    assert event_messages([event], BUCKETS, NOW) == []
    # With "all" they are told, as a shape change.
    told = drift_message(event, mode="all")
    assert told is not None
    assert told.title == "Claude usage data changed shape"


def test_a_new_bucket_after_an_other_change_is_still_found() -> None:
    event = _drift(_added("five_hour.limit_dollars", "number"), _added("nimbus_quill"))
    message = drift_message(event)
    assert message is not None
    assert message.title == "New Claude limit: Nimbus Quill"


def test_three_new_buckets_are_all_named_and_four_say_how_many_more() -> None:
    # The title names up to three labels; the body lists every raw key, comma-separated,
    # so a person can copy one into `[buckets.<key>]`.
    three = drift_message(_drift(*(_added(k) for k in ("a_one", "b_two", "c_three"))))
    assert three is not None
    assert three.title == "New Claude limits: A One, B Two, C Three"
    assert three.body == (
        "They are now watched with your default thresholds.\n"
        f"Keys: a_one, b_two, c_three. Details: {HINT}"
    )
    four = drift_message(_drift(*(_added(k) for k in ("a_one", "b_two", "c_three", "d_four"))))
    assert four is not None
    assert four.title == "New Claude limits: A One, B Two, C Three and 1 more"


def test_several_shape_changes_are_counted_in_the_plural_and_the_line_drops_claude() -> None:
    event = _drift(_added("member_flag", "boolean"), Change(ChangeKind.REMOVED, "spend"))
    message = drift_message(event, mode="all")
    assert message is not None
    assert message.body.splitlines()[0] == "2 changes in the usage data; watching goes on."
    # In a summary titled "Claude usage: N updates" a line does not repeat "Claude".
    assert message.line == "usage data changed shape"
    assert message.slots == (DRIFT_SLOT,)


def _kind(value: str) -> Change:
    return Change(ChangeKind.VALUE_ADDED, "limits[].kind", value=value)


def test_a_new_limit_kind_without_its_bucket_yet_is_named_without_a_percent() -> None:
    # The kind can show up before (or without) an entry of that kind that carries a
    # percent: the title names the kind alone rather than failing or inventing a number.
    message = drift_message(_drift(_kind("weekly_design")), BUCKETS)
    assert message is not None
    assert message.title == "New Claude limit kind: Weekly Design"
    # The contract: every other kind is a bucket, watched with the default thresholds.
    assert message.body == (
        "Limits of this kind are now watched with your default thresholds.\n"
        f"Kind: weekly_design. Details: {HINT}"
    )


def test_two_new_limit_kinds_are_named_in_the_plural_and_both_listed() -> None:
    buckets = [Bucket("limit:weekly_design:unscoped", 12.0, None), *BUCKETS]
    message = drift_message(_drift(_kind("weekly_design"), _kind("daily_code")), buckets)
    assert message is not None
    assert message.title == "New Claude limit kinds: Weekly Design (12%), Daily Code"
    # Several kinds are spoken of in the plural, in both lines of the body.
    assert message.body.splitlines() == [
        "Limits of these kinds are now watched with your default thresholds.",
        f"Kinds: weekly_design, daily_code. Details: {HINT}",
    ]


# --------------------------------------------------------------------------- login, sample


def test_a_login_message_without_a_detail_names_the_generic_fix() -> None:
    assert login_message().body == (
        "Run `claude` and log in again; usage checks resume on their own."
    )


@pytest.mark.parametrize(
    ("detail", "first_line"),
    [
        # The reason becomes a sentence: capitalised, one full stop, never two.
        ("the token expired.", "The token expired."),
        # Only full stops are trimmed from its end, not the last letter of the reason.
        ("the keychain refused access on OS X", "The keychain refused access on OS X."),
    ],
)
def test_the_login_reason_becomes_one_sentence(detail: str, first_line: str) -> None:
    assert login_message(detail).body.splitlines()[0] == first_line


def test_the_login_lifetime_warning_has_its_own_slot() -> None:
    # A successful poll withdraws the "log in" notice (LOGIN_SLOT); the warning that the
    # login will end in days must survive it, and a second warning replaces the first.
    message = login_expiring_message(NOW + timedelta(days=2), NOW, PLUS2)
    assert message.slots == (LOGIN_LIFETIME_SLOT,)
    assert LOGIN_LIFETIME_SLOT != LOGIN_SLOT


def test_the_sample_says_who_sends_it_that_it_works_and_where_a_click_goes() -> None:
    sample = sample_message()
    # The program's name (a title, capitalised like every other) and that it is a test.
    assert sample.title.startswith("Claude usage notifier")
    assert sample.title.endswith("test")
    # What the test proves, then what a click does (it opens USAGE_URL).
    assert sample.body.startswith("Notifications work.")
    assert "usage page" in sample.body
    # A test is not an alarm: it neither sticks nor rings.
    assert sample.urgency is Urgency.NORMAL
    # `notify --test` withdraws it by this slot when nobody answers.
    assert sample.slots == (TEST_SLOT,)
    assert TEST_SLOT not in {LOGIN_SLOT, STALE_SLOT, DRIFT_SLOT, LOGIN_LIFETIME_SLOT}


# --------------------------------------------------------------------------- summary, age


def test_a_summary_is_a_summary_and_its_own_line_drops_claude() -> None:
    inner = summary_message([_msg("a"), _msg("b")])
    assert inner.kind is MessageKind.SUMMARY
    # Summarised again (the throttle may hold a summary), it keeps its count, under an
    # outer title that already says "Claude usage".
    outer = summary_message([inner, _msg("c")])
    assert outer.body == "• usage: 2 updates\n• c"


def test_an_empty_body_gets_the_age_alone() -> None:
    # No blank first line: the suffix is the whole body.
    message = replace(_msg("t"), body="", numbers_at=NOW - timedelta(hours=1))
    # 09:00 UTC is 11:00 at UTC+2.
    assert with_age(message, NOW, INTERVAL, PLUS2).body == "(numbers from 11:00, 1 h ago)"


# --------------------------------------------------------------------------- stale, fresh


def _stale(outcome: Outcome = Outcome.UNREACHABLE, retry_at: datetime | None = None) -> Message:
    return stale_message(
        outcome=outcome,
        last_success_at=NOW - timedelta(hours=1),
        failing_since=None,
        retry_at=retry_at,
        last_known=None,
        now=NOW,
        tz=PLUS2,
    )


def test_a_retry_time_that_is_now_is_not_named() -> None:
    # "until <time>" only helps while the time is ahead; at the time itself the next poll
    # is due, so the reason is plain "rate limited".
    assert ": rate limited." in _stale(Outcome.RATE_LIMITED, retry_at=NOW).body
    ahead = _stale(Outcome.RATE_LIMITED, retry_at=NOW + timedelta(minutes=1))
    assert ": rate limited until 12:01." in ahead.body  # 10:01 UTC at UTC+2


def test_fresh_again_takes_the_place_of_the_stale_notice() -> None:
    stale = _stale()
    fresh = fresh_message(last_success_at=None, failing_since=None, buckets=(), now=NOW)
    assert stale.slots == fresh.slots == (STALE_SLOT,)
    # Good news, not an alarm; a click opens the usage page like the stale notice.
    assert (fresh.urgency, fresh.open_url) == (Urgency.NORMAL, USAGE_URL)
    # No buckets to report: the first line is the whole body.
    assert fresh.body == "Usage checks work again."


@pytest.mark.parametrize(
    ("last_success_at", "failing_since", "words"),
    [
        # The numbers were as old as the last good poll, not as the first failure.
        (NOW - timedelta(hours=2), NOW - timedelta(hours=1), "after 2 h without"),
        # Never a good poll: the wait counts from the first try.
        (None, NOW - timedelta(minutes=30), "after 30 min without"),
    ],
)
def test_fresh_again_counts_from_the_last_good_numbers(
    last_success_at: datetime | None, failing_since: datetime | None, words: str
) -> None:
    message = fresh_message(
        last_success_at=last_success_at, failing_since=failing_since, buckets=(), now=NOW
    )
    assert message.body == f"Usage checks work again {words} fresh numbers."


def test_fresh_again_names_the_bucket_with_the_highest_percent() -> None:
    # The closest to its limit is the highest utilization, whatever the names' order.
    buckets = [Bucket("five_hour", 48.0, None), Bucket("seven_day", 12.0, None)]
    message = fresh_message(last_success_at=None, failing_since=None, buckets=buckets, now=NOW)
    assert message.body.splitlines()[1] == "Closest to its limit: 5-hour at 48%."
