"""The command tree: every subcommand, option and help line, and nothing else.

``handler`` names ``module:function`` under :mod:`notifier.cli.commands`; the
module is imported only when its command is chosen.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import NoReturn

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
    parser.add_argument("--config", type=Path, metavar="FILE", help="config file to use")


def build_parser() -> argparse.ArgumentParser:
    """The whole command tree; ``handler`` names ``module:function`` to call."""
    parser = _Parser(prog=PROG, description="Desktop notifications for Claude usage limits.")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("status", help="show every usage bucket now")
    _add_config(p)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--payload", type=Path, metavar="FILE", help="read a saved payload instead")
    p.set_defaults(handler="status:run")

    p = sub.add_parser("drift", help="compare payloads with the known schemas")
    dsub = p.add_subparsers(dest="drift_command", required=True, parser_class=_Parser)
    d = dsub.add_parser("check", help="compare payload files with the stored schemas")
    _add_config(d)
    d.add_argument("files", nargs="+", type=Path, metavar="FILE")
    d.add_argument("--json", action="store_true")
    d.set_defaults(handler="drift:check")
    d = dsub.add_parser("list", help="list archived variants")
    d.add_argument("--json", action="store_true")
    d.set_defaults(handler="drift:list_")
    d = dsub.add_parser("show", help="show one archived variant")
    d.add_argument("id", metavar="ID")
    d.add_argument("--json", action="store_true")
    d.set_defaults(handler="drift:show")
    d = dsub.add_parser("export", help="bundle archived variants for a bug report")
    d.add_argument("--output", type=Path, metavar="FILE")
    d.set_defaults(handler="drift:export")
    d = dsub.add_parser("accept", help="stop reporting a variant on this machine")
    d.add_argument("id", metavar="ID")
    d.set_defaults(handler="drift:accept")
    d = dsub.add_parser("submit", help="send archived variants to the project's issue tracker")
    _add_config(d)
    d.add_argument("id", nargs="?", metavar="ID", help="one variant (default: all)")
    d.add_argument("--print", action="store_true", help="only print the new-issue link")
    d.set_defaults(handler="drift:submit")
    d = dsub.add_parser("promote", help="(maintainers) add variants' schemas to a source tree")
    d.add_argument("sources", nargs="+", type=Path, metavar="BUNDLE_OR_FILE")
    d.add_argument("--schemas", type=Path, required=True, metavar="DIR")
    d.set_defaults(handler="drift:promote")

    p = sub.add_parser("replay", help="play a recording through the pipeline, print events")
    _add_config(p)
    p.add_argument("recording", type=Path, metavar="RECORDING")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler="replay:run")

    p = sub.add_parser("history", help="each bucket's utilization over time, from the agent's log")
    _add_config(p)
    p.add_argument("bucket", nargs="?", metavar="BUCKET", help="only this bucket (e.g. five_hour)")
    p.add_argument("--days", type=float, default=7.0, metavar="N", help="how far back (default 7)")
    p.add_argument("--json", action="store_true", help="the series as JSON")
    p.set_defaults(handler="history:run")

    p = sub.add_parser("run", help="the agent: poll, decide, notify, until stopped")
    _add_config(p)
    p.set_defaults(handler="agent:run")

    p = sub.add_parser("install", help="install and start the login item")
    _add_config(p)
    p.add_argument("--dry-run", action="store_true", help="print what would be written and run")
    p.add_argument("--platform", choices=["macos", "linux"], help="target platform (default: this)")
    p.set_defaults(handler="loginitem:install")
    p = sub.add_parser("uninstall", help="stop and remove the login item")
    p.add_argument("--dry-run", action="store_true")
    p.add_argument("--platform", choices=["macos", "linux"])
    p.set_defaults(handler="loginitem:uninstall")
    p = sub.add_parser("agent-status", help="is the login item installed, loaded, running?")
    p.add_argument("--json", action="store_true")
    p.add_argument("--platform", choices=["macos", "linux"])
    p.set_defaults(handler="loginitem:agent_status")

    p = sub.add_parser("notify", help="notification checks")
    p.add_argument("--test", action="store_true", required=True, help="send one sample")
    _add_config(p)
    p.set_defaults(handler="notify:test")

    p = sub.add_parser("demo", help="a simulated week through the real pipeline (no account)")
    p.add_argument("--speed", type=float, default=None, help="simulated seconds per real second")
    p.add_argument("--no-notify", action="store_true", help="timeline only, no notifications")
    p.add_argument("--json", action="store_true", help="print events as replay --json does")
    p.set_defaults(handler="demo:run")
    return parser
