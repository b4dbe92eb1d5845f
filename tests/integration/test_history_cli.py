"""``history`` as a user runs it, on the example week written as the agent's history.

The week is moved forward by whole days so that it ends within the last day: every
timestamp (``observed_at`` and the payloads' ``resets_at``) by the same amount, so the
rules see the same week and report the same events (``example-week.events.jsonl``,
moved likewise). What depends on the local time zone (day names, clock times) is
checked exactly in ``tests/unit/test_history_chart.py``; here it is the command: the
file, the width, the pipe, the exit codes.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from notifier.cli import main
from notifier.core.text.chart import BLOCKS
from notifier.paths import resolve
from tests.conftest import FIXTURES

WEEK = FIXTURES / "recordings" / "example-week.jsonl"
EVENTS = FIXTURES / "recordings" / "example-week.events.jsonl"
ISO = re.compile(r"^\d{4}-\d\d-\d\dT")
BUCKETS = ["five_hour", "seven_day", "seven_day_opus", "seven_day_sonnet"]


def _moved(value: Any, by: timedelta) -> Any:
    if isinstance(value, dict):
        return {key: _moved(item, by) for key, item in value.items()}
    if isinstance(value, list):
        return [_moved(item, by) for item in value]
    if isinstance(value, str) and ISO.match(value):
        return (datetime.fromisoformat(value) + by).isoformat()
    return value


def _shift() -> timedelta:
    last = datetime.fromisoformat(json.loads(WEEK.read_text().splitlines()[-1])["observed_at"])
    return timedelta(days=(datetime.now(UTC) - last).days)


@pytest.fixture
def history() -> Path:
    """The example week as the agent's history.jsonl, ending within the last day."""
    by = _shift()
    path = resolve().history_file
    path.parent.mkdir(parents=True)
    lines = [json.dumps(_moved(json.loads(line), by)) for line in WEEK.read_text().splitlines()]
    path.write_text("\n".join(lines) + "\n")
    return path


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["history", *args])
    out, err = capsys.readouterr()
    return code, out, err


def _rows(out: str) -> list[str]:
    return [line for line in out.splitlines() if set(line.strip()) & set(BLOCKS[:-1])]


@pytest.mark.parametrize("columns", [80, 50])
def test_the_chart_fits_the_terminal(
    history: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, columns: int
) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    code, out, err = _run(capsys, "--days", "9")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= columns
    assert max(len(line) for line in lines) > columns - 10  # and uses the width
    assert len(_rows(out)) == 4  # one sparkline per bucket
    assert lines[1].startswith("5-hour: 82% at ")  # the latest number, Mon 20:00
    assert "\x1b" not in out  # captured, not a terminal: no colour


def test_one_bucket(history: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "seven_day_opus", "--days", "9")
    assert code == 0
    headers = [line for line in out.splitlines() if ": " in line and "%" in line]
    assert headers == [headers[0]]
    assert headers[0].startswith("7-day Opus: 14% at ")


def test_json_gives_the_series_and_the_replayed_events(
    history: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(capsys, "--days", "9", "--json")
    assert code == 0
    document = json.loads(out)
    assert document["schema_version"] == 1
    assert [b["name"] for b in document["buckets"]] == BUCKETS
    by = _shift()
    expected = [_moved(json.loads(line), by) for line in EVENTS.read_text().splitlines()]
    for event in expected:  # the shared file predates the contract's `early`; none is early
        if event["kind"] == "reset":
            event.setdefault("early", False)
    for bucket in document["buckets"]:
        # all 19 observations carry every bucket's number
        assert len(bucket["points"]) == 19
        at = bucket["points"][0][0]
        assert datetime.fromisoformat(at) == datetime(2026, 11, 2, 8, tzinfo=UTC) + by
        for field, kind in (("resets", "reset"), ("crossings", "threshold")):
            want = [
                {k: v for k, v in e.items() if k not in {"kind", "bucket"}}
                for e in expected
                if e["bucket"] == bucket["name"] and e["kind"] == kind
            ]
            assert bucket[field] == want, (bucket["name"], field)
    five_hour = document["buckets"][0]
    assert [p[1] for p in five_hour["points"]][:5] == [4.0, 41.0, 78.0, 93.0, 0.0]


def test_seven_days_leave_out_the_first_half_day(
    history: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The week spans 7 d 12 h and ends less than a day ago: the last 7 days miss at
    # least its first 12 h (the observations of Mon 08:00 and 10:00 at the least).
    code, out, _ = _run(capsys, "five_hour", "--json")
    assert code == 0
    (bucket,) = json.loads(out)["buckets"]
    first = datetime.fromisoformat(bucket["points"][0][0])
    assert first - _shift() > datetime(2026, 11, 2, 10, tzinfo=UTC)
    assert len(bucket["points"]) < 19


@pytest.mark.parametrize("days", ["0", "-1", "367", "nan", "inf"])
def test_a_bad_days_is_one_line_and_exit_2(
    history: Path, capsys: pytest.CaptureFixture[str], days: str
) -> None:
    code, out, err = _run(capsys, "--days", days)
    assert (code, out) == (2, "")
    assert err.startswith("claude-usage-notifier: --days must be more than 0 and at most 366")
    assert len(err.splitlines()) == 1


def test_days_that_are_not_a_number_are_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["history", "--days", "seven"])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1
    assert "--days" in err


def test_an_unknown_bucket_is_one_line_naming_the_known_ones(
    history: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(capsys, "seven_day_opsu")
    assert (code, out) == (2, "")
    assert err == (
        "claude-usage-notifier: unknown bucket 'seven_day_opsu'; the history has: "
        "five_hour, seven_day, seven_day_opus, seven_day_sonnet\n"
    )


def test_an_empty_history_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys)
    assert (code, err) == (0, "")
    assert (
        out == f"No usage history yet: the agent records every poll in {resolve().history_file}.\n"
    )
    code, out, _ = _run(capsys, "--json")
    assert json.loads(out)["buckets"] == []


def test_a_torn_last_line_is_skipped_with_a_warning(
    history: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with history.open("a") as handle:
        handle.write('{"observed_at": "2026-')  # an agent killed mid-write
    code, out, err = _run(capsys, "--days", "9")
    assert code == 0
    assert len(_rows(out)) == 4
    assert err == f"claude-usage-notifier: warning: skipped 1 unreadable line(s) in {history}\n"


def test_the_rotated_half_comes_first(history: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = history.read_text().splitlines()
    history.with_name(history.name + ".1").write_text("\n".join(lines[:10]) + "\n")
    history.write_text("\n".join(lines[10:]) + "\n")
    code, out, _ = _run(capsys, "--days", "9", "--json")
    assert code == 0
    bucket = json.loads(out)["buckets"][0]
    assert len(bucket["points"]) == 19
    assert len(bucket["resets"]) == 8  # the same replay as from one file


@pytest.mark.slow
def test_through_a_pipe_no_colour_and_no_traceback(history: Path) -> None:
    env = {**os.environ, "COLUMNS": "50", "TZ": "UTC"}
    result = subprocess.run(
        [sys.executable, "-m", "notifier", "history", "--days", "9"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert (result.returncode, result.stderr) == (0, "")
    assert "\x1b" not in result.stdout
    assert max(map(len, result.stdout.splitlines())) <= 50
