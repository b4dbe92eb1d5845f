"""Bucket discovery: which parts of a raw payload are usage buckets, named how.

Pure. The rule is structural (see the contract, "Buckets"), never a list of
known names: a bucket the server adds tomorrow is watched at once. Labels for
people live in ``labels``; nothing here depends on them.

- Every top-level object with a numeric ``utilization`` is a bucket named by its key.
- Every ``limits[]`` entry with a numeric ``percent`` is a bucket named
  ``limit:<kind>:<slug>``, whatever its kind (a kind the server adds tomorrow
  included), except ``session`` and ``weekly_all``: they mirror ``five_hour`` and
  ``seven_day``.
- Alias rule: a ``limit:`` bucket that carries the same numbers as a top-level
  window whose key ends with ``_<slug>`` (``limit:weekly_scoped:opus`` and
  ``seven_day_opus``) is the same limit under two names. Discovery marks it
  (:attr:`Bucket.alias_of`); the rules then keep its events silent, and
  ``status`` shows the pair. "Same numbers" is the same utilization and the same
  ``resets_at``, where "same" for a reset time means within the rules' one-minute
  jitter (the server's sub-second part differs even between two fields of one
  payload), and two missing reset times are the same.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any, NamedTuple

from notifier.core.values import JITTER, as_number, timestamp_reading

LIMIT_PREFIX = "limit:"
SCOPED_KIND = "weekly_scoped"
SCOPED_PREFIX = f"{LIMIT_PREFIX}{SCOPED_KIND}:"
MIRROR_KINDS = frozenset({"session", "weekly_all"})
"""``limits[]`` kinds that repeat ``five_hour`` / ``seven_day`` and are no bucket of their own."""


_NOT_SLUG = re.compile(r"[^a-z0-9]+")


class BucketSource(Enum):
    """Where in the payload a bucket was found."""

    WINDOW = "window"  # a top-level object with a numeric ``utilization``
    LIMIT = "limit"  # a ``limits`` entry (any kind but the two mirrors)


@dataclass(frozen=True, slots=True)
class Money:
    """Extra usage in minor units (cents) with its currency, for display only."""

    used_minor: float | None
    limit_minor: float | None
    currency: str | None
    exponent: int = 2


class Bucket(NamedTuple):
    """One usage bucket in one observation. ``utilization`` is a percent, never rescaled.

    ``alias_of`` names the top-level window this ``limit:`` bucket duplicates in
    this observation (the alias rule), else ``None``.

    A named tuple rather than a frozen dataclass: just as immutable, and built
    four times faster (discovery builds several per observation, and replay
    feeds tens of thousands of observations a second).
    """

    name: str
    utilization: float
    resets_at: datetime | None
    source: BucketSource = BucketSource.WINDOW
    money: Money | None = None
    alias_of: str | None = None


def slug(display_name: object) -> str:
    """``scope.model.display_name`` as a bucket-name slug, ``unscoped`` when absent."""
    if not isinstance(display_name, str):
        return "unscoped"
    return _slug_text(display_name)


@functools.lru_cache(maxsize=1024)
def _slug_text(display_name: str) -> str:
    # Remembered: the same few model names come back in every poll.
    cleaned = _NOT_SLUG.sub("_", display_name.lower())
    return cleaned or "unscoped"


def extra_usage_money(window: dict[str, Any]) -> Money:
    """The money of an ``extra_usage`` block (minor units, its currency and exponent)."""
    places = window.get("decimal_places")
    return Money(
        used_minor=as_number(window.get("used_credits")),
        limit_minor=as_number(window.get("monthly_limit")),
        currency=window.get("currency") if isinstance(window.get("currency"), str) else None,
        exponent=places if isinstance(places, int) and not isinstance(places, bool) else 2,
    )


def _limit(entry: object) -> Bucket | None:
    """The bucket of one ``limits[]`` entry, or ``None`` (a mirror, no kind, no percent)."""
    if not isinstance(entry, dict):
        return None
    kind = entry.get("kind")
    if not isinstance(kind, str) or not kind or kind in MIRROR_KINDS:
        return None
    percent = as_number(entry.get("percent"))
    if percent is None:
        return None
    resets_at, unrepresentable = timestamp_reading(entry.get("resets_at"))
    if unrepresentable:
        return None
    scope = entry.get("scope")
    model = scope.get("model") if isinstance(scope, dict) else None
    name = model.get("display_name") if isinstance(model, dict) else None
    return Bucket(
        _limit_name(kind, name if isinstance(name, str) else None),
        percent,
        resets_at,
        BucketSource.LIMIT,
    )


@functools.lru_cache(maxsize=1024)
def _limit_name(kind: str, display_name: str | None) -> str:
    # Remembered, like the slug: the same few limits come back in every poll.
    return f"{LIMIT_PREFIX}{kind}:{slug(display_name)}"


def limit_slug(name: str) -> str:
    """The ``<slug>`` of ``limit:<kind>:<slug>`` (the part after the last colon)."""
    return name.rpartition(":")[2]


def _same_reset(a: datetime | None, b: datetime | None) -> bool:
    if a is None or b is None:
        return a is b
    return abs(a - b) <= JITTER  # two reset times this close are the same


class _Windows:
    """The windows indexed by the ``_<slug>`` suffixes the limits ask for (linear cost).

    Scanning every window for every limit made a payload with 30,000 of each take
    a minute; the index holds, per wanted suffix and utilization, the windows in
    payload order, so a limit looks at the few that can be its alias.
    """

    def __init__(self, windows: list[Bucket], suffixes: set[str]) -> None:
        lengths = sorted({len(suffix) for suffix in suffixes})
        self._groups: dict[tuple[str, float], list[Bucket]] = {}
        for window in windows:
            name = window.name
            for length in lengths:
                if length > len(name):
                    break
                tail = name[-length:]
                if tail in suffixes:
                    self._groups.setdefault((tail, window.utilization), []).append(window)

    def alias(self, bucket: Bucket) -> str | None:
        """The first window that carries ``bucket``'s numbers under a name ending ``_<slug>``."""
        group = self._groups.get(("_" + limit_slug(bucket.name), bucket.utilization), ())
        for window in group:
            if _same_reset(window.resets_at, bucket.resets_at):
                return window.name
        return None


