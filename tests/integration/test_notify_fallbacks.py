"""When native notifications cannot work: no bus, no server, a dummy backend, a failed send.

Each case must end in a clear reason and a working fallback, never a raise or a
hang. The macOS path runs here on Linux with desktop-notifier's real dummy
backend injected and a RecordingRunner standing in for ``osascript``.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from notifier.buckets import Bucket
from notifier.events import ThresholdCrossed
from notifier.messages import Message, MessageKind, Urgency
from notifier.models import Config
from notifier.notify import (
    Delivery,
    DesktopNotifierSink,
    LogSink,
    Notifier,
    OsascriptSink,
    RecordingSink,
    applescript_string,
    choose_sink,
    osascript_argv,
    session_bus_address,
)
from notifier.runner import CommandResult, RecordingRunner
from tests.integration.dbus_bus import PrivateBus, fake_notification_server

if TYPE_CHECKING:
    from desktop_notifier import DesktopNotifier

NOW = datetime(2026, 7, 6, 10, 0, tzinfo=UTC)
MISSING_BUS = "unix:path=/nonexistent-cun-test/bus"
EVENT = ThresholdCrossed("five_hour", 90, 91.5, NOW)
BUCKETS = [Bucket("five_hour", 91.5, None)]
USER_BUS = Path(f"/run/user/{os.getuid()}/bus")


# --------------------------------------------------------------------------- bus address


def test_bus_address_prefers_the_variable() -> None:
    environ = {"DBUS_SESSION_BUS_ADDRESS": "unix:path=/x/bus", "XDG_RUNTIME_DIR": "/run/user/7"}
    assert session_bus_address(environ, 7, lambda path: True) == "unix:path=/x/bus"


def test_bus_address_defaults_to_the_per_user_socket_when_it_exists() -> None:
    present = {Path("/run/user/1000/bus")}
    assert session_bus_address({}, 1000, present.__contains__) == "unix:path=/run/user/1000/bus"


def test_bus_address_uses_xdg_runtime_dir_first() -> None:
    present = {Path("/tmp/rt/bus"), Path("/run/user/1000/bus")}
    environ = {"XDG_RUNTIME_DIR": "/tmp/rt"}
    assert session_bus_address(environ, 1000, present.__contains__) == "unix:path=/tmp/rt/bus"


def test_bus_address_is_none_without_variable_or_socket() -> None:
    assert session_bus_address({"XDG_RUNTIME_DIR": "/tmp/rt"}, 1000, lambda path: False) is None


# --------------------------------------------------------------------------- no bus, no server


@pytest.mark.skipif(USER_BUS.exists(), reason="this machine has a real per-user session bus")
async def test_no_bus_variable_and_no_socket_falls_back_to_the_log() -> None:
    sink, description = await choose_sink(Config(), environ={}, system="Linux")
    assert isinstance(sink, LogSink)
    assert description == (
        f"log only (no D-Bus session bus: DBUS_SESSION_BUS_ADDRESS is unset and "
        f"/run/user/{os.getuid()}/bus does not exist)"
    )


async def test_bus_address_to_a_missing_socket_falls_back_to_the_log(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", MISSING_BUS)
    caplog.set_level(logging.INFO, logger="notifier.notify")
    notifier = await Notifier.create(Config(), system="Linux")
    try:
        assert isinstance(notifier.sink, LogSink)
        assert notifier.description == (
            "log only (cannot connect to the D-Bus session bus (No such file or directory))"
        )
        assert await notifier.publish([EVENT], BUCKETS, NOW) == [Delivery.LOGGED]
    finally:
        await notifier.close()
    logged = [r.getMessage() for r in caplog.records if r.name == "notifier.notify"]
    assert any("Claude 5-hour at 90%" in line for line in logged)


@pytest.mark.dbus
async def test_bus_without_a_notification_server_falls_back_with_the_reason(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with PrivateBus() as bus:
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", bus.address)
        # A short probe timeout: if this asked and waited, the reason would be
        # "did not answer" instead, and the assertion below would fail.
        sink, description = await choose_sink(Config(), system="Linux", probe_timeout=3.0)
    assert isinstance(sink, LogSink)
    assert description == (
        "log only (no notification server on the session bus "
        "(nobody owns org.freedesktop.Notifications))"
    )


@pytest.mark.dbus
async def test_server_gone_after_start_falls_back_per_message(
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with PrivateBus() as bus:
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", bus.address)
        async with fake_notification_server(bus.address):
            sink, reason = await DesktopNotifierSink.probe()
        assert sink is not None, reason
        notifier = Notifier(sink, "test", Config(), tz=UTC)
        try:
            caplog.set_level(logging.INFO)
            assert await notifier.publish([EVENT], BUCKETS, NOW) == [Delivery.FELL_BACK]
        finally:
            await notifier.close()
    assert sink.last_failure == (
        "no notification server on the session bus (nobody owns org.freedesktop.Notifications)"
    )
    messages = [r.getMessage() for r in caplog.records]
    assert f"desktop notification failed: {sink.last_failure}" in messages
    assert any(m.startswith("notification not shown (desktop delivery failed)") for m in messages)
    # desktop-notifier's own "Notification failed" traceback is kept off the console.
    assert not [r for r in caplog.records if r.name.startswith("desktop_notifier")]
    assert "Traceback" not in capsys.readouterr().err


async def test_a_sink_that_raises_never_breaks_publish() -> None:
    class Exploding(RecordingSink):
        async def send(self, message: Message) -> Delivery:
            raise RuntimeError("boom")

    notifier = await Notifier.create(Config(), sink=Exploding())
    assert await notifier.publish([EVENT], BUCKETS, NOW) == [Delivery.FELL_BACK]


async def test_publish_caps_notifications_per_hour_and_summarises_the_rest() -> None:
    sink = RecordingSink()
    notifier = await Notifier.create(Config(max_notifications_per_hour=2), sink=sink)
    for minute in range(4):
        at = NOW + timedelta(minutes=minute)
        await notifier.publish([ThresholdCrossed(f"b{minute}", 90, 91.0, at)], [], at)
    assert [m.title for m in sink.sent] == ["Claude B0 at 90%", "Claude B1 at 90%"]
    # An hour after the first send a slot is free: the two held ones go out as one.
    assert await notifier.publish([], [], NOW + timedelta(hours=1)) == [Delivery.RECORDED]
    assert sink.sent[-1].title == "Claude usage: 2 updates"
    assert sink.sent[-1].body == "• Claude B2 at 90%\n• Claude B3 at 90%"


async def test_notify_false_events_are_skipped() -> None:
    sink = RecordingSink()
    notifier = await Notifier.create(Config(), sink=sink)
    silent = ThresholdCrossed("five_hour", 90, 91.5, NOW, notify=False)
    assert await notifier.publish([silent], BUCKETS, NOW) == []
    assert sink.sent == []
    assert notifier.description == "recording sink (given)"


async def test_log_sink_echoes_to_an_interactive_stream() -> None:
    class Tty:
        def __init__(self) -> None:
            self.text = ""

        def isatty(self) -> bool:
            return True

        def write(self, text: str) -> int:
            self.text += text
            return len(text)

        def flush(self) -> None:
            pass

    tty = Tty()
    sink = LogSink("no bus", stream=tty)  # type: ignore[arg-type]
    message = Message("Title", "line 1\nline 2", Urgency.NORMAL, None, MessageKind.TEST)
    assert await sink.send(message) is Delivery.LOGGED
    assert tty.text == "Title\n  line 1 / line 2\n"


# --------------------------------------------------------------------------- macOS path


def _dummy_backend_notifier(app_name: str) -> DesktopNotifier:
    # What desktop-notifier picks on a macOS Python without a bundle identifier.
    from desktop_notifier import DesktopNotifier
    from desktop_notifier.backends.dummy import DummyNotificationCenter

    notifier = DesktopNotifier(app_name=app_name, app_icon=None)
    notifier._backend = DummyNotificationCenter(app_name, None)
    return notifier


def test_applescript_strings_escape_quotes_backslashes_and_newlines() -> None:
    assert applescript_string('say "hi"') == '"say \\"hi\\""'
    assert applescript_string("C:\\path") == '"C:\\\\path"'
    assert applescript_string("a\nb\r\nc\td") == '"a\\nb\\nc\\td"'
    assert applescript_string("bell\x07") == '"bell"'


def test_osascript_argv_is_one_display_notification_statement() -> None:
    message = Message('He said "stop"', "at 100%\\ now", Urgency.CRITICAL, None, MessageKind.TEST)
    assert osascript_argv(message) == [
        "osascript",
        "-e",
        'display notification "at 100%\\\\ now" with title "He said \\"stop\\""',
    ]


async def test_macos_dummy_backend_falls_back_to_osascript() -> None:
    runner = RecordingRunner()
    sink, description = await choose_sink(
        Config(), system="Darwin", runner=runner, notifier_factory=_dummy_backend_notifier
    )
    assert isinstance(sink, OsascriptSink)
    assert description == (
        "osascript, because desktop-notifier has only its dummy backend here "
        "(no capabilities; on macOS: this Python is not an app bundle)"
    )
    notifier = Notifier(sink, description, Config(), tz=UTC)
    assert await notifier.publish([EVENT], BUCKETS, NOW) == [Delivery.DELIVERED]
    assert runner.calls == [
        [
            "osascript",
            "-e",
            'display notification "5-hour is at 91.5% of its limit." '
            'with title "Claude 5-hour at 90%"',
        ]
    ]


async def test_failing_osascript_falls_back_to_the_log() -> None:
    runner = RecordingRunner(respond=lambda argv: CommandResult(1, b"", b"execution error"))
    notifier = Notifier(OsascriptSink(runner), "osascript", Config(), tz=UTC)
    assert await notifier.publish([EVENT], BUCKETS, NOW) == [Delivery.FELL_BACK]
    assert len(runner.calls) == 1


# --------------------------------------------------------------------------- notify --test


@pytest.fixture
def no_bus_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DBUS_SESSION_BUS_ADDRESS"}
    env["DBUS_SESSION_BUS_ADDRESS"] = MISSING_BUS
    return env


@pytest.mark.slow
def test_notify_test_command_without_a_bus_exits_1_and_says_why(
    no_bus_env: dict[str, str],
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "notifier", "notify", "--test"],
        env=no_bus_env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr == (
        "claude-usage-notifier: no notification shown: "
        "cannot connect to the D-Bus session bus (No such file or directory)\n"
    )
