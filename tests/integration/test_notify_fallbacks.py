"""When native notifications cannot work: no bus, no server, a dummy backend, a failed send.

Each case must end in a clear reason and a working fallback, never a raise or a
hang. The macOS path runs here on Linux with desktop-notifier's real dummy
backend injected and a RecordingRunner standing in for ``osascript``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from notifier.agent.daemon import export_session_bus
from notifier.core.buckets import Bucket
from notifier.core.events import ThresholdCrossed
from notifier.core.models import Config
from notifier.core.text.messages import Message, MessageKind, Urgency, sample_message
from notifier.notify.chooser import choose_sink, probe_desktop, session_bus_address
from notifier.notify.notifier import Notifier
from notifier.notify.sinks import (
    NOT_ALLOWED,
    Delivery,
    DesktopNotifierSink,
    LogSink,
    OsascriptSink,
    RecordingSink,
    applescript_string,
    osascript_argv,
)
from notifier.runner import CommandResult, RecordingRunner
from tests.integration.dbus_bus import PrivateBus, fake_notification_server

if TYPE_CHECKING:
    from desktop_notifier import DesktopNotifier

NOW = datetime(2026, 7, 6, 10, 0, tzinfo=UTC)
MISSING_BUS = "unix:path=/nonexistent-cun-test/bus"
EVENT = ThresholdCrossed("five_hour", 90, 91.5, NOW)
BUCKETS = [Bucket("five_hour", 91.5, None)]
BUS_VARIABLE = "DBUS_SESSION_BUS_ADDRESS"


def _nothing_exists(path: Path) -> bool:
    return False


@pytest.fixture(autouse=True)
def bus_variable_restored(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever a test (or the chooser) does to the bus variable is undone afterwards.

    ``delenv`` alone records nothing when the variable is absent; ``setenv`` first
    makes monkeypatch remember "absent" and restore it.
    """
    monkeypatch.setenv(BUS_VARIABLE, "placeholder")
    monkeypatch.delenv(BUS_VARIABLE)


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


async def test_no_bus_variable_and_no_socket_falls_back_to_the_log() -> None:
    sink, description = await choose_sink(
        Config(), environ={}, system="Linux", exists=_nothing_exists
    )
    assert isinstance(sink, LogSink)
    assert description == (
        f"log only (no D-Bus session bus: DBUS_SESSION_BUS_ADDRESS is unset and "
        f"/run/user/{os.getuid()}/bus does not exist)"
    )


async def test_an_injected_environment_is_used_but_os_environ_is_left_alone() -> None:
    # The socket is found through the injected XDG_RUNTIME_DIR and the injected
    # check; the description names it; the process environment stays untouched.
    socket = Path("/tmp/cun-rt/bus")
    sink, description = await choose_sink(
        Config(),
        environ={"XDG_RUNTIME_DIR": "/tmp/cun-rt"},
        system="Linux",
        exists=lambda path: path == socket,
        notifier_factory=_permission_notifier(allowed=True),
    )
    assert isinstance(sink, DesktopNotifierSink)
    assert description == "desktop notifications via D-Bus (unix:path=/tmp/cun-rt/bus)"
    assert BUS_VARIABLE not in os.environ
    await sink.close()


async def test_the_chooser_never_writes_the_process_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The socket is found through os.environ's XDG_RUNTIME_DIR, yet the chooser
    # leaves os.environ as it was: exporting is the start-up's job.
    monkeypatch.delenv(BUS_VARIABLE, raising=False)
    monkeypatch.setenv("XDG_RUNTIME_DIR", "/tmp/cun-rt")
    socket = Path("/tmp/cun-rt/bus")
    sink, description = await choose_sink(
        Config(),
        system="Linux",
        exists=lambda path: path == socket,
        notifier_factory=_permission_notifier(allowed=True),
    )
    await sink.close()
    assert description == "desktop notifications via D-Bus (unix:path=/tmp/cun-rt/bus)"
    assert BUS_VARIABLE not in os.environ


