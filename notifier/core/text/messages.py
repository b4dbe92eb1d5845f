"""Notification texts: events (plus the buckets of the same observation) -> messages.

Pure: no clock (``now`` is a parameter), no I/O, no desktop-notifier. The local
time zone is a parameter too (``tz=None`` means the machine's zone, resolved by
``datetime.astimezone``), so tests pin it. Delivery lives in ``notify``, rate
limiting and quiet hours in ``throttle``; this module only decides what a person
reads. Imports only the pure core (events, buckets, labels, render). Percent,
countdown and local time come from :mod:`notifier.core.text.render`, so a notification
says "92.4%" and "in 2d 4h" exactly as ``status`` does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, tzinfo
from enum import Enum

from notifier.core import PROGRAM
from notifier.core.buckets import Bucket
from notifier.core.events import (
    ID_LENGTH,
    BucketReset,
    ChangeKind,
    DriftDetected,
    Event,
    ThresholdCrossed,
)
from notifier.core.models import Outcome
from notifier.core.text.labels import label
from notifier.core.text.render import clock_time, countdown, duration, local_time, percent

USAGE_URL = "https://claude.ai/settings/usage"
"""Where a click on a usage notification leads."""

CRITICAL_AT = 100.0
"""At or above this percent a usage notification is critical; below it, normal."""

"""``drift show <id>`` takes the first 12 hex characters of the variant fingerprint."""

COMMAND = PROGRAM
_SUMMARY_LINES = 5


class Urgency(Enum):
    """How loudly a message asks for attention (our own enum, not desktop-notifier's)."""

    NORMAL = "normal"
    CRITICAL = "critical"


class MessageKind(Enum):
    """What a message is about (for logs, tests and the demo)."""

    THRESHOLD = "threshold"
    RESET = "reset"
    DRIFT = "drift"
    LOGIN = "login"
    SUMMARY = "summary"
    TEST = "test"
    STALE = "stale"
    FRESH = "fresh"


@dataclass(frozen=True, slots=True)
class Message:
    """One notification as a person will read it. ``sound=False`` in silent quiet hours.

    ``numbers_at`` is when the usage numbers it shows were observed (``None`` for a
    message without numbers): a message delivered later than that by more than a
    poll interval (held by the throttle, retried) says how old they are
    (:func:`with_age`).
    """

    title: str
    body: str
    urgency: Urgency
    open_url: str | None
    kind: MessageKind
    sound: bool = True
    # Not part of equality: two messages with the same words are the same message.
    numbers_at: datetime | None = field(default=None, compare=False)


def _urgency(utilization: float) -> Urgency:
    # Normal below 100 (90..99 included, as the issue says), critical at 100 or more.
    return Urgency.CRITICAL if utilization >= CRITICAL_AT else Urgency.NORMAL


def _find(buckets: Sequence[Bucket], name: str) -> Bucket | None:
    return next((bucket for bucket in buckets if bucket.name == name), None)


def _next_closest(buckets: Sequence[Bucket], name: str) -> Bucket | None:
    others = [bucket for bucket in buckets if bucket.name != name]
    return max(others, key=lambda bucket: bucket.utilization, default=None)


def _when(resets_at: datetime | None, now: datetime, tz: tzinfo | None) -> str | None:
    if resets_at is None:
        return None
    return f"{local_time(resets_at, now, tz)} ({countdown(resets_at - now)})"


# --------------------------------------------------------------------------- per event


def threshold_message(
    event: ThresholdCrossed, buckets: Sequence[Bucket], now: datetime, tz: tzinfo | None = None
) -> Message:
    """``Claude 7-day Opus at 90%``: exact percent, reset time, next closest bucket."""
    name = label(event.bucket)
    current = _find(buckets, event.bucket)
    resets_at = event.resets_at or (current.resets_at if current else None)
    lines = [f"{name} is at {percent(event.utilization)} of its limit."]
    when = _when(resets_at, now, tz)
    if when:
        lines.append(f"Resets {when}.")
    other = _next_closest(buckets, event.bucket)
    if other is not None:
        lines.append(f"Next closest: {label(other.name)} at {percent(other.utilization)}.")
    return Message(
        title=f"Claude {name} at {percent(event.threshold)}",
        body="\n".join(lines),
        urgency=_urgency(event.utilization),
        open_url=USAGE_URL,
        kind=MessageKind.THRESHOLD,
        numbers_at=event.observed_at,
    )


def reset_message(
    event: BucketReset, buckets: Sequence[Bucket], now: datetime, tz: tzinfo | None = None
) -> Message:
    """``Claude 7-day Opus has reset``: the new percent, the old one, the next reset."""
    name = label(event.bucket)
    first = f"Now at {percent(event.utilization)}"
    if event.previous_utilization is not None:
        first += f" (was {percent(event.previous_utilization)})"
    lines = [first + "."]
    current = _find(buckets, event.bucket)
    when = _when(current.resets_at if current else None, now, tz)
    if when:
        lines.append(f"Next reset {when}.")
    return Message(
        title=f"Claude {name} has reset",
        body="\n".join(lines),
        urgency=Urgency.NORMAL,
        open_url=USAGE_URL,
        kind=MessageKind.RESET,
        numbers_at=event.observed_at,
    )


def _is_top_level(path: str) -> bool:
    return "." not in path and "[" not in path


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _names(names: Sequence[str]) -> str:
    shown = ", ".join(names[:3])
    return shown if len(names) <= 3 else f"{shown} and {len(names) - 3} more"


def drift_message(event: DriftDetected) -> Message:
    """``Usage data changed: new bucket X`` (or ``N changes``) with the ``drift show`` hint.

    A new bucket is an ``added`` top-level key of type object; a bucket that came
    alive is a top-level ``type_changed`` from null to object; without either, a
    ``value_added`` at ``limits[].kind`` names the new limit kind. Everything else is
    counted. The id in the hint is the first 12 hex characters of the fingerprint.
    """
    added: list[str] = []
    alive: list[str] = []
    for change in event.changes:
        if not _is_top_level(change.path):
            continue
        if change.change is ChangeKind.ADDED and change.type == "object":
            added.append(change.path)
        elif (
            change.change is ChangeKind.TYPE_CHANGED
            and change.old_type == "null"
            and change.new_type == "object"
        ):
            alive.append(change.path)
    found = added + alive
    if len(found) == 1 and added:
        title = f"Usage data changed: new bucket {added[0]}"
    elif len(found) == 1:
        title = f"Usage data changed: bucket {alive[0]} now reports usage"
    elif found:
        title = f"Usage data changed: new buckets {_names(found)}"
    elif kinds := [
        c.value
        for c in event.changes
        if c.change is ChangeKind.VALUE_ADDED and c.path == "limits[].kind" and c.value
    ]:
        # A limit of a new kind: the watcher treats it as a bucket at once (issue 17).
        title = f"Usage data changed: new limit kind {_names(kinds)}"
    else:
        title = f"Usage data changed: {_plural(len(event.changes), 'change')}"
    lines = []
    if found:
        others = len(event.changes) - len(found)
        if others:
            lines.append(f"Also {_plural(others, 'other change')}.")
        lines.append("New buckets are watched with the default thresholds.")
    variant = event.fingerprint[:ID_LENGTH]
    # Without a fingerprint there is no id to show; the list is the next best hint.
    hint = f"drift show {variant}" if variant else "drift list"
    lines.append(f"Details: run `{COMMAND} {hint}`")
    return Message(
        title=title,
        body="\n".join(lines),
        urgency=Urgency.NORMAL,
        open_url=None,
        kind=MessageKind.DRIFT,
    )


def event_message(
    event: Event, buckets: Sequence[Bucket], now: datetime, tz: tzinfo | None = None
) -> Message:
    """The message for one event, whatever its kind."""
    if isinstance(event, ThresholdCrossed):
        return threshold_message(event, buckets, now, tz)
    if isinstance(event, DriftDetected):
        return drift_message(event)
    return reset_message(event, buckets, now, tz)


def event_messages(
    events: Sequence[Event], buckets: Sequence[Bucket], now: datetime, tz: tzinfo | None = None
) -> list[Message]:
    """Messages for the events that want one (``notify=False`` events are skipped)."""
    return [event_message(event, buckets, now, tz) for event in events if event.notify]


# --------------------------------------------------------------------------- others


def login_message(detail: str = "") -> Message:
    """One critical message naming the fix; ``detail`` is the agent's reason, if any."""
    body = "Run `claude` and log in. Usage checks resume on their own."
    if detail.strip():
        body += f"\n({detail.strip()})"
    return Message(
        title="Claude login expired",
        body=body,
        urgency=Urgency.CRITICAL,
        open_url=None,
        kind=MessageKind.LOGIN,
    )


def summary_message(messages: Sequence[Message]) -> Message:
    """Many messages as one: their titles as lines, the highest urgency, one click target."""
    lines = [f"• {message.title}" for message in messages[:_SUMMARY_LINES]]
    if len(messages) > _SUMMARY_LINES:
        lines.append(f"• and {len(messages) - _SUMMARY_LINES} more")
    critical = any(message.urgency is Urgency.CRITICAL for message in messages)
    url = next((message.open_url for message in messages if message.open_url), None)
    observed = [message.numbers_at for message in messages if message.numbers_at is not None]
    return Message(
        title=f"Claude usage: {len(messages)} updates",
        body="\n".join(lines),
        urgency=Urgency.CRITICAL if critical else Urgency.NORMAL,
        open_url=url,
        kind=MessageKind.SUMMARY,
        sound=all(message.sound for message in messages),
        numbers_at=min(observed, default=None),  # the oldest numbers set the age shown
    )


def sample_message() -> Message:
    """The sample ``notify --test`` sends."""
    return Message(
        title="Claude usage notifier: test",
        body="Notifications work. Clicking one opens your usage page.",
        urgency=Urgency.NORMAL,
        open_url=USAGE_URL,
        kind=MessageKind.TEST,
    )


# --------------------------------------------------------------------------- how fresh


def with_age(
    message: Message, now: datetime, fresh_for: timedelta, tz: tzinfo | None = None
) -> Message:
    """``message`` with ``(numbers from 14:05, 37 min ago)`` added when its numbers are old.

    Old means observed more than ``fresh_for`` (one poll interval) before ``now``, the
    moment it is delivered: a notification held by the throttle or retried after a
    failed publish must not pass hours-old numbers off as current.
    """
    if message.numbers_at is None or now - message.numbers_at <= fresh_for:
        return message
    suffix = (
        f"(numbers from {clock_time(message.numbers_at, now, tz)}, "
        f"{duration(now - message.numbers_at)} ago)"
    )
    return replace(message, body=f"{message.body}\n{suffix}" if message.body else suffix)


def _stale_reason(
    outcome: Outcome, retry_at: datetime | None, now: datetime, tz: tzinfo | None
) -> str:
    if outcome is Outcome.RATE_LIMITED:
        if retry_at is not None and retry_at > now:
            return f"rate limited until {clock_time(retry_at, now, tz)}"
        return "rate limited"
    if outcome is Outcome.LOGIN_REQUIRED:
        return "the Claude login expired (run `claude` and log in)"
    if outcome is Outcome.UNREACHABLE:
        return "offline, or the server cannot be reached"
    if outcome is Outcome.SERVER_ERROR:
        return "the server answers with errors"
    return "the server's answers cannot be read (a captive portal or proxy?)"


def stale_message(
    *,
    outcome: Outcome,
    last_success_at: datetime | None,
    failing_since: datetime | None,
    retry_at: datetime | None,
    last_known: Bucket | None,
    now: datetime,
    tz: tzinfo | None = None,
) -> Message:
    """``Claude usage numbers are stale``: since when, why, the last known level.

    ``outcome`` is the latest poll's (the why), ``retry_at`` the next poll when the
    server set it (a 429), ``last_known`` the bucket closest to its cap in the last
    good numbers, if any. The first line says how old the numbers are.
    """
    why = _stale_reason(outcome, retry_at, now, tz)
    if last_success_at is not None:
        age = duration(now - last_success_at)
        lines = [
            f"No fresh numbers since {clock_time(last_success_at, now, tz)} ({age} ago): {why}."
        ]
    elif failing_since is not None:
        since = clock_time(failing_since, now, tz)
        lines = [f"No usage numbers yet; trying since {since}: {why}."]
    else:
        lines = [f"No usage numbers yet: {why}."]
    if last_known is not None:
        lines.append(f"Last known: {label(last_known.name)} at {percent(last_known.utilization)}.")
    lines.append("Checks go on; you will be told when fresh numbers are back.")
    return Message(
        title="Claude usage numbers are stale",
        body="\n".join(lines),
        urgency=Urgency.NORMAL,
        open_url=USAGE_URL,
        kind=MessageKind.STALE,
    )


def fresh_message(
    *,
    last_success_at: datetime | None,
    failing_since: datetime | None,
    buckets: Sequence[Bucket],
    now: datetime,
) -> Message:
    """``Claude usage numbers are fresh again``: after how long, and the closest bucket now."""
    since = last_success_at if last_success_at is not None else failing_since
    first = "Usage checks work again"
    if since is not None:
        first += f" after {duration(now - since)} without fresh numbers"
    lines = [first + "."]
    closest = max(buckets, key=lambda bucket: bucket.utilization, default=None)
    if closest is not None:
        lines.append(
            f"Closest to its limit: {label(closest.name)} at {percent(closest.utilization)}."
        )
    return Message(
        title="Claude usage numbers are fresh again",
        body="\n".join(lines),
        urgency=Urgency.NORMAL,
        open_url=USAGE_URL,
        kind=MessageKind.FRESH,
        numbers_at=now,
    )
