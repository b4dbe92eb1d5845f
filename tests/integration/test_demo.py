"""The demo end to end: the real pipeline, real notifications on a real D-Bus server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from dbus_fast import Message
from dbus_fast.aio import MessageBus

from notifier.cli.commands.demo import recording_path
from notifier.core.events import BucketReset, ThresholdCrossed
from notifier.core.text.timeline import story_line as describe
from tests.integration.dbus_bus import (
    NOTIFICATIONS,
    NOTIFICATIONS_PATH,
    DbusmockDaemon,
    PrivateBus,
    notify_calls,
    run_sync,
)

pytestmark = pytest.mark.slow


def _run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "notifier", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def bus() -> Iterator[PrivateBus]:
    with PrivateBus() as private:
        yield private


def test_demo_notifies_for_real_and_reports_what_replay_reports(
    bus: PrivateBus, tmp_path: Path
) -> None:
    env = {**os.environ, "DBUS_SESSION_BUS_ADDRESS": bus.address}
    with DbusmockDaemon(bus, tmp_path / "dbusmock.log"):
        demo = _run(["demo", "--json", "--speed", "1e9", "--linger", "0"], env, tmp_path)
        calls = notify_calls(bus.address)
        methods = run_sync(_method_names(bus.address))
    assert demo.returncode == 0, demo.stderr
    assert "Traceback" not in demo.stderr
    assert "via D-Bus" in demo.stderr

    replay = _run(["replay", str(recording_path()), "--json"], env, tmp_path)
    assert replay.returncode == 0, replay.stderr
    demo_events = [json.loads(line) for line in demo.stdout.splitlines()]
    replay_events = [json.loads(line) for line in replay.stdout.splitlines()]
    assert demo_events == replay_events

    # The recording was written to show each feature once (tools/make_demo_recording.py):
    kinds = {(e["kind"], e.get("bucket"), e.get("threshold")) for e in demo_events}
    assert ("threshold", "five_hour", 90.0) in kinds  # a 5-hour window climbing ...
    assert ("reset", "five_hour", None) in kinds  # ... and resetting
    assert ("threshold", "seven_day_opus", 90.0) in kinds  # weekly Opus crossing 90 %
    assert ("threshold", "limit:weekly_scoped:fable", 75.0) in kinds  # a scoped limits entry
    [drift] = [e for e in demo_events if e["kind"] == "drift"]
    assert drift["changes"] == [{"change": "added", "path": "seven_day_opus_4_7", "type": "object"}]

    # Real notifications reached the server: one per notify=true event, grouped when a
    # poll has more than two; the first is the 5-hour window crossing 75 % (at 79 %).
    assert len(calls) >= 3
    titles = [call.title for call, _ in calls]
    assert titles[0] == "Claude 5-hour at 79%"
    # The new bucket is announced by its label, never by its raw key.
    assert any(t.startswith("New Claude limit: 7-day Opus 4.7") for t in titles), str(titles)
    assert not any("seven_day_opus_4_7" in title for title in titles)

    # Paced: never more than three of ours on screen, and nothing left behind whose
    # click nobody would hear (the demo withdraws what is left when it ends).
    on_screen, most = 0, 0
    for method in methods:
        on_screen += {"Notify": 1, "CloseNotification": -1}.get(method, 0)
        most = max(most, on_screen)
    assert most <= 3, methods
    assert on_screen == 0, methods
    assert demo.stderr.rstrip().endswith(
        "Next: `claude-usage-notifier install` watches your real usage from now on."
    )


async def _method_names(address: str) -> list[str]:
    """Every method dbusmock's notification daemon received, in order."""
    bus = await MessageBus(bus_address=address).connect()
    try:
        reply = await bus.call(
            Message(
                destination=NOTIFICATIONS,
                path=NOTIFICATIONS_PATH,
                interface="org.freedesktop.DBus.Mock",
                member="GetCalls",
            )
        )
    finally:
        bus.disconnect()
        await bus.wait_for_disconnect()
    assert reply is not None
    return [str(method) for _stamp, method, _args in reply.body[0]]


def test_demo_without_a_notification_server_falls_back_and_still_succeeds(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DBUS_SESSION_BUS_ADDRESS"}
    env["DBUS_SESSION_BUS_ADDRESS"] = f"unix:path={tmp_path / 'no-such-bus'}"
    demo = _run(["demo", "--speed", "1e9"], env, tmp_path)
    assert demo.returncode == 0, demo.stderr
    assert "Traceback" not in demo.stdout + demo.stderr
    notifications_line = next(
        line for line in demo.stdout.splitlines() if line.startswith("Notifications:")
    )
    assert "log" in notifications_line.lower()
    assert "5-hour crossed 75% (now 79%)" in demo.stdout


def test_demo_never_touches_the_users_state(tmp_path: Path) -> None:
    home = Path(os.environ["CLAUDE_USAGE_NOTIFIER_HOME"])
    demo = _run(["demo", "--no-notify", "--speed", "1e9"], dict(os.environ), tmp_path)
    assert demo.returncode == 0, demo.stderr
    assert not home.exists()


def test_describe_writes_percentages_as_status_does() -> None:
    # render.percent: one decimal at most (76.26 -> 76.3, where "%g" said 76.26);
    # an unknown previous value is "?" without a percent sign.
    at = datetime(2026, 11, 2, 12, 30, tzinfo=UTC)
    crossed = ThresholdCrossed("seven_day_opus", 90, 91.26, at)
    assert describe(crossed) == "7-day Opus crossed 90% (now 91.3%)"
    reset = BucketReset("five_hour", None, 0.0, at, notify=False)
    assert describe(reset) == "5-hour window renewed: now 0%  (silent)"
    # A window that starts above the last reading of the old one reads plainly.
    reset = BucketReset("five_hour", 30.0, 41.0, at)
    assert describe(reset) == "5-hour window renewed: now 41% (was 30%)"
    full = ThresholdCrossed("five_hour", 100, 100.0, at)
    assert describe(full) == "5-hour limit reached (now 100%)"
