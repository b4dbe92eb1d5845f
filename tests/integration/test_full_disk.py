"""A full disk: one warning line, no logging tracebacks, SIGTERM still exits 0.

The agent's whole home is a 256 KiB tmpfs, filled to the last byte before the
agent starts (mounting needs root; without it the test skips, and fails under CI).
"""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import load_payload
from tests.integration.agent_harness import AgentRun, terminate, wait_for
from tests.integration.httpserver import Reply, ScriptedServer

pytestmark = pytest.mark.slow


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k,mode=0700", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        if os.environ.get("CI"):
            pytest.fail(f"cannot mount a tmpfs: {done.stderr!r}")
        pytest.skip("mounting a tmpfs needs root")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(folder: Path) -> None:
    """Write zeros until the disk refuses even one more byte (unbuffered)."""
    fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (65536, 4096, 512, 1):
            with contextlib.suppress(OSError):
                while os.write(fd, b"\0" * size):
                    pass
    finally:
        os.close(fd)


def test_a_full_disk_is_one_warning_line_and_sigterm_exits_0(
    tmp_path: Path, tiny_disk: Path
) -> None:
    payload = load_payload("oauth-usage-2025-11.json")
    payload["five_hour"]["utilization"] = 80.0
    with ScriptedServer(default=Reply.json(payload)) as server:
        run = AgentRun(tmp_path / "world", server.url)
        settings = run.env()
        settings["CLAUDE_USAGE_NOTIFIER_HOME"] = str(tiny_disk / "app")
        (tiny_disk / "app").mkdir()
        fill(tiny_disk)
        with pytest.raises(OSError, match="No space left") as caught:
            (tiny_disk / "probe").write_bytes(b"x" * 8192)
        assert caught.value.errno == errno.ENOSPC
        proc = subprocess.Popen(
            [*run_command()],
            env=settings,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert wait_for(lambda: len(server.requests) >= 3, 30)
        code, took, err = terminate(proc)
    assert code == 0, err
    assert took < 5
    assert "Traceback" not in err
    assert "Logging error" not in err
    lines = [line for line in err.splitlines() if line]
    assert len(lines) == 1, err
    assert "No space left on device" in lines[0]


def run_command() -> list[str]:
    import sys

    return [sys.executable, "-m", "notifier", "run"]
