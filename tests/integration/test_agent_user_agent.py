"""The real agent (``python -m notifier run``) and its User-Agent: sent, logged, reported.

Against the loopback server, with a fake ``claude`` first on ``PATH`` (see
:class:`tests.integration.test_user_agent_http.FakeClaude`). ``agent-status``
runs as a subprocess over the same folders, as a user would run it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from notifier.core.useragent import PERSISTENT_429_POLLS, UserAgent, hint
from tests.conftest import FIXTURES, load_payload
from tests.integration.agent_harness import AgentRun, TimedServer, terminate, wait_for
from tests.integration.httpserver import Reply
from tests.integration.test_user_agent_http import FakeClaude

pytestmark = pytest.mark.slow

PAYLOAD = load_payload("oauth-usage-2025-11.json")
RATE_LIMIT_BODY = (FIXTURES / "errors" / "429-rate-limited.json").read_bytes()
SET_AGENT = "my-watcher/2.0"


@pytest.fixture
def fake_claude(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeClaude:
    fake = FakeClaude(tmp_path / "bin", 'echo "2.1.77 (Claude Code)"')
    monkeypatch.setenv("PATH", f"{fake.folder}{os.pathsep}/usr/bin:/bin")
    return fake


def agent_status(run: AgentRun, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "notifier", "agent-status", "--platform", "linux", *args],
        env=run.env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def status_json(run: AgentRun) -> dict[str, object]:
    done = agent_status(run, "--json")
    assert done.returncode == 0, done.stderr
    data: dict[str, object] = json.loads(done.stdout)
    return data


@pytest.fixture
def ok_server() -> Iterator[TimedServer]:
    running = TimedServer(default=Reply.json(PAYLOAD))
    running.start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def refusing_server() -> Iterator[TimedServer]:
    running = TimedServer(default=Reply.raw(RATE_LIMIT_BODY, 429, headers={"Retry-After": "0"}))
    running.start()
    try:
        yield running
    finally:
        running.stop()


def test_the_agent_sends_logs_and_reports_claude_codes_user_agent(
    tmp_path: Path, ok_server: TimedServer, fake_claude: FakeClaude
) -> None:
    run = AgentRun(tmp_path, ok_server.url)
    agent = run.start()
    try:
        assert wait_for(lambda: len(ok_server.requests) >= 3, 20), run.log()
    finally:
        code, _, stderr = terminate(agent)
    assert code == 0, stderr
    assert {r.header("user-agent") for r in ok_server.requests} == {"claude-code/2.1.77"}
    assert fake_claude.calls == 1  # three polls, one `claude --version`
    where = (fake_claude.folder / "claude").resolve()
    line = f"sending User-Agent claude-code/2.1.77 (the version of Claude Code at {where})"
    assert run.log().count(line) == 1  # when first sent, not every poll
    assert run.state()["agent"]["user_agent"] == "claude-code/2.1.77"
    data = status_json(run)
    assert (data["user_agent"], data["user_agent_hint"]) == ("claude-code/2.1.77", None)
    assert "FAKE" not in run.log()


def test_persistent_429s_with_a_set_user_agent_are_blamed_on_it_once(
    tmp_path: Path, refusing_server: TimedServer, fake_claude: FakeClaude
) -> None:
    run = AgentRun(tmp_path, refusing_server.url)
    run.settings["RATE_LIMIT_BACKOFF_MAX_SECONDS"] = "1"  # the ladder: 0.5 s, then 1 s
    run.settings["USER_AGENT"] = SET_AGENT
    expected = hint(UserAgent.configured(SET_AGENT), PERSISTENT_429_POLLS, rate_limit_error=True)
    assert expected is not None
    agent = run.start()
    try:
        assert wait_for(lambda: len(refusing_server.requests) >= PERSISTENT_429_POLLS + 1, 20)
        assert wait_for(lambda: expected in run.log(), 5), run.log()
    finally:
        code, _, stderr = terminate(agent)
    assert code == 0, stderr
    assert {r.header("user-agent") for r in refusing_server.requests} == {SET_AGENT}
    assert fake_claude.calls == 0  # the setting needs no version
    assert f"sending User-Agent {SET_AGENT} (the user_agent setting)" in run.log()
    assert run.log().count(expected) == 1

    data = status_json(run)
    assert (data["user_agent"], data["user_agent_hint"]) == (SET_AGENT, expected)
    text = agent_status(run)
    assert f"User-Agent:   {SET_AGENT}" in text.stdout.splitlines()
    assert f"hint:         {expected}" in text.stdout.splitlines()

    # A restart does not say it again while the 429s go on.
    before = len(refusing_server.requests)
    agent = run.start()
    try:
        assert wait_for(lambda: len(refusing_server.requests) >= before + 2, 20), run.log()
    finally:
        code, _, stderr = terminate(agent)
    assert code == 0, stderr
    assert run.log().count(expected) == 1
    assert status_json(run)["user_agent_hint"] == expected


def test_persistent_429s_with_the_default_user_agent_blame_nothing(
    tmp_path: Path, refusing_server: TimedServer, fake_claude: FakeClaude
) -> None:
    run = AgentRun(tmp_path, refusing_server.url)
    run.settings["RATE_LIMIT_BACKOFF_MAX_SECONDS"] = "1"
    agent = run.start()
    try:
        assert wait_for(lambda: len(refusing_server.requests) >= PERSISTENT_429_POLLS + 1, 20)
    finally:
        code, _, stderr = terminate(agent)
    assert code == 0, stderr
    assert {r.header("user-agent") for r in refusing_server.requests} == {"claude-code/2.1.77"}
    assert "likely cause" not in run.log()
    assert status_json(run)["user_agent_hint"] is None
