"""Real D-Bus for tests: a private session bus, dbusmock's notification daemon, our own server.

- :func:`require_dbus_daemon`: skip without the ``dbus-daemon`` binary, but FAIL
  when ``CI=true`` (CI must install it; a silent skip there hides a broken job).
- :class:`PrivateBus`: ``dbus-daemon --config-file=... --nofork --print-address=1``
  on a socket in a short temp folder, stopped on exit.
- :class:`DbusmockDaemon`: ``python -m dbusmock --session -t notification_daemon``
  on that bus; :func:`notify_calls` reads what it was sent (structured, through
  dbusmock's ``GetMethodCalls``, not by parsing its log).
- :class:`FakeNotificationServer`: a dbus-fast notification server that can emit
  ``ActionInvoked`` / ``NotificationClosed`` (dbusmock cannot), for click and
  dismiss callbacks.

No ``from __future__ import annotations`` here: dbus-fast reads the D-Bus
signatures from the annotations of the server's methods at class creation.
"""

import asyncio
import concurrent.futures
import contextlib
import os
import selectors
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Coroutine
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Annotated, Any, TypeVar

import pytest
from dbus_fast import Message, MessageType, Variant
from dbus_fast.aio import MessageBus
from dbus_fast.annotations import DBusInt32, DBusSignature, DBusStr, DBusUInt32
from dbus_fast.service import ServiceInterface, dbus_method, dbus_signal

from tests.conftest import require_tool

NOTIFICATIONS = "org.freedesktop.Notifications"
NOTIFICATIONS_PATH = "/org/freedesktop/Notifications"
START_TIMEOUT = 10.0

_T = TypeVar("_T")

_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


def require_dbus_daemon() -> str:
    """The ``dbus-daemon`` path; skip without it, fail instead under ``CI=true``."""
    return require_tool("dbus-daemon", "dbus-daemon")


def run_sync(coro: Coroutine[Any, Any, _T]) -> _T:
    """Run ``coro`` to completion in a fresh loop on another thread (safe from any test)."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def _read_line(stream: Any, timeout: float) -> str:
    selector = selectors.DefaultSelector()
    selector.register(stream, selectors.EVENT_READ)
    try:
        if not selector.select(timeout):
            return ""
        line: bytes = stream.readline()
        return line.decode().strip()
    finally:
        selector.close()


class PrivateBus:
    """A private session bus; ``address`` is its ``unix:path=...`` address."""

    def __init__(self) -> None:
        self.daemon = require_dbus_daemon()
        # unix socket paths are limited to ~100 bytes: pytest's tmp_path can be longer.
        self.folder = Path(tempfile.mkdtemp(prefix="cun-bus-", dir="/tmp"))
        self.socket = self.folder / "bus"
        self.address = ""
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> "PrivateBus":
        """Start ``dbus-daemon`` and read the address it prints."""
        config = self.folder / "session.conf"
        config.write_text(_CONFIG.format(socket=self.socket))
        self._process = subprocess.Popen(
            [
                self.daemon,
                f"--config-file={config}",
                "--nofork",
                "--print-address=1",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        line = _read_line(self._process.stdout, START_TIMEOUT)
        if not line.startswith("unix:"):
            self.stop()
            pytest.fail(f"dbus-daemon did not print an address (got {line!r})")
        self.address = line
        return self

    def stop(self) -> None:
        """Stop the daemon and remove its folder."""
        if self._process is not None:
            _terminate(self._process)
            if self._process.stdout is not None:
                self._process.stdout.close()
            self._process = None
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> "PrivateBus":
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _terminate(process: "subprocess.Popen[bytes]") -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


async def name_has_owner(address: str, name: str) -> bool:
    """Ask the bus whether ``name`` is owned right now."""
    bus = await MessageBus(bus_address=address).connect()
    try:
        reply = await bus.call(
            Message(
                destination="org.freedesktop.DBus",
                path="/org/freedesktop/DBus",
                interface="org.freedesktop.DBus",
                member="NameHasOwner",
                signature="s",
                body=[name],
            )
        )
        assert reply is not None
        return bool(reply.body[0])
    finally:
        bus.disconnect()
        await bus.wait_for_disconnect()


def wait_for_name(address: str, name: str, timeout: float = START_TIMEOUT) -> None:
    """Block until ``name`` is owned on the bus at ``address`` (or fail the test)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if run_sync(name_has_owner(address, name)):
            return
        time.sleep(0.05)
    pytest.fail(f"{name} did not appear on {address} within {timeout:g} s")


