"""``history [BUCKET] [--days 7] [--json]``: each bucket's utilization over time, drawn.

Edge (reads the agent's ``history.jsonl`` and its rotated ``.1``, the config, the
clock and the terminal). The series and their events come from
:func:`notifier.core.history.build` (a replay through the real pipeline from a fresh
state), the drawing from :mod:`notifier.core.text.chart`. The chart fits the terminal
width (``COLUMNS`` first, as :func:`shutil.get_terminal_size` reads it) and is
coloured only on a terminal, never when piped or with ``NO_COLOR`` set.

Exit 0, also for an empty history (which says so); 2 for a bad ``--days`` or a
bucket the history has never seen (one line naming the ones it has).
"""

from __future__ import annotations

import argparse
import math
import shutil
import sys
from datetime import UTC, datetime, timedelta

from notifier.cli.commands.common import load_config, paths
from notifier.cli.output import Result, use_color
from notifier.core import history as core_history
from notifier.core.errors import InputError
from notifier.core.text import chart
from notifier.core.text.render import local_time
from notifier.recording import read_history

MAX_DAYS = 366.0


def _days(value: float) -> float:
    if not math.isfinite(value) or not 0 < value <= MAX_DAYS:
        raise InputError(f"--days must be more than 0 and at most {MAX_DAYS:g}, not {value:g}")
    return value


def _can_draw_blocks() -> bool:
    encoding = getattr(sys.stdout, "encoding", None) or "ascii"
    try:
        chart.BLOCKS.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def run(args: argparse.Namespace) -> Result:
    """Draw (or, with ``--json``, list) the history of the last ``--days`` days."""
    config = load_config(args).config
    days = _days(float(args.days))
    now = datetime.now(UTC)
    file = paths().history_file
    observations, skipped = read_history(file)
    notes = [f"warning: skipped {skipped} unreadable line(s) in {file}"] if skipped else []
    history = core_history.build(observations, config, now - timedelta(days=days), now)
    bucket: str | None = args.bucket
    if bucket is not None and history.observations:
        if bucket not in history.known:
            names = ", ".join(sorted(history.known)) or "none"
            raise InputError(f"unknown bucket {bucket!r}; the history has: {names}")
        history = history.only(bucket)
    data = core_history.to_json(history)
    if not history.observations:
        text = [f"No usage history yet: the agent records every poll in {file}."]
    elif not history.series and bucket is not None:
        text = [f"No numbers for {bucket} in the last {days:g} days."]
    elif not history.series:
        ended = history.last_observed_at or now
        text = [f"No numbers in the last {days:g} days; the history ends {local_time(ended, now)}."]
    else:
        text = chart.render(
            history,
            days=days,
            now=now,
            width=shutil.get_terminal_size((80, 24)).columns,
            ascii_only=not _can_draw_blocks(),
            colour=use_color(),
            thresholds={s.name: config.thresholds_for(s.name) for s in history.series},
            muted=frozenset(s.name for s in history.series if not config.is_enabled(s.name)),
        )
    return Result(text=text, data=data, notes=notes)
