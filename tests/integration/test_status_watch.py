"""``status --watch``: frames from the agent's state, no request, Ctrl-C ends it with 0.

In-process with an injected sleep (the last one raises KeyboardInterrupt, as
Ctrl-C would) and clock; one subprocess test sends a real SIGINT. The config
points ``base_url`` at a port nobody listens on: a request would fail loudly,
so a watch that fetched could not pass.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest

from notifier.cli.commands.watch import watch
from notifier.core.models import AgentState, BucketState, Config, State
from notifier.paths import resolve
from notifier.statefile import save_state

NOW = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
DEAD_URL = "http://127.0.0.1:9"


def _state(five: float, polled: datetime) -> State:
    return State(
        buckets={
            "five_hour": BucketState(last_utilization=five, resets_at=NOW + timedelta(hours=2)),
            "seven_day": BucketState(last_utilization=40.0, resets_at=NOW + timedelta(days=3)),
            "limit:weekly_scoped:fable": BucketState(
                last_utilization=55.0, resets_at=NOW + timedelta(days=2)
            ),
        },
        agent=AgentState(outcome="ok", last_success_at=polled),
    )


class Frames:
    """sleep(): records the wait, lets the agent move on, and Ctrl-C after ``count``."""

    def __init__(self, count: int, between: list[State]) -> None:
        self.count = count
        self.between = between
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        if len(self.waits) >= self.count:
            raise KeyboardInterrupt
        save_state(resolve().state_file, self.between[len(self.waits) - 1])


def test_frames_follow_the_agents_state_every_poll_interval() -> None:
    save_state(resolve().state_file, _state(61.0, NOW - timedelta(minutes=3)))
    config = Config(poll_interval_seconds=120, base_url=DEAD_URL)
    sleep = Frames(2, [_state(67.0, NOW + timedelta(minutes=1))])
    moments = iter([NOW, NOW + timedelta(minutes=2)])
    out = io.StringIO()
    code = watch(resolve(), config, out=out, sleep=sleep, clock=lambda: next(moments))
    assert code == 0
    assert sleep.waits == [120, 120]
    first, second = out.getvalue().split("\n\n")
    assert "(3 min ago, from the agent)" in first.splitlines()[0]
    assert "(1 min ago, from the agent)" in second.splitlines()[0]
    # closest to cap first, the table as status draws it, countdowns to the redraw
    rows = second.splitlines()[1:4]
    assert [row.split()[0] for row in rows] == ["5-hour", "Weekly", "7-day"]
    assert "67%" in rows[0]
    assert "(in 1h 58m)" in rows[0]
    assert second.rstrip().endswith("redrawn every 2 min; Ctrl-C to stop")


def test_json_frames_are_one_document_per_line() -> None:
    save_state(resolve().state_file, _state(61.0, NOW - timedelta(minutes=3)))
    config = Config(poll_interval_seconds=300, base_url=DEAD_URL)
    out = io.StringIO()
    watch(resolve(), config, as_json=True, out=out, sleep=Frames(1, []), clock=lambda: NOW)
    [line] = out.getvalue().splitlines()
    data = json.loads(line)
    assert data["schema_version"] == 1
    assert data["as_of"] == (NOW - timedelta(minutes=3)).isoformat()
    assert [b["name"] for b in data["buckets"]] == [
        "five_hour",
        "limit:weekly_scoped:fable",
        "seven_day",
    ]


def test_without_an_agent_the_frame_says_so() -> None:
    out = io.StringIO()
    watch(resolve(), Config(base_url=DEAD_URL), out=out, sleep=Frames(1, []), clock=lambda: NOW)
    assert out.getvalue().splitlines()[:2] == [
        "Claude usage: the agent has no numbers yet",
        "  is it running? see `claude-usage-notifier agent-status`",
    ]


@pytest.mark.slow
def test_ctrl_c_ends_the_watch_with_exit_0() -> None:
    save_state(resolve().state_file, _state(61.0, datetime.now(UTC) - timedelta(minutes=3)))
    proc = subprocess.Popen(
        [sys.executable, "-m", "notifier", "status", "--watch"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={
            **os.environ,
            "CLAUDE_USAGE_NOTIFIER_BASE_URL": DEAD_URL,
        },
    )
    try:
        assert proc.stdout is not None
        frame = [proc.stdout.readline() for _ in range(5)]  # heading, 3 rows, the way out
        assert frame[0].startswith("Claude usage as of")
        assert frame[-1].strip() == "redrawn every 5 min; Ctrl-C to stop"
        time.sleep(0.2)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=10)
    finally:
        proc.kill()
    assert (proc.returncode, err) == (0, "")
