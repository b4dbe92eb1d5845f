"""The production runner against real programs: output, stdin, missing programs, timeouts."""

from __future__ import annotations

import time
from pathlib import Path

from notifier.runner import SubprocessRunner
from tests.integration.test_user_agent_http import assert_gone


def test_output_and_exit_code() -> None:
    result = SubprocessRunner()(["/bin/sh", "-c", "echo out; echo err >&2; exit 3"])
    assert (result.returncode, result.stdout, result.stderr) == (3, b"out\n", b"err\n")


def test_input_reaches_stdin() -> None:
    assert SubprocessRunner()(["/bin/cat"], input_bytes=b"secret-ish").stdout == b"secret-ish"


def test_a_missing_program_is_127(tmp_path: Path) -> None:
    result = SubprocessRunner()([str(tmp_path / "absent")])
    assert result.returncode == 127


def test_a_timeout_kills_the_group_even_when_a_child_holds_the_pipes(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    script = f'/bin/sleep 60 & echo $! > "{pid_file}"; wait'
    started = time.monotonic()
    result = SubprocessRunner()(["/bin/sh", "-c", script], timeout=0.5)
    assert time.monotonic() - started < 10  # not the child's 60 s
    assert result.returncode == 124
    assert result.stderr == b"/bin/sh: timed out after 0.5s"
    assert_gone(int(pid_file.read_text()))
