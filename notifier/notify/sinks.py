"""Delivery: the ``Sink`` protocol and its sinks. Each one delivers; none chooses.

Edge. desktop-notifier, ``osascript`` and the browser are touched here (and in
:mod:`.chooser`, which probes them); their types never leave the package:
callers see our :class:`~notifier.core.text.messages.Message` and
:class:`Delivery`. desktop_notifier is imported lazily, inside functions, so
``status`` never pays for it.

Delivery is checked, not assumed: desktop-notifier's ``send()`` never raises, so
a desktop notification counts as delivered only when its ``on_dispatched``
callback ran. A sink answers :attr:`Delivery.FAILED` instead of raising; the
:class:`~notifier.notify.notifier.Notifier` then hands the message to the log.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from functools import partial
from typing import TYPE_CHECKING, ClassVar, Protocol, TextIO

from notifier.core.text.messages import Message, Urgency
from notifier.runner import CommandRunner

if TYPE_CHECKING:
    from desktop_notifier import DesktopNotifier

# One logger for the whole notification package: "did it notify me?" is one place to look.
logger = logging.getLogger("notifier.notify")

APP_NAME = "Claude usage"
PROBE_TIMEOUT = 5.0
SEND_TIMEOUT = 10.0
NOT_ALLOWED = "notifications are not allowed for this Python in System Settings"
_DN_LOGGER = "desktop_notifier.backends.base"  # where desktop-notifier logs "Notification failed"


class Delivery(Enum):
    """What became of one notification."""

    DELIVERED = "delivered"  # a notification server / osascript took it
    RECORDED = "recorded"  # kept by a RecordingSink (tests, --dry-run, demo --no-notify)
    LOGGED = "logged"  # the chosen sink is the log: nothing was shown
    FELL_BACK = "fell_back"  # the chosen sink failed; the message was logged instead
    FAILED = "failed"  # (from a sink only) not delivered; Notifier turns it into FELL_BACK


class Interaction(Enum):
    """What the user did with a shown notification."""

    CLICKED = "clicked"
    DISMISSED = "dismissed"


Opener = Callable[[str], object]
"""Opens a URL (default ``webbrowser.open``); run in an executor, never on the loop."""
InteractionHook = Callable[[Interaction, Message], object]
NotifierFactory = Callable[[str], "DesktopNotifier"]
"""App name -> a desktop-notifier ``DesktopNotifier`` (tests inject a dummy backend)."""


class Sink(Protocol):
    """Delivers one message and says how it went. Must not raise for a failed delivery."""

    @property
    def name(self) -> str:
        """Short name for logs: ``desktop``, ``osascript``, ``log``, ``recording``."""
        ...

    async def send(self, message: Message) -> Delivery:
        """Deliver ``message``; return :attr:`Delivery.FAILED` when it did not get through."""
        ...

    async def close(self) -> None:
        """Release connections; the sink is not used afterwards."""
        ...


# --------------------------------------------------------------------------- log and recording


class LogSink:
    """The last resort: a log line, plus stderr when a person is watching (a TTY)."""

    name: ClassVar[str] = "log"

    def __init__(self, reason: str, *, stream: TextIO | None = None, echo: bool | None = None):
        self.reason = reason
        self._stream = stream
        self._echo = echo

    async def send(self, message: Message) -> Delivery:
        """Log the message; echo it to stderr when interactive."""
        body = message.body.replace("\n", " / ")
        logger.info("notification not shown (%s): %s: %s", self.reason, message.title, body)
        stream = self._stream or sys.stderr
        echo = self._echo if self._echo is not None else _isatty(stream)
        if echo:
            stream.write(f"{message.title}\n  {body}\n")
            stream.flush()
        return Delivery.LOGGED

    async def close(self) -> None:
        """Nothing to release."""


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # closed or odd streams count as "not a person"
        return False


@dataclass
class RecordingSink:
    """Keeps every message (tests, ``--dry-run``, ``demo --no-notify``); shows nothing."""

    name: ClassVar[str] = "recording"
    delivery: Delivery = Delivery.RECORDED  # FAILED lets tests exercise the fallback
    sent: list[Message] = field(default_factory=list)
    closed: bool = False

    async def send(self, message: Message) -> Delivery:
        """Record and answer with ``delivery``."""
        self.sent.append(message)
        return self.delivery

    async def close(self) -> None:
        """Remember that it was closed."""
        self.closed = True


# --------------------------------------------------------------------------- osascript


def applescript_string(text: str) -> str:
    """``text`` as an AppleScript string literal: quotes, backslashes, newlines escaped."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    escaped = escaped.replace("\r\n", "\n").replace("\r", "\n")
    escaped = escaped.replace("\n", "\\n").replace("\t", "\\t")
    # Other control characters have no AppleScript escape and would end the -e line.
    escaped = "".join(ch for ch in escaped if ch >= " " or ch == "\\")
    return f'"{escaped}"'


def osascript_argv(message: Message) -> list[str]:
    """``osascript -e 'display notification "<body>" with title "<title>"'``."""
    script = (
        f"display notification {applescript_string(message.body)}"
        f" with title {applescript_string(message.title)}"
    )
    return ["osascript", "-e", script]


class OsascriptSink:
    """macOS fallback when desktop-notifier has only its dummy backend. No click, no sound."""

    name: ClassVar[str] = "osascript"

    def __init__(self, runner: CommandRunner, *, timeout: float = SEND_TIMEOUT) -> None:
        self._runner = runner
        self._timeout = timeout

    async def send(self, message: Message) -> Delivery:
        """Run osascript in an executor (the runner blocks); exit 0 means delivered."""
        run = partial(self._runner, osascript_argv(message), timeout=self._timeout)
        result = await asyncio.get_running_loop().run_in_executor(None, run)
        if result.ok:
            return Delivery.DELIVERED
        detail = result.stderr.decode(errors="replace").strip().splitlines()
        logger.warning(
            "osascript failed (exit %d): %s",
            result.returncode,
            detail[0] if detail else "no message",
        )
        return Delivery.FAILED

    async def close(self) -> None:
        """Nothing to release."""


