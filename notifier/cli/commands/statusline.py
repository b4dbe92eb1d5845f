"""``statusline [--format TEMPLATE] [--state-dir DIR]``: one short line for Claude Code.

Edge (stdin, the state folder, the clock, stdout). Claude Code runs its
``statusLine`` command on every refresh with a JSON document on stdin; for
subscribers it carries ``rate_limits.five_hour`` / ``seven_day`` (and, behind
a gateway with a spend cap, ``spend_limit``), each ``{used_percentage,
resets_at}`` with ``resets_at`` in epoch seconds. This command prints one line
from the freshest numbers it has (:mod:`notifier.core.text.statusline` says
what the line shows):

- the 5-hour and 7-day windows: the freshest of stdin, the spool (another
  Claude Code session's recent reading) and the agent's state;
- every other bucket (per-model limits are not on stdin): the agent's state,
  with the age of its last successful poll.

It exits 0 whatever the input: no ``rate_limits``, garbage, an empty or a
terminal stdin, a missing, unreadable, corrupt or newer state file. A
statusline that fails shows nothing at all, so the worst case is the
neutral line (the two windows, each with a dash). Then it leaves the reading in the spool
(:mod:`notifier.spool`) for the agent, which may skip a poll thanks to it.

Why it bypasses the rest of the CLI: it runs on every statusline refresh, and
its budget is three bare interpreter starts. So the CLI's ``main`` hands it
the arguments before building the argparse tree, and this module parses its
two options by hand (anything else goes back to argparse, which gives the
usual help or usage error). It prints plain text, never JSON, so it skips the
:class:`~notifier.cli.output.Result` machinery (a dataclass import for one
line). It reads ``state.json`` as plain JSON rather than through
:mod:`notifier.statefile` (pydantic), and finds the state folder from
``--state-dir`` (``install --statusline`` writes it into the command) or the
environment overrides, importing :mod:`notifier.paths` (platformdirs) only
when neither is there. Imports: the standard library (``os``, ``sys``,
``json``, ``select``, ``datetime``) and the two stdlib-only modules
:mod:`notifier.spool` and :mod:`notifier.core.text.statusline`.
"""

from __future__ import annotations

import json
import os
import sys
import time

from notifier import spool
from notifier.core.text import statusline as text

TYPE_CHECKING = False  # typing is not imported at run time: start-up time
if TYPE_CHECKING:
    import argparse
    from collections.abc import Mapping, Sequence
    from typing import Any, BinaryIO

STATE_VERSIONS = (1, 2)
"""The ``state.json`` versions this reader understands. It reads only fields every
version so far has kept in place (``buckets.<name>.last_utilization`` / ``resets_at``,
``agent.last_success_at``), plus, leniently, the pace forecast's ``forecast_fired``
(version 2). A test keeps :data:`notifier.core.models.STATE_VERSION` in this list; any
other version (a newer notifier's) reads as no state rather than a guess."""
STDIN_LIMIT = 1024 * 1024
"""More than this on stdin is not Claude Code's statusline document: ignored."""
STDIN_WAIT = 2.0
"""Seconds to wait for stdin to have data or end; a pipe left open does not hang the line."""
STATE_LIMIT = 4 * 1024 * 1024
DEFAULT_TEMPLATE = "{line}"
_OPTIONS = {"--format": "format", "--state-dir": "state_dir"}


def parse_options(argv: Sequence[str]) -> dict[str, str] | None:
    """``--format T``, ``--format=T``, ``--state-dir D``; None for anything else (argparse's)."""
    options: dict[str, str] = {}
    index = 0
    while index < len(argv):
        arg = argv[index]
        name, equals, value = arg.partition("=")
        key = _OPTIONS.get(name)
        if key is None:
            return None
        if not equals:
            if index + 1 >= len(argv):
                return None
            value = argv[index + 1]
            index += 1
        options[key] = value
        index += 1
    return options


# --------------------------------------------------------------------------- input


def read_stdin(
    stream: BinaryIO | None, limit: int = STDIN_LIMIT, wait: float = STDIN_WAIT
) -> bytes:
    """What Claude Code piped in; nothing for a terminal, a closed stdin or a stalled pipe."""
    import select  # a C module: cheap, and only needed here

    try:
        fd = stream.fileno() if stream is not None else -1
        if fd < 0 or os.isatty(fd):
            return b""
        chunks: list[bytes] = []
        total = 0
        while total <= limit:
            ready, _, _ = select.select([fd], [], [], wait)
            if not ready:
                break  # nothing more within the wait: use what came
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except (OSError, ValueError):
        return b""
    return b"" if total > limit else b"".join(chunks)


