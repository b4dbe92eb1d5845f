"""The command line: parse, call one command module, map errors to exit codes.

Thin on purpose. Each command lives in ``notifier.cli.commands.<name>`` and is
imported only when chosen, so ``status`` never pays for desktop-notifier or
deepdiff. A command returns a :class:`~notifier.cli.output.Result` (printed
here, once, as text or ``--json``) or, when it streams, its exit code. Every
expected failure is a :class:`NotifierError`, caught here once
and shown as one line on stderr; stdout stays clean for ``--json``.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # typing is not imported at run time: the statusline's start-up
if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence

DEBUG_ENV = "CLAUDE_USAGE_NOTIFIER_DEBUG"


def _call(handler: str, args: argparse.Namespace) -> int:
    import importlib

    from notifier.cli.output import Result, render

    module_name, func_name = handler.split(":")
    module = importlib.import_module(f"notifier.cli.commands.{module_name}")
    outcome: Result | int = getattr(module, func_name)(args)
    if isinstance(outcome, Result):
        return render(outcome, as_json=bool(getattr(args, "json", False)))
    return int(outcome)  # a streaming command printed as it went


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script and ``python -m notifier``.

    ``statusline`` goes first, before anything else is imported: Claude Code runs
    it on every refresh, and argparse, the command tree and the error classes
    would double its start-up (see :mod:`notifier.cli.commands.statusline`).
    Options it does not parse itself (``--help``) fall through to argparse.
    """
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["statusline"]:
        from notifier.cli.commands.statusline import fast_main

        code = fast_main(arguments[1:])
        if code is not None:
            return code
    return _main(arguments)


def _main(argv: Sequence[str]) -> int:
    """Parse (``status``'s plain options without argparse), call, map errors to exit codes."""
    import os

    from notifier.core import PROGRAM as PROG
    from notifier.core.errors import ExitCode, NotifierError
    from notifier.core.text.clean import printable

    args = None
    if argv[:1] == ["status"]:
        # The command people run by hand and in scripts: skip building the whole
        # argparse tree when its options are plain (see notifier.cli.quickargs).
        from notifier.cli.quickargs import status_args

        args = status_args(argv[1:])
    if args is None:
        from notifier.cli.parser import build_parser

        args = build_parser().parse_args(argv)
    if args.handler is None:
        # The bare program (or a bare `drift`): what can be done, not an error line.
        args.help_parser.print_help()
        return int(ExitCode.OK)
    try:
        return _call(args.handler, args)
    except NotifierError as exc:
        sys.stderr.write(f"{PROG}: {printable(str(exc))}\n")
        return int(exc.exit_code)
    except KeyboardInterrupt:
        sys.stderr.write(f"{PROG}: interrupted\n")
        return 130
    except BrokenPipeError:
        # `... | head` closed stdout early: not an error worth a traceback.
        sys.stderr.close()
        return 0
    except Exception as exc:
        # A bug, not an expected failure. Still one line: the type only, because an
        # unknown exception's text is not vetted for secrets.
        if os.environ.get(DEBUG_ENV):
            raise
        sys.stderr.write(
            f"{PROG}: internal error ({type(exc).__name__}); please report it. "
            f"Run again with {DEBUG_ENV}=1 to see the traceback.\n"
        )
        return int(ExitCode.INTERNAL)
