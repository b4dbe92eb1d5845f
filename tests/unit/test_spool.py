"""The spool file: written whole and private, read leniently, orphans swept by age."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest

from notifier import spool
from notifier.claude_settings import statusline_command


def test_write_then_read_round_trips_privately(tmp_path: Path) -> None:
    folder = tmp_path / "state"
    document = spool.document({"five_hour": {"used_percentage": 14.0, "resets_at": 9}}, 5.0)
    assert document == {
        "version": 1,
        "read_at": 5.0,
        "rate_limits": {"five_hour": {"used_percentage": 14.0, "resets_at": 9}},
    }
    spool.write(str(folder), document)
    path = folder / spool.FILE_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert spool.read(str(path)) == document
    assert [p.name for p in folder.iterdir()] == [spool.FILE_NAME]


@pytest.mark.parametrize(
    "rate_limits",
    [
        None,
        "x",
        {},
        {"five_hour": {"used_percentage": "14"}},
        {"spend_limit": {"used_percentage": 1}},
    ],
)
def test_nothing_usable_is_no_document(rate_limits: object) -> None:
    assert spool.document(rate_limits, 1.0) is None


def test_non_numbers_are_dropped_from_a_window() -> None:
    document = spool.document(
        {"seven_day": {"used_percentage": 3, "resets_at": "soon", "extra": 1}}, 1.0
    )
    assert document is not None
    assert document["rate_limits"] == {"seven_day": {"used_percentage": 3}}


def test_read_ignores_what_is_not_a_reading(tmp_path: Path) -> None:
    path = tmp_path / spool.FILE_NAME
    assert spool.read(str(path)) is None  # missing
    path.write_bytes(b"{torn")
    assert spool.read(str(path)) is None
    path.write_bytes(b" " * (spool.MAX_BYTES + 1))
    assert spool.read(str(path)) is None
    path.unlink()
    target = tmp_path / "elsewhere.json"
    target.write_text("{}")
    path.symlink_to(target)
    assert spool.read(str(path)) is None  # never followed


def test_read_does_not_wait_on_a_fifo_planted_at_the_spool(tmp_path: Path) -> None:
    """A FIFO opened for reading blocks until a writer comes: the agent would hang at its poll.

    The read runs in a thread so that a regression fails this test instead of
    hanging the suite; a directory at the path is refused the same way.
    """
    import threading

    path = tmp_path / spool.FILE_NAME
    os.mkfifo(path)
    answers: list[object] = []
    reader = threading.Thread(target=lambda: answers.append(spool.read(str(path))), daemon=True)
    reader.start()
    reader.join(timeout=5)
    if reader.is_alive():  # unblock the stuck open so the thread can end
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail("spool.read waited on a FIFO")
    assert answers == [None]
    path.unlink()
    path.mkdir()
    assert spool.read(str(path)) is None


def test_sweep_removes_only_orphans_a_minute_old(tmp_path: Path) -> None:
    tmp_path = tmp_path / "state"
    tmp_path.mkdir()
    now = time.time()
    old = tmp_path / f".{spool.FILE_NAME}.123.abcd.tmp"
    young = tmp_path / f".{spool.FILE_NAME}.456.ef01.tmp"
    other = tmp_path / ".state.json.1.tmp"
    for path in (old, young, other):
        path.write_text("x")
    os.utime(old, (now - 120, now - 120))
    os.utime(other, (now - 120, now - 120))
    assert spool.sweep(str(tmp_path), now) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([young.name, other.name])
    assert spool.sweep(str(tmp_path / "missing"), now) == 0


def test_without_a_console_script_the_command_is_the_interpreter_in_safe_path_mode() -> None:
    command = statusline_command(Path("/state dir"), python="/nowhere/bin/python3")
    assert command == "/nowhere/bin/python3 -P -m notifier statusline --state-dir '/state dir'"
