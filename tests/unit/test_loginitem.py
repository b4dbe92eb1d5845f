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
from notifier.core.models import STATE_VERSION
from notifier.loginitem import (
    LABEL,
    UNIT_NAME,
    AgentCommand,
    LaunchAgent,
    SystemdUserUnit,
)
from notifier.paths import resolve
from notifier.resources import icon_path
from notifier.runner import CommandResult, RecordingRunner
from tests.conftest import require_tool
from tests.macos_fakes import FakeClock, FakeLaunchd, launchctl_print, print_disabled

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


def _launch_agent(
    tmp_path: Path, runner: RecordingRunner, clock: FakeClock | None = None
) -> LaunchAgent:
    # a fake clock: waiting for launchd to let go costs no real time
    clock = clock or FakeClock()
    return LaunchAgent(
        _command(tmp_path),
        runner,
        home=tmp_path / "home",
        uid=UID,
        pause=clock.sleep,
        clock=clock,
        environ={},
    )


def _launchd(tmp_path: Path, fake: FakeLaunchd) -> tuple[LaunchAgent, RecordingRunner]:
    runner = RecordingRunner(respond=fake)
    return _launch_agent(tmp_path, runner, fake.clock), runner


def _systemd(tmp_path: Path, runner: RecordingRunner) -> SystemdUserUnit:
    return SystemdUserUnit(_command(tmp_path), runner, home=tmp_path / "home", uid=UID)


# --------------------------------------------------------------------------- plist content


def test_plist_parses_back_with_the_required_keys(tmp_path: Path) -> None:
    command = _command(tmp_path)
    data = plistlib.loads(loginitem.plist_bytes(command))
    app = tmp_path / "app"
    assert data["Label"] == "io.github.claude-usage-notifier.agent"
    assert data["ProgramArguments"] == ["/opt/venv/bin/python", "-P", "-m", "notifier", "run"]
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
    assert command.argv[1:] == ["-P", "-m", "notifier", "run"]


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
        "-P",
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
    assert 'ExecStart="/opt/venv/bin/python" "-P" "-m" "notifier" "run"' in lines
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
    fake = FakeLaunchd(FakeClock())
    item, runner = _launchd(tmp_path, fake)
    report = item.install()
    plist = tmp_path / "home" / "Library" / "LaunchAgents" / f"{LABEL}.plist"
    assert report.file == plist
    assert plistlib.loads(plist.read_bytes())["Label"] == LABEL
    # bootout said "not loaded" (3): nothing to wait for, no print poll
    assert runner.calls == [
        ["launchctl", "bootout", TARGET],
        ["launchctl", "bootstrap", f"gui/{UID}", str(plist)],
    ]
    assert fake.loaded
    assert fake.clock.slept == []


def test_reinstall_unchanged_and_running_touches_nothing(tmp_path: Path) -> None:
    # The real capture has "state = active" in both coalition blocks after the
    # job's "state = running": reading those made a healthy agent look stopped
    # and a repeated install kickstarted it.
    fake = FakeLaunchd(FakeClock())
    _launchd(tmp_path, fake)[0].install()
    item, runner = _launchd(tmp_path, fake)
    report = item.install()
    assert not report.changed
    assert report.commands == []
    assert runner.calls == [["launchctl", "print", TARGET]]


def test_reinstall_unchanged_loaded_but_stopped_kickstarts(tmp_path: Path) -> None:
    fake = FakeLaunchd(FakeClock())
    _launchd(tmp_path, fake)[0].install()
    fake.running, fake.last_exit = False, "1"
    item, runner = _launchd(tmp_path, fake)
    report = item.install()
    assert not report.changed
    assert runner.calls == [
        ["launchctl", "print", TARGET],
        ["launchctl", "kickstart", "-k", TARGET],
    ]
    assert report.commands == [["launchctl", "kickstart", "-k", TARGET]]
    assert fake.running