def decode(raw: bytes) -> dict[str, Any]:
    """A JSON object from ``raw``, or an empty one for anything else."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if number == number and abs(number) != float("inf") else None


def _epoch(value: object) -> float | None:
    """ISO 8601 with an offset, or epoch seconds, as epoch seconds; None for anything else."""
    number = _number(value)
    if number is not None:
        return number
    if not isinstance(value, str):
        return None
    from datetime import datetime  # only once there is a state file to read

    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None  # a naive time would be read as local time: refused, as everywhere
    try:
        return parsed.timestamp()
    except (OverflowError, OSError, ValueError):
        return None


def window_number(
    name: str, raw: object, *, age: float | None, forecast: bool = False
) -> text.Number | None:
    """A ``{used_percentage, resets_at}`` window as a :class:`~text.Number`, if usable."""
    if not isinstance(raw, dict):
        return None
    used = _number(raw.get("used_percentage"))
    if used is None:
        return None
    return text.Number(name, used, _epoch(raw.get("resets_at")), age=age, forecast=forecast)


def _forecast(bucket: Mapping[str, Any], resets_at: float | None, now: float) -> bool:
    """True when the agent's state holds a live forecast for this bucket.

    Read defensively: the forecast's place in the state belongs to the pace
    forecast (issue 15), so any of ``projected_cap_at`` (ISO or epoch, at the
    bucket or under ``forecast``) in the future and before the reset, or a
    true ``forecast_fired`` (state version 2: it forecast in this window) /
    ``forecasted`` flag while the window lasts, counts.
    """
    nested = bucket.get("forecast")
    candidates = [bucket.get("projected_cap_at")]
    if isinstance(nested, dict):
        candidates.append(nested.get("projected_cap_at"))
    for candidate in candidates:
        cap = _epoch(candidate)
        if cap is not None:
            return now < cap and (resets_at is None or cap < resets_at)
    flag = bucket.get("forecast_fired", bucket.get("forecasted", nested))
    return flag is True and (resets_at is None or now < resets_at)


# --------------------------------------------------------------------------- state


def state_dir(options: Mapping[str, str], environ: Mapping[str, str]) -> str:
    """The agent's state folder: ``--state-dir``, the overrides, else :mod:`notifier.paths`.

    The same order as :func:`notifier.paths.resolve` (a test keeps them equal);
    only the platform default needs platformdirs, imported then and only then.
    """
    chosen = options.get("state_dir") or environ.get("CLAUDE_USAGE_NOTIFIER_STATE_DIR")
    if chosen:
        return os.path.expanduser(chosen)
    home = environ.get("CLAUDE_USAGE_NOTIFIER_HOME")
    if home:
        return os.path.join(os.path.expanduser(home), "state")
    from notifier.paths import resolve

    return str(resolve(dict(environ)).state_dir)


def read_state(path: str) -> dict[str, Any]:
    """``state.json`` as plain JSON; empty for a missing, unreadable, corrupt or other-version file.

    Never moves or repairs anything: that is the agent's business (it holds the lock).
    """
    try:
        with open(path, "rb") as handle:
            raw = handle.read(STATE_LIMIT + 1)
    except OSError:
        return {}
    if len(raw) > STATE_LIMIT:
        return {}
    data = decode(raw)
    version = data.get("version")
    return data if version in STATE_VERSIONS and not isinstance(version, bool) else {}


def state_numbers(state: Mapping[str, Any], now: float) -> list[text.Number]:
    """Every bucket the agent remembers, with the age of the observation it came from."""
    agent = state.get("agent")
    agent = agent if isinstance(agent, dict) else {}
    polled = _epoch(agent.get("last_success_at"))
    read = _epoch(agent.get("last_reading_at"))
    buckets = state.get("buckets")
    if not isinstance(buckets, dict):
        return []
    numbers = []
    for name, bucket in buckets.items():
        if not isinstance(name, str) or not isinstance(bucket, dict):
            continue
        utilization = _number(bucket.get("last_utilization"))
        if utilization is None:
            continue
        seen = polled
        if name in (text.FIVE_HOUR, text.SEVEN_DAY) and read is not None:
            seen = read if seen is None else max(seen, read)
        resets_at = _epoch(bucket.get("resets_at"))
        numbers.append(
            text.Number(
                name,
                utilization,
                resets_at,
                age=None if seen is None else max(now - seen, 0.0),
                forecast=_forecast(bucket, resets_at, now),
            )
        )
    return numbers


def gather(
    claude: Mapping[str, Any], spooled: object, state: Mapping[str, Any], now: float
) -> list[text.Number]:
    """The freshest number per bucket: stdin, then the spool, then the state for the windows."""
    remembered = {number.name: number for number in state_numbers(state, now)}
    limits = claude.get("rate_limits")
    limits = limits if isinstance(limits, dict) else {}
    spool_limits: Mapping[str, Any] = {}
    spool_age: float | None = None
    if isinstance(spooled, dict) and spooled.get("version") == spool.VERSION:
        read_at = _number(spooled.get("read_at"))
        raw_limits = spooled.get("rate_limits")
        if read_at is not None and isinstance(raw_limits, dict) and read_at <= now + 60:
            spool_limits, spool_age = raw_limits, max(now - read_at, 0.0)

    def freshest(name: str) -> text.Number | None:
        old = remembered.get(name)
        candidates = [
            window_number(name, limits.get(name), age=0.0),
            window_number(name, spool_limits.get(name), age=spool_age),
            old,
        ]
        usable = [c for c in candidates if c is not None]
        if not usable:
            return None
        best = min(usable, key=lambda n: float("inf") if n.age is None else n.age)
        if old is not None and best is not old and _same_window(best, old):
            best.forecast = old.forecast  # the agent's forecast is about this same window
        return best

    numbers = [n for n in (freshest(text.FIVE_HOUR), freshest(text.SEVEN_DAY)) if n is not None]
    spend = window_number(text.SPEND, limits.get(text.SPEND), age=0.0)
    if spend is not None:
        numbers.append(spend)
    numbers.extend(
        number
        for name, number in remembered.items()
        if name not in (text.FIVE_HOUR, text.SEVEN_DAY, text.SPEND)
    )
    return numbers


def _same_window(a: text.Number, b: text.Number) -> bool:
    return (
        a.resets_at is not None and b.resets_at is not None and abs(a.resets_at - b.resets_at) <= 60
    )


def context(claude: Mapping[str, Any]) -> dict[str, str]:
    """``model`` and ``dir`` for templates, from Claude Code's document."""
    out: dict[str, str] = {}
    model = claude.get("model")
    if isinstance(model, dict) and isinstance(model.get("display_name"), str):
        out["model"] = model["display_name"]
    workspace = claude.get("workspace")
    folder = workspace.get("current_dir") if isinstance(workspace, dict) else None
    if not isinstance(folder, str):
        folder = claude.get("cwd")
    if isinstance(folder, str) and folder:
        out["dir"] = os.path.basename(folder.rstrip("/")) or folder
    return out


