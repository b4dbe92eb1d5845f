"""Events and changes keep the contract's shapes both ways (mutation-testing strength, issue 18)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from notifier.core.events import Change, ChangeKind, DriftDetected

AT = datetime(2026, 7, 6, 10, 0, tzinfo=UTC)

CHANGES = [
    Change(ChangeKind.ADDED, "five_hour.x", type="number"),
    Change(ChangeKind.REMOVED, "seven_day.resets_at"),
    Change(ChangeKind.RENAMED, "extra_usage.spent", from_path="extra_usage.used_credits"),
    Change(ChangeKind.TYPE_CHANGED, "seven_day_opus", old_type="null", new_type="object"),
]


@pytest.mark.parametrize("change", CHANGES, ids=lambda c: c.change.value)
def test_every_change_kind_reads_back_as_itself(change: Change) -> None:
    assert Change.from_json(change.to_json()) == change


def test_reading_back_takes_the_contract_key_names() -> None:
    renamed = Change.from_json({"change": "renamed", "from": "a.b", "path": "a.c"})
    assert renamed.from_path == "a.b"
    changed = Change.from_json(
        {"change": "type_changed", "path": "a", "old_type": "string", "new_type": "number"}
    )
    assert (changed.old_type, changed.new_type) == ("string", "number")


def test_drift_json_is_the_contract_shape() -> None:
    event = DriftDetected(AT, tuple(CHANGES[:2]), fingerprint="f" * 64)
    assert event.to_json() == {
        "kind": "drift",
        "observed_at": "2026-07-06T10:00:00+00:00",
        "changes": [
            {"change": "added", "path": "five_hour.x", "type": "number"},
            {"change": "removed", "path": "seven_day.resets_at"},
        ],
    }
