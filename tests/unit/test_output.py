"""The one renderer: text or JSON, notes on stderr, schema_version on every object."""

from __future__ import annotations

import io
import json

from notifier.cli.output import SCHEMA_VERSION, Result, render, versioned
from notifier.core.errors import ExitCode


def _render(result: Result, *, as_json: bool) -> tuple[str, str, int]:
    out, err = io.StringIO(), io.StringIO()
    code = render(result, as_json=as_json, out=out, err=err)
    return out.getvalue(), err.getvalue(), code


def test_text_goes_to_stdout_notes_to_stderr_and_the_code_is_returned() -> None:
    result = Result(text=["one", "two"], notes=["a hint"], exit_code=ExitCode.FOUND)
    out, err, code = _render(result, as_json=False)
    assert (out, err, code) == ("one\ntwo\n", "claude-usage-notifier: a hint\n", 1)


def test_json_is_one_versioned_document_and_notes_still_go_to_stderr() -> None:
    out, err, code = _render(Result(text=["ignored"], data={"a": 1}, notes=["n"]), as_json=True)
    assert json.loads(out) == {"schema_version": SCHEMA_VERSION, "a": 1}
    assert list(json.loads(out)) == ["schema_version", "a"], "the version comes first"
    assert err == "claude-usage-notifier: n\n"
    assert code == 0


def test_a_command_without_a_json_form_prints_its_text_under_json() -> None:
    out, _, _ = _render(Result(text=["only text"]), as_json=True)
    assert out == "only text\n"


def test_lists_keep_the_contract_shape_and_a_given_version_is_kept() -> None:
    assert versioned([{"file": "x"}]) == [{"file": "x"}]
    assert versioned({"schema_version": 7, "b": 2}) == {"schema_version": 7, "b": 2}


def test_nothing_printed_for_an_empty_result() -> None:
    assert _render(Result(), as_json=False) == ("", "", 0)
