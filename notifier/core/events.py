"""Events: frozen facts the core decides and the edges deliver.

Pure. ``to_json`` gives the contract's exact shapes (``replay --json``); nothing
else may invent event fields. Event names are past-tense nouns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

ID_LENGTH = 12
"""A variant's short id: the first characters of its fingerprint (archive, messages, CLI)."""


class ChangeKind(Enum):
    """The kinds of drift the contract names."""

    ADDED = "added"
    REMOVED = "removed"
    RENAMED = "renamed"
    TYPE_CHANGED = "type_changed"
    VALUE_ADDED = "value_added"


@dataclass(frozen=True, slots=True)
class Change:
    """One drift finding at one path (``five_hour.resets_at``, ``limits[].percent``)."""

    change: ChangeKind
    path: str
    type: str | None = None  # added: the new JSON type
    from_path: str | None = None  # renamed: the old path
    old_type: str | None = None  # type_changed
    new_type: str | None = None  # type_changed
    value: str | None = None  # value_added: the string outside the declared enum

    def to_json(self) -> dict[str, Any]:
        """The contract's shape for this change kind, and nothing more."""
        if self.change is ChangeKind.ADDED:
            return {"change": "added", "path": self.path, "type": self.type}
        if self.change is ChangeKind.REMOVED:
            return {"change": "removed", "path": self.path}
        if self.change is ChangeKind.RENAMED:
            return {"change": "renamed", "from": self.from_path, "path": self.path}
        if self.change is ChangeKind.VALUE_ADDED:
            return {"change": "value_added", "path": self.path, "value": self.value}
        return {
            "change": "type_changed",
            "path": self.path,
            "old_type": self.old_type,
            "new_type": self.new_type,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Change:
        """Inverse of ``to_json`` (archives and exported bundles are read back)."""
        return cls(
            change=ChangeKind(data["change"]),
            path=str(data["path"]),
            type=data.get("type"),
            from_path=data.get("from"),
            old_type=data.get("old_type"),
            new_type=data.get("new_type"),
            value=data.get("value"),
        )


@dataclass(frozen=True, slots=True)
class ThresholdCrossed:
    """A bucket reached a configured percentage (one event per bucket per observation)."""

    bucket: str
    threshold: float
    utilization: float
    observed_at: datetime
    notify: bool = True
    resets_at: datetime | None = None  # for the notification text; not in the JSON

    def to_json(self) -> dict[str, Any]:
        """``{"kind": "threshold", ...}`` per the contract."""
        return {
            "kind": "threshold",
            "bucket": self.bucket,
            "threshold": self.threshold,
            "utilization": self.utilization,
            "observed_at": self.observed_at.isoformat(),
            "notify": self.notify,
        }


@dataclass(frozen=True, slots=True)
class BucketReset:
    """A bucket's window ended and a new one began.

    ``early``: observed more than a minute before the old ``resets_at`` (a reset
    grant or a self-serve reset, not the window running out).
    """

    bucket: str
    previous_utilization: float | None
    utilization: float
    observed_at: datetime
    notify: bool = True
    early: bool = False

    def to_json(self) -> dict[str, Any]:
        """``{"kind": "reset", ...}`` per the contract."""
        return {
            "kind": "reset",
            "bucket": self.bucket,
            "previous_utilization": self.previous_utilization,
            "utilization": self.utilization,
            "early": self.early,
            "observed_at": self.observed_at.isoformat(),
            "notify": self.notify,
        }


@dataclass(frozen=True, slots=True)
class CapProjected:
    """At the recent pace a bucket reaches 100 % well before it resets (the pace forecast).

    ``rate_per_hour`` is the least-squares slope of the recent points (percent per
    hour); ``projected_cap_at`` is when 100 % is reached at that rate.
    """

    bucket: str
    utilization: float
    rate_per_hour: float
    projected_cap_at: datetime
    resets_at: datetime
    observed_at: datetime
    notify: bool = True

    def to_json(self) -> dict[str, Any]:
        """``{"kind": "forecast", ...}`` per the contract."""
        return {
            "kind": "forecast",
            "bucket": self.bucket,
            "utilization": self.utilization,
            "rate_per_hour": self.rate_per_hour,
            "projected_cap_at": self.projected_cap_at.isoformat(),
            "resets_at": self.resets_at.isoformat(),
            "observed_at": self.observed_at.isoformat(),
            "notify": self.notify,
        }


@dataclass(frozen=True, slots=True)
class DriftDetected:
    """A payload of a shape no known variant has (reported once per variant)."""

    observed_at: datetime
    changes: tuple[Change, ...]
    fingerprint: str = ""
    notify: bool = True

    def to_json(self) -> dict[str, Any]:
        """``{"kind": "drift", "observed_at", "changes"}`` per the contract."""
        return {
            "kind": "drift",
            "observed_at": self.observed_at.isoformat(),
            "changes": [change.to_json() for change in self.changes],
        }


Event = ThresholdCrossed | BucketReset | CapProjected | DriftDetected
