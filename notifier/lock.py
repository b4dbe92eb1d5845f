"""Exactly one agent per user: an ``flock`` on ``agent.lock`` in the state folder.

Edge. The kernel drops an ``flock`` when its holder dies, however it dies
(``kill -9`` included), so a crashed agent never leaves a stale lock and there
is no pid-file guessing. The file itself is never deleted: unlinking a lock
file races with the next agent opening it. The holder's pid is written into
the file only so a second ``run`` (and ``agent-status``) can name it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path
from types import TracebackType

from notifier.core.errors import AgentAlreadyRunning, StoreError
from notifier.paths import ensure_private_dir
from notifier.store import open_regular


def _read_pid(fd: int) -> int | None:
    try:
        raw = os.pread(fd, 32, 0)
    except OSError:
        return None
    text = raw.decode("ascii", "replace").strip()
    return int(text) if text.isdigit() else None


class AgentLock:
    """Held for the agent's whole life: ``with AgentLock(paths.lock_file): ...``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock or raise :class:`AgentAlreadyRunning` at once (never waits)."""
        try:
            ensure_private_dir(self.path.parent)
            fd = open_regular(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise StoreError(f"cannot open lock file {self.path}: {exc.strerror or exc}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            pid = _read_pid(fd)
            os.close(fd)
            who = f" (pid {pid})" if pid else ""
            raise AgentAlreadyRunning(
                f"another agent is already running{who}; "
                "stop it first (`claude-usage-notifier uninstall` or kill it) "
                "or check it with `claude-usage-notifier agent-status`"
            ) from None
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        """Let go (also happens by itself when the process dies)."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)

    @property
    def held(self) -> bool:
        """True while this object holds the lock."""
        return self._fd is not None

    def __enter__(self) -> AgentLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


def holder(path: Path) -> int | None:
    """The pid of the running agent, or ``None`` when no agent holds the lock.

    Probes with a non-blocking shared lock, which fails only while an agent
    holds its exclusive one; never creates the file.
    """
    try:
        fd = open_regular(path)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            return _read_pid(fd) or -1
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)
