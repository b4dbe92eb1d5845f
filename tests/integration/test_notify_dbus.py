"""Notifications over a real private D-Bus session bus.

What was sent is checked on the server side (dbusmock's notification_daemon),
because desktop-notifier's ``send()`` would "succeed" either way. Click and
dismiss go through our own dbus-fast server, which can emit the signals.
"""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from notifier.core.buckets import Bucket
from notifier.core.events import BucketReset, Event, ThresholdCrossed
from notifier.core.models import Config, QuietHours
from notifier.core.text.messages import USAGE_URL, Message, MessageKind, Urgency
from notifier.notify.chooser import choose_sink, probe_desktop
from notifier.notify.notifier import Notifier
from notifier.notify.sinks import Delivery, DesktopNotifierSink, Interaction, LogSink
from notifier.resources import icon_path
from tests.integration.dbus_bus import (
    DbusmockDaemon,
    PrivateBus,
    fake_notification_server,
    notify_calls,
)

pytestmark = pytest.mark.dbus

NOW = datetime(2026, 7, 6, 10, 0, tzinfo=UTC)  # a Monday
OPUS_RESETS = datetime(2026, 7, 8, 14, 30, tzinfo=UTC)  # Wednesday, 2 d 4 h 30 min later
BUCKETS = [
    Bucket("five_hour", 61.0, datetime(2026, 7, 6, 12, 0, tzinfo=UTC)),
    Bucket("seven_day", 40.0, OPUS_RESETS),
    Bucket("seven_day_opus", 92.4, OPUS_RESETS),
]


@pytest.fixture
def bus(monkeypatch: pytest.MonkeyPatch) -> Iterator[PrivateBus]:
    with PrivateBus() as private:
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", private.address)
        yield private


@pytest.fixture
def dbusmock(bus: PrivateBus, tmp_path: Path) -> Iterator[DbusmockDaemon]:
    with DbusmockDaemon(bus, tmp_path / "dbusmock.log") as daemon:
        yield daemon


async def _notifier(config: Config | None = None) -> Notifier:
    config = config or Config()
    sink, description = await choose_sink(config, system="Linux")
    return Notifier(sink, description, config, tz=UTC)


def _opus(utilization: float, threshold: float) -> ThresholdCrossed:
    return ThresholdCrossed("seven_day_opus", threshold, utilization, NOW, resets_at=OPUS_RESETS)


async def test_chooser_picks_dbus_when_a_server_owns_the_name(
    bus: PrivateBus, dbusmock: DbusmockDaemon
) -> None:
    notifier = await Notifier.create(Config(), system="Linux")
    try:
        assert isinstance(notifier.sink, DesktopNotifierSink)
        assert notifier.description == f"desktop notifications via D-Bus ({bus.address})"
    finally:
        await notifier.close()


async def test_threshold_notifications_reach_the_server_with_text_urgency_and_click_action(
    bus: PrivateBus, dbusmock: DbusmockDaemon
) -> None:
    notifier = await _notifier()
    try:
        deliveries = await notifier.publish([_opus(92.4, 90)], BUCKETS, NOW)
        deliveries += await notifier.publish([_opus(100.0, 100)], BUCKETS, NOW)
    finally:
        await notifier.close()

    assert deliveries == [Delivery.DELIVERED, Delivery.DELIVERED]
    calls = notify_calls(bus.address)
    assert len(calls) == 2
    (first, first_sigs), (second, second_sigs) = calls
    assert first.app_name == "Claude usage"
    assert first.title == "Claude 7-day Opus at 92.4%"
    assert first.body == "Resets Wed 14:30 (in 2d 4h).\nNext closest: 5-hour at 61%."
    # The freedesktop urgency hint is a byte: 1 normal, 2 critical.
    assert first.hints["urgency"] == 1
    assert first_sigs["urgency"] == "y"
    # "default" is the action a click on the body invokes; it is what opens the URL.
    assert first.actions == ["default", ""]
    # A normal notification is silent and expires as the server likes (-1).
    assert "sound-name" not in first.hints
    assert first.timeout == -1
    # Our icon, and the desktop entry `install` writes, on every notification.
    assert first.icon == icon_path().as_uri()
    assert first.hints["desktop-entry"] == "claude-usage-notifier"
    assert first_sigs["desktop-entry"] == "s"
    # At 100 %: critical, with sound, and it stays until withdrawn or dismissed (0).
    assert second.title == "Claude 7-day Opus limit reached"
    assert second.body == "Back at Wed 14:30 (in 2d 4h)"
    assert second.hints["urgency"] == 2
    assert second.hints["sound-name"] == "default"
    assert second.timeout == 0
    assert second.hints["desktop-entry"] == "claude-usage-notifier"
    assert second.icon == icon_path().as_uri()
    del second_sigs


