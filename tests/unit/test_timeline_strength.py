"""The one place events and changes become words, tested in-process (issue 18's test strength).

The wordings are the ones the docstrings of ``notifier.core.text.timeline`` show and the replay and
demo integration tests read; here each branch is pinned without a subprocess.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from notifier.core.events import BucketReset, Change, ChangeKind, DriftDetected, ThresholdCrossed
from notifier.core.text.timeline import change_line, event_line, story_line

AT = datetime(2026, 7, 6, 10, 0, tzinfo=UTC)
ADDED = Change(ChangeKind.ADDED, "five_hour.x", type="number")
REMOVED = Change(ChangeKind.REMOVED, "seven_day.resets_at")
RENAMED = Change(ChangeKind.RENAMED, "extra_usage.spent", from_path="extra_usage.used")
RETYPED = Change(ChangeKind.TYPE_CHANGED, "seven_day_opus", old_type="null", new_type="object")


@pytest.mark.parametrize(
    ("change", "plain", "aligned"),
    [
        (ADDED, "added five_hour.x (number)", "added        five_hour.x (number)"),
        (REMOVED, "removed seven_day.resets_at", "removed      seven_day.resets_at"),
        (
            RENAMED,
            "renamed extra_usage.used -> extra_usage.spent",
            "renamed      extra_usage.used -> extra_usage.spent",
        ),
        (
            RETYPED,
            "seven_day_opus changed type null -> object",
            "type_changed seven_day_opus (null -> object)",
        ),
    ],
    ids=["added", "removed", "renamed", "type_changed"],
)
def test_change_lines(change: Change, plain: str, aligned: str) -> None:
    # Aligned lists pad the kind to the longest kind's width, so paths start in one column.
    assert change_line(change) == plain
    assert change_line(change, aligned=True) == aligned


def test_event_lines_name_the_bucket_by_its_label() -> None:
    crossed = ThresholdCrossed("five_hour", 90.0, 93.0, AT)
    assert event_line(crossed) == "5-hour: crossed 90% (93%)"
    quiet = ThresholdCrossed("seven_day_opus", 75.0, 75.5, AT, notify=False)
    assert event_line(quiet) == "7-day Opus: crossed 75% (75.5%)  (silent)"
    assert event_line(BucketReset("five_hour", 93.0, 0.0, AT)) == "5-hour: reset 93% -> 0%"
    unknown = BucketReset("five_hour", None, 3.0, AT, notify=False)
    assert event_line(unknown) == "5-hour: reset ? -> 3%  (silent)"


def test_a_drift_event_line_lists_every_change() -> None:
    event = DriftDetected(AT, (ADDED, REMOVED), fingerprint="a" * 64)
    assert event_line(event) == (
        "data changed: added five_hour.x (number); removed seven_day.resets_at"
    )


def test_story_lines_are_plainer() -> None:
    assert story_line(ThresholdCrossed("five_hour", 75.0, 79.0, AT)) == (
        "5-hour crossed 75% (now 79%)"
    )
    silent = ThresholdCrossed("five_hour", 75.0, 79.0, AT, notify=False)
    assert story_line(silent) == "5-hour crossed 75% (now 79%)  (silent)"
    assert story_line(BucketReset("seven_day", 93.0, 12.5, AT)) == "7-day all reset: 93% -> 12.5%"
    unknown = BucketReset("five_hour", None, 0.0, AT, notify=False)
    assert story_line(unknown) == "5-hour reset: ? -> 0%  (silent)"


def test_a_drift_story_shows_three_paths_and_the_short_variant_id() -> None:
    fingerprint = "0123456789abcdef" * 4
    few = DriftDetected(AT, (ADDED, REMOVED, RENAMED), fingerprint=fingerprint)
    assert story_line(few) == (
        "usage data changed: five_hour.x, seven_day.resets_at, extra_usage.spent;"
        " archived as variant 0123456789ab"
    )
    four = DriftDetected(AT, (ADDED, REMOVED, RENAMED, RETYPED), fingerprint=fingerprint)
    assert story_line(four) == (
        "usage data changed: five_hour.x, seven_day.resets_at, extra_usage.spent (+1 more);"
        " archived as variant 0123456789ab"
    )
    many = DriftDetected(AT, (ADDED, REMOVED, RENAMED, RETYPED, ADDED), fingerprint=fingerprint)
    assert story_line(many).endswith(" (+2 more); archived as variant 0123456789ab")
