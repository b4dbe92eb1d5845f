"""The usage history drawn for a terminal: one sparkline row per bucket, events marked.

Pure: the history, the span, the width, the time zone and whether to colour are
parameters (the command finds them out: ``COLUMNS``, a TTY, ``NO_COLOR``). No
clock, no I/O.

Hand-drawn on purpose. What is needed is a value-to-block lookup (a few lines),
columns of fixed time width and a marker row under them; a library such as
``sparklines`` scales to the data's own min/max and colours through termcolor,
and ``plotext`` draws whole plots with axes: neither knows about a percent scale
that ends at the cap or about events under a column, and both would make the
exact output harder to reason about in tests.

Each bucket gets up to three lines: a header (label, latest value, peak, counts,
as much as fits), the sparkline and, when something happened, a marker row.
The span is cut into as many columns as the width allows, each the same length of
time; a column shows the highest utilization observed in it (peaks are what a
quota watcher is about), and a blank where nothing was observed (the machine
slept, the agent was off). The full block means at the cap: below 100 % the eight
levels are ``floor(u / 100 * 7)``, so 100 % never hides among 90s. Under the
rows, a day axis and a one-line legend.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta, tzinfo

from notifier.core.history import History, Series
from notifier.core.text.labels import label
from notifier.core.text.render import duration, percent

BLOCKS = "\u2581\u2582\u2583\u2584\u2585\u2586\u2587\u2588"  # lower 1/8 .. full block
ASCII_BLOCKS = "_.:-=+*#"
RESET_MARK = "|"
CROSS_MARK = "^"
BOTH_MARK = "+"
INDENT = "  "
MIN_COLUMNS = 10
"""Fewer sparkline columns than this would say nothing: narrower terminals get these."""

_RESET = "\x1b[0m"
_GREEN, _YELLOW, _RED = "\x1b[32m", "\x1b[33m", "\x1b[31m"


def level(utilization: float) -> int:
    """The block index 0..7 for a percent: 7 (the full block) only at or above the cap."""
    if utilization >= 100:
        return 7
    return min(max(math.floor(utilization / 100 * 7), 0), 6)


def column_of(at: datetime, since: datetime, until: datetime, columns: int) -> int:
    """The column ``at`` falls in: ``floor((at - since) / (until - since) * columns)``."""
    share = (at - since) / (until - since)
    return min(max(math.floor(share * columns), 0), columns - 1)


def peaks(series: Series, since: datetime, until: datetime, columns: int) -> list[float | None]:
    """The highest utilization observed in each column (``None``: nothing observed)."""
    cells: list[float | None] = [None] * columns
    for at, value in series.points:
        index = column_of(at, since, until, columns)
        current = cells[index]
        cells[index] = value if current is None else max(current, value)
    return cells


def marks(series: Series, since: datetime, until: datetime, columns: int) -> str:
    """``|`` under a column with a reset, ``^`` with a crossing, ``+`` with both."""
    resets = {column_of(e.observed_at, since, until, columns) for e in series.resets}
    crossed = {column_of(e.observed_at, since, until, columns) for e in series.crossings}
    row = []
    for index in range(columns):
        if index in resets and index in crossed:
            row.append(BOTH_MARK)
        elif index in resets:
            row.append(RESET_MARK)
        elif index in crossed:
            row.append(CROSS_MARK)
        else:
            row.append(" ")
    return "".join(row).rstrip()


def _colour_of(value: float, thresholds: Sequence[float]) -> str:
    # Green below the first threshold, yellow from it, red from the last (or the cap).
    last = thresholds[-1] if thresholds else 100.0
    if value >= min(last, 100.0):
        return _RED
    if thresholds and value >= thresholds[0]:
        return _YELLOW
    return _GREEN


def sparkline(
    cells: Sequence[float | None],
    *,
    ascii_only: bool = False,
    thresholds: Sequence[float] = (),
    colour: bool = False,
) -> str:
    """One character per column; coloured by the bucket's thresholds when asked."""
    blocks = ASCII_BLOCKS if ascii_only else BLOCKS
    out: list[str] = []
    current = ""
    for value in cells:
        if value is None:
            char, code = " ", ""
        else:
            char, code = blocks[level(value)], _colour_of(value, thresholds) if colour else ""
        if code != current:
            out.append(_RESET if current and not code else code)
            current = code
        out.append(char)
    if current:
        out.append(_RESET)
    return "".join(out).rstrip() if not colour else "".join(out)


