"""``notify --test``: send one sample notification and say how it was delivered.

Exit codes: 0 when a notification backend took the sample (desktop-notifier's
``on_dispatched`` ran, or ``osascript`` exited 0); 1 when it could only be
logged (no session bus, no notification server, dummy backend, failed send),
with the reason on stderr. Imports desktop-notifier only through ``notify``.

Clicks are heard: after a desktop notification went out, the command waits up
to :data:`WAIT_SECONDS` (``--no-wait`` skips it) and says whether the sample
was clicked (which opens the usage page) or dismissed, so a person knows the
whole round trip works, not only the sending.

osascript's exit 0 does not mean the notification was shown: on recent macOS
it comes from Script Editor and is dropped silently until Script Editor may
notify. Code cannot see that, so whenever the sample went through osascript
the one-time step is printed with the result. A person is at the keyboard
here, so the first-run permission dialog is waited for longer than the agent
waits for it.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from notifier.cli.commands.common import load_config
from notifier.cli.output import Result
from notifier.core.errors import ExitCode
from notifier.core.models import Config
from notifier.core.text.messages import TEST_SLOT, sample_message

PERMISSION_WAIT = 60.0
"""How long ``notify --test`` waits for the user to answer the permission dialog."""
WAIT_SECONDS = 20.0
"""How long ``notify --test`` listens for a click or a dismissal."""


def test(args: argparse.Namespace) -> Result:
    """Entry point of ``claude-usage-notifier notify --test``."""
    config = load_config(args).config
    from notifier.agent.daemon import event_loop_factory, export_session_bus

    export_session_bus()
    wait = 0.0 if getattr(args, "no_wait", False) else WAIT_SECONDS
    with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
        return runner.run(_send_sample(config, wait))


async def _send_sample(config: Config, wait: float = 0.0) -> Result:
    from notifier.notify.chooser import choose_sink
    from notifier.notify.sinks import (
        SCRIPT_EDITOR_STEP,
        Delivery,
        DesktopNotifierSink,
        Interaction,
        LogSink,
        MacOSDesktopSink,
        delivered_by_osascript,
        live_desktop,
    )

    heard: list[Interaction] = []
    answered = asyncio.Event()

    def on_interaction(what: Interaction, message: object) -> None:
        del message
        heard.append(what)
        answered.set()

    sink, description = await choose_sink(
        config, permission_timeout=PERMISSION_WAIT, on_interaction=on_interaction
    )
    after: list[str] = []
    try:
        if isinstance(sink, LogSink):
            return Result(notes=[f"no notification shown: {sink.reason}"], exit_code=ExitCode.FOUND)
        outcome = await sink.send(sample_message())
        # the path actually used (macOS may have switched to osascript)
        via = sink.description if isinstance(sink, MacOSDesktopSink) else description
        osascript = delivered_by_osascript(sink)
        desktop_in_use = live_desktop(sink)
        if outcome is Delivery.DELIVERED and desktop_in_use is not None and wait > 0:
            sys.stdout.write(
                f"Test notification sent: {via}.\n"
                f"Click it or dismiss it (waiting up to {wait:g} s)...\n"
            )
            sys.stdout.flush()
            try:
                await asyncio.wait_for(answered.wait(), wait)
            except TimeoutError:
                after.append(
                    f"Neither clicked nor dismissed within {wait:g} s "
                    "(it may still be on screen, or the server does not report clicks)."
                )
                await sink.withdraw(TEST_SLOT)
            else:
                if heard[0] is Interaction.CLICKED:
                    after.append("Clicked: your usage page is opening. Clicks work.")
                else:
                    after.append("Dismissed. Notifications and their callbacks work.")
            return Result(text=after)
    finally:
        await sink.close()
    if outcome is Delivery.DELIVERED:
        text = [f"Test notification sent: {via}."]
        if osascript:
            text.append(f"If nothing appeared: {SCRIPT_EDITOR_STEP}.")
        return Result(text=text)
    desktop = sink.desktop if isinstance(sink, MacOSDesktopSink) else sink
    why = desktop.last_failure if isinstance(desktop, DesktopNotifierSink) else None
    detail = f": {why}" if why else ""
    return Result(
        notes=[f"the test notification was not delivered via {via}{detail}"],
        exit_code=ExitCode.FOUND,
    )
