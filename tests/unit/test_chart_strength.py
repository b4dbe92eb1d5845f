"""Edges of the history chart (mutation-testing strength, issue 18).

Every expectation follows the rules in ``notifier.core.text.chart``'s docstrings: a column
is ``floor((t - since) / span * columns)``, a day label sits at the column holding that
local midnight when it fits after the previous label and a space, colours go green below
the first threshold, yellow from it, red from the last (or the cap).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from notifier.core.events import BucketReset, ThresholdCrossed
from notifier.core.history import History, Series
from notifier.core.text.chart import BLOCKS, axis, header, peaks, render, sparkline

PLUS2 = timezone(timedelta(hours=2))
GREEN, YELLOW, RED, RESET = "\x1b[32m", "\x1b[33m", "\x1b[31m", "\x1b[0m"


def _local(day: int, hour: int, minute: int = 0, second: int = 0, micro: int = 0) -> datetime:
    return datetime(2026, 7, day, hour, minute, second, micro, tzinfo=PLUS2)


@pytest.mark.parametrize(
    ("value", "thresholds", "colour"),
    [
        (49.0, (50.0, 70.0, 80.0), GREEN),
        (50.0, (50.0, 70.0, 80.0), YELLOW),  # from the first threshold on
        (60.0, (50.0, 70.0, 80.0), YELLOW),
        (75.0, (50.0, 70.0, 80.0), YELLOW),  # the middle threshold changes nothing
        (85.0, (50.0, 70.0, 80.0), RED),  # from the last one on
        (100.0, (50.0, 70.0, 120.0), RED),  # ... or from the cap, if that comes first
        (99.0, (), GREEN),  # no thresholds: green up to the cap
        (100.0, (), RED),
    ],
)
def test_the_colour_follows_the_thresholds(
    value: float, thresholds: tuple[float, ...], colour: str
) -> None:
    assert sparkline([value], thresholds=thresholds, colour=True).startswith(colour)


def test_a_coloured_sparkline_resets_at_gaps_and_keeps_its_width() -> None:
    cells = [50.0, 80.0, None, 95.0, None]
    line = sparkline(cells, thresholds=(75.0, 90.0), colour=True)
    assert line == (f"{GREEN}{BLOCKS[3]}{YELLOW}{BLOCKS[5]}{RESET} {RED}{BLOCKS[6]}{RESET} ")


def test_a_sparkline_is_plain_blocks_by_default() -> None:
    assert sparkline([50.0, None, 100.0, None]) == BLOCKS[3] + " " + BLOCKS[7]


def test_a_column_shows_the_highest_value_observed_in_it() -> None:
    since = _local(6, 0)
    until = since + timedelta(hours=10)
    points = ((since, 40.0), (since + timedelta(minutes=10), 20.0), (until, 70.0))
    cells = peaks(Series("five_hour", points), since, until, 10)
    # The first column holds 40 then 20; the moment ``until`` belongs to the last column.
    assert cells == [40.0, None, None, None, None, None, None, None, None, 70.0]


def _day_label_column(since: datetime) -> int:
    # A 24-hour span in 24 columns starting at ``since``; the one midnight gets "Tue".
    row = axis(since, since + timedelta(hours=24), 24, PLUS2)
    assert row.strip() == "Tue"
    return row.index("Tue")


@pytest.mark.parametrize(
    "since",
    [
        _local(6, 12, 20),
        _local(6, 12, 1),
        _local(6, 12, 0, 20),
        _local(6, 12, 0, 1),
        _local(6, 12, 0, 0, 500_000),
        _local(6, 12, 0, 0, 1),
    ],
    ids=["minutes", "a-minute", "seconds", "a-second", "half-a-second", "a-microsecond"],
)
def test_the_day_label_sits_in_the_column_holding_midnight(since: datetime) -> None:
    # Midnight is a little less than 12 hours after ``since``: column 11, not 12.
    assert _day_label_column(since) == 11


def test_days_begin_at_local_midnight_in_the_given_zone() -> None:
    # 01:00 at UTC+2 is 23:00 UTC the day before: only Tuesday's midnight is in the span.
    since = _local(6, 1)
    assert axis(since, since + timedelta(hours=30), 30, PLUS2) == " " * 23 + "Tue"


def test_labels_keep_a_space_between_them_and_stay_inside_the_row() -> None:
    # 7 days in 10 columns: midnights at columns 1, 2, 4, 5, 7, 8 and (the end) 9.
    since = _local(6, 0)
    row = axis(since, since + timedelta(days=7), 10, PLUS2)
    assert row == " Tue Fri"


def test_a_label_may_end_at_the_last_column() -> None:
    # Midnight 16.8 h into a 24 h span of 10 columns: column 7, "Tue" fills 7..9.
    since = _local(6, 7, 12)
    assert axis(since, since + timedelta(hours=24), 10, PLUS2) == " " * 7 + "Tue"


@pytest.mark.parametrize(("days", "long"), [(14, False), (15, True), (30, True)])
def test_spans_over_two_weeks_label_dates(days: int, long: bool) -> None:
    since = _local(6, 0)
    row = axis(since, since + timedelta(days=days), 200, PLUS2)
    first = row.split()[0]
    assert first == ("07" if long else "Tue")
    if long:
        assert "07 Jul" in row


def _series() -> Series:
    at = _local(5, 20)
    return Series(
        "five_hour",
        ((at - timedelta(hours=2), 100.0), (at, 82.0)),
        resets=(BucketReset("five_hour", 100.0, 0.0, at - timedelta(hours=1)),),
        crossings=(
            ThresholdCrossed("five_hour", 75.0, 80.0, at),
            ThresholdCrossed("five_hour", 100.0, 100.0, at - timedelta(hours=2)),
        ),
    )


def test_a_header_says_latest_time_peak_and_counts_in_the_local_zone() -> None:
    now = _local(6, 12)
    text = "5-hour (muted): 82% at Sun 05 Jul 20:00, peak 100%, 1 reset, 2 crossings"
    assert header(_series(), now, PLUS2, 200, muted=True) == text
    # Exactly as wide as the line: everything still fits.
    assert header(_series(), now, PLUS2, len(text), muted=True) == text
    # Same day: only the time.
    same_day = header(_series(), _local(5, 23), PLUS2, 200, muted=False)
    assert same_day.startswith("5-hour: 82% at 20:00, ")
    # 01:00 on the 6th at UTC+2 is still the 5th in UTC: the day is the display zone's.
    next_day = header(_series(), _local(6, 1), PLUS2, 200, muted=False)
    assert next_day.startswith("5-hour: 82% at Sun 05 Jul 20:00, ")


def test_a_header_without_points_says_so_within_the_width() -> None:
    empty = Series("five_hour", ())
    now = _local(6, 12)
    assert header(empty, now, PLUS2, 80, muted=False) == "5-hour: no numbers in this span"
    assert header(empty, now, PLUS2, 10, muted=False) == "5-hour: no"


def test_render_passes_zone_mute_and_thresholds_down() -> None:
    since = _local(5, 0)
    until = since + timedelta(days=2)
    series = Series("five_hour", ((_local(5, 20), 60.0),))
    lines = render(
        History(since, until, (series,)),
        days=2,
        now=_local(6, 12),
        width=50,
        tz=PLUS2,
        colour=True,
        thresholds={"five_hour": [50.0, 90.0]},
        muted=frozenset({"five_hour"}),
    )
    assert lines[0].startswith("Claude usage, last 2 days")
    assert lines[1].startswith("5-hour (muted): 60% at Sun 05 Jul 20:00")
    assert YELLOW in lines[2]  # 60 % is past the bucket's first threshold
    # 48 columns over two days: the midnight between them is at column 24.
    assert lines[3] == "  " + " " * 24 + "Mon"
