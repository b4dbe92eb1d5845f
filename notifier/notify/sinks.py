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

What stays on screen stays true: a message's ``slots`` (``bucket:five_hour``,
``login``) say what it is the live notification for. The desktop sink
withdraws the notification a new one supersedes (desktop-notifier 6.2 has no
``replaces_id``; ``clear(identifier)`` sends the D-Bus ``CloseNotification``
for the right id, and removes it from the macOS Notification Center), and
:meth:`Sink.withdraw` takes one down on request (the login notification once a
poll succeeds). Critical messages never expire on their own; sound is for them
only. Every notification carries the shipped icon and, on Linux, the
``desktop-entry`` hint naming the entry ``install`` writes, so per-app
settings in GNOME and KDE apply.
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
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TextIO

from notifier.core.text.messages import Message, Urgency
from notifier.resources import DESKTOP_ENTRY, icon_path
from notifier.runner import CommandRunner

if TYPE_CHECKING:
    from desktop_notifier import DesktopNotifier
    from desktop_notifier.backends.base import DesktopNotifierBackend

# One logger for the whole notification package: "did it notify me?" is one place to look.
logger = logging.getLogger("notifier.notify")

APP_NAME = "Claude usage"
PROBE_TIMEOUT = 5.0
SEND_TIMEOUT = 10.0
WITHDRAW_TIMEOUT = 5.0
PERMISSION_WAIT = 5.0
"""How long the agent's start waits for the first-run permission answer (macOS).

desktop-notifier's first ``request_authorisation()`` returns only when the user
answers the dialog, which may be never (nobody at the Mac). The agent polls
regardless; notifications go to the fallback until the answer arrives."""
FALLBACK_AFTER_FAILURES = 3
"""Failed Notification Center sends in a row after which macOS uses osascript for good."""
NOT_ALLOWED = "notifications are not allowed for this Python in System Settings"
HOMEBREW_UNSIGNED = (
    "this is Homebrew's Python, which is not signed the way the Notification Center "
    "requires (native notifications need a signed framework build, such as python.org's)"
)
"""Why a Homebrew Python is refused at once: System Settings cannot allow it."""
SCRIPT_EDITOR_STEP = (
    "macOS drops osascript notifications silently (they come from Script Editor) until "
    'Script Editor may notify: open Script Editor, run `display notification "test"`, '
    "and click Allow (or switch Script Editor on in System Settings > Notifications)"
)
"""The one-time step for the osascript path; code cannot tell a silent drop (exit 0)."""
_DN_LOGGER = "desktop_notifier.backends.base"  # where desktop-notifier logs "Notification failed"
# desktop-notifier's macOS backend does not raise when addNotificationRequest fails:
# log_nserror() logs "Error when scheduling notification: domain=..., code=...,
# description=..." as a warning here, and the dispatched callback still runs.
_DN_MACOS_LOGGER = "desktop_notifier.backends.macos"
_DN_MACOS_FAILURE = "Error when scheduling notification"


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
        """Deliver ``message``; return :attr:`Delivery.FAILED` when it did not get through.

        A sink that can take notifications down replaces the live notification of
        each of ``message.slots`` with this one.
        """
        ...

    async def withdraw(self, slot: str) -> None:
        """Take down the live notification of ``slot``, if any; never raises."""
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

    async def withdraw(self, slot: str) -> None:
        """A log line cannot be taken back."""

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
    withdrawn: list[str] = field(default_factory=list)
    closed: bool = False

    async def send(self, message: Message) -> Delivery:
        """Record and answer with ``delivery``."""
        self.sent.append(message)
        return self.delivery

    async def withdraw(self, slot: str) -> None:
        """Record the slot."""
        self.withdrawn.append(slot)

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

    async def withdraw(self, slot: str) -> None:
        """``display notification`` gives no handle: nothing can be taken down."""

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


class _MacFailureCapture(logging.Filter):
    """Catches the macOS backend's "Error when scheduling notification" warning.

    That warning is the only sign of a failed ``addNotificationRequest`` (no
    exception, and ``on_dispatched`` still runs), so it turns a "dispatched"
    send into a failure; it is kept off the console and said by us instead.
    """

    def __init__(self) -> None:
        super().__init__()
        self.reason: str | None = None

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.WARNING and record.getMessage().startswith(_DN_MACOS_FAILURE):
            self.reason = record.getMessage()
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


