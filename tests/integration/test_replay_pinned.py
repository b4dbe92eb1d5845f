"""``replay --json`` pinned to the byte: speed work must not change one character of it.

The digests are those of the output of the code before the replay speed work
(commit d3cb4f5, whose events the acceptance test in ``test_replay_cli.py`` and
the hand-worked tables check field by field). They cover what field checks do
not: number formatting, the order of events within an observation, drift
changes, forecast rates to the last digit. The recordings are the benchmark's
own (``bench/run.py``, seed 7): 5,000 observations, about 17 days of windows
climbing and resetting, once plain and once with a new window and a new limits
kind on every line. A deliberate change of behaviour updates these values, and
says why in its commit.
"""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from notifier.cli import main
from tests.conftest import FIXTURES

REPO = Path(__file__).resolve().parents[2]
WEEK = FIXTURES / "recordings" / "example-week.jsonl"

pytestmark = pytest.mark.slow


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_run", REPO / "bench" / "run.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _replay_digest(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[str, int]:
    assert main(["replay", str(path), "--json"]) == 0
    out = capsys.readouterr().out
    return hashlib.sha256(out.encode("utf-8")).hexdigest(), out.count("\n")


def test_the_example_week_replays_to_the_same_bytes(capsys: pytest.CaptureFixture[str]) -> None:
    assert _replay_digest(WEEK, capsys) == (
        "12b8d56abba2b6c564c6793b50b8731d40f780a28709d0ecbbe33e3ada223d97",
        22,
    )


@pytest.mark.parametrize(
    ("drifting", "digest", "events"),
    [
        (False, "29350b192013b410a6a6e2615b561da57015871cc2b5d8b1482b35849a6fafc2", 146),
        (True, "b789745cea6e54a974f1d74a2246ab6fb092b16f4d35e0b3692eceb1a299e905", 147),
    ],
)
def test_the_benchmark_recording_replays_to_the_same_bytes(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    drifting: bool,
    digest: str,
    events: int,
) -> None:
    path = tmp_path / "bench.jsonl"
    _bench().make_recording(path, 5_000, drifting=drifting)
    assert _replay_digest(path, capsys) == (digest, events)