async def test_three_events_of_one_poll_arrive_as_one_summary(
    bus: PrivateBus, dbusmock: DbusmockDaemon
) -> None:
    events: list[Event] = [
        _opus(92.4, 90),
        ThresholdCrossed("five_hour", 100, 100.0, NOW),
        BucketReset("seven_day", 88.0, 2.0, NOW),
    ]
    notifier = await _notifier()
    try:
        deliveries = await notifier.publish(events, BUCKETS, NOW)
    finally:
        await notifier.close()

    assert deliveries == [Delivery.DELIVERED]
    [(call, _)] = notify_calls(bus.address)
    assert call.title == "Claude usage: 3 updates"
    # Critical first; each line keeps its bucket's percent and reset time.
    assert call.body == (
        "• 5-hour limit reached, back at 12:00 (in 2h 0m)\n"
        "• 7-day Opus at 92.4%, resets Wed 14:30 (in 2d 4h)\n"
        "• 7-day all renewed, now 2%"
    )
    assert call.hints["urgency"] == 2  # one of them is at 100 %


async def test_silent_quiet_hours_send_without_sound(
    bus: PrivateBus, dbusmock: DbusmockDaemon
) -> None:
    config = Config(quiet_hours=QuietHours(start="09:00", end="11:00", mode="silent"))
    notifier = await _notifier(config)
    five_full = ThresholdCrossed("five_hour", 100, 100.0, NOW)  # critical: it would ring
    try:
        assert await notifier.publish([five_full], BUCKETS, NOW) == [Delivery.DELIVERED]
    finally:
        await notifier.close()

    [(call, _)] = notify_calls(bus.address)
    assert call.title == "Claude 5-hour limit reached"
    assert "sound-name" not in call.hints


async def test_expired_login_is_not_held_by_the_cap_or_deferring_quiet_hours(
    bus: PrivateBus, dbusmock: DbusmockDaemon
) -> None:
    # 10:00 UTC is inside 09:00-11:00 "defer", and the cap is one an hour: the
    # threshold message waits, the expired login does not (it goes out silently).
    quiet = QuietHours(start="09:00", end="11:00", mode="defer")
    notifier = await _notifier(Config(max_notifications_per_hour=1, quiet_hours=quiet))
    try:
        assert await notifier.publish([_opus(92.4, 90)], BUCKETS, NOW) == []
        assert await notifier.login_expired("The server said 401.", NOW) is True
        # No "once" flag in the notifier any more: whoever calls decides.
        assert await notifier.login_expired("The server said 401.", NOW) is True
    finally:
        await notifier.close()

    calls = [call for call, _ in notify_calls(bus.address)]
    assert [call.title for call in calls] == ["Claude login expired"] * 2
    assert calls[0].body == "The server said 401.\nUsage checks resume on their own."
    assert calls[0].hints["urgency"] == 2
    assert "sound-name" not in calls[0].hints


