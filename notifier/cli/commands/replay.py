"""``replay RECORDING [--config FILE] [--json]``: a recording through the whole pipeline.

Edge (reads the recording and the config, prints). Fresh state, drift checked
against the bundled schemas plus the locally accepted ones, no notifications.
``--json`` prints one contract-shaped event per line; otherwise a timeline in
local time. Events the agent would not notify about are marked "silent".

A missing or malformed recording is an :class:`~notifier.core.errors.InputError`
(exit 2, one line naming the file and line). Events of the lines before a bad
line have already been printed by then: output is streamed, so a long history
shows progress and memory stays flat.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from notifier.cli.commands.common import load_config, paths
from notifier.core.events import Event
from notifier.core.pipeline import Pipeline
from notifier.core.text.timeline import event_line
from notifier.recording import read_recording

if TYPE_CHECKING:
    from notifier.core.drift import KnownSchemas
    from notifier.core.models import Config


def replay_events(recording: Path, config: Config, known: KnownSchemas | None) -> Iterator[Event]:
    """Every event of ``recording`` replayed from a fresh state, in order."""
    pipeline = Pipeline(config, None, known)
    for observation in read_recording(recording):
        yield from pipeline.process(observation)


def timeline_line(event: Event) -> str:
    """One human line for ``event``: local time (with the date: a recording can span
    months), then :func:`notifier.core.text.timeline.event_line`."""
    when = event.observed_at.astimezone().strftime("%Y-%m-%d %H:%M")
    return f"{when}  {event_line(event)}"


def _write(out: TextIO, events: Iterator[Event], as_json: bool) -> int:
    count = 0
    for event in events:
        count += 1
        if as_json:
            out.write(json.dumps(event.to_json(), ensure_ascii=False) + "\n")
        else:
            out.write(timeline_line(event) + "\n")
    return count


def _known() -> KnownSchemas:
    from notifier import schemas  # lazy: reads the schema files

    accepted = paths().accepted_schemas_dir
    return schemas.load_known([accepted] if accepted.is_dir() else [])


def run(args: argparse.Namespace) -> int:
    """Replay ``args.recording``; 0 on success (2 via InputError for a bad file)."""
    config = load_config(args).config
    recording: Path = args.recording
    count = _write(sys.stdout, replay_events(recording, config, _known()), bool(args.json))
    if not args.json:
        noun = "event" if count == 1 else "events"
        sys.stdout.write(f"{count} {noun}\n")
    return 0
