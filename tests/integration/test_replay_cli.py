"""``replay`` as a user runs it: a real subprocess, real files, exit codes, no traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from notifier.cli import main
from notifier.cli.commands.replay import timeline_line
from notifier.core.events import BucketReset, ThresholdCrossed
from tests.conftest import FIXTURES

RECORDINGS = FIXTURES / "recordings"
WEEK = RECORDINGS / "example-week.jsonl"

pytestmark = pytest.mark.slow


def cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    # The autouse fixture already pointed HOME and the app home at tmp_path.
    return subprocess.run(
        [sys.executable, "-m", "notifier", *map(str, args)],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=60,
        check=False,
    )


def key(event: dict[str, Any]) -> tuple[Any, ...]:
    """What the acceptance compares: bucket, kind, threshold, the instant, notify."""
    instant = datetime.fromisoformat(event["observed_at"])
    return (event["bucket"], event["kind"], event.get("threshold"), instant, event["notify"])


def test_example_week_json_equals_the_hand_checked_events() -> None:
    result = cli("replay", WEEK, "--json")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    got = [json.loads(line) for line in result.stdout.splitlines()]
    rules = [e for e in got if e["kind"] in {"threshold", "reset"}]
    expected = [
        json.loads(line)
        for line in (RECORDINGS / "example-week.events.jsonl").read_text().splitlines()
    ]
    assert [key(e) for e in rules] == [key(e) for e in expected]
    # None of the week's resets comes before its old resets_at.
    assert [e["early"] for e in rules if e["kind"] == "reset"] == [False] * 11
    # Exactly the contract's fields, nothing more, in the contract's order.
    shapes = {
        "threshold": ["kind", "bucket", "threshold", "utilization", "observed_at", "notify"],
        "reset": [
            "kind", "bucket", "previous_utilization", "utilization", "early", "observed_at",
            "notify",
        ],
        "forecast": [
            "kind", "bucket", "utilization", "rate_per_hour", "projected_cap_at", "resets_at",
            "observed_at", "notify",
        ],
    }  # fmt: skip
    for event in got:
        assert list(event) == shapes[event["kind"]]
    # The two forecasts worked by hand in tests/unit/test_pipeline.py.
    assert [(e["bucket"], e["observed_at"]) for e in got if e["kind"] == "forecast"] == [
        ("seven_day_opus", "2026-11-02T17:00:00+00:00"),
        ("seven_day", "2026-11-04T12:00:00+00:00"),
    ]


def test_a_malformed_line_exits_2_with_one_line_naming_it(tmp_path: Path) -> None:
    lines = WEEK.read_text().splitlines()
    bad = tmp_path / "bad.jsonl"
    torn = '{"observed_at": "2026-11-02T14:00:00Z", "payload": '
    bad.write_text("\n".join([*lines[:5], torn, *lines[5:]]) + "\n")
    result = cli("replay", bad, "--json")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert f"{bad}:6:" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_missing_recording_exits_2(tmp_path: Path) -> None:
    result = cli("replay", tmp_path / "absent.jsonl")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert "absent.jsonl" in result.stderr


def test_timeline_reads_well(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["replay", str(WEEK)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 23  # 20 rules' events, 2 forecasts and the count
    local = datetime(2026, 11, 2, 12, 30, tzinfo=UTC).astimezone().strftime("%Y-%m-%d %H:%M")
    # The hand-checked events say 93.0; percentages read as in status: "93%".
    assert out[1] == f"{local}  5-hour: crossed 90% (93%)"
    assert out[2].endswith("5-hour: reset 93% -> 0%")
    cap = datetime(2026, 11, 2, 23, 25, tzinfo=UTC).astimezone().strftime("%a %H:%M")
    assert out[3].endswith(f"7-day Opus: 100% by {cap} at +4.7 points/h (70%)")
    assert out[5].endswith("5-hour: reset 57% -> 20%  (silent)")
    assert out[-1] == "22 events"


def test_replay_uses_the_given_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        'thresholds = [50]\nreset_notifications = "never"\n[buckets.five_hour]\nenabled = false\n'
        "[buckets.seven_day]\nforecast = false\n"
    )
    assert main(["replay", str(WEEK), "--config", str(config), "--json"]) == 0
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    # Opus reaches 61 on Nov 2 at 12:00, seven_day 52 on Nov 3 at 12:00; the weekly
    # windows all reset on Nov 7, silently; five_hour is disabled: nothing from it.
    # Opus's pace forecast stays; seven_day's is switched off for that bucket.
    assert [(e["bucket"], e["kind"], e.get("threshold"), e["notify"]) for e in events] == [
        ("seven_day_opus", "threshold", 50.0, True),
        ("seven_day_opus", "forecast", None, True),
        ("seven_day", "threshold", 50.0, True),
        ("seven_day", "reset", None, False),
        ("seven_day_opus", "reset", None, False),
        ("seven_day_sonnet", "reset", None, False),
    ]


def test_a_new_bucket_is_reported_as_drift_once_then_watched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # From the 4th observation on, the server sends a bucket nobody has seen before.
    lines = []
    for index, line in enumerate(WEEK.read_text().splitlines()[:6]):
        record = json.loads(line)
        if index >= 3:
            record["payload"]["brand_new_bucket"] = {"utilization": 80 + index, "resets_at": None}
        lines.append(json.dumps(record))
    recording = tmp_path / "drift.jsonl"
    recording.write_text("\n".join(lines) + "\n")

    assert main(["replay", str(recording), "--json"]) == 0
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    drifts = [e for e in events if e["kind"] == "drift"]
    assert len(drifts) == 1  # one variant, reported once
    assert drifts[0]["observed_at"] == "2026-11-02T12:30:00+00:00"
    assert {"change": "added", "path": "brand_new_bucket", "type": "object"} in drifts[0]["changes"]
    at_1230 = [e["kind"] for e in events if e["observed_at"] == "2026-11-02T12:30:00+00:00"]
    assert at_1230 == ["drift", "threshold", "threshold"]  # drift first, then the rules
    new = [e for e in events if e.get("bucket") == "brand_new_bucket"]
    assert [(e["kind"], e["threshold"], e["utilization"]) for e in new] == [
        ("threshold", 75.0, 83.0)
    ]


def test_timeline_percentages_are_the_status_ones() -> None:
    # render.percent: at most one decimal, ".0" dropped; an unknown previous value is "?".
    at = datetime(2026, 11, 2, 12, 30, tzinfo=UTC)
    stamp = at.astimezone().strftime("%Y-%m-%d %H:%M")
    crossed = ThresholdCrossed("seven_day_opus", 75, 76.0, at)
    assert timeline_line(crossed) == f"{stamp}  7-day Opus: crossed 75% (76%)"
    crossed = ThresholdCrossed("seven_day_opus", 75, 76.26, at)
    assert timeline_line(crossed) == f"{stamp}  7-day Opus: crossed 75% (76.3%)"
    reset = BucketReset("five_hour", None, 3.04, at, notify=False)
    assert timeline_line(reset) == f"{stamp}  5-hour: reset ? -> 3%  (silent)"
