"""``status [--json] [--payload FILE] [--force] [--config FILE]``: every bucket, fullest first.

Edge (reads a file or the endpoint, the agent's state and history, the clock,
the terminal). Fetches once through :func:`notifier.client.fetch_once`
(imported only then, so ``--payload`` never loads httpx) or reads FILE,
discovers the buckets, and returns the table (fitted to the terminal, see
:func:`notifier.core.text.render.fit`) or the contract's JSON::

    {"fetched_at": ISO 8601,
     "buckets": [{"name": ..., "utilization": ..., "resets_at": ISO 8601 | null,
                  "pace_delta": points | null, "rate_per_hour": percent per hour | null,
                  "projected_cap_at": ISO 8601 | null}, ...],
     "stale": bool, "as_of": ISO 8601}

The pace (issue 15, :mod:`notifier.core.forecast`): for a bucket whose window
length is known, how far ahead of an even pace it is (``1 - (resets_at - now) / L``
of the window gone, so ``utilization - 100 * elapsed`` points; within 5 points
is "on pace"), and, from the points the agent keeps in its state (read
read-only), the recent rate and when it reaches 100 %.

It never goes blank. When the endpoint cannot be reached (any
:class:`~notifier.core.errors.ServerError`), or the agent's stored 429 deadline
has not passed (then no request is sent at all, unless ``--force``), it shows
the last numbers the agent saw (its history, else its state), says how old
they are and why (``as of 14:05 (37 min ago; rate limited until 14:30)``) and
exits 3. With nothing to show, the error itself reaches the CLI (exit 3).

The table ends with the User-Agent the request carried and where it came
from (``claude-code/<version>`` of the installed Claude Code by default, see
:mod:`notifier.claude_version`; the ``user_agent`` setting when set). The
``--json`` document does not carry it.

With ``--payload``, ``fetched_at`` is the time the command ran (a saved file
carries no trustworthy fetch time; its mtime changes when it is copied), so a
reset that is already past gets no countdown rather than "(passed)". An
error body from the endpoint (``{"type": "error", ...}``) is named as such
(exit 2). ``resets_at`` keeps the offset the server sent.
"""

from __future__ import annotations

import shutil
import sys
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

from notifier import config as config_module
from notifier.cli.commands import common
from notifier.cli.output import Result, use_color
from notifier.core.buckets import Bucket, discover, extra_usage_money
from notifier.core.errors import (
    BadResponse,
    ExitCode,
    InputError,
    RateLimited,
    ServerError,
    Unreachable,
)
from notifier.core.forecast import Pace, pace_of, pace_words
from notifier.core.stateview import EMPTY, StateView
from notifier.core.text import render
from notifier.core.text.labels import label
from notifier.core.useragent import UserAgent
from notifier.core.values import LOGIN_WARNING
from notifier.paths import Paths

if TYPE_CHECKING:
    # pydantic's model classes are built only when a config file needs validating or
    # the state file is not the agent's own dump: see `run` (start-up time, issue 18).
    import argparse

    from notifier.core.models import Config


@dataclass(frozen=True)
class Staleness:
    """Numbers that are not fresh: when they were seen and why nothing newer came."""

    as_of: datetime
    reason: str


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def document(
    buckets: Sequence[Bucket],
    fetched_at: datetime,
    stale: Staleness | None = None,
    paces: Mapping[str, Pace] | None = None,
) -> dict[str, Any]:
    """The ``--json`` document: the contract's keys, ``stale``/``as_of``, and the pace."""
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
    return {
        "fetched_at": fetched_at.isoformat(),
        "stale": stale is not None,
        "as_of": (stale.as_of if stale else fetched_at).isoformat(),
        "buckets": rows,
    }


def paces(buckets: Sequence[Bucket], remembered: StateView, now: datetime) -> dict[str, Pace]:
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


def ago(delta: timedelta) -> str:
    """``37 min ago``, ``2 h 5 min ago`` (:func:`~notifier.core.text.render.duration`)."""
    return f"{render.duration(delta)} ago"


