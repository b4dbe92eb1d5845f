"""The passive source: when a statusline reading may stand in for a poll, and as what.

Pure: no clock, no disk (the agent passes ``now``, the spool document and its
memory). Claude Code hands its statusline command the 5-hour and 7-day
numbers it got with its last reply; ``claude-usage-notifier statusline`` leaves
them in a spool file (:mod:`notifier.spool`) and the agent asks :func:`choose`
at each poll deadline whether that reading can replace the request. Every
poll spared leaves more of the per-token budget the agent shares with Claude
Code.

A reading stands in for the poll only when all of these hold (else: poll):

- the endpoint was asked within :data:`ENDPOINT_FLOOR` (30 minutes): the
  reading has no per-model or extra-usage numbers, only the endpoint does,
  so those are never left older than that;
- it was taken less than a poll interval ago, and at most
  :data:`MAX_READING_AGE` (10 minutes) ago, and not in the future;
- it is newer than the last observation the rules saw (a poll or an earlier
  reading): the same reading is never used twice, and observations reach the
  rules in time order;
- each of its windows agrees with what the rules remember, because a reading
  can come from a Claude Code session that has not talked to the server for a
  while (several sessions share one spool, and the last writer wins). So a
  window whose utilization went *down* within the same window, whose
  ``resets_at`` moved back, or moved forward although the stored reset time
  is still ahead, makes the agent ask the endpoint instead. That is also
  how an early reset (a grant: usage drops, ``resets_at`` stays) is found:
  by the endpoint, which says so authoritatively, never by a reading that
  might merely be old. A window that rolled over (its stored reset time has
  passed and the new one is later) is accepted: that is a real reset;
- no window's stored reset time fell between the reading and now: a reading
  from before a reset cannot show it, and the poll the agent scheduled for
  just after the reset must go to the endpoint.

The observation made of a reading (:func:`observation`) holds only its
windows, under their endpoint names (``five_hour``, ``seven_day``), as
``{"utilization", "resets_at"}``. Every other bucket is absent from it, and
the rules skip absent buckets with their state kept (contract: "absence is
not a reset"). Its ``source`` is :data:`~notifier.core.models.STATUSLINE`, so
the pipeline runs no drift check on it: a two-window document is not a
payload, and comparing it with the schemas would report every other key as
removed.

Values: ``used_percentage`` comes with float noise (``14.000000000000002``);
it is rounded to :data:`PERCENT_DIGITS` decimals, which keeps every real
digit the endpoint sends. ``resets_at`` is epoch seconds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from notifier.core.models import STATUSLINE, BucketState, Observation, as_number
from notifier.core.values import JITTER

SPOOL_VERSION = 1
"""The ``version`` of the spool document this module reads (``notifier.spool`` writes it)."""

WINDOWS = ("five_hour", "seven_day")
"""The statusline's windows, named as the endpoint names them (and only these)."""

MAX_READING_AGE = timedelta(minutes=10)
ENDPOINT_FLOOR = timedelta(minutes=30)
# A reading "from the future" by more than this is a clock problem, not a reading.
FUTURE_SLACK = timedelta(seconds=60)
PERCENT_DIGITS = 6


@dataclass(frozen=True, slots=True)
class Window:
    """One window of a reading: percent used and, when known, the reset time."""

    utilization: float
    resets_at: datetime | None


@dataclass(frozen=True, slots=True)
class Reading:
    """One statusline reading: when the statusline command ran, and its windows."""

    read_at: datetime
    windows: Mapping[str, Window]


class Choice(StrEnum):
    """What the agent does at a poll deadline."""

    USE_READING = "use_reading"
    POLL = "poll"


@dataclass(frozen=True, slots=True)
class Decision:
    """The choice and, for the log, why."""

    choice: Choice
    why: str
    reading: Reading | None = None


def _epoch(value: object) -> datetime | None:
    number = as_number(value)
    if number is None:
        return None
    try:
        return datetime.fromtimestamp(number, UTC)
    except (OverflowError, OSError, ValueError):
        return None  # outside what a datetime can hold: no usable time


