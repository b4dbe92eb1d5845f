"""``demo``: a simulated week through the real pipeline and real notifications.

Edge. No account, no network: a bundled recording (``notifier/data/demo-week.jsonl``)
is parsed, evaluated, drift-checked and archived exactly as the agent would,
in a throw-away home folder so the user's real state is never touched, and
its events go to the real desktop notifier (or the logged fallback, said so).

Paced for a person: one live notification per bucket (the agent's rule), at
most :data:`MAX_ON_SCREEN` of ours on screen (the oldest goes), at least
:data:`MIN_NOTIFY_GAP` between two polls that notify. At the end the process
stays up to ``--linger`` seconds while notifications are on screen, so a
click still opens the page, then withdraws what is left (a notification whose
click nobody hears any more would lie), and says the next step.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from importlib import resources
from pathlib import Path

from notifier.core.models import Config, Observation
from notifier.core.text.render import local_time
from notifier.core.text.timeline import story_line

# One simulated week in about fifteen seconds.
DEFAULT_SPEED = 40_000.0
# However long the simulated gap, never keep the newcomer waiting more than this per step.
MAX_STEP_SECONDS = 2.0
RECORDING = "demo-week.jsonl"
MAX_ON_SCREEN = 3
MIN_NOTIFY_GAP = 1.5
LINGER_SECONDS = 15.0
NEXT_STEP = "Next: `claude-usage-notifier install` watches your real usage from now on."


def recording_path() -> Path:
    """The bundled recording (a real file both in a wheel and in a checkout)."""
    return Path(str(resources.files("notifier") / "data" / RECORDING))


@contextmanager
def _private_home() -> Iterator[Path]:
    # Everything the demo writes (state, archive, history) goes here and vanishes.
    previous = os.environ.get("CLAUDE_USAGE_NOTIFIER_HOME")
    with tempfile.TemporaryDirectory(prefix="claude-usage-notifier-demo-") as home:
        os.environ["CLAUDE_USAGE_NOTIFIER_HOME"] = home
        try:
            yield Path(home)
        finally:
            if previous is None:
                os.environ.pop("CLAUDE_USAGE_NOTIFIER_HOME", None)
            else:
                os.environ["CLAUDE_USAGE_NOTIFIER_HOME"] = previous


def _print(line: str, *, to_stderr: bool = False) -> None:
    stream = sys.stderr if to_stderr else sys.stdout
    stream.write(line + "\n")
    stream.flush()


async def _play(
    observations: list[Observation],
    speed: float,
    notify: bool,
    home: Path,
    as_json: bool,
    linger: float = LINGER_SECONDS,
) -> int:
    from notifier import archive, schemas
    from notifier.core.pipeline import Pipeline
    from notifier.notify.notifier import Notifier
    from notifier.notify.sinks import DesktopNotifierSink, Interaction, RecordingSink
    from notifier.paths import resolve

    def heard(what: Interaction, message: object) -> None:
        title = getattr(message, "title", "")
        verb = "clicked (opening your usage page)" if what is Interaction.CLICKED else "dismissed"
        _print(f"  you {verb}: {title}", to_stderr=as_json)

    paths = resolve()
    config = Config(max_notifications_per_hour=60)
    known = schemas.load_known([paths.accepted_schemas_dir])
    pipeline = Pipeline(config, None, known)
    notifier = await Notifier.create(
        config,
        sink=None if notify else RecordingSink(),
        on_interaction=heard,
        max_live=MAX_ON_SCREEN,
    )
    # With --json, stdout carries only the events (as `replay --json`); the story goes to stderr.
    _print(
        f"Demo: a simulated week, {len(observations)} observations (state in {home})",
        to_stderr=as_json,
    )
    _print(
        f"Notifications: {notifier.description if notify else 'off (--no-notify)'}",
        to_stderr=as_json,
    )
    delivered = 0
    try:
        previous: datetime | None = None
        notified = False
        for observation in observations:
            if previous is not None:
                gap = (observation.observed_at - previous).total_seconds()
                step = min(gap / speed, MAX_STEP_SECONDS)
                if notified and isinstance(notifier.sink, DesktopNotifierSink):
                    step = max(step, MIN_NOTIFY_GAP)  # time to read one before the next
                await asyncio.sleep(step)
            previous = observation.observed_at
            notified = False
            events = pipeline.process(observation)
            stamp = local_time(observation.observed_at, observation.observed_at)
            for event in events:
                if as_json:
                    _print(json.dumps(event.to_json()))
                else:
                    _print(f"{stamp}  {story_line(event)}")
            result = pipeline.last_drift
            if result is not None and result.changes:
                # As the agent does: every sighting updates the variant's archive entry.
                archive.record(
                    paths.archive_dir, result, observation.payload, observation.observed_at
                )
            if events:
                deliveries = await notifier.publish(
                    events, pipeline.last_buckets, observation.observed_at
                )
                delivered += len(deliveries)
                notified = bool(deliveries)
        await _linger(notifier.sink, linger, as_json)
    finally:
        await notifier.close()
    _print(
        f"Done: {delivered} notification(s) handed to {notifier.description}.", to_stderr=as_json
    )
    _print(NEXT_STEP, to_stderr=as_json)
    return 0


async def _linger(sink: object, seconds: float, as_json: bool) -> None:
    """Keep listening while our notifications are on screen, then take the rest down."""
    from notifier.notify.sinks import DesktopNotifierSink

    if not isinstance(sink, DesktopNotifierSink) or not sink.live.handles:
        return
    if seconds > 0:
        _print(
            f"Waiting up to {seconds:g} s while notifications are on screen: "
            "click one to open your usage page (Ctrl-C ends the demo).",
            to_stderr=as_json,
        )
        deadline = asyncio.get_running_loop().time() + seconds
        # The live set shrinks from D-Bus callbacks; a short poll is the simplest wait.
        while sink.live.handles and asyncio.get_running_loop().time() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.2)
    await sink.withdraw_all()


def run(args: argparse.Namespace) -> int:
    """Play the bundled week; exit 0 whether or not a notification server is there."""
    from notifier.recording import read_recording

    speed = args.speed if args.speed is not None else DEFAULT_SPEED
    if speed <= 0 or args.linger < 0:
        from notifier.core.errors import InputError

        raise InputError("--speed must be positive and --linger not negative")
    observations = list(read_recording(recording_path()))
    with _private_home() as home:
        return asyncio.run(
            _play(observations, speed, not args.no_notify, home, args.json, args.linger)
        )
