"""Claude Code's ``settings.json``: add or remove our ``statusLine`` entry, and nothing else.

Edge (one file that belongs to the user and to Claude Code, not to us). The
file is ``$CLAUDE_CONFIG_DIR/settings.json``, default ``~/.claude/settings.json``.
The entry is::

    "statusLine": {"type": "command", "command": "<our command> statusline --state-dir DIR"}

How carefully, because a broken ``settings.json`` breaks Claude Code:

- a file that is not a JSON object is refused (:class:`InputError`, exit 2),
  never "repaired": the user's comments or half-edited text stay theirs;
- an existing ``statusLine`` that is not ours is never overwritten: the
  result says so, with a small script that shows both lines;
- before any change, the file as it was is copied beside it
  (``settings.json.bak-<UTC time>``, never overwriting an older backup);
- the new text is written atomically (temp file, fsync, rename) with the
  file's own mode; a symlinked ``settings.json`` (dotfile managers) is
  written through to its target, so the link survives;
- every other key keeps its value and its order.

Ours means: the command runs this program's ``statusline`` (our console script,
or ``python -m notifier``). ``uninstall --statusline`` removes only such an
entry. The command names the absolute console script when there is one beside
the interpreter (its ``sys.path`` cannot be shadowed by the project folder
Claude Code runs it in), else the interpreter with ``-P -m notifier`` (``-P``:
the working folder is not put on ``sys.path``). ``--state-dir`` carries the
resolved state folder, so the statusline finds the agent's state without
platformdirs (see :mod:`notifier.cli.commands.statusline`).
"""

from __future__ import annotations

import itertools
import json
import os
import shlex
import stat
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from notifier.core import PROGRAM
from notifier.core.errors import InputError, StoreError
from notifier.store import atomic_write_bytes

CONFIG_DIR_ENV = "CLAUDE_CONFIG_DIR"
KEY = "statusLine"


class Change(StrEnum):
    """What an install or uninstall did to ``settings.json``."""

    ADDED = "added"
    UPDATED = "updated"  # ours, with an older command (a moved virtualenv)
    UNCHANGED = "unchanged"  # ours already, same command
    FOREIGN = "foreign"  # someone else's statusLine: left alone
    REMOVED = "removed"
    ABSENT = "absent"  # nothing of ours to remove


@dataclass(frozen=True)
class Report:
    """The outcome: the file, what changed, the backup made, the entry found before."""

    file: Path
    change: Change
    backup: Path | None = None
    existing: Any = None
    entry: dict[str, str] | None = None


def settings_file(environ: Mapping[str, str] | None = None) -> Path:
    """``$CLAUDE_CONFIG_DIR/settings.json``, default ``~/.claude/settings.json``."""
    env = os.environ if environ is None else environ
    config_dir = env.get(CONFIG_DIR_ENV)
    base = Path(config_dir).expanduser() if config_dir else Path.home() / ".claude"
    return base / "settings.json"


def statusline_command(state_dir: Path, python: str | None = None) -> str:
    """The shell command Claude Code should run (absolute paths, quoted)."""
    interpreter = python or os.path.abspath(sys.executable)  # noqa: PTH100 - keep venv symlinks
    script = Path(interpreter).with_name(PROGRAM)
    if script.is_file() and os.access(script, os.X_OK):
        argv = [str(script), "statusline"]
    else:
        argv = [interpreter, "-P", "-m", "notifier", "statusline"]
    return shlex.join([*argv, "--state-dir", str(state_dir)])


def entry(command: str) -> dict[str, str]:
    """The ``statusLine`` value for ``command``."""
    return {"type": "command", "command": command}


def is_ours(value: object) -> bool:
    """True when a ``statusLine`` value runs this program's ``statusline``."""
    if not isinstance(value, dict) or not isinstance(value.get("command"), str):
        return False
    try:
        words = shlex.split(value["command"])
    except ValueError:
        return False
    if "statusline" not in words:
        return False
    names = {Path(word).name for word in words}
    module = any(pair == ("-m", "notifier") for pair in itertools.pairwise(words))
    return PROGRAM in names or module