# --------------------------------------------------------------------------- output


def _ascii_only(encoding: str | None) -> bool:
    try:
        "\u21bb\u2191\u00b7\u2013".encode(encoding or "ascii")
    except (UnicodeEncodeError, LookupError):
        return True
    return False


def compose(
    claude: Mapping[str, Any],
    spooled: object,
    state: Mapping[str, Any],
    now: float,
    *,
    template: str = DEFAULT_TEMPLATE,
    ascii_only: bool = False,
) -> str:
    """The statusline text for these inputs (pure apart from what it is given)."""
    numbers = gather(claude, spooled, state, now)
    values = text.fields(numbers, now, ascii_only=ascii_only, context=context(claude))
    return text.render(template, values)


def neutral(*, ascii_only: bool = False) -> str:
    """The line when nothing at all can be said."""
    return text.fields([], 0.0, ascii_only=ascii_only)["line"]


def _write(stdout: Any, line: str) -> None:
    encoding = getattr(stdout, "encoding", None) or "utf-8"
    data = (line + "\n").encode(encoding, "replace")
    buffer = getattr(stdout, "buffer", None)
    try:
        if buffer is not None:
            buffer.write(data)
            buffer.flush()
        else:
            stdout.write(data.decode(encoding))
            stdout.flush()
    except (OSError, ValueError):
        pass  # Claude Code stopped listening: nothing left to tell it


def run_statusline(
    options: Mapping[str, str],
    *,
    stdin: BinaryIO | None = None,
    stdout: Any = None,
    environ: Mapping[str, str] | None = None,
    now: float | None = None,
) -> int:
    """Read, print, hand the reading to the agent; always 0."""
    out = stdout if stdout is not None else sys.stdout
    env = os.environ if environ is None else environ
    ascii_only = _ascii_only(getattr(out, "encoding", None))
    try:
        stream = stdin if stdin is not None else getattr(sys.stdin, "buffer", None)
        moment = time.time() if now is None else now
        claude = decode(read_stdin(stream))
        folder = state_dir(options, env)
        state = read_state(os.path.join(folder, "state.json"))
        spooled = spool.read(spool.path_in(folder))
        line = compose(
            claude,
            spooled,
            state,
            moment,
            template=options.get("format") or DEFAULT_TEMPLATE,
            ascii_only=ascii_only,
        )
    except Exception:  # a statusline never fails: the neutral line instead
        _write(out, neutral(ascii_only=ascii_only))
        return 0
    _write(out, line)
    try:
        reading = spool.document(claude.get("rate_limits"), moment)
        if reading is not None:
            spool.write(folder, reading)
    except Exception:  # noqa: S110 - the spool is a bonus for the agent; the line is out
        pass
    return 0


def fast_main(argv: Sequence[str]) -> int | None:
    """The CLI's fast path: run for options we parse by hand, None to let argparse handle them."""
    options = parse_options(argv)
    if options is None:
        return None
    return run_statusline(options)


def run(args: argparse.Namespace) -> int:
    """The argparse path (an abbreviated option, say): the same command."""
    options = {
        key: value
        for key, value in (("format", args.format), ("state_dir", args.state_dir))
        if value is not None
    }
    return run_statusline(options)
