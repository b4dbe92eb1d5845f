"""The pace forecast: will a bucket hit 100 % well before it resets, at its recent pace?

Pure: no clock (every function takes the observation time or ``now``), no I/O.
The rule is the contract's "Pace forecast" section, step by step, per bucket
with a non-null ``resets_at``, after the threshold step:

- Window length ``L`` (:func:`window_length`): 5 h for a name starting
  ``five_hour``; 7 days for one starting ``seven_day`` or ``limit:weekly_scoped:``;
  otherwise, once a reset of the bucket has been seen, the largest
  ``resets_at - observed_at`` seen for it so far; before that, unknown (no forecast).
- Points: the (observed_at, utilization) pairs of the current window (a reset
  starts a new list) observed at or after ``observed_at - L / 5``, this one included.
- When utilization is at least ``forecast_min`` and below 100, there are at least
  3 points spanning at least ``L / 20``, and the least-squares slope ``r``
  (percent per hour) is positive, the projected cap is
  ``observed_at + (100 - utilization) / r``. Earlier than ``resets_at - L / 10``:
  one :class:`~notifier.core.events.CapProjected`, at most once per bucket per window.

Decisions the contract leaves open, taken here on purpose:

- Every observation with a known utilization adds a point, also one whose
  ``resets_at`` is null (it belongs to the current window); only the forecast
  itself needs a non-null ``resets_at``.
- Points are kept only while ``L`` is known: before the first reset of a bucket
  with a learned length there is nothing to forecast, and that reset would
  start a new list anyway.
- Only a bucket without a name default learns a length: one whose name gives ``L``
  keeps no longest span in its state.
- Points older than ``observed_at - L / 5`` are dropped as they age out, using the
  ``L`` of that moment. A learned ``L`` only grows, and within one window only
  when the server moves ``resets_at`` later without a reset, so at worst the
  list briefly holds less than ``L / 5``.
- The slope is computed afresh from the points (least squares in hours since
  the first point) when every other condition holds, never from sums kept
  between polls: a state saved and loaded gives bit-for-bit the same forecasts.

:class:`PaceTrack` is the mutable working copy the :class:`~notifier.core.pipeline.Pipeline`
keeps per bucket (appending to a deque costs nothing per poll); it converts to
and from the persisted :class:`~notifier.core.models.BucketState` fields.

The pace shown by ``status`` (:func:`pace_delta`) uses the same ``L``: the share of
the window elapsed is ``1 - (resets_at - now) / L``, and the delta is
``utilization - 100 * elapsed`` percentage points (positive: ahead of pace).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from notifier.core.buckets import SCOPED_PREFIX, Bucket
from notifier.core.values import JITTER, Point

if TYPE_CHECKING:
    from notifier.core.events import CapProjected
    from notifier.core.models import BucketState

CAP = 100.0
FIVE_HOURS = timedelta(hours=5)
SEVEN_DAYS = timedelta(days=7)
_HOUR = 3600.0
HORIZON_HOURS = 24.0 * 366
"""Caps projected further ahead than a year are not projected at all."""

ON_PACE_BAND = 5.0
"""``status`` calls a bucket "on pace" within this many percentage points of the pace line.

Five points is a quarter hour of a 5-hour window and about eight hours of a
week: closer than that, "ahead" or "behind" would flip with every poll.
"""


def default_window(name: str) -> timedelta | None:
    """The window length a bucket's name implies, else ``None`` (it must be learned)."""
    if name.startswith("five_hour"):
        return FIVE_HOURS
    if name.startswith(("seven_day", SCOPED_PREFIX)):
        return SEVEN_DAYS
    return None


def learned_length(longest_seconds: float | None, reset_seen: bool) -> timedelta | None:
    """``L`` of a bucket without a name default: the longest span, once a reset was seen.

    A span that is not positive (every ``resets_at`` seen was already past) is no length.
    """
    if reset_seen and longest_seconds is not None and longest_seconds > 0:
        return timedelta(seconds=longest_seconds)
    return None


def window_length(name: str, longest_seconds: float | None, reset_seen: bool) -> timedelta | None:
    """``L``: the name's default, else the longest span seen once a reset was seen."""
    default = default_window(name)
    if default is not None:
        return default
    return learned_length(longest_seconds, reset_seen)


