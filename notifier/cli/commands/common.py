"""Helpers every command shares: the folders, config loading, the strict JSON-file reader."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from notifier import config as config_module
from notifier.cli.output import warn
from notifier.config import LoadedConfig
from notifier.core.errors import InputError
from notifier.paths import Paths, resolve


def paths() -> Paths:
    """The folders for this process."""
    return resolve()


def load_config(args: argparse.Namespace, where: Paths | None = None) -> LoadedConfig:
    """``--config FILE`` or the default location; warnings go to stderr once."""
    resolved = where or paths()
    loaded = config_module.load(getattr(args, "config", None), resolved.config_file)
    for line in loaded.warnings:
        warn(line)
    return loaded


def read_json_object(path: Path, what: str = "payload file") -> dict[str, Any]:
    """A JSON-object file given on the command line, or a one-line :class:`InputError`.

    One strict reader for every command (``status --payload``, ``drift check``,
    ``drift promote``), so they refuse the same things (empty, truncated, HTML,
    arrays, NaN, absurd nesting) with the same words.
    """
    from notifier.core.jsondoc import MAX_DOCUMENT_BYTES, NotAnObject, decode_object
    from notifier.store import NotRegularFile, read_capped

    try:
        raw = read_capped(path, MAX_DOCUMENT_BYTES)
    except FileNotFoundError:
        raise InputError(f"{what} {path}: no such file") from None
    except (IsADirectoryError, NotRegularFile) as exc:
        kind = exc.strerror if isinstance(exc, NotRegularFile) else "a folder"
        raise InputError(f"{what} {path} is {kind}") from None
    except OSError as exc:
        raise InputError(
            f"{what} {path}: cannot read: {exc.strerror or type(exc).__name__}"
        ) from None
    try:
        return decode_object(raw)
    except NotAnObject as exc:
        raise InputError(f"{what} {path} {exc.reason}") from None
