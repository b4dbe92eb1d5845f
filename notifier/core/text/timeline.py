"""Events and drift changes as one line of text: the one place they become words.

Pure. ``replay``'s timeline, ``demo``'s story and ``drift``'s change lists all
come from here, so a new event kind or change kind is worded once. Times are
formatted by the caller's zone (``astimezone()`` with no argument is the
machine's zone, which the edges pass in by calling it; nothing here reads it).
"""

from __future__ import annotations

from notifier.core.events import (
    ID_LENGTH,
    BucketReset,
    CapProjected,
    Change,
    ChangeKind,
    Event,
    ThresholdCrossed,
)
from notifier.core.text.labels import label
from notifier.core.text.render import percent

_CHANGE_WIDTH = len("type_changed")


def change_line(change: Change, *, aligned: bool = False) -> str:
    """``added five_hour.x (number)``; ``aligned`` pads the kind into a column for lists."""
    kind = change.change.value
    head = f"{kind:<{_CHANGE_WIDTH}}" if aligned else kind
    if change.change is ChangeKind.ADDED:
        return f"{head} {change.path} ({change.type})"
    if change.change is ChangeKind.REMOVED:
        return f"{head} {change.path}"
    if change.change is ChangeKind.RENAMED:
        return f"{head} {change.from_path} -> {change.path}"
    if change.change is ChangeKind.VALUE_ADDED:
        return f"{head} {change.path} ({change.value!r})"
    if aligned:
        return f"{head} {change.path} ({change.old_type} -> {change.new_type})"
    return f"{change.path} changed type {change.old_type} -> {change.new_type}"


def _silent(event: Event) -> str:
    return "" if event.notify else "  (silent)"


def _early(event: BucketReset) -> str:
    return " (early: a reset was used)" if event.early else ""


def _cap(event: CapProjected) -> str:
    # The machine's zone (see the module docstring); a forecast is less than a week ahead.
    return event.projected_cap_at.astimezone().strftime("%a %H:%M")


def event_line(event: Event) -> str:
    """``5-hour: crossed 90% (93%)``: the replay timeline's wording, no timestamp."""
    if isinstance(event, ThresholdCrossed):
        what = (
            f"{label(event.bucket)}: crossed {percent(event.threshold)}"
            f" ({percent(event.utilization)})"
        )
    elif isinstance(event, BucketReset):
        previous = event.previous_utilization
        before = "?" if previous is None else percent(previous)
        what = (
            f"{label(event.bucket)}: reset {before} -> {percent(event.utilization)}{_early(event)}"
        )
    elif isinstance(event, CapProjected):
        what = (
            f"{label(event.bucket)}: 100% by {_cap(event)} at {event.rate_per_hour:+.1f} points/h"
            f" ({percent(event.utilization)})"
        )
    else:
        what = "data changed: " + "; ".join(change_line(c) for c in event.changes)
    return what + _silent(event)


def story_line(event: Event) -> str:
    """``5-hour crossed 75% (now 79%)``: the demo's plain wording, no timestamp.

    A reset reads ``5-hour window renewed: now 41% (was 93%)`` (the new window can
    start above the old one's last reading, which "reset: 30% -> 41%" made look
    like a bug), and a drift ``a new kind of usage data appeared``.
    """
    if isinstance(event, ThresholdCrossed):
        if event.utilization >= 100:
            return f"{label(event.bucket)} limit reached (now {percent(event.utilization)})" + (
                _silent(event)
            )
        return (
            f"{label(event.bucket)} crossed {percent(event.threshold)} "
            f"(now {percent(event.utilization)}){_silent(event)}"
        )
    if isinstance(event, BucketReset):
        previous = event.previous_utilization
        was = "" if previous is None else f" (was {percent(previous)})"
        return (
            f"{label(event.bucket)} window renewed: now {percent(event.utilization)}{was}"
            f"{_early(event)}{_silent(event)}"
        )
    if isinstance(event, CapProjected):
        return f"{label(event.bucket)} on course for 100% by {_cap(event)}{_silent(event)}"
    new = [
        change.path
        for change in event.changes
        if "." not in change.path
        and "[" not in change.path
        and (
            (change.change is ChangeKind.ADDED and change.type == "object")
            or (change.change is ChangeKind.TYPE_CHANGED and change.new_type == "object")
        )
    ]
    if new:
        names = ", ".join(f"{label(path)} ({path})" for path in new[:3])
        return f"a new kind of usage data appeared: new limit {names}, now watched"
    count = len(event.changes)
    changes = "1 change" if count == 1 else f"{count} changes"
    return (
        f"a new kind of usage data appeared ({changes}; "
        f"`drift show {event.fingerprint[:ID_LENGTH]}` tells more)"
    )