def test_reinstall_unchanged_but_not_loaded_bootstraps(tmp_path: Path) -> None:
    fake = FakeLaunchd(FakeClock())
    item, _ = _launchd(tmp_path, fake)
    item.install()
    fake.loaded = False  # booted out by hand
    item, runner = _launchd(tmp_path, fake)
    report = item.install()
    assert not report.changed
    assert runner.calls == [
        ["launchctl", "print", TARGET],
        ["launchctl", "bootout", TARGET],
        ["launchctl", "bootstrap", f"gui/{UID}", str(item.file)],
    ]


def test_kickstart_failure_is_one_clear_error(tmp_path: Path) -> None:
    fake = FakeLaunchd(FakeClock())
    _launchd(tmp_path, fake)[0].install()
    fake.running = False

    def respond(argv: Sequence[str]) -> CommandResult:
        if argv[1] == "kickstart":
            return CommandResult(1, b"", b"Could not kickstart service: Operation not permitted")
        return fake(argv)

    item = _launch_agent(tmp_path, RecordingRunner(respond=respond), fake.clock)
    with pytest.raises(LoginItemError, match=r"launchctl kickstart -k .* failed: Could not"):
        item.install()


def test_reinstall_with_a_changed_plist_waits_for_launchd_to_let_go(tmp_path: Path) -> None:
    # launchd keeps the old job for ~5 s after bootout; print shows it until then.
    fake = FakeLaunchd(FakeClock(), loaded=True, linger=5.0)
    plist = tmp_path / "home" / "Library" / "LaunchAgents" / f"{LABEL}.plist"
    plist.parent.mkdir(parents=True)
    plist.write_bytes(b"old")
    item, runner = _launchd(tmp_path, fake)
    report = item.install()
    assert report.changed
    verbs = [c[1] for c in runner.calls]
    assert verbs[0] == "bootout"
    assert verbs[-1] == "bootstrap"
    assert set(verbs[1:-1]) == {"print"}
    assert verbs.count("bootstrap") == 1  # waited for 113 instead of hammering bootstrap
    assert 5.0 <= sum(fake.clock.slept) <= 5.5
    assert report.commands == [
        ["launchctl", "bootout", TARGET],
        ["launchctl", "bootstrap", f"gui/{UID}", str(plist)],
    ]
    assert plist.read_bytes() == loginitem.plist_bytes(_command(tmp_path))
    assert fake.loaded


def test_bootstrap_failing_5_for_several_seconds_then_succeeding(tmp_path: Path) -> None:
    # print already answers 113, but launchd still refuses the label for 6 s:
    # the old code gave up after ~4.5 s and left the agent unloaded.
    fake = FakeLaunchd(FakeClock(), loaded=True, linger=0.0, busy=6.0)
    item, runner = _launchd(tmp_path, fake)
    item.install()
    verbs = [c[1] for c in runner.calls]
    assert verbs[:2] == ["bootout", "print"]
    assert verbs.count("bootstrap") > 10
    assert verbs.count("print-disabled") == 1  # asked once: not switched off
    assert 6.0 <= sum(fake.clock.slept) < 7.0
    assert fake.loaded


def test_bootstrap_still_refused_after_the_deadline_says_so_plainly(tmp_path: Path) -> None:
    fake = FakeLaunchd(FakeClock(), loaded=True, linger=600.0)
    item, _ = _launchd(tmp_path, fake)
    with pytest.raises(LoginItemError) as caught:
        item.install()
    message = str(caught.value)
    assert message.startswith(
        "launchd had not let go of the old agent 20 s after `launchctl bootout`"
    )
    assert "Bootstrap failed: 5: Input/output error" in message
    assert "Try re-running" not in message  # one line
    assert "run `claude-usage-notifier install` again in a minute" in message
    assert 20.0 <= sum(fake.clock.slept) <= 21.0  # the fake clock, not real time


