"""``status --watch``: the status table, redrawn every poll interval from the agent's state.

Edge (the state file, the clock, stdout). It sends no request at all: the
agent polls, and this only shows what the agent last saw (its ``state.json``,
read leniently and read-only, never moved under a running agent's feet), so
a terminal left open all day costs the per-token budget nothing. Each frame
says how old the numbers are; countdowns run to the moment of the redraw.

On a terminal each frame replaces the previous one (cursor home, clear);
piped, frames follow each other separated by a blank line, and with
``--json`` each frame is one JSON document on its own line (the ``status
--json`` document plus ``as_of``, the time of the agent's last observation).
Ctrl-C ends it with exit 0: that is how a watch is meant to stop.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TextIO

from notifier.cli.commands import common, status
from notifier.cli.output import json_text
from notifier.core.buckets import Bucket
from notifier.core.errors import ExitCode, InputError
from notifier.core.models import Config, State
from notifier.core.text import render
from notifier.paths import Paths
from notifier.statefile import load_state

CLEAR = "\x1b[H\x1b[2J"


def buckets_of(state: State) -> list[Bucket]:
    """The buckets the agent remembers, closest to cap first (those with a number)."""
    found = [
        Bucket(name=name, utilization=bucket.last_utilization, resets_at=bucket.resets_at)
        for name, bucket in state.buckets.items()
        if bucket.last_utilization is not None
    ]
    return render.closest_to_cap(found)


def as_of(state: State) -> datetime | None:
    """When the agent last saw numbers: its last successful poll or statusline reading."""
    seen = [t for t in (state.agent.last_success_at, state.agent.last_reading_at) if t]
    return max(seen) if seen else None


def _ago(seconds: float) -> str:
    minutes = int(max(seconds, 0) // 60)
    if minutes < 1:
        return "just now"
    if minutes < 120:
        return f"{minutes} min ago"
    return f"{minutes // 60} h ago"


def frame(state: State, now: datetime, config: Config, *, ascii_only: bool = False) -> list[str]:
    """One redraw: a heading with the numbers' age, the table, the way out."""
    seen = as_of(state)
    buckets = buckets_of(state)
    if seen is None or not buckets:
        heading = "Claude usage: the agent has no numbers yet"
        body = ["  is it running? see `claude-usage-notifier agent-status`"]
    else:
        heading = (
            f"Claude usage as of {render.local_time(seen, now)} "
            f"({_ago((now - seen).total_seconds())}, from the agent)"
        )
        muted = frozenset(b.name for b in buckets if not config.is_enabled(b.name))
        body = render.table(render.rows(buckets, now, muted=muted, ascii_only=ascii_only))
    interval = config.poll_interval_seconds
    every = f"{interval / 60:g} min" if interval >= 60 else f"{interval:g} s"
    return [heading, *body, f"  redrawn every {every}; Ctrl-C to stop"]


def document(state: State, now: datetime) -> dict[str, Any]:
    """One ``--json`` frame: the ``status --json`` document and ``as_of``."""
    seen = as_of(state)
    data = status.document(buckets_of(state), now)
    data["as_of"] = seen.isoformat() if seen is not None else None
    return data


def watch(
    paths: Paths,
    config: Config,
    *,
    as_json: bool = False,
    out: TextIO | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> int:
    """Redraw until interrupted; 0 when Ctrl-C ends it."""
    stream = out or sys.stdout
    clear = not as_json and stream.isatty()
    ascii_only = not status._can_draw_blocks()
    first = True
    try:
        while True:
            state, _ = load_state(paths.state_file, move_aside=False)
            now = clock()
            if as_json:
                text = json_text(document(state, now))
            else:
                lines: Sequence[str] = frame(state, now, config, ascii_only=ascii_only)
                prefix = CLEAR if clear else ("" if first else "\n")
                text = prefix + "\n".join(lines)
            stream.write(text + "\n")
            stream.flush()
            first = False
            sleep(config.poll_interval_seconds)
    except KeyboardInterrupt:
        return int(ExitCode.OK)


def run(args: argparse.Namespace) -> int:
    """``status --watch``: streams frames, so it returns its exit code."""
    if getattr(args, "payload", None) is not None:
        raise InputError("--watch shows the agent's numbers; it cannot read --payload")
    config = common.load_config(args).config
    return watch(common.paths(), config, as_json=bool(getattr(args, "json", False)))