def test_the_start_up_exports_the_socket_address_dbus_fast_reads() -> None:
    # dbus-fast (inside desktop-notifier) reads the address only from the
    # process environment, so the daemon's start-up writes the found socket there.
    socket = Path("/tmp/cun-rt/bus")
    environ = {"XDG_RUNTIME_DIR": "/tmp/cun-rt"}
    address = export_session_bus(environ, system="Linux", uid=1000, exists=socket.__eq__)
    assert address == "unix:path=/tmp/cun-rt/bus"
    assert environ[BUS_VARIABLE] == "unix:path=/tmp/cun-rt/bus"


def test_the_start_up_keeps_a_bus_address_that_is_set_and_exports_nothing_off_linux() -> None:
    environ = {BUS_VARIABLE: "unix:path=/custom/bus", "XDG_RUNTIME_DIR": "/tmp/cun-rt"}
    assert export_session_bus(environ, system="Linux", uid=1000, exists=lambda p: True) == (
        "unix:path=/custom/bus"
    )
    assert environ[BUS_VARIABLE] == "unix:path=/custom/bus"
    mac: dict[str, str] = {"XDG_RUNTIME_DIR": "/tmp/cun-rt"}
    assert export_session_bus(mac, system="Darwin", uid=501, exists=lambda p: True) is None
    assert mac == {"XDG_RUNTIME_DIR": "/tmp/cun-rt"}


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
    assert any("Claude 5-hour at 91.5%" in line for line in logged)


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
            sink, reason = await probe_desktop()
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
    assert [m.title for m in sink.sent] == ["Claude B0 at 91%", "Claude B1 at 91%"]
    # An hour after the first send a slot is free: the two held ones go out as one.
    assert await notifier.publish([], [], NOW + timedelta(hours=1)) == [Delivery.RECORDED]
    assert sink.sent[-1].title == "Claude usage: 2 updates"
    # ... each line with its percent, and say how old their numbers are: the oldest,
    # B2's, are 58 min old by then.
    lines = sink.sent[-1].body.split("\n")
    assert lines[:2] == ["• B2 at 91%", "• B3 at 91%"]
    assert lines[2].startswith("(numbers from ")
    assert lines[2].endswith(", 58 min ago)")


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


def _permission_notifier(
    *, allowed: bool, delay: float = 0.0, backends: list[object] | None = None
) -> Callable[[str], DesktopNotifier]:
    """A factory for what a bundled macOS Python looks like: capabilities, and a permission answer.

    Built on desktop-notifier's real dummy backend (it "dispatches" every send);
    only the capability set and the permission dialog's answer (after ``delay``
    seconds) are ours. ``backends`` collects the backends made, to count the asks.
    """
    from desktop_notifier import Capability, DesktopNotifier
    from desktop_notifier.backends.dummy import DummyNotificationCenter

    class Backend(DummyNotificationCenter):
        asked = 0

        async def _get_capabilities(self) -> frozenset[Capability]:
            return frozenset({Capability.TITLE, Capability.MESSAGE, Capability.ON_DISPATCHED})

        async def request_authorisation(self) -> bool:
            self.asked += 1
            await asyncio.sleep(delay)  # the user reading the dialog
            return allowed

    def make(app_name: str) -> DesktopNotifier:
        notifier = DesktopNotifier(app_name=app_name, app_icon=None)
        notifier._backend = Backend(app_name, None)
        if backends is not None:
            backends.append(notifier._backend)
        return notifier

    return make


async def test_refused_permission_falls_back_to_osascript_on_macos() -> None:
    runner = RecordingRunner()
    sink, description = await choose_sink(
        Config(),
        system="Darwin",
        runner=runner,
        notifier_factory=_permission_notifier(allowed=False),
        python_prefix="/Library/Frameworks/Python.framework/Versions/3.12",  # python.org
    )
    assert isinstance(sink, OsascriptSink)
    assert description == (
        "osascript, because notifications are not allowed for this Python in System Settings"
    )
    assert NOT_ALLOWED == "notifications are not allowed for this Python in System Settings"