def slope_per_hour(points: Sequence[Point]) -> float | None:
    """The least-squares slope of utilization over time, percent per hour (``None``: flat x).

    Both coordinates are taken relative to the first point, so a flat series has
    a slope of exactly 0 (nothing to round), and the sums stay small. One pass,
    no lists: it runs on every poll where a forecast is possible.
    """
    count = len(points)
    if count < 2:
        return None
    start, first = points[0]
    sx = sy = sxx = sxy = 0.0
    for at, utilization in points:
        x = (at - start).total_seconds() / _HOUR
        y = utilization - first
        sx += x
        sy += y
        sxx += x * x
        sxy += x * y
    spread = count * sxx - sx * sx
    if spread <= 0:
        return None
    return (count * sxy - sx * sy) / spread


@dataclass(frozen=True, slots=True)
class Projection:
    """Where the recent pace leads: the slope and, when it climbs, when it reaches 100 %."""

    rate_per_hour: float
    cap_at: datetime | None


def project(
    points: Sequence[Point], utilization: float, now: datetime, length: timedelta
) -> Projection | None:
    """The contract's projection from ``points`` (3 or more spanning ``L / 20``), else ``None``.

    ``cap_at`` is ``None`` when the slope is not positive, the bucket is already
    at 100 % or more (nothing left to project), or the cap lies further ahead than
    :data:`HORIZON_HOURS` (a crawl that would take years is no forecast, and no date).
    """
    if len(points) < 3 or points[-1][0] - points[0][0] < length / 20:
        return None
    rate = slope_per_hour(points)
    if rate is None:
        return None
    if rate <= 0 or utilization >= CAP:
        return Projection(rate, None)
    hours = (CAP - utilization) / rate
    if hours > HORIZON_HOURS:
        return Projection(rate, None)
    try:
        return Projection(rate, now + timedelta(hours=hours))
    except OverflowError:  # past year 9999: no date to give
        return Projection(rate, None)


def pace_delta(
    utilization: float, resets_at: datetime | None, now: datetime, length: timedelta | None
) -> float | None:
    """Percentage points ahead of (positive) or behind (negative) an even pace, or ``None``.

    ``length`` is positive (:func:`window_length` gives no other), and ``resets_at``
    is after ``now``, so the share elapsed is below 1; it is only clamped at 0, for a
    ``resets_at`` further ahead than one window.
    """
    if resets_at is None or length is None or resets_at <= now:
        return None  # no window, or it is over: these numbers are from before its reset
    elapsed = max(1 - (resets_at - now) / length, 0.0)
    return utilization - CAP * elapsed


def pace_words(delta: float) -> str:
    """``ahead of pace by 12 points`` / ``on pace`` / ``behind pace by 8 points``.

    Past the band the count is at least 5, so the word is always plural.
    """
    if abs(delta) <= ON_PACE_BAND:
        return "on pace"
    side = "ahead of" if delta > 0 else "behind"
    return f"{side} pace by {round(abs(delta))} points"


