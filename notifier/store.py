"""Crash-safe, private, hostile-filesystem-proof file primitives shared by every file we touch.

Edge. Every write is atomic (temp file in the same folder, fsync, ``os.replace``,
fsync of the folder) and private (0600 files, 0700 folders), so a crash or a
``kill -9`` leaves either the old file or the new one, never a torn one. The
rename replaces whatever sits at the target (a symlink included) without
following it.

Every read and every in-place open (lock, log, history append) goes through
:func:`open_regular`: ``O_NOFOLLOW`` (a symlink planted at one of our paths is
refused, never followed), ``O_NONBLOCK`` (a FIFO cannot hang us at open) and an
``fstat`` check that the thing opened is a regular file (not a FIFO, a device,
a socket). Reads are size capped (:func:`read_capped`), so a file that grew
without limit (or ``/dev/zero`` behind a name) costs at most the cap.
OSErrors are translated into :class:`~notifier.core.errors.StoreError` by the
writers here; readers of user-given files turn :class:`NotRegularFile` (an
``OSError`` whose ``strerror`` says what was found) into their own errors.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import stat
import time
from pathlib import Path
from typing import Any

from notifier.core.errors import StoreError
from notifier.core.jsondoc import read_int
from notifier.paths import ensure_private_dir

# Our own JSON files (state, archive entries, accepted schemas) are kilobytes.
MAX_JSON_BYTES = 16 * 1024 * 1024


class NotRegularFile(OSError):
    """The path is a symlink, a FIFO, a device or a socket: refused, never followed or read."""


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a regular file"


def open_regular(path: Path, flags: int = os.O_RDONLY, mode: int = 0o600) -> int:
    """``os.open`` that refuses symlinks and anything but a regular file; returns the fd.

    ``FileNotFoundError`` passes through (a missing file is often fine);
    :class:`NotRegularFile` names what was found instead. ``O_NONBLOCK`` is
    cleared again once the file is known to be regular.
    """
    extra = os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags | extra, mode)
    except OSError as exc:
        if exc.errno == errno.ELOOP or (exc.errno == errno.ENXIO and path.is_fifo()):
            what = "a symbolic link (not followed)" if path.is_symlink() else "a FIFO"
            raise NotRegularFile(exc.errno, f"{what}", str(path)) from None
        if exc.errno == errno.EISDIR:
            raise NotRegularFile(exc.errno, "a folder", str(path)) from None
        raise
    try:
        info = os.fstat(fd)
        regular = stat.S_ISREG(info.st_mode)
        if regular:
            os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    if not regular:
        os.close(fd)
        raise NotRegularFile(errno.EINVAL, _kind(info.st_mode), str(path))
    return fd


def read_capped(path: Path, limit: int) -> bytes:
    """The bytes of the regular file ``path``, or :class:`NotRegularFile` / ``OSError``.

    More than ``limit`` bytes is an ``OSError`` (``EFBIG``) without reading them all.
    """
    fd = open_regular(path)
    with os.fdopen(fd, "rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise OSError(errno.EFBIG, f"larger than {limit // 1024} KiB", str(path))
    return data


def atomic_write_bytes(path: Path, data: bytes, *, mode: int = 0o600, ours: bool = True) -> None:
    """Replace ``path`` with ``data`` atomically.

    ``ours`` (the default) is for the folders we own: they are created or
    tightened to 0700 and the file is 0600. For a place that belongs to the user
    or the system (a login-item folder, a chosen ``--output``, a source tree's
    ``schemas/``) pass ``ours=False`` and the wanted ``mode``: the parent is
    created if missing but its mode is left alone.
    """
    import tempfile  # writers only: readers (`status`) start faster without it

    try:
        if ours:
            ensure_private_dir(path.parent)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise StoreError(f"cannot write {path}: {exc.strerror or exc}") from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), mode)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        tmp.replace(path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise StoreError(f"cannot write {path}: {exc.strerror or exc}") from None
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    # Makes the rename itself durable; not possible on every platform/filesystem.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write_json(path: Path, data: Any) -> None:
    """Write ``data`` as indented UTF-8 JSON, atomically and privately."""
    text = json.dumps(data, indent=2, sort_keys=False, ensure_ascii=False) + "\n"
    atomic_write_bytes(path, text.encode("utf-8"))


def read_json(path: Path) -> Any:
    """Parse a JSON file we wrote. Missing file: ``FileNotFoundError`` passes through.

    Anything else that goes wrong (unreadable, not UTF-8, not JSON) is a
    :class:`StoreError`, so callers can move the file aside and go on.
    """
    try:
        raw = read_capped(path, MAX_JSON_BYTES)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise StoreError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        # Big numbers read as inf (not a refusal), so one bad value can be dropped alone.
        return json.loads(raw.decode("utf-8"), parse_int=read_int)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise StoreError(f"{path} is not valid JSON") from None


def sweep_temp_files(target: Path) -> int:
    """Remove temp files a killed writer of ``target`` left behind; return how many.

    Only call this while holding the lock that makes us ``target``'s only writer
    (the agent's lock for ``state.json``): otherwise a live writer's temp file
    could vanish under it.
    """
    removed = 0
    try:
        leftovers = list(target.parent.glob(f".{target.name}.*.tmp"))
    except OSError:
        return 0
    for leftover in leftovers:
        with contextlib.suppress(OSError):
            leftover.unlink()
            removed += 1
    return removed


TORN_AFTER_SECONDS = 60.0
"""A temp file this old has no live writer (a write takes milliseconds): it is torn."""


def sweep_folder(folder: Path, now: float | None = None) -> int:
    """Remove our torn temp files (``.<name>.<random>.tmp``) from ``folder``; return how many.

    For every folder we own, at the agent's start. Only regular files older than
    :data:`TORN_AFTER_SECONDS` go, so a command writing right now (``drift
    accept``) keeps its temp file; symlinks are unlinked, never followed.
    """
    current = time.time() if now is None else now
    removed = 0
    try:
        leftovers = list(folder.glob(".*.tmp"))
    except OSError:
        return 0
    for leftover in leftovers:
        try:
            info = leftover.lstat()
            if stat.S_ISDIR(info.st_mode) or current - info.st_mtime < TORN_AFTER_SECONDS:
                continue
            leftover.unlink()
            removed += 1
        except OSError:
            continue
    return removed


def move_aside(path: Path, reason: str) -> Path | None:
    """Rename a bad file to ``<name>.bad-<n>`` so nothing is lost; return the new path."""
    for n in range(1, 1000):
        target = path.with_name(f"{path.name}.{reason}-{n}")
        if not target.exists():
            try:
                path.rename(target)
            except OSError:
                return None
            return target
    return None
