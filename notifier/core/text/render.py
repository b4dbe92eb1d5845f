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


def clock_time(when: datetime, now: datetime, tz: tzinfo | None = None) -> str:
    """``14:05`` for a moment on today's local date, else :func:`local_time`'s form."""
    local = when.astimezone(tz)
    if local.date() == now.astimezone(tz).date():
        return local.strftime("%H:%M")
    return local_time(when, now, tz)


def local_time(when: datetime, now: datetime, tz: tzinfo | None = None) -> str:
    """``when`` in local time: ``Thu 23 Jul 16:59``; the year is added when it differs."""
    local = when.astimezone(tz)
    current = now.astimezone(tz)
    pattern = "%a %d %b %H:%M" if local.year == current.year else "%a %d %b %Y %H:%M"
    return local.strftime(pattern)


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


def reset_text(bucket: Bucket, now: datetime, tz: tzinfo | None = None) -> str:
    """``resets Thu 23 Jul 16:59 (in 4d 13h)``, money for extra usage, or no reset."""
    if bucket.resets_at is not None:
        return (
            f"resets {local_time(bucket.resets_at, now, tz)} ({countdown(bucket.resets_at - now)})"
        )
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


def rows(
    buckets: Sequence[Bucket],
    now: datetime,
    tz: tzinfo | None = None,
    *,
    muted: frozenset[str] = frozenset(),
    ascii_only: bool = False,
) -> list[Row]:
    """Cells for each bucket in the order given; ``muted`` buckets are marked."""
    return [
        Row(
            label=label(b.name) + (" (muted)" if b.name in muted else ""),
            bar=bar(b.utilization, ascii_only=ascii_only),
            percent=percent(b.utilization),
            detail=reset_text(b, now, tz),
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
