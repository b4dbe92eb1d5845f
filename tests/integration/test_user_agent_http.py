"""The User-Agent the loopback server receives, with a real fake ``claude`` on ``PATH``.

The fake is a shell script in a temp folder put first on ``PATH``; it appends a
line to a count file on each run, so the tests can tell a cached answer from a
fresh ``claude --version``. The probe runs through the production
:class:`~notifier.runner.SubprocessRunner`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from notifier.claude_version import ClaudeVersionReader
from notifier.client import fetch_usage
from notifier.core.models import Config
from notifier.paths import resolve
from tests.integration.httpserver import Reply, ScriptedServer

TOKEN = "sk-ant-oat01-FAKE-UA-TOKEN-0123456789"
PAYLOAD = {"five_hour": {"utilization": 12.0, "resets_at": None}}


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    with ScriptedServer(default=Reply.json(PAYLOAD)) as running:
        yield running
    assert not running.errors


class FakeClaude:
    """A ``claude`` script on ``PATH`` that counts its runs."""

    def __init__(self, folder: Path, body: str) -> None:
        self.folder = folder
        self.count_file = folder / "calls"
        folder.mkdir(parents=True, exist_ok=True)
        program = folder / "claude"
        program.write_text(f'#!/bin/sh\necho run >> "{self.count_file}"\n{body}\n')
        program.chmod(0o755)

    @property
    def calls(self) -> int:
        if not self.count_file.exists():
            return 0
        return len(self.count_file.read_text().splitlines())


@pytest.fixture
def bin_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An otherwise empty folder as the whole ``PATH``: no real ``claude`` leaks in."""
    folder = tmp_path / "bin"
    folder.mkdir()
    monkeypatch.setenv("PATH", str(folder))
    return folder


def new_reader(timeout: float = 5.0) -> ClaudeVersionReader:
    # A new reader is a new process: only the cache file in the state folder remembers.
    # No extra folders: a Claude Code installed on the developer's machine stays out.
    return ClaudeVersionReader(resolve().claude_version_file, search_dirs=(), timeout=timeout)


def assert_gone(pid: int) -> None:
    """The process ended (a zombie nobody reaped yet counts: it runs no more)."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return
        except psutil.NoSuchProcess:
            return
        time.sleep(0.05)
    pytest.fail(f"process {pid} still runs")


async def poll(server: ScriptedServer, reader: ClaudeVersionReader, **settings: str) -> str:
    config = Config(base_url=server.url, **settings)
    await fetch_usage(config, token_provider=lambda: TOKEN, user_agent=reader.user_agent)
    return server.requests[-1].header("user-agent") or ""


async def test_the_header_carries_the_installed_claude_codes_version(
    server: ScriptedServer, bin_dir: Path
) -> None:
    fake = FakeClaude(bin_dir, 'echo "2.1.77 (Claude Code)"')
    assert await poll(server, new_reader()) == "claude-code/2.1.77"
    assert fake.calls == 1


async def test_the_cache_is_used_on_the_second_run(server: ScriptedServer, bin_dir: Path) -> None:
    fake = FakeClaude(bin_dir, 'echo "2.1.77 (Claude Code)"')
    assert await poll(server, new_reader()) == "claude-code/2.1.77"
    assert await poll(server, new_reader()) == "claude-code/2.1.77"
    reader = new_reader()
    assert await poll(server, reader) == "claude-code/2.1.77"
    assert await poll(server, reader) == "claude-code/2.1.77"
    assert fake.calls == 1
    assert len(server.requests) == 4


async def test_without_claude_the_built_in_version(server: ScriptedServer, bin_dir: Path) -> None:
    assert not (bin_dir / "claude").exists()
    assert await poll(server, new_reader()) == "claude-code/2.1.0"


async def test_odd_output_is_the_built_in_version(server: ScriptedServer, bin_dir: Path) -> None:
    fake = FakeClaude(bin_dir, 'echo "Error: cannot find module"; exit 1')
    assert await poll(server, new_reader()) == "claude-code/2.1.0"
    assert await poll(server, new_reader()) == "claude-code/2.1.0"
    assert fake.calls == 1  # a broken claude is not re-run every poll


async def test_a_hanging_claude_is_cut_at_the_timeout_and_the_poll_goes_out(
    server: ScriptedServer, bin_dir: Path, tmp_path: Path
) -> None:
    # Not `exec`: the sleeping child holds the output pipe, as a node launcher's child can.
    pid_file = tmp_path / "sleeper.pid"
    fake = FakeClaude(bin_dir, f'/bin/sleep 60 &\necho $! > "{pid_file}"\nwait')
    started = time.monotonic()
    assert await poll(server, new_reader(timeout=0.5)) == "claude-code/2.1.0"
    assert time.monotonic() - started < 10  # 0.5 s and the kill, not the sleep's 60 s
    assert len(server.requests) == 1
    assert_gone(int(pid_file.read_text()))  # the whole group was killed, not only the shell
    # The timeout is remembered for the day: the next poll does not wait again.
    started = time.monotonic()
    assert await poll(server, new_reader(timeout=0.5)) == "claude-code/2.1.0"
    assert fake.calls == 1


async def test_the_user_agent_setting_wins(server: ScriptedServer, bin_dir: Path) -> None:
    fake = FakeClaude(bin_dir, 'echo "2.1.77 (Claude Code)"')
    assert await poll(server, new_reader(), user_agent="my-watcher/2.0") == "my-watcher/2.0"
    assert fake.calls == 0  # not even asked: the setting needs no version


async def test_the_environment_override_wins(
    server: ScriptedServer, bin_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from notifier import config as config_module

    FakeClaude(bin_dir, 'echo "2.1.77 (Claude Code)"')
    monkeypatch.setenv("CLAUDE_USAGE_NOTIFIER_USER_AGENT", "env-agent/3.1")
    loaded = config_module.load(None, resolve().config_file)
    reader = new_reader()
    config = loaded.config.model_copy(update={"base_url": server.url})
    await fetch_usage(config, token_provider=lambda: TOKEN, user_agent=reader.user_agent)
    assert server.requests[-1].header("user-agent") == "env-agent/3.1"