_SCAN_PAIRS = 16
"""Up to this many (window, limit) pairs, a limit's alias is found by scanning the windows
(a real payload has a handful of each); past it, through the index of :class:`_Windows`."""


def _scan(bucket: Bucket, windows: list[Bucket]) -> str | None:
    """:meth:`_Windows.alias` by looking at every window, in payload order."""
    suffix = "_" + limit_slug(bucket.name)
    utilization = bucket.utilization
    for window in windows:
        if (
            window.utilization == utilization
            and window.name.endswith(suffix)
            and _same_reset(window.resets_at, bucket.resets_at)
        ):
            return window.name
    return None


def discover(payload: dict[str, Any]) -> list[Bucket]:
    """Every bucket of ``payload``, in payload order (windows first, then ``limits``).

    A window whose ``utilization`` is missing or not a number (a number too large
    for a float included), or whose ``resets_at`` is out of range once its offset
    is applied, is not a bucket in this observation; the rules then keep its
    state untouched. Two limits that name the same bucket keep the first, so a
    name is never reported twice.
    """
    found: list[Bucket] = []
    for key, value in payload.items():
        if not isinstance(value, dict):
            continue
        utilization = as_number(value.get("utilization"))
        if utilization is None:
            continue
        resets_at, unrepresentable = timestamp_reading(value.get("resets_at"))
        if unrepresentable:
            continue
        found.append(
            Bucket(
                name=key,
                utilization=utilization,
                resets_at=resets_at,
                money=extra_usage_money(value) if key == "extra_usage" else None,
            )
        )
    limits = payload.get("limits")
    if isinstance(limits, list) and limits:
        seen = {bucket.name for bucket in found}
        fresh: list[Bucket] = []
        for entry in limits:
            bucket = _limit(entry)
            if bucket is None or bucket.name in seen:
                continue
            seen.add(bucket.name)
            fresh.append(bucket)
        if len(found) * len(fresh) <= _SCAN_PAIRS:
            windows: _Windows | list[Bucket] = list(found)  # a few: scanning them is cheaper
        else:
            windows = _Windows(found, {"_" + limit_slug(bucket.name) for bucket in fresh})
        for bucket in fresh:
            alias = _scan(bucket, windows) if isinstance(windows, list) else windows.alias(bucket)
            found.append(bucket if alias is None else bucket._replace(alias_of=alias))
    return found
