"""Text for people: percent, bar, countdown, local reset time, money, the status table.

Pure: every function takes what it shows, including ``now`` and the time zone
(``tz=None`` means the system's local zone, looked up per instant so a reset
after a DST change still shows the right hour). No clock, no I/O. Used by
``status`` and reusable for notification text.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from notifier.core.buckets import Bucket, Money
from notifier.core.text.labels import label

BAR_WIDTH = 20
_BLOCKS = ("\u2588", "\u2591")  # full block, light shade
_ASCII_BLOCKS = ("#", "-")


def percent(utilization: float) -> str:
    """``48.0`` -> ``48%``, ``30.615`` -> ``30.6%``: at most one decimal, never rescaled."""
    text = f"{utilization:.1f}"
    return (text.removesuffix(".0") if text.endswith(".0") else text) + "%"


def bar(utilization: float, width: int = BAR_WIDTH, *, ascii_only: bool = False) -> str:
    """A fixed-width bar, full at 100 % and above; any non-zero use shows one cell."""
    full, empty = _ASCII_BLOCKS if ascii_only else _BLOCKS
    share = min(max(utilization, 0.0), 100.0) / 100.0
    filled = round(share * width)
    if filled == 0 and utilization > 0:
        filled = 1
    return full * filled + empty * (width - filled)


def countdown(delta: timedelta) -> str:
    """``in 2d 4h``, ``in 3h 5m``, ``in 12m``, ``in <1m``; a past moment is ``passed``."""
    seconds = delta.total_seconds()
    if seconds < 0:
        return "passed"
    minutes = math.floor(seconds / 60)
    if minutes < 1:
        return "in <1m"
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"in {days}d {hours}h"
    if hours:
        return f"in {hours}h {mins}m"
    return f"in {mins}m"


def duration(delta: timedelta) -> str:
    """A past span for people: ``<1 min``, ``37 min``, ``2 h 10 min``, ``3 d 4 h``."""
    minutes = max(math.floor(delta.total_seconds() / 60), 0)
    if minutes < 1:
        return "<1 min"
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {mins} min" if mins else f"{hours} h"
    return f"{mins} min"


def local_time(when: datetime, now: datetime, tz: tzinfo | None = None) -> str:
    """``when`` in local time: ``Thu 23 Jul 16:59``; the year is added when it differs."""
    local = when.astimezone(tz)
    current = now.astimezone(tz)
    pattern = "%a %d %b %H:%M" if local.year == current.year else "%a %d %b %Y %H:%M"
    return local.strftime(pattern)


def clock_time(when: datetime, now: datetime, tz: tzinfo | None = None) -> str:
    """A short local time for a sentence: ``16:20`` today, ``Thu 16:20`` this week.

    Further away it is :func:`local_time` (with the date), so it is never ambiguous.
    """
    local = when.astimezone(tz)
    current = now.astimezone(tz)
    if local.date() == current.date():
        return local.strftime("%H:%M")
    if timedelta(0) <= when - now < timedelta(days=6):
        return local.strftime("%a %H:%M")
    return local_time(when, now, tz)


def money(minor: float, exponent: int = 2, currency: str | None = None) -> str:
    """Minor units as an amount: ``money(963, 2, "USD")`` -> ``9.63 USD``."""
    places = min(max(exponent, 0), 8)
    amount = minor / 10**places
    text = f"{amount:,.{places}f}"
    return f"{text} {currency}" if currency else text


def money_line(value: Money) -> str:
    """``61.23 USD of 200.00 USD``, or ``408.43 USD spent`` without a limit; empty if unknown."""
    if value.used_minor is None:
        return ""
    used = money(value.used_minor, value.exponent, value.currency)
    if value.limit_minor is None:
        return f"{used} spent"
    return f"{used} of {money(value.limit_minor, value.exponent, value.currency)}"


def closest_to_cap(buckets: Iterable[Bucket]) -> list[Bucket]:
    """Highest utilization first; ties keep payload order."""
    return sorted(buckets, key=lambda bucket: -bucket.utilization)


def reset_text(
    bucket: Bucket,
    now: datetime,
    tz: tzinfo | None = None,
    *,
    short: bool = False,
    countdowns: bool = True,
    passed: str | None = None,
) -> str:
    """``resets Thu 23 Jul 16:59 (in 4d 13h)``, money for extra usage, or no reset.

    ``short`` uses :func:`clock_time` (``resets 16:59 (in 2h 5m)``); without
    ``countdowns`` (a saved payload, whose "now" is unknown) a moment already
    past gets no countdown instead of a row of "(passed)", or ``passed`` in
    brackets when given (old numbers: ``renewed since``).
    """
    if bucket.resets_at is not None:
        when = (clock_time if short else local_time)(bucket.resets_at, now, tz)
        left = bucket.resets_at - now
        if not countdowns and left.total_seconds() < 0:
            # A saved payload: its "now" is unknown. Old numbers: the window is over.
            return f"resets {when}" + (f" ({passed})" if passed else "")
        return f"resets {when} ({countdown(left)})"
    if bucket.money is not None:
        return money_line(bucket.money) or "no monthly amounts"
    return "no reset scheduled"


@dataclass(frozen=True)
class Row:
    """One bucket's line of the status table, as text cells."""

    label: str
    bar: str
    percent: str
    detail: str
    utilization: float = 0.0
    short_detail: str = ""  # the detail for a narrow terminal (falls back to ``detail``)
    muted: bool = False


