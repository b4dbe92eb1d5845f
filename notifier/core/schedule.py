"""When to poll next: the interval, the backoff ladders, ``Retry-After``, clock jumps.

Pure: no clock, no sleep, no I/O. Every function takes ``now`` (an aware
datetime) and, where randomness is involved, the jitter source ``rng`` as a
parameter, so tests are deterministic without a global testing switch.
``agent.py`` asks these functions for a deadline and is the one module that
sleeps until it. Imports only the core (``models``).

The rules (all bases come from :class:`~notifier.core.models.Config`):

- ``ok`` and ``login_required``: the poll interval plus a jitter of up to
  ``poll_jitter_seconds`` (never more than a tenth of the interval, so a
  compressed test interval is not swamped by the default jitter). A login
  problem is no reason to poll faster or slower: the credentials are re-read
  on every poll, so a fresh ``claude`` login is picked up at the next one.
- ``rate_limited`` (429): ``max(Retry-After, ladder)`` where the ladder is
  ``rate_limit_backoff_seconds * 2**(failures-1)`` capped at
  ``rate_limit_backoff_max_seconds`` (60 s, 120 s, ... 30 min by default).
  ``Retry-After: 0`` therefore still waits the ladder. A ``Retry-After`` larger
  than the ladder is honoured up to :data:`MAX_RETRY_AFTER`.
- ``unreachable``, ``server_error``, ``bad_response`` (DNS, refused, reset,
  timeout, 5xx, captive portal) and ``keychain_locked`` (macOS: the login
  keychain is locked or refused access, so each read may bring up a dialog):
  ``error_backoff_seconds * 2**(failures-1)`` capped at
  ``error_backoff_max_seconds`` (15 min by default).
- After an ``ok`` poll, the nearest expected reset of a bucket whose reset would be
  notified gets one extra poll just after it (:func:`reset_poll`), so the reset
  notification comes when the wall lifts, not up to an interval later; once per reset.
- Backoff waits get a jitter of up to a tenth of the wait (bounded by
  ``poll_jitter_seconds``), added, never subtracted: we never come back sooner
  than the server or the ladder asked.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Protocol

from notifier.core.models import BucketState, Config, Outcome

# A Retry-After beyond this is a broken header, not advice.
MAX_RETRY_AFTER = timedelta(hours=6)
# After the laptop wakes, give Wi-Fi a moment before polling.
WAKE_SETTLE = timedelta(seconds=10)
# Wall clock and monotonic clock disagreeing by more than this is a jump (sleep/wake
# or a clock change), not scheduling noise.
JUMP_THRESHOLD = timedelta(seconds=30)


_ERROR_OUTCOMES = frozenset(
    {Outcome.UNREACHABLE, Outcome.SERVER_ERROR, Outcome.BAD_RESPONSE, Outcome.KEYCHAIN_LOCKED}
)


class Jitter(Protocol):
    """The part of :class:`random.Random` we use: a uniform draw in ``[a, b]``."""

    def uniform(self, a: float, b: float) -> float:
        """A number between ``a`` and ``b``."""
        ...


def _ladder(base: float, cap: float, failures: int) -> float:
    # 2**n overflows float long before the cap matters; clamp the exponent first.
    exponent = min(max(failures, 1) - 1, 62)
    return min(base * 2.0**exponent, cap)


def interval_jitter_bound(config: Config) -> float:
    """The largest jitter added to a regular poll, in seconds."""
    return min(config.poll_jitter_seconds, config.poll_interval_seconds / 10)


def backoff_seconds(
    outcome: Outcome, failures: int, retry_after: float | None, config: Config
) -> float:
    """The wait before the next poll, jitter excluded. ``failures`` counts this one."""
    if outcome is Outcome.RATE_LIMITED:
        ladder = _ladder(
            config.rate_limit_backoff_seconds, config.rate_limit_backoff_max_seconds, failures
        )
        hint = 0.0 if retry_after is None or retry_after < 0 else retry_after
        return max(min(hint, MAX_RETRY_AFTER.total_seconds()), ladder)
    if outcome in _ERROR_OUTCOMES:
        return _ladder(config.error_backoff_seconds, config.error_backoff_max_seconds, failures)
    return config.poll_interval_seconds


def next_poll(
    outcome: Outcome,
    failures: int,
    retry_after: float | None,
    now: datetime,
    config: Config,
    rng: Jitter,
) -> datetime:
    """The time of the next poll after a poll that ended with ``outcome`` at ``now``.

    ``failures`` is the number of consecutive failed polls including this one
    (ignored for ``ok``); ``retry_after`` is the 429's header in seconds, if any.
    """
    wait = backoff_seconds(outcome, failures, retry_after, config)
    if outcome.is_backoff:
        bound = min(config.poll_jitter_seconds, wait / 10)
    else:
        bound = interval_jitter_bound(config)
    jitter = rng.uniform(0.0, bound) if bound > 0 else 0.0
    return now + timedelta(seconds=wait + max(jitter, 0.0))


def horizon(config: Config) -> timedelta:
    """The furthest ahead any deadline this module hands out can lie."""
    longest = max(
        config.poll_interval_seconds + config.poll_jitter_seconds,
        config.rate_limit_backoff_max_seconds * 1.1,
        config.error_backoff_max_seconds * 1.1,
    )
    return max(timedelta(seconds=longest), MAX_RETRY_AFTER * 1.1)


def resume_deadline(stored: datetime | None, now: datetime, config: Config) -> datetime:
    """When the first poll after a start may happen, given the persisted backoff deadline.

    A deadline in the past (or none) means "now". One further ahead than
    :func:`horizon` can only come from a clock that was set back; it is clamped
    so a wrong clock cannot silence the agent for days.
    """
    if stored is None or stored <= now:
        return now
    return min(stored, now + horizon(config))


def wake_settle(config: Config) -> timedelta:
    """The pause after a wake before polling: short, and never longer than the interval."""
    return min(WAKE_SETTLE, timedelta(seconds=config.poll_interval_seconds))


def after_jump(deadline: datetime, now: datetime, jump: timedelta, config: Config) -> datetime:
    """Move ``deadline`` after the wall clock jumped by ``jump`` relative to real time.

    A forward jump (the machine slept, or the clock was set ahead) that left the
    deadline in the past means one poll soon after the wake, not one per missed
    interval; a deadline still ahead (a backoff the server asked for) stands.
    A backward jump (the clock was set back) shifts the deadline by the same
    amount so the wait does not silently grow.
    """
    if jump < timedelta(0):
        deadline = deadline + jump
    if deadline <= now + wake_settle(config):
        return now + wake_settle(config)
    return min(deadline, now + horizon(config))


def is_jump(wall_elapsed: timedelta, monotonic_elapsed: timedelta) -> bool:
    """True when wall time and real (monotonic) time disagree by more than the threshold."""
    return abs(wall_elapsed - monotonic_elapsed) > JUMP_THRESHOLD


def default_rng(seed: int | None = None) -> random.Random:
    """A jitter source (not for security: it only spreads polls); seeded in tests."""
    return random.Random(seed)  # noqa: S311 - spreading polls needs no cryptographic randomness


# --------------------------------------------------------------------------- reset polls

RESET_MARGIN = timedelta(seconds=30)
"""How long after an expected ``resets_at`` the extra poll comes: the server needs a
moment to open the new window, and the rules take a reset seen up to 60 s early anyway."""


def notifying_resets(buckets: Mapping[str, BucketState], config: Config) -> list[datetime]:
    """The stored ``resets_at`` of the buckets whose reset would be notified.

    An extra poll for a reset nobody hears about spends the polite budget for
    nothing: with ``reset_notifications = "crossed"`` only buckets that fired a
    threshold in their window count, with ``"never"`` none, disabled buckets never.
    """
    if config.reset_notifications == "never":
        return []
    return [
        state.resets_at
        for name, state in buckets.items()
        if state.resets_at is not None
        and config.is_enabled(name)
        and (config.reset_notifications == "always" or state.crossed_in_window)
    ]


def reset_poll(
    deadline: datetime,
    now: datetime,
    resets: Iterable[datetime],
    polled: Iterable[datetime],
) -> tuple[datetime, tuple[datetime, ...]]:
    """The next poll moved to just after the nearest expected reset, once per reset.

    ``deadline`` is the regular next poll (:func:`next_poll` after an ``ok`` poll at
    ``now``); ``resets`` the expected ``resets_at`` of the buckets that matter
    (:func:`notifying_resets`); ``polled`` the resets that already got their extra
    poll. Returns the deadline to use and the resets to remember: the nearest reset
    still ahead of ``now`` gets a poll at ``reset +`` :data:`RESET_MARGIN` when that
    comes before ``deadline`` and it has not had one. Never later than ``deadline``,
    never earlier than the reset, never twice for one reset (a restart or a wake that
    polls in between included, as long as the caller keeps what this returns): at most
    one poll more per reset than the interval alone would make.

    Every reset that got its poll is remembered until it is no longer ahead of
    ``now`` (then it can never be the nearest again), not only the last one: two
    buckets' resets can take turns being the nearest. Call it only after an ``ok``
    poll; a backoff deadline is the server's (or the ladder's) and is never shortened.
    """
    remembered = tuple(sorted({reset for reset in polled if reset > now}))
    ahead = [reset for reset in resets if reset > now and reset not in remembered]
    if not ahead:
        return deadline, remembered
    nearest = min(ahead)
    target = nearest + RESET_MARGIN
    if target >= deadline:
        return deadline, remembered
    return target, tuple(sorted((*remembered, nearest)))
