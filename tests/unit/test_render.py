"""Status text helpers: percent, bar, countdown, local time, money, ordering, table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from notifier.core.buckets import Bucket, Money, discover
from notifier.core.text.render import (
    bar,
    clock_time,
    closest_to_cap,
    countdown,
    local_time,
    money,
    money_line,
    percent,
    reset_text,
    rows,
    table,
)
from tests.conftest import load_payload

PLUS_TWO = timezone(timedelta(hours=2))


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (48.0, "48%"),
        (30.615, "30.6%"),
        (1.0, "1%"),  # a percentage, never a fraction of 1
        (0.0, "0%"),
        (100.0, "100%"),
        (120.5, "120.5%"),
        (70.5, "70.5%"),
    ],
)
def test_percent(value: float, text: str) -> None:
    assert percent(value) == text


@pytest.mark.parametrize(
    ("value", "filled"),
    [(50.0, 10), (0.0, 0), (0.4, 1), (1.0, 1), (81.0, 16), (100.0, 20), (150.0, 20)],
)
def test_bar_is_twenty_cells_full_at_100(value: float, filled: int) -> None:
    assert bar(value) == "\u2588" * filled + "\u2591" * (20 - filled)
    assert bar(value, ascii_only=True) == "#" * filled + "-" * (20 - filled)


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(days=2, hours=4, minutes=30), "in 2d 4h"),
        (timedelta(days=1), "in 1d 0h"),
        (timedelta(hours=3, minutes=5, seconds=59), "in 3h 5m"),
        (timedelta(minutes=12, seconds=59), "in 12m"),
        (timedelta(seconds=30), "in <1m"),
        (timedelta(0), "in <1m"),
        (timedelta(seconds=-1), "passed"),
    ],
)
def test_countdown(delta: timedelta, text: str) -> None:
    assert countdown(delta) == text


def test_local_time_in_the_given_zone() -> None:
    # 2026-07-23 is a Thursday (1 Jan 2026 is a Thursday; day 204 = 29 weeks + 1 day later).
    when = datetime(2026, 7, 23, 14, 59, 59, tzinfo=UTC)
    now = datetime(2026, 7, 19, tzinfo=UTC)
    assert local_time(when, now, UTC) == "Thu 23 Jul 14:59"
    assert local_time(when, now, PLUS_TWO) == "Thu 23 Jul 16:59"


def test_local_time_adds_the_year_when_it_differs() -> None:
    when = datetime(2026, 1, 2, 9, 0, tzinfo=UTC)  # a Friday
    assert local_time(when, datetime(2025, 12, 30, tzinfo=UTC), UTC) == "Fri 02 Jan 2026 09:00"


@pytest.mark.parametrize(
    ("minor", "exponent", "currency", "text"),
    [
        (963, 2, "USD", "9.63 USD"),
        (100000, 2, "EUR", "1,000.00 EUR"),
        (5, 0, None, "5"),
        (1234, 3, "KWD", "1.234 KWD"),
    ],
)
def test_money_from_minor_units(
    minor: float, exponent: int, currency: str | None, text: str
) -> None:
    assert money(minor, exponent, currency) == text


def test_money_line() -> None:
    assert money_line(Money(6123.0, 20000.0, "USD")) == "61.23 USD of 200.00 USD"
    assert money_line(Money(40843.0, None, "USD")) == "408.43 USD spent"
    assert money_line(Money(None, 20000.0, "USD")) == ""


def test_closest_to_cap_first_ties_keep_payload_order() -> None:
    names = ["a", "b", "c", "d"]
    buckets = [Bucket(n, u, None) for n, u in zip(names, [10.0, 90.0, 10.0, 100.5], strict=True)]
    assert [b.name for b in closest_to_cap(buckets)] == ["d", "b", "a", "c"]


def test_reset_text_variants() -> None:
    now = datetime(2026, 7, 19, 3, 39, 59, tzinfo=UTC)
    resets = Bucket("seven_day", 48.0, datetime(2026, 7, 23, 14, 59, 59, tzinfo=UTC))
    # 4 days 11 h 20 min ahead
    assert reset_text(resets, now, UTC) == "resets Thu 23 Jul 14:59 (in 4d 11h)"
    spend = Bucket("extra_usage", 30.6, None, money=Money(6123.0, 20000.0, "USD"))
    assert reset_text(spend, now, UTC) == "61.23 USD of 200.00 USD"
    assert reset_text(Bucket("five_hour", 0.0, None), now, UTC) == "no reset scheduled"


def test_table_for_a_fixture() -> None:
    payload = load_payload("oauth-usage-full-2026-07.json")
    now = datetime(2026, 7, 19, 1, 0, tzinfo=UTC)
    lines = table(rows(closest_to_cap(discover(payload)), now, UTC, muted=frozenset({"five_hour"})))
    full, empty = "\u2588", "\u2591"
    # labels padded to the longest ("5-hour (muted)", 14 characters), then two spaces
    assert lines == [
        f"  Weekly Fable    {full * 16}{empty * 4}  81%  resets Thu 23 Jul 14:59 (in 4d 13h)",
        f"  7-day all       {full * 10}{empty * 10}  48%  resets Thu 23 Jul 14:59 (in 4d 13h)",
        f"  5-hour (muted)  {full * 3}{empty * 17}  15%  resets Sun 19 Jul 03:39 (in 2h 39m)",
    ]


def test_empty_table() -> None:
    assert table([]) == []


def test_clock_time_is_short_today_and_this_week_and_dated_beyond() -> None:
    plus2 = timezone(timedelta(hours=2))
    now = datetime(2026, 7, 6, 10, 0, tzinfo=UTC)  # Mon 12:00 local
    assert clock_time(datetime(2026, 7, 6, 14, 20, tzinfo=UTC), now, plus2) == "16:20"
    # 23:30 UTC is already Tuesday in UTC+2: the weekday is named.
    assert clock_time(datetime(2026, 7, 6, 23, 30, tzinfo=UTC), now, plus2) == "Tue 01:30"
    assert clock_time(datetime(2026, 7, 11, 10, 0, tzinfo=UTC), now, plus2) == "Sat 12:00"
    assert clock_time(datetime(2026, 7, 13, 10, 0, tzinfo=UTC), now, plus2) == "Mon 13 Jul 12:00"
