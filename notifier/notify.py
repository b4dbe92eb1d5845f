"""Delivery: the ``Sink`` protocol, its sinks, the chooser and the ``Notifier`` facade.

Edge. Everything that touches desktop-notifier, D-Bus, ``osascript`` or the
browser lives here; desktop-notifier types never leave this module (callers see
our :class:`~notifier.messages.Message` and :class:`Delivery`). desktop_notifier
is imported lazily, inside functions, so ``status`` never pays for it.

Delivery is checked, not assumed: desktop-notifier's ``send()`` never raises, so
a desktop notification counts as delivered only when its ``on_dispatched``
callback ran. The chooser probes ``get_capabilities()`` at start: an empty set
is the dummy backend (macOS Python without a bundle), an exception is a missing
session bus or notification server. It then asks for permission to notify
(macOS shows its dialog here, not inside the first send, whose short timeout
would cut the user off); a refusal counts as "not usable". Fallbacks:
``osascript`` on macOS, a log line (and stderr when interactive) elsewhere. A
sink that fails for one message hands that message to the log sink;
``Notifier.publish`` never raises.

The choice is not final: a systemd user unit often starts before the desktop's
notification server. While the chooser's answer is the log (or after
:data:`RECHOOSE_AFTER_FAILURES` fallbacks in a row) the :class:`Notifier` asks
the chooser again, at most every :data:`RECHOOSE_EVERY` of publish time, and
switches when it finds a working backend.

Create the :class:`Notifier` inside the event loop that lives as long as the
agent (on macOS a ``RubiconEventLoop``, see :func:`event_loop_factory`), so
click callbacks run.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import platform
import sys
import webbrowser
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from enum import Enum
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Protocol, TextIO

from notifier.buckets import Bucket
from notifier.events import Event
from notifier.messages import Message, Urgency, event_messages, login_message
from notifier.models import Config
from notifier.runner import CommandRunner, SubprocessRunner
from notifier.throttle import ThrottleState, decide_for

if TYPE_CHECKING:
    from desktop_notifier import DesktopNotifier

logger = logging.getLogger(__name__)

APP_NAME = "Claude usage"
BUS_VARIABLE = "DBUS_SESSION_BUS_ADDRESS"
PROBE_TIMEOUT = 5.0
SEND_TIMEOUT = 10.0
RECHOOSE_EVERY = timedelta(minutes=5)
"""How often (in publish time) a Notifier on the log fallback looks for a backend again."""
RECHOOSE_AFTER_FAILURES = 3
"""Consecutive failed deliveries after which a Notifier looks for a backend again."""
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
Chooser = Callable[[], Awaitable[tuple["Sink", str]]]
"""Picks a sink and describes it: :func:`choose_sink` with its arguments bound."""


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


def _default_factory(app_name: str) -> DesktopNotifier:
    from desktop_notifier import DesktopNotifier

    # No app icon: desktop-notifier's default is the Python logo.
    return DesktopNotifier(app_name=app_name, app_icon=None)


async def _disconnect(notifier: DesktopNotifier) -> None:
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

    @classmethod
    async def probe(
        cls,
        *,
        factory: NotifierFactory | None = None,
        opener: Opener | None = None,
        on_interaction: InteractionHook | None = None,
        probe_timeout: float = PROBE_TIMEOUT,
    ) -> tuple[DesktopNotifierSink | None, str]:
        """A usable sink, or ``None`` and why not. Call inside the long-lived loop."""
        try:
            notifier = (factory or _default_factory)(APP_NAME)
        except Exception as exc:  # any import/backend failure means "not usable"
            return None, f"desktop-notifier could not start: {explain(exc)}"
        try:
            capabilities = await asyncio.wait_for(notifier.get_capabilities(), probe_timeout)
        except TimeoutError:
            await _disconnect(notifier)
            return None, f"the notification server did not answer within {probe_timeout:g} s"
        except Exception as exc:  # dbus-fast raises many types; all mean "not usable"
            await _disconnect(notifier)
            return None, explain(exc)
        if not capabilities:
            await _disconnect(notifier)
            return None, (
                "desktop-notifier has only its dummy backend here (no capabilities; "
                "on macOS: this Python is not an app bundle)"
            )
        # Ask now, not inside the first send: on macOS this shows the permission
        # dialog, and the send timeout would cancel it while the user reads it.
        # So no timeout here. Elsewhere it answers True at once.
        try:
            allowed = await notifier.request_authorisation()
        except Exception as exc:  # a foreign failure means "not usable", as above
            await _disconnect(notifier)
            return None, f"could not ask for permission to notify: {explain(exc)}"
        if not allowed:
            await _disconnect(notifier)
            return None, NOT_ALLOWED
        return cls(notifier, opener=opener, on_interaction=on_interaction), ""

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
        await _disconnect(self._notifier)


# --------------------------------------------------------------------------- the chooser


def session_bus_address(
    environ: Mapping[str, str],
    uid: int,
    exists: Callable[[Path], bool] = Path.exists,
) -> str | None:
    """``DBUS_SESSION_BUS_ADDRESS``, else the per-user socket if it exists, else None.

    An agent started outside a desktop session (systemd user unit, ssh) may lack
    the variable; desktop-notifier (dbus-fast) does not look for the socket itself.
    """
    address = environ.get(BUS_VARIABLE)
    if address:
        return address
    candidates = [Path(f"/run/user/{uid}/bus")]
    runtime = environ.get("XDG_RUNTIME_DIR")
    if runtime:
        candidates.insert(0, Path(runtime) / "bus")
    for socket in candidates:
        if exists(socket):
            return f"unix:path={socket}"
    return None


async def choose_sink(
    config: Config,
    *,
    environ: Mapping[str, str] | None = None,
    system: str | None = None,
    runner: CommandRunner | None = None,
    notifier_factory: NotifierFactory | None = None,
    opener: Opener | None = None,
    on_interaction: InteractionHook | None = None,
    probe_timeout: float = PROBE_TIMEOUT,
    exists: Callable[[Path], bool] = Path.exists,
) -> tuple[Sink, str]:
    """The best sink on this machine and a one-line description (which, or why not).

    ``environ`` (default ``os.environ``) and ``exists`` (the socket check) are
    where the Linux bus address is looked up. With the default environment, a
    bus address found only as a socket is written to ``os.environ``: that is the
    only place dbus-fast reads it from, and desktop-notifier 6.2 offers no way
    to hand it over. An injected ``environ`` is never written back, so the
    desktop probe then connects to whatever ``os.environ`` names (tests set it).
    """
    del config  # every current choice comes from the machine; kept for future settings
    env = os.environ if environ is None else environ
    system = system or platform.system()
    address: str | None = None
    if system == "Linux":
        address = session_bus_address(env, os.getuid(), exists)
        if address is None:
            reason = (
                f"no D-Bus session bus: {BUS_VARIABLE} is unset and /run/user/{os.getuid()}/bus "
                "does not exist"
            )
            return LogSink(reason), f"log only ({reason})"
        if environ is None and os.environ.get(BUS_VARIABLE) != address:
            os.environ[BUS_VARIABLE] = address
    desktop, reason = await DesktopNotifierSink.probe(
        factory=notifier_factory,
        opener=opener,
        on_interaction=on_interaction,
        probe_timeout=probe_timeout,
    )
    if desktop is not None:
        if address is not None:
            return desktop, f"desktop notifications via D-Bus ({address})"
        if system == "Darwin":
            return desktop, "macOS Notification Center (desktop-notifier)"
        return desktop, f"desktop notifications (desktop-notifier, {system})"
    if system == "Darwin":
        return (
            OsascriptSink(runner or SubprocessRunner()),
            f"osascript, because {reason}",
        )
    return LogSink(reason), f"log only ({reason})"


def event_loop_factory(system: str | None = None) -> Callable[[], asyncio.AbstractEventLoop] | None:
    """The loop to run the agent in: Rubicon's on macOS (click callbacks need it), else None."""
    if (system or platform.system()) != "Darwin":
        return None
    try:
        from rubicon.objc.eventloop import RubiconEventLoop
    except ImportError:
        return None
    factory: Callable[[], asyncio.AbstractEventLoop] = RubiconEventLoop
    return factory


