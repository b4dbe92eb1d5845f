"""The single-agent lock: a second holder is refused, a killed holder leaves nothing stale."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from notifier.core.errors import AgentAlreadyRunning, ExitCode
from notifier.lock import AgentLock, holder

HOLD = """
import sys, time
from pathlib import Path
from notifier.lock import AgentLock
lock = AgentLock(Path(sys.argv[1]))
lock.acquire()
print("locked", flush=True)
time.sleep(60)
"""


def _child_holding(path: Path) -> subprocess.Popen[str]:
    child = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path)], stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    with child.stdout:
        assert child.stdout.readline().strip() == "locked"
    return child


def test_second_lock_is_refused_with_the_holders_pid(tmp_path: Path) -> None:
    path = tmp_path / "state" / "agent.lock"
    with AgentLock(path):
        with pytest.raises(AgentAlreadyRunning) as caught:
            AgentLock(path).acquire()
        assert f"pid {os.getpid()}" in str(caught.value)
        assert "already running" in str(caught.value)
        assert caught.value.exit_code == ExitCode.FOUND
        assert holder(path) == os.getpid()
    assert holder(path) is None


def test_lock_can_be_taken_again_after_release(tmp_path: Path) -> None:
    path = tmp_path / "agent.lock"
    first = AgentLock(path)
    first.acquire()
    first.release()
    with AgentLock(path) as second:
        assert second.held
    assert not second.held


def test_lock_file_and_folder_are_private(tmp_path: Path) -> None:
    path = tmp_path / "fresh" / "agent.lock"
    with AgentLock(path):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_other_process_holding_the_lock_blocks_us(tmp_path: Path) -> None:
    path = tmp_path / "agent.lock"
    child = _child_holding(path)
    try:
        with pytest.raises(AgentAlreadyRunning, match=f"pid {child.pid}"):
            AgentLock(path).acquire()
    finally:
        child.kill()
        child.wait()


def test_kill_9_leaves_no_stale_lock(tmp_path: Path) -> None:
    path = tmp_path / "agent.lock"
    child = _child_holding(path)
    assert holder(path) == child.pid
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert path.exists()  # the file stays (and still names the dead pid) ...
    assert holder(path) is None  # ... but nobody holds it
    with AgentLock(path) as lock:
        assert lock.held


def test_holder_of_a_missing_file_is_nobody(tmp_path: Path) -> None:
    assert holder(tmp_path / "nope.lock") is None
    assert not (tmp_path / "nope.lock").exists()
