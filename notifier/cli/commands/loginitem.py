"""``install``, ``uninstall`` and ``agent-status``: the login item, from the command line.

Builds the :class:`~notifier.loginitem.LoginItem` for the chosen platform and
prints what it did. ``--dry-run`` prints the file and the commands and touches
nothing (it works for the other platform too, as a preview). ``agent-status``
adds what the state file knows (last successful poll, backoff, which
notification path the agent uses) and whether some agent holds the lock, so
"installed but not running" and "running by hand" are told apart. The state
file is read leniently and read-only (:func:`notifier.statefile.load_state`
with ``move_aside=False``): one bad bucket does not hide the agent's facts,
and a bad file is never moved under a running agent's feet.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from notifier import lock, loginitem
from notifier.cli.commands import claude_statusline, common
from notifier.cli.output import Result
from notifier.core.errors import InputError
from notifier.core.models import AgentState
from notifier.loginitem import AgentCommand, LoginItem, Platform
from notifier.paths import Paths
from notifier.runner import CommandRunner, SubprocessRunner
from notifier.statefile import load_state


def _platform(args: argparse.Namespace) -> Platform:
    chosen: Platform | None = getattr(args, "platform", None)
    if chosen is not None:
        return chosen
    if sys.platform.startswith(("win", "cygwin")):
        raise InputError("login items are supported on macOS (launchd) and Linux (systemd) only")
    return loginitem.this_platform()


def build(
    args: argparse.Namespace,
    where: Paths | None = None,
    runner: CommandRunner | None = None,
) -> LoginItem:
    """The login item this invocation is about (``runner`` is injectable for tests)."""
    resolved = where or common.paths()
    command = AgentCommand.current(resolved, config_file=getattr(args, "config", None))
    return loginitem.for_platform(_platform(args), command, runner or SubprocessRunner())


def _plan(title: str, item: LoginItem, commands: list[list[str]]) -> list[str]:
    return [
        f"# {title} (dry run: nothing was written or run)",
        f"# file: {item.file}",
        item.render().decode("utf-8").rstrip("\n"),
        "# commands:",
        *(shlex.join(argv) for argv in commands),
    ]


def install(args: argparse.Namespace, runner: CommandRunner | None = None) -> Result:
    """Write the login item and start the agent now (idempotent)."""
    if getattr(args, "statusline", False):
        return claude_statusline.install(args)
    where = common.paths()
    if getattr(args, "config", None) is not None:
        common.load_config(args, where)  # refuse to install with a config that cannot load
    item = build(args, where, runner)
    if args.dry_run:
        return Result(text=_plan("install", item, item.plan_install(replacing=item.file.exists())))
    report = item.install()
    if not report.changed and not report.commands:
        return Result(text=[f"already installed, loaded and running: {report.file}"])
    if report.changed:
        text = [f"installed {report.file}"]
    else:
        text = [f"already installed, but the agent was not running: {report.file}"]
    text.extend(f"ran: {shlex.join(argv)}" for argv in report.commands)
    return Result(text=text)


def uninstall(args: argparse.Namespace, runner: CommandRunner | None = None) -> Result:
    """Stop the agent and remove the login item (safe when not installed)."""
    if getattr(args, "statusline", False):
        return claude_statusline.uninstall(args)
    item = build(args, runner=runner)
    if args.dry_run:
        return Result(
            text=[
                "# uninstall (dry run: nothing was removed or run)",
                f"# would remove: {item.file}",
                "# commands:",
                *(shlex.join(argv) for argv in item.plan_uninstall()),
            ]
        )
    report = item.uninstall()
    text = [f"removed {report.file}" if report.changed else f"not installed (no {report.file})"]
    text.extend(f"ran: {shlex.join(argv)}" for argv in report.commands)
    return Result(text=text)


def _read_agent_state(path: Path) -> tuple[AgentState, list[str]]:
    # Read-only on purpose: a status command must not move a file under a running
    # agent's feet; lenient like the agent, so one bad bucket hides nothing here.
    state, warnings = load_state(path, move_aside=False)
    return state.agent, warnings


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def status_data(item: LoginItem, where: Paths) -> dict[str, Any]:
    """Everything ``agent-status`` reports, as the ``--json`` document."""
    facts = item.status()
    agent, warnings = _read_agent_state(where.state_file)
    return {
        "platform": item.platform,
        "file": str(facts.file),
        "installed": facts.installed,
        "loaded": facts.loaded,
        "running": facts.running,
        "pid": facts.pid,
        "exit_reason": facts.exit_reason,
        "log_error": None if facts.running else last_log_error(where.log_file),
        "disabled": facts.disabled,
        "last_exit_code": facts.last_exit_code,
        "interpreter": facts.interpreter,
        "interpreter_present": facts.interpreter_present,
        "lock_holder_pid": lock.holder(where.lock_file),
        "outcome": agent.outcome,
        "last_success_at": _iso(agent.last_success_at),
        "last_poll_at": _iso(agent.last_poll_at),
        "backoff_until": _iso(agent.backoff_until),
        "failing_since": _iso(agent.failing_since),
        "consecutive_failures": agent.consecutive_failures,
        "last_reading_at": _iso(agent.last_reading_at),
        "last_error": agent.last_error,
        "notifier": agent.notifier,
        "user_agent": agent.user_agent,
        "user_agent_hint": agent.user_agent_hint,
        "login_expires_at": _iso(agent.login_expires_at),
        "state_warnings": warnings,
    }


LOG_TAIL_BYTES = 64 * 1024


def last_log_error(log_file: Path) -> str | None:
    """The last ERROR line the agent logged (why it stopped, often), without its stamp."""
    try:
        with log_file.open("rb") as handle:
            size = handle.seek(0, 2)
            handle.seek(max(0, size - LOG_TAIL_BYTES))
            tail = handle.read().decode("utf-8", "replace")
    except OSError:
        return None
    for raw in reversed(tail.splitlines()):
        stamp, sep, rest = raw.partition(" ERROR ")
        if sep and stamp[:4].isdigit():
            return f"{rest} (at {stamp.split(',')[0]})"
    return None


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def agent_status(args: argparse.Namespace, runner: CommandRunner | None = None) -> Result:
    """Installed? loaded? running? last successful poll? (``--json`` for scripts)."""
    where = common.paths()
    item = build(args, where, runner)
    data = status_data(item, where)
    holder = data["lock_holder_pid"]
    running = _yes(data["running"]) + (f" (pid {data['pid']})" if data["pid"] else "")
    loaded = _yes(data["loaded"])
    if data["disabled"]:
        loaded += (
            f" (switched off: in {loginitem.LOGIN_ITEMS_SETTINGS}, or run "
            f"`launchctl enable gui/{item.uid}/{loginitem.LABEL}`)"
        )
    lines = [
        f"login item:   {data['file']}",
        f"installed:    {_yes(data['installed'])}",
        f"loaded:       {loaded}",
        f"running:      {running}",
        *([f"last exit:    {data['exit_reason']}"] if data["exit_reason"] else []),
        *([f"agent log:    {data['log_error']}"] if data["log_error"] else []),
    ]
    if data["interpreter"] and data["interpreter_present"] is False:
        lines.append(
            f"interpreter:  MISSING {data['interpreter']}: the agent cannot start; reinstall "
            "(pipx, or a venv of the python.org build) and run `claude-usage-notifier install`"
        )
    elif data["interpreter"]:
        lines.append(f"interpreter:  {data['interpreter']}")
    if data["last_exit_code"]:
        lines.append(f"last exit:    {data['last_exit_code']} (as launchd reports it)")
    lines += [
        f"agent lock:   {f'held by pid {holder}' if holder else 'free (no agent running)'}",
        f"last success: {data['last_success_at'] or 'never'}",
        f"last outcome: {data['outcome']}",
        f"notifications: {data['notifier'] or 'unknown (the agent has not run yet)'}",
        f"User-Agent:   {data['user_agent'] or 'unknown (the agent has not polled yet)'}",
    ]
    if str(data["notifier"] or "").startswith("osascript"):
        # exit 0 from osascript does not mean shown: Script Editor must be allowed once
        lines.append(
            "osascript:    if nothing appears, allow Script Editor to notify once "
            '(open Script Editor, run `display notification "test"`, click Allow)'
        )
    if data["failing_since"]:
        # Why `status` shows old numbers: the polls fail, not the numbers stand still.
        failures = data["consecutive_failures"]
        lines.append(
            f"failing since: {data['failing_since']} ({failures} failed "
            f"poll{'s' if failures != 1 else ''} in a row; `status` shows the last good numbers)"
        )
    if data["last_reading_at"]:
        lines.append(f"statusline:   last reading {data['last_reading_at']} (stood in for a poll)")
    if data["backoff_until"]:
        lines.append(f"backing off until: {data['backoff_until']}")
    if data["last_error"]:
        lines.append(f"last error:   {data['last_error']}")
    if data["user_agent_hint"]:
        lines.append(f"hint:         {data['user_agent_hint']}")
    if data["login_expires_at"]:
        lines.append(
            f"login ends:   {data['login_expires_at']} (run `claude` and `/login` to renew it)"
        )
    lines.extend(f"state file:   {warning}" for warning in data["state_warnings"])
    return Result(text=lines, data=data)