@dataclass(slots=True)
class PaceTrack:
    """One bucket's forecast memory, mutable while a pipeline runs."""

    points: deque[Point] = field(default_factory=deque)
    fired: bool = False
    longest_seconds: float | None = None
    reset_seen: bool = False
    fixed: tuple[timedelta, timedelta] | None = None
    """``(L, L / 5)`` when the bucket's name implies ``L`` (:func:`default_window`):
    the length and the age past which a point is dropped, computed once."""

    @classmethod
    def for_bucket(cls, name: str, state: BucketState | None = None) -> PaceTrack:
        """The working copy for bucket ``name``: from its persisted fields, or fresh."""
        default = default_window(name)
        fixed = (default, default / 5) if default is not None else None
        if state is None:
            return cls(fixed=fixed)
        return cls(
            points=deque(state.points),
            fired=state.forecast_fired,
            longest_seconds=state.longest_window_seconds,
            reset_seen=state.reset_seen,
            fixed=fixed,
        )

    def fields(self) -> dict[str, Any]:
        """The persisted :class:`BucketState` fields (for ``model_copy(update=...)``)."""
        return {
            "points": tuple(self.points),
            "forecast_fired": self.fired,
            "longest_window_seconds": self.longest_seconds,
            "reset_seen": self.reset_seen,
        }

    def length(self) -> timedelta | None:
        """``L`` as this track knows it (see :func:`window_length`)."""
        if self.fixed is not None:
            return self.fixed[0]
        return learned_length(self.longest_seconds, self.reset_seen)

    def observe(
        self,
        bucket: Bucket,
        observed_at: datetime,
        reset: bool,
        forecast_min: float,
        emit: Callable[[CapProjected], object],
    ) -> None:
        """Take one observation of ``bucket`` (``reset``: the rules saw one just now).

        Hands at most one :class:`CapProjected` to ``emit``; its ``notify``
        follows the alias rule.
        """
        name = bucket.name
        resets_at = bucket.resets_at
        points = self.points
        if reset:
            points.clear()
            self.fired = False
            self.reset_seen = True
        if self.fixed is not None:
            length, fifth = self.fixed
        else:  # learned: keep the longest span, forecast once a reset was seen
            if resets_at is not None:
                span = (resets_at - observed_at).total_seconds()
                longest = self.longest_seconds
                self.longest_seconds = span if longest is None else max(longest, span)
            learned = learned_length(self.longest_seconds, self.reset_seen)
            if learned is None:
                return
            length, fifth = learned, learned / 5
        utilization = bucket.utilization
        points.append((observed_at, utilization))
        horizon = observed_at - fifth
        while points[0][0] < horizon:
            points.popleft()
        # At 100 % or more project() gives no date: nothing left to forecast.
        if self.fired or resets_at is None or utilization < forecast_min or len(points) < 3:
            return
        projection = project(points, utilization, observed_at, length)
        if projection is None or projection.cap_at is None:
            return
        if projection.cap_at < resets_at - length / 10:
            # Imported here, on the rare emit: `status` reads paces and never builds events,
            # and the events module is a noticeable part of its start-up (issue 18).
            from notifier.core.events import CapProjected

            self.fired = True
            emit(
                CapProjected(
                    bucket=name,
                    utilization=utilization,
                    rate_per_hour=projection.rate_per_hour,
                    projected_cap_at=projection.cap_at,
                    resets_at=resets_at,
                    observed_at=observed_at,
                    notify=bucket.alias_of is None,
                )
            )


class PaceMemory(Protocol):
    """What :func:`pace_of` reads of a bucket's persisted memory.

    :class:`~notifier.core.models.BucketState` has it, and so has the pydantic-free
    :class:`~notifier.core.stateview.BucketView` that ``status`` reads the agent's
    state with (start-up time).
    """

    @property
    def resets_at(self) -> datetime | None: ...  # noqa: D102 (the BucketState field)
    @property
    def points(self) -> Sequence[Point]: ...  # noqa: D102
    @property
    def longest_window_seconds(self) -> float | None: ...  # noqa: D102
    @property
    def reset_seen(self) -> bool: ...  # noqa: D102


@dataclass(frozen=True, slots=True)
class Pace:
    """What ``status`` shows about a bucket's pace now (every part ``None`` when unknown)."""

    length: timedelta | None
    delta: float | None
    """Percentage points ahead of (positive) or behind an even pace."""
    rate_per_hour: float | None
    cap_at: datetime | None
    """When 100 % comes at the recent rate; ``None`` when it does not climb."""


def pace_of(bucket: Bucket, state: PaceMemory | None, now: datetime) -> Pace:
    """The pace of ``bucket`` read at ``now``, with the agent's persisted points if any.

    The stored points count only while they belong to this window (the stored
    ``resets_at`` within the rules' minute of the bucket's); the reading itself is
    the newest point. Then the contract's conditions (3 points spanning ``L / 20``)
    decide whether there is a rate at all.
    """
    if state is None:
        length = default_window(bucket.name)
    else:
        length = window_length(bucket.name, state.longest_window_seconds, state.reset_seen)
    delta = pace_delta(bucket.utilization, bucket.resets_at, now, length)
    if (
        length is None
        or state is None
        or state.resets_at is None
        or bucket.resets_at is None
        or abs(state.resets_at - bucket.resets_at) > JITTER
    ):
        return Pace(length, delta, None, None)
    horizon = now - length / 5
    points = [point for point in state.points if horizon <= point[0] < now]
    points.append((now, bucket.utilization))
    projection = project(points, bucket.utilization, now, length)
    if projection is None:
        return Pace(length, delta, None, None)
    return Pace(length, delta, projection.rate_per_hour, projection.cap_at)