def _with_desktop_entry(backend: DesktopNotifierBackend | None) -> None:
    """Add the ``desktop-entry`` hint to every ``Notify`` the D-Bus backend sends.

    desktop-notifier 6.2 has no way to pass extra hints. Its D-Bus backend builds
    its proxy in ``_init_dbus`` and calls ``interface.call_notify(...)`` with the
    hints as the seventh argument; wrapping that one call (on this instance only)
    is the smallest reach into its internals that gets GNOME and KDE to file our
    notifications under our desktop entry. Any other backend is left alone.
    """
    init = getattr(backend, "_init_dbus", None)
    if backend is None or init is None:
        return

    async def init_with_hint() -> Any:
        interface = await init()
        notify = interface.call_notify

        async def call_notify(*args: Any) -> Any:
            if len(args) == 8 and isinstance(args[6], dict):
                from dbus_fast.signature import Variant

                hints = dict(args[6])
                typed = any(isinstance(value, Variant) for value in hints.values())
                hints["desktop-entry"] = Variant("s", DESKTOP_ENTRY) if typed else DESKTOP_ENTRY
                args = (*args[:6], hints, args[7])
            return await notify(*args)

        interface.call_notify = call_notify
        return interface

    backend._init_dbus = init_with_hint  # type: ignore[attr-defined]


def default_factory(app_name: str) -> DesktopNotifier:
    """The real desktop-notifier for ``app_name``, with our icon and desktop entry."""
    from desktop_notifier import DesktopNotifier, Icon

    path = icon_path()
    notifier = DesktopNotifier(
        app_name=app_name, app_icon=Icon(path=path) if path.is_file() else None
    )
    _with_desktop_entry(getattr(notifier, "_backend", None))
    return notifier


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


@dataclass
class LiveNotifications:
    """Which notification is on screen for which slot: plain bookkeeping, no I/O.

    Handles are the sink's own identifiers. :meth:`shown` says which earlier
    notifications a new one supersedes (those holding any of its slots), and
    the oldest beyond ``limit`` live ones; :meth:`gone` forgets one the user
    closed or clicked.
    """

    limit: int | None = None
    _slots: dict[str, str] = field(default_factory=dict)  # slot -> handle
    _order: list[str] = field(default_factory=list)  # live handles, oldest first

    def make_room(self, slots: tuple[str, ...]) -> list[str]:
        """Before showing a notification for ``slots``: the handles to withdraw first.

        Those holding any of ``slots`` (superseded), then the oldest while the
        new one would exceed ``limit``. They are forgotten here.
        """
        stale = list(dict.fromkeys(self._slots[slot] for slot in slots if slot in self._slots))
        for old in stale:
            self.gone(old)
        while self.limit is not None and self._order and len(self._order) >= self.limit:
            oldest = self._order[0]
            self.gone(oldest)
            stale.append(oldest)
        return stale

    def shown(self, handle: str, slots: tuple[str, ...]) -> list[str]:
        """Record ``handle`` as live for ``slots``; return the handles to withdraw."""
        stale = self.make_room(slots)
        for slot in slots:
            self._slots[slot] = handle
        self._order.append(handle)
        return stale

    def release(self, slot: str) -> str | None:
        """Forget the live notification of ``slot`` (and its other slots); its handle."""
        handle = self._slots.get(slot)
        if handle is not None:
            self.gone(handle)
        return handle

    def gone(self, handle: str) -> None:
        """The notification ``handle`` is no longer on screen."""
        for slot in [slot for slot, live in self._slots.items() if live == handle]:
            del self._slots[slot]
        if handle in self._order:
            self._order.remove(handle)

    @property
    def handles(self) -> list[str]:
        """Live handles, oldest first."""
        return list(self._order)


