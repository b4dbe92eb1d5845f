"""``run``: the agent, in the foreground (the login item starts exactly this)."""

from __future__ import annotations

import argparse

from notifier.cli.commands import common


def run(args: argparse.Namespace) -> int:
    """Poll, decide, notify and archive until SIGTERM/SIGINT; exit 0 when stopped."""
    where = common.paths()
    loaded = common.load_config(args, where)
    from notifier.agent import daemon  # the agent's imports (httpx, notifier stack) only for `run`

    return daemon.main(where, loaded)