async def test_the_permission_dialog_is_not_cut_short_and_asked_only_once() -> None:
    # The answer takes longer than the probe timeout: the probe still waits for it.
    backends: list[object] = []
    factory = _permission_notifier(allowed=True, delay=0.3, backends=backends)
    sink, reason = await probe_desktop(factory=factory, probe_timeout=0.05)
    assert sink is not None, reason
    try:
        assert await sink.send(sample_message()) is Delivery.DELIVERED
    finally:
        await sink.close()
    [backend] = backends
    assert getattr(backend, "asked", None) == 1  # the send did not ask again


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
            'display notification "No reset time is known for this limit." '
            'with title "Claude 5-hour at 91.5%"',
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


# --------------------------------------------------------------------------- choosing again


class Chooser:
    """Stands in for ``choose_sink``: answers with the sinks given, counts the calls."""

    def __init__(self, *answers: tuple[RecordingSink | LogSink, str]) -> None:
        self.answers = list(answers)
        self.calls = 0

    async def __call__(self) -> tuple[RecordingSink | LogSink, str]:
        self.calls += 1
        return self.answers.pop(0)


def _at(minutes: float) -> datetime:
    return NOW + timedelta(minutes=minutes)


def _event(minutes: float) -> list[ThresholdCrossed]:
    # A different bucket each time, so nothing is "the same event again".
    return [ThresholdCrossed(f"b{minutes:g}", 90, 91.0, _at(minutes))]


async def test_a_sink_failing_three_times_in_a_row_is_replaced_after_five_minutes(
    caplog: pytest.LogCaptureFixture,
) -> None:
    failing = RecordingSink(delivery=Delivery.FAILED)
    working = RecordingSink()
    chooser = Chooser((working, "recording (found again)"))
    config = Config(max_notifications_per_hour=60)
    notifier = Notifier(failing, "failing sink", config, tz=UTC, chooser=chooser)
    caplog.set_level(logging.INFO, logger="notifier.notify")
    for minute in (0, 1, 2):
        assert await notifier.publish(_event(minute), [], _at(minute)) == [Delivery.FELL_BACK]
    # Three failures, but the last choice (at start, counted from the first
    # publish at minute 0) is under five minutes old: not yet.
    assert await notifier.publish(_event(4.9), [], _at(4.9)) == [Delivery.FELL_BACK]
    assert chooser.calls == 0
    assert await notifier.publish(_event(5), [], _at(5)) == [Delivery.RECORDED]
    assert chooser.calls == 1
    assert notifier.sink is working
    assert notifier.description == "recording (found again)"
    assert failing.closed
    assert [m.title for m in working.sent] == ["Claude B5 at 91%"]
    assert "notifications: now recording (found again) (was failing sink)" in caplog.messages


async def test_fewer_than_three_failures_in_a_row_keep_the_sink() -> None:
    flaky = RecordingSink(delivery=Delivery.FAILED)
    chooser = Chooser()
    notifier = Notifier(flaky, "flaky", Config(max_notifications_per_hour=60), chooser=chooser)
    for minute in (0, 10, 20, 30):
        flaky.delivery = Delivery.RECORDED if minute == 20 else Delivery.FAILED
        await notifier.publish(_event(minute), [], _at(minute))
    # Failures at 0, 10, then a success at 20 reset the count; 30 is only one more.
    assert chooser.calls == 0
    assert notifier.sink is flaky