@pytest.mark.parametrize("legacy", [False, True], ids=["disabled/enabled", "true/false"])
def test_switched_off_login_item_is_named_with_the_way_back(tmp_path: Path, legacy: bool) -> None:
    fake = FakeLaunchd(FakeClock(), disabled=True, legacy_disabled=legacy)
    item, runner = _launchd(tmp_path, fake)
    with pytest.raises(LoginItemError) as caught:
        item.install()
    message = str(caught.value)
    assert message.startswith("launchd has the login item switched off")
    assert "System Settings > General > Login Items" in message
    assert f"`launchctl enable gui/{UID}/{LABEL}`" in message
    # told at once, not after 20 s of retries
    assert [c[1] for c in runner.calls] == ["bootout", "bootstrap", "print-disabled"]
    assert fake.clock.slept == []


def test_other_labels_switched_off_do_not_count(tmp_path: Path) -> None:
    fake = FakeLaunchd(FakeClock(), disabled=False)
    item, _ = _launchd(tmp_path, fake)
    assert item.disabled() is False
    fake.disabled = None  # our label not listed at all: never switched off
    assert item.disabled() is False


def test_bootstrap_failure_is_one_clear_error(tmp_path: Path) -> None:
    def respond(argv: Sequence[str]) -> CommandResult:
        if argv[1] == "bootstrap":
            return CommandResult(37, b"", b"Bootstrap failed: 37: Operation already in progress")
        return CommandResult(3, b"", b"Boot-out failed: 3: No such process\n")

    with pytest.raises(
        LoginItemError, match=r"launchctl bootstrap .* failed: Bootstrap failed: 37"
    ):
        _launch_agent(tmp_path, RecordingRunner(respond=respond)).install()


def test_install_refuses_an_interpreter_in_a_tool_cache(tmp_path: Path) -> None:
    home = tmp_path / "home"
    cached = home / ".cache" / "uv" / "archive-v0" / "Xb2hC9" / "bin" / "python"
    command = AgentCommand(python=str(cached), log_dir=tmp_path / "log")
    runner = RecordingRunner()
    item = LaunchAgent(command, runner, home=home, uid=UID, environ={})
    with pytest.raises(LoginItemError) as caught:
        item.install()
    message = str(caught.value)
    assert message.startswith(f"refusing to install a login item that starts {cached}")
    assert "uv's cache" in message
    assert "`pipx install`" in message
    assert runner.calls == []
    assert not item.file.exists()


@pytest.mark.parametrize(
    ("where", "environ", "name"),
    [
        (".cache/uv/archive-v0/abc/bin/python", {}, "uv's cache"),
        ("custom-uv/archive-v0/abc/bin/python", {"UV_CACHE_DIR": "custom-uv"}, "uv's cache"),
        ("xdg/uv/archive-v0/abc/bin/python", {"XDG_CACHE_HOME": "xdg"}, "uv's cache"),
        (".local/pipx/.cache/0f1e2d3c4b5a697/bin/python", {}, "`pipx run`"),
        ("Library/Caches/pipx/0f1e2d3c4b5a697/bin/python", {}, "`pipx run`"),
        (".local/share/pipx/.cache/0f1e2d3c4b5a697/bin/python", {}, "`pipx run`"),
    ],
)
def test_tool_caches_are_recognised(
    tmp_path: Path, where: str, environ: dict[str, str], name: str
) -> None:
    rooted = {key: str(tmp_path / value) for key, value in environ.items()}
    python = str(tmp_path / where)
    found = loginitem.tool_cache_of(python, tmp_path, rooted)
    assert found is not None
    assert name in found


@pytest.mark.parametrize(
    "where",
    [
        ".local/pipx/venvs/claude-usage-notifier/bin/python",  # pipx install: kept
        ".venvs/claude-usage-notifier/bin/python",
        ".local/share/uv/tools/claude-usage-notifier/bin/python",  # uv tool install: kept
    ],
)
def test_installed_environments_are_not_caches(tmp_path: Path, where: str) -> None:
    assert loginitem.tool_cache_of(str(tmp_path / where), tmp_path, {}) is None


