"""Stale numbers: when to tell the user the agent has had no fresh usage numbers, and when to
tell them the numbers are fresh again.

Pure: no clock (``now`` is a parameter), no I/O. Imports only the core (models, schedule's
:class:`~notifier.core.schedule.Outcome`). The agent calls :func:`decide` after every poll
and at :func:`check_at` while it waits (a 429 with a long ``Retry-After`` would otherwise
leave the user believing numbers hours old), and keeps the one flag this needs, "told",
in its persisted state so a restart repeats nothing.

The rules:

- The numbers are *stale* once the last successful poll is at least
  ``stale_after_minutes`` old. Without any successful poll yet (a fresh install that
  cannot get through), the first failed poll stands in for it: "no numbers since then".
- One notification says so, and only after the polls have kept failing for
  :data:`FAILING_GRACE`: a laptop that slept all night has numbers that are hours old
  when it wakes, and its first poll often fails before the Wi-Fi is back. That is not
  worth a notification; ten minutes of failures after the wake are.
- Told once per stale spell: the flag stays set until a poll succeeds; that poll tells
  once more ("fresh again") and clears it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import Enum

from notifier.core.models import Config, Outcome

FAILING_GRACE = timedelta(minutes=10)
"""How long polls must have kept failing before stale numbers are worth a notification."""


class StaleNotice(Enum):
    """What to tell the user after a poll (or a check while waiting)."""

    NONE = "none"
    STALE = "stale"  # the numbers went stale: say since when and why
    FRESH = "fresh"  # fresh numbers are back after a stale notification


def stale_after(config: Config) -> timedelta:
    """The age from which numbers count as stale."""
    return timedelta(minutes=config.stale_after_minutes)


def check_at(
    last_success_at: datetime | None, failing_since: datetime | None, config: Config
) -> datetime | None:
    """The first moment a stale notification may be due; ``None`` while nothing fails.

    ``failing_since`` is the first failed poll after the last success (``None`` when the
    last poll succeeded); ``last_success_at`` is ``None`` before the first success.
    """
    if failing_since is None:
        return None
    reference = last_success_at if last_success_at is not None else failing_since
    return max(reference + stale_after(config), failing_since + FAILING_GRACE)


def decide(
    *,
    outcome: Outcome,
    last_success_at: datetime | None,
    failing_since: datetime | None,
    now: datetime,
    told: bool,
    config: Config,
) -> StaleNotice:
    """What to tell at ``now``, given the latest poll's ``outcome`` and the "told" flag.

    ``last_success_at`` and ``failing_since`` are as before that poll for a success
    (a success is what ends the stale spell), as after it otherwise.
    """
    if outcome is Outcome.OK:
        return StaleNotice.FRESH if told else StaleNotice.NONE
    if told:
        return StaleNotice.NONE
    due = check_at(last_success_at, failing_since, config)
    if due is None or now < due:
        return StaleNotice.NONE
    return StaleNotice.STALE
