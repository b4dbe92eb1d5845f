"""A hostile filesystem: symlinks and FIFOs planted in every place we read or write.

Each place is tried with a symlink (to a file that must stay untouched, neither
read into our output nor overwritten) and with a FIFO (which would hang a
naive ``open``: every attempt runs in a worker with a deadline). The answer is
always a clear error or a warning, never a hang, never a followed link.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from notifier import archive, config, credentials, logs, schemas
from notifier.core.drift import DriftResult
from notifier.core.errors import ConfigError, CredentialsError, InputError, StoreError
from notifier.core.events import Change, ChangeKind
from notifier.core.models import Observation, State
from notifier.lock import AgentLock
from notifier.paths import ensure_private_dir
from notifier.recording import append_observation, read_history, read_recording
from notifier.statefile import load_state, save_state

SECRET = b'{"claudeAiOauth": {"accessToken": "sk-ant-oat01-VICTIM-FILE-000"}}\n'
NOW = datetime(2026, 7, 1, 9, tzinfo=UTC)


def within(seconds: float, action: Callable[[], Any]) -> tuple[Any, BaseException | None]:
    """Run ``action`` in a daemon thread; fail the test if it does not finish in time."""
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            box["value"] = action()
        except BaseException as exc:
            box["error"] = exc

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), "hung on a hostile file"
    return box.get("value"), box.get("error")


def plant(path: Path, kind: str, victim: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "symlink":
        path.symlink_to(victim)
    else:
        os.mkfifo(path)


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    target = tmp_path / "victim.json"
    target.write_bytes(SECRET)
    return target


def assert_victim_untouched(victim: Path) -> None:
    assert victim.read_bytes() == SECRET


KINDS = ["symlink", "fifo"]


@pytest.mark.parametrize("kind", KINDS)
def test_state_file(tmp_path: Path, victim: Path, kind: str) -> None:
    path = tmp_path / "state" / "state.json"
    plant(path, kind, victim)
    (state, warnings), error = within(5, lambda: load_state(path))
    assert error is None
    assert state == State()
    assert len(warnings) == 1
    assert "symbolic link" in warnings[0] or "FIFO" in warnings[0]
    _, error = within(5, lambda: save_state(path, state))
    assert error is None
    assert stat.S_ISREG(path.lstat().st_mode)  # replaced, not written through
    assert_victim_untouched(victim)


@pytest.mark.parametrize("kind", KINDS)
def test_history_append_and_replay(tmp_path: Path, victim: Path, kind: str) -> None:
    path = tmp_path / "state" / "history.jsonl"
    plant(path, kind, victim)
    observation = Observation(NOW, {"five_hour": None})
    _, error = within(5, lambda: append_observation(path, observation, 10**6))
    assert isinstance(error, StoreError)
    for read in (lambda: list(read_recording(path)), lambda: read_history(path)):
        _, error = within(5, read)
        assert isinstance(error, InputError)
        assert "symbolic link" in str(error) or "FIFO" in str(error)
    assert_victim_untouched(victim)


@pytest.mark.parametrize("kind", KINDS)
def test_lock_file(tmp_path: Path, victim: Path, kind: str) -> None:
    path = tmp_path / "state" / "agent.lock"
    plant(path, kind, victim)
    _, error = within(5, AgentLock(path).acquire)
    assert isinstance(error, StoreError)
    assert_victim_untouched(victim)


@pytest.mark.parametrize("kind", KINDS)
def test_log_file(tmp_path: Path, victim: Path, kind: str) -> None:
    path = tmp_path / "log" / "agent.log"
    plant(path, kind, victim)
    try:
        _, error = within(5, lambda: logs.configure(path, echo=False))
    finally:
        logs.shutdown()
    assert isinstance(error, OSError)
    assert_victim_untouched(victim)


@pytest.mark.parametrize("kind", KINDS)
def test_archive_entry(tmp_path: Path, victim: Path, kind: str) -> None:
    folder = tmp_path / "data" / "variants"
    fingerprint = "0123456789abcdef0123456789abcdef"
    plant(folder / f"{fingerprint}.json", kind, victim)
    result = DriftResult(
        fingerprint=fingerprint, changes=(Change(ChangeKind.ADDED, "x", type="number"),)
    )
    new, error = within(5, lambda: archive.record(folder, result, {"x": 1}, NOW))
    assert error is None
    assert new is True  # the planted thing moved aside, a real entry written
    assert stat.S_ISREG((folder / f"{fingerprint}.json").lstat().st_mode)
    assert_victim_untouched(victim)


@pytest.mark.parametrize("kind", KINDS)
def test_config_file(tmp_path: Path, victim: Path, kind: str) -> None:
    path = tmp_path / "config" / "config.toml"
    plant(path, kind, victim)
    _, error = within(5, lambda: config.load(path, path, environ={}))
    assert isinstance(error, ConfigError)
    assert "sk-ant" not in str(error)


@pytest.mark.parametrize("kind", KINDS)
def test_credentials_file(tmp_path: Path, victim: Path, kind: str) -> None:
    folder = tmp_path / "claude"
    plant(folder / ".credentials.json", kind, victim)
    env = {"CLAUDE_CONFIG_DIR": str(folder)}
    _, error = within(5, lambda: credentials.load(environ=env, system="Linux"))
    assert isinstance(error, CredentialsError)
    assert "VICTIM" not in str(error)


@pytest.mark.parametrize("kind", KINDS)
def test_accepted_schema_is_skipped_with_a_warning(tmp_path: Path, victim: Path, kind: str) -> None:
    folder = tmp_path / "data" / "schemas"
    plant(folder / "variant-planted.schema.json", kind, victim)
    (folder / "variant-broken.schema.json").write_text('{"properties": 7, "type": "object"}')
    warnings: list[str] = []
    known, error = within(5, lambda: schemas.load_known([folder], warnings=warnings))
    assert error is None
    assert len(warnings) >= 1
    assert any("variant-planted" in w for w in warnings)
    assert known.variants  # the shipped ones still load


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "notifier", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


@pytest.mark.parametrize("kind", [*KINDS, "device"])
def test_payload_and_recording_files_exit_2_with_one_line(
    tmp_path: Path, victim: Path, kind: str
) -> None:
    target = tmp_path / "input.json"
    if kind == "device":
        target = Path("/dev/zero")
    else:
        plant(target, kind, victim)
    for args in (["status", "--payload", str(target)], ["replay", str(target)]):
        done = run_cli(*args, cwd=tmp_path)
        assert done.returncode == 2, done.stderr
        assert done.stderr.count("\n") == 1, done.stderr
        assert "Traceback" not in done.stderr
        assert "VICTIM" not in done.stdout + done.stderr


def test_missing_folders_are_made_0700_all_the_way_down(tmp_path: Path) -> None:
    deep = tmp_path / "claude-usage-notifier" / "data" / "variants"
    ensure_private_dir(deep)
    for folder in (deep, deep.parent, deep.parent.parent):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder


def test_promote_builds_names_only_from_validated_parts(tmp_path: Path) -> None:
    schemas_dir = tmp_path / "schemas"
    schemas_dir.mkdir()
    bundle = {
        "kind": archive.BUNDLE_KIND,
        "format": 1,
        "variants": [
            {
                "id": "../../../escape",
                "fingerprint": "../../x",
                "first_seen": "../../../../tmp/pwned",
                "schema": {"type": "object", "properties": {"zz_new": {"type": "number"}}},
                "changes": [],
            }
        ],
    }
    source = tmp_path / "bundle.json"
    source.write_text(json.dumps(bundle))
    done = run_cli("drift", "promote", str(source), "--schemas", str(schemas_dir), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    written = list(schemas_dir.iterdir())
    assert len(written) == 1
    assert written[0].name.startswith("variant-undated-")
    assert not (tmp_path / "tmp").exists()
