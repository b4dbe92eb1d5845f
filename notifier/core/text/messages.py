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
from typing import TYPE_CHECKING

from notifier.core import PROGRAM
from notifier.core.buckets import Bucket
from notifier.core.events import (
    ID_LENGTH,
    BucketReset,
    CapProjected,
    ChangeKind,
    DriftDetected,
    Event,
    ThresholdCrossed,
)
from notifier.core.text.labels import label
from notifier.core.text.render import clock_time, countdown, duration, local_time, percent
from notifier.core.values import LOGIN_WARNING as LOGIN_WARNING  # re-exported (agent)
from notifier.core.values import Outcome

if TYPE_CHECKING:
    from notifier.core.models import DriftNotifications

USAGE_URL = "https://claude.ai/settings/usage"
"""Where a click on a usage notification leads."""

CRITICAL_AT = 100.0
"""At or above this percent a usage notification is critical; below it, normal."""

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
    FORECAST = "forecast"
    DRIFT = "drift"
    LOGIN = "login"
    SUMMARY = "summary"
    TEST = "test"
    STALE = "stale"
    FRESH = "fresh"


def bucket_slot(bucket: str) -> str:
    """The slot of a bucket's notifications: its new one replaces its previous one."""
    return f"bucket:{bucket}"


LOGIN_SLOT = "login"
"""The slot of the "log in" notification (withdrawn once a poll succeeds again)."""
DRIFT_SLOT = "drift"
STALE_SLOT = "stale"
"""The slot of the "numbers are stale" notice; "fresh again" takes its place."""
LOGIN_LIFETIME_SLOT = "login-lifetime"
"""The slot of the "login ends in 3 days" notice: not :data:`LOGIN_SLOT`, so a poll that
succeeds (the login still works) does not withdraw the warning that it will end."""
TEST_SLOT = "test"
"""The slot of the ``notify --test`` sample, which the command withdraws when nobody answers."""


