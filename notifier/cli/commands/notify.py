"""``notify --test``: send one sample notification and say how it was delivered.

Exit codes: 0 when a notification backend took the sample (desktop-notifier's
``on_dispatched`` ran, or ``osascript`` exited 0); 1 when it could only be
logged (no session bus, no notification server, dummy backend, failed send),
with the reason on stderr. Imports desktop-notifier only through ``notify``.

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

from notifier.cli.commands.common import load_config
from notifier.cli.output import Result
from notifier.core.errors import ExitCode
from notifier.core.models import Config
from notifier.core.text.messages import sample_message

PERMISSION_WAIT = 60.0
"""How long ``notify --test`` waits for the user to answer the permission dialog."""


def test(args: argparse.Namespace) -> Result:
    """Entry point of ``claude-usage-notifier notify --test``."""
    config = load_config(args).config
    from notifier.agent.daemon import event_loop_factory, export_session_bus

    export_session_bus()
    with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
        return runner.run(_send_sample(config))


async def _send_sample(config: Config) -> Result:
    from notifier.notify.chooser import choose_sink
    from notifier.notify.sinks import (
        SCRIPT_EDITOR_STEP,
        Delivery,
        DesktopNotifierSink,
        LogSink,
        MacOSDesktopSink,
        delivered_by_osascript,
    )

    sink, description = await choose_sink(config, permission_timeout=PERMISSION_WAIT)
    try:
        if isinstance(sink, LogSink):
            return Result(notes=[f"no notification shown: {sink.reason}"], exit_code=ExitCode.FOUND)
        outcome = await sink.send(sample_message())
        # the path actually used (macOS may have switched to osascript)
        via = sink.description if isinstance(sink, MacOSDesktopSink) else description
        osascript = delivered_by_osascript(sink)
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