MAX_BYTES = 4 * 1024 * 1024
"""A settings file larger than this is not a settings file: refused, not read into memory."""


def _read_bytes(path: Path) -> bytes:
    """The file's bytes, through a symlink (dotfile managers link ``settings.json``) but never
    from a FIFO, a device or a folder: ``O_NONBLOCK`` keeps a planted FIFO from hanging the
    command at ``open``, and the ``fstat`` refuses it before any read.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError("not a regular file")
        chunks: list[bytes] = []
        size = 0
        while chunk := os.read(fd, 1 << 16):
            size += len(chunk)
            if size > MAX_BYTES:
                raise OSError(f"larger than {MAX_BYTES // (1024 * 1024)} MiB, not a settings file")
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def read(path: Path) -> dict[str, Any]:
    """The settings as a dict; ``{}`` when the file is missing; InputError when it is not JSON."""
    try:
        raw = _read_bytes(path)
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise InputError(
            f"{path} is not valid JSON; nothing was changed (fix it, or add the statusLine by hand)"
        ) from None
    if not isinstance(data, dict):
        raise InputError(f"{path} is not a JSON object; nothing was changed")
    return data


def _backup(path: Path, now: datetime) -> Path | None:
    if not path.exists():
        return None
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    for n in range(100):
        suffix = f".bak-{stamp}" + (f"-{n}" if n else "")
        target = path.with_name(path.name + suffix)
        if target.exists():
            continue
        try:
            data = _read_bytes(path)
            atomic_write_bytes(target, data, mode=_mode(path), ours=False)
        except OSError as exc:
            raise StoreError(f"cannot back up {path}: {exc.strerror or exc}") from None
        return target
    raise StoreError(f"cannot back up {path}: too many backups already")


def _mode(path: Path) -> int:
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return 0o600


def _write(path: Path, data: dict[str, Any]) -> None:
    target = path.resolve() if path.is_symlink() else path
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    atomic_write_bytes(target, text.encode("utf-8"), mode=_mode(target), ours=False)


def install(path: Path, command: str, now: datetime) -> Report:
    """Add our ``statusLine`` to ``path`` (see the module docstring for the care taken)."""
    settings = read(path)
    wanted = entry(command)
    existing = settings.get(KEY)
    if existing is not None and not is_ours(existing):
        return Report(path, Change.FOREIGN, existing=existing, entry=wanted)
    if existing == wanted:
        return Report(path, Change.UNCHANGED, existing=existing, entry=wanted)
    backup = _backup(path, now)
    settings[KEY] = wanted
    _write(path, settings)
    change = Change.ADDED if existing is None else Change.UPDATED
    return Report(path, change, backup=backup, existing=existing, entry=wanted)


def uninstall(path: Path, now: datetime) -> Report:
    """Remove our ``statusLine`` from ``path``; someone else's stays."""
    settings = read(path)
    existing = settings.get(KEY)
    if existing is None:
        return Report(path, Change.ABSENT)
    if not is_ours(existing):
        return Report(path, Change.FOREIGN, existing=existing)
    backup = _backup(path, now)
    del settings[KEY]
    _write(path, settings)
    return Report(path, Change.REMOVED, backup=backup, existing=existing)


def combine_hint(theirs: str, ours: str) -> list[str]:
    """How to show both lines: a small script for ``statusLine`` that runs each with stdin."""
    return [
        "To show both, point statusLine at a script such as:",
        "",
        "  #!/bin/sh",
        "  input=$(cat)",
        f"  left=$(printf '%s' \"$input\" | {theirs})",
        f"  right=$(printf '%s' \"$input\" | {ours})",
        '  printf \'%s  %s\\n\' "$left" "$right"',
        "",
        'and set "statusLine": {"type": "command", "command": "/path/to/that/script"}.',
    ]
