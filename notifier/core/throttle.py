"""No spam: grouping, a per-hour cap and quiet hours, as one pure decision.

Pure: ``decide(pending, state, now, ...)`` returns what to send now and the next
:class:`ThrottleState`; no clock, no I/O. The state is plain data that lives in
memory for the agent's lifetime (``notify.Notifier`` keeps it): a restart forgets
the last hour's count, which at worst lets one more hour's cap through. Imports
only the pure core (models for the config shapes, messages for the summary).

Rules, in order:

1. Messages held earlier (over the cap, or deferred by quiet hours) go first,
   then this poll's messages. A message superseded by a later one for the same
   slots (a bucket's "at 90%" held, then its "limit reached" or its reset) is
   dropped: only the newest says what is true.
2. Quiet hours (local ``start``..``end``, may wrap midnight; ``start == end``
   means no quiet hours): ``defer`` holds everything until the span ends;
   ``silent`` delivers without sound.
3. At most ``max_per_hour`` notifications in any rolling hour. Over the cap,
   messages are held; the next allowed notification summarises them.
4. More than two messages (or more than the cap still allows) become one
   summary notification.
5. Critical messages (an expired login, a bucket at 100 % or more) are never
   held: when rule 2 (``defer``) or 3 would hold them they go out anyway (more
   than two as one critical summary), without sound in quiet hours, and count
   towards the cap. The others are held as usual.

The rolling hour counts only sends with ``0 <= now - sent_at < 1 h``: after the
clock is set back, sends "in the future" are forgotten instead of blocking
every notification until the clock catches up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta, tzinfo

from notifier.core.models import Config, QuietHours
from notifier.core.text.messages import Message, Urgency, summary_message

WINDOW = timedelta(hours=1)
GROUP_ABOVE = 2
"""A poll with more than this many messages sends one summary instead."""

MAX_HELD = 100
"""Held messages kept at most (the oldest are dropped); a summary shows only a few."""


@dataclass(frozen=True, slots=True)
class ThrottleState:
    """What the throttle remembers: recent send times and the messages it holds."""

    sent_at: tuple[datetime, ...] = ()
    held: tuple[Message, ...] = ()


def _clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def in_quiet_hours(quiet: QuietHours | None, now: datetime, tz: tzinfo | None = None) -> bool:
    """True when local ``now`` is in ``[start, end)``; a span may wrap past midnight."""
    if quiet is None:
        return False
    start, end = _clock(quiet.start), _clock(quiet.end)
    local = now.astimezone(tz).time().replace(second=0, microsecond=0, tzinfo=None)
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end


def _recent(sent_at: Sequence[datetime], now: datetime) -> tuple[datetime, ...]:
    # A send time after ``now`` means the clock went back: drop it, or it would
    # count against the cap (and never expire) until the clock caught up.
    return tuple(at for at in sent_at if timedelta(0) <= now - at < WINDOW)


def _is_critical(message: Message) -> bool:
    return message.urgency is Urgency.CRITICAL


def _trim(messages: Sequence[Message]) -> tuple[Message, ...]:
    """At most :data:`MAX_HELD` messages: every critical one, then the newest others."""
    if len(messages) <= MAX_HELD:
        return tuple(messages)
    critical = sum(map(_is_critical, messages))
    drop = len(messages) - max(MAX_HELD, critical)  # the oldest non-critical ones go
    kept: list[Message] = []
    for message in messages:
        if drop and not _is_critical(message):
            drop -= 1
            continue
        kept.append(message)
    return tuple(kept)


def _newest_per_slot(messages: Sequence[Message]) -> list[Message]:
    """Drop every message whose slots are all covered by a later message."""
    seen: set[str] = set()
    kept: list[Message] = []
    for message in reversed(messages):
        if message.slots and seen.issuperset(message.slots):
            continue
        seen.update(message.slots)
        kept.append(message)
    kept.reverse()
    return kept


def _grouped(messages: Sequence[Message], room: int) -> list[Message]:
    if len(messages) <= min(GROUP_ABOVE, room):
        return list(messages)
    return [summary_message(messages)]


def _silenced(messages: list[Message], quiet_now: bool) -> list[Message]:
    return [replace(message, sound=False) for message in messages] if quiet_now else messages


def decide(
    pending: Sequence[Message],
    state: ThrottleState,
    now: datetime,
    *,
    max_per_hour: int = 6,
    quiet: QuietHours | None = None,
    tz: tzinfo | None = None,
) -> tuple[list[Message], ThrottleState]:
    """What to send at ``now`` and the state after sending it.

    Call it every poll, even with nothing pending, so held messages go out as
    soon as the cap or the quiet hours allow.
    """
    recent = _recent(state.sent_at, now)
    candidates = _trim(_newest_per_slot((*state.held, *pending)))
    if not candidates:
        return [], ThrottleState(sent_at=recent)
    quiet_now = in_quiet_hours(quiet, now, tz)
    deferred = quiet_now and quiet is not None and quiet.mode == "defer"
    slots = max_per_hour - len(recent)
    if deferred or slots <= 0:
        # Held, except what must not wait: critical messages go out regardless.
        urgent = [message for message in candidates if _is_critical(message)]
        held = tuple(message for message in candidates if not _is_critical(message))
        to_send = _silenced(_grouped(urgent, GROUP_ABOVE), quiet_now)
        return to_send, ThrottleState(sent_at=recent + (now,) * len(to_send), held=held)
    to_send = _silenced(_grouped(candidates, slots), quiet_now)
    return to_send, ThrottleState(sent_at=recent + (now,) * len(to_send))


def decide_for(
    pending: Sequence[Message],
    state: ThrottleState,
    now: datetime,
    config: Config,
    tz: tzinfo | None = None,
) -> tuple[list[Message], ThrottleState]:
    """:func:`decide` with the cap and quiet hours taken from ``config``."""
    return decide(
        pending,
        state,
        now,
        max_per_hour=config.max_notifications_per_hour,
        quiet=config.quiet_hours,
        tz=tz,
    )