def parse_window(raw: object) -> Window | None:
    """``{"used_percentage", "resets_at"}`` from Claude Code, or None when unusable."""
    if not isinstance(raw, dict):
        return None
    used = as_number(raw.get("used_percentage"))
    if used is None:
        return None
    return Window(utilization=round(used, PERCENT_DIGITS), resets_at=_epoch(raw.get("resets_at")))


def parse_reading(document: object) -> Reading | None:
    """The spool document as a :class:`Reading`; None for anything unexpected.

    Lenient like every reader of ours: a window that cannot be used is left
    out, and a reading without any usable window is no reading.
    """
    if not isinstance(document, dict) or document.get("version") != SPOOL_VERSION:
        return None
    read_at = _epoch(document.get("read_at"))
    limits = document.get("rate_limits")
    if read_at is None or not isinstance(limits, dict):
        return None
    windows = {
        name: window for name in WINDOWS if (window := parse_window(limits.get(name))) is not None
    }
    return Reading(read_at=read_at, windows=windows) if windows else None


def _disagreement(
    name: str, window: Window, old: BucketState, at: datetime, now: datetime
) -> str | None:
    """Why this window of the reading cannot be trusted over the rules' memory, if it cannot."""
    prev, cur = old.resets_at, window.resets_at
    if prev is not None and at < prev <= now and (cur is None or cur <= prev + JITTER):
        return f"{name} reset after the reading was taken"
    if prev is not None and cur is not None:
        if cur < prev - JITTER:
            return f"{name} resets_at moved back (an old reading)"
        if cur > prev + JITTER:
            if at < prev - JITTER:
                return f"{name} resets_at moved ahead before the window ended"
            return None  # the window rolled over: a real reset, the rules will say so
    elif prev is not None and cur is None and at < prev:
        return f"{name} lost its resets_at before the window ended"
    last = old.last_utilization
    if last is not None and window.utilization < last:
        return f"{name} went down within its window (an old reading, or a grant)"
    return None


def choose(
    document: object,
    *,
    now: datetime,
    poll_interval: timedelta,
    last_poll_at: datetime | None,
    last_observed_at: datetime | None,
    buckets: Mapping[str, BucketState],
) -> Decision:
    """Use the spool's reading instead of polling now, or poll (see the module docstring).

    ``last_poll_at`` is the last time the endpoint was asked (whatever it
    answered); ``last_observed_at`` the time of the last observation the rules
    saw; ``buckets`` the rules' state.
    """
    if last_poll_at is None:
        return Decision(Choice.POLL, "the endpoint has not been asked yet")
    if now - last_poll_at >= ENDPOINT_FLOOR:
        return Decision(Choice.POLL, "the endpoint-only buckets are due")
    reading = parse_reading(document)
    if reading is None:
        return Decision(Choice.POLL, "no statusline reading")
    age = now - reading.read_at
    if age < -FUTURE_SLACK:
        return Decision(Choice.POLL, "the statusline reading is from the future")
    if age >= min(poll_interval, MAX_READING_AGE):
        return Decision(Choice.POLL, "the statusline reading is too old")
    if last_observed_at is not None and reading.read_at <= last_observed_at:
        return Decision(Choice.POLL, "the statusline reading is not newer than the last one")
    for name, window in reading.windows.items():
        old = buckets.get(name, BucketState())
        problem = _disagreement(name, window, old, reading.read_at, now)
        if problem is not None:
            return Decision(Choice.POLL, problem)
    return Decision(Choice.USE_READING, "a fresh statusline reading", reading)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def observation(reading: Reading) -> Observation:
    """The reading as an observation of its windows only, marked as not from the endpoint."""
    payload: dict[str, Any] = {
        name: {"utilization": window.utilization, "resets_at": _iso(window.resets_at)}
        for name, window in reading.windows.items()
    }
    return Observation(observed_at=reading.read_at, payload=payload, source=STATUSLINE)


def next_deadline(regular: datetime, last_poll_at: datetime | None) -> datetime:
    """After a reading stood in: the regular deadline, but never past the endpoint floor."""
    if last_poll_at is None:
        return regular
    return min(regular, last_poll_at + ENDPOINT_FLOOR)
