"""Recordings: the contract's JSON Lines, errors with line numbers, the capped history file."""

from __future__ import annotations

import json
import stat
import tempfile
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notifier.core.errors import InputError, StoreError
from notifier.core.models import Observation
from notifier.recording import append_observation, observation_to_line, read_recording
from tests.conftest import FIXTURES

EXAMPLE = FIXTURES / "recordings" / "example-week.jsonl"
GOOD = '{"observed_at": "2026-11-02T08:00:00Z", "payload": {"five_hour": null}}'


def write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "rec.jsonl"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


def test_reads_the_example_week() -> None:
    observations = list(read_recording(EXAMPLE))
    assert len(observations) == 19  # one per line of the file
    assert observations[0].observed_at == datetime(2026, 11, 2, 8, tzinfo=UTC)
    assert observations[-1].observed_at == datetime(2026, 11, 9, 20, tzinfo=UTC)
    assert observations[0].payload["five_hour"]["utilization"] == 4.0


def test_blank_lines_are_skipped_and_offsets_kept(tmp_path: Path) -> None:
    second = GOOD.replace("08:00:00Z", "10:00:00+02:00")
    path = write(tmp_path, f"\n{GOOD}\n   \n{second}\n\n")
    observations = list(read_recording(path))
    assert [o.observed_at for o in observations] == [
        datetime(2026, 11, 2, 8, tzinfo=UTC),
        datetime(2026, 11, 2, 8, tzinfo=UTC),  # 10:00+02:00 is the same instant
    ]
    assert observations[1].observed_at.utcoffset() == timedelta(hours=2)


def test_a_final_line_without_newline_is_read(tmp_path: Path) -> None:
    assert len(list(read_recording(write(tmp_path, f"{GOOD}\n{GOOD}")))) == 2


@pytest.mark.parametrize(
    ("bad_line", "reason"),
    [
        ('{"observed_at": "2026-11-02T08:00:00Z", "payload": {', "not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
        ('{"observed_at": "2026-11-02T08:00:00", "payload": {}}', "observed_at"),  # naive
        ('{"observed_at": "yesterday", "payload": {}}', "observed_at"),
        ('{"payload": {}}', "observed_at"),
        ('{"observed_at": "2026-11-02T08:00:00Z", "payload": []}', "payload"),
        ('{"observed_at": "2026-11-02T08:00:00Z"}', "payload"),
    ],
)
def test_a_malformed_line_names_file_and_line(tmp_path: Path, bad_line: str, reason: str) -> None:
    # Line 4 counting the blank line 2: numbers are the file's own lines.
    path = write(tmp_path, f"{GOOD}\n\n{GOOD}\n{bad_line}\n{GOOD}\n")
    reader = read_recording(path)
    assert next(reader).payload == {"five_hour": None}
    assert next(reader).payload == {"five_hour": None}
    with pytest.raises(InputError) as caught:
        next(reader)
    message = str(caught.value)
    assert message.startswith(f"{path}:4: ")
    assert reason in message
    assert "\n" not in message


def test_bytes_that_are_not_utf8_name_their_line(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.encode() + b"\n" + b'{"observed_at": "\xff"}\n')
    with pytest.raises(InputError, match=r":2: not UTF-8"):
        list(read_recording(path))


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"cannot read .*nope\.jsonl"):
        list(read_recording(tmp_path / "nope.jsonl"))


def test_line_round_trip(tmp_path: Path) -> None:
    observation = Observation(
        observed_at=datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=timezone(timedelta(hours=-5))),
        payload={"five_hour": {"utilization": 12.5, "resets_at": None}, "note": "é"},
    )
    line = observation_to_line(observation)
    assert "\n" not in line
    assert json.loads(line) == {
        "observed_at": "2026-03-01T09:30:15.123456-05:00",
        "payload": {"five_hour": {"utilization": 12.5, "resets_at": None}, "note": "é"},
    }
    path = write(tmp_path, line + "\n")
    assert list(read_recording(path)) == [observation]


def obs(n: int) -> Observation:
    return Observation(
        observed_at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=n),
        payload={"n": n, "pad": [0] * 60},  # numbers: kept by the history's redaction
    )


def test_append_creates_a_private_file_that_replays(tmp_path: Path) -> None:
    history = tmp_path / "state" / "history.jsonl"
    for n in range(3):
        append_observation(history, obs(n), max_bytes=1_000_000)
    assert stat.S_IMODE(history.stat().st_mode) == 0o600
    assert stat.S_IMODE(history.parent.stat().st_mode) == 0o700
    assert [o.payload["n"] for o in read_recording(history)] == [0, 1, 2]


def test_append_rotates_past_the_cap_and_keeps_one_old_file(tmp_path: Path) -> None:
    history = tmp_path / "hist" / "history.jsonl"
    line_size = len(observation_to_line(obs(0))) + 1
    cap = line_size * 3  # three lines fit, the fourth rotates
    for n in range(10):
        append_observation(history, obs(n), max_bytes=cap)
        assert history.stat().st_size <= cap
    old = history.with_name("history.jsonl.1")
    # 0-2 rotated away by 3, 3-5 by 6, 6-8 by 9: .1 holds 6-8, the file holds 9.
    assert [o.payload["n"] for o in read_recording(old)] == [6, 7, 8]
    assert [o.payload["n"] for o in read_recording(history)] == [9]
    assert sorted(p.name for p in history.parent.iterdir()) == ["history.jsonl", "history.jsonl.1"]
    assert stat.S_IMODE(old.stat().st_mode) == 0o600


def test_append_to_an_unwritable_place_is_a_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreError, match="cannot write"):
        append_observation(blocker / "history.jsonl", obs(0), max_bytes=10_000)


_FREE_TEXT = st.sampled_from(
    [
        "jane.doe@example.com",
        "4f9c2b1e-8a7d-4c3b-9e2f-1a2b3c4d5e6f",
        "Your plan renews soon, contact billing for details",
        "sk-ant-oat01-AbCdEf0123456789xyz",
    ]
)


@settings(max_examples=40, deadline=None)
@given(secrets=st.lists(_FREE_TEXT, min_size=1, max_size=4), util=st.floats(0, 150))
def test_history_is_redacted_but_replays_the_same_buckets(secrets: list[str], util: float) -> None:
    from notifier.core.buckets import discover

    payload: dict[str, Any] = {
        "five_hour": {"utilization": util, "resets_at": "2026-07-01T14:00:00+00:00"},
        "account": {"email": secrets[0], "notes": secrets},
        "limits": [
            {
                "kind": "weekly_scoped",
                "percent": util,
                "id": secrets[-1],
                "scope": {"model": {"display_name": "Fable"}},
            }
        ],
    }
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "history.jsonl"
        observation = Observation(datetime(2026, 7, 1, 9, tzinfo=UTC), payload)
        append_observation(path, observation, 10**6)
        text = path.read_text()
        for secret in secrets:
            assert secret not in text
        (again,) = read_recording(path)
    assert discover(again.payload) == discover(payload)
    assert again.observed_at == observation.observed_at
