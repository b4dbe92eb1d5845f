"""``drift`` commands as a user runs them: subprocess, exit codes, --json shape, files."""

from __future__ import annotations

import copy
import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PAYLOADS, REPO, all_payload_files, load_payload

pytestmark = pytest.mark.slow

EMAIL = "jane.doe@example.com"
TOKEN = "sk-ant-oat01-FAKE-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "notifier", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=os.environ.copy(),
        check=False,
        timeout=60,
    )


def write(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)
    return path


@pytest.fixture
def drifting(tmp_path: Path) -> Path:
    payload = copy.deepcopy(load_payload("oauth-usage-full-2026-07.json"))
    payload["seven_day_opus_4_7"] = {"utilization": 5.0, "resets_at": "2026-07-23T15:00:00Z"}
    payload["tangelo"] = {"utilization": 1.0, "resets_at": None}
    payload["spend"]["disclaimer"] = f"Contact {EMAIL} with token {TOKEN}"
    return write(tmp_path / "drifting.json", payload)


def test_known_fixtures_exit_0() -> None:
    result = run("drift", "check", *all_payload_files())
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "no drift" in result.stdout


def test_drift_exits_1_with_contract_json(drifting: Path) -> None:
    known = PAYLOADS / "oauth-usage-2025-11.json"
    result = run("drift", "check", known, drifting, "--json")
    assert result.returncode == 1, result.stderr
    assert json.loads(result.stdout) == [
        {"file": str(known), "changes": []},
        {
            "file": str(drifting),
            "changes": [
                {"change": "added", "path": "seven_day_opus_4_7", "type": "object"},
                {
                    "change": "type_changed",
                    "path": "tangelo",
                    "old_type": "null",
                    "new_type": "object",
                },
            ],
        },
    ]


def test_drift_text_output_is_readable(drifting: Path) -> None:
    result = run("drift", "check", drifting)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"{drifting}: drift, 2 changes",
        "  added        seven_day_opus_4_7 (object)",
        "  type_changed tangelo (null -> object)",
    ]


