"""The login item: plist and unit contents, command sequences through the fake runner."""

from __future__ import annotations

import argparse
import json
import os
import plistlib
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from notifier import loginitem
from notifier.cli.commands import loginitem as commands
from notifier.cli.output import render
from notifier.core.errors import LoginItemError
from notifier.loginitem import (
    LABEL,
    UNIT_NAME,
    AgentCommand,
    LaunchAgent,
    SystemdUserUnit,
)
from notifier.paths import resolve
from notifier.runner import CommandResult, RecordingRunner
from tests.conftest import require_tool

REPO = Path(__file__).resolve().parents[2]
UID = 501
TARGET = f"gui/{UID}/{LABEL}"


def _run(command: Any, args: argparse.Namespace, runner: Any) -> int:
    """A command as the CLI runs it: its Result rendered (``--json`` when asked)."""
    return render(command(args, runner=runner), as_json=bool(getattr(args, "json", False)))


def _command(tmp_path: Path, config_file: Path | None = None) -> AgentCommand:
    paths = resolve({"CLAUDE_USAGE_NOTIFIER_HOME": str(tmp_path / "app")})
    return AgentCommand.current(
        paths, python="/opt/venv/bin/python", environ={}, config_file=config_file
    )


def _launch_agent(tmp_path: Path, runner: RecordingRunner) -> LaunchAgent:
    # no real pause between bootstrap retries
    return LaunchAgent(
        _command(tmp_path), runner, home=tmp_path / "home", uid=UID, pause=lambda _s: None
    )


def _systemd(tmp_path: Path, runner: RecordingRunner) -> SystemdUserUnit:
    return SystemdUserUnit(_command(tmp_path), runner, home=tmp_path / "home", uid=UID)


# --------------------------------------------------------------------------- plist content


def test_plist_parses_back_with_the_required_keys(tmp_path: Path) -> None:
    command = _command(tmp_path)
    data = plistlib.loads(loginitem.plist_bytes(command))
    app = tmp_path / "app"
    assert data["Label"] == "io.github.claude-usage-notifier.agent"
    assert data["ProgramArguments"] == ["/opt/venv/bin/python", "-m", "notifier", "run"]
    assert data["RunAtLoad"] is True
    assert data["KeepAlive"] == {"SuccessfulExit": False}
    assert data["ThrottleInterval"] >= 30
    assert data["ProcessType"] in {"Background", "Interactive"}
    assert data["LimitLoadToSessionType"] == "Aqua"
    assert Path(data["StandardOutPath"]).parent == app / "log"
    assert Path(data["StandardErrorPath"]).parent == app / "log"
    assert data["EnvironmentVariables"] == {
        "CLAUDE_USAGE_NOTIFIER_CONFIG_DIR": str(app / "config"),
        "CLAUDE_USAGE_NOTIFIER_STATE_DIR": str(app / "state"),
        "CLAUDE_USAGE_NOTIFIER_DATA_DIR": str(app / "data"),
        "CLAUDE_USAGE_NOTIFIER_LOG_DIR": str(app / "log"),
    }


def test_interpreter_is_this_environments_absolute_python(tmp_path: Path) -> None:
    paths = resolve({"CLAUDE_USAGE_NOTIFIER_HOME": str(tmp_path)})
    command = AgentCommand.current(paths, environ={})
    assert Path(command.python).is_absolute()
    assert command.python == os.path.abspath(sys.executable)  # noqa: PTH100
    assert command.argv[1:] == ["-m", "notifier", "run"]


def test_config_file_and_claude_config_dir_reach_the_agent(tmp_path: Path) -> None:
    paths = resolve({"CLAUDE_USAGE_NOTIFIER_HOME": str(tmp_path)})
    command = AgentCommand.current(
        paths,
        config_file=Path("my.toml"),
        environ={"CLAUDE_CONFIG_DIR": "/work/claude"},
        python="/p",
    )
    data = plistlib.loads(loginitem.plist_bytes(command))
    assert data["ProgramArguments"] == [
        "/p",
        "-m",
        "notifier",
        "run",
        "--config",
        str(Path.cwd() / "my.toml"),
    ]
    assert data["EnvironmentVariables"]["CLAUDE_CONFIG_DIR"] == "/work/claude"


