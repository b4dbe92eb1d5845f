"""Crash-safe, private file primitives shared by every file we keep.

Edge. Every write is atomic (temp file in the same folder, fsync, ``os.replace``,
fsync of the folder) and private (0600 files, 0700 folders), so a crash or a
``kill -9`` leaves either the old file or the new one, never a torn one.
OSErrors are translated into :class:`~notifier.core.errors.StoreError` here.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from notifier.core.errors import StoreError
from notifier.core.jsondoc import read_int
from notifier.paths import ensure_private_dir


def atomic_write_bytes(path: Path, data: bytes, *, mode: int = 0o600, ours: bool = True) -> None:
    """Replace ``path`` with ``data`` atomically.

    ``ours`` (the default) is for the folders we own: they are created or
    tightened to 0700 and the file is 0600. For a place that belongs to the user
    or the system (a login-item folder, a chosen ``--output``, a source tree's
    ``schemas/``) pass ``ours=False`` and the wanted ``mode``: the parent is
    created if missing but its mode is left alone.
    """
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
        raw = path.read_bytes()
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
