"""``cli.quickargs``: status's plain options read without argparse, as argparse reads them."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pytest

from notifier.cli import quickargs
from notifier.cli.parser import build_parser


def _status_parser() -> argparse.ArgumentParser:
    top = build_parser()
    sub = next(a for a in top._actions if isinstance(a, argparse._SubParsersAction))
    parser: argparse.ArgumentParser = sub.choices["status"]
    return parser


def _argparse(argv: list[str]) -> dict[str, Any]:
    found = vars(build_parser().parse_args(["status", *argv]))
    found.pop("help_parser")
    return found


def test_the_options_are_exactly_the_status_subparsers() -> None:
    actions = [a for a in _status_parser()._actions if not isinstance(a, argparse._HelpAction)]
    flags = {
        a.option_strings[0]: a.dest for a in actions if isinstance(a, argparse._StoreTrueAction)
    }
    files = {
        a.option_strings[0]: a.dest
        for a in actions
        if not isinstance(a, argparse._StoreTrueAction) and a.type is Path and a.nargs is None
    }
    assert all(len(a.option_strings) == 1 for a in actions)  # no short forms to read
    assert flags == quickargs.STATUS_FLAGS
    assert files == quickargs.STATUS_FILES
    assert len(flags) + len(files) == len(actions)


READ_HERE = [
    [],
    ["--json"],
    ["--payload", "p.json"],
    ["--payload=p.json", "--json"],
    ["--json", "--payload", "some dir/p.json", "--config", "c.toml"],
    ["--config=c.toml", "--force"],
    ["--watch"],
    ["--payload", "a.json", "--payload", "b.json"],  # the last one wins, as in argparse
    ["--json", "--json"],
    ["--payload", "x=y.json"],
    ["--payload=a=b.json"],
]


@pytest.mark.parametrize("argv", READ_HERE)
def test_plain_options_read_as_argparse_reads_them(argv: list[str]) -> None:
    args = quickargs.status_args(argv)
    assert args is not None
    assert vars(args) == _argparse(argv)


LEFT_TO_ARGPARSE = [
    ["--help"],
    ["-h"],
    ["--pay", "p.json"],  # an abbreviation argparse accepts
    ["--js"],
    ["p.json"],
    ["--", "--json"],
    ["--payload"],
    ["--payload", "--json"],
    ["--payload", "-"],
    ["--payload="],
    ["--payload", ""],
    ["--json=1"],
    ["--bogus"],
    ["--config", "-c.toml"],
]


@pytest.mark.parametrize("argv", LEFT_TO_ARGPARSE)
def test_anything_else_is_left_to_argparse(argv: list[str]) -> None:
    assert quickargs.status_args(argv) is None


def test_the_cli_uses_argparse_for_what_is_left_to_it(capsys: pytest.CaptureFixture[str]) -> None:
    from notifier.cli import main

    with pytest.raises(SystemExit) as stopped:
        main(["status", "--payload"])
    assert stopped.value.code == 2
    assert "expected one argument" in capsys.readouterr().err