async def test_the_log_fallback_asks_again_every_five_minutes_until_a_backend_appears() -> None:
    first = LogSink("no notification server")
    found = RecordingSink()
    chooser = Chooser(
        (LogSink("still no notification server"), "log only (still no notification server)"),
        (found, "recording (the server came up)"),
    )
    notifier = Notifier(first, "log only (no notification server)", Config(), chooser=chooser)
    assert await notifier.publish([], [], _at(0)) == []  # counting starts here
    assert await notifier.publish([], [], _at(4)) == []
    assert chooser.calls == 0
    assert await notifier.publish([], [], _at(5)) == []  # still only the log: kept on the log
    assert chooser.calls == 1
    assert notifier.description == "log only (still no notification server)"
    assert await notifier.publish(_event(9), [], _at(9)) == [Delivery.LOGGED]
    assert chooser.calls == 1  # 4 minutes after the last look
    assert await notifier.publish(_event(10), [], _at(10)) == [Delivery.RECORDED]
    assert chooser.calls == 2
    assert notifier.description == "recording (the server came up)"
    assert [m.title for m in found.sent] == ["Claude B10 at 91%"]


async def test_a_given_sink_is_never_replaced() -> None:
    given = LogSink("configured: notify = log")
    notifier = await Notifier.create(Config(), sink=given)
    for minute in (0, 10, 60):
        assert await notifier.publish(_event(minute), [], _at(minute)) == [Delivery.LOGGED]
    assert notifier.sink is given
    assert notifier.description == "log sink (given)"


async def test_a_clock_set_back_restarts_the_five_minutes_instead_of_asking_at_once() -> None:
    chooser = Chooser((RecordingSink(), "recording"))
    notifier = Notifier(LogSink("none"), "log only (none)", Config(), chooser=chooser)
    await notifier.publish([], [], _at(60))
    await notifier.publish([], [], _at(0))  # an hour back
    await notifier.publish([], [], _at(4))
    assert chooser.calls == 0
    await notifier.publish([], [], _at(5))
    assert chooser.calls == 1


# --------------------------------------------------------------------------- an expired login


async def test_login_expired_is_sent_over_the_cap_and_says_so_every_time() -> None:
    sink = RecordingSink()
    notifier = await Notifier.create(Config(max_notifications_per_hour=1), sink=sink)
    assert await notifier.publish([EVENT], BUCKETS, NOW) == [Delivery.RECORDED]  # cap used up
    assert await notifier.login_expired("The server said 401.", NOW) is True
    # No "once" flag inside: the caller decides; a second call notifies again.
    assert await notifier.login_expired("The server said 401.", NOW) is True
    assert [m.title for m in sink.sent] == ["Claude 5-hour at 91.5%", *["Claude login expired"] * 2]


async def test_login_expired_is_true_when_only_the_log_took_it() -> None:
    notifier = Notifier(RecordingSink(delivery=Delivery.FAILED), "failing", Config())
    assert await notifier.login_expired("expired", NOW) is True


async def test_homebrews_unsigned_python_is_named_as_such() -> None:
    # Refused at once (no dialog), and System Settings never lists it: saying
    # "allow it in System Settings" would send the user looking for nothing.
    prefix = "/opt/homebrew/Cellar/python@3.12/3.12.7/Frameworks/Python.framework/Versions/3.12"
    sink, description = await choose_sink(
        Config(),
        system="Darwin",
        runner=RecordingRunner(),
        notifier_factory=_permission_notifier(allowed=False),
        python_prefix=prefix,
    )
    assert isinstance(sink, OsascriptSink)
    assert description == (
        "osascript, because this is Homebrew's Python, which is not signed the way the "
        "Notification Center requires (native notifications need a signed framework "
        "build, such as python.org's)"
    )
    assert "System Settings" not in description


def test_homebrew_python_is_recognised_by_its_prefix() -> None:
    from notifier.notify.chooser import homebrew_python

    intel = "/usr/local/Cellar/python@3.11/3.11.9/Frameworks/Python.framework/Versions/3.11"
    assert homebrew_python(intel)
    assert homebrew_python(
        "/opt/homebrew/opt/python@3.13/Frameworks/Python.framework/Versions/3.13"
    )
    assert not homebrew_python("/Library/Frameworks/Python.framework/Versions/3.12")  # python.org
    assert not homebrew_python(
        "/Users/ada/.local/share/uv/python/cpython-3.12.7-macos-aarch64-none"
    )
