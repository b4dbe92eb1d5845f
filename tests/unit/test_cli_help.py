"""Help and errors speak to people: every command described, no internal names."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path

import pytest

from notifier import cli
from notifier.cli.parser import build_parser
from notifier.config import load
from notifier.core.errors import ConfigError


def _commands(
    parser: argparse.ArgumentParser, path: str = ""
) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield f"{path} {name}".strip(), child
                yield from _commands(child, f"{path} {name}")


def test_there_are_commands_to_check() -> None:
    names = [name for name, _ in _commands(build_parser())]
    assert {"status", "drift check", "notify", "demo", "agent-status"} <= set(names)


@pytest.mark.parametrize(("name", "parser"), list(_commands(build_parser())))
def test_every_command_has_a_description_and_every_option_a_help_line(
    name: str, parser: argparse.ArgumentParser
) -> None:
    assert parser.description, f"{name} has no description"
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction | argparse._SubParsersAction):
            continue
        assert action.help, f"{name}: {action.option_strings or action.dest} has no help line"


def test_the_bare_command_prints_the_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("usage: claude-usage-notifier")
    assert "status" in out
    assert "install" in out
    assert err == ""


def test_a_bare_drift_prints_its_help_not_an_internal_name(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main(["drift"]) == 0
    out, err = capsys.readouterr()
    assert "drift_command" not in out + err
    assert "check" in out


def test_a_missing_argument_names_what_a_person_types(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        cli.main(["drift", "show"])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert err == (
        "claude-usage-notifier drift show: the following arguments are required: ID (see --help)\n"
    )


def test_config_errors_carry_no_validation_library_wording(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("thresholds = [90, 75]\n")
    with pytest.raises(ConfigError) as caught:
        load(config, config, environ={})
    assert (
        str(caught.value) == f"{config}: thresholds: thresholds must be ascending, without repeats"
    )
    assert "Value error" not in str(caught.value)