# --------------------------------------------------------------------------- desktop-notifier


class _FailureCapture(logging.Filter):
    """Catches desktop-notifier's "Notification failed" record and keeps it off the console.

    desktop-notifier logs the failure with a traceback and returns normally; we
    turn it into one line with the reason, logged by us.
    """

    def __init__(self) -> None:
        super().__init__()
        self.reason: str | None = None

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.WARNING and record.exc_info and record.exc_info[1]:
            self.reason = explain(record.exc_info[1])
            return False
        return True


def explain(exc: BaseException) -> str:
    """A foreign (dbus-fast, OS) error as one line a user can act on."""
    dbus_name = getattr(exc, "type", None)
    if isinstance(dbus_name, str) and dbus_name.startswith("org.freedesktop.DBus.Error."):
        if dbus_name.endswith((".ServiceUnknown", ".NameHasNoOwner")):
            return (
                "no notification server on the session bus "
                "(nobody owns org.freedesktop.Notifications)"
            )
        return f"D-Bus error {dbus_name}: {exc}"
    if type(exc).__name__ == "InvalidAddressError":
        return f"no D-Bus session bus ({exc})"
    if isinstance(exc, OSError):
        reason = exc.strerror or str(exc)
        return f"cannot connect to the D-Bus session bus ({reason})"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def default_factory(app_name: str) -> DesktopNotifier:
    """The real desktop-notifier for ``app_name`` (tests inject a dummy backend instead)."""
    from desktop_notifier import DesktopNotifier

    # No app icon: desktop-notifier's default is the Python logo.
    return DesktopNotifier(app_name=app_name, app_icon=None)


async def disconnect(notifier: DesktopNotifier) -> None:
    """Close desktop-notifier's D-Bus connection, which it never closes itself."""
    # desktop-notifier has no close(); its D-Bus backend keeps a dbus-fast bus in
    # ``_backend.bus``. Closing it is the one reach into its internals: without it
    # the socket leaks until garbage collection.
    bus = getattr(getattr(notifier, "_backend", None), "bus", None)
    if bus is None:
        return
    with contextlib.suppress(Exception):
        bus.disconnect()
        await asyncio.wait_for(bus.wait_for_disconnect(), 2.0)


class DesktopNotifierSink:
    """Native notifications through desktop-notifier; delivered = ``on_dispatched`` ran."""

    name: ClassVar[str] = "desktop"

    def __init__(
        self,
        notifier: DesktopNotifier,
        *,
        opener: Opener | None = None,
        on_interaction: InteractionHook | None = None,
        send_timeout: float = SEND_TIMEOUT,
    ) -> None:
        self._notifier = notifier
        self._opener: Opener = opener or webbrowser.open
        self._on_interaction = on_interaction
        self._send_timeout = send_timeout
        self._opening: set[asyncio.Future[object]] = set()
        self.last_failure: str | None = None

    async def send(self, message: Message) -> Delivery:
        """Send and confirm dispatch within the timeout; FAILED with a logged reason if not."""
        from desktop_notifier import DEFAULT_SOUND
        from desktop_notifier import Urgency as NativeUrgency

        dispatched = asyncio.Event()
        capture = _FailureCapture()
        dn_logger = logging.getLogger(_DN_LOGGER)
        dn_logger.addFilter(capture)
        try:
            await asyncio.wait_for(
                self._notifier.send(
                    title=message.title,
                    message=message.body,
                    urgency=(
                        NativeUrgency.Critical
                        if message.urgency is Urgency.CRITICAL
                        else NativeUrgency.Normal
                    ),
                    on_dispatched=dispatched.set,
                    on_clicked=partial(self._clicked, message),
                    on_dismissed=partial(self._interacted, Interaction.DISMISSED, message),
                    sound=DEFAULT_SOUND if message.sound else None,
                ),
                self._send_timeout,
            )
        except TimeoutError:
            self.last_failure = f"no answer within {self._send_timeout:g} s"
        except Exception as exc:  # foreign errors stop here, as one line
            self.last_failure = explain(exc)
        else:
            if dispatched.is_set():
                self.last_failure = None
                return Delivery.DELIVERED
            self.last_failure = capture.reason or "the notification server did not confirm it"
        finally:
            dn_logger.removeFilter(capture)
        logger.warning("desktop notification failed: %s", self.last_failure)
        return Delivery.FAILED

    def _interacted(self, what: Interaction, message: Message) -> None:
        logger.info("notification %s: %s", what.value, message.title)
        if self._on_interaction is not None:
            self._on_interaction(what, message)

    def _clicked(self, message: Message) -> None:
        self._interacted(Interaction.CLICKED, message)
        if message.open_url is None:
            return
        # Called on the loop by the D-Bus backend; a browser start can block, so it
        # runs in an executor. The future is kept so close() can wait for it.
        future = asyncio.get_running_loop().run_in_executor(None, self._opener, message.open_url)
        self._opening.add(future)
        future.add_done_callback(self._opened)

    def _opened(self, future: asyncio.Future[object]) -> None:
        self._opening.discard(future)
        if not future.cancelled() and future.exception() is not None:
            logger.warning("could not open the usage page: %s", future.exception())

    async def close(self) -> None:
        """Wait briefly for a browser being opened, then close the D-Bus connection."""
        if self._opening:
            await asyncio.wait(self._opening, timeout=5.0)
        await disconnect(self._notifier)
