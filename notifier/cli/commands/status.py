"""``status [--json] [--payload FILE] [--config FILE]``: every bucket now, closest to cap first.

Edge (reads a file or the endpoint, the clock, stdout). Fetches once through
:func:`notifier.client.fetch_once` (imported only then, so ``--payload``
never loads httpx) or reads FILE, discovers the buckets, and prints either the
table from :mod:`notifier.core.text.render` or the contract's JSON::

    {"fetched_at": ISO 8601,
     "buckets": [{"name": ..., "utilization": ..., "resets_at": ISO 8601 | null,
                  "pace_delta": points | null, "rate_per_hour": percent per hour | null,
                  "projected_cap_at": ISO 8601 | null}, ...]}

The pace (issue 15, :mod:`notifier.core.forecast`): for a bucket whose window
length is known, how far ahead of an even pace it is (``1 - (resets_at - now) / L``
of the window gone, so ``utilization - 100 * elapsed`` points; within 5 points
is "on pace"), and, from the points the agent keeps in its state (read
read-only), the recent rate and when it reaches 100 %.

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
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from notifier.cli.commands import common
from notifier.cli.output import Result
from notifier.core.buckets import Bucket, discover, extra_usage_money
from notifier.core.forecast import Pace, pace_of, pace_words
from notifier.core.models import Config, State
from notifier.core.text import render
from notifier.core.text.labels import label
from notifier.core.text.messages import LOGIN_WARNING
from notifier.core.useragent import UserAgent
from notifier.paths import Paths
from notifier.statefile import load_state


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def document(
    buckets: Sequence[Bucket], fetched_at: datetime, paces: Mapping[str, Pace] | None = None
) -> dict[str, Any]:
    """The ``--json`` document: the contract's keys, then the pace (issue 15), null if unknown."""
    found = paces or {}
    rows = []
    for bucket in buckets:
        pace = found.get(bucket.name)
        rows.append(
            {
                "name": bucket.name,
                "utilization": bucket.utilization,
                "resets_at": _iso(bucket.resets_at),
                "pace_delta": pace.delta if pace is not None else None,
                "rate_per_hour": pace.rate_per_hour if pace is not None else None,
                "projected_cap_at": _iso(pace.cap_at) if pace is not None else None,
            }
        )
    return {"fetched_at": fetched_at.isoformat(), "buckets": rows}


def paces(buckets: Sequence[Bucket], remembered: State, now: datetime) -> dict[str, Pace]:
    """Each bucket's pace now, with the agent's persisted points where it has them."""
    return {b.name: pace_of(b, remembered.buckets.get(b.name), now) for b in buckets}


def _span(delta: timedelta) -> str:
    return render.countdown(delta).removeprefix("in ")


def pace_lines(buckets: Sequence[Bucket], found: Mapping[str, Pace], now: datetime) -> list[str]:
    """``Pace`` block: per bucket with a window length, its pace and, if one exists, its forecast.

    ``ahead of pace by 12 points`` / ``on pace`` / ``behind pace by 8 points``, then
    ``100% in 3h 10m (1h 40m before reset)`` when the recent rate reaches 100 %
    before the reset. A ``limit:`` bucket that repeats a window says so
    (``= seven_day_opus``): the agent notifies for one of the two only.
    """
    cells: list[tuple[str, str]] = []
    for bucket in buckets:
        parts: list[str] = []
        if bucket.alias_of is not None:
            parts.append(f"= {bucket.alias_of}")
        pace = found.get(bucket.name)
        if pace is not None and pace.delta is not None:
            parts.append(pace_words(pace.delta))
            cap, resets_at = pace.cap_at, bucket.resets_at
            if cap is not None and resets_at is not None and cap < resets_at:
                parts.append(f"100% in {_span(cap - now)} ({_span(resets_at - cap)} before reset)")
        if parts:
            cells.append((label(bucket.name), "; ".join(parts)))
    if not cells:
        return []
    width = max(len(name) for name, _ in cells)
    return ["Pace:"] + [f"  {name:<{width}}  {text}" for name, text in cells]


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
    pace: Mapping[str, Pace] | None = None,
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
    lines.extend(pace_lines(buckets, pace or {}, fetched_at))
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


def _fetch(config: Config, where: Paths) -> tuple[dict[str, Any], UserAgent, datetime | None]:
    """The payload, the User-Agent it was fetched with, and when the login ends (if stated)."""
    # asyncio and httpx only when we go to the network: `--payload` starts faster.
    import asyncio

    from notifier import credentials
    from notifier.claude_version import ClaudeVersionReader
    from notifier.client import fetch_once

    versions = ClaudeVersionReader(where.claude_version_file)
    tokens = credentials.token_provider()
    payload, agent = asyncio.run(
        fetch_once(config, token_provider=tokens, user_agent=versions.user_agent)
    )
    return payload, agent, tokens.login_expires_at


def login_line(expires_at: datetime | None, now: datetime) -> str | None:
    """``Login ends Thu 10 Dec 09:00 (in 9d 2h): ...``, a warning within the last 3 days."""
    if expires_at is None:
        return None
    when = f"{render.local_time(expires_at, now)} ({render.countdown(expires_at - now)})"
    if expires_at - now <= LOGIN_WARNING:
        return f"  Claude login ends {when}: run `claude` and `/login` to renew it"
    return f"  Claude login ends {when}"


def run(args: argparse.Namespace) -> Result | int:
    """Fetch (or read ``--payload``) once and show every bucket; ``--watch``: see ``watch``."""
    if getattr(args, "watch", False):
        from notifier.cli.commands import watch

        return watch.run(args)
    where = common.paths()
    config = common.load_config(args, where).config
    payload_file: Path | None = args.payload
    user_agent: UserAgent | None = None
    login_ends: datetime | None = None
    if payload_file is not None:
        payload = common.read_json_object(payload_file)
    else:
        payload, user_agent, login_ends = _fetch(config, where)
    fetched_at = datetime.now(UTC)
    buckets = render.closest_to_cap(discover(payload))
    # The agent's memory, read leniently and read-only: its points give the forecast.
    remembered, _ = load_state(where.state_file, move_aside=False)
    found = paces(buckets, remembered, fetched_at)
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
            pace=found,
        )
        # Read from the login just now, else what the agent saw at its last poll.
        login = login_line(login_ends or remembered.agent.login_expires_at, fetched_at)
        if login is not None:
            lines.append(login)
    return Result(text=lines, data=document(buckets, fetched_at, found))
