"""``status`` end to end, as a user runs it: a subprocess, exit codes, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FIXTURES, PAYLOADS, load_payload
from tests.integration.httpserver import Reply, ScriptedServer, closed_port

pytestmark = pytest.mark.slow

PROG = "claude-usage-notifier: "
# Issue 15's keys when the pace is unknown (no window length, no reset time, or a
# window that ended before now, as in every shared fixture).
NO_PACE = {"pace_delta": None, "rate_per_hour": None, "projected_cap_at": None}
TOKEN = "sk-ant-oat01-FAKE-STATUS-CLI-TOKEN-000111222333"


def status(
    cwd: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "TZ": "UTC", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "notifier", "status", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def assert_one_line_error(done: subprocess.CompletedProcess[str], code: int) -> str:
    assert done.returncode == code, done.stderr
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith(PROG)
    return done.stderr.removeprefix(PROG).rstrip("\n")


# ------------------------------------------------------------------------ bad payload files

BAD_FILES: dict[str, tuple[bytes, str]] = {
    "empty.json": (b"", "is empty"),
    "truncated.json": (b'{"five_hour": {"utilization": 4', "is not valid JSON ("),
    "portal.html": (
        (FIXTURES / "errors" / "cloudflare-challenge.html").read_bytes(),
        "is an HTML or XML page, not JSON",
    ),
    "array.json": (b'[{"five_hour": {"utilization": 4}}]', "is a JSON array, not an object"),
    "binary.bin": (b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe", "is not UTF-8 text (binary data?)"),
    "nan.json": (
        b'{"five_hour": {"utilization": NaN, "resets_at": null}}',
        "holds NaN, which JSON does not allow",
    ),
    "deep.json": (b'{"x": ' + b"[" * 5000 + b"]" * 5000 + b"}", "is nested too deeply to read"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_payload_file_exits_2_with_one_line(tmp_path: Path, name: str) -> None:
    content, reason = BAD_FILES[name]
    (tmp_path / name).write_bytes(content)
    message = assert_one_line_error(status(tmp_path, "--payload", name), 2)
    assert message.startswith(f"payload file {name} {reason}")


def test_missing_payload_file_exits_2(tmp_path: Path) -> None:
    message = assert_one_line_error(status(tmp_path, "--payload", "nope.json"), 2)
    assert message == "payload file nope.json: no such file"


def test_folder_as_payload_exits_2(tmp_path: Path) -> None:
    (tmp_path / "folder").mkdir()
    message = assert_one_line_error(status(tmp_path, "--json", "--payload", "folder"), 2)
    assert message == "payload file folder is a folder"


def test_wrong_config_type_exits_2(tmp_path: Path) -> None:
    (tmp_path / "c.toml").write_text("thresholds = 90\n")
    payload = str(PAYLOADS / "oauth-usage-2025-11.json")
    done = status(tmp_path, "--payload", payload, "--config", "c.toml")
    assert assert_one_line_error(done, 2).startswith("c.toml: thresholds: ")


# ------------------------------------------------------------------------ --payload on fixtures


def status_json(tmp_path: Path, fixture: str) -> dict[str, Any]:
    done = status(tmp_path, "--json", "--payload", str(PAYLOADS / fixture))
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    data: dict[str, Any] = json.loads(done.stdout)
    assert {"fetched_at", "buckets"} <= set(data)
    # contract keys + version + freshness (issue 12: status never goes blank)
    assert set(data) == {"schema_version", "fetched_at", "buckets", "stale", "as_of"}
    assert data["schema_version"] == 1
    assert data["stale"] is False
    assert data["as_of"] == data["fetched_at"]
    for bucket in data["buckets"]:
        # The contract's keys, then issue 15's pace keys.
        assert list(bucket) == [
            "name", "utilization", "resets_at", "pace_delta", "rate_per_hour", "projected_cap_at"
        ]  # fmt: skip
    return data


def test_json_shape_and_closest_to_cap_order(tmp_path: Path) -> None:
    before = datetime.now(UTC)
    data = status_json(tmp_path, "oauth-usage-full-2026-07.json")
    fetched_at = datetime.fromisoformat(data["fetched_at"])
    assert before - timedelta(seconds=1) <= fetched_at <= datetime.now(UTC)
    # The fixture's windows ended long ago: no pace, no forecast (nulls, keys present).
    assert data["buckets"] == [
        {
            "name": "limit:weekly_scoped:fable",
            "utilization": 81,
            "resets_at": "2026-07-23T14:59:59.571131+00:00",
            **NO_PACE,
        },
        {
            "name": "seven_day",
            "utilization": 48,
            "resets_at": "2026-07-23T14:59:59.570774+00:00",
            **NO_PACE,
        },
        {
            "name": "five_hour",
            "utilization": 15,
            "resets_at": "2026-07-19T03:39:59.570750+00:00",
            **NO_PACE,
        },
    ]


def test_pace_and_forecast_from_the_agents_points(tmp_path: Path) -> None:
    # A five-hour window with 2 h 30 m left (half gone: an even pace is 50 %) at 62 %:
    # 12 points ahead. The agent kept points of the last hour climbing 18 %/h
    # (44, 50, 56 % at -60, -40, -20 min, then this reading, 62 %): 100 % in
    # 38 / 18 h = 2 h 6 m, 23 min before the reset. A weekly window at 30 % with
    # 3.5 days left is behind an even pace (50 %) by 20; a limit with the Opus
    # window's numbers is marked as the same limit.
    from notifier.core.models import BucketState, State
    from notifier.paths import resolve
    from notifier.statefile import save_state

    now = datetime.now(UTC)
    five_end = now + timedelta(hours=2, minutes=30)
    week_end = now + timedelta(days=3, hours=12)
    points = tuple((now - timedelta(minutes=m), u) for m, u in ((60, 44.0), (40, 50.0), (20, 56.0)))
    save_state(
        resolve().state_file,
        State(
            buckets={
                "five_hour": BucketState(last_utilization=56.0, resets_at=five_end, points=points)
            }
        ),
    )
    payload = {
        "five_hour": {"utilization": 62, "resets_at": five_end.isoformat()},
        "seven_day": {"utilization": 30, "resets_at": week_end.isoformat()},
        "seven_day_opus": {"utilization": 41, "resets_at": week_end.isoformat()},
        "limits": [
            {"kind": "weekly_scoped", "percent": 41, "resets_at": week_end.isoformat(),
             "scope": {"model": {"display_name": "Opus"}}},
        ],
    }  # fmt: skip
    file = tmp_path / "now.json"
    file.write_text(json.dumps(payload))
    done = status(tmp_path, "--payload", str(file), "--json")
    assert done.returncode == 0, done.stderr
    rows = {row["name"]: row for row in json.loads(done.stdout)["buckets"]}
    five = rows["five_hour"]
    assert five["pace_delta"] == pytest.approx(12, abs=0.1)
    assert five["rate_per_hour"] == pytest.approx(18, abs=0.1)
    doc = json.loads(done.stdout)
    fetched_at = datetime.fromisoformat(doc["fetched_at"])
    cap = datetime.fromisoformat(five["projected_cap_at"])
    assert abs(cap - (fetched_at + timedelta(hours=38 / 18))) < timedelta(seconds=30)
    assert rows["seven_day"]["pace_delta"] == pytest.approx(-20, abs=0.1)
    assert rows["seven_day"]["rate_per_hour"] is None  # no points kept for it

    text = status(tmp_path, "--payload", str(file))
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    pace = lines[lines.index("Pace:") + 1 :]
    assert any(
        line.split()[0] == "5-hour"
        and "ahead of pace by 12 points; 100% in 2h 6m (23m before reset)" in line
        for line in pace
    ), pace
    assert any("7-day all" in line and line.endswith("behind pace by 20 points") for line in pace)
    assert any("Weekly Opus" in line and "= seven_day_opus" in line for line in pace)


def test_json_keeps_offsets_and_nulls(tmp_path: Path) -> None:
    data = status_json(tmp_path, "oauth-usage-design-cowork.json")
    assert [(b["name"], b["utilization"]) for b in data["buckets"]] == [
        ("seven_day_opus", 70.5),
        ("seven_day", 41),
        ("seven_day_omelette", 29),
        ("seven_day_sonnet", 17),
        ("seven_day_cowork", 9),
        ("five_hour", 8),
    ]
    resets = {b["name"]: b["resets_at"] for b in data["buckets"]}
    assert resets["seven_day_cowork"] == "2026-06-05T12:00:00+02:00"
    assert resets["five_hour"] == "2026-06-01T12:00:00+00:00"  # was ...000Z
    no_session = status_json(tmp_path, "oauth-usage-no-session.json")
    assert no_session["buckets"][0] == {
        "name": "seven_day",
        "utilization": 12,
        "resets_at": "2026-02-11T06:59:59.500000+00:00",
        **NO_PACE,
    }
    assert {"name": "five_hour", "utilization": 0, "resets_at": None, **NO_PACE} in no_session[
        "buckets"
    ]


def test_extra_usage_over_100_comes_first(tmp_path: Path) -> None:
    data = status_json(tmp_path, "oauth-usage-low-usage.json")
    assert [b["name"] for b in data["buckets"]] == ["extra_usage", "five_hour", "seven_day"]
    assert data["buckets"][0] == {
        "name": "extra_usage",
        "utilization": 100,
        "resets_at": None,
        **NO_PACE,
    }


def test_table_on_a_fixture(tmp_path: Path) -> None:
    done = status(tmp_path, "--payload", str(PAYLOADS / "oauth-usage-credit-grant-2026-09.json"))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    # Piped: the default 80 columns; the heading says the percentages are used.
    assert lines[0].startswith("Claude usage, % used, at ")
    assert all(len(line) <= 80 for line in lines)
    assert "\x1b[" not in done.stdout  # no colour into a pipe
    # The heading wraps (the file's path is long); the rows are the lines with a percent.
    lines = [lines[0], *(line for line in lines[1:] if "%" in line)]
    labels = [line.split("  ")[1] for line in lines[1:]]
    # 100, 100 (payload order), 62, 30.615, 0
    assert labels == ["5-hour", "Cinder Cove", "7-day all", "Extra usage", "Nimbus Quill"]
    assert "resets Thu 17 Sep 21:00" in lines[1]  # 2026-09-17 21:00 UTC is a Thursday
    assert lines[4].endswith("30.6%  61.23 USD of 200.00 USD")
    assert lines[5].endswith("0%  no reset scheduled")


def test_table_shows_extra_usage_spend_without_a_limit(tmp_path: Path) -> None:
    done = status(tmp_path, "--payload", str(PAYLOADS / "oauth-usage-full-2026-07.json"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "  Extra usage: 408.43 USD spent"


# ------------------------------------------------------------------------ against the endpoint


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    with ScriptedServer() as running:
        yield running


def logged_in(tmp_path: Path, credentials: bytes | None = None) -> dict[str, str]:
    folder = tmp_path / "claude"
    folder.mkdir(exist_ok=True)
    if credentials is None:
        login = {"claudeAiOauth": {"accessToken": TOKEN, "expiresAt": 4102444800000}}
        credentials = json.dumps(login).encode()
    (folder / ".credentials.json").write_bytes(credentials)
    return {"CLAUDE_CONFIG_DIR": str(folder)}


def live_env(tmp_path: Path, url: str, **extra: str) -> dict[str, str]:
    return {**logged_in(tmp_path), "CLAUDE_USAGE_NOTIFIER_BASE_URL": url, **extra}


def test_live_fetch_prints_json(tmp_path: Path, server: ScriptedServer) -> None:
    server.script(Reply.json(load_payload("oauth-usage-2025-11.json")))
    done = status(tmp_path, "--json", env=live_env(tmp_path, server.url))
    assert done.returncode == 0, done.stderr
    names = [b["name"] for b in json.loads(done.stdout)["buckets"]]
    assert names == ["seven_day", "five_hour", "seven_day_oauth_apps", "seven_day_opus"]
    (request,) = server.requests
    assert request.path == "/api/oauth/usage"
    assert request.header("authorization") == f"Bearer {TOKEN}"
    assert request.header("anthropic-beta") == "oauth-2025-04-20"


def test_live_401_twice_exits_3(tmp_path: Path, server: ScriptedServer) -> None:
    body = (FIXTURES / "errors" / "401-invalid-token.json").read_bytes()
    server.script(Reply.raw(body, 401), Reply.raw(body, 401))
    done = status(tmp_path, env=live_env(tmp_path, server.url))
    message = assert_one_line_error(done, 3)
    assert message == (
        "the usage endpoint refused the Claude login (401): run `claude` to log in again"
    )
    assert len(server.requests) == 2
    assert "FAKE-STATUS-CLI" not in done.stderr


def test_live_unreachable_exits_3(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    message = assert_one_line_error(status(tmp_path, env=live_env(tmp_path, url)), 3)
    assert message.startswith(f"cannot connect to {url}/api/oauth/usage: ")


@pytest.mark.parametrize(
    ("reply", "start"),
    [
        (Reply.html((FIXTURES / "errors" / "cloudflare-challenge.html").read_text()), "http://"),
        (Reply.status_only(429, {"Retry-After": "0"}), "the usage endpoint is rate limiting us"),
        (Reply.status_only(403), "the usage endpoint refused the token for a missing scope"),
        (Reply.status_only(503), "the usage endpoint failed (HTTP 503)"),
        (Reply.reset(), "connection to http://"),
    ],
    ids=["html", "429", "403", "503", "reset"],
)
def test_live_faults_exit_3(
    tmp_path: Path, server: ScriptedServer, reply: Reply, start: str
) -> None:
    server.script(reply)
    done = status(tmp_path, "--json", env=live_env(tmp_path, server.url))
    assert assert_one_line_error(done, 3).startswith(start)
    assert "FAKE-STATUS-CLI" not in done.stderr


def test_live_hang_ends_at_the_read_timeout(tmp_path: Path, server: ScriptedServer) -> None:
    server.script(Reply.hang(60))
    env = live_env(tmp_path, server.url, CLAUDE_USAGE_NOTIFIER_READ_TIMEOUT_SECONDS="1")
    message = assert_one_line_error(status(tmp_path, env=env), 3)
    assert message == f"{server.url}/api/oauth/usage timed out (waiting for the answer)"


def test_not_logged_in_exits_3_without_a_request(tmp_path: Path, server: ScriptedServer) -> None:
    folder = tmp_path / "empty-claude"
    folder.mkdir()
    env = {"CLAUDE_CONFIG_DIR": str(folder), "CLAUDE_USAGE_NOTIFIER_BASE_URL": server.url}
    message = assert_one_line_error(status(tmp_path, env=env), 3)
    assert message == (
        f"no Claude login found in {folder / '.credentials.json'}: run `claude` and log in"
    )
    assert server.requests == []


def test_expired_login_exits_3(tmp_path: Path, server: ScriptedServer) -> None:
    expired = (FIXTURES / "claude-config" / "credentials-expired.json").read_bytes()
    env = {**logged_in(tmp_path, expired), "CLAUDE_USAGE_NOTIFIER_BASE_URL": server.url}
    message = assert_one_line_error(status(tmp_path, env=env), 3)
    assert "expired at 2023-11-14 22:13 UTC" in message
    assert "run `claude`" in message
    assert server.requests == []


# ------------------------------------------------------------------------ never blank


def _agent_saw(payload: dict[str, Any], at: datetime, **agent: Any) -> None:
    """Leave what an agent leaves: a history line and, optionally, its state."""
    from notifier.core.models import AgentState, Observation, State
    from notifier.paths import resolve
    from notifier.recording import append_observation
    from notifier.statefile import save_state

    paths = resolve()
    append_observation(paths.history_file, Observation(at, payload), 1_000_000)
    if agent:
        save_state(paths.state_file, State(agent=AgentState(**agent)))


def test_unreachable_shows_the_agents_last_numbers_with_their_age(tmp_path: Path) -> None:
    seen = datetime.now(UTC) - timedelta(minutes=37, seconds=10)
    _agent_saw(load_payload("oauth-usage-2025-11.json"), seen)
    url = f"http://127.0.0.1:{closed_port()}"
    done = status(tmp_path, env=live_env(tmp_path, url))
    assert done.returncode == 3, done.stderr
    first = done.stdout.splitlines()[0]
    assert first == (
        f"Claude usage, % used, as of {seen.strftime('%H:%M')} (37 min ago; endpoint unreachable)"
    )
    assert "7-day all" in done.stdout
    assert done.stderr.startswith(f"{PROG}cannot connect to {url}/api/oauth/usage: ")
    assert done.stderr.endswith(f"{PROG}showing the last numbers the agent saw\n")

    data = json.loads(status(tmp_path, "--json", env=live_env(tmp_path, url)).stdout)
    assert data["stale"] is True
    assert datetime.fromisoformat(data["as_of"]) == seen
    assert data["buckets"][0]["name"] == "seven_day"


def test_a_stored_429_deadline_sends_no_request_unless_forced(
    tmp_path: Path, server: ScriptedServer
) -> None:
    now = datetime.now(UTC)
    until = now + timedelta(minutes=25)
    _agent_saw(
        load_payload("oauth-usage-2025-11.json"),
        now - timedelta(minutes=5),
        outcome="rate_limited",
        backoff_until=until,
        last_success_at=now - timedelta(minutes=5),
    )
    env = live_env(tmp_path, server.url)
    done = status(tmp_path, env=env)
    assert done.returncode == 3, done.stderr
    assert server.requests == []
    assert f"(5 min ago; rate limited until {until.strftime('%H:%M')})" in done.stdout
    assert "--force asks anyway" in done.stderr

    server.script(Reply.json(load_payload("oauth-usage-low-usage.json")))
    forced = status(tmp_path, "--force", "--json", env=env)
    assert forced.returncode == 0, forced.stderr
    assert len(server.requests) == 1
    assert json.loads(forced.stdout)["stale"] is False


def test_an_error_body_given_as_payload_is_named_as_such(tmp_path: Path) -> None:
    done = status(tmp_path, "--payload", str(FIXTURES / "errors" / "401-invalid-token.json"))
    message = assert_one_line_error(done, 2)
    assert message.endswith(
        "is an error answer from the endpoint (authentication_error: Invalid bearer token), "
        "not usage data"
    )


def test_a_saved_payload_shows_no_passed_countdowns(tmp_path: Path) -> None:
    done = status(tmp_path, "--payload", str(PAYLOADS / "oauth-usage-2025-11.json"))
    assert done.returncode == 0, done.stderr
    assert "passed" not in done.stdout
    assert "resets " in done.stdout


def test_live_status_sends_and_shows_the_installed_claude_codes_user_agent(
    tmp_path: Path, server: ScriptedServer
) -> None:
    from tests.integration.test_user_agent_http import FakeClaude

    fake = FakeClaude(tmp_path / "bin", 'echo "2.1.77 (Claude Code)"')
    server.script(Reply.json(load_payload("oauth-usage-2025-11.json")))
    server.script(Reply.json(load_payload("oauth-usage-2025-11.json")))
    # A wide terminal: the line names a long temporary path (status wraps to fit).
    env = live_env(
        tmp_path, server.url, PATH=f"{fake.folder}{os.pathsep}/usr/bin:/bin", COLUMNS="300"
    )
    done = status(tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    where = (fake.folder / "claude").resolve()
    assert done.stdout.splitlines()[-1] == (
        f"  User-Agent: claude-code/2.1.77 (the version of Claude Code at {where})"
    )
    assert server.requests[0].header("user-agent") == "claude-code/2.1.77"
    # --json keeps the contract's keys, no User-Agent; the second run reads the cached version.
    done = status(tmp_path, "--json", env=env)
    assert done.returncode == 0, done.stderr
    assert sorted(json.loads(done.stdout)) == [
        "as_of",
        "buckets",
        "fetched_at",
        "schema_version",
        "stale",
    ]
    assert server.requests[1].header("user-agent") == "claude-code/2.1.77"
    assert fake.calls == 1


def test_live_status_shows_the_user_agent_setting(tmp_path: Path, server: ScriptedServer) -> None:
    server.script(Reply.json(load_payload("oauth-usage-2025-11.json")))
    env = live_env(tmp_path, server.url, CLAUDE_USAGE_NOTIFIER_USER_AGENT="my-watcher/2.0")
    done = status(tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "  User-Agent: my-watcher/2.0 (the user_agent setting)"
    assert server.requests[0].header("user-agent") == "my-watcher/2.0"
