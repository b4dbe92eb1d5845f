"""kill -9 of the agent while it writes its state, again and again: every start finds a valid one.

With a 10 ms poll interval the agent rewrites state.json (and appends to the
history) dozens of times a second, so a SIGKILL at a random moment regularly
lands in the middle of a write. Atomic writes mean the next start still reads
the old or the new file whole: no warnings, nothing moved aside, and the
rules' memory is never lost.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from notifier.recording import read_recording
from notifier.statefile import load_state
from tests.conftest import load_payload
from tests.integration.agent_harness import AgentRun, TimedServer, kill9, terminate, wait_for
from tests.integration.httpserver import Reply

pytestmark = pytest.mark.slow

ROUNDS = 20


@pytest.fixture
def server() -> Iterator[TimedServer]:
    payload = load_payload("oauth-usage-full-2026-07.json")
    running = TimedServer(default=Reply.json(payload))
    running.start()
    try:
        yield running
    finally:
        running.stop()


def test_repeated_kill_9_during_state_writes_leaves_a_valid_state(
    tmp_path: Path, server: TimedServer
) -> None:
    run = AgentRun(tmp_path, server.url)
    run.settings["POLL_INTERVAL_SECONDS"] = "1"  # the floor: writes follow each answer
    rng = random.Random(20251126)  # noqa: S311 - only spreads the kill moments
    for round_ in range(ROUNDS):
        before = len(server.requests)
        agent = run.start()
        try:
            # let it poll a few times, then kill it at a random moment in the write storm
            assert wait_for(lambda: len(server.requests) >= before + 3, 15), run.log()  # noqa: B023
            time.sleep(rng.uniform(0.0, 0.05))
        finally:
            kill9(agent)
        state, warnings = load_state(run.state_file)
        assert warnings == [], f"round {round_}: {warnings}"
        assert state.agent.outcome == "ok", f"round {round_}"
        assert state.buckets, f"round {round_}: the rules' memory was lost"
        json.loads(run.state_file.read_text())  # whole, parseable JSON
        assert not list(run.state_file.parent.glob("state.json.*-*")), "nothing moved aside"

    # the history survived too: every complete line parses (a torn last line would not)
    history = run.app / "state" / "history.jsonl"
    assert sum(1 for _ in read_recording(history)) > ROUNDS

    # and the next start carries on normally
    seen = len(server.requests)
    agent = run.start()
    try:
        assert wait_for(lambda: len(server.requests) >= seen + 3, 10)
    finally:
        code, _, stderr = terminate(agent)
    assert code == 0, stderr
    assert "state:" not in run.log(), "no state warnings at any start"
    # torn temp files of killed writers were swept by the start that holds the lock
    assert not list(run.state_file.parent.glob(".state.json.*.tmp"))
