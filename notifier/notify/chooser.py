"""Which sink this machine can use: bus discovery, the desktop probe, the fallbacks.

Edge, but it changes nothing: the process environment is read, never written
(the start-up exports a discovered bus address, see
:func:`notifier.agent.daemon.export_session_bus`). The probe treats
desktop-notifier's empty ``get_capabilities()`` as "nothing will be
delivered" and never relies on an exception. Fallbacks: ``osascript`` on
macOS, a log line (and stderr when interactive) elsewhere.
"""

from __future__ import annotations

import asyncio
import os
import platform
import sys
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

from notifier.core.models import Config
from notifier.notify.sinks import (
    APP_NAME,
    HOMEBREW_UNSIGNED,
    NOT_ALLOWED,
    PERMISSION_WAIT,
    PROBE_TIMEOUT,
    DesktopNotifierSink,
    InteractionHook,
    LogSink,
    MacOSDesktopSink,
    NotifierFactory,
    Opener,
    OsascriptSink,
    Sink,
    default_factory,
    disconnect,
    explain,
)
from notifier.runner import CommandRunner, SubprocessRunner

BUS_VARIABLE = "DBUS_SESSION_BUS_ADDRESS"

Chooser = Callable[[], Awaitable[tuple["Sink", str]]]
"""Picks a sink and describes it: :func:`choose_sink` with its arguments bound."""


async def probe_desktop(
    *,
    factory: NotifierFactory | None = None,
    opener: Opener | None = None,
    on_interaction: InteractionHook | None = None,
    probe_timeout: float = PROBE_TIMEOUT,
    max_live: int | None = None,
    permission_timeout: float = PERMISSION_WAIT,
    stop: asyncio.Event | None = None,
    python_prefix: str | None = None,
) -> tuple[DesktopNotifierSink | None, str]:
    """A usable desktop sink, or ``None`` and why not. Call inside the long-lived loop.

    An empty ``get_capabilities()`` is the dummy backend (macOS Python without a
    bundle); an exception is a missing bus or server; a refused permission counts
    as "not usable". Never relies on an exception for "nothing will be shown".

    The permission question (macOS shows a dialog the first time, and
    desktop-notifier returns only when the user answers) is waited for at most
    ``permission_timeout`` seconds, and not at all once ``stop`` is set. Still
    unanswered, the sink is returned with the pending request
    (:attr:`DesktopNotifierSink.allowed` is None until the answer comes).
    """
    try:
        notifier = (factory or default_factory)(APP_NAME)
    except Exception as exc:  # any import/backend failure means "not usable"
        return None, f"desktop-notifier could not start: {explain(exc)}"
    try:
        capabilities = await asyncio.wait_for(notifier.get_capabilities(), probe_timeout)
    except TimeoutError:
        await disconnect(notifier)
        return None, f"the notification server did not answer within {probe_timeout:g} s"
    except Exception as exc:  # dbus-fast raises many types; all mean "not usable"
        await disconnect(notifier)
        return None, explain(exc)
    if not capabilities:
        await disconnect(notifier)
        return None, (
            "desktop-notifier has only its dummy backend here (no capabilities; "
            "on macOS: this Python is not an app bundle)"
        )
    # Ask now, not inside the first send: on macOS this shows the permission
    # dialog, and the send timeout would cancel it while the user reads it.
    # Elsewhere it answers True at once. The request keeps running past our
    # wait (the dialog stays up); desktop-notifier marks it asked, so no send
    # asks again.
    request: asyncio.Future[bool] = asyncio.ensure_future(notifier.request_authorisation())
    if not await _answered_within(request, permission_timeout, stop):
        return DesktopNotifierSink(
            notifier,
            opener=opener,
            on_interaction=on_interaction,
            permission=request,
            max_live=max_live,
        ), ""
    try:
        allowed = request.result()
    except Exception as exc:  # a foreign failure means "not usable", as above
        await disconnect(notifier)
        return None, f"could not ask for permission to notify: {explain(exc)}"
    if not allowed:
        await disconnect(notifier)
        # Homebrew's framework build has a bundle id but no signature the
        # Notification Center accepts: it is refused without a dialog, and
        # System Settings never lists it, so "allow it there" would mislead.
        return None, HOMEBREW_UNSIGNED if homebrew_python(python_prefix) else NOT_ALLOWED
    sink = DesktopNotifierSink(
        notifier, opener=opener, on_interaction=on_interaction, max_live=max_live
    )
    return sink, ""


def homebrew_python(prefix: str | None = None) -> bool:
    """True when the interpreter (``sys.base_prefix``: a venv's base) is Homebrew's."""
    base = os.path.realpath(prefix if prefix is not None else sys.base_prefix)
    return "/Cellar/python" in base or base.startswith(("/opt/homebrew/", "/usr/local/opt/"))


async def _answered_within(
    request: asyncio.Future[bool], seconds: float, stop: asyncio.Event | None
) -> bool:
    """Wait for ``request`` up to ``seconds`` or until ``stop`` is set; True when it is done."""
    waiters: set[asyncio.Future[Any]] = {request}
    stopping: asyncio.Task[bool] | None = None
    if stop is not None:
        stopping = asyncio.ensure_future(stop.wait())
        waiters.add(stopping)
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        if stopping is not None:
            stopping.cancel()
    return request.done()


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
    max_live: int | None = None,
    permission_timeout: float = PERMISSION_WAIT,
    stop: asyncio.Event | None = None,
    python_prefix: str | None = None,
) -> tuple[Sink, str]:
    """The best sink on this machine and a one-line description (which, or why not).

    ``environ`` (default ``os.environ``) and ``exists`` (the socket check) are
    where the Linux bus address is looked up; neither is ever written. dbus-fast
    (inside desktop-notifier) reads the address only from ``os.environ``, so the
    process start-up exports it first (:func:`notifier.agent.daemon.export_session_bus`);
    the probe connects to whatever ``os.environ`` names.
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
    desktop, reason = await probe_desktop(
        factory=notifier_factory,
        opener=opener,
        on_interaction=on_interaction,
        probe_timeout=probe_timeout,
        max_live=max_live,
        permission_timeout=permission_timeout,
        stop=stop,
        python_prefix=python_prefix,
    )
    if desktop is not None:
        if system == "Darwin":
            # osascript while permission is unknown or refused, and after
            # repeated failed sends (which desktop-notifier only logs).
            mac = MacOSDesktopSink(desktop, OsascriptSink(runner or SubprocessRunner()))
            return mac, mac.description
        if address is not None:
            return desktop, f"desktop notifications via D-Bus ({address})"
        return desktop, f"desktop notifications (desktop-notifier, {system})"
    if system == "Darwin":
        return (
            OsascriptSink(runner or SubprocessRunner()),
            f"osascript, because {reason}",
        )
    return LogSink(reason), f"log only ({reason})"
