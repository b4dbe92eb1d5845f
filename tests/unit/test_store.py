"""The file primitives every kept file relies on: atomic, private, nothing lost."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from notifier import store
from notifier.core.errors import StoreError


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_write_is_private_in_a_private_folder(tmp_path: Path) -> None:
    target = tmp_path / "new" / "deeper" / "state.json"
    store.atomic_write_json(target, {"a": 1})
    assert store.read_json(target) == {"a": 1}
    assert mode(target) == 0o600
    assert mode(target.parent) == 0o700


def test_a_loose_folder_of_ours_is_tightened(tmp_path: Path) -> None:
    folder = tmp_path / "claude-usage-notifier"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    store.atomic_write_bytes(folder / "f", b"x")
    assert mode(folder) == 0o700


def test_an_existing_folder_the_user_named_keeps_its_mode(tmp_path: Path) -> None:
    # e.g. CLAUDE_USAGE_NOTIFIER_LOG_DIR=~/Library/Logs: not ours to lock down.
    folder = tmp_path / "Logs"
    folder.mkdir()
    folder.chmod(0o755)
    store.atomic_write_bytes(folder / "agent.log", b"x")
    assert mode(folder) == 0o755
    assert mode(folder / "agent.log") == 0o600


def test_a_folder_that_is_not_ours_keeps_its_mode(tmp_path: Path) -> None:
    folder = tmp_path / "LaunchAgents"
    folder.mkdir()
    folder.chmod(0o755)
    store.atomic_write_bytes(folder / "x.plist", b"<plist/>", mode=0o644, ours=False)
    assert mode(folder) == 0o755
    assert mode(folder / "x.plist") == 0o644


def test_failing_rename_keeps_the_old_file_and_leaves_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "state"
    target = folder / "state.json"
    store.atomic_write_json(target, {"version": 1})

    def refuse(self: Path, other: Path) -> Path:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "replace", refuse)
    with pytest.raises(StoreError, match="No space left on device"):
        store.atomic_write_json(target, {"version": 2})
    monkeypatch.undo()
    assert store.read_json(target) == {"version": 1}
    assert sorted(p.name for p in folder.iterdir()) == ["state.json"]


@pytest.mark.parametrize("content", [b"", b"{", b"\xff\xfe", b"[1, 2", b"nan?"])
def test_read_json_turns_garbage_into_a_store_error(tmp_path: Path, content: bytes) -> None:
    target = tmp_path / "state.json"
    target.write_bytes(content)
    with pytest.raises(StoreError, match="not valid JSON"):
        store.read_json(target)


def test_read_json_lets_a_missing_file_through(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        store.read_json(tmp_path / "absent.json")


def test_move_aside_never_overwrites_an_earlier_copy(tmp_path: Path) -> None:
    target = tmp_path / "state.json"
    target.write_text("first")
    first = store.move_aside(target, "corrupt")
    target.write_text("second")
    second = store.move_aside(target, "corrupt")
    assert first is not None
    assert second is not None
    assert (first.name, second.name) == ("state.json.corrupt-1", "state.json.corrupt-2")
    assert (first.read_text(), second.read_text()) == ("first", "second")
    assert not target.exists()


def test_sweep_removes_only_the_targets_torn_temp_files(tmp_path: Path) -> None:
    tmp_path = tmp_path / "state"
    tmp_path.mkdir()
    target = tmp_path / "state.json"
    target.write_text("{}")
    (tmp_path / ".state.json.abc123.tmp").write_text('{"ver')
    (tmp_path / ".state.json.zz.tmp").write_text("")
    keep = [tmp_path / ".history.jsonl.q.tmp", tmp_path / "state.json.corrupt-1"]
    for path in keep:
        path.write_text("x")
    assert store.sweep_temp_files(target) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["state.json", *(p.name for p in keep)]
    )
