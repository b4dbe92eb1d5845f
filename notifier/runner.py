"""The one seam for running outside programs (security, osascript, launchctl, systemctl).

Edge. Code that shells out takes a :class:`CommandRunner`; production passes
:class:`SubprocessRunner`, tests pass :class:`RecordingRunner` (shipped here, as
the fake of our own seam) and assert the exact argv that would have run. argv
is always a list: no shell, nothing to quote.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol


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
    """The real runner: ``subprocess.run`` with a timeout, never a shell."""

    def __call__(
        self, argv: Sequence[str], *, input_bytes: bytes | None = None, timeout: float = 15.0
    ) -> CommandResult:
        """Run ``argv``; a missing program or a timeout becomes a non-zero result."""
        try:
            done = subprocess.run(
                list(argv), input=input_bytes, capture_output=True, timeout=timeout, check=False
            )
        except FileNotFoundError:
            return CommandResult(127, b"", f"{argv[0]}: not found".encode())
        except subprocess.TimeoutExpired:
            return CommandResult(124, b"", f"{argv[0]}: timed out after {timeout:g}s".encode())
        except OSError as exc:
            return CommandResult(126, b"", f"{argv[0]}: {exc.strerror or exc}".encode())
        return CommandResult(done.returncode, done.stdout, done.stderr)


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
