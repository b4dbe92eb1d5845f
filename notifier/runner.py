"""The one seam for running outside programs (security, osascript, launchctl, systemctl).

Edge. Code that shells out takes a :class:`CommandRunner`; production passes
:class:`SubprocessRunner`, tests pass :class:`RecordingRunner` (shipped here, as
the fake of our own seam) and assert the exact argv that would have run. argv
is always a list: no shell, nothing to quote.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, TypeVar

if TYPE_CHECKING:
    import asyncio

T = TypeVar("T")


@dataclass(frozen=True)
class CommandResult:
    """What a finished command gave back."""

    returncode: int
    stdout: bytes = b""
    stderr: bytes = b""

    @property
    def ok(self) -> bool:
        """True when the command exited 0."""
        return self.returncode == 0


class CommandRunner(Protocol):
    """Runs one argv and returns its result; a missing program is returncode 127."""

    def __call__(
        self, argv: Sequence[str], *, input_bytes: bytes | None = None, timeout: float = 15.0
    ) -> CommandResult:
        """Run ``argv`` (with ``input_bytes`` on stdin) and return what it gave back."""
        ...


class SubprocessRunner:
    """The real runner: a child in its own process group, a timeout, never a shell.

    On timeout the whole group is killed, not only the child: a program whose own
    child holds the output pipes open (a wrapper script, a node launcher) would
    otherwise keep us reading past the timeout until that grandchild ended.
    """

    def __call__(
        self, argv: Sequence[str], *, input_bytes: bytes | None = None, timeout: float = 15.0
    ) -> CommandResult:
        """Run ``argv``; a missing program or a timeout becomes a non-zero result."""
        try:
            process = subprocess.Popen(
                list(argv),
                stdin=subprocess.PIPE if input_bytes is not None else None,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
            )
        except FileNotFoundError:
            return CommandResult(127, b"", f"{argv[0]}: not found".encode())
        except OSError as exc:
            return CommandResult(126, b"", f"{argv[0]}: {exc.strerror or exc}".encode())
        try:
            stdout, stderr = process.communicate(input_bytes, timeout=timeout)
        except subprocess.TimeoutExpired:
            _end_group(process)
            return CommandResult(124, b"", f"{argv[0]}: timed out after {timeout:g}s".encode())
        return CommandResult(process.returncode, stdout, stderr)


def _end_group(process: subprocess.Popen[bytes]) -> None:
    """Kill the timed-out child's process group, reap it, and drop its pipes."""
    with contextlib.suppress(OSError):
        os.killpg(process.pid, signal.SIGKILL)  # its own group: start_new_session
    with contextlib.suppress(OSError):
        process.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        # A grandchild that left the group could still hold the pipes: do not wait on it.
        process.communicate(timeout=1.0)
    for pipe in (process.stdin, process.stdout, process.stderr):
        if pipe is not None:
            with contextlib.suppress(OSError):
                pipe.close()
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=1.0)


def in_daemon_thread(work: Callable[[], T], *, name: str) -> asyncio.Future[T]:
    """``work()`` in a daemon thread of its own, as a future of the running loop.

    Why not :func:`asyncio.to_thread`: ``asyncio.Runner.close()`` and the
    interpreter's exit wait for executor threads, so a slow outside program (a
    Keychain prompt, a hanging ``claude``) would hold shutdown hostage. A daemon
    thread is abandoned instead; cancelling the future abandons its answer.
    """
    import asyncio  # only callers inside an event loop need it

    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(result: T | None, error: Exception | None) -> None:
        if future.done():  # cancelled meanwhile: nobody wants the answer
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)  # type: ignore[arg-type]  # None only with an error

    def run() -> None:
        result: T | None = None
        error: Exception | None = None
        try:
            result = work()
        except Exception as exc:  # handed to the awaiting coroutine
            error = exc
        with contextlib.suppress(RuntimeError):  # the loop is closed: shutting down
            loop.call_soon_threadsafe(settle, result, error)

    threading.Thread(target=run, name=name, daemon=True).start()
    return future


Responder = Callable[[Sequence[str]], CommandResult]


@dataclass
class RecordingRunner:
    """A fake runner: records every argv and answers from ``respond`` (default: success)."""

    respond: Responder = field(default=lambda argv: CommandResult(0))
    calls: list[list[str]] = field(default_factory=list)
    inputs: list[bytes | None] = field(default_factory=list)

    def __call__(
        self, argv: Sequence[str], *, input_bytes: bytes | None = None, timeout: float = 15.0
    ) -> CommandResult:
        """Record and answer without running anything."""
        del timeout
        self.calls.append(list(argv))
        self.inputs.append(input_bytes)
        return self.respond(argv)
