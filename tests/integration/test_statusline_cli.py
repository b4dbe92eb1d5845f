"""``claude-usage-notifier statusline`` as Claude Code runs it: a fresh process, JSON on stdin.

Claude Code's document is shaped as endpoint.md's last section and public
reports describe it (session, model, workspace, cost, and for subscribers
``rate_limits`` with ``used_percentage`` 0-100 with float noise and
``resets_at`` in epoch seconds). Times are set relative to the moment the
test runs, with 30 s of margin inside each minute, so a countdown reads the
same however slowly the process starts. Every run must exit 0 with nothing
on stderr: a statusline that fails shows nothing at all.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from notifier.cli.commands import statusline as command
from notifier.core.models import STATE_VERSION
from notifier.paths import resolve

MIN = 60
HOUR = 3600
DAY = 24 * HOUR
MARGIN = 30  # seconds inside the minute, so start-up time never changes a countdown


def _claude(rate_limits: dict[str, Any] | None = None, **extra: Any) -> bytes:
    document: dict[str, Any] = {
        "hook_event_name": "Status",
        "session_id": "0f4b6c1e-statusline-test",
        "transcript_path": "/home/someone/.claude/projects/x/0f4b6c1e.jsonl",
        "cwd": "/home/someone/src/proj",
        "model": {"id": "claude-opus-4-7", "display_name": "Opus"},
        "workspace": {"current_dir": "/home/someone/src/proj", "project_dir": "/home/someone"},
        "version": "2.1.96",
        "output_style": {"name": "default"},
        "cost": {"total_cost_usd": 0.42, "total_duration_ms": 61000},
        "exceeds_200k_tokens": False,
        **extra,
    }
    if rate_limits is not None:
        document["rate_limits"] = rate_limits
    return json.dumps(document).encode()


def _window(used: float, resets_in: float | None) -> dict[str, Any]:
    window: dict[str, Any] = {"used_percentage": used}
    if resets_in is not None:
        window["resets_at"] = int(time.time() + resets_in)
    return window


def _run(stdin: bytes, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "notifier", "statusline", *args],
        input=stdin,
        capture_output=True,
        timeout=30,
        check=False,
    )
    assert (done.returncode, done.stderr) == (0, b""), done
    out = done.stdout.decode("utf-8")
    assert out.endswith("\n"), out
    assert out.count("\n") == 1, out
    return out.removesuffix("\n")


def _iso(seconds_from_now: float) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds_from_now)).isoformat()


def _bucket(used: float, resets_in: float | None, **extra: Any) -> dict[str, Any]:
    return {
        "fired": [],
        "last_utilization": used,
        "resets_at": None if resets_in is None else _iso(resets_in),
        "crossed_in_window": False,
        **extra,
    }


def _write_state(buckets: dict[str, Any], *, polled_ago: float = 4 * MIN, version: int = 1) -> Path:
    path = resolve().state_file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(
            {
                "version": version,
                "buckets": buckets,
                "agent": {"outcome": "ok", "last_success_at": _iso(-polled_ago)},
            }
        )
    )
    return path


def _agent_state() -> dict[str, Any]:
    """What an agent that polled four minutes ago leaves: a Fable weekly with a forecast."""
    return {
        "five_hour": _bucket(61.0, 2 * HOUR + MARGIN),
        "seven_day": _bucket(40.0, 3 * DAY),
        "seven_day_sonnet": _bucket(3.0, 3 * DAY),
        "limit:weekly_scoped:fable": _bucket(55.0, 2 * DAY, projected_cap_at=_iso(DAY)),
    }


# --------------------------------------------------------------------------- the line


def test_rate_limits_alone_give_both_windows_and_the_closest_ones_countdown() -> None:
    stdin = _claude(
        {
            "five_hour": _window(93.2, 27 * MIN + MARGIN),
            "seven_day": _window(41.0, 3 * DAY),
        }
    )
    assert _run(stdin) == "5h 93% ↻27m · 7d 41%"


def test_float_noise_is_rounded_and_a_spend_cap_above_100_shows_as_it_is() -> None:
    stdin = _claude(
        {
            "five_hour": _window(14.000000000000002, 4 * HOUR),
            "seven_day": _window(41.00000000000001, 3 * DAY),
            "spend_limit": _window(112.4, None),
        }
    )
    # Spend is the fullest, so it is the closest to its cap; it has no reset time to show.
    assert _run(stdin) == "5h 14% · 7d 41% · Spend 112%"


def test_without_rate_limits_the_agents_state_speaks_forecast_included() -> None:
    _write_state(_agent_state())
    # 5h is the fullest: its countdown; Fable (55 %, a forecast) earns its place; Sonnet
    # at 3 % does not.
    assert _run(_claude()) == "5h 61% ↻2h00m · 7d 40% · Fable 55% ↑"


def test_stdin_wins_for_the_windows_the_state_for_every_other_bucket() -> None:
    _write_state(_agent_state())
    stdin = _claude(
        {"five_hour": _window(70.0, 2 * HOUR + MARGIN), "seven_day": _window(42.0, 3 * DAY)}
    )
    assert _run(stdin) == "5h 70% ↻2h00m · 7d 42% · Fable 55% ↑"


def test_numbers_older_than_the_agent_would_leave_them_are_marked() -> None:
    _write_state(_agent_state(), polled_ago=3 * HOUR + 10 * MIN)
    line = _run(_claude())
    assert line == ("5h 61% ↻2h00m (3h old) · 7d 40% (3h old) · Fable 55% ↑ (3h old)")


@pytest.mark.parametrize(
    "stdin",
    [
        b"",
        b"garbage",
        b"\xff\xfe not utf-8",
        b"[1, 2, 3]",
        b'{"rate_limits": "soon"}',
        b'{"rate_limits": {"five_hour": {"used_percentage": "93", "resets_at": "later"},'
        b' "seven_day": null}}',
        b'{"rate_limits": {"five_hour": {"used_percentage": true}}}',
        b'{"rate_limits": {"five_hour": {"used_percentage": 1e999}}}',
        b"[" * 100_000,
    ],
    ids=[
        "empty",
        "garbage",
        "not-utf8",
        "array",
        "rate_limits-string",
        "wrong-types",
        "bool",
        "infinite",
        "deep",
    ],
)
def test_nothing_usable_and_no_state_is_the_neutral_line(stdin: bytes) -> None:
    assert _run(stdin) == "5h \u2013 · 7d \u2013"


def test_no_rate_limits_and_no_state_is_the_neutral_line() -> None:
    assert _run(_claude()) == "5h \u2013 · 7d \u2013"


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b"",
        b'{"version": 1, "buckets": "none", "agent": []}',
        b'{"version": 1, "buckets": {"five_hour": {"last_utilization": "x"}}}',
        b"[]",
    ],
    ids=["not-json", "empty", "wrong-sections", "wrong-number", "array"],
)
def test_a_corrupt_state_file_is_no_state_and_is_left_where_it_is(content: bytes) -> None:
    path = resolve().state_file
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    stdin = _claude(
        {"five_hour": _window(93.2, 27 * MIN + MARGIN), "seven_day": _window(41.0, 3 * DAY)}
    )
    assert _run(stdin) == "5h 93% ↻27m · 7d 41%"
    assert path.read_bytes() == content  # the agent's file: never moved or repaired here


def test_a_state_from_a_newer_notifier_is_not_guessed_at() -> None:
    _write_state(_agent_state(), version=max(command.STATE_VERSIONS) + 1)
    assert _run(_claude()) == "5h \u2013 · 7d \u2013"


def test_a_missing_state_folder_is_no_problem() -> None:
    assert not resolve().state_dir.exists()
    stdin = _claude({"five_hour": _window(5.0, HOUR + MARGIN)})
    assert _run(stdin) == "5h 5% ↻1h00m · 7d \u2013"


def test_a_template_composes_the_fields() -> None:
    _write_state(_agent_state())
    stdin = _claude(
        {"five_hour": _window(93.2, 27 * MIN + MARGIN), "seven_day": _window(41.0, 3 * DAY)}
    )
    template = "[{model}] {dir} {five_hour_pct}/{seven_day_pct} ({closest_label} {closest_reset})"
    assert _run(stdin, "--format", template) == "[Opus] proj 93%/41% (5h 27m)"
    assert _run(stdin, "--format={forecast} {{x}} {typo}") == "Fable {x} {typo}"


def test_an_explicit_state_dir_is_read(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "state.json").write_text(
        json.dumps({"version": 1, "buckets": {"five_hour": _bucket(33.0, HOUR + MARGIN)}})
    )
    # No agent section: the age of the number is unknown, so it is marked.
    assert _run(_claude(), "--state-dir", str(elsewhere)) == "5h 33% ↻1h00m (old) · 7d \u2013"


# --------------------------------------------------------------------------- the spool


def test_the_reading_is_left_for_the_agent_privately_and_the_newest_wins() -> None:
    before = time.time()
    _run(_claude({"five_hour": _window(20.0, HOUR), "seven_day": _window(10.0, DAY)}))
    spool = resolve().statusline_spool
    assert stat.S_IMODE(spool.stat().st_mode) == 0o600
    assert stat.S_IMODE(spool.parent.stat().st_mode) == 0o700
    first = json.loads(spool.read_text())
    assert first["version"] == 1
    assert before <= first["read_at"] <= time.time()
    assert first["rate_limits"]["five_hour"]["used_percentage"] == 20.0
    assert set(first["rate_limits"]) == {"five_hour", "seven_day"}

    _run(_claude({"five_hour": _window(21.0, HOUR), "spend_limit": _window(50.0, DAY)}))
    second = json.loads(spool.read_text())
    assert second["read_at"] >= first["read_at"]
    # one reading, the newest, and only the windows the agent can use
    assert second["rate_limits"] == {"five_hour": {"used_percentage": 21.0, "resets_at": ANY}}
    leftovers = [p.name for p in spool.parent.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


def test_no_rate_limits_leaves_the_previous_reading_alone() -> None:
    _run(_claude({"five_hour": _window(20.0, HOUR + MARGIN), "seven_day": _window(10.0, DAY)}))
    spool = resolve().statusline_spool
    before = spool.read_bytes()
    # A headless run (no rate_limits) shows the other session's fresh reading...
    assert _run(_claude()) == "5h 20% ↻1h00m · 7d 10%"
    # ...and does not overwrite it with nothing.
    assert spool.read_bytes() == before


class _Any:
    def __eq__(self, other: object) -> bool:
        return isinstance(other, int)


ANY = _Any()


# --------------------------------------------------------------------------- robustness


@pytest.mark.slow
def test_a_stdin_that_never_ends_does_not_hang_the_line() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "notifier", "statusline"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        out, err = proc.communicate(timeout=command.STDIN_WAIT + 10)
    finally:
        proc.kill()
    assert (proc.returncode, out, err) == (0, "5h \u2013 · 7d \u2013\n".encode(), b"")


def test_an_ascii_terminal_gets_ascii_glyphs() -> None:
    stdin = _claude({"five_hour": _window(93.2, 27 * MIN + MARGIN)})
    done = subprocess.run(
        [sys.executable, "-m", "notifier", "statusline"],
        input=stdin,
        capture_output=True,
        env={**os.environ, "PYTHONIOENCODING": "ascii", "PYTHONUTF8": "0"},
        check=False,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, b"5h 93% in 27m | 7d -\n", b"")


def test_help_and_usage_errors_go_through_argparse() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "notifier", "statusline", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0
    for field in command.text.FIELDS:
        assert f"{{{field}}}" in done.stdout
    done = subprocess.run(
        [sys.executable, "-m", "notifier", "statusline", "--bogus"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("claude-usage-notifier: ")


def test_the_statusline_path_loads_nothing_heavy() -> None:
    code = (
        "import sys\n"
        "from notifier.cli import main\n"
        "main(['statusline'])\n"
        "sys.stderr.write(' '.join(sorted(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        input=_claude({"five_hour": _window(1.0, HOUR)}),
        capture_output=True,
        check=True,
    )
    loaded = {name.split(".")[0] for name in done.stderr.decode().split()}
    heavy = {"pydantic", "httpx", "deepdiff", "desktop_notifier", "platformdirs", "argparse"}
    assert not loaded & heavy
    assert "dataclasses" not in loaded  # notifier.paths and the Result type stay out too


# --------------------------------------------------------------------------- in step


def test_the_light_reader_knows_the_state_version() -> None:
    assert STATE_VERSION in command.STATE_VERSIONS


def test_a_forecast_flag_of_the_current_window_is_shown() -> None:
    state = _agent_state()
    state["limit:weekly_scoped:fable"] = _bucket(55.0, 2 * DAY, forecast_fired=True)
    state["seven_day_opus"] = _bucket(52.0, -HOUR, forecast_fired=True)  # window over
    _write_state(state, version=2)
    assert _run(_claude()) == "5h 61% ↻2h00m · 7d 40% · Fable 55% ↑"


@pytest.mark.parametrize(
    "environ",
    [
        {"CLAUDE_USAGE_NOTIFIER_HOME": "/somewhere/home"},
        {"CLAUDE_USAGE_NOTIFIER_HOME": "~/portable"},
        {"CLAUDE_USAGE_NOTIFIER_STATE_DIR": "/x/state", "CLAUDE_USAGE_NOTIFIER_HOME": "/h"},
        {"CLAUDE_USAGE_NOTIFIER_STATE_DIR": "~/s"},
        {"CLAUDE_USAGE_NOTIFIER_STATE_DIR": "", "CLAUDE_USAGE_NOTIFIER_HOME": "/h"},
    ],
)
def test_the_light_state_folder_is_the_agents(environ: dict[str, str]) -> None:
    # Only the overrides are read by hand; without them both ask notifier.paths.
    env = {"HOME": os.environ["HOME"], **environ}
    assert command.state_dir({}, env) == str(resolve(env).state_dir)
    assert command.state_dir({"state_dir": "/given"}, env) == "/given"
