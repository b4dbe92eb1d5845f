"""The Claude Code version probe: parsing, finding ``claude``, and the day-long cache.

The command itself goes through :class:`~notifier.runner.RecordingRunner` here
(its answers are the real ``claude --version`` shapes); a real script on
``PATH`` is run in ``tests/integration/test_user_agent_http.py``.
"""

from __future__ import annotations

import asyncio
import json
import os
import stat
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from notifier.claude_version import ClaudeVersionReader, agent_of, find_claude, parse_version
from notifier.core.useragent import FALLBACK_VERSION
from notifier.runner import CommandResult, RecordingRunner

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


class Clock:
    """A settable wall clock."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def answers(stdout: bytes, returncode: int = 0) -> RecordingRunner:
    return RecordingRunner(respond=lambda argv: CommandResult(returncode, stdout, b""))


def install_claude(folder: Path, text: str = "#!/bin/sh\nexit 0\n") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    program = folder / "claude"
    program.write_text(text)
    program.chmod(0o755)
    return program


@pytest.fixture
def bin_dir(tmp_path: Path) -> Path:
    return tmp_path / "bin"


def reader_for(
    tmp_path: Path, bin_dir: Path, runner: RecordingRunner, clock: Clock | None = None
) -> ClaudeVersionReader:
    return ClaudeVersionReader(
        tmp_path / "app" / "state" / "claude-version.json",
        runner=runner,
        environ={"PATH": str(bin_dir), "HOME": str(tmp_path / "home")},
        search_dirs=(),
        clock=clock or Clock(),
    )


@pytest.mark.parametrize(
    ("stdout", "version"),
    [
        (b"2.1.3 (Claude Code)\n", "2.1.3"),  # what Claude Code prints
        (b"1.0.128 (Claude Code)\n", "1.0.128"),
        (b"\n  2.0.14-beta.1 (Claude Code)\n", "2.0.14-beta.1"),
        (b"2.1.3\n", "2.1.3"),
        (b"", None),
        (b"\n\n", None),
        (b"claude: command not found\n", None),
        (b"v2.1.3\n", None),
        (b"2\n", None),
        (b"2.1.3\x00evil (Claude Code)", None),
        (b"\xff\xfe2.1.3", None),
        (b"Update available! 2.1.4\n2.1.3 (Claude Code)\n", None),  # first token only
    ],
)
def test_parse_version_takes_the_first_token_when_it_is_a_version(
    stdout: bytes, version: str | None
) -> None:
    assert parse_version(stdout) == version


def test_find_claude_prefers_path_then_the_installers_folders(tmp_path: Path) -> None:
    on_path = install_claude(tmp_path / "bin")
    native = install_claude(tmp_path / "home" / ".local" / "bin")
    env = {"PATH": str(tmp_path / "bin"), "HOME": str(tmp_path / "home")}
    assert find_claude(env) == on_path
    # A login item's PATH (launchd: /usr/bin:/bin:...) lacks ~/.local/bin: still found.
    assert find_claude({**env, "PATH": str(tmp_path / "empty")}) == native


def test_find_claude_skips_a_file_that_is_not_executable(tmp_path: Path) -> None:
    program = install_claude(tmp_path / "home" / ".local" / "bin")
    program.chmod(0o644)
    env = {"PATH": "", "HOME": str(tmp_path / "home")}
    assert find_claude(env, [program.parent]) is None


def test_the_version_comes_from_claude_and_is_cached_privately(
    tmp_path: Path, bin_dir: Path
) -> None:
    program = install_claude(bin_dir)
    runner = answers(b"2.1.77 (Claude Code)\n")
    reader = reader_for(tmp_path, bin_dir, runner)
    found = reader.read()
    assert (found.version, found.source) == ("2.1.77", "claude")
    assert found.user_agent == "claude-code/2.1.77"
    assert runner.calls == [[str(program), "--version"]]
    assert agent_of(found).describe() == (
        f"claude-code/2.1.77 (the version of Claude Code at {program.resolve()})"
    )
    assert stat.S_IMODE(reader.cache_file.stat().st_mode) == 0o600
    cached = json.loads(reader.cache_file.read_text())
    assert cached["version"] == "2.1.77"
    assert cached["binary"]["path"] == str(program.resolve())
    assert cached["read_at"] == T0.isoformat()


def test_the_cache_spares_the_probe_for_a_day_across_readers(tmp_path: Path, bin_dir: Path) -> None:
    install_claude(bin_dir)
    clock = Clock()
    reader_for(tmp_path, bin_dir, answers(b"2.1.77 (Claude Code)\n"), clock).read()

    clock.now = T0 + timedelta(hours=23, minutes=59)
    later = answers(b"2.1.78 (Claude Code)\n")  # a new process: only the file remembers
    assert reader_for(tmp_path, bin_dir, later, clock).read().version == "2.1.77"
    assert later.calls == []

    clock.now = T0 + timedelta(days=1)
    assert reader_for(tmp_path, bin_dir, later, clock).read().version == "2.1.78"
    assert len(later.calls) == 1


def test_memory_spares_the_probe_when_the_cache_cannot_be_written(
    tmp_path: Path, bin_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    install_claude(bin_dir)
    blocked = tmp_path / "app" / "state"
    blocked.parent.mkdir(parents=True)
    blocked.write_text("a file where the state folder should be")
    runner = answers(b"2.1.77 (Claude Code)\n")
    reader = reader_for(tmp_path, bin_dir, runner)
    assert reader.read().version == "2.1.77"
    assert reader.read().version == "2.1.77"
    assert len(runner.calls) == 1
    warnings = [r for r in caplog.records if "cannot cache the Claude Code version" in r.message]
    assert len(warnings) == 1


def test_a_changed_binary_is_asked_again_at_once(tmp_path: Path, bin_dir: Path) -> None:
    program = install_claude(bin_dir)
    runner = answers(b"2.1.77 (Claude Code)\n")
    reader = reader_for(tmp_path, bin_dir, runner)
    reader.read()
    reader.read()
    assert len(runner.calls) == 1
    # An update rewrites the file: another size (and mtime).
    program.write_text("#!/bin/sh\n# updated\nexit 0\n")
    runner.respond = lambda argv: CommandResult(0, b"2.1.80 (Claude Code)\n", b"")
    assert reader.read().version == "2.1.80"
    assert len(runner.calls) == 2


def test_a_changed_mtime_alone_is_a_changed_binary(tmp_path: Path, bin_dir: Path) -> None:
    program = install_claude(bin_dir)
    runner = answers(b"2.1.77 (Claude Code)\n")
    reader_for(tmp_path, bin_dir, runner).read()
    info = program.stat()
    os.utime(program, ns=(info.st_atime_ns, info.st_mtime_ns + 10**9))
    reader_for(tmp_path, bin_dir, runner).read()
    assert len(runner.calls) == 2


def test_a_symlink_to_a_new_install_is_a_changed_binary(tmp_path: Path, bin_dir: Path) -> None:
    # The native installer points ~/.local/bin/claude at a versioned file.
    old = install_claude(tmp_path / "versions" / "2.1.77")
    new = install_claude(tmp_path / "versions" / "2.1.80")
    bin_dir.mkdir()
    (bin_dir / "claude").symlink_to(old)
    runner = answers(b"2.1.77 (Claude Code)\n")
    reader = reader_for(tmp_path, bin_dir, runner)
    reader.read()
    (bin_dir / "claude").unlink()
    (bin_dir / "claude").symlink_to(new)
    reader.read()
    assert len(runner.calls) == 2


@pytest.mark.parametrize(
    ("stdout", "returncode", "reason"),
    [
        (b"<html>oops</html>", 0, "`claude --version` printed no version"),
        (b"", 1, "`claude --version` exited 1"),
        (b"", 124, "`claude --version` timed out after 5 s"),  # the runner's timeout code
    ],
)
def test_an_odd_answer_is_the_fallback_and_is_not_asked_again_today(
    tmp_path: Path, bin_dir: Path, stdout: bytes, returncode: int, reason: str
) -> None:
    install_claude(bin_dir)
    runner = answers(stdout, returncode)
    found = reader_for(tmp_path, bin_dir, runner).read()
    assert (found.version, found.source, found.reason) == (FALLBACK_VERSION, "fallback", reason)
    assert agent_of(found).describe() == (
        f"claude-code/{FALLBACK_VERSION} (a built-in Claude Code version: {reason})"
    )
    again = reader_for(tmp_path, bin_dir, runner).read()
    assert again.version == FALLBACK_VERSION
    assert len(runner.calls) == 1  # never more than once a day, even when it fails


def test_no_claude_is_the_fallback_without_running_anything(tmp_path: Path, bin_dir: Path) -> None:
    runner = answers(b"2.1.77 (Claude Code)\n")
    found = reader_for(tmp_path, bin_dir, runner).read()
    assert (found.version, found.source) == (FALLBACK_VERSION, "fallback")
    assert found.user_agent == "claude-code/2.1.0"
    assert agent_of(found).describe() == (
        "claude-code/2.1.0 (a built-in Claude Code version: "
        "`claude` was not found on PATH or where its installers put it)"
    )
    assert runner.calls == []


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        "[]",
        '{"format": 99, "version": "2.1.5"}',
        '{"format": 1, "version": "2.1.5; rm -rf", "source": "claude", "read_at": null}',
    ],
)
def test_a_cache_file_we_did_not_write_is_ignored_and_rewritten(
    tmp_path: Path, bin_dir: Path, content: str
) -> None:
    install_claude(bin_dir)
    runner = answers(b"2.1.77 (Claude Code)\n")
    reader = reader_for(tmp_path, bin_dir, runner)
    reader.cache_file.parent.mkdir(parents=True)
    reader.cache_file.write_text(content)
    assert reader.read().version == "2.1.77"
    assert json.loads(reader.cache_file.read_text())["version"] == "2.1.77"


def test_a_clock_set_back_asks_again(tmp_path: Path, bin_dir: Path) -> None:
    install_claude(bin_dir)
    clock = Clock()
    runner = answers(b"2.1.77 (Claude Code)\n")
    reader_for(tmp_path, bin_dir, runner, clock).read()
    clock.now = T0 - timedelta(days=3)  # a read "in the future" says nothing about today
    reader_for(tmp_path, bin_dir, runner, clock).read()
    assert len(runner.calls) == 2


async def test_read_async_gives_up_on_a_stuck_probe_and_keeps_the_fallback(
    tmp_path: Path, bin_dir: Path
) -> None:
    install_claude(bin_dir)
    release = threading.Event()
    calls: list[Sequence[str]] = []

    def stuck(argv: Sequence[str]) -> CommandResult:
        # A runner that ignores its timeout: read_async must not trust it.
        calls.append(argv)
        release.wait(30)
        return CommandResult(0, b"2.1.77 (Claude Code)\n", b"")

    reader = ClaudeVersionReader(
        tmp_path / "app" / "state" / "claude-version.json",
        runner=RecordingRunner(respond=stuck),
        environ={"PATH": str(bin_dir)},
        search_dirs=(),
        timeout=0.2,
    )
    try:
        started = time.monotonic()
        found = await reader.read_async()
        waited = time.monotonic() - started
        assert (found.version, found.source) == (FALLBACK_VERSION, "fallback")
        assert found.reason == "`claude --version` gave no answer within 0.2 s"
        assert waited < 5  # bounded by the timeout (0.2 s + margin), far from the runner's 30
        # Kept for the day: the next poll does not start another probe.
        assert (await reader.read_async()).source == "fallback"
        assert len(calls) == 1
    finally:
        release.set()
    await asyncio.sleep(0)
