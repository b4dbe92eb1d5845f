"""Helpers every command shares: config loading, warnings, JSON output."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from notifier import config as config_module
from notifier.config import LoadedConfig
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


def warn(message: str) -> None:
    """One line on stderr, prefixed like errors."""
    sys.stderr.write(f"claude-usage-notifier: warning: {message}\n")


def emit_json(data: Any) -> None:
    """One JSON document on stdout."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