def rows(
    buckets: Sequence[Bucket],
    now: datetime,
    tz: tzinfo | None = None,
    *,
    muted: frozenset[str] = frozenset(),
    ascii_only: bool = False,
    countdowns: bool = True,
    passed: str | None = None,
) -> list[Row]:
    """Cells for each bucket in the order given; ``muted`` buckets are marked."""
    return [
        Row(
            label=label(b.name) + (" (muted)" if b.name in muted else ""),
            bar=bar(b.utilization, ascii_only=ascii_only),
            percent=percent(b.utilization),
            detail=reset_text(b, now, tz, countdowns=countdowns, passed=passed),
            utilization=b.utilization,
            short_detail=reset_text(b, now, tz, short=True, countdowns=countdowns, passed=passed),
            muted=b.name in muted,
        )
        for b in buckets
    ]


def table(cells: Sequence[Row]) -> list[str]:
    """Aligned lines: label left, bar, percent right, detail."""
    if not cells:
        return []
    label_width = max(len(row.label) for row in cells)
    percent_width = max(len(row.percent) for row in cells)
    return [
        f"  {row.label:<{label_width}}  {row.bar}  {row.percent:>{percent_width}}  "
        f"{row.detail}".rstrip()
        for row in cells
    ]


# --------------------------------------------------------------------------- fitting a terminal

COMPACT_BELOW = 60
"""Narrower than this, each bucket takes two short lines instead of one wide one."""
MIN_BAR = 8
MIN_LABEL = 8
ELLIPSIS = "\u2026"

_ANSI = {"low": "32", "high": "33", "critical": "31", "muted": "2"}


def band(utilization: float) -> str:
    """``low`` below 75 %, ``high`` from 75 to below 90, ``critical`` from 90."""
    if utilization >= 90:
        return "critical"
    if utilization >= 75:
        return "high"
    return "low"


def clip(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters, the cut marked with an ellipsis."""
    if width <= 0:
        return ""
    return text if len(text) <= width else text[: width - 1] + ELLIPSIS


def _paint(text: str, row: Row, color: bool) -> str:
    if not color or not text:
        return text
    code = _ANSI["muted"] if row.muted else _ANSI[band(row.utilization)]
    return f"\x1b[{code}m{text}\x1b[0m"


def _rebar(row: Row, width: int) -> str:
    # Either ASCII cell marks an ASCII bar: one at 0 % is all "-", and must not turn
    # into block characters the terminal may not show.
    ascii_only = row.bar[:1] in _ASCII_BLOCKS
    return bar(row.utilization, width, ascii_only=ascii_only)


def fit(cells: Sequence[Row], width: int, *, color: bool = False) -> list[str]:
    """The table for a terminal ``width`` columns wide: no line is ever wider.

    From ``COMPACT_BELOW`` columns on, one line per bucket; what gives way, in
    order: the long reset date (``Thu 23 Jul 16:59`` -> ``Thu 16:59``), the
    bar (down to ``MIN_BAR`` cells), the label (cut with an ellipsis), then the
    detail's end. Narrower, each bucket takes two lines: label, bar and percent,
    then the short reset text. ``color`` paints bar and percent by :func:`band`
    (ANSI codes are not counted in the width).
    """
    if not cells:
        return []
    if width < COMPACT_BELOW:
        return _compact(cells, width, color)
    pw = max(len(row.percent) for row in cells)
    lw = max(len(row.label) for row in cells)
    details = [row.detail for row in cells]
    bw = BAR_WIDTH

    def total() -> int:
        return 2 + lw + 2 + bw + 2 + pw + 2 + max(len(d) for d in details)

    if total() > width:
        details = [row.short_detail or row.detail for row in cells]
    if total() > width:
        bw = max(MIN_BAR, bw - (total() - width))
    if total() > width:
        lw = max(MIN_LABEL, lw - (total() - width))
    room = width - (2 + lw + 2 + bw + 2 + pw + 2)
    lines = []
    for row, detail in zip(cells, details, strict=True):
        cells_text = _paint(f"{_rebar(row, bw)}  {row.percent:>{pw}}", row, color)
        line = f"  {clip(row.label, lw):<{lw}}  {cells_text}  {clip(detail, room)}"
        lines.append(line.rstrip())
    return lines


def _compact(cells: Sequence[Row], width: int, color: bool) -> list[str]:
    pw = max(len(row.percent) for row in cells)
    lw = min(max(len(row.label) for row in cells), max(1, width - pw - 2 - MIN_BAR))
    bw = max(0, min(BAR_WIDTH, width - lw - pw - 2))
    lines = []
    for row in cells:
        head = clip(row.label, lw).ljust(lw)
        shown = f"{_rebar(row, bw)} {row.percent:>{pw}}" if bw else f"{row.percent:>{pw}}"
        lines.append(clip(head, width - len(shown) - 1) + " " + _paint(shown, row, color))
        lines.append("  " + clip(row.short_detail or row.detail, width - 2))
    return lines