class DesktopNotifierSink:
    """Native notifications through desktop-notifier; delivered = ``on_dispatched`` ran.

    One live notification per slot: a new message first withdraws the
    notification it supersedes (what it said is no longer true, and the server
    never shows two for one bucket), then goes out. ``max_live`` caps how many
    of ours are on screen at once (the demo uses it); the oldest goes first.
    """

    name: ClassVar[str] = "desktop"

    def __init__(
        self,
        notifier: DesktopNotifier,
        *,
        opener: Opener | None = None,
        on_interaction: InteractionHook | None = None,
        send_timeout: float = SEND_TIMEOUT,
        max_live: int | None = None,
        permission: asyncio.Future[bool] | None = None,
    ) -> None:
        self._notifier = notifier
        self._opener: Opener = opener or webbrowser.open
        self._on_interaction = on_interaction
        self._send_timeout = send_timeout
        self._opening: set[asyncio.Future[object]] = set()
        self.live = LiveNotifications(limit=max_live)
        self.last_failure: str | None = None
        # The first-run permission request, when it had not been answered by the
        # end of the probe (macOS); None when the answer was yes.
        self.permission = permission

    @property
    def allowed(self) -> bool | None:
        """True once notifications are allowed, False when refused, None while still asked."""
        request = self.permission
        if request is None:
            return True
        if not request.done():
            return None
        return (not request.cancelled()) and request.exception() is None and bool(request.result())

    async def send(self, message: Message) -> Delivery:
        """Send and confirm dispatch within the timeout; FAILED with a logged reason if not."""
        from desktop_notifier import DEFAULT_SOUND, Notification
        from desktop_notifier import Urgency as NativeUrgency

        allowed = self.allowed
        if not allowed:
            self.last_failure = (
                "still waiting for permission to notify" if allowed is None else NOT_ALLOWED
            )
            logger.warning("desktop notification not sent: %s", self.last_failure)
            return Delivery.FAILED
        for old in self.live.make_room(message.slots):
            await self._clear(old)
        dispatched = asyncio.Event()
        capture = _FailureCapture()
        mac_capture = _MacFailureCapture()
        dn_logger = logging.getLogger(_DN_LOGGER)
        mac_logger = logging.getLogger(_DN_MACOS_LOGGER)
        dn_logger.addFilter(capture)
        notification = Notification(
            title=message.title,
            message=message.body,
            urgency=(
                NativeUrgency.Critical
                if message.urgency is Urgency.CRITICAL
                else NativeUrgency.Normal
            ),
            on_dispatched=dispatched.set,
            on_clicked=lambda: self._clicked(notification.identifier, message),
            on_dismissed=lambda: self._dismissed(notification.identifier, message),
            sound=DEFAULT_SOUND if message.audible else None,
            # Seconds; 0 = stays until withdrawn or dismissed, -1 = the server's default.
            timeout=0 if message.sticky else -1,
        )
        mac_logger.addFilter(mac_capture)
        try:
            await asyncio.wait_for(
                self._notifier.send_notification(notification), self._send_timeout
            )
        except TimeoutError:
            self.last_failure = f"no answer within {self._send_timeout:g} s"
        except Exception as exc:  # foreign errors stop here, as one line
            self.last_failure = explain(exc)
        else:
            if mac_capture.reason is not None:
                # "dispatched", but the Notification Center refused the request
                self.last_failure = mac_capture.reason
            elif dispatched.is_set():
                self.last_failure = None
                for old in self.live.shown(notification.identifier, message.slots):
                    await self._clear(old)  # only if a callback raced us: normally none
                return Delivery.DELIVERED
            else:
                self.last_failure = capture.reason or "the notification server did not confirm it"
        finally:
            dn_logger.removeFilter(capture)
            mac_logger.removeFilter(mac_capture)
        logger.warning("desktop notification failed: %s", self.last_failure)
        return Delivery.FAILED

    async def withdraw(self, slot: str) -> None:
        """Take down the live notification of ``slot`` (``CloseNotification`` on D-Bus)."""
        handle = self.live.release(slot)
        if handle is not None:
            await self._clear(handle)

    async def withdraw_all(self) -> None:
        """Take down every live notification of ours."""
        for handle in self.live.handles:
            self.live.gone(handle)
            await self._clear(handle)

    async def _clear(self, handle: str) -> None:
        # desktop-notifier raises KeyError for a notification the server already
        # closed (it forgets the id on NotificationClosed); gone is gone.
        try:
            await asyncio.wait_for(self._notifier.clear(handle), WITHDRAW_TIMEOUT)
        except Exception as exc:  # withdrawing is best effort: never worth a failed poll
            logger.debug("could not withdraw a notification: %s", explain(exc))

    def _interacted(self, what: Interaction, message: Message) -> None:
        logger.info("notification %s: %s", what.value, message.title)
        if self._on_interaction is not None:
            self._on_interaction(what, message)

    def _dismissed(self, handle: str, message: Message) -> None:
        self.live.gone(handle)
        self._interacted(Interaction.DISMISSED, message)

    def _clicked(self, handle: str, message: Message) -> None:
        self.live.gone(handle)
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
        """Wait briefly for a browser being opened, then close the D-Bus connection.

        A permission request still unanswered is cancelled: it must not keep a
        stopping agent waiting.
        """
        if self.permission is not None and not self.permission.done():
            self.permission.cancel()
            await asyncio.wait({self.permission}, timeout=1.0)
        if self._opening:
            await asyncio.wait(self._opening, timeout=5.0)
        await disconnect(self._notifier)