# --------------------------------------------------------------------------- the facade


class Notifier:
    """Events -> messages -> throttle -> sink, with a log fallback per failed message.

    The throttle state (last hour's sends, held messages) lives in memory. Call
    :meth:`publish` every poll, even without events, so held messages go out.

    With a ``chooser`` (what :meth:`create` passes when it chose the sink), a
    Notifier whose sink is the log fallback, or whose sink failed
    :data:`RECHOOSE_AFTER_FAILURES` times in a row, runs the chooser again at
    most every :data:`RECHOOSE_EVERY` (measured with the ``now`` given to
    :meth:`publish`) and switches to what it finds. Without one (a sink given
    explicitly) the sink is kept for good.
    """

    def __init__(
        self,
        sink: Sink,
        description: str,
        config: Config,
        *,
        tz: tzinfo | None = None,
        chooser: Chooser | None = None,
    ) -> None:
        self.sink = sink
        self._description = description
        self._config = config
        self._tz = tz
        self._throttle = ThrottleState()
        self._fallback = LogSink(f"{sink.name} delivery failed")
        self._chooser = chooser
        self._chosen_at: datetime | None = None  # publish time of the last choice
        self._fell_back = 0  # consecutive FELL_BACK deliveries

    @property
    def description(self) -> str:
        """Which sink delivers (or why only the log does); follows a switch of sink."""
        return self._description

    @classmethod
    async def create(
        cls,
        config: Config,
        *,
        environ: Mapping[str, str] | None = None,
        system: str | None = None,
        runner: CommandRunner | None = None,
        sink: Sink | None = None,
    ) -> Notifier:
        """Choose a sink (or use ``sink``) inside the running, long-lived event loop.

        A chosen sink is chosen again later when it is the log fallback or keeps
        failing; a given ``sink`` is kept.
        """
        if sink is not None:
            return cls(sink, f"{sink.name} sink (given)", config)
        chooser: Chooser = partial(
            choose_sink, config, environ=environ, system=system, runner=runner
        )
        chosen, description = await chooser()
        level = logging.WARNING if isinstance(chosen, LogSink) else logging.INFO
        logger.log(level, "notifications: %s", description)
        return cls(chosen, description, config, chooser=chooser)

    async def publish(
        self, events: Sequence[Event], buckets: Sequence[Bucket], now: datetime
    ) -> list[Delivery]:
        """Notify about ``events`` (``notify=False`` ones skipped); one Delivery per notification.

        Held messages (over the hourly cap, deferred quiet hours) produce no
        Delivery until they go out, summarised, in a later call. Critical ones
        (at 100 % or more) are never held.
        """
        messages = event_messages(events, buckets, now, self._tz)
        return await self._deliver(messages, now)

    async def login_expired(self, message: str, now: datetime) -> bool:
        """Send the critical "log in again" notification; True when a sink took it.

        "Took" means delivered, recorded, logged or logged after a failed send: the
        message is never held (not by the hourly cap, not by deferring quiet hours;
        at night it goes out without sound). Every call notifies: the caller keeps
        the "already told" flag (the agent's ``AgentState.login_notified``).
        """
        login = login_message(message)
        deliveries = await self._deliver([login], now)
        return bool(deliveries) and login not in self._throttle.held

    def login_restored(self) -> None:
        """Does nothing; kept so existing callers work.

        The "already told" flag lives with the caller (``AgentState.login_notified``).
        """

    async def close(self) -> None:
        """Close the sink; errors while closing are logged, not raised."""
        await _close(self.sink)

    async def _deliver(self, messages: Sequence[Message], now: datetime) -> list[Delivery]:
        await self._maybe_choose_again(now)
        to_send, self._throttle = decide_for(messages, self._throttle, now, self._config, self._tz)
        return [await self._send_one(message) for message in to_send]

    async def _maybe_choose_again(self, now: datetime) -> None:
        if self._chooser is None:
            return
        if self._chosen_at is None or now < self._chosen_at:
            # The chooser ran when this Notifier was made (or the clock went back):
            # start counting from here.
            self._chosen_at = now
            return
        failing = self._fell_back >= RECHOOSE_AFTER_FAILURES
        if not (isinstance(self.sink, LogSink) or failing):
            return
        if now - self._chosen_at < RECHOOSE_EVERY:
            return
        self._chosen_at = now
        try:
            sink, description = await self._chooser()
        except Exception:  # the chooser promises not to raise; if it does, keep the sink
            logger.warning("looking for a notification backend again failed", exc_info=True)
            return
        if isinstance(sink, LogSink) and isinstance(self.sink, LogSink):
            logger.debug("notifications: still %s", description)
        elif isinstance(sink, LogSink):
            logger.warning(
                "notifications: %s, after %d failed deliveries via %s",
                description,
                self._fell_back,
                self._description,
            )
        else:
            logger.info("notifications: now %s (was %s)", description, self._description)
        await _close(self.sink)
        self.sink = sink
        self._description = description
        self._fallback = LogSink(f"{sink.name} delivery failed")
        self._fell_back = 0

    async def _send_one(self, message: Message) -> Delivery:
        try:
            outcome = await self.sink.send(message)
        except Exception as exc:  # publish never raises for a delivery failure
            logger.warning("%s sink raised %s: %s", self.sink.name, type(exc).__name__, exc)
            outcome = Delivery.FAILED
        if outcome is not Delivery.FAILED:
            self._fell_back = 0
            return outcome
        await self._fallback.send(message)
        self._fell_back += 1
        return Delivery.FELL_BACK


async def _close(sink: Sink) -> None:
    try:
        await sink.close()
    except Exception:  # shutting down or switching: nothing useful to raise
        logger.warning("closing the %s sink failed", sink.name, exc_info=True)