def test_uninstall_boots_out_and_removes_the_plist(tmp_path: Path) -> None:
    fake = FakeLaunchd(FakeClock())
    _launchd(tmp_path, fake)[0].install()
    item, runner = _launchd(tmp_path, fake)
    report = item.uninstall()
    assert report.changed
    assert not item.file.exists()
    assert runner.calls == [["launchctl", "bootout", TARGET]]


def test_uninstall_that_cannot_remove_the_file_is_one_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _launch_agent(tmp_path, RecordingRunner(respond=FakeLaunchd(FakeClock()))).install()
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

    platform = loginitem.this_platform()
    fake = FakeLaunchd(FakeClock())

    def runner() -> RecordingRunner:
        return RecordingRunner(respond=fake) if platform == "macos" else RecordingRunner()

    monkeypatch.setattr(commands, "SubprocessRunner", runner)
    loginitem.for_platform(platform, _command(tmp_path), runner()).install()

    def refuse(self: Path, missing_ok: bool = False) -> None:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "unlink", refuse)
    assert cli.main(["uninstall"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert "cannot remove" in err
    assert "Traceback" not in err


def test_uninstall_when_nothing_is_loaded_is_fine(tmp_path: Path) -> None:
    item, _ = _launchd(tmp_path, FakeLaunchd(FakeClock()))
    report = item.uninstall()
    assert not report.changed


def test_launchd_status_reads_the_jobs_own_state_not_the_coalitions(tmp_path: Path) -> None:
    printed = launchctl_print(state="running", pid=4242, runs=3, last_exit="1")
    runner = RecordingRunner(respond=lambda argv: CommandResult(0, printed))
    facts = _launch_agent(tmp_path, runner).status()
    # loaded and running, but the file is gone (removed by hand): reported as such
    assert (facts.installed, facts.loaded, facts.running, facts.pid) == (False, True, True, 4242)
    assert facts.last_exit_code == "1"
    assert facts.disabled is None  # loaded: not asked
    assert facts.interpreter is None  # no file to read it from

    waiting = launchctl_print(state="not running", pid=None, runs=4, last_exit="78: EX_CONFIG")
    runner = RecordingRunner(respond=lambda argv: CommandResult(0, waiting))
    facts = _launch_agent(tmp_path, runner).status()
    assert (facts.loaded, facts.running, facts.pid) == (True, False, None)
    assert facts.last_exit_code == "78: EX_CONFIG"


def test_launchd_status_of_a_switched_off_item(tmp_path: Path) -> None:
    fake = FakeLaunchd(FakeClock(), disabled=True)
    facts = _launchd(tmp_path, fake)[0].status()
    assert (facts.loaded, facts.running, facts.disabled) == (False, False, True)


def test_launchd_status_reports_an_interpreter_that_is_gone(tmp_path: Path) -> None:
    python = tmp_path / "venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.symlink_to(tmp_path / "Cellar" / "python@3.12" / "3.12.7" / "bin" / "python3.12")
    command = AgentCommand(python=str(python), log_dir=tmp_path / "log")
    fake = FakeLaunchd(FakeClock())
    runner = RecordingRunner(respond=fake)
    item = LaunchAgent(command, runner, home=tmp_path / "home", uid=UID, environ={})
    item.install()
    facts = item.status()
    # a venv whose base Python a Homebrew upgrade removed: the symlink dangles
    assert facts.interpreter == str(python)
    assert facts.interpreter_present is False


# --------------------------------------------------------------------------- launchctl parsers


def test_print_parser_reads_only_the_jobs_top_level_keys() -> None:
    text = launchctl_print(state="running", pid=4242, runs=7, last_exit="(never exited)")
    # the capture really has the trap: three "state =" lines, the last two "active"
    assert text.count(b"state = ") == 3
    job = loginitem.parse_launchctl_print(text.decode())
    assert job.state == "running"
    assert job.running
    assert job.pid == 4242
    assert job.exit_timeout == 15
    assert job.last_exit_code == "(never exited)"
    assert job.last_exit_status is None
    assert job.program == "/opt/venv/bin/python"
    assert job.arguments == ("/opt/venv/bin/python", "-m", "notifier", "run")


def test_print_parser_with_spaces_and_a_nested_pid() -> None:
    # Indented with spaces (as some captures are pasted), a nested block with its
    # own pid and state, an array closed on its element's line, and a value with
    # balanced brackets ("domain = gui/501 [100016]") that must not close a block.
    text = (
        "gui/501/io.github.claude-usage-notifier.agent = {\n"
        "    active count = 0\n"
        "    state = not running\n"
        "    domain = gui/501 [100016]\n"
        "    LWCR = {\n"
        '        "reqs" => {\n'
        '            "$in" => [\n'
        "                0 =                             ]\n"
        "        }\n"
        "        state = active\n"
        "    }\n"
        "    nested = {\n"
        "        pid = 999\n"
        "        state = running\n"
        "    }\n"
        "    exit timeout = 5\n"
        "    last exit code = 78: EX_CONFIG\n"
        "}\n"
    )
    job = loginitem.parse_launchctl_print(text)
    assert (job.state, job.pid, job.exit_timeout) == ("not running", None, 5)
    assert job.last_exit_status == 78


def test_print_parser_without_the_outer_block() -> None:
    job = loginitem.parse_launchctl_print("state = running\npid = 7\n")
    assert (job.running, job.pid) == (True, 7)


@pytest.mark.parametrize("legacy", [False, True], ids=["disabled/enabled", "true/false"])
def test_print_disabled_parser_reads_both_dialects(legacy: bool) -> None:
    text = print_disabled(True, legacy=legacy).decode()
    found = loginitem.parse_print_disabled(text)
    assert found[LABEL] is True
    assert found["com.docker.helper"] is False
    # "login item associations" maps labels to bundle ids, not to verdicts
    assert "version.com.docker.helper" not in found
    assert (
        loginitem.parse_print_disabled(print_disabled(False, legacy=legacy).decode())[LABEL]
        is False
    )


def test_plist_gives_the_agent_time_to_finish_a_send(tmp_path: Path) -> None:
    data = plistlib.loads(loginitem.plist_bytes(_command(tmp_path)))
    # launchd's default is 5 s (`exit timeout = 5` in launchctl print): too short
    assert data["ExitTimeOut"] == 15
    assert "TimeoutStopSec=15" in loginitem.systemd_unit(_command(tmp_path)).splitlines()


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
                "version": STATE_VERSION,
                "buckets": {},
                "agent": {
                    "outcome": "ok",
                    "last_success_at": "2025-11-20T10:00:00+00:00",
                    "login_expires_at": "2025-12-10T09:00:00+00:00",
                },
            }
        )
    )
    runner = RecordingRunner(respond=lambda argv: _systemctl_show(True))
    assert _run(commands.agent_status, _args(platform="linux"), runner) == 0
    text = capsys.readouterr().out.splitlines()
    assert "login ends:   2025-12-10T09:00:00+00:00 (run `claude` and `/login` to renew it)" in text
    assert _run(commands.agent_status, _args(json=True, platform="linux"), runner) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["login_expires_at"] == "2025-12-10T09:00:00+00:00"
    assert data["installed"] is False
    assert data["loaded"] is True
    assert data["running"] is True
    assert data["pid"] == 99
    assert data["last_success_at"] == "2025-11-20T10:00:00+00:00"
    assert data["outcome"] == "ok"
    assert data["lock_holder_pid"] is None


