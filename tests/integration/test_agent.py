"""The agent as a real subprocess against a scripted loopback server.

Expected timings come from the issue's rules with the compressed bases in
``agent_harness.FAST`` (interval 1 s, 429 ladder 0.5 s, error ladder 0.25 s
doubling per consecutive failure, read timeout 0.5 s), not from the code.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from tests.conftest import load_payload
from tests.integration.agent_harness import (
    FAKE_TOKEN,
    AgentRun,
    TimedServer,
    kill9,
    terminate,
    wait_for,
)
from tests.integration.httpserver import Reply

pytestmark = pytest.mark.slow

PAYLOAD = load_payload("oauth-usage-full-2026-07.json")
SLACK = 0.05  # timer granularity: a wait may end this much early by the wall clock


@pytest.fixture
def server() -> Iterator[TimedServer]:
    running = TimedServer(default=Reply.json(PAYLOAD))
    running.start()
    try:
        yield running
    finally:
        running.stop()


def _transitions(log: str) -> list[str]:
    return re.findall(r"notifier\.agent: (\w+ -> \w+)", log)


def test_fault_sequence_backs_off_recovers_and_stops_cleanly(
    tmp_path: Path, server: TimedServer
) -> None:
    server.script(
        Reply.json(PAYLOAD),  # 0 ok
        Reply.status_only(429, {"Retry-After": "0"}),  # 1 rate limited, failures=1
        Reply.status_only(500),  # 2 server error, failures=2
        Reply.hang(10),  # 3 read timeout -> unreachable, failures=3
        Reply.reset(),  # 4 connection reset -> unreachable, failures=4
        Reply.status_only(401),  # 5 401 ...
        Reply.status_only(401),  # 6 ... still 401 after re-reading credentials -> login
        Reply.json(PAYLOAD),  # 7 ok again
    )
    run = AgentRun(tmp_path, server.url)
    agent = run.start()
    try:
        assert wait_for(lambda: len(server.requests) >= 11, 20), run.log()
        assert agent.poll() is None, "the agent died during the fault sequence"
    finally:
        code, took, stderr = terminate(agent)
    assert code == 0, stderr
    assert took < 5
    assert "Traceback" not in stderr

    gaps = [b - a for a, b in zip(server.mono, server.mono[1:], strict=False)]
    # lower bounds: the schedule's waits (plus the 0.5 s read timeout for the hang)
    expected_min = [0.2, 0.5, 0.5, 0.5 + 1.0, 2.0, 0.0, 0.2, 0.2, 0.2]
    for index, (gap, least) in enumerate(zip(gaps, expected_min, strict=False)):
        assert gap >= least - SLACK, f"request {index + 1} came {gap:.2f}s after, not >= {least}"
        # ... and no stalls: each wait ends close to when it was due
        assert gap <= least + 1.5, f"request {index + 1} came {gap:.2f}s after, {least}s due"
    # Retry-After: 0 did not mean now
    assert gaps[1] >= 0.5 - SLACK

    # every request carried the token from the credentials file
    assert all(r.header("authorization") == f"Bearer {FAKE_TOKEN}" for r in server.requests)

    state = run.state()
    assert state["agent"]["outcome"] == "ok"
    assert state["agent"]["consecutive_failures"] == 0
    assert state["agent"]["backoff_until"] is None
    last_success = datetime.fromisoformat(state["agent"]["last_success_at"])
    assert last_success.timestamp() >= server.wall[7] - 1
    assert state["buckets"], "the rules' state was saved too"

    log = run.log()
    # one line per change of outcome, not per attempt (hang and reset: one line)
    assert _transitions(log) == [
        "never -> ok",
        "ok -> rate_limited",
        "rate_limited -> server_error",
        "server_error -> unreachable",
        "unreachable -> login_required",
        "login_required -> ok",
    ]
    assert "SIGTERM received" in log
    assert "FAKE" not in log
    assert "FAKE" not in stderr

    history = (run.app / "state" / "history.jsonl").read_text().splitlines()
    # one line per 200 (#0, #7 and later); the last request may have been cut by SIGTERM
    answered = len(server.requests) - 6
    assert answered - 1 <= len(history) <= answered


def test_login_expired_is_notified_once_and_polling_goes_on(
    tmp_path: Path, server: TimedServer
) -> None:
    server.script(*[Reply.status_only(401)] * 8)
    run = AgentRun(tmp_path, server.url)
    agent = run.start()
    try:
        # four polls of two requests each (401, re-read, retry, 401), then 200s
        assert wait_for(lambda: len(server.requests) >= 10, 15), run.log()
    finally:
        code, _, stderr = terminate(agent)
    assert code == 0, stderr
    log = run.log()
    assert len(re.findall(r"notification not shown .*login expired", log)) == 1, log
    assert _transitions(log) == ["never -> login_required", "login_required -> ok"]
    # 401 keeps the regular interval: no backoff ladder for a login problem
    gaps = [b - a for a, b in zip(server.mono[1:8:2], server.mono[2:9:2], strict=True)]
    assert all(0.2 - SLACK <= gap <= 1.5 for gap in gaps), gaps


def test_restart_during_backoff_waits_for_the_stored_deadline(
    tmp_path: Path, server: TimedServer
) -> None:
    # Retry-After 3 s beats the 0.5 s ladder: the deadline is ~3 s after the 429.
    server.script(Reply.status_only(429, {"Retry-After": "3"}))
    run = AgentRun(tmp_path, server.url)
    first = run.start()
    try:
        assert wait_for(
            lambda: run.state_file.exists() and run.state()["agent"]["backoff_until"], 10
        )
    finally:
        code, _, stderr = terminate(first)
    assert code == 0, stderr
    deadline = datetime.fromisoformat(run.state()["agent"]["backoff_until"]).timestamp()
    assert deadline >= server.wall[0] + 3 - SLACK
    assert len(server.requests) == 1

    second = run.start()
    try:
        assert wait_for(lambda: len(server.requests) >= 2, 10), run.log()
    finally:
        code, _, stderr = terminate(second)
    assert code == 0, stderr
    assert server.wall[1] >= deadline - SLACK, "polled before the stored backoff deadline"
    assert server.wall[1] <= deadline + 2
    assert "resuming the backoff" in run.log()


def test_sigterm_during_a_hanging_request_stops_within_5_seconds(
    tmp_path: Path, server: TimedServer
) -> None:
    server.script(Reply.hang(30))
    run = AgentRun(tmp_path, server.url)
    run.settings["READ_TIMEOUT_SECONDS"] = "30"
    agent = run.start()
    assert wait_for(lambda: len(server.requests) >= 1, 10)
    time.sleep(0.2)
    code, took, stderr = terminate(agent)
    assert code == 0, stderr
    assert took < 5
    assert run.state_file.exists(), "state saved on the way out"


def test_sigterm_while_the_token_read_hangs_stops_within_5_seconds(
    tmp_path: Path, server: TimedServer
) -> None:
    # A FIFO in place of the credentials file: opening it blocks until a writer
    # comes, like `security` waiting on a Keychain prompt. Shutdown must not wait.
    run = AgentRun(tmp_path, server.url)
    credentials = tmp_path / "claude" / ".credentials.json"
    credentials.unlink()
    os.mkfifo(credentials, 0o600)
    agent = run.start()
    try:
        assert wait_for(lambda: "started (pid" in run.log(), 10), run.log()
        time.sleep(0.5)  # the first poll is now stuck reading the token
    finally:
        code, took, stderr = terminate(agent)
    assert code == 0, stderr
    assert took < 5
    assert server.requests == []
    assert "SIGTERM received" in run.log()


def test_sigint_stops_cleanly_too(tmp_path: Path, server: TimedServer) -> None:
    import signal

    run = AgentRun(tmp_path, server.url)
    agent = run.start()
    assert wait_for(lambda: len(server.requests) >= 2, 10)
    agent.send_signal(signal.SIGINT)
    _, stderr = agent.communicate(timeout=5)
    assert agent.returncode == 0, stderr
    assert "SIGINT received" in run.log()


def test_second_agent_refuses_and_a_killed_agent_leaves_no_stale_lock(
    tmp_path: Path, server: TimedServer
) -> None:
    run = AgentRun(tmp_path, server.url)
    first = run.start()
    try:
        assert wait_for(lambda: len(server.requests) >= 1, 10), run.log()
        second = run.start()
        out, err = second.communicate(timeout=10)
        assert second.returncode == 1
        lines = err.strip().splitlines()
        assert len(lines) == 1, err
        assert "already running" in lines[0]
        assert f"pid {first.pid}" in lines[0]
        assert "Traceback" not in err
        assert out == ""
        assert first.poll() is None, "the first agent must not be disturbed"
    finally:
        kill9(first)

    seen = len(server.requests)
    third = run.start()
    try:
        assert wait_for(lambda: len(server.requests) >= seen + 2, 10), run.log()
        assert third.poll() is None
    finally:
        code, _, stderr = terminate(third)
    assert code == 0, stderr


def test_slow_polling_warning_and_no_token_in_any_file(tmp_path: Path, server: TimedServer) -> None:
    run = AgentRun(tmp_path, server.url)
    agent = run.start()
    try:
        assert wait_for(lambda: len(server.requests) >= 3, 10)
    finally:
        terminate(agent)
    assert "is under 60 s" in run.log()
    for path in run.app.rglob("*"):
        if path.is_file():
            assert b"FAKE" not in path.read_bytes(), path
