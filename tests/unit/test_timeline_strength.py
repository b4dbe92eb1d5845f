"""The one place events and changes become words, tested in-process (issue 18's test strength).

The wordings are the ones the docstrings of ``notifier.core.text.timeline`` show and the replay and
demo integration tests read; here each branch is pinned without a subprocess.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from notifier.core.events import BucketReset, Change, ChangeKind, DriftDetected, ThresholdCrossed
from notifier.core.text.timeline import change_line, event_line

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