def test_agent_status_says_since_when_polls_fail_and_when_the_statusline_stood_in(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Stale numbers in `status` need their reason here: failing polls, or a statusline reading."""
    _write_state(
        tmp_path,
        {
            "version": STATE_VERSION,
            "buckets": {},
            "agent": {
                "outcome": "unreachable",
                "consecutive_failures": 4,
                "failing_since": "2025-11-20T10:00:00+00:00",
                "last_success_at": "2025-11-20T09:55:00+00:00",
                "last_reading_at": "2025-11-20T09:57:30+00:00",
            },
        },
    )
    runner = RecordingRunner(respond=lambda argv: _systemctl_show(True))
    assert _run(commands.agent_status, _args(platform="linux"), runner) == 0
    text = capsys.readouterr().out.splitlines()
    assert (
        "failing since: 2025-11-20T10:00:00+00:00 (4 failed polls in a row; "
        "`status` shows the last good numbers)"
    ) in text
    assert "statusline:   last reading 2025-11-20T09:57:30+00:00 (stood in for a poll)" in text
    assert _run(commands.agent_status, _args(json=True, platform="linux"), runner) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["failing_since"] == "2025-11-20T10:00:00+00:00"
    assert data["consecutive_failures"] == 4
    assert data["last_reading_at"] == "2025-11-20T09:57:30+00:00"


def test_agent_status_of_a_healthy_agent_has_no_failure_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write_state(tmp_path, {"version": STATE_VERSION, "buckets": {}, "agent": {"outcome": "ok"}})
    runner = RecordingRunner(respond=lambda argv: _systemctl_show(True))
    assert _run(commands.agent_status, _args(json=True, platform="linux"), runner) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["failing_since"], data["consecutive_failures"], data["last_reading_at"]) == (
        None,
        0,
        None,
    )
    assert _run(commands.agent_status, _args(platform="linux"), runner) == 0
    out = capsys.readouterr().out
    assert "failing since" not in out
    assert "statusline:" not in out


def _write_state(tmp_path: Path, data: object) -> Path:
    state_file = tmp_path / "app" / "state" / "state.json"
    state_file.parent.mkdir(parents=True, exist_ok=True)
    state_file.write_text(json.dumps(data))
    return state_file


def test_agent_status_reads_past_one_bad_bucket_and_moves_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = {
        "version": STATE_VERSION,
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
        {
            "version": STATE_VERSION,
            "agent": {"outcome": "ok", "notifier": "log (no notification server)"},
        },
    )
    runner = RecordingRunner(respond=lambda argv: _systemctl_show(True))
    assert _run(commands.agent_status, _args(platform="linux"), runner) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "notifications: log (no notification server)" in lines

    _write_state(tmp_path, {"version": STATE_VERSION, "agent": {"outcome": "never"}})
    assert _run(commands.agent_status, _args(platform="linux"), runner) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "notifications: unknown (the agent has not run yet)" in lines


# --------------------------------------------------------------------------- our code, only ours


def test_both_login_items_start_in_our_state_folder(tmp_path: Path) -> None:
    command = _command(tmp_path)
    assert command.working_dir == tmp_path / "app" / "state"
    plist = plistlib.loads(loginitem.plist_bytes(command))
    assert plist["WorkingDirectory"] == str(tmp_path / "app" / "state")
    unit = loginitem.systemd_unit(command).splitlines()
    assert f"WorkingDirectory={tmp_path / 'app' / 'state'}" in unit


def test_linux_install_writes_the_desktop_entry_and_uninstall_removes_it(tmp_path: Path) -> None:
    not_installed = RecordingRunner(
        respond=lambda argv: CommandResult(1) if "show" in argv else CommandResult(0)
    )
    item = _systemd(tmp_path, not_installed)
    entry = (
        tmp_path / "home" / ".local" / "share" / "applications" / "claude-usage-notifier.desktop"
    )
    item.install()
    text = entry.read_text()
    lines = text.splitlines()
    assert lines[0] == "[Desktop Entry]"
    assert "Name=Claude usage notifier" in lines
    assert f"Icon={icon_path()}" in lines
    assert "Exec=/opt/venv/bin/python -P -m notifier status" in lines
    assert "NoDisplay=true" in lines
    assert icon_path().is_file(), "the icon ships in the package"
    assert (tmp_path / "app" / "state").is_dir(), "the working folder exists before the start"
    item.uninstall()
    assert not entry.exists()


def test_exec_quoting_follows_the_desktop_entry_spec() -> None:
    command = AgentCommand(python="/My Apps/py$thon", log_dir=Path("/l"), config_file=Path("/c"))
    entry = loginitem.desktop_entry(command, Path("/i.png"))
    # Quoted for the space, $ escaped for the quoting, then \ doubled as a string value.
    assert 'Exec="/My Apps/py\\\\$thon" -P -m notifier status --config /c' in entry.splitlines()


def test_systemd_status_says_why_a_stopped_agent_ended(tmp_path: Path) -> None:
    show = (
        "LoadState=loaded\nUnitFileState=enabled\nActiveState=failed\nSubState=failed\n"
        "MainPID=0\nResult=exit-code\nExecMainCode=1\nExecMainStatus=1\n"
    )
    runner = RecordingRunner(respond=lambda argv: CommandResult(0, show.encode()))
    facts = _systemd(tmp_path, runner).status()
    assert not facts.running
    assert facts.exit_reason == "exited with status 1 (another agent holds the lock)"
    killed = show.replace("ExecMainCode=1", "ExecMainCode=2").replace("Status=1", "Status=9")
    runner = RecordingRunner(respond=lambda argv: CommandResult(0, killed.encode()))
    assert _systemd(tmp_path, runner).status().exit_reason == "killed by signal 9"


def test_agent_status_quotes_the_last_error_of_the_agents_log(tmp_path: Path) -> None:
    from notifier.cli.commands.loginitem import last_log_error

    log = tmp_path / "agent.log"
    assert last_log_error(log) is None
    log.write_text(
        "2026-12-01 10:00:00,001 INFO notifier.agent: agent 0.1.0 started\n"
        "2026-12-01 10:00:01,002 ERROR notifier.agent: cannot open the agent log: denied\n"
        "2026-12-01 10:00:02,003 INFO notifier.agent: agent stopped\n"
    )
    assert last_log_error(log) == (
        "notifier.agent: cannot open the agent log: denied (at 2026-12-01 10:00:01)"
    )


def test_agent_status_shows_the_user_agent_and_the_hint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hint = "the usage endpoint keeps refusing with 429 rate_limit_error while ..."
    agent = {"outcome": "rate_limited", "user_agent": "my-watcher/2.0", "user_agent_hint": hint}
    _write_state(tmp_path, {"version": STATE_VERSION, "agent": agent})
    runner = RecordingRunner(respond=lambda argv: _systemctl_show(True))
    assert _run(commands.agent_status, _args(json=True, platform="linux"), runner) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["user_agent"], data["user_agent_hint"]) == ("my-watcher/2.0", hint)
    assert _run(commands.agent_status, _args(platform="linux"), runner) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "User-Agent:   my-watcher/2.0" in lines
    assert f"hint:         {hint}" in lines

    _write_state(tmp_path, {"version": STATE_VERSION, "agent": {"outcome": "never"}})
    assert _run(commands.agent_status, _args(json=True, platform="linux"), runner) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["user_agent"], data["user_agent_hint"]) == (None, None)
    assert _run(commands.agent_status, _args(platform="linux"), runner) == 0
    out = capsys.readouterr().out
    assert "User-Agent:   unknown (the agent has not polled yet)" in out.splitlines()
    assert "hint:" not in out


def test_agent_status_on_macos_reports_last_exit_and_a_missing_interpreter(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A venv whose base Python a Homebrew upgrade removed: launchd keeps
    # restarting it, "last exit code = 78: EX_CONFIG", no process.
    python = tmp_path / "venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.symlink_to(tmp_path / "Cellar" / "python@3.12" / "3.12.7" / "bin" / "python3.12")
    fake = FakeLaunchd(FakeClock())
    runner = RecordingRunner(respond=fake)
    clock = fake.clock
    command = AgentCommand(python=str(python), log_dir=tmp_path / "log")
    item = LaunchAgent(
        command, runner, home=tmp_path / "home", uid=UID, pause=clock.sleep, clock=clock
    )
    item.install()
    fake.running, fake.last_exit = False, "78: EX_CONFIG"
    monkeypatch.setattr(commands, "build", lambda *args, **kwargs: item)

    assert _run(commands.agent_status, _args(json=True, platform="macos"), None) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["loaded"], data["running"], data["pid"]) == (True, False, None)
    assert data["last_exit_code"] == "78: EX_CONFIG"
    assert data["interpreter"] == str(python)
    assert data["interpreter_present"] is False
    assert data["disabled"] is None

    assert _run(commands.agent_status, _args(platform="macos"), None) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "running:      no" in lines
    assert "last exit:    78: EX_CONFIG (as launchd reports it)" in lines
    missing = [line for line in lines if line.startswith("interpreter:  MISSING ")]
    assert missing
    assert str(python) in missing[0]


def test_agent_status_on_macos_names_a_switched_off_item(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    item, _ = _launchd(tmp_path, FakeLaunchd(FakeClock(), disabled=True))
    monkeypatch.setattr(commands, "build", lambda *args, **kwargs: item)
    assert _run(commands.agent_status, _args(platform="macos"), None) == 0
    lines = capsys.readouterr().out.splitlines()
    assert (
        "loaded:       no (switched off: in System Settings > General > Login Items "
        f"(Allow in the Background), or run `launchctl enable gui/{UID}/{LABEL}`)"
    ) in lines


# --------------------------------------------------------------------------- tools/mac-smoke.sh


SMOKE = REPO / "tools" / "mac-smoke.sh"


def test_mac_smoke_script_parses_and_has_ten_checks() -> None:
    bash = shutil.which("bash")
    assert bash is not None
    done = subprocess.run([bash, "-n", str(SMOKE)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    text = SMOKE.read_text()
    assert text.count('\nstep "') == 10
    assert os.access(SMOKE, os.X_OK)
    # it must never print the token: no -w on the Keychain read
    keychain_lines = [line for line in text.splitlines() if "find-generic-password" in line]
    assert keychain_lines
    assert not [line for line in keychain_lines if " -w" in line]


def test_mac_smoke_script_refuses_other_systems_with_one_line() -> None:
    if sys.platform == "darwin":
        pytest.skip("on a Mac the script runs for real")
    bash = shutil.which("bash")
    assert bash is not None
    done = subprocess.run([bash, str(SMOKE)], capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith("mac-smoke.sh: this is for macOS")


def test_mac_smoke_script_is_documented_in_the_launchd_readme() -> None:
    readme = (REPO / "launchd" / "README.md").read_text()
    assert "tools/mac-smoke.sh" in readme
    assert "ExitTimeOut" in readme
    assert "print-disabled" in readme


def test_agent_status_on_the_osascript_path_says_the_script_editor_step(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write_state(
        tmp_path,
        {
            "version": 1,
            "agent": {"outcome": "ok", "notifier": "osascript, because this is Homebrew's Python"},
        },
    )
    runner = RecordingRunner(respond=lambda argv: _systemctl_show(True))
    assert _run(commands.agent_status, _args(platform="linux"), runner) == 0
    lines = capsys.readouterr().out.splitlines()
    assert (
        "osascript:    if nothing appears, allow Script Editor to notify once "
        '(open Script Editor, run `display notification "test"`, click Allow)'
    ) in lines


def test_install_command_refusing_a_uvx_python_is_exit_2_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from notifier import cli

    home = Path(os.environ["HOME"])
    cached = home / ".cache" / "uv" / "archive-v0" / "Xb2hC9" / "bin" / "python"
    runner = RecordingRunner()
    monkeypatch.setattr(commands, "SubprocessRunner", lambda: runner)
    monkeypatch.setattr(sys, "executable", str(cached))
    assert cli.main(["install"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert f"refusing to install a login item that starts {cached}" in err
    assert "Traceback" not in err
    assert runner.calls == []
