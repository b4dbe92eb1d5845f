"""``install --statusline`` / ``uninstall --statusline`` against a real temp Claude config folder.

The folder is what ``CLAUDE_CONFIG_DIR`` points at; its ``settings.json`` is
shaped like a real one (model, permissions, hooks). What must hold: other
keys and their order survive, a backup of the old bytes comes first, someone
else's ``statusLine`` is never touched, the file keeps its mode and its
symlink, and the command written really runs our statusline.
"""

from __future__ import annotations

import json
import shlex
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from notifier import cli
from notifier.claude_settings import combine_hint, is_ours
from notifier.paths import resolve

SETTINGS: dict[str, Any] = {
    "model": "opus",
    "permissions": {"allow": ["Bash(npm run test:*)"], "deny": ["Read(./.env)"]},
    "hooks": {"Stop": [{"hooks": [{"type": "command", "command": "say done"}]}]},
    "env": {"DISABLE_TELEMETRY": "1"},
}


@pytest.fixture
def claude(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "claude-config"
    folder.mkdir()
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(folder))
    return folder


def _main(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _write(path: Path, data: Any, mode: int = 0o644) -> bytes:
    raw = (json.dumps(data, indent=4) + "\n").encode()
    path.write_bytes(raw)
    path.chmod(mode)
    return raw


def _backups(folder: Path) -> list[Path]:
    return sorted(folder.glob("settings.json.bak-*"))


def _our_command() -> list[str]:
    return [
        str(Path(sys.executable).with_name("claude-usage-notifier")),
        "statusline",
        "--state-dir",
        str(resolve().state_dir),
    ]


def test_install_into_a_fresh_folder_writes_a_command_that_runs(
    claude: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _main(capsys, "install", "--statusline")
    assert (code, err) == (0, "")
    settings = json.loads((claude / "settings.json").read_text())
    assert list(settings) == ["statusLine"]
    assert settings["statusLine"]["type"] == "command"
    argv = shlex.split(settings["statusLine"]["command"])
    assert argv == _our_command()  # the venv's console script, absolute
    assert _backups(claude) == []  # there was nothing to back up
    assert "added statusLine in" in out
    # Claude Code runs it in a project folder, with its document on stdin.
    done = subprocess.run(
        argv,
        input=b'{"rate_limits": {"seven_day": {"used_percentage": 41.2}}}',
        capture_output=True,
        cwd=claude,
        check=False,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "5h \u2013 · 7d 41%\n".encode(), b"")


def test_install_keeps_every_other_key_its_order_and_the_files_mode_after_a_backup(
    claude: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = claude / "settings.json"
    original = _write(path, SETTINGS, mode=0o644)
    code, _, _ = _main(capsys, "install", "--statusline")
    assert code == 0
    settings = json.loads(path.read_text())
    assert list(settings) == [*SETTINGS, "statusLine"]
    assert {k: settings[k] for k in SETTINGS} == SETTINGS
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    [backup] = _backups(claude)
    assert backup.read_bytes() == original
    # again: nothing to do, no second backup
    code, out, _ = _main(capsys, "install", "--statusline")
    assert code == 0
    assert out.startswith("already set in")
    assert len(_backups(claude)) == 1


def test_someone_elses_statusline_is_never_overwritten(
    claude: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = claude / "settings.json"
    theirs = "bash ~/.claude/statusline.sh"
    original = _write(path, {**SETTINGS, "statusLine": {"type": "command", "command": theirs}})
    code, out, err = _main(capsys, "install", "--statusline")
    assert (code, err) == (1, "")
    assert path.read_bytes() == original
    assert _backups(claude) == []
    assert f"  {theirs}\n" in out
    assert "To show both" in out
    assert f"| {theirs})" in out
    assert f"| {shlex.join(_our_command())})" in out
    # and uninstall leaves it too
    code, out, _ = _main(capsys, "uninstall", "--statusline")
    assert code == 0
    assert "is not ours; left as it is" in out
    assert path.read_bytes() == original


def test_the_combine_hint_really_shows_both_lines(tmp_path: Path) -> None:
    script = tmp_path / "both.sh"
    lines = combine_hint("sed s/x/theirs/", "tr x o")
    body = [line.removeprefix("  ") for line in lines if line.startswith("  ")]
    script.write_text("\n".join(body) + "\n")
    done = subprocess.run(["/bin/sh", str(script)], input=b"x", capture_output=True, check=True)
    assert done.stdout == b"theirs  o\n"


def test_an_older_command_of_ours_is_updated(
    claude: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = claude / "settings.json"
    old = "/old/venv/bin/python -m notifier statusline"
    _write(path, {"statusLine": {"type": "command", "command": old}, "model": "opus"})
    code, out, _ = _main(capsys, "install", "--statusline")
    assert code == 0
    assert out.startswith("updated statusLine")
    settings = json.loads(path.read_text())
    assert list(settings) == ["statusLine", "model"]  # replaced in place
    assert shlex.split(settings["statusLine"]["command"]) == _our_command()
    assert len(_backups(claude)) == 1


@pytest.mark.parametrize("content", [b'{"model": "opus",', b"[1]", b"\xff\xfe"])
def test_a_settings_file_that_is_no_json_object_is_refused_untouched(
    claude: Path, capsys: pytest.CaptureFixture[str], content: bytes
) -> None:
    path = claude / "settings.json"
    path.write_bytes(content)
    code, out, err = _main(capsys, "install", "--statusline")
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith(f"claude-usage-notifier: {path} is not")
    assert "nothing was changed" in err
    assert path.read_bytes() == content
    assert _backups(claude) == []


def test_a_symlinked_settings_file_is_written_through(
    claude: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    real = dotfiles / "claude-settings.json"
    _write(real, SETTINGS)
    link = claude / "settings.json"
    link.symlink_to(real)
    code, _, _ = _main(capsys, "install", "--statusline")
    assert code == 0
    assert link.is_symlink()
    assert "statusLine" in json.loads(real.read_text())


def test_uninstall_removes_only_ours_after_a_backup(
    claude: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = claude / "settings.json"
    _write(path, SETTINGS)
    assert _main(capsys, "install", "--statusline")[0] == 0
    before = path.read_bytes()
    code, out, _ = _main(capsys, "uninstall", "--statusline")
    assert code == 0
    assert out.startswith("removed our statusLine")
    assert json.loads(path.read_text()) == SETTINGS
    assert before in [b.read_bytes() for b in _backups(claude)]
    code, out, _ = _main(capsys, "uninstall", "--statusline")
    assert (code, out.startswith("no statusLine in")) == (0, True)


def test_dry_runs_write_nothing(claude: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _main(capsys, "install", "--statusline", "--dry-run")
    assert code == 0
    assert "dry run" in out
    assert '"statusLine"' in out
    assert not (claude / "settings.json").exists()
    code, out, _ = _main(capsys, "uninstall", "--statusline", "--dry-run")
    assert (code, "would leave" in out) == (0, True)


@pytest.mark.parametrize(
    ("command", "ours"),
    [
        ("/home/u/.venv/bin/claude-usage-notifier statusline", True),
        ("'/Users/A B/venv/bin/python' -P -m notifier statusline --state-dir '/x y'", True),
        ("claude-usage-notifier status", False),
        ("bash ~/.claude/statusline.sh", False),
        ("npx ccstatusline statusline", False),
        ("unbalanced 'quote statusline", False),
    ],
)
def test_what_counts_as_ours(command: str, ours: bool) -> None:
    assert is_ours({"type": "command", "command": command}) is ours
    assert is_ours(command) is False  # not an entry at all


@pytest.mark.parametrize("planted", ["fifo", "folder", "link to a fifo"])
def test_a_settings_path_that_is_no_file_is_refused_without_waiting(
    claude: Path, tmp_path: Path, planted: str
) -> None:
    """A FIFO at ``settings.json`` used to hang ``install --statusline`` at its read.

    Run as a subprocess with a timeout, so a regression fails here instead of
    hanging the suite; the answer is one line and exit 2, and nothing is created.
    """
    import os

    path = claude / "settings.json"
    if planted == "fifo":
        os.mkfifo(path)
    elif planted == "folder":
        path.mkdir()
    else:
        os.mkfifo(tmp_path / "pipe")
        path.symlink_to(tmp_path / "pipe")
    env = {**os.environ, "CLAUDE_CONFIG_DIR": str(claude)}
    done = subprocess.run(
        [sys.executable, "-m", "notifier", "install", "--statusline"],
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
    )
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert done.stderr == (f"claude-usage-notifier: cannot read {path}: not a regular file\n")
    assert _backups(claude) == []
