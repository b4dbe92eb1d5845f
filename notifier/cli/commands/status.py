"""``status [--json] [--payload FILE] [--config FILE]``: every bucket now, closest to cap first.

Edge (reads a file or the endpoint, the clock, stdout). Fetches once through
:func:`notifier.client.fetch_once` (imported only then, so ``--payload``
never loads httpx) or reads FILE, discovers the buckets, and prints either the
table from :mod:`notifier.core.text.render` or the contract's JSON::

    {"fetched_at": ISO 8601,
     "buckets": [{"name": ..., "utilization": ..., "resets_at": ISO 8601 | null}, ...]}

The table ends with the User-Agent the request carried and where it came
from (``claude-code/<version>`` of the installed Claude Code by default, see
:mod:`notifier.claude_version`; the ``user_agent`` setting when set). The
``--json`` document does not carry it: the contract fixes its keys.

With ``--payload``, ``fetched_at`` is the time the command ran (a saved file
carries no trustworthy fetch time; its mtime changes when it is copied).
``resets_at`` keeps the offset the server sent. Errors reach the CLI as
:class:`~notifier.core.errors.NotifierError`: exit 2 for a bad FILE or config,
exit 3 when the endpoint cannot be reached or authenticated.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from notifier.cli.commands import common
from notifier.cli.output import Result
from notifier.core.buckets import Bucket, discover, extra_usage_money
from notifier.core.models import Config
from notifier.core.text import render
from notifier.core.useragent import UserAgent
from notifier.paths import Paths


def document(buckets: Sequence[Bucket], fetched_at: datetime) -> dict[str, Any]:
    """The ``--json`` document, exactly the contract's keys (other programs parse it)."""
    return {
        "fetched_at": fetched_at.isoformat(),
        "buckets": [
            {
                "name": bucket.name,
                "utilization": bucket.utilization,
                "resets_at": bucket.resets_at.isoformat() if bucket.resets_at else None,
            }
            for bucket in buckets
        ],
    }


def extra_usage_note(payload: dict[str, Any], buckets: Sequence[Bucket]) -> str | None:
    """Money spent on extra usage when it is no bucket (no monthly limit, so no percent)."""
    extra = payload.get("extra_usage")
    if not isinstance(extra, dict) or extra.get("is_enabled") is False:
        return None
    if any(bucket.name == "extra_usage" for bucket in buckets):
        return None  # already a row, with its money
    money = extra_usage_money(extra)
    if money.used_minor is None:
        return None
    spent = render.money_line(money)
    return f"  Extra usage: {spent}"


def text_lines(
    buckets: Sequence[Bucket],
    fetched_at: datetime,
    config: Config,
    *,
    source: str | None = None,
    note: str | None = None,
    ascii_only: bool = False,
    user_agent: UserAgent | None = None,
) -> list[str]:
    """The human table, headed by when (and, for a file, from where) it was read."""
    muted = frozenset(b.name for b in buckets if not config.is_enabled(b.name))
    heading = f"Claude usage at {render.local_time(fetched_at, fetched_at)}"
    if source is not None:
        heading += f" (from {source})"
    lines = [heading]
    if buckets:
        cells = render.rows(buckets, fetched_at, muted=muted, ascii_only=ascii_only)
        lines.extend(render.table(cells))
    else:
        lines.append("  no usage buckets in this payload")
    if note is not None:
        lines.append(note)
    if user_agent is not None:
        lines.append(f"  User-Agent: {user_agent.describe()}")
    return lines


def _can_draw_blocks() -> bool:
    encoding = getattr(sys.stdout, "encoding", None) or "ascii"
    try:
        render.bar(50.0).encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def _fetch(config: Config, where: Paths) -> tuple[dict[str, Any], UserAgent]:
    # asyncio and httpx only when we go to the network: `--payload` starts faster.
    import asyncio

    from notifier.claude_version import ClaudeVersionReader
    from notifier.client import fetch_once

    versions = ClaudeVersionReader(where.claude_version_file)
    return asyncio.run(fetch_once(config, user_agent=versions.user_agent))


def run(args: argparse.Namespace) -> Result:
    """Fetch (or read ``--payload``) once and show every bucket."""
    where = common.paths()
    config = common.load_config(args, where).config
    payload_file: Path | None = args.payload
    user_agent: UserAgent | None = None
    if payload_file is not None:
        payload = common.read_json_object(payload_file)
    else:
        payload, user_agent = _fetch(config, where)
    fetched_at = datetime.now(UTC)
    buckets = render.closest_to_cap(discover(payload))
    lines: list[str] = []
    if not args.json:
        lines = text_lines(
            buckets,
            fetched_at,
            config,
            source=str(payload_file) if payload_file is not None else None,
            note=extra_usage_note(payload, buckets),
            ascii_only=not _can_draw_blocks(),
            user_agent=user_agent,
        )
    return Result(text=lines, data=document(buckets, fetched_at))
