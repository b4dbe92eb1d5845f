"""``notify --test``: send one sample notification and say how it was delivered.

Exit codes: 0 when a notification backend took the sample (desktop-notifier's
``on_dispatched`` ran, or ``osascript`` exited 0); 1 when it could only be
logged (no session bus, no notification server, dummy backend, failed send),
with the reason on stderr. Imports desktop-notifier only through ``notify``.
"""

from __future__ import annotations

import argparse
import asyncio

from notifier.cli.commands.common import load_config
from notifier.cli.output import Result
from notifier.core.errors import ExitCode
from notifier.core.models import Config
from notifier.core.text.messages import sample_message


def test(args: argparse.Namespace) -> Result:
    """Entry point of ``claude-usage-notifier notify --test``."""
    config = load_config(args).config
    from notifier.agent.daemon import event_loop_factory, export_session_bus

    export_session_bus()
    with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
        return runner.run(_send_sample(config))


async def _send_sample(config: Config) -> Result:
    from notifier.notify.chooser import choose_sink
    from notifier.notify.sinks import Delivery, DesktopNotifierSink, LogSink

    sink, description = await choose_sink(config)
    try:
        if isinstance(sink, LogSink):
            return Result(notes=[f"no notification shown: {sink.reason}"], exit_code=ExitCode.FOUND)
        outcome = await sink.send(sample_message())
    finally:
        await sink.close()
    if outcome is Delivery.DELIVERED:
        return Result(text=[f"Test notification sent: {description}."])
    why = sink.last_failure if isinstance(sink, DesktopNotifierSink) else None
    detail = f": {why}" if why else ""
    return Result(
        notes=[f"the test notification was not delivered via {description}{detail}"],
        exit_code=ExitCode.FOUND,
    )
