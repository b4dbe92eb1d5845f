"""The one place events and changes become words (core/text/timeline.py), line by line.

Each expected line is the wording the module's docstrings give, built by hand: the
replay timeline (``Label: crossed T (U)``), the demo's plainer story, the drift
change list (aligned into a column for ``drift check``/``show``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from notifier.core.events import (
    BucketReset,
    CapProjected,
    Change,
    ChangeKind,
    DriftDetected,
    ThresholdCrossed,
)
from notifier.core.text.timeline import change_line, event_line, story_line

AT = datetime(2026, 7, 6, 10, 0, tzinfo=UTC)  # a Monday
CAP = datetime(2026, 7, 8, 14, 30, tzinfo=UTC)  # a Wednesday


@pytest.fixture(autouse=True)
def _utc() -> Iterator[None]:
    # The forecast's clock time is the machine's zone: pin it to UTC for the test.
    old = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if old is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = old
    time.tzset()


ADDED = Change(ChangeKind.ADDED, "five_hour.x", type="number")
REMOVED = Change(ChangeKind.REMOVED, "five_hour.resets_at")
RENAMED = Change(ChangeKind.RENAMED, "seven_day.used", from_path="seven_day.spent")
TYPED = Change(ChangeKind.TYPE_CHANGED, "tangelo", old_type="null", new_type="object")
VALUE = Change(ChangeKind.VALUE_ADDED, "limits[].kind", value="weekly_fable")


@pytest.mark.parametrize(
    ("change", "plain", "aligned"),
    [
        (ADDED, "added five_hour.x (number)", "added        five_hour.x (number)"),
        (REMOVED, "removed five_hour.resets_at", "removed      five_hour.resets_at"),
        (
            RENAMED,
            "renamed seven_day.spent -> seven_day.used",
            "renamed      seven_day.spent -> seven_day.used",
        ),
        (
            TYPED,
            "tangelo changed type null -> object",
            "type_changed tangelo (null -> object)",
        ),
        (
            VALUE,
            "value_added limits[].kind ('weekly_fable')",
            "value_added  limits[].kind ('weekly_fable')",
        ),
    ],
)
def test_each_change_kind_plain_and_in_a_column(change: Change, plain: str, aligned: str) -> None:
    assert change_line(change) == plain
    assert change_line(change, aligned=True) == aligned


def test_replay_lines_for_thresholds_resets_and_silence() -> None:
    assert event_line(ThresholdCrossed("five_hour", 90, 93.0, AT)) == "5-hour: crossed 90% (93%)"
    silent = ThresholdCrossed("five_hour", 75, 76.26, AT, notify=False)
    assert event_line(silent) == "5-hour: crossed 75% (76.3%)  (silent)"
    assert event_line(BucketReset("five_hour", None, 3.0, AT)) == "5-hour: reset ? -> 3%"
    early = BucketReset("five_hour", 96.0, 2.0, AT, early=True)
    assert event_line(early) == "5-hour: reset 96% -> 2% (early: a reset was used)"


def test_replay_line_for_a_forecast_names_the_day_the_rate_and_the_level() -> None:
    event = CapProjected("seven_day_opus", 71.0, 0.55, CAP, CAP + timedelta(days=1), AT)
    assert event_line(event) == "7-day Opus: 100% by Wed 14:30 at +0.6 points/h (71%)"


def test_replay_line_for_drift_lists_every_change() -> None:
    event = DriftDetected(AT, (ADDED, REMOVED), fingerprint="f" * 64)
    assert event_line(event) == (
        "data changed: added five_hour.x (number); removed five_hour.resets_at"
    )


def test_story_lines_speak_plainly() -> None:
    assert story_line(ThresholdCrossed("five_hour", 75, 79.0, AT)) == (
        "5-hour crossed 75% (now 79%)"
    )
    full = ThresholdCrossed("five_hour", 100, 100.0, AT, notify=False)
    assert story_line(full) == "5-hour limit reached (now 100%)  (silent)"
    renewed = BucketReset("five_hour", 30.0, 41.0, AT)
    assert story_line(renewed) == "5-hour window renewed: now 41% (was 30%)"
    assert story_line(BucketReset("five_hour", None, 0.0, AT)) == "5-hour window renewed: now 0%"
    forecast = CapProjected("seven_day", 80.0, 1.0, CAP, CAP + timedelta(days=1), AT)
    assert story_line(forecast) == "7-day all on course for 100% by Wed 14:30"


def test_a_new_limit_in_the_story_is_named_with_its_key_at_most_three() -> None:
    alive = Change(ChangeKind.TYPE_CHANGED, "nimbus_quill", old_type="null", new_type="object")
    new = [Change(ChangeKind.ADDED, name, type="object") for name in ("a_b", "c_d", "e_f", "g_h")]
    one = DriftDetected(AT, (alive,), fingerprint="0123456789abcdef")
    assert story_line(one) == (
        "a new kind of usage data appeared: new limit Nimbus Quill (nimbus_quill), now watched"
    )
    many = story_line(DriftDetected(AT, tuple(new), fingerprint="0" * 64))
    assert many.count("(") == 3, "three named, the fourth left out"
    assert "g_h" not in many


def test_other_drift_in_the_story_counts_its_changes_and_points_at_drift_show() -> None:
    nested = Change(ChangeKind.ADDED, "five_hour.x", type="object")  # not top level: no limit
    one = DriftDetected(AT, (nested,), fingerprint="0123456789abcdef")
    assert story_line(one) == (
        "a new kind of usage data appeared (1 change; `drift show 0123456789ab` tells more)"
    )
    two = DriftDetected(AT, (ADDED, REMOVED), fingerprint="fedcba9876543210")
    assert story_line(two) == (
        "a new kind of usage data appeared (2 changes; `drift show fedcba987654` tells more)"
    )
    number = Change(ChangeKind.ADDED, "spend_total", type="number")  # top level, not a window
    assert "new limit" not in story_line(DriftDetected(AT, (number,), fingerprint="1" * 16))
    listed = Change(ChangeKind.ADDED, "limits[].x", type="object")
    assert "new limit" not in story_line(DriftDetected(AT, (listed,), fingerprint="1" * 16))
