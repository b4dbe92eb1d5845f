"""What a command did, and the one renderer that prints it.

Edge (stdout, stderr). A command returns a :class:`Result`: the lines for a
person, the document for a machine, notes for stderr and the exit code. The
CLI prints it here, as text or as ``--json``, so stdout stays clean for
machines and every JSON document carries its ``schema_version`` without each
command remembering to add it. Everything printed passes through
:mod:`notifier.core.text.clean` here: no server or file string reaches the
terminal with its control characters.

Commands that stream (``replay``, ``demo``, ``run``, ``status --watch``) write
as they go, through :func:`line`, and return their exit code: a week of
events or a poll loop cannot wait for one final value.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

from notifier.core import PROGRAM
from notifier.core.errors import ExitCode
from notifier.core.text.clean import json_safe, printable, printable_lines

PROG = PROGRAM

SCHEMA_VERSION = 1
"""Version of every ``--json`` object document; raised when a field changes meaning."""


@dataclass(frozen=True)
class Result:
    """The outcome of one command, before anything is printed."""

    text: Sequence[str] = ()
    """Lines for a person (stdout)."""
    data: Any = None
    """The ``--json`` document; ``None`` when the command has no JSON form."""
    notes: Sequence[str] = field(default_factory=tuple)
    """Hints and warnings for stderr (printed in both modes, prefixed with the program)."""
    exit_code: int = ExitCode.OK


def versioned(data: Any) -> Any:
    """An object document with ``schema_version`` first; lists (the contract's) unchanged.

    ``drift check --json`` is a list by contract, and ``replay --json`` is one
    event per line: their shape is fixed by the contract, so they stay as they are.
    """
    if isinstance(data, dict) and "schema_version" not in data:
        return {"schema_version": SCHEMA_VERSION, **data}
    return data


def json_text(data: Any) -> str:
    """One JSON document on one line (non-ASCII kept readable, controls escaped)."""
    return json_safe(json.dumps(versioned(data), ensure_ascii=False))


def render(
    result: Result,
    *,
    as_json: bool = False,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Print ``result`` (JSON when asked and available, else its text); return the exit code."""
    out = out or sys.stdout
    err = err or sys.stderr
    if as_json and result.data is not None:
        out.write(json_text(result.data) + "\n")
    elif result.text:
        out.write("\n".join(printable_lines(text) for text in result.text) + "\n")
    for note in result.notes:
        err.write(f"{PROG}: {printable(note)}\n")
    out.flush()
    return int(result.exit_code)


def line(text: str, *, out: TextIO | None = None) -> None:
    """One streamed line on stdout, flushed (for the commands that cannot wait)."""
    stream = out or sys.stdout
    stream.write(printable_lines(text) + "\n")
    stream.flush()


def warn(message: str) -> None:
    """One warning line on stderr, prefixed like errors."""
    sys.stderr.write(f"{PROG}: warning: {printable(message)}\n")


def use_color() -> bool:
    """Colour only for a person at a terminal: never with ``NO_COLOR``, ``TERM=dumb`` or a pipe.

    https://no-color.org: any non-empty ``NO_COLOR`` turns colour off. One rule for
    every command that colours (``status``, ``history``).
    """
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False
