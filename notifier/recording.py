"""Recordings: the contract's JSON Lines of observations, read and written in one place.

Edge (files). One line per observation: ``{"observed_at": ISO 8601, "payload": {...}}``.
An observation that did not come from the endpoint (a statusline reading the agent
used instead of a poll) says so with a third key, ``"source": "statusline"``, so a
replay of the history treats it as the agent did (no drift check); lines without
it are endpoint payloads, as in every recording made elsewhere.
``replay`` and the demo read recordings; the agent appends its own observations to
its history file in the same format, so ``replay`` can re-run what the agent saw.

Reading parses each line once and stops at the first malformed line with an
:class:`~notifier.core.errors.InputError` naming the file and the 1-based line number.
Writing the history is append-only, private (0600), redacted like the archive
(:func:`notifier.core.redact.redact`: what ``replay`` needs survives, free text,
emails and UUIDs do not) and capped: past ``max_bytes`` the file is rotated to
``<name>.1`` (one old file kept).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from notifier.core.errors import InputError, StoreError
from notifier.core.jsondoc import loads
from notifier.core.redact import redact
from notifier.core.values import ENDPOINT, STATUSLINE, Observation, parse_timestamp
from notifier.paths import ensure_private_dir
from notifier.store import open_regular

# One observation per line; a payload is capped at 4 MiB, so a longer line is not ours.
MAX_LINE_BYTES = 8 * 1024 * 1024


def parse_line(text: str, where: str) -> Observation:
    """One recording line as an :class:`Observation`; ``where`` prefixes the error message."""
    try:
        data: Any = loads(text)
    except (ValueError, RecursionError):
        raise InputError(f"{where}: not valid JSON") from None
    if not isinstance(data, dict):
        raise InputError(f"{where}: expected a JSON object with observed_at and payload")
    observed_at = parse_timestamp(data.get("observed_at"))
    if observed_at is None:
        raise InputError(f"{where}: observed_at must be an ISO 8601 timestamp with a UTC offset")
    payload = data.get("payload")
    if not isinstance(payload, dict):
        raise InputError(f"{where}: payload must be a JSON object")
    source = data.get("source", ENDPOINT)
    if source not in (ENDPOINT, STATUSLINE):
        raise InputError(f"{where}: source must be {ENDPOINT!r} or {STATUSLINE!r}")
    return Observation(observed_at=observed_at, payload=payload, source=source)


def read_recording(path: Path) -> Iterator[Observation]:
    """The observations of a recording, in file order; blank lines are skipped.

    Raises :class:`InputError` when the file cannot be read or a line is
    malformed (``FILE:LINE: reason``). Lazy: observations before a bad line
    have already been yielded when the error is raised.
    """
    try:
        handle = os.fdopen(open_regular(path), "rb")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    with handle:
        try:
            for lineno, raw in enumerate(iter(lambda: handle.readline(MAX_LINE_BYTES + 1), b""), 1):
                if len(raw) > MAX_LINE_BYTES:
                    raise InputError(
                        f"{path}:{lineno}: line longer than {MAX_LINE_BYTES >> 20} MiB"
                    )
                if raw.isspace() or not raw:
                    continue
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError:
                    raise InputError(f"{path}:{lineno}: not UTF-8 text") from None
                yield parse_line(text, f"{path}:{lineno}")
        except OSError as exc:
            raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None


TAIL_BYTES = 256 * 1024


def last_observation(path: Path) -> Observation | None:
    """The newest well-formed observation of a recording (the agent's history), or None.

    Reads only the file's tail, so ``status`` stays fast on a long history; a
    missing or unreadable file, or a torn last line, is no error here.
    """
    try:
        with os.fdopen(open_regular(path), "rb") as handle:  # no symlink, no FIFO
            size = handle.seek(0, 2)
            handle.seek(max(0, size - TAIL_BYTES))
            tail = handle.read()
    except OSError:
        return None
    for raw in reversed(tail.splitlines()):
        try:
            return parse_line(raw.decode("utf-8"), str(path))
        except (InputError, UnicodeDecodeError):
            continue
    return None


def observation_to_line(observation: Observation) -> str:
    """One recording line for ``observation``, without the trailing newline."""
    line: dict[str, Any] = {
        "observed_at": observation.observed_at.isoformat(),
        "payload": observation.payload,
    }
    if observation.source != ENDPOINT:
        line["source"] = observation.source
    return json.dumps(line, ensure_ascii=False, separators=(",", ":"))


def append_observation(path: Path, observation: Observation, max_bytes: int) -> None:
    """Append ``observation`` to a capped history file (0600, folder 0700).

    When the file would pass ``max_bytes``, it is first renamed to ``<name>.1``
    (replacing the previous old file), so the history never uses more than about
    twice ``max_bytes``. The line goes out in one ``write`` on an ``O_APPEND``
    descriptor, so a concurrent reader never sees half of it interleaved.
    """
    # Safe to share, like the archive: keys, numbers, timestamps and short identifiers
    # are what replay needs; free text, emails and UUIDs never reach the disk.
    redacted = dataclasses.replace(observation, payload=redact(observation.payload))
    data = (observation_to_line(redacted) + "\n").encode("utf-8")
    try:
        ensure_private_dir(path.parent)
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            size = 0
        if size > 0 and size + len(data) > max_bytes:
            path.replace(path.with_name(path.name + ".1"))  # renames a symlink, never follows
        fd = open_regular(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.fchmod(fd, 0o600)
            os.write(fd, data)
        finally:
            os.close(fd)
    except OSError as exc:
        raise StoreError(f"cannot write {path}: {exc.strerror or exc}") from None


def read_history(path: Path) -> tuple[list[Observation], int]:
    """The agent's own history, oldest first: the rotated ``<name>.1``, then ``path``.

    Lenient, unlike :func:`read_recording`: the agent appends while it runs and a
    killed agent can leave a torn last line, so an unreadable line is skipped and
    counted (the second value) instead of ending the read. A missing file is an empty
    history. Raises :class:`InputError` only when a file exists but cannot be read.
    """
    observations: list[Observation] = []
    skipped = 0
    for source in (path.with_name(path.name + ".1"), path):
        try:
            handle = os.fdopen(open_regular(source), "rb")  # no symlink, no FIFO
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise InputError(f"cannot read {source}: {exc.strerror or exc}") from None
        with handle:
            try:
                lines = iter(functools.partial(handle.readline, MAX_LINE_BYTES + 1), b"")
                for lineno, raw in enumerate(lines, start=1):
                    if raw.isspace() or not raw:
                        continue
                    if len(raw) > MAX_LINE_BYTES:  # bounded memory; the rest of it is skipped
                        skipped += 1
                        continue
                    try:
                        observations.append(parse_line(raw.decode("utf-8"), f"{source}:{lineno}"))
                    except (InputError, UnicodeDecodeError):
                        skipped += 1
            except OSError as exc:
                raise InputError(f"cannot read {source}: {exc.strerror or exc}") from None
    return observations, skipped
