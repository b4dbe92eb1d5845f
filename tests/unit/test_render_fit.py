"""The status table fitted to a terminal (render.fit), and the cells it is made of.

Expectations are built from the layout the docstrings describe: two spaces, the
label padded to the widest, two spaces, the bar, two spaces, the percent right
aligned, two spaces, the detail; what gives way first when the width is short is
the long date, then the bar (to MIN_BAR), then the label (to MIN_LABEL, with an
ellipsis); below COMPACT_BELOW each bucket takes two lines.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from notifier.core.buckets import Bucket, Money
from notifier.core.text.render import (
    BAR_WIDTH,
    COMPACT_BELOW,
    ELLIPSIS,
    MIN_BAR,
    MIN_LABEL,
    Row,
    band,
    bar,
    clip,
    clock_time,
    countdown,
    fit,
    local_time,
    reset_text,
    rows,
)

NOW = datetime(2026, 7, 20, 10, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=3, hours=6)
ANSI = re.compile(r"\x1b\[[0-9;]*m")

LONG = "resets Thu 23 Jul 16:00 (in 3d 6h)"
SHORT = "resets Thu 16:00 (in 3d 6h)"


def _row(label: str, utilization: float, *, muted: bool = False, ascii_only: bool = False) -> Row:
    return Row(
        label=label,
        bar=bar(utilization, ascii_only=ascii_only),
        percent=f"{utilization:g}%",
        detail=LONG,
        utilization=utilization,
        short_detail=SHORT,
        muted=muted,
    )


CELLS = [_row("7-day Opus", 93), _row("5-hour", 41)]
FULL = 2 + len("7-day Opus") + 2 + BAR_WIDTH + 2 + len("93%") + 2 + len(LONG)


def _line(label: str, lw: int, bw: int, utilization: float, detail: str) -> str:
    return f"  {label:<{lw}}  {bar(utilization, bw)}  {utilization:g}%  {detail}"


def test_wide_enough_every_cell_keeps_its_full_size() -> None:
    assert fit(CELLS, FULL) == [
        _line("7-day Opus", 10, BAR_WIDTH, 93, LONG),
        _line("5-hour", 10, BAR_WIDTH, 41, LONG),
    ]


def test_one_column_short_the_long_date_gives_way_first() -> None:
    assert fit(CELLS, FULL - 1) == [
        _line("7-day Opus", 10, BAR_WIDTH, 93, SHORT),
        _line("5-hour", 10, BAR_WIDTH, 41, SHORT),
    ]


def test_then_the_bar_shrinks_by_exactly_the_overflow() -> None:
    with_short = FULL - len(LONG) + len(SHORT)
    lines = fit(CELLS, with_short - 5)
    assert lines[0] == _line("7-day Opus", 10, BAR_WIDTH - 5, 93, SHORT)
    assert max(len(line) for line in lines) == with_short - 5


def test_then_the_label_is_cut_with_an_ellipsis() -> None:
    name = "Weekly Claude Design extra"  # 26 characters
    cells = [_row(name, 93)]
    with_short = 2 + 26 + 2 + BAR_WIDTH + 2 + 3 + 2 + len(SHORT)
    at_min_bar = with_short - (BAR_WIDTH - MIN_BAR)
    assert at_min_bar - 2 >= COMPACT_BELOW, "still the one-line form"
    (line,) = fit(cells, at_min_bar - 2)
    assert line == f"  {name[:23]}{ELLIPSIS}  {bar(93, MIN_BAR)}  93%  {SHORT}"
    assert len(line) == at_min_bar - 2
    assert MIN_LABEL < 24


@pytest.mark.parametrize("width", range(COMPACT_BELOW, FULL + 3))
def test_no_line_is_ever_wider_than_the_terminal(width: int) -> None:
    assert all(len(line) <= width for line in fit(CELLS, width))


def test_below_the_compact_width_each_bucket_takes_two_lines() -> None:
    width = COMPACT_BELOW - 1
    lines = fit(CELLS, width)
    assert len(lines) == 4
    assert lines[0] == f"{'7-day Opus':<10} {bar(93, BAR_WIDTH)} 93%"
    assert lines[1] == f"  {SHORT}"
    assert lines[2] == f"{'5-hour':<10} {bar(41, BAR_WIDTH)} 41%"
    narrow = fit(CELLS, 24)
    assert all(len(line) <= 24 for line in narrow)
    assert narrow[1] == "  " + clip(SHORT, 22)
    assert narrow[0].endswith(" 93%")


def test_nothing_to_fit_is_no_lines() -> None:
    assert fit([], 80) == []
    assert fit([], 20) == []


def test_colour_by_band_wraps_bar_and_percent_only() -> None:
    cells = [_row("a", 93), _row("b", 80), _row("c", 10), _row("d", 95, muted=True)]
    lines = fit(cells, 120, color=True)
    codes = [re.findall(r"\x1b\[(\d+)m", line)[0] for line in lines]
    assert codes == ["31", "33", "32", "2"]
    assert all(line.count("\x1b[0m") == 1 for line in lines)
    plain = fit(cells, 120)
    assert [ANSI.sub("", line) for line in lines] == plain
    assert not any("\x1b" in line for line in plain)


def test_bands_turn_at_75_and_90() -> None:
    assert [band(u) for u in (74.9, 75, 89.9, 90, 100)] == [
        "low",
        "high",
        "high",
        "critical",
        "critical",
    ]


def test_an_ascii_bar_stays_ascii_when_it_shrinks() -> None:
    cells = [_row("7-day Opus", 50, ascii_only=True)]
    line = fit(cells, 60)[0]
    assert "#" in line
    assert "\u2588" not in line


def test_an_ascii_bar_at_0_percent_stays_ascii_too() -> None:
    # All its cells are empty ("-"): the bar is still ASCII, not light-shade blocks.
    line = fit([_row("5-hour", 0, ascii_only=True)], 60)[0]
    assert "-" * MIN_BAR in line
    assert "\u2591" not in line


def test_at_exactly_the_compact_width_each_bucket_keeps_one_line() -> None:
    # "From COMPACT_BELOW columns on, one line per bucket".
    assert len(fit(CELLS, COMPACT_BELOW)) == len(CELLS)


def test_a_bar_shrink_that_fits_exactly_leaves_short_labels_as_they_are() -> None:
    # Labels shorter than MIN_LABEL are not padded up to it when the bar's shrink is
    # enough: the line is as wide as the terminal and the detail stays whole.
    cells = [_row("5-hour", 41), _row("7-day", 93)]
    with_short = 2 + 6 + 2 + BAR_WIDTH + 2 + 3 + 2 + len(SHORT)
    assert with_short - 4 >= COMPACT_BELOW, "still the one-line form"
    lines = fit(cells, with_short - 4)
    assert lines[0] == _line("5-hour", 6, BAR_WIDTH - 4, 41, SHORT)
    assert len(lines[0]) == with_short - 4


def test_last_the_detail_is_cut_to_the_room_left_on_the_line() -> None:
    name = "Weekly Claude Design extra"
    detail = "resets Thu 16:00 (in 3d 6h), then a long note that cannot fit"
    row = Row(name, bar(93), "93%", detail, 93, short_detail=detail)
    width = COMPACT_BELOW
    room = width - (2 + MIN_LABEL + 2 + MIN_BAR + 2 + 3 + 2)
    (line,) = fit([row], width)
    label = name[: MIN_LABEL - 1] + ELLIPSIS
    assert line == f"  {label}  {bar(93, MIN_BAR)}  93%  {clip(detail, room)}"
    assert len(line) == width  # every column used, none more
    assert line.endswith(ELLIPSIS)


def test_the_compact_form_is_painted_too() -> None:
    lines = fit(CELLS, 40, color=True)
    assert re.findall(r"\x1b\[(\d+)m", lines[0])[0] == "31"  # 93 %: critical
    assert [ANSI.sub("", line) for line in lines] == fit(CELLS, 40)


@pytest.mark.parametrize("width", range(len("93%") + 1, COMPACT_BELOW))
def test_no_compact_line_is_wider_than_the_terminal(width: int) -> None:
    # Down to one column more than the percent: then the label gives way entirely.
    assert all(len(line) <= width for line in fit(CELLS, width))


def test_clip_marks_the_cut_and_keeps_what_fits() -> None:
    assert clip("abcdef", 6) == "abcdef"
    assert clip("abcdef", 5) == f"abcd{ELLIPSIS}"
    assert clip("abcdef", 1) == ELLIPSIS
    assert clip("abcdef", 0) == ""
    assert clip("abcdef", -3) == ""


def test_reset_text_long_short_past_and_money() -> None:
    bucket = Bucket("five_hour", 41.0, LATER)
    assert reset_text(bucket, NOW) == f"resets {local_time(LATER, NOW)} ({countdown(LATER - NOW)})"
    assert reset_text(bucket, NOW, short=True) == (
        f"resets {clock_time(LATER, NOW)} ({countdown(LATER - NOW)})"
    )
    past = Bucket("five_hour", 41.0, NOW - timedelta(hours=1))
    when = local_time(past.resets_at or NOW, NOW)
    assert reset_text(past, NOW, countdowns=False) == f"resets {when}"
    assert reset_text(past, NOW, countdowns=False, passed="renewed since") == (
        f"resets {when} (renewed since)"
    )
    # A future reset keeps its countdown even without countdowns: it is not "passed".
    assert reset_text(bucket, NOW, countdowns=False).endswith(f"({countdown(LATER - NOW)})")
    assert reset_text(past, NOW).endswith(f"({countdown(-timedelta(hours=1))})")
    assert reset_text(Bucket("tangelo", 5.0, None), NOW) == "no reset scheduled"
    money = Money(used_minor=1250, limit_minor=None, currency="USD", exponent=2)
    assert reset_text(Bucket("extra_usage", 5.0, None, money=money), NOW) == "12.50 USD spent"


def test_rows_keep_order_and_mark_muted_buckets() -> None:
    buckets = [Bucket("seven_day_opus", 93.0, LATER), Bucket("five_hour", 41.0, None)]
    cells = rows(buckets, NOW, muted=frozenset({"five_hour"}), ascii_only=True)
    assert [c.label for c in cells] == ["7-day Opus", "5-hour (muted)"]
    assert [c.muted for c in cells] == [False, True]
    assert [c.utilization for c in cells] == [93.0, 41.0]
    assert cells[0].bar == bar(93.0, ascii_only=True)
    assert cells[0].percent == "93%"
    assert cells[0].detail == reset_text(buckets[0], NOW)
    assert cells[0].short_detail == reset_text(buckets[0], NOW, short=True)
    assert cells[1].detail == "no reset scheduled"


def test_rows_pass_the_zone_and_the_stale_wording_to_both_details() -> None:
    from datetime import timezone

    plus2 = timezone(timedelta(hours=2))
    past = Bucket("five_hour", 41.0, NOW - timedelta(hours=1))  # 09:00 UTC, 11:00 at +2
    (cell,) = rows([past], NOW, plus2, countdowns=False, passed="renewed since")
    assert (
        cell.detail == f"resets {local_time(NOW - timedelta(hours=1), NOW, plus2)} (renewed since)"
    )
    assert cell.short_detail == "resets 11:00 (renewed since)"
    (live,) = rows([past], NOW, plus2)
    assert live.short_detail == f"resets 11:00 ({countdown(-timedelta(hours=1))})"


def test_compact_form_shares_a_narrow_line_between_label_bar_and_percent() -> None:
    name = "Weekly Claude Design extra"  # 26 characters, far too long for 24 columns
    cells = [_row(name, 93)]
    # label: 24 - 3 (percent) - 2 - MIN_BAR = 11; bar: 24 - 11 - 3 - 2 = 8.
    first, second = fit(cells, 24)
    assert first == f"{clip(name, 11)} {bar(93, 8)} 93%"
    assert len(first) == 24
    assert second == "  " + clip(SHORT, 22)
    # Six columns: a one-character label, no bar at all, the percent still whole.
    first, second = fit(cells, 6)
    assert first == f"{ELLIPSIS} 93%"
    assert second == f"  res{ELLIPSIS}"
