"""The statusline spool: the last reading Claude Code handed ``statusline``, for the agent.

Edge (one small file in the state folder). Written by ``statusline`` on every
refresh that carries ``rate_limits``, read by the agent at each poll deadline
(:mod:`notifier.core.passive` decides whether the reading stands in for the
poll). The document::

    {"version": 1, "read_at": <epoch seconds, float>,
     "rate_limits": {"five_hour": {"used_percentage": ..., "resets_at": ...},
                     "seven_day": {...}}}

``rate_limits`` keeps only the two windows the agent can use, with their numeric
fields as Claude Code sent them (the reader validates them; the writer does not
need to).

Standard library only (``os``, ``json``, ``stat``; not even ``contextlib``) and nothing of
ours: ``statusline`` imports this on every statusline refresh, where every
millisecond of start-up shows. So no :mod:`notifier.store` (which pulls in ``tempfile`` and
``pathlib``): the write is done here by hand, the same way:

- atomic: a temp file created exclusively beside the spool, then ``os.replace``.
  Several Claude Code sessions may write at once; each rename is whole, so the
  file always holds one complete reading, the newest writer's;
- private: the folder is created 0700 when missing and the file is 0600 from its
  creation (``os.open`` with the mode, never widened);
- not fsynced: a reading is disposable (it is stale within minutes, and a torn
  file after a power cut only means "no reading": the reader ignores what it
  cannot parse), while an fsync on every statusline refresh would cost
  milliseconds each time on a slow disk.
"""

from __future__ import annotations

import json
import os
import stat  # already loaded by os itself: free at start-up

TYPE_CHECKING = False  # typing is not imported at run time: its import costs start-up time
if TYPE_CHECKING:
    from typing import Any

FILE_NAME = "statusline-reading.json"
VERSION = 1
WINDOWS = ("five_hour", "seven_day")
MAX_BYTES = 64 * 1024
"""A spool larger than this is not ours: it is ignored unread."""
_FIELDS = ("used_percentage", "resets_at")
STALE_TEMP_SECONDS = 60.0


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def document(rate_limits: object, read_at: float) -> dict[str, Any] | None:
    """The spool document for Claude Code's ``rate_limits``; None when it has no window for us."""
    if not isinstance(rate_limits, dict):
        return None
    windows: dict[str, dict[str, Any]] = {}
    for name in WINDOWS:
        raw = rate_limits.get(name)
        if isinstance(raw, dict) and _number(raw.get("used_percentage")):
            windows[name] = {key: raw[key] for key in _FIELDS if _number(raw.get(key))}
    if not windows:
        return None
    return {"version": VERSION, "read_at": read_at, "rate_limits": windows}


def path_in(state_dir: str) -> str:
    """The spool file in ``state_dir``."""
    return os.path.join(state_dir, FILE_NAME)


def write(state_dir: str, data: dict[str, Any]) -> None:
    """Replace the spool in ``state_dir`` with ``data``, atomically and privately.

    Raises ``OSError`` (the caller, a statusline, swallows it: a reading that
    could not be left for the agent costs at most one poll).
    """
    os.makedirs(state_dir, mode=0o700, exist_ok=True)
    target = path_in(state_dir)
    temp = os.path.join(state_dir, f".{FILE_NAME}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    body = json.dumps(data, separators=(",", ":")).encode("utf-8")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        try:
            os.write(fd, body)
        finally:
            os.close(fd)
        os.replace(temp, target)
    except OSError:
        try:  # noqa: SIM105 - contextlib is an import the statusline does not pay for
            os.unlink(temp)
        except OSError:
            pass  # gone already, or the folder itself is the problem: the first error counts
        raise


def read(path: str) -> object | None:
    """The spool's JSON document, or None when there is none or it is not readable JSON.

    Never raises for what the file holds or lacks: a statusline reading is a
    bonus, and without one the agent simply polls.
    """
    try:
        # O_NONBLOCK: opening a FIFO planted here must not wait for a writer (the agent
        # reads this at each poll); the fstat below then refuses anything not a file.
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        raw = os.read(fd, MAX_BYTES + 1)
    except OSError:
        return None
    finally:
        os.close(fd)
    if len(raw) > MAX_BYTES:
        return None
    try:
        document: object = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return document


def sweep(state_dir: str, now: float) -> int:
    """Remove temp files of writers killed mid-write (older than a minute); return how many.

    A live writer's temp file exists for microseconds, so one a minute old is
    an orphan; the age keeps this safe while statuslines are writing.
    """
    removed = 0
    prefix = f".{FILE_NAME}."
    try:
        names = os.listdir(state_dir)
    except OSError:
        return 0
    for name in names:
        if not (name.startswith(prefix) and name.endswith(".tmp")):
            continue
        leftover = os.path.join(state_dir, name)
        try:
            if now - os.lstat(leftover).st_mtime > STALE_TEMP_SECONDS:
                os.unlink(leftover)
                removed += 1
        except OSError:
            continue  # another sweeper or the writer itself got there first
    return removed
