"""Run the real agent (``python -m notifier run``) as a subprocess against a loopback server.

Time is compressed through configuration (environment variables), never by
sleeping minutes: poll interval, backoff bases and timeouts are fractions of a
second. Notifications go to the log (``CLAUDE_USAGE_NOTIFIER_NOTIFY=log``) so the
tests do not depend on a session bus.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.integration.httpserver import RecordedRequest, Reply, ScriptedServer

FAKE_TOKEN = "sk-ant-oat01-FAKE-agent-test-token"

FAST = {
    "POLL_INTERVAL_SECONDS": "1",  # the floor (config bounds); backoffs stay compressed
    "POLL_JITTER_SECONDS": "0",
    "RATE_LIMIT_BACKOFF_SECONDS": "0.5",
    "RATE_LIMIT_BACKOFF_MAX_SECONDS": "5",
    "ERROR_BACKOFF_SECONDS": "0.25",
    "ERROR_BACKOFF_MAX_SECONDS": "5",
    "CONNECT_TIMEOUT_SECONDS": "0.5",
    "READ_TIMEOUT_SECONDS": "0.5",
    "NOTIFY": "log",
}


class TimedServer(ScriptedServer):
    """A ScriptedServer that also notes when (wall and monotonic) each request arrived."""

    def __init__(self, replies: tuple[Reply, ...] = (), *, default: Reply | None = None) -> None:
        super().__init__(replies, default=default)
        self.wall: list[float] = []
        self.mono: list[float] = []

    def _next(self, request: RecordedRequest) -> Reply:
        self.wall.append(time.time())
        self.mono.append(time.monotonic())
        return super()._next(request)


@dataclass
class AgentRun:
    """Everything one test needs to start, watch and stop agents in one private world."""

    root: Path
    base_url: str
    settings: dict[str, str] = field(default_factory=lambda: dict(FAST))

    def __post_init__(self) -> None:
        claude = self.root / "claude"
        claude.mkdir(parents=True, exist_ok=True)
        credentials = claude / ".credentials.json"
        credentials.write_text(
            json.dumps(
                {
                    "claudeAiOauth": {
                        "accessToken": FAKE_TOKEN,
                        "refreshToken": "sk-ant-ort01-FAKE-refresh",
                        "expiresAt": 4102444800000,  # 2100-01-01
                        "scopes": ["user:inference", "user:profile"],
                    }
                }
            )
        )
        credentials.chmod(0o600)

    @property
    def app(self) -> Path:
        """CLAUDE_USAGE_NOTIFIER_HOME of the agents."""
        return self.root / "app"

    @property
    def state_file(self) -> Path:
        """The agent's state.json."""
        return self.app / "state" / "state.json"

    @property
    def log_file(self) -> Path:
        """The agent's log."""
        return self.app / "log" / "agent.log"

    def env(self) -> dict[str, str]:
        """The environment of an agent: this world, compressed time, no session bus."""
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR"}
        }
        env["CLAUDE_USAGE_NOTIFIER_HOME"] = str(self.app)
        env["CLAUDE_CONFIG_DIR"] = str(self.root / "claude")
        env["CLAUDE_USAGE_NOTIFIER_BASE_URL"] = self.base_url
        for key, value in self.settings.items():
            env[f"CLAUDE_USAGE_NOTIFIER_{key}"] = value
        return env

    def start(self) -> subprocess.Popen[str]:
        """Start ``python -m notifier run``; stdout/stderr are captured."""
        return subprocess.Popen(
            [sys.executable, "-m", "notifier", "run"],
            env=self.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def state(self) -> dict[str, Any]:
        """state.json as written by the agent."""
        data: dict[str, Any] = json.loads(self.state_file.read_text())
        return data

    def log(self) -> str:
        """The agent log so far ('' when missing)."""
        try:
            return self.log_file.read_text()
        except FileNotFoundError:
            return ""


def wait_for(predicate: Callable[[], bool], timeout: float) -> bool:
    """Poll ``predicate`` every 20 ms until it holds or ``timeout`` passes."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def terminate(proc: subprocess.Popen[str], timeout: float = 5.0) -> tuple[int, float, str]:
    """SIGTERM, then wait: (exit code, seconds it took, stderr). Kills after ``timeout``."""
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
        return -9, time.monotonic() - started, err
    return proc.returncode, time.monotonic() - started, err


def kill9(proc: subprocess.Popen[str]) -> None:
    """SIGKILL and reap."""
    proc.kill()
    proc.communicate()