@dataclass(frozen=True, slots=True)
class Message:
    """One notification as a person will read it.

    ``slots`` name what the notification is the live one for (``bucket:five_hour``,
    ``login``): a later message with a slot in common replaces it on screen, so a
    bucket never has two notifications telling different numbers. ``line`` is the
    message as one line of a grouped summary (its title when empty). ``sound``
    says whether sound is allowed (``False`` in silent quiet hours); only critical
    messages use it (:attr:`audible`).

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
    slots: tuple[str, ...] = ()
    line: str = ""
    # Not part of equality: two messages with the same words are the same message.
    numbers_at: datetime | None = field(default=None, compare=False)

    @property
    def audible(self) -> bool:
        """Plays a sound: only critical messages, and only when sound is allowed."""
        return self.sound and self.urgency is Urgency.CRITICAL

    @property
    def sticky(self) -> bool:
        """Stays on screen until withdrawn or dismissed (critical), instead of expiring."""
        return self.urgency is Urgency.CRITICAL


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
    return f"{clock_time(resets_at, now, tz)} ({countdown(resets_at - now)})"


# --------------------------------------------------------------------------- per event


def threshold_message(
    event: ThresholdCrossed, buckets: Sequence[Bucket], now: datetime, tz: tzinfo | None = None
) -> Message:
    """``Claude 7-day Opus at 92.4%`` (the real value), or ``Claude 5-hour limit reached``.

    Below 100 % the body says when the bucket resets and which bucket is next
    closest; at 100 % it says only when work can go on: ``Back at 16:20 (in 27m)``.
    """
    name = label(event.bucket)
    current = _find(buckets, event.bucket)
    resets_at = event.resets_at or (current.resets_at if current else None)
    when = _when(resets_at, now, tz)
    value = percent(event.utilization)
    if event.utilization >= CRITICAL_AT:
        title = f"Claude {name} limit reached"
        body = f"Back at {when}" if when else "No reset time is known for this limit."
        line = f"{name} limit reached" + (f", back at {when}" if when else "")
    else:
        title = f"Claude {name} at {value}"
        lines = [f"Resets {when}." if when else "No reset time is known for this limit."]
        other = _next_closest(buckets, event.bucket)
        if other is not None:
            lines.append(f"Next closest: {label(other.name)} at {percent(other.utilization)}.")
        body = "\n".join(lines)
        line = f"{name} at {value}" + (f", resets {when}" if when else "")
    return Message(
        title=title,
        body=body,
        urgency=_urgency(event.utilization),
        open_url=USAGE_URL,
        kind=MessageKind.THRESHOLD,
        slots=(bucket_slot(event.bucket),),
        line=line,
        numbers_at=event.observed_at,
    )


def reset_message(
    event: BucketReset, buckets: Sequence[Bucket], now: datetime, tz: tzinfo | None = None
) -> Message:
    """``Claude 5-hour window renewed: now 3%``: the new percent, the old one, the next reset.

    It replaces the bucket's threshold notification on screen (same slot), so a
    "limit reached" never outlives the window it was about. An early reset (a
    grant or a self-serve reset used before the window ran out) says so:
    ``Claude 5-hour reset early: a reset was used``.
    """
    name = label(event.bucket)
    now_at = percent(event.utilization)
    lines = []
    if event.previous_utilization is not None:
        lines.append(f"It was at {percent(event.previous_utilization)} before.")
    current = _find(buckets, event.bucket)
    when = _when(current.resets_at if current else None, now, tz)
    if when:
        lines.append(f"Next reset {when}.")
    if event.early:  # the title says why, so the body says where it stands now
        title = f"Claude {name} reset early: a reset was used"
        lines.insert(0, f"Now at {now_at}.")
    else:
        title = f"Claude {name} window renewed: now {now_at}"
    return Message(
        title=title,
        body="\n".join(lines) or f"{name} starts a new window.",
        urgency=Urgency.NORMAL,
        open_url=USAGE_URL,
        kind=MessageKind.RESET,
        slots=(bucket_slot(event.bucket),),
        line=f"{name} renewed, now {now_at}",
        numbers_at=event.observed_at,
    )


def _clock(when: datetime, tz: tzinfo | None) -> str:
    """``Wed 14:00``: a forecast looks at most a week ahead, so the weekday is enough."""
    return when.astimezone(tz).strftime("%a %H:%M")


def _ahead(delta: timedelta) -> str:
    """How long before the reset the wall comes: ``40 min``, ``20 h``, ``3 days``."""
    hours = delta.total_seconds() / 3600
    minutes = round(hours * 60)
    if minutes < 60:
        return f"{max(1, minutes)} min"
    if hours < 48:
        return f"{round(hours)} h"
    return f"{round(hours / 24)} days"


def forecast_message(event: CapProjected, tz: tzinfo | None = None) -> Message:
    """``Claude 7-day Opus: 100% by Wed 14:00``: the pace forecast as a person reads it.

    Local clock times without a date: a forecast looks less than a week ahead.
    """
    name = label(event.bucket)
    margin = _ahead(event.resets_at - event.projected_cap_at)
    return Message(
        title=f"Claude {name}: 100% by {_clock(event.projected_cap_at, tz)}",
        body=f"at this pace, {margin} before it resets ({_clock(event.resets_at, tz)})",
        urgency=Urgency.NORMAL,
        open_url=USAGE_URL,
        kind=MessageKind.FORECAST,
        slots=(bucket_slot(event.bucket),),
        numbers_at=event.observed_at,
    )


def _is_top_level(path: str) -> bool:
    return "." not in path and "[" not in path


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _names(names: Sequence[str]) -> str:
    shown = ", ".join(names[:3])
    return shown if len(names) <= 3 else f"{shown} and {len(names) - 3} more"


def new_buckets(event: DriftDetected) -> list[str]:
    """Top-level keys that became buckets: an ``added`` object, or a null that came alive."""
    found: list[str] = []
    for change in event.changes:
        if not _is_top_level(change.path):
            continue
        added = change.change is ChangeKind.ADDED and change.type == "object"
        alive = (
            change.change is ChangeKind.TYPE_CHANGED
            and change.old_type == "null"
            and change.new_type == "object"
        )
        if added or alive:
            found.append(change.path)
    return found


def new_limit_kinds(event: DriftDetected) -> list[str]:
    """``limits[].kind`` values no known variant has: each is a new kind of limit."""
    return [
        change.value
        for change in event.changes
        if change.change is ChangeKind.VALUE_ADDED
        and change.path == "limits[].kind"
        and isinstance(change.value, str)
        and change.value
    ]


def drift_message(
    event: DriftDetected,
    buckets: Sequence[Bucket] = (),
    mode: DriftNotifications = "buckets",
) -> Message | None:
    """``New Claude limit: Nimbus Quill (0%)``, or ``None`` when ``mode`` wants no notice.

    A person hears about a drift only when it means something to them: a new
    bucket, a codename that came alive, or a limit of a new kind (each is
    watched from now on). Other shape
    changes (a field added or missing) go to the log and ``drift list``, unless
    ``mode`` is ``"all"``; ``"never"`` sends nothing. The title has labels only;
    raw keys go in the body, with the ``drift show`` hint (the first 12 hex
    characters of the variant fingerprint).
    """
    if mode == "never":
        return None
    keys = new_buckets(event)
    kinds = new_limit_kinds(event)  # told only when no new bucket is (the branches below)
    if not keys and not kinds and mode == "buckets":  # "all" tells every shape change
        return None
    variant = event.fingerprint[:ID_LENGTH]
    # Without a fingerprint there is no id to show; the list is the next best hint.
    hint = f"`{COMMAND} drift show {variant}`" if variant else f"`{COMMAND} drift list`"
    if keys:
        shown = []
        for key in keys:
            bucket = _find(buckets, key)
            shown.append(label(key) + (f" ({percent(bucket.utilization)})" if bucket else ""))
        noun = "limit" if len(keys) == 1 else "limits"
        title = f"New Claude {noun}: {_names(shown)}"
        watched = "It is now watched" if len(keys) == 1 else "They are now watched"
        lines = [
            f"{watched} with your default thresholds.",
            f"{'Key' if len(keys) == 1 else 'Keys'}: {', '.join(keys)}. Details: {hint}",
        ]
    elif kinds:
        # A limit of a new kind (issue 17): its `limit:<kind>:<slug>` bucket is watched.
        shown = []
        for kind in kinds:
            bucket = next((b for b in buckets if b.name.startswith(f"limit:{kind}:")), None)
            shown.append(label(kind) + (f" ({percent(bucket.utilization)})" if bucket else ""))
        noun = "kind" if len(kinds) == 1 else "kinds"
        title = f"New Claude limit {noun}: {_names(shown)}"
        one = len(kinds) == 1
        lines = [
            f"Limits of {'this kind' if one else 'these kinds'} are now watched"
            " with your default thresholds.",
            f"{'Kind' if one else 'Kinds'}: {', '.join(kinds)}. Details: {hint}",
        ]
    else:
        title = "Claude usage data changed shape"
        lines = [
            f"{_plural(len(event.changes), 'change')} in the usage data; watching goes on.",
            f"Details: {hint}",
        ]
    return Message(
        title=title,
        body="\n".join(lines),
        urgency=Urgency.NORMAL,
        open_url=None,
        kind=MessageKind.DRIFT,
        slots=(DRIFT_SLOT,),
        line=title.removeprefix("Claude "),
    )


def event_message(
    event: Event,
    buckets: Sequence[Bucket],
    now: datetime,
    tz: tzinfo | None = None,
    *,
    drift: DriftNotifications = "buckets",
) -> Message | None:
    """The message for one event, whatever its kind (``None``: no notice for this drift)."""
    if isinstance(event, ThresholdCrossed):
        return threshold_message(event, buckets, now, tz)
    if isinstance(event, DriftDetected):
        return drift_message(event, buckets, drift)
    if isinstance(event, CapProjected):
        return forecast_message(event, tz)
    return reset_message(event, buckets, now, tz)


def event_messages(
    events: Sequence[Event],
    buckets: Sequence[Bucket],
    now: datetime,
    tz: tzinfo | None = None,
    *,
    drift: DriftNotifications = "buckets",
) -> list[Message]:
    """Messages for the events that want one (``notify=False`` events are skipped)."""
    messages = (
        event_message(event, buckets, now, tz, drift=drift) for event in events if event.notify
    )
    return [message for message in messages if message is not None]


# --------------------------------------------------------------------------- others


class LoginProblem(Enum):
    """Why the usage cannot be read: two situations a person fixes differently."""

    NEVER_LOGGED_IN = "never_logged_in"  # no Claude login on this machine (yet)
    EXPIRED = "expired"  # there was one; it expired, was refused, or lacks a scope


def login_message(detail: str = "", problem: LoginProblem = LoginProblem.EXPIRED) -> Message:
    """One critical message naming the fix once.

    ``detail`` is the agent's reason; it already names the fix (``run `claude` to
    log in again``), so the generic fix is added only when there is no detail.
    """
    reason = detail.strip().rstrip(".")
    if problem is LoginProblem.NEVER_LOGGED_IN:
        title = "Claude usage: not logged in yet"
        fix = "Run `claude` and log in; usage checks start on their own."
        after = "Usage checks start on their own once you are logged in."
    else:
        title = "Claude login expired"
        fix = "Run `claude` and log in again; usage checks resume on their own."
        after = "Usage checks resume on their own."
    body = f"{reason[:1].upper()}{reason[1:]}.\n{after}" if reason else fix
    return Message(
        title=title,
        body=body,
        urgency=Urgency.CRITICAL,
        open_url=None,
        kind=MessageKind.LOGIN,
        slots=(LOGIN_SLOT,),
        line=title.removeprefix("Claude "),
    )


def _critical_first(messages: Sequence[Message]) -> list[Message]:
    return sorted(messages, key=lambda message: message.urgency is not Urgency.CRITICAL)


def login_expiring_message(
    expires_at: datetime, now: datetime, tz: tzinfo | None = None
) -> Message:
    """``Claude login ends in 3 days``: run `claude` and `/login` before it does."""
    left = countdown(expires_at - now)
    title = "Claude login has ended" if left == "passed" else f"Claude login ends {left}"
    return Message(
        title=title,
        body=(
            f"Your Claude Code login ends {local_time(expires_at, now, tz)}. "
            "Run `claude` and `/login` before then, so usage checks go on."
        ),
        urgency=Urgency.NORMAL,
        open_url=None,
        kind=MessageKind.LOGIN,
        slots=(LOGIN_LIFETIME_SLOT,),
    )


def summary_message(messages: Sequence[Message]) -> Message:
    """Many messages as one: a line per message (critical first), the highest urgency.

    Each line keeps its bucket's percent and reset time. The summary is the live
    notification of every slot its messages had.
    """
    ordered = _critical_first(messages)
    lines = [f"• {message.line or message.title}" for message in ordered[:_SUMMARY_LINES]]
    if len(ordered) > _SUMMARY_LINES:
        lines.append(f"• and {len(ordered) - _SUMMARY_LINES} more")
    critical = any(message.urgency is Urgency.CRITICAL for message in messages)
    url = next((message.open_url for message in ordered if message.open_url), None)
    slots = tuple(dict.fromkeys(slot for message in ordered for slot in message.slots))
    observed = [message.numbers_at for message in messages if message.numbers_at is not None]
    return Message(
        title=f"Claude usage: {len(messages)} updates",
        body="\n".join(lines),
        urgency=Urgency.CRITICAL if critical else Urgency.NORMAL,
        open_url=url,
        kind=MessageKind.SUMMARY,
        sound=all(message.sound for message in messages),
        slots=slots,
        line=f"usage: {len(messages)} updates",
        numbers_at=min(observed, default=None),  # the oldest numbers set the age shown
    )


def sample_message() -> Message:
    """The sample ``notify --test`` sends."""
    return Message(
        title="Claude usage notifier: test",
        body="Notifications work. Click this one to open your usage page, or dismiss it.",
        urgency=Urgency.NORMAL,
        open_url=USAGE_URL,
        kind=MessageKind.TEST,
        slots=(TEST_SLOT,),
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
        slots=(STALE_SLOT,),
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
        slots=(STALE_SLOT,),  # "fresh again" replaces the "stale" notice on screen
        numbers_at=now,
    )
