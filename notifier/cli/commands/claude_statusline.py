"""``install --statusline`` / ``uninstall --statusline``: our line in Claude Code's statusLine.

Edits only Claude Code's ``settings.json`` (through :mod:`notifier.claude_settings`,
which says how carefully); the login item is not touched: ``install`` without
the flag sets up the agent, whose state the line shows. Exit codes: 0 when the
entry is in place (or, for uninstall, gone); 1 when another program's
``statusLine`` is there, which is left as it is (the text says how to show
both); 2 when ``settings.json`` is not a JSON object.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime

from notifier import claude_settings
from notifier.claude_settings import KEY, Change
from notifier.cli.commands import common
from notifier.cli.output import Result
from notifier.core.errors import ExitCode


def _their_command(existing: object) -> str:
    command = existing.get("command") if isinstance(existing, dict) else None
    return command if isinstance(command, str) else json.dumps(existing)


def install(args: argparse.Namespace) -> Result:
    """Add ``statusLine`` to Claude Code's settings (never over someone else's)."""
    path = claude_settings.settings_file()
    command = claude_settings.statusline_command(common.paths().state_dir)
    wanted = claude_settings.entry(command)
    if args.dry_run:
        return Result(
            text=[
                f"# would set {KEY} in {path} (dry run: nothing was written)",
                json.dumps({KEY: wanted}, indent=2),
            ]
        )
    report = claude_settings.install(path, command, datetime.now(UTC))
    data = {"file": str(path), "change": report.change.value, "statusLine": wanted}
    if report.change is Change.FOREIGN:
        theirs = _their_command(report.existing)
        return Result(
            text=[
                f"{path} already has a statusLine; it was left as it is:",
                f"  {theirs}",
                *claude_settings.combine_hint(theirs, command),
            ],
            data=data,
            exit_code=ExitCode.FOUND,
        )
    if report.change is Change.UNCHANGED:
        return Result(text=[f"already set in {path}: {command}"], data=data)
    text = [f"{'updated' if report.change is Change.UPDATED else 'added'} statusLine in {path}"]
    text.append(f"  command: {command}")
    if report.backup is not None:
        text.append(f"  backup of the previous file: {report.backup}")
    text.append("Claude Code shows it from its next refresh.")
    return Result(text=text, data=data)


def uninstall(args: argparse.Namespace) -> Result:
    """Remove our ``statusLine`` from Claude Code's settings (someone else's stays)."""
    path = claude_settings.settings_file()
    if args.dry_run:
        current = claude_settings.read(path).get(KEY)
        verdict = "would remove" if claude_settings.is_ours(current) else "would leave"
        return Result(text=[f"# {verdict} {KEY} in {path} (dry run: nothing was changed)"])
    report = claude_settings.uninstall(path, datetime.now(UTC))
    data = {"file": str(path), "change": report.change.value}
    if report.change is Change.REMOVED:
        text = [f"removed our statusLine from {path}"]
        if report.backup is not None:
            text.append(f"  backup of the previous file: {report.backup}")
        return Result(text=text, data=data)
    if report.change is Change.FOREIGN:
        theirs = _their_command(report.existing)
        return Result(
            text=[f"the statusLine in {path} is not ours; left as it is: {theirs}"], data=data
        )
    return Result(text=[f"no statusLine in {path}: nothing to remove"], data=data)