def _fit(pieces: Sequence[str], width: int) -> str:
    """The first piece, then each further one while the line still fits ``width``."""
    line = pieces[0][:width]
    for piece in pieces[1:]:
        if len(line) + len(piece) > width:
            break
        line += piece
    return line


def header(series: Series, now: datetime, tz: tzinfo | None, width: int, muted: bool) -> str:
    """``5-hour: 82% at Mon 20:00, peak 100%, 8 resets, 5 crossings`` (as much as fits)."""
    name = label(series.name) + (" (muted)" if muted else "")
    if not series.points:
        return _fit([f"{name}: no numbers in this span"], width)
    at, latest = series.points[-1]
    peak = max(value for _, value in series.points)
    resets, crossed = len(series.resets), len(series.crossings)
    return _fit(
        [
            f"{name}: {percent(latest)}",
            f" at {_short_time(at, now, tz)}",
            f", peak {percent(peak)}",
            f", {resets} reset{'s' * (resets != 1)}",
            f", {crossed} crossing{'s' * (crossed != 1)}",
        ],
        width,
    )


def _short_time(at: datetime, now: datetime, tz: tzinfo | None) -> str:
    local = at.astimezone(tz)
    if local.date() == now.astimezone(tz).date():
        return local.strftime("%H:%M")
    return local.strftime("%a %d %b %H:%M")


def axis(since: datetime, until: datetime, columns: int, tz: tzinfo | None) -> str:
    """Day names at the columns where local days begin (``%d %b`` over two weeks)."""
    row = [" "] * columns
    long_span = until - since > timedelta(days=14)
    day = since.astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0)
    free_from = 0
    while True:
        # The next local midnight, also across a DST change (the offset is looked up again).
        day = (day + timedelta(days=1, hours=2)).astimezone(tz).replace(hour=0)
        if day > until:
            break
        index = column_of(day, since, until, columns)
        text = day.strftime("%d %b" if long_span else "%a")
        if index < free_from or index + len(text) > columns:
            continue
        row[index : index + len(text)] = text
        free_from = index + len(text) + 1
    return "".join(row).rstrip()


def render(
    history: History,
    *,
    days: float,
    now: datetime,
    width: int,
    tz: tzinfo | None = None,
    ascii_only: bool = False,
    colour: bool = False,
    thresholds: dict[str, Sequence[float]] | None = None,
    muted: frozenset[str] = frozenset(),
) -> list[str]:
    """The chart's lines, none wider than ``width`` (escape codes aside)."""
    columns = max(width - len(INDENT), MIN_COLUMNS)
    since, until = history.since, history.until
    per_column = (until - since) / columns
    span = f"{days:g} day{'s' * (days != 1)}"
    lines = [_fit([f"Claude usage, last {span}", f", one column = {duration(per_column)}"], width)]
    for series in history.series:
        lines.append(header(series, now, tz, width, series.name in muted))
        row = sparkline(
            peaks(series, since, until, columns),
            ascii_only=ascii_only,
            thresholds=(thresholds or {}).get(series.name, ()),
            colour=colour,
        )
        lines.append(INDENT + row)
        marked = marks(series, since, until, columns)
        if marked:
            lines.append(INDENT + marked)
    lines.append(INDENT + axis(since, until, columns, tz))
    full = (ASCII_BLOCKS if ascii_only else BLOCKS)[-1]
    legend = [
        f"{CROSS_MARK} threshold crossed",
        f"  {RESET_MARK} reset",
        f"  {BOTH_MARK} both",
        f"  {full} at the limit",
        "  blank: no numbers",
    ]
    lines.append(_fit(legend, width))
    return [line.rstrip() for line in lines]
