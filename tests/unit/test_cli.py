"""The CLI's single error boundary: expected failures and bugs both end in one line."""

from __future__ import annotations

import argparse

import pytest

from notifier import cli
from notifier.cli.commands import status
from notifier.core.errors import InputError


def _boom(args: argparse.Namespace) -> int:
    raise RuntimeError("sk-ant-oat01-FAKE-SECRET leaked into a message")


def test_a_bug_is_one_line_without_its_text_and_exit_70(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(status, "run", _boom)
    assert cli.main(["status"]) == 70
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        "claude-usage-notifier: internal error (RuntimeError); please report it. "
        "Run again with CLAUDE_USAGE_NOTIFIER_DEBUG=1 to see the traceback.\n"
    )


def test_debug_shows_the_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(status, "run", _boom)
    monkeypatch.setenv("CLAUDE_USAGE_NOTIFIER_DEBUG", "1")
    with pytest.raises(RuntimeError):
        cli.main(["status"])


def test_expected_failure_keeps_its_message_and_exit_code(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def bad(args: argparse.Namespace) -> int:
        raise InputError("payload file x.json is empty")

    monkeypatch.setattr(status, "run", bad)
    assert cli.main(["status"]) == 2
    assert capsys.readouterr().err == "claude-usage-notifier: payload file x.json is empty\n"


def test_usage_error_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["status", "--bogus"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "unrecognized arguments: --bogus" in err