class DbusmockDaemon:
    """python-dbusmock's notification_daemon template on ``bus``, as a subprocess."""

    def __init__(self, bus: PrivateBus, log: Path) -> None:
        self.bus = bus
        self.log = log
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> "DbusmockDaemon":
        env = {**os.environ, "DBUS_SESSION_BUS_ADDRESS": self.bus.address}
        self._process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "dbusmock",
                "--session",
                "-t",
                "notification_daemon",
                "-l",
                str(self.log),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_name(self.bus.address, NOTIFICATIONS)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._process is not None:
            _terminate(self._process)


@dataclass(frozen=True)
class NotifyCall:
    """One ``Notify`` call as the server received it."""

    app_name: str
    replaces_id: int
    icon: str
    title: str
    body: str
    actions: list[str]
    hints: dict[str, Any]  # variant values unwrapped: {"urgency": 2, ...}
    timeout: int


def _unwrap(value: Any) -> Any:
    while isinstance(value, Variant):
        value = value.value
    if isinstance(value, dict):
        return {key: _unwrap(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_unwrap(item) for item in value]
    return value


def _hint_signatures(hints: Any) -> dict[str, str]:
    hints = hints.value if isinstance(hints, Variant) else hints
    return {key: value.signature for key, value in hints.items() if isinstance(value, Variant)}


async def notify_calls_async(address: str) -> list[tuple[NotifyCall, dict[str, str]]]:
    """Every ``Notify`` dbusmock received, with the D-Bus signature of each hint."""
    bus = await MessageBus(bus_address=address).connect()
    try:
        reply = await bus.call(
            Message(
                destination=NOTIFICATIONS,
                path=NOTIFICATIONS_PATH,
                interface="org.freedesktop.DBus.Mock",
                member="GetMethodCalls",
                signature="s",
                body=["Notify"],
            )
        )
    finally:
        bus.disconnect()
        await bus.wait_for_disconnect()
    assert reply is not None
    assert reply.message_type is MessageType.METHOD_RETURN, reply.body
    calls = []
    for _timestamp, args in reply.body[0]:
        values = [_unwrap(arg) for arg in args]
        calls.append((NotifyCall(*values), _hint_signatures(args[6])))
    return calls


def notify_calls(address: str) -> list[tuple[NotifyCall, dict[str, str]]]:
    """:func:`notify_calls_async` from synchronous code."""
    return run_sync(notify_calls_async(address))


# --------------------------------------------------------------------------- our own server

_StrList = Annotated[list[str], DBusSignature("as")]
_Hints = Annotated[dict[str, Variant], DBusSignature("a{sv}")]


class FakeNotificationServer(ServiceInterface):
    """A notification server that records ``Notify`` and can click or dismiss on demand."""

    CLOSED_DISMISSED = 2  # the spec's reason code for "dismissed by the user"

    def __init__(self) -> None:
        super().__init__(NOTIFICATIONS)
        self.received: list[NotifyCall] = []
        self.closed: list[int] = []  # ids asked to close (CloseNotification), in order
        self.arrived = asyncio.Event()
        self._next_id = 1

    @dbus_method()
    def Notify(  # D-Bus member names are CamelCase
        self,
        app_name: DBusStr,
        replaces_id: DBusUInt32,
        app_icon: DBusStr,
        summary: DBusStr,
        body: DBusStr,
        actions: _StrList,
        hints: _Hints,
        expire_timeout: DBusInt32,
    ) -> DBusUInt32:
        nid = replaces_id or self._next_id
        self._next_id += 1
        call = NotifyCall(
            app_name, nid, app_icon, summary, body, list(actions), _unwrap(hints), expire_timeout
        )
        self.received.append(call)
        self.arrived.set()
        return nid

    @dbus_method()
    def GetCapabilities(self) -> _StrList:
        return ["actions", "body"]

    @dbus_method()
    def GetServerInformation(
        self,
    ) -> Annotated[tuple[str, str, str, str], DBusSignature("ssss")]:
        return ("fake-notify", "tests", "1.0", "1.2")

    @dbus_method()
    def CloseNotification(self, nid: DBusUInt32) -> None:
        self.closed.append(nid)
        self.NotificationClosed(nid, 3)

    @dbus_signal()
    def ActionInvoked(
        self, nid: int, action_key: str
    ) -> Annotated[tuple[int, str], DBusSignature("us")]:
        return (nid, action_key)

    @dbus_signal()
    def NotificationClosed(
        self, nid: int, reason: int
    ) -> Annotated[tuple[int, int], DBusSignature("uu")]:
        return (nid, reason)


@contextlib.asynccontextmanager
async def fake_notification_server(address: str) -> Any:
    """Serve :class:`FakeNotificationServer` on ``address`` for the block's duration."""
    bus = await MessageBus(bus_address=address).connect()
    server = FakeNotificationServer()
    bus.export(NOTIFICATIONS_PATH, server)
    await bus.request_name(NOTIFICATIONS)
    try:
        yield server
    finally:
        bus.disconnect()
        await bus.wait_for_disconnect()
