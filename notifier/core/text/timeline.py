"""Events and drift changes as one line of text: the one place they become words.

Pure. ``replay``'s timeline, ``demo``'s story and ``drift``'s change lists all
come from here, so a new event kind or change kind is worded once. Times are
formatted by the caller's zone (``astimezone()`` with no argument is the
machine's zone, which the edges pass in by calling it; nothing here reads it).
"""

from __future__ import annotations

from notifier.core.events import ID_LENGTH, BucketReset, Change, ChangeKind, Event, ThresholdCrossed
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
        what = f"{label(event.bucket)}: reset {before} -> {percent(event.utilization)}"
    else:
        what = "data changed: " + "; ".join(change_line(c) for c in event.changes)
    return what + _silent(event)


def story_line(event: Event) -> str:
    """``5-hour crossed 75% (now 79%)``: the demo's plainer wording, no timestamp."""
    if isinstance(event, ThresholdCrossed):
        return (
            f"{label(event.bucket)} crossed {percent(event.threshold)} "
            f"(now {percent(event.utilization)}){_silent(event)}"
        )
    if isinstance(event, BucketReset):
        previous = event.previous_utilization
        before = "?" if previous is None else percent(previous)
        return (
            f"{label(event.bucket)} reset: {before} -> {percent(event.utilization)}{_silent(event)}"
        )
    paths = ", ".join(change.path for change in event.changes[:3])
    more = f" (+{len(event.changes) - 3} more)" if len(event.changes) > 3 else ""
    return f"usage data changed: {paths}{more}; archived as variant {event.fingerprint[:ID_LENGTH]}"