async def test_a_notification_server_that_starts_later_is_used_once_found(
    bus: PrivateBus, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # As under systemd: the agent starts before the desktop's notification server.
    caplog.set_level(logging.INFO, logger="notifier.notify")
    notifier = await Notifier.create(Config(), system="Linux")
    try:
        assert isinstance(notifier.sink, LogSink)
        assert notifier.description == (
            "log only (no notification server on the session bus "
            "(nobody owns org.freedesktop.Notifications))"
        )
        assert await notifier.publish([_opus(92.4, 90)], BUCKETS, NOW) == [Delivery.LOGGED]
        with DbusmockDaemon(bus, tmp_path / "dbusmock.log"):
            # Four minutes on: too soon to look again, still the log.
            later = NOW + timedelta(minutes=4)
            assert await notifier.publish([_opus(95.0, 95)], BUCKETS, later) == [Delivery.LOGGED]
            # Six minutes on: the chooser runs again and finds the server.
            later = NOW + timedelta(minutes=6)
            assert await notifier.publish([_opus(100.0, 100)], BUCKETS, later) == [
                Delivery.DELIVERED
            ]
            calls = notify_calls(bus.address)
            assert isinstance(notifier.sink, DesktopNotifierSink)
    finally:
        await notifier.close()

    assert [call.title for call, _ in calls] == ["Claude 7-day Opus limit reached"]
    assert notifier.description == f"desktop notifications via D-Bus ({bus.address})"
    assert (
        f"notifications: now desktop notifications via D-Bus ({bus.address}) (was log only "
        "(no notification server on the session bus (nobody owns org.freedesktop.Notifications)))"
    ) in caplog.messages


async def _until(condition: object, what: str) -> None:
    for _ in range(200):
        if callable(condition) and condition():
            return
        await asyncio.sleep(0.025)
    pytest.fail(f"timed out waiting for {what}")


async def test_click_opens_the_usage_page(bus: PrivateBus) -> None:
    opened: list[str] = []
    seen: list[tuple[Interaction, str]] = []
    lock = threading.Lock()

    def opener(url: str) -> bool:  # runs in an executor thread
        with lock:
            opened.append(url)
        return True

    async with fake_notification_server(bus.address) as server:
        sink, reason = await probe_desktop(
            opener=opener, on_interaction=lambda what, m: seen.append((what, m.title))
        )
        assert sink is not None, reason
        try:
            notifier = Notifier(sink, "test", Config(), tz=UTC)
            assert await notifier.publish([_opus(92.4, 90)], BUCKETS, NOW) == [Delivery.DELIVERED]
            [call] = server.received
            assert call.actions == ["default", ""]
            server.ActionInvoked(call.replaces_id, "default")
            await _until(lambda: bool(opened), "the opener")
        finally:
            await sink.close()

    assert opened == [USAGE_URL]
    assert seen == [(Interaction.CLICKED, "Claude 7-day Opus at 92.4%")]


async def test_dismiss_is_reported_and_opens_nothing(bus: PrivateBus) -> None:
    opened: list[str] = []
    seen: list[tuple[Interaction, MessageKind]] = []
    async with fake_notification_server(bus.address) as server:
        sink, reason = await probe_desktop(
            opener=opened.append, on_interaction=lambda what, m: seen.append((what, m.kind))
        )
        assert sink is not None, reason
        try:
            message = Message("t", "b", Urgency.NORMAL, USAGE_URL, MessageKind.RESET)
            assert await sink.send(message) is Delivery.DELIVERED
            [call] = server.received
            server.NotificationClosed(call.replaces_id, server.CLOSED_DISMISSED)
            await _until(lambda: bool(seen), "the dismiss callback")
        finally:
            await sink.close()

    assert seen == [(Interaction.DISMISSED, MessageKind.RESET)]
    assert opened == []


async def _fake_notifier(config: Config | None = None) -> tuple[Notifier, DesktopNotifierSink]:
    sink, reason = await probe_desktop()
    assert sink is not None, reason
    return Notifier(sink, "test", config or Config(), tz=UTC), sink


async def test_a_buckets_new_notification_replaces_its_previous_one(bus: PrivateBus) -> None:
    async with fake_notification_server(bus.address) as server:
        notifier, _ = await _fake_notifier()
        try:
            await notifier.publish([_opus(92.4, 90)], BUCKETS, NOW)
            await notifier.publish([ThresholdCrossed("five_hour", 75, 76.0, NOW)], BUCKETS, NOW)
            await notifier.publish([_opus(100.0, 100)], BUCKETS, NOW)
            at90, five, full = (call.replaces_id for call in server.received)
            # The server was asked to close the superseded one, and only that one.
            await _until(lambda: server.closed == [at90], "CloseNotification for the 90 %")
            # The window resets: "limit reached" goes, the reset takes its place.
            reset = BucketReset("seven_day_opus", 100.0, 3.0, NOW + timedelta(days=2))
            await notifier.publish([reset], BUCKETS, NOW + timedelta(days=2))
            await _until(lambda: server.closed == [at90, full], "CloseNotification at reset")
            assert server.received[-1].title == "Claude 7-day Opus window renewed: now 3%"
            assert five not in server.closed
        finally:
            await notifier.close()


async def test_a_summary_is_withdrawn_when_one_of_its_buckets_moves_on(bus: PrivateBus) -> None:
    events: list[Event] = [
        _opus(92.4, 90),
        ThresholdCrossed("five_hour", 100, 100.0, NOW),
        BucketReset("seven_day", 88.0, 2.0, NOW),
    ]
    async with fake_notification_server(bus.address) as server:
        notifier, _ = await _fake_notifier()
        try:
            await notifier.publish(events, BUCKETS, NOW)
            [summary] = server.received
            later = NOW + timedelta(hours=2)
            await notifier.publish([BucketReset("five_hour", 100.0, 4.0, later)], BUCKETS, later)
            await _until(lambda: server.closed == [summary.replaces_id], "the summary withdrawn")
        finally:
            await notifier.close()


async def test_a_notification_the_user_dismissed_is_not_closed_again(bus: PrivateBus) -> None:
    async with fake_notification_server(bus.address) as server:
        notifier, sink = await _fake_notifier()
        try:
            await notifier.publish([_opus(92.4, 90)], BUCKETS, NOW)
            [first] = server.received
            server.NotificationClosed(first.replaces_id, server.CLOSED_DISMISSED)
            await _until(lambda: not sink.live.handles, "the dismissal")
            await notifier.publish([_opus(100.0, 100)], BUCKETS, NOW)
            assert len(server.received) == 2
            await asyncio.sleep(0.1)
            assert server.closed == []
        finally:
            await notifier.close()


async def test_the_login_notification_is_withdrawn_once_a_poll_succeeds(bus: PrivateBus) -> None:
    async with fake_notification_server(bus.address) as server:
        notifier, _ = await _fake_notifier()
        try:
            assert await notifier.login_expired("the server said 401", NOW) is True
            await notifier.publish([_opus(92.4, 90)], BUCKETS, NOW)
            login, opus = server.received
            assert login.title == "Claude login expired"
            assert login.timeout == 0  # critical: stays until the login works again
            await notifier.login_ok()
            await _until(lambda: server.closed == [login.replaces_id], "the login withdrawn")
            await notifier.login_ok()  # nothing left to withdraw: no second close
            await asyncio.sleep(0.1)
            assert server.closed == [login.replaces_id]
            assert opus.replaces_id not in server.closed
        finally:
            await notifier.close()


def _cli_env(bus_address: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DBUS_SESSION_BUS_ADDRESS"}
    env["DBUS_SESSION_BUS_ADDRESS"] = bus_address
    return env


@pytest.mark.slow
def test_notify_test_command_delivers_over_dbus(bus: PrivateBus, dbusmock: DbusmockDaemon) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "notifier", "notify", "--test", "--no-wait"],
        env=_cli_env(bus.address),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == (
        f"Test notification sent: desktop notifications via D-Bus ({bus.address}).\n"
    )
    assert "Traceback" not in done.stderr
    [(call, _)] = notify_calls(bus.address)
    assert call.title == "Claude usage notifier: test"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("answer", "said"),
    [
        ("click", "Clicked: your usage page is opening. Clicks work."),
        ("dismiss", "Dismissed. Notifications and their callbacks work."),
    ],
)
async def test_notify_test_waits_and_says_whether_it_was_clicked_or_dismissed(
    bus: PrivateBus, answer: str, said: str
) -> None:
    env = _cli_env(bus.address)
    env["BROWSER"] = "true"  # webbrowser runs `true URL`: nothing opens in the test
    async with fake_notification_server(bus.address) as server:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "notifier",
            "notify",
            "--test",
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        assert process.stdout is not None
        # Once it says it waits, the command is listening for the answer.
        sent = (await asyncio.wait_for(process.stdout.readline(), 30)).decode()
        waiting = (await asyncio.wait_for(process.stdout.readline(), 30)).decode()
        [call] = server.received
        assert call.title == "Claude usage notifier: test"
        if answer == "click":
            server.ActionInvoked(call.replaces_id, "default")
        else:
            server.NotificationClosed(call.replaces_id, server.CLOSED_DISMISSED)
        out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, err.decode()
    lines = [sent.rstrip("\n"), waiting.rstrip("\n"), *out.decode().splitlines()]
    assert lines[0] == f"Test notification sent: desktop notifications via D-Bus ({bus.address})."
    assert lines[1] == "Click it or dismiss it (waiting up to 20 s)..."
    assert lines[2] == said


async def test_the_log_says_which_notification_went_out_and_by_which_path(
    bus: PrivateBus, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="notifier.notify")
    async with fake_notification_server(bus.address) as server:
        notifier, _ = await _fake_notifier()
        try:
            await notifier.publish([_opus(92.4, 90)], BUCKETS, NOW)
        finally:
            await notifier.close()
    assert len(server.received) == 1
    assert "notified (desktop): Claude 7-day Opus at 92.4%" in caplog.messages