# --------------------------------------------------------------------------- macOS


class MacOSDesktopSink:
    """macOS: the Notification Center when it is allowed and working, osascript otherwise.

    - While the first-run permission question is unanswered, and after a "no",
      messages go to ``fallback`` (osascript): the agent never waits for the user.
    - A Notification Center send that fails (desktop-notifier only logs it, see
      :class:`_MacFailureCapture`) is sent again through the fallback at once;
      after :data:`FALLBACK_AFTER_FAILURES` failures in a row the fallback is
      used for good.

    :attr:`description` follows what is in use, for ``agent-status``.
    """

    name: ClassVar[str] = "desktop"

    def __init__(
        self,
        desktop: DesktopNotifierSink,
        fallback: Sink,
        *,
        after_failures: int = FALLBACK_AFTER_FAILURES,
    ) -> None:
        self.desktop = desktop
        self.fallback = fallback
        self._after_failures = after_failures
        self._failures = 0
        self._gave_up: str | None = None
        if desktop.permission is not None:
            desktop.permission.add_done_callback(self._answered)

    @property
    def uses_fallback(self) -> bool:
        """True while messages go to the fallback (osascript)."""
        return self._gave_up is not None or not self.desktop.allowed

    @property
    def description(self) -> str:
        """What delivers now, in the words of ``notify --test`` and ``agent-status``."""
        allowed = self.desktop.allowed
        if self._gave_up is not None:
            return f"osascript, after {self._after_failures} failed deliveries ({self._gave_up})"
        if allowed is None:
            return "osascript while macOS asks for permission to use the Notification Center"
        if not allowed:
            return f"osascript, because {NOT_ALLOWED}"
        return "macOS Notification Center (desktop-notifier)"

    def _answered(self, request: asyncio.Future[bool]) -> None:
        if request.cancelled():
            return  # closed while still asking: nobody answered
        allowed = self.desktop.allowed
        if allowed:
            logger.info("notifications: allowed; the Notification Center from now on")
        else:
            logger.warning("notifications: %s; osascript stays in use", NOT_ALLOWED)

    async def send(self, message: Message) -> Delivery:
        """The Notification Center when allowed and not given up on, else the fallback."""
        if self.uses_fallback:
            return await self.fallback.send(message)
        delivery = await self.desktop.send(message)
        if delivery is not Delivery.FAILED:
            self._failures = 0
            return delivery
        self._failures += 1
        if self._failures >= self._after_failures:
            self._gave_up = self.desktop.last_failure or "no reason given"
            logger.warning(
                "notifications: %d Notification Center deliveries failed in a row (%s); "
                "using osascript from now on",
                self._failures,
                self._gave_up,
            )
        return await self.fallback.send(message)

    async def withdraw(self, slot: str) -> None:
        """Withdraw from the Notification Center (osascript notifications cannot be)."""
        await self.desktop.withdraw(slot)

    async def close(self) -> None:
        """Close both (the pending permission request is cancelled)."""
        try:
            await self.desktop.close()
        finally:
            await self.fallback.close()


def live_desktop(sink: object) -> DesktopNotifierSink | None:
    """The desktop-notifier sink in use (its clicks are heard), or None."""
    if isinstance(sink, MacOSDesktopSink):
        return None if sink.uses_fallback else sink.desktop
    return sink if isinstance(sink, DesktopNotifierSink) else None


def delivered_by_osascript(sink: Sink) -> bool:
    """True when ``sink`` sends through osascript now (which may drop silently)."""
    if isinstance(sink, MacOSDesktopSink):
        return sink.uses_fallback and isinstance(sink.fallback, OsascriptSink)
    return isinstance(sink, OsascriptSink)