@pytest.mark.parametrize(
    "content", ["[1, 2]", "not json", '"a string"', "<html>portal</html>", "\udcff"]
)
def test_a_file_that_is_not_a_json_object_exits_2(tmp_path: Path, content: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(content.encode("utf-8", "surrogateescape"))
    result = run("drift", "check", bad, PAYLOADS / "oauth-usage-2025-11.json")
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1
    assert str(bad) in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_input_wins_over_drift_and_each_bad_file_has_its_line(
    tmp_path: Path, drifting: Path
) -> None:
    result = run("drift", "check", tmp_path / "missing.json", drifting, write(tmp_path / "l", "[]"))
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 2
    assert "Traceback" not in result.stderr


def _archive(drifting: Path) -> str:
    """Archive the drifting payload the way the agent does; return its variant id."""
    code = (
        "import json, sys\n"
        "from datetime import datetime, UTC\n"
        "from notifier import archive, paths, schemas\nfrom notifier.core import drift\n"
        "payload = json.load(open(sys.argv[1]))\n"
        "result = drift.check(payload, schemas.load_known())\n"
        "archive.record(paths.resolve().archive_dir, result, payload,"
        " datetime(2026, 7, 19, tzinfo=UTC))\n"
        "print(result.fingerprint[:12])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(drifting)],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    return out.stdout.strip()


def test_list_show_export_accept(tmp_path: Path, drifting: Path) -> None:
    assert "No new payload variants" in run("drift", "list").stdout
    variant = _archive(drifting)

    listed = run("drift", "list", "--json")
    assert listed.returncode == 0
    (entry,) = json.loads(listed.stdout)["variants"]
    assert entry["id"] == variant
    assert entry["count"] == 1
    assert variant in run("drift", "list").stdout

    shown = run("drift", "show", variant)
    assert shown.returncode == 0
    assert "seven_day_opus_4_7" in shown.stdout
    assert EMAIL not in shown.stdout
    assert TOKEN not in shown.stdout
    assert run("drift", "show", "ffffffffffff").returncode == 2

    bundle_file = tmp_path / "out" / "bundle.json"
    bundle_file.parent.mkdir()
    bundle_file.parent.chmod(0o755)
    exported = run("drift", "export", "--output", bundle_file)
    assert exported.returncode == 0, exported.stderr
    assert "Attach" in exported.stdout
    assert "issue" in exported.stdout
    text = bundle_file.read_text()
    assert EMAIL not in text
    assert TOKEN not in text
    assert "seven_day_opus_4_7" in text  # the shape survives
    assert stat.S_IMODE(bundle_file.parent.stat().st_mode) == 0o755  # the user's folder

    accepted = run("drift", "accept", variant)
    assert accepted.returncode == 0, accepted.stderr
    assert run("drift", "check", drifting).returncode == 0  # known on this machine now


def test_export_to_stdout_prints_the_hint_on_stderr(drifting: Path) -> None:
    _archive(drifting)
    result = run("drift", "export")
    assert result.returncode == 0
    bundle = json.loads(result.stdout)
    assert len(bundle["variants"]) == 1
    assert "Attach" in result.stderr


def test_promote_writes_a_schema_that_makes_the_variant_known(
    tmp_path: Path, drifting: Path
) -> None:
    _archive(drifting)
    bundle = tmp_path / "bundle.json"
    assert run("drift", "export", "--output", bundle).returncode == 0
    tree = tmp_path / "src" / "schemas"
    tree.mkdir(parents=True)
    for fixture in (REPO / "schemas").glob("*.json"):
        (tree / fixture.name).write_text(fixture.read_text())
    promoted = run("drift", "promote", bundle, "--schemas", tree)
    assert promoted.returncode == 0, promoted.stderr
    (new,) = [p for p in tree.glob("variant-*.schema.json")]
    document = json.loads(new.read_text())
    assert document["title"]
    assert document["x-seen"]["when"].startswith("2026-07-19")
    assert EMAIL not in new.read_text()
    assert stat.S_IMODE(new.stat().st_mode) == 0o644
    again = run("drift", "promote", bundle, "--schemas", tree)
    assert "already known" in again.stdout
    assert len(list(tree.glob("variant-*.schema.json"))) == 1

    # The promoted tree knows the variant: check it with those schemas as "accepted".
    code = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from notifier import schemas\nfrom notifier.core import drift\n"
        "known = schemas.load_known([Path(sys.argv[2])])\n"
        "print(len(drift.check(json.load(open(sys.argv[1])), known).changes))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(drifting), str(tree)],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    assert out.stdout.strip() == "0"


def test_promote_rejects_a_non_object(tmp_path: Path) -> None:
    result = run("drift", "promote", write(tmp_path / "x.json", "[]"), "--schemas", tmp_path)
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1


def test_a_payload_too_large_to_compare_is_said_so(tmp_path: Path) -> None:
    payload = copy.deepcopy(load_payload("oauth-usage-full-2026-07.json"))
    payload["blob"] = {f"k{i}": i for i in range(200_001)}
    big = write(tmp_path / "big.json", payload)
    result = run("drift", "check", big, "--json")
    assert result.returncode == 1, result.stderr
    assert json.loads(result.stdout) == [{"file": str(big), "changes": [], "too_large": True}]
    text = run("drift", "check", big)
    assert text.stdout.strip() == (
        f"{big}: too large to compare (more than 200000 keys and items, or deeper than 64 levels)"
    )
    assert "Traceback" not in text.stderr


# ------------------------------------------------------- enums: accept, promote, submit


def _new_kind_payload(tmp_path: Path, kind: str = "weekly_design") -> Path:
    payload = copy.deepcopy(load_payload("oauth-usage-full-2026-07.json"))
    payload["limits"][0]["kind"] = kind
    return write(tmp_path / f"{kind}.json", payload)


def _tree(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(folder.iterdir())}


def test_accept_extends_the_enum(tmp_path: Path) -> None:
    payload = _new_kind_payload(tmp_path)
    checked = run("drift", "check", payload, "--json")
    assert json.loads(checked.stdout)[0]["changes"] == [
        {"change": "value_added", "path": "limits[].kind", "value": "weekly_design"}
    ]
    variant = _archive(payload)
    assert run("drift", "accept", variant).returncode == 0
    assert run("drift", "check", payload).returncode == 0
    assert run("drift", "check", _new_kind_payload(tmp_path, "weekly_code")).returncode == 1


def test_promote_several_bundles_idempotently_extending_enums(tmp_path: Path) -> None:
    tree = tmp_path / "src" / "schemas"
    tree.mkdir(parents=True)
    for fixture in (REPO / "schemas").glob("*.json"):
        (tree / fixture.name).write_text(fixture.read_text())
    kinds = _new_kind_payload(tmp_path)
    _archive(kinds)
    first = tmp_path / "first.json"
    assert run("drift", "export", "--output", first).returncode == 0
    window = copy.deepcopy(load_payload("oauth-usage-full-2026-07.json"))
    window["seven_day_opus_4_7"] = {"utilization": 5.0, "resets_at": None}
    _archive(write(tmp_path / "window.json", window))
    second = tmp_path / "second.json"  # holds the first bundle's variant again
    assert run("drift", "export", "--output", second).returncode == 0

    promoted = run("drift", "promote", first, second, "--schemas", tree)
    assert promoted.returncode == 0, promoted.stderr
    lines = promoted.stdout.splitlines()
    assert lines[0] == (
        f"extended {tree / 'oauth-usage-full-2026-07.schema.json'}: limits[].kind: + weekly_design"
    )
    assert "already known as oauth-usage-full-2026-07.schema.json" in lines[1]
    assert lines[2].startswith(f"wrote {tree}/variant-2026-07-19-")
    assert len(lines) == 3
    full = json.loads((tree / "oauth-usage-full-2026-07.schema.json").read_text())
    kind = full["properties"]["limits"]["items"]["properties"]["kind"]
    assert kind["enum"] == ["session", "weekly_all", "weekly_design", "weekly_scoped"]

    before = _tree(tree)
    again = run("drift", "promote", second, first, "--schemas", tree)
    assert again.returncode == 0
    assert _tree(tree) == before  # the same tree
    assert again.stdout.splitlines()[-1] == "nothing new to promote"


def _submit(
    tmp_path: Path, *argv: str, limit: int | None = None
) -> tuple[Any, list[str], str, str]:
    """Run `drift submit` in-process with a recording browser; (result, urls, out, err)."""
    import io

    from notifier.cli.commands import drift as drift_cmd
    from notifier.cli.output import render
    from notifier.cli.parser import build_parser

    args = build_parser().parse_args(["drift", "submit", *argv])
    opened: list[str] = []
    old = drift_cmd.URL_LIMIT
    if limit is not None:
        drift_cmd.URL_LIMIT = limit
    try:
        result = drift_cmd.submit(args, open_url=lambda url: opened.append(url) or True)
    finally:
        drift_cmd.URL_LIMIT = old
    out, err = io.StringIO(), io.StringIO()
    render(result, out=out, err=err)
    return result, opened, out.getvalue(), err.getvalue()


def test_submit_shows_the_bundle_and_opens_the_new_issue_page(
    tmp_path: Path, drifting: Path
) -> None:
    from urllib.parse import parse_qs, urlsplit

    variant = _archive(drifting)
    result, opened, out, _ = _submit(tmp_path)
    assert result.exit_code == 0
    assert out.startswith("This is exactly what would be sent (the redacted bundle):\n{")
    assert EMAIL not in out
    assert TOKEN not in out
    (url,) = opened
    assert len(url) < 8000
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == (
        "https://github.com/claude-usage-notifier/claude-usage-notifier/issues/new"
    )
    query = parse_qs(parts.query)
    assert query["title"] == [f"New usage payload variant {variant}"]
    body = query["body"][0]
    bundle = json.loads(body.split("```json\n", 1)[1].split("\n```", 1)[0])
    shown = json.loads(out.split("\n", 1)[1].split("\n\nTitle:", 1)[0])
    assert bundle == shown  # exactly what was shown is what is sent
    assert EMAIL not in body
    assert TOKEN not in body


def test_submit_print_only_prints_the_url_from_the_setting(
    tmp_path: Path, drifting: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    variant = _archive(drifting)
    monkeypatch.setenv("CLAUDE_USAGE_NOTIFIER_ISSUE_TRACKER_URL", "https://example.org/new")
    _, opened, out, err = _submit(tmp_path, variant, "--print")
    assert opened == []
    assert out.startswith("https://example.org/new?title=New+usage+payload+variant+")
    assert out.count("\n") == 1
    assert err == ""


def test_a_bundle_too_long_for_a_link_is_attached(tmp_path: Path, drifting: Path) -> None:
    from urllib.parse import parse_qs, urlsplit

    _archive(drifting)
    _, opened, out, _ = _submit(tmp_path, limit=600)
    (url,) = opened
    body = parse_qs(urlsplit(url).query)["body"][0]
    assert "```json" not in body
    assert "attached as `drift-submit.json`" in body
    saved = next(Path(os.environ["CLAUDE_USAGE_NOTIFIER_HOME"]).rglob("drift-submit.json"))
    assert f"attach {saved} to the issue" in out
    assert json.loads(saved.read_text())["variants"][0]["fingerprint"]
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    # What a maintainer receives folds in like an exported bundle.
    tree = tmp_path / "tree"
    tree.mkdir()
    promoted = run("drift", "promote", saved, "--schemas", tree)
    assert promoted.returncode == 0, promoted.stderr
    assert len(list(tree.glob("variant-*.schema.json"))) == 1


def test_submit_with_a_real_browser_command(tmp_path: Path, drifting: Path) -> None:
    """As a user runs it: $BROWSER is what webbrowser opens."""
    _archive(drifting)
    seen = tmp_path / "opened.txt"
    script = tmp_path / "browser.sh"
    script.write_text(f'#!/bin/sh\nprintf %s "$1" > {seen}\n')
    script.chmod(0o755)
    env = os.environ.copy() | {"BROWSER": f"{script} %s"}
    result = subprocess.run(
        [sys.executable, "-m", "notifier", "drift", "submit"],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "Opened the new-issue page" in result.stdout
    assert seen.read_text().startswith(
        "https://github.com/claude-usage-notifier/claude-usage-notifier/issues/new?title="
    )


def test_submit_without_variants_and_with_an_unknown_id(tmp_path: Path) -> None:
    empty = run("drift", "submit")
    assert empty.returncode == 0
    assert "nothing to submit" in empty.stderr
    unknown = run("drift", "submit", "abcdef123456")
    assert unknown.returncode == 2
    assert len(unknown.stderr.splitlines()) == 1