def heading(
    now: datetime,
    *,
    source: str | None = None,
    stale: Staleness | None = None,
    tz: tzinfo | None = None,
) -> str:
    """``Claude usage, % used, at Tue 01 Dec 14:05`` (or ``as of ...`` with age and reason)."""
    if stale is not None:
        when = render.clock_time(stale.as_of, now, tz)
        return f"Claude usage, % used, as of {when} ({ago(now - stale.as_of)}; {stale.reason})"
    text = f"Claude usage, % used, at {render.local_time(now, now, tz)}"
    return text + (f" (from {source})" if source is not None else "")


def text_lines(
    buckets: Sequence[Bucket],
    fetched_at: datetime,
    config: Config | None,
    *,
    source: str | None = None,
    note: str | None = None,
    ascii_only: bool = False,
    width: int = 80,
    color: bool = False,
    stale: Staleness | None = None,
    countdowns: bool = True,
    tz: tzinfo | None = None,
    user_agent: UserAgent | None = None,
    pace: Mapping[str, Pace] | None = None,
) -> list[str]:
    """The human table for ``width`` columns, headed by when, from where, and how fresh.

    ``config`` None: the defaults, which disable no bucket.
    """
    enabled = config.is_enabled if config is not None else None
    muted = frozenset(b.name for b in buckets if enabled is not None and not enabled(b.name))
    lines = textwrap.wrap(
        heading(fetched_at, source=source, stale=stale, tz=tz),
        width=width,
        subsequent_indent="  ",
        break_on_hyphens=False,
        break_long_words=False,
    )
    if buckets:
        cells = render.rows(
            buckets,
            fetched_at,
            tz,
            muted=muted,
            ascii_only=ascii_only,
            countdowns=countdowns and stale is None,
            passed="renewed since" if stale is not None else None,
        )
        lines.extend(render.fit(cells, width, color=color))
    else:
        lines.append("  no usage buckets in this payload")
    if note is not None:
        lines.append(render.clip(note, width))
    lines.extend(pace_lines(buckets, pace or {}, fetched_at))
    if user_agent is not None:
        lines.extend(
            textwrap.wrap(
                f"  User-Agent: {user_agent.describe()}",
                width=width,
                subsequent_indent="    ",
                break_on_hyphens=False,
                break_long_words=False,
            )
        )
    # textwrap leaves a word longer than the width whole (a long path): cut it.
    return [render.clip(line, width) if "\x1b" not in line else line for line in lines]


def _can_draw_blocks() -> bool:
    encoding = getattr(sys.stdout, "encoding", None) or "ascii"
    try:
        render.bar(50.0).encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def terminal_width() -> int:
    """``COLUMNS`` when set, else the terminal's width, else 80 (piped)."""
    return max(20, shutil.get_terminal_size((80, 24)).columns)


def error_body(payload: dict[str, Any]) -> str | None:
    """The endpoint's error answer (``{"type": "error", "error": {...}}``) in words, or None."""
    if payload.get("type") != "error":
        return None
    error = payload.get("error")
    if not isinstance(error, dict):
        return "an error"
    kind, message = error.get("type"), error.get("message")
    parts = [part for part in (kind, message) if isinstance(part, str) and part.strip()]
    return ": ".join(parts) or "an error"


def last_seen(
    paths: Paths, state: StateView
) -> tuple[list[Bucket], dict[str, Any], datetime] | None:
    """The last numbers the agent saw: its history's newest observation, else its state."""
    from notifier.recording import last_observation

    observation = last_observation(paths.history_file)
    if observation is not None:
        return discover(observation.payload), observation.payload, observation.observed_at
    seen_at = state.agent.last_success_at
    buckets = [
        Bucket(name, memory.last_utilization, memory.resets_at)
        for name, memory in state.buckets.items()
        if memory.last_utilization is not None
    ]
    if not buckets or seen_at is None:
        return None
    return buckets, {}, seen_at


def agent_state(paths: Paths) -> StateView:
    """The agent's memory, read-only: the agent's own dump directly, anything else via pydantic.

    :func:`notifier.core.stateview.parse` recognises the file the agent writes without
    building the model classes; a file it does not vouch for (older, hand-edited,
    damaged) is read by :func:`notifier.statefile.load_state`, leniently and without
    moving it from under the agent, exactly as before.
    """
    from notifier.core import stateview
    from notifier.core.errors import StoreError
    from notifier.store import read_json

    try:
        view = stateview.parse(read_json(paths.state_file))
    except FileNotFoundError:
        return EMPTY
    except StoreError:
        view = None
    if view is not None:
        return view
    from notifier.statefile import load_state

    state, _warnings = load_state(paths.state_file, move_aside=False)
    return stateview.of(state)


