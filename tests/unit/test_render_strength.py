"""Edges of the status text helpers (mutation-testing strength, issue 18)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from notifier.core.buckets import Bucket, Money
from notifier.core.text.labels import label
from notifier.core.text.render import (
    bar,
    clock_time,
    countdown,
    duration,
    local_time,
    money,
    reset_text,
    rows,
)

PLUS2 = timezone(timedelta(hours=2))


def test_a_bar_above_100_stays_full_and_twenty_cells_wide() -> None:
    assert bar(103.0) == "\u2588" * 20
    assert bar(150.0, ascii_only=True) == "#" * 20


def test_a_bar_fills_the_nearest_cell() -> None:
    # Each of the 20 cells is 5 %: 93 % is 18.6 cells, so 19 are full.
    assert bar(93.0, ascii_only=True) == "#" * 19 + "-"


def test_a_countdown_of_a_minute_and_a_half_says_one_minute() -> None:
    assert countdown(timedelta(seconds=90)) == "in 1m"
    assert countdown(timedelta(seconds=60)) == "in 1m"


def test_the_year_is_compared_in_the_display_zone() -> None:
    # 23:30 UTC on New Year's Eve is already 2027 at UTC+2, like the reset: no year shown.
    now = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    when = datetime(2027, 1, 1, 8, 0, tzinfo=UTC)
    assert local_time(when, now, PLUS2) == "Fri 01 Jan 10:00"


def test_money_defaults_to_cents() -> None:
    assert money(963) == "9.63"


def test_extra_usage_without_amounts_says_so() -> None:
    bucket = Bucket("extra_usage", 0.0, None, money=Money(None, None, "USD"))
    assert reset_text(bucket, datetime(2026, 7, 6, tzinfo=UTC)) == "no monthly amounts"


def test_rows_use_the_zone_and_the_ascii_choice_given() -> None:
    now = datetime(2026, 7, 6, 10, 0, tzinfo=UTC)
    bucket = Bucket("five_hour", 50.0, datetime(2026, 7, 6, 12, 0, tzinfo=UTC))
    (row,) = rows([bucket], now, PLUS2, ascii_only=True)
    assert row.bar == "#" * 10 + "-" * 10
    assert row.detail == "resets Mon 06 Jul 14:00 (in 2h 0m)"
    assert reset_text(bucket, now, PLUS2) == row.detail


def test_a_label_joins_each_version_number_to_the_one_before() -> None:
    assert label("seven_day_claude_opus_4_7") == "7-day Claude Opus 4.7"
    assert label("five_hour_model_3_5_1") == "5-hour Model 3.5.1"


def test_a_wide_bar_is_empty_at_0_and_exactly_full_above_100() -> None:
    # At 0 % not one cell is full (only non-zero use shows a cell), and above 100 % the
    # bar is full and keeps its width, whatever the width: 100 cells make a 1 % error show.
    assert bar(0.0, 100, ascii_only=True) == "-" * 100
    assert bar(-3.0, 100, ascii_only=True) == "-" * 100
    assert bar(150.0, 100, ascii_only=True) == "#" * 100


def test_a_span_of_exactly_one_minute_is_one_minute() -> None:
    # "<1 min" is for less than a minute only.
    assert duration(timedelta(seconds=59)) == "<1 min"
    assert duration(timedelta(seconds=60)) == "1 min"
    assert duration(timedelta(seconds=119)) == "1 min"


NOW = datetime(2026, 7, 6, 10, 0, tzinfo=UTC)  # Monday 12:00 at UTC+2


def test_the_weekday_alone_is_for_less_than_six_days_ahead() -> None:
    # Within the week the weekday is enough; from six days ahead the date is given, so
    # a weekday can never be read as today's or last week's.
    assert clock_time(NOW + timedelta(days=6) - timedelta(minutes=1), NOW, PLUS2) == "Sun 11:59"
    assert clock_time(NOW + timedelta(days=6), NOW, PLUS2) == "Sun 12 Jul 12:00"


def test_today_is_judged_in_the_display_zone() -> None:
    # 23:30 UTC is 01:30 on Tuesday at UTC+2, and 00:30 UTC the next day is 02:30 on that
    # same Tuesday: "today" there, so the time alone, whatever the machine's own zone.
    now = datetime(2026, 7, 6, 23, 30, tzinfo=UTC)
    assert clock_time(datetime(2026, 7, 7, 0, 30, tzinfo=UTC), now, PLUS2) == "02:30"


def test_without_countdowns_only_a_past_reset_loses_its_countdown() -> None:
    # A saved payload (no countdowns): a reset at this very moment is not past yet.
    bucket = Bucket("five_hour", 50.0, NOW)
    assert reset_text(bucket, NOW, PLUS2, countdowns=False) == "resets Mon 06 Jul 12:00 (in <1m)"
    earlier = Bucket("five_hour", 50.0, NOW - timedelta(seconds=1))
    assert reset_text(earlier, NOW, PLUS2, countdowns=False) == "resets Mon 06 Jul 11:59"


def test_rows_show_a_past_reset_as_passed_by_default() -> None:
    # Live numbers (countdowns on, the default): a reset already past says so.
    (row,) = rows([Bucket("five_hour", 50.0, NOW - timedelta(minutes=5))], NOW, PLUS2)
    assert row.detail == "resets Mon 06 Jul 11:55 (passed)"
