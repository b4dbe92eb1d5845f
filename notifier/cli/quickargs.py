"""``status``'s options read without building the argparse tree (start-up time).

Edge-free: the standard library only. Building the whole command tree (seventeen
subcommands, each ``help`` string looked up through gettext) costs ``status`` more
than a tenth of its start-up, for a command that takes five options. So the CLI's
``main`` first offers ``status``'s arguments to :func:`status_args`, which reads
only the plain forms and answers ``None`` for anything else: ``--help``, an
abbreviation, an unknown option, a positional, ``--``, an empty value or one that
starts with ``-``. argparse then reads them as before, with its help and its usage
errors, so it stays the one definition of the command line;
``tests/unit/test_quickargs.py`` checks that the options here are exactly the
``status`` subparser's and that every argument list read here gives argparse's
namespace.
"""

from __future__ import annotations

from argparse import Namespace
from pathlib import Path

TYPE_CHECKING = False  # typing is not imported at run time: start-up time
if TYPE_CHECKING:
    from collections.abc import Sequence

STATUS_HANDLER = "status:run"
STATUS_FLAGS = {"--json": "json", "--force": "force", "--watch": "watch"}
"""``store_true`` options of ``status``: option -> attribute."""
STATUS_FILES = {"--payload": "payload", "--config": "config"}
"""``type=Path`` options of ``status`` (one value each): option -> attribute."""


def status_args(argv: Sequence[str]) -> Namespace | None:
    """The namespace argparse would give for ``status`` + ``argv``; None when in doubt."""
    values: dict[str, object] = {"handler": STATUS_HANDLER}
    values.update(dict.fromkeys(STATUS_FLAGS.values(), False))
    values.update(dict.fromkeys(STATUS_FILES.values()))
    index = 0
    while index < len(argv):
        arg = argv[index]
        if arg in STATUS_FLAGS:
            values[STATUS_FLAGS[arg]] = True
            index += 1
            continue
        name, equals, value = arg.partition("=")
        if name not in STATUS_FILES:
            return None
        if not equals:
            if index + 1 >= len(argv):
                return None
            value = argv[index + 1]
            index += 1
        if not value or value.startswith("-"):
            return None
        values[STATUS_FILES[name]] = Path(value)
        index += 1
    return Namespace(**values)