def _why(exc: ServerError, now: datetime) -> str:
    if isinstance(exc, RateLimited):
        if exc.retry_after is not None:
            until = now + timedelta(seconds=exc.retry_after)
            return f"rate limited until {render.clock_time(until, now)}"
        return "rate limited"
    if isinstance(exc, Unreachable):
        return "endpoint unreachable"
    if isinstance(exc, BadResponse):
        return "unexpected answer from the endpoint"
    return "server error"


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
    """Fetch (or read ``--payload``) once and show every bucket; stale numbers rather than none.

    ``--watch`` streams instead (see :mod:`notifier.cli.commands.watch`).
    """
    if getattr(args, "watch", False):
        from notifier.cli.commands import watch

        return watch.run(args)
    where = common.paths()
    payload_file: Path | None = args.payload
    # None: the defaults, known without pydantic (see text_lines); a fetch builds them.
    config: Config | None = None
    if not config_module.nothing_to_validate(getattr(args, "config", None), where.config_file):
        config = common.load_config(args, where).config
    user_agent: UserAgent | None = None
    now = datetime.now(UTC)
    stale: Staleness | None = None
    notes: list[str] = []
    login_ends: datetime | None = None
    # The agent's memory, read once, leniently and read-only: its 429 deadline, its last
    # numbers (stale fallback) and its points (the pace).
    state = agent_state(where)
    if payload_file is not None:
        payload = common.read_json_object(payload_file)
        problem = error_body(payload)
        if problem is not None:
            raise InputError(
                f"payload file {payload_file} is an error answer from the endpoint "
                f"({problem}), not usage data"
            )
        buckets = discover(payload)
        fetched_at = now
    else:
        paths = where
        until = state.agent.backoff_until
        limited = state.agent.outcome == "rate_limited" and until is not None and until > now
        failure: ServerError | None = None
        if until is not None and limited and not getattr(args, "force", False):
            reason = f"rate limited until {render.clock_time(until, now)}"
            notes.append(
                f"the agent was told to wait ({reason}): no request sent; --force asks anyway"
            )
        else:
            try:
                settings = config or common.load_config(args, where).config  # the defaults
                payload, user_agent, login_ends = _fetch(settings, where)
            except ServerError as exc:
                failure = exc
                reason = _why(exc, now)
                notes.append(f"{exc}")
            else:
                reason = ""
        if reason:
            seen = last_seen(paths, state)
            if seen is None:
                if failure is not None:
                    raise failure
                raise RateLimited(
                    f"the usage endpoint is rate limiting ({reason}) and the agent has no "
                    "numbers yet; try again later or pass --force"
                )
            buckets, payload, fetched_at = seen
            stale = Staleness(as_of=fetched_at, reason=reason)
            notes.append("showing the last numbers the agent saw")
        else:
            buckets = discover(payload)
            fetched_at = now
    buckets = render.closest_to_cap(buckets)
    found = paces(buckets, state, fetched_at)
    lines: list[str] = []
    if not args.json:
        lines = text_lines(
            buckets,
            now if stale is not None else fetched_at,
            config,
            source=str(payload_file) if payload_file is not None else None,
            note=extra_usage_note(payload, buckets),
            ascii_only=not _can_draw_blocks(),
            width=terminal_width(),
            color=use_color(),
            stale=stale,
            countdowns=payload_file is None,
            user_agent=user_agent,
            pace=found,
        )
        # Read from the login just now, else what the agent saw at its last poll.
        login = login_line(login_ends or state.agent.login_expires_at, now)
        if login is not None:
            lines.append(render.clip(login, terminal_width()))
    return Result(
        text=lines,
        data=document(buckets, fetched_at, stale, found),
        notes=notes,
        exit_code=ExitCode.ENDPOINT if stale is not None else ExitCode.OK,
    )