def test_committed_reference_plist_is_what_the_function_generates() -> None:
    committed = (REPO / "launchd" / f"{LABEL}.plist").read_bytes()
    assert committed == loginitem.reference_plist(), (
        "launchd/ reference plist is stale: regenerate it (see launchd/README.md)"
    )


def test_reference_plist_is_shipped_where_resources_find_it() -> None:
    from notifier.resources import data_dir

    shipped = data_dir("launchd") / f"{LABEL}.plist"
    assert shipped.read_bytes() == loginitem.reference_plist()


# --------------------------------------------------------------------------- systemd unit


def _require_systemd_analyze() -> str:
    """The ``systemd-analyze`` path; skip without it, fail instead under ``CI=true``."""
    return require_tool("systemd-analyze", "systemd")


def test_systemd_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    analyze = _require_systemd_analyze()
    # Paths with a space and a % sign prove the quoting; ExecStart must exist.
    paths = resolve({"CLAUDE_USAGE_NOTIFIER_HOME": str(tmp_path / "a b%c")})
    command = AgentCommand.current(paths, python=sys.executable, environ={})
    unit = tmp_path / UNIT_NAME
    unit.write_text(loginitem.systemd_unit(command))
    done = subprocess.run(
        [analyze, "verify", str(unit)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "Environment=" in unit.read_text()


def test_without_systemd_analyze_ci_fails_instead_of_skipping(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must install it"):
        _require_systemd_analyze()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        _require_systemd_analyze()


def test_systemd_unit_keys(tmp_path: Path) -> None:
    text = loginitem.systemd_unit(_command(tmp_path))
    lines = text.splitlines()
    assert 'ExecStart="/opt/venv/bin/python" "-m" "notifier" "run"' in lines
    assert "Restart=on-failure" in lines
    assert "WantedBy=default.target" in lines
    # exit 1 = another agent holds the lock: restarting every minute would only repeat it
    assert "RestartPreventExitStatus=1" in lines
    # after the desktop session when both start together, without depending on one:
    # the target exists only under some desktops, and PartOf would stop the agent
    # at logout with nothing to start it again at the next login
    assert "After=graphical-session.target" in lines
    assert not [
        line
        for line in lines
        if line.startswith(("Wants=", "Requires=", "BindsTo=", "PartOf=", "Requisite="))
    ]
    assert lines.index("After=graphical-session.target") < lines.index("[Service]")
    state_dir = tmp_path / "app" / "state"
    assert f'Environment="CLAUDE_USAGE_NOTIFIER_STATE_DIR={state_dir}"' in lines


def test_systemd_unit_escapes_percent_and_quotes() -> None:
    command = AgentCommand(python="/x/py", log_dir=Path("/l"), environment={"A": 'va"l%ue\\'})
    assert 'Environment="A=va\\"l%%ue\\\\"' in loginitem.systemd_unit(command).splitlines()


# --------------------------------------------------------------------------- launchctl sequences


def test_first_install_writes_the_plist_and_bootstraps(tmp_path: Path) -> None:
    not_loaded = CommandResult(113, b"", b"Could not find service")
    runner = RecordingRunner(
        respond=lambda argv: not_loaded if argv[1] in {"bootout", "print"} else CommandResult(0)
    )
    item = _launch_agent(tmp_path, runner)
    report = item.install()
    plist = tmp_path / "home" / "Library" / "LaunchAgents" / f"{LABEL}.plist"
    assert report.file == plist
    assert plistlib.loads(plist.read_bytes())["Label"] == LABEL
    assert runner.calls == [
        ["launchctl", "bootout", TARGET],
        ["launchctl", "bootstrap", f"gui/{UID}", str(plist)],
    ]


def test_reinstall_unchanged_and_loaded_touches_nothing(tmp_path: Path) -> None:
    item = _launch_agent(tmp_path, RecordingRunner())
    item.install()
    runner = RecordingRunner(respond=lambda argv: CommandResult(0, b"state = running\npid = 7\n"))
    again = _launch_agent(tmp_path, runner)
    report = again.install()
    assert not report.changed
    assert runner.calls == [["launchctl", "print", TARGET]]


def test_reinstall_unchanged_loaded_but_stopped_kickstarts(tmp_path: Path) -> None:
    _launch_agent(tmp_path, RecordingRunner()).install()
    stopped = CommandResult(0, b"\tstate = not running\n")
    runner = RecordingRunner(
        respond=lambda argv: stopped if argv[1] == "print" else CommandResult(0)
    )
    report = _launch_agent(tmp_path, runner).install()
    assert not report.changed
    assert runner.calls == [
        ["launchctl", "print", TARGET],
        ["launchctl", "kickstart", "-k", TARGET],
    ]
    assert report.commands == [["launchctl", "kickstart", "-k", TARGET]]


def test_reinstall_unchanged_but_not_loaded_bootstraps(tmp_path: Path) -> None:
    _launch_agent(tmp_path, RecordingRunner()).install()
    not_loaded = CommandResult(113, b"", b"Could not find service")
    runner = RecordingRunner(
        respond=lambda argv: not_loaded if argv[1] in {"bootout", "print"} else CommandResult(0)
    )
    item = _launch_agent(tmp_path, runner)
    report = item.install()
    assert not report.changed
    assert runner.calls == [
        ["launchctl", "print", TARGET],
        ["launchctl", "bootout", TARGET],
        ["launchctl", "bootstrap", f"gui/{UID}", str(item.file)],
    ]


def test_kickstart_failure_is_one_clear_error(tmp_path: Path) -> None:
    _launch_agent(tmp_path, RecordingRunner()).install()

    def respond(argv: Sequence[str]) -> CommandResult:
        if argv[1] == "print":
            return CommandResult(0, b"\tstate = not running\n")
        return CommandResult(1, b"", b"Could not kickstart service: Operation not permitted")

    with pytest.raises(LoginItemError, match=r"launchctl kickstart -k .* failed: Could not"):
        _launch_agent(tmp_path, RecordingRunner(respond=respond)).install()


def test_reinstall_with_a_changed_plist_boots_out_then_bootstraps(tmp_path: Path) -> None:
    plist = tmp_path / "home" / "Library" / "LaunchAgents" / f"{LABEL}.plist"
    plist.parent.mkdir(parents=True)
    plist.write_bytes(b"old")
    runner = RecordingRunner()
    report = _launch_agent(tmp_path, runner).install()
    assert report.changed
    assert [c[:2] for c in runner.calls] == [["launchctl", "bootout"], ["launchctl", "bootstrap"]]
    assert plist.read_bytes() == loginitem.plist_bytes(_command(tmp_path))


def test_bootstrap_retries_while_the_old_job_is_still_unloading(tmp_path: Path) -> None:
    answers = iter([CommandResult(5, b"", b"Bootstrap failed: 5: Input/output error")] * 2)

    def respond(argv: Sequence[str]) -> CommandResult:
        if argv[1] == "bootstrap":
            return next(answers, CommandResult(0))
        return CommandResult(0)

    runner = RecordingRunner(respond=respond)
    _launch_agent(tmp_path, runner).install()
    assert [c[1] for c in runner.calls] == ["bootout", "bootstrap", "bootstrap", "bootstrap"]


def test_bootstrap_failure_is_one_clear_error(tmp_path: Path) -> None:
    def respond(argv: Sequence[str]) -> CommandResult:
        if argv[1] == "bootstrap":
            return CommandResult(37, b"", b"Bootstrap failed: 37: Operation already in progress")
        return CommandResult(0)

    with pytest.raises(
        LoginItemError, match=r"launchctl bootstrap .* failed: Bootstrap failed: 37"
    ):
        _launch_agent(tmp_path, RecordingRunner(respond=respond)).install()


def test_uninstall_boots_out_and_removes_the_plist(tmp_path: Path) -> None:
    _launch_agent(tmp_path, RecordingRunner()).install()
    runner = RecordingRunner()
    item = _launch_agent(tmp_path, runner)
    report = item.uninstall()
    assert report.changed
    assert not item.file.exists()
    assert runner.calls == [["launchctl", "bootout", TARGET]]


def test_uninstall_that_cannot_remove_the_file_is_one_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _launch_agent(tmp_path, RecordingRunner()).install()
    item = _launch_agent(tmp_path, RecordingRunner())

    def refuse(self: Path, missing_ok: bool = False) -> None:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "unlink", refuse)
    with pytest.raises(LoginItemError) as caught:
        item.uninstall()
    assert str(caught.value) == (
        f"stopped the agent but cannot remove {item.file}: Permission denied"
    )


def test_uninstall_command_failing_to_remove_is_exit_2_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from notifier import cli

    monkeypatch.setattr(commands, "SubprocessRunner", RecordingRunner)
    platform = loginitem.this_platform()
    loginitem.for_platform(platform, _command(tmp_path), RecordingRunner()).install()

    def refuse(self: Path, missing_ok: bool = False) -> None:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "unlink", refuse)
    assert cli.main(["uninstall"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert "cannot remove" in err
    assert "Traceback" not in err


def test_uninstall_when_nothing_is_loaded_is_fine(tmp_path: Path) -> None:
    runner = RecordingRunner(respond=lambda argv: CommandResult(3, b"", b"No such process"))
    report = _launch_agent(tmp_path, runner).uninstall()
    assert not report.changed


def test_launchd_status_is_three_separate_facts(tmp_path: Path) -> None:
    printed = (
        b"gui/501/io.github.claude-usage-notifier.agent = {\n\tstate = running\n\tpid = 4242\n}"
    )
    runner = RecordingRunner(respond=lambda argv: CommandResult(0, printed))
    item = _launch_agent(tmp_path, runner)
    facts = item.status()
    # loaded and running, but the file is gone (removed by hand): reported as such
    assert (facts.installed, facts.loaded, facts.running, facts.pid) == (False, True, True, 4242)

    waiting = b"\tstate = not running\n"
    runner = RecordingRunner(respond=lambda argv: CommandResult(0, waiting))
    facts = _launch_agent(tmp_path, runner).status()
    assert (facts.loaded, facts.running, facts.pid) == (True, False, None)


# --------------------------------------------------------------------------- systemctl sequences


def _systemctl_show(active: bool) -> CommandResult:
    text = "LoadState=loaded\nUnitFileState=enabled\n" + (
        "ActiveState=active\nSubState=running\nMainPID=99\n"
        if active
        else "ActiveState=inactive\nSubState=dead\nMainPID=0\n"
    )
    return CommandResult(0, text.encode())


def test_systemd_first_install_enables_and_starts_now(tmp_path: Path) -> None:
    runner = RecordingRunner(
        respond=lambda argv: CommandResult(1) if "show" in argv else CommandResult(0)
    )
    item = _systemd(tmp_path, runner)
    item.install()
    unit = tmp_path / "home" / ".config" / "systemd" / "user" / UNIT_NAME
    assert unit.read_text() == loginitem.systemd_unit(_command(tmp_path))
    assert runner.calls == [
        ["systemctl", "--user", "daemon-reload"],
        ["systemctl", "--user", "enable", "--now", UNIT_NAME],
    ]


def test_systemd_reinstall_unchanged_is_a_no_op_and_changed_restarts(tmp_path: Path) -> None:
    _systemd(tmp_path, RecordingRunner()).install()
    runner = RecordingRunner(
        respond=lambda argv: _systemctl_show(True) if "show" in argv else CommandResult(0)
    )
    assert not _systemd(tmp_path, runner).install().changed
    assert [c[2] for c in runner.calls] == ["show"]

    newer = SystemdUserUnit(
        _command(tmp_path, config_file=Path("/etc/other.toml")), runner, home=tmp_path / "home"
    )
    runner.calls.clear()
    newer.install()
    assert runner.calls == [
        ["systemctl", "--user", "daemon-reload"],
        ["systemctl", "--user", "enable", "--now", UNIT_NAME],
        ["systemctl", "--user", "restart", UNIT_NAME],
    ]


def _systemctl_answer(enabled: bool, active: bool) -> CommandResult:
    text = f"LoadState=loaded\nUnitFileState={'enabled' if enabled else 'disabled'}\n" + (
        "ActiveState=active\nSubState=running\nMainPID=99\n"
        if active
        else "ActiveState=failed\nSubState=failed\nMainPID=0\n"
    )
    return CommandResult(0, text.encode())


def test_systemd_reinstall_unchanged_enabled_but_stopped_restarts(tmp_path: Path) -> None:
    _systemd(tmp_path, RecordingRunner()).install()
    stopped = _systemctl_answer(enabled=True, active=False)
    runner = RecordingRunner(respond=lambda argv: stopped if "show" in argv else CommandResult(0))
    report = _systemd(tmp_path, runner).install()
    assert not report.changed
    assert [c for c in runner.calls if "show" not in c] == [
        ["systemctl", "--user", "restart", UNIT_NAME]
    ]
    assert report.commands == [["systemctl", "--user", "restart", UNIT_NAME]]


def test_systemd_reinstall_unchanged_but_disabled_enables_now(tmp_path: Path) -> None:
    _systemd(tmp_path, RecordingRunner()).install()
    disabled = _systemctl_answer(enabled=False, active=False)
    runner = RecordingRunner(respond=lambda argv: disabled if "show" in argv else CommandResult(0))
    report = _systemd(tmp_path, runner).install()
    assert not report.changed
    assert [c for c in runner.calls if "show" not in c] == [
        ["systemctl", "--user", "daemon-reload"],
        ["systemctl", "--user", "enable", "--now", UNIT_NAME],
    ]


def test_systemd_uninstall_disables_removes_and_reloads(tmp_path: Path) -> None:
    _systemd(tmp_path, RecordingRunner()).install()
    runner = RecordingRunner()
    item = _systemd(tmp_path, runner)
    item.uninstall()
    assert not item.file.exists()
    assert runner.calls == [
        ["systemctl", "--user", "disable", "--now", UNIT_NAME],
        ["systemctl", "--user", "daemon-reload"],
    ]


def test_systemctl_failure_is_one_clear_error(tmp_path: Path) -> None:
    runner = RecordingRunner(
        respond=lambda argv: CommandResult(1, b"", b"Failed to connect to bus: No medium found")
    )
    with pytest.raises(LoginItemError, match="Failed to connect to bus"):
        _systemd(tmp_path, runner).install()


def test_systemd_status(tmp_path: Path) -> None:
    runner = RecordingRunner(respond=lambda argv: _systemctl_show(True))
    facts = _systemd(tmp_path, runner).status()
    assert (facts.installed, facts.loaded, facts.running, facts.pid) == (False, True, True, 99)
    runner = RecordingRunner(respond=lambda argv: _systemctl_show(False))
    facts = _systemd(tmp_path, runner).status()
    assert (facts.loaded, facts.running, facts.pid) == (True, False, None)


# --------------------------------------------------------------------------- the commands


def _args(**kwargs: object) -> argparse.Namespace:
    base: dict[str, object] = {"dry_run": False, "platform": None, "config": None, "json": False}
    base.update(kwargs)
    return argparse.Namespace(**base)


@pytest.mark.parametrize("platform", ["macos", "linux"])
def test_dry_run_prints_file_and_commands_and_touches_nothing(
    platform: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    runner = RecordingRunner()
    assert _run(commands.install, _args(dry_run=True, platform=platform), runner) == 0
    out = capsys.readouterr().out
    assert runner.calls == []
    assert not (tmp_path / "home" / "Library").exists()
    assert not (tmp_path / "home" / ".config").exists()
    assert not (tmp_path / "app").exists()
    if platform == "macos":
        assert "<key>Label</key>" in out
        assert f"launchctl bootstrap gui/{os.getuid()} " in out
    else:
        assert "ExecStart=" in out
        assert f"systemctl --user enable --now {UNIT_NAME}" in out


@pytest.mark.parametrize(
    ("running", "expected"),
    [
        (True, "already installed, loaded and running: "),
        (False, "already installed, but the agent was not running: "),
    ],
)
def test_install_command_says_whether_it_started_the_agent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], running: bool, expected: str
) -> None:
    assert _run(commands.install, _args(platform="linux"), RecordingRunner()) == 0
    capsys.readouterr()
    answer = _systemctl_answer(enabled=True, active=running)
    runner = RecordingRunner(respond=lambda argv: answer if "show" in argv else CommandResult(0))
    assert _run(commands.install, _args(platform="linux"), runner) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(expected)
    if not running:
        assert out[1:] == [f"ran: systemctl --user restart {UNIT_NAME}"]
    else:
        assert out[1:] == []


def test_agent_status_json_reports_facts_and_last_success(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state_file = tmp_path / "app" / "state" / "state.json"
    state_file.parent.mkdir(parents=True)
    state_file.write_text(
        json.dumps(
            {
                "version": 1,
                "buckets": {},
                "agent": {"outcome": "ok", "last_success_at": "2025-11-20T10:00:00+00:00"},
            }
        )
    )
    runner = RecordingRunner(respond=lambda argv: _systemctl_show(True))
    assert _run(commands.agent_status, _args(json=True, platform="linux"), runner) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["installed"] is False
    assert data["loaded"] is True
    assert data["running"] is True
    assert data["pid"] == 99
    assert data["last_success_at"] == "2025-11-20T10:00:00+00:00"
    assert data["outcome"] == "ok"
    assert data["lock_holder_pid"] is None


def _write_state(tmp_path: Path, data: object) -> Path:
    state_file = tmp_path / "app" / "state" / "state.json"
    state_file.parent.mkdir(parents=True, exist_ok=True)
    state_file.write_text(json.dumps(data))
    return state_file


def test_agent_status_reads_past_one_bad_bucket_and_moves_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = {
        "version": 1,
        "buckets": {"five_hour": {"fired": "not a list"}, "seven_day": {"fired": [75.0]}},
        "agent": {
            "outcome": "rate_limited",
            "last_success_at": "2025-11-20T10:00:00+00:00",
            "backoff_until": "2025-11-20T10:05:00+00:00",
            "notifier": "desktop-notifier on the session bus",
        },
    }
    state_file = _write_state(tmp_path, state)
    before = state_file.read_bytes()
    runner = RecordingRunner(respond=lambda argv: _systemctl_show(True))
    assert _run(commands.agent_status, _args(json=True, platform="linux"), runner) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["outcome"] == "rate_limited"
    assert data["last_success_at"] == "2025-11-20T10:00:00+00:00"
    assert data["backoff_until"] == "2025-11-20T10:05:00+00:00"
    assert data["notifier"] == "desktop-notifier on the session bus"
    assert len(data["state_warnings"]) == 1
    assert "five_hour" in data["state_warnings"][0]
    assert state_file.read_bytes() == before
    assert sorted(p.name for p in state_file.parent.iterdir()) == ["state.json"]


def test_agent_status_with_a_corrupt_state_leaves_it_in_place(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state_file = _write_state(tmp_path, {})
    state_file.write_bytes(b"{ not json")
    runner = RecordingRunner(respond=lambda argv: _systemctl_show(False))
    assert _run(commands.agent_status, _args(platform="linux"), runner) == 0
    out = capsys.readouterr().out
    assert "last outcome: never" in out
    assert "left in place" in out
    assert sorted(p.name for p in state_file.parent.iterdir()) == ["state.json"]


def test_agent_status_text_names_the_notification_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write_state(
        tmp_path,
        {"version": 1, "agent": {"outcome": "ok", "notifier": "log (no notification server)"}},
    )
    runner = RecordingRunner(respond=lambda argv: _systemctl_show(True))
    assert _run(commands.agent_status, _args(platform="linux"), runner) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "notifications: log (no notification server)" in lines

    _write_state(tmp_path, {"version": 1, "agent": {"outcome": "never"}})
    assert _run(commands.agent_status, _args(platform="linux"), runner) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "notifications: unknown (the agent has not run yet)" in lines
