"""The variant archive is bounded: at most N variants, the least recently seen evicted."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from notifier import archive
from notifier.core.drift import DriftResult
from notifier.core.events import Change, ChangeKind

T0 = datetime(2026, 7, 1, tzinfo=UTC)


def result(n: int) -> DriftResult:
    return DriftResult(
        fingerprint=f"{n:032x}", changes=(Change(ChangeKind.ADDED, f"k{n}", type="number"),)
    )


@settings(max_examples=40, deadline=None)
@given(
    sightings=st.lists(st.tuples(st.integers(0, 12), st.integers(0, 10_000)), max_size=30),
    keep=st.integers(1, 8),
)
def test_the_most_recently_seen_variants_are_kept(
    sightings: list[tuple[int, int]], keep: int
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        where = Path(folder)
        last: dict[int, datetime] = {}
        for n, minutes in sightings:
            when = T0 + timedelta(minutes=minutes)
            archive.record(where, result(n), {f"k{n}": 1}, when)
            last[n] = max(last.get(n, when), when)
        archive.evict(where, keep)
        kept = {int(fp, 16) for fp in archive.seen_fingerprints(where)}
    assert len(kept) == min(keep, len(last))
    # Nothing evicted was seen later than anything kept.
    if kept and len(kept) < len(last):
        oldest_kept = min(last[n] for n in kept)
        assert all(last[n] <= oldest_kept for n in set(last) - kept)


def test_the_agents_recorder_keeps_the_bound(tmp_path: Path) -> None:
    from notifier.agent.daemon import _archiver
    from notifier.core.models import Config
    from notifier.paths import resolve

    paths = resolve({"CLAUDE_USAGE_NOTIFIER_HOME": str(tmp_path)})
    recorder = _archiver(paths, Config(archive_max_variants=2))
    for n in range(5):
        assert recorder(result(n), {f"k{n}": 1}, T0 + timedelta(minutes=n)) is True
    recorder.flush()
    assert {int(fp, 16) for fp in archive.seen_fingerprints(paths.archive_dir)} == {3, 4}
