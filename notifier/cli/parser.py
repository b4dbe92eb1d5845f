"""The command tree: every subcommand, option and help line, and nothing else.

``handler`` names ``module:function`` under :mod:`notifier.cli.commands`; the
module is imported only when its command is chosen.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, NoReturn

from notifier import __version__
from notifier.core import PROGRAM
from notifier.core.errors import ExitCode

PROG = PROGRAM


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and exit 2."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"{self.prog}: {message} (see --help)\n")
        raise SystemExit(ExitCode.BAD_INPUT)


def _add_config(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config", type=Path, metavar="FILE", help="use this config file instead of the default"
    )


def _add_json(parser: argparse.ArgumentParser, what: str = "print JSON for programs") -> None:
    parser.add_argument("--json", action="store_true", help=what)


def _add_platform(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--platform",
        choices=["macos", "linux"],
        help="act as on this platform (default: the one you are on)",
    )


def _command(
    sub: Any,  # argparse's _SubParsersAction, a private type
    name: str,
    summary: str,
    description: str,
) -> argparse.ArgumentParser:
    """A subcommand with a one-line summary (in the list) and a description (in its --help)."""
    parser: argparse.ArgumentParser = sub.add_parser(
        name, help=summary, description=f"{summary[:1].upper()}{summary[1:]}. {description}"
    )
    return parser


def build_parser() -> argparse.ArgumentParser:
    """The whole command tree; ``handler`` names ``module:function`` to call.

    A command given without its subcommand (the bare program, a bare ``drift``)
    has ``handler`` None and ``help_parser`` set: the CLI prints that help.
    """
    parser = _Parser(
        prog=PROG,
        description=(
            "Desktop notifications before your Claude usage limits bite. "
            "Start with `status`, try `demo`, then `install` the agent."
        ),
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.set_defaults(handler=None, help_parser=parser)
    sub = parser.add_subparsers(title="commands", metavar="COMMAND", parser_class=_Parser)

    p = _command(
        sub,
        "status",
        "show how much of each Claude usage limit is used",
        "Fetch the usage once and show every limit, fullest first: percent used, "
        "when it resets. When the endpoint cannot be reached, or the agent was told "
        "to wait (429), the agent's last numbers are shown with their age, and the exit "
        "code is 3.",
    )
    _add_config(p)
    _add_json(p)
    p.add_argument(
        "--payload",
        type=Path,
        metavar="FILE",
        help="show a saved usage payload instead of fetching",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="ask the endpoint even while the agent is told to wait after a 429",
    )
    p.add_argument(
        "--watch",
        action="store_true",
        help="redraw every poll interval from the agent's state (no requests) until Ctrl-C",
    )
    p.set_defaults(handler="status:run")

    p = _command(
        sub,
        "drift",
        "check and manage changes in the shape of the usage data",
        "The usage data changes shape now and then (a new limit appears). These commands "
        "compare payloads with the known shapes and manage the variants the agent archived.",
    )
    p.set_defaults(handler=None, help_parser=p)
    dsub = p.add_subparsers(title="drift commands", metavar="COMMAND", parser_class=_Parser)
    d = _command(
        dsub,
        "check",
        "compare payload files with the known shapes",
        "Exit 0 when no file drifts, 1 when one does, 2 when a file is not a JSON object.",
    )
    _add_config(d)
    d.add_argument("files", nargs="+", type=Path, metavar="FILE", help="usage payload files")
    _add_json(d)
    d.set_defaults(handler="drift:check")
    d = _command(
        dsub, "list", "list the archived variants", "Every new shape the agent saw, newest first."
    )
    _add_json(d)
    d.set_defaults(handler="drift:list_")
    d = _command(
        dsub, "show", "show one archived variant", "Its changes, first and last sighting, count."
    )
    d.add_argument("id", metavar="ID", help="the variant id (from `drift list`)")
    _add_json(d)
    d.set_defaults(handler="drift:show")
    d = _command(
        dsub,
        "export",
        "bundle the archived variants for a bug report",
        "The bundle holds redacted payload shapes only: no token, no e-mail, no free text.",
    )
    d.add_argument("--output", type=Path, metavar="FILE", help="write the bundle here")
    d.set_defaults(handler="drift:export")
    d = _command(
        dsub,
        "accept",
        "stop reporting a variant on this machine",
        "The variant's shape becomes a known shape here.",
    )
    d.add_argument("id", metavar="ID", help="the variant id (from `drift list`)")
    d.set_defaults(handler="drift:accept")
    d = _command(
        dsub,
        "submit",
        "send archived variants to the project's issue tracker",
        "Shows the redacted bundle, then opens a prefilled new-issue page in your "
        "browser: you read it and send it.",
    )
    _add_config(d)
    d.add_argument("id", nargs="?", metavar="ID", help="one variant (default: all)")
    d.add_argument("--print", action="store_true", help="only print the new-issue link")
    d.set_defaults(handler="drift:submit")
    d = _command(
        dsub,
        "promote",
        "(maintainers) add variants' schemas to a source tree",
        "Write the schemas of exported variants into a schemas/ folder.",
    )
    d.add_argument(
        "sources",
        nargs="+",
        type=Path,
        metavar="BUNDLE_OR_FILE",
        help="export bundles or payload files",
    )
    d.add_argument(
        "--schemas", type=Path, required=True, metavar="DIR", help="the schemas/ folder to add to"
    )
    d.set_defaults(handler="drift:promote")

    p = _command(
        sub,
        "replay",
        "play a recording through the rules and print the events",
        "Fresh state, no notifications: what the agent would have decided.",
    )
    _add_config(p)
    p.add_argument(
        "recording", type=Path, metavar="RECORDING", help="a JSON Lines file of observations"
    )
    _add_json(p, "print one JSON event per line")
    p.set_defaults(handler="replay:run")

    p = _command(
        sub,
        "history",
        "each limit's use over time, from the agent's history",
        "What the agent saw, bucket by bucket, for the last days.",
    )
    _add_config(p)
    p.add_argument("bucket", nargs="?", metavar="BUCKET", help="only this bucket (e.g. five_hour)")
    p.add_argument("--days", type=float, default=7.0, metavar="N", help="how far back (default 7)")
    _add_json(p, "the series as JSON")
    p.set_defaults(handler="history:run")

    p = _command(
        sub,
        "run",
        "run the agent in the foreground: poll, notify, until stopped",
        "What the login item starts. Stop it with Ctrl-C (or SIGTERM); the state is saved.",
    )
    _add_config(p)
    p.set_defaults(handler="agent:run")

    p = _command(
        sub,
        "install",
        "install the agent as a login item and start it now",
        "A LaunchAgent on macOS, a systemd user unit on Linux (plus a desktop entry, "
        "so notification settings know the app). Safe to repeat.",
    )
    _add_config(p)
    p.add_argument(
        "--dry-run", action="store_true", help="print what would be written and run, do nothing"
    )
    _add_platform(p)
    p.add_argument(
        "--statusline",
        action="store_true",
        help="instead: add our line to Claude Code's statusLine (settings.json), nothing else",
    )
    p.set_defaults(handler="loginitem:install")
    p = _command(
        sub,
        "uninstall",
        "stop the agent and remove the login item",
        "Safe when nothing is installed.",
    )
    p.add_argument(
        "--dry-run", action="store_true", help="print what would be removed and run, do nothing"
    )
    _add_platform(p)
    p.add_argument(
        "--statusline",
        action="store_true",
        help="instead: remove our statusLine from Claude Code's settings.json (only ours)",
    )
    p.set_defaults(handler="loginitem:uninstall")
    p = _command(
        sub,
        "agent-status",
        "is the agent installed, loaded and running?",
        "Three separate facts, the agent's last outcome, and why it stopped when it did.",
    )
    _add_json(p)
    _add_platform(p)
    p.set_defaults(handler="loginitem:agent_status")

    p = _command(
        sub,
        "notify",
        "check that notifications reach you",
        "Send one sample notification and say how it was delivered and whether you "
        "clicked or dismissed it.",
    )
    p.add_argument("--test", action="store_true", required=True, help="send one sample")
    p.add_argument(
        "--no-wait",
        action="store_true",
        help="do not wait (up to 20 s) to hear whether it was clicked or dismissed",
    )
    _add_config(p)
    p.set_defaults(handler="notify:test")

    p = _command(
        sub,
        "demo",
        "a simulated week through the real rules and real notifications",
        "No account needed; nothing of yours is touched.",
    )
    p.add_argument(
        "--speed",
        type=float,
        default=None,
        metavar="FACTOR",
        help="simulated seconds per real second (default: a week in about 15 s)",
    )
    p.add_argument("--no-notify", action="store_true", help="timeline only, no notifications")
    p.add_argument(
        "--linger",
        type=float,
        default=15.0,
        metavar="SECONDS",
        help="at the end, keep listening for clicks this long while notifications are shown",
    )
    _add_json(p, "print the events as `replay --json` does")
    p.set_defaults(handler="demo:run")

    p = sub.add_parser(
        "statusline",
        help="one short line for Claude Code's statusLine (reads its JSON on stdin)",
        description=(
            "Print one short usage line for Claude Code's statusLine setting from the "
            "numbers Claude Code pipes in and the agent's last state. Always exits 0."
        ),
        epilog=_statusline_fields(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--format",
        metavar="TEMPLATE",
        help="compose your own line from {field}s (listed below); {{ and }} are braces",
    )
    p.add_argument(
        "--state-dir",
        metavar="DIR",
        help="the agent's state folder (install --statusline writes it; default: the usual one)",
    )
    p.set_defaults(handler="statusline:run")
    return parser


def _statusline_fields() -> str:
    from notifier.core.text.statusline import FIELDS

    width = max(len(name) for name in FIELDS) + 2
    lines = [f"  {{{name}}}".ljust(width + 4) + meaning for name, meaning in FIELDS.items()]
    return "template fields:\n" + "\n".join(lines)
