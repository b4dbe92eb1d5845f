"""The history as series and as a chart, on the example week (the shared fixture).

Expected values are reasoned, not copied from a run:

- resets and crossings are the hand-checked events of ``example-week.events.jsonl``
  (what ``replay`` must report), split by bucket;
- the chart's columns follow its documented formula: the span ``[since, until]`` cut
  into ``width - 2`` equal columns, ``column = floor((t - since) / span * columns)``,
  a column showing the highest value in it, level ``floor(u / 100 * 7)`` below 100 %
  and the full block at 100 %.

Here ``until`` is Mon 09 Nov 21:00 UTC (an hour after the last observation) and the
span is 8 days, so ``since`` is Sun 01 Nov 21:00 and one hour is ``columns / 192``
columns: 78/192 at 80 columns, 48/192 = 1/4 at 50.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from notifier.core.history import History, Series, build, to_json
from notifier.core.models import Config
from notifier.core.text.chart import BLOCKS, level, render
from notifier.recording import read_recording
from tests.conftest import FIXTURES

WEEK = FIXTURES / "recordings" / "example-week.jsonl"
EVENTS = FIXTURES / "recordings" / "example-week.events.jsonl"
UNTIL = datetime(2026, 11, 9, 21, 0, tzinfo=UTC)
SINCE = UNTIL - timedelta(days=8)
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _week(since: datetime = SINCE, until: datetime = UNTIL) -> History:
    return build(read_recording(WEEK), Config(), since, until)


def _expected_events(bucket: str, kind: str) -> list[dict[str, Any]]:
    events = [json.loads(line) for line in EVENTS.read_text().splitlines()]
    for event in events:  # the shared file predates the contract's `early`; none is early
        if event["kind"] == "reset":
            event.setdefault("early", False)
    return [
        {k: v for k, v in e.items() if k not in {"kind", "bucket"}}
        for e in events
        if e["bucket"] == bucket and e["kind"] == kind
    ]


def _series(history: History, name: str) -> Series:
    (found,) = [s for s in history.series if s.name == name]
    return found


# --------------------------------------------------------------------------- series


def test_the_series_hold_every_point_and_the_replayed_events() -> None:
    history = _week()
    assert [s.name for s in history.series] == [
        "five_hour",
        "seven_day",
        "seven_day_opus",
        "seven_day_sonnet",
    ]
    assert history.observations == 19
    document = to_json(history)
    for bucket in document["buckets"]:
        assert len(bucket["points"]) == 19  # every observation has all four numbers
        assert bucket["resets"] == _expected_events(bucket["name"], "reset")
        assert bucket["crossings"] == _expected_events(bucket["name"], "threshold")
    opus = document["buckets"][2]
    assert opus["points"][0] == ["2026-11-02T08:00:00+00:00", 30.0]
    assert opus["points"][-1] == ["2026-11-09T20:00:00+00:00", 14.0]


def test_a_crossing_before_the_span_is_not_reported_again_at_its_start() -> None:
    # From Tue 03 Nov 00:00 the first Opus number is 88 %: a fresh start there would
    # "cross" 75 % at 10:00; the replay from the first observation knows it fired on
    # Mon 21:00, so the span holds only the 90 % and 100 % crossings.
    since = datetime(2026, 11, 3, 0, 0, tzinfo=UTC)
    opus = _series(_week(since), "seven_day_opus")
    assert [(e.threshold, e.observed_at.isoformat()) for e in opus.crossings] == [
        (90.0, "2026-11-03T12:00:00+00:00"),
        (100.0, "2026-11-04T12:00:00+00:00"),
    ]
    assert opus.points[0] == (datetime(2026, 11, 3, 10, 0, tzinfo=UTC), 88.0)


def test_only_keeps_one_bucket_and_remembers_every_name() -> None:
    history = _week().only("seven_day")
    assert [s.name for s in history.series] == ["seven_day"]
    assert history.known == {"five_hour", "seven_day", "seven_day_opus", "seven_day_sonnet"}


# --------------------------------------------------------------------------- the chart


@pytest.mark.parametrize(
    ("utilization", "index"),
    [(0.0, 0), (14.2, 0), (14.3, 1), (50.0, 3), (85.8, 6), (99.9, 6), (100.0, 7), (130.0, 7)],
)
def test_level_keeps_the_full_block_for_the_cap(utilization: float, index: int) -> None:
    assert level(utilization) == index


def _chart(width: int, **options: Any) -> list[str]:
    return render(_week(), days=8, now=UNTIL, width=width, tz=UTC, **options)


def _block_of(history_line: str, column: int) -> str:
    return history_line[2 + column]


def test_at_80_columns() -> None:
    lines = _chart(80)
    assert all(len(line) <= 80 for line in lines)
    assert lines[0] == "Claude usage, last 8 days, one column = 2 h 27 min"  # 192 h / 78
    # Opus: header, row, marks (the 3rd bucket: lines 7, 8, 9 after the title's 1 and
    # two buckets of 3 lines each).
    assert lines[7] == "7-day Opus: 14% at 20:00, peak 100%, 1 reset, 3 crossings"
    row, marked = lines[8], lines[9]
    # 08:00 Mon (11 h in: column 4) 30 % -> level 2; Wed 12:00 (63 h: column 25) 100 %
    assert _block_of(row, 4) == BLOCKS[2]
    assert _block_of(row, 25) == BLOCKS[7]
    # Sat 16:00 (139 h: column 56) the reset to 0 %, 18:00 (141 h: column 57) 4 %;
    # the next number is Sun 14:00 (161 h: column 65), so columns 58..64 are blank
    assert _block_of(row, 56) == BLOCKS[0]
    assert _block_of(row, 57) == BLOCKS[0]
    assert row[2 + 58 : 2 + 65] == " " * 7
    assert _block_of(row, 65) == BLOCKS[0]  # 9 %
    # crossings at 24 h, 39 h, 63 h (columns 9, 15, 25), the reset at column 56
    assert marked == "  " + " " * 9 + "^" + " " * 5 + "^" + " " * 9 + "^" + " " * 30 + "|"
    # 5-hour on Tue: the reset at 10:00 (37 h) and the 100 % at 12:00 (39 h) share column 15
    assert lines[3][2 + 15] == "+"
    # day names where local days begin: midnight of 02 Nov is 3 h in, then every 24 h
    axis = lines[-2]
    for day, name in enumerate(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun", "Mon"]):
        column = (3 + 24 * day) * 78 // 192
        assert axis[2 + column : 2 + column + 3] == name, (day, axis)
    assert lines[-1] == "^ threshold crossed  | reset  + both  █ at the limit  blank: no numbers"


def test_at_50_columns() -> None:
    lines = _chart(50)
    assert all(len(line) <= 50 for line in lines)
    assert lines[0] == "Claude usage, last 8 days, one column = 4 h"  # 192 h / 48
    # the header drops what does not fit, from the end
    assert lines[1] == "5-hour: 82% at 20:00, peak 100%, 8 resets"
    opus_marks = lines[9]
    # a quarter column per hour: 24 h -> 6, 39 h -> 9, 63 h -> 15, 139 h -> 34
    assert opus_marks == "  " + " " * 6 + "^" + " " * 2 + "^" + " " * 5 + "^" + " " * 18 + "|"
    axis = lines[-2]
    assert axis == "  " + "Mon   Tue   Wed   Thu   Fri   Sat   Sun   Mon"
    assert lines[-1] == "^ threshold crossed  | reset  + both"


def test_colour_only_adds_escape_codes() -> None:
    plain = _chart(80)
    coloured = _chart(80, colour=True)
    assert [ANSI.sub("", line) for line in coloured] == plain
    opus_row = coloured[8]
    assert "\x1b[31m" + BLOCKS[7] in opus_row  # 100 %: red
    assert not any("\x1b" in line for line in plain)


def test_ascii_only_draws_no_block_characters() -> None:
    lines = _chart(80, ascii_only=True)
    assert all(line.isascii() for line in lines)
    assert lines[8][2 + 25] == "#"  # the cap


def test_a_narrow_terminal_still_gets_ten_columns() -> None:
    lines = _chart(5)
    rows = [line for line in lines if line.startswith("  ") and set(line.strip()) & set(BLOCKS)]
    assert len(rows) == 4
    assert all(len(row) <= 12 for row in rows)
