"""Black-box audit of ``docs/contract.md``: the CLI as a subprocess, files, a local server.

Every expectation below was worked out by hand from the contract's sentences (quoted
near each test), never from the program's output. Recordings and payloads are built
in temporary folders; the endpoint is a ``ThreadingHTTPServer`` on 127.0.0.1.
"""

from __future__ import annotations

import copy
import json
import os
import plistlib
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import platformdirs
import pytest

from tests.conftest import PAYLOADS

pytestmark = pytest.mark.slow

TOKEN = "sk-ant-oat01-FAKE-AUDIT"
T0 = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
Json = dict[str, Any]


# --------------------------------------------------------------------------- helpers


def cli(
    *args: str | Path,
    cwd: Path,
    env: dict[str, str] | None = None,
    drop: tuple[str, ...] = (),
    timeout: float = 60,
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m notifier ARGS`` in ``cwd`` with the test's environment plus ``env``."""
    full = dict(os.environ)
    for name in drop:
        full.pop(name, None)
    full.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "notifier", *map(str, args)],
        cwd=cwd,
        env=full,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], code: int) -> None:
    """The contract: the exit code, and errors are one clear line on stderr, no traceback."""
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert "Traceback" not in result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr


def at(minutes: float = 0, seconds: float = 0) -> datetime:
    """An instant relative to T0."""
    return T0 + timedelta(minutes=minutes, seconds=seconds)


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 text of an instant, or None."""
    return None if moment is None else moment.isoformat()


def window(utilization: Any, resets_at: datetime | None) -> Json:
    """A usage window object."""
    return {"utilization": utilization, "resets_at": iso(resets_at)}


def write_recording(path: Path, observations: list[tuple[datetime, Json]]) -> Path:
    """A JSON Lines recording per the contract: ``{"observed_at", "payload"}`` per line."""
    lines = [
        json.dumps({"observed_at": moment.isoformat(), "payload": payload})
        for moment, payload in observations
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def replay(
    tmp_path: Path,
    observations: list[tuple[datetime, Json]],
    config: str | None = None,
    env: dict[str, str] | None = None,
    name: str = "rec",
) -> list[Json]:
    """``replay REC --json [--config FILE]``; the parsed event lines."""
    rec = write_recording(tmp_path / f"{name}.jsonl", observations)
    args: list[str | Path] = ["replay", rec, "--json"]
    if config is not None:
        cfg = tmp_path / f"{name}.toml"
        cfg.write_text(config)
        args += ["--config", cfg]
    result = cli(*args, cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def rule_events(events: list[Json]) -> dict[str, list[tuple[Any, ...]]]:
    """Threshold and reset events grouped per bucket, in order, as comparable tuples."""
    grouped: dict[str, list[tuple[Any, ...]]] = {}
    for event in events:
        if event["kind"] == "threshold":
            item: tuple[Any, ...] = (
                "threshold",
                event["threshold"],
                event["utilization"],
                datetime.fromisoformat(event["observed_at"]),
                event["notify"],
            )
        elif event["kind"] == "reset":
            item = (
                "reset",
                event["previous_utilization"],
                event["utilization"],
                datetime.fromisoformat(event["observed_at"]),
                event["notify"],
            )
        else:
            continue
        grouped.setdefault(event["bucket"], []).append(item)
    return grouped


def thr(threshold: float, utilization: float, moment: datetime) -> tuple[Any, ...]:
    """An expected threshold event (threshold events always notify)."""
    return ("threshold", threshold, utilization, moment, True)


def rst(previous: float, utilization: float, moment: datetime, notify: bool) -> tuple[Any, ...]:
    """An expected reset event."""
    return ("reset", previous, utilization, moment, notify)


def check_fields_and_order(events: list[Json]) -> None:
    """Exactly the contract's fields per kind, in the contract's order; time never goes back."""
    fields = {
        "threshold": ["kind", "bucket", "threshold", "utilization", "observed_at", "notify"],
        "reset": [
            "kind",
            "bucket",
            "previous_utilization",
            "utilization",
            "early",
            "observed_at",
            "notify",
        ],
        "forecast": [
            "kind",
            "bucket",
            "utilization",
            "rate_per_hour",
            "projected_cap_at",
            "resets_at",
            "observed_at",
            "notify",
        ],
        "drift": ["kind", "observed_at", "changes"],
    }
    instants = []
    for event in events:
        assert list(event) == fields[event["kind"]], event
        instants.append(datetime.fromisoformat(event["observed_at"]))
    assert instants == sorted(instants)


def load(name: str) -> Json:
    """A shared fixture payload (the shapes the shipped schemas were built from)."""
    data: Json = json.loads((PAYLOADS / name).read_text())
    return data


# ------------------------------------------------------------------ a local endpoint


class Endpoint:
    """A ThreadingHTTPServer on 127.0.0.1:0 answering every GET with a scripted reply."""

    def __init__(self) -> None:
        self.status = 200
        self.body: bytes = b"{}"
        self.content_type = "application/json"
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with outer.lock:
                    outer.requests.append(
                        (self.path, {k.lower(): v for k, v in self.headers.items()})
                    )
                    status, body, ctype = outer.status, outer.body, outer.content_type
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def serve(self, payload: Any, status: int = 200) -> None:
        """Answer with this JSON from now on."""
        with self.lock:
            self.status = status
            self.body = json.dumps(payload).encode()

    def __enter__(self) -> Endpoint:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def endpoint() -> Iterator[Endpoint]:
    """A running local endpoint."""
    with Endpoint() as running:
        yield running


def login(tmp_path: Path) -> Path:
    """A temporary CLAUDE_CONFIG_DIR holding a valid (fake) login."""
    folder = tmp_path / "claude-config"
    folder.mkdir(exist_ok=True)
    creds = {
        "claudeAiOauth": {
            "accessToken": TOKEN,
            "expiresAt": 4102444800000,
            "scopes": ["user:inference", "user:profile"],
        }
    }
    (folder / ".credentials.json").write_text(json.dumps(creds))
    return folder


# ---------------------------------------------------------------------------- buckets

DISCOVERY_PAYLOAD: Json = {
    "five_hour": {"utilization": 1.0, "resets_at": "2026-03-02T05:00:00+00:00"},
    "seven_day": {"utilization": 62.5, "resets_at": "2026-03-06T12:00:00.000Z"},
    "brand_new_window": {"utilization": 150, "resets_at": "2026-03-03T00:00:00+02:00"},
    "iguana_necktie": None,
    "not_a_window": {"foo": 1, "bar": "x"},
    "text_utilization": {"utilization": "12", "resets_at": None},
    "bool_utilization": {"utilization": True, "resets_at": None},
    "member_dashboard_available": True,
    "extra_usage": {
        "is_enabled": True,
        "monthly_limit": 2000,
        "used_credits": 963.0,
        "utilization": 48.15,
        "currency": "USD",
    },
    "limits": [
        {"kind": "session", "group": "session", "percent": 99, "resets_at": None},
        {"kind": "weekly_all", "group": "weekly", "percent": 98, "resets_at": None},
        {
            "kind": "weekly_scoped",
            "percent": 81,
            "resets_at": "2026-03-06T12:00:00+00:00",
            "scope": {"model": {"id": None, "display_name": "Fable"}},
        },
        {
            "kind": "weekly_scoped",
            "percent": 12,
            "resets_at": None,
            "scope": {"model": {"display_name": "Claude Opus 4.7 (1M)"}},
        },
        {"kind": "weekly_scoped", "percent": 29, "resets_at": None, "scope": None},
        {
            "kind": "weekly_scoped",
            "percent": 7,
            "resets_at": None,
            "scope": {"model": None, "surface": None},
        },
        {
            "kind": "weekly_scoped",
            "percent": 3,
            "resets_at": None,
            "scope": {"model": {"display_name": "Sonnet--4.5 / Ünïcode"}},
        },
    ],
}


def test_status_json_discovers_every_bucket_per_the_contract(tmp_path: Path) -> None:
    """Buckets: top-level windows with numeric utilization (unknown names too),
    extra_usage, weekly_scoped limits as ``limit:weekly_scoped:<slug>``; never rescaled;
    closest-to-cap first; exactly the contract's JSON keys."""
    payload = tmp_path / "payload.json"
    payload.write_text(json.dumps(DISCOVERY_PAYLOAD))
    result = cli("status", "--json", "--payload", payload, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    doc = json.loads(result.stdout)
    assert {"schema_version", "fetched_at", "buckets"} <= set(doc)
    assert doc["stale"] is False
    for bucket in doc["buckets"]:
        # The contract's keys, then issue 15's pace keys.
        assert list(bucket) == [
            "name", "utilization", "resets_at", "pace_delta", "rate_per_hour", "projected_cap_at"
        ]  # fmt: skip
    got = {b["name"]: b for b in doc["buckets"]}
    expected = {
        "five_hour": (1.0, "2026-03-02T05:00:00+00:00"),
        "seven_day": (62.5, "2026-03-06T12:00:00+00:00"),
        "brand_new_window": (150, "2026-03-02T22:00:00+00:00"),
        "extra_usage": (48.15, None),
        "limit:weekly_scoped:fable": (81, "2026-03-06T12:00:00+00:00"),
        "limit:weekly_scoped:claude_opus_4_7_1m_": (12, None),
        "limit:weekly_scoped:unscoped": None,  # two unnamed entries: checked below
        "limit:weekly_scoped:sonnet_4_5_n_code": (3, None),
    }
    assert set(got) == set(expected)
    for name, want in expected.items():
        if want is None:
            continue
        utilization, resets_at = want
        assert got[name]["utilization"] == utilization, name
        if resets_at is None:
            assert got[name]["resets_at"] is None, name
        else:
            instant = datetime.fromisoformat(got[name]["resets_at"])
            assert instant == datetime.fromisoformat(resets_at), name
    assert got["limit:weekly_scoped:unscoped"]["utilization"] in {29, 7}
    # Closest to cap first.
    utilizations = [b["utilization"] for b in doc["buckets"]]
    assert utilizations == sorted(utilizations, reverse=True)


def test_status_json_slug_keeps_edge_underscores(tmp_path: Path) -> None:
    """ "runs of other characters than a-z0-9 turned into _": a leading run is one ``_``."""
    payload = {
        "limits": [
            {
                "kind": "weekly_scoped",
                "percent": 40,
                "resets_at": None,
                "scope": {"model": {"display_name": "  Opus 5!!"}},
            },
            {
                "kind": "weekly_scoped",
                "percent": 20,
                "resets_at": None,
                "scope": {"model": {"display_name": "HAIKU"}},
            },
        ]
    }
    path = tmp_path / "p.json"
    path.write_text(json.dumps(payload))
    result = cli("status", "--json", "--payload", path, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    names = [b["name"] for b in json.loads(result.stdout)["buckets"]]
    assert names == ["limit:weekly_scoped:_opus_5_", "limit:weekly_scoped:haiku"]


def test_status_text_shows_every_bucket(tmp_path: Path) -> None:
    """Without --json: a table of every bucket, exit 0, nothing on stderr."""
    payload = tmp_path / "payload.json"
    payload.write_text(json.dumps(DISCOVERY_PAYLOAD))
    result = cli("status", "--payload", payload, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert len([line for line in result.stdout.splitlines() if line.strip()]) >= 8


def test_status_with_no_bucket_is_an_empty_list(tmp_path: Path) -> None:
    """A payload with no window at all: success, empty bucket list."""
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"five_hour": None, "limits": []}))
    result = cli("status", "--json", "--payload", path, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["buckets"] == []


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"[1, 2]",
        b'{"five_hour": ',
        b"<html><body>Sign in</body></html>",
        b"\x00\xff\xfe binary",
        b'"just a string"',
        b'{"five_hour": {"utilization": NaN}}',
        b"[" * 5000 + b"]" * 5000,
    ],
    ids=["empty", "array", "truncated", "html", "binary", "string", "nan", "deep"],
)
def test_status_payload_not_an_object_exits_2(tmp_path: Path, content: bytes) -> None:
    """Exit 2 for bad input; one line on stderr, no traceback."""
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    result = cli("status", "--json", "--payload", path, cwd=tmp_path)
    assert_one_line_error(result, 2)
    assert result.stdout == ""


def test_status_payload_missing_file_exits_2(tmp_path: Path) -> None:
    """A payload file that does not exist is bad input."""
    result = cli("status", "--payload", tmp_path / "absent.json", cwd=tmp_path)
    assert_one_line_error(result, 2)


def test_console_script_works(tmp_path: Path) -> None:
    """The command is ``claude-usage-notifier``."""
    script = Path(sys.executable).parent / "claude-usage-notifier"
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"five_hour": window(10, at(60))}))
    result = subprocess.run(
        [str(script), "status", "--json", "--payload", str(path)],
        cwd=tmp_path,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert [b["name"] for b in json.loads(result.stdout)["buckets"]] == ["five_hour"]


# --------------------------------------------------------------- status and endpoint


def test_status_fetches_from_base_url_env(tmp_path: Path, endpoint: Endpoint) -> None:
    """``base_url`` is a setting; ``CLAUDE_USAGE_NOTIFIER_BASE_URL`` overrides it."""
    endpoint.serve({"five_hour": window(33.0, at(300)), "seven_day": window(70, at(9000))})
    env = {
        "CLAUDE_CONFIG_DIR": str(login(tmp_path)),
        "CLAUDE_USAGE_NOTIFIER_BASE_URL": endpoint.url,
    }
    result = cli("status", "--json", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert datetime.fromisoformat(doc["fetched_at"]).tzinfo is not None
    assert [(b["name"], b["utilization"]) for b in doc["buckets"]] == [
        ("seven_day", 70),
        ("five_hour", 33.0),
    ]
    assert len(endpoint.requests) == 1
    path, headers = endpoint.requests[0]
    assert path == "/api/oauth/usage"
    assert headers["authorization"] == f"Bearer {TOKEN}"
    assert headers["anthropic-beta"] == "oauth-2025-04-20"
    assert TOKEN not in result.stdout + result.stderr


def test_status_fetches_from_base_url_in_config_file(tmp_path: Path, endpoint: Endpoint) -> None:
    """``base_url`` in the TOML given with ``--config``."""
    endpoint.serve({"five_hour": window(12.0, at(300))})
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'base_url = "{endpoint.url}"\n')
    env = {"CLAUDE_CONFIG_DIR": str(login(tmp_path))}
    result = cli("status", "--json", "--config", cfg, cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert [b["name"] for b in json.loads(result.stdout)["buckets"]] == ["five_hour"]
    assert len(endpoint.requests) == 1


@pytest.mark.parametrize("status", [401, 403, 429, 500, 503])
def test_status_endpoint_refusal_exits_3(tmp_path: Path, endpoint: Endpoint, status: int) -> None:
    """3: cannot reach or authenticate to the endpoint; one line, no token."""
    endpoint.serve({"type": "error", "error": {"type": "x", "message": "no"}}, status=status)
    env = {
        "CLAUDE_CONFIG_DIR": str(login(tmp_path)),
        "CLAUDE_USAGE_NOTIFIER_BASE_URL": endpoint.url,
    }
    result = cli("status", "--json", cwd=tmp_path, env=env)
    assert_one_line_error(result, 3)
    assert TOKEN not in result.stdout + result.stderr


def test_status_unreachable_endpoint_exits_3(tmp_path: Path) -> None:
    """Nothing listens at base_url: exit 3."""
    probe = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    port = probe.server_address[1]
    probe.server_close()
    env = {
        "CLAUDE_CONFIG_DIR": str(login(tmp_path)),
        "CLAUDE_USAGE_NOTIFIER_BASE_URL": f"http://127.0.0.1:{port}",
    }
    result = cli("status", cwd=tmp_path, env=env)
    assert_one_line_error(result, 3)


@pytest.mark.parametrize(
    "credentials",
    [
        {"mcpOAuth": {"server": {"accessToken": "x"}}},
        {"claudeAiOauth": {"accessToken": TOKEN, "expiresAt": 1000, "scopes": ["user:profile"]}},
    ],
    ids=["mcp-only", "expired"],
)
def test_status_unusable_login_exits_3(
    tmp_path: Path, endpoint: Endpoint, credentials: Json
) -> None:
    """An MCP-only or expired login cannot authenticate: exit 3, one line, no token."""
    folder = tmp_path / "cc"
    folder.mkdir()
    (folder / ".credentials.json").write_text(json.dumps(credentials))
    endpoint.serve({"five_hour": window(1, R)})
    env = {"CLAUDE_CONFIG_DIR": str(folder), "CLAUDE_USAGE_NOTIFIER_BASE_URL": endpoint.url}
    result = cli("status", cwd=tmp_path, env=env)
    assert_one_line_error(result, 3)
    assert TOKEN not in result.stderr


def test_status_without_login_exits_3(tmp_path: Path, endpoint: Endpoint) -> None:
    """No credentials: cannot authenticate, exit 3, and the server is never asked."""
    empty = tmp_path / "no-login"
    empty.mkdir()
    env = {"CLAUDE_CONFIG_DIR": str(empty), "CLAUDE_USAGE_NOTIFIER_BASE_URL": endpoint.url}
    result = cli("status", cwd=tmp_path, env=env)
    assert_one_line_error(result, 3)
    assert endpoint.requests == []


# ------------------------------------------------------------ threshold and reset rules

R = at(300)  # a five-hour window's end


def test_reset_rules(tmp_path: Path) -> None:
    """Rule 1 (reset) with the 60 s jitter, null resets_at, utilization-went-down,
    resets_at moving back, days off, and the ``crossed`` notify default."""
    times = [0, 60, 120, 180, 298, 299, 300, 360, 400, 4320]
    later = R + timedelta(hours=5)
    scenarios: dict[str, list[Any]] = {
        # jitter of 30 s and of exactly 60 s, then resets_at moving back: never a reset.
        "a_jitter": [
            (80, R),
            (81, R + timedelta(seconds=30)),
            (82, R + timedelta(seconds=60)),
            (40, R - timedelta(hours=1)),
        ],
        # a fall of >= 40 points to <= 10 with a 45 s jitter, hours before prev: the
        # contract's third case (a reset grant used early), so the 80 after it fires again.
        "b_dip": [(80, R), (0.5, R + timedelta(seconds=45)), (80, R)],
        # resets_at later by > 60 s exactly at prev - 60 s: a reset even though u rose.
        "c_boundary": [(80, R)] * 5 + [(85, later)],
        # later resets_at 2 min before prev with u up: not a reset; stored resets_at moves.
        "d_early": [(80, R)] * 4 + [(85, later)],
        # utilization went down with a later resets_at, long before prev: a reset.
        "e_down": [(80, R), (20, later)],
        # 61 s later and down: a reset; 60 s later and down: jitter.
        "f_61s": [(80, R), (30, R + timedelta(seconds=61))],
        "g_60s": [(80, R), (30, R + timedelta(seconds=60))],
        # cur null before prev: nothing; at prev: reset and cleared; then a new window.
        "h_null": [
            (80, R),
            *([(80, None)] * 5),
            (0, None),
            (0, None),
            (10, at(700)),
            (5, at(4320 + 300)),
        ],
        # agent off for three days.
        "i_days": [(95, R)] * 9 + [(10, at(4320 + 300))],
        # a reset in a window where nothing fired: notify false under "crossed".
        "j_quiet": [(10, R)] * 6 + [(2, later)],
        # fired, then re-armed, in the window that ended: still "fired in the window".
        "k_rearmed": [(80, R), *([(50, R)] * 5), (5, later)],
        # jitter that creeps: each step <= 60 s from the last stored resets_at, utilization
        # going down: never a reset (the state holds the LAST non-null resets_at).
        "l_creep": [
            (80, R),
            (80, R + timedelta(seconds=50)),
            (70, R + timedelta(seconds=100)),
            (60, R + timedelta(seconds=150)),
        ],
    }
    observations = []
    for index, minute in enumerate(times):
        payload: Json = {}
        for name, steps in scenarios.items():
            utilization, resets_at = steps[min(index, len(steps) - 1)]
            payload[name] = window(utilization, resets_at)
        observations.append((at(minute), payload))
    events = replay(tmp_path, observations)
    check_fields_and_order(events)
    t = [at(m) for m in times]
    expected = {
        "a_jitter": [thr(75, 80, t[0])],
        "b_dip": [thr(75, 80, t[0]), rst(80, 0.5, t[1], True), thr(75, 80, t[2])],
        "c_boundary": [thr(75, 80, t[0]), rst(80, 85, t[5], True), thr(75, 85, t[5])],
        "d_early": [thr(75, 80, t[0])],
        "e_down": [thr(75, 80, t[0]), rst(80, 20, t[1], True)],
        "f_61s": [thr(75, 80, t[0]), rst(80, 30, t[1], True)],
        "g_60s": [thr(75, 80, t[0])],
        "h_null": [thr(75, 80, t[0]), rst(80, 0, t[6], True), rst(10, 5, t[9], False)],
        "i_days": [thr(90, 95, t[0]), rst(95, 10, t[9], True)],
        "j_quiet": [rst(10, 2, t[6], False)],
        "k_rearmed": [thr(75, 80, t[0]), rst(50, 5, t[6], True)],
        "l_creep": [thr(75, 80, t[0])],
    }
    assert rule_events(events) == expected
    # "A reset observed before prev minus 60 s is early": the grant and e_down's
    # hours-early fall; f_61s is observed 5 h before prev too.
    early = {e["bucket"]: e["early"] for e in events if e["kind"] == "reset"}
    assert {name for name, flag in early.items() if flag} == {"b_dip", "e_down", "f_61s"}


def test_threshold_rules(tmp_path: Path) -> None:
    """Rules 2 and 3: hysteresis re-arm, one event carrying the highest threshold,
    utilization never rescaled, missing utilization skipped with state kept, buckets that
    appear later, extra_usage (no resets_at), weekly_scoped limits."""
    far = at(7 * 24 * 60)
    climb = [10, 92, 95, 100, 101, 100]
    hysteresis = [80, 71, 76, 69.9, 75, 70, 75, 92, 85, 84, 91]
    fraction = [0.5, 0.95, 1.0, 1.0]
    extra = [10, 80, 10, 80]
    fable = [10, 76]
    observations = []
    for index in range(11):
        payload: Json = {
            "climb": window(climb[min(index, 5)], far),
            "hyst": window(hysteresis[index], far),
            "over": window(150, far),
            "fraction": window(fraction[min(index, 3)], far),
            "extra_usage": {
                "is_enabled": True,
                "monthly_limit": 2000,
                "used_credits": 100.0,
                "utilization": extra[min(index, 3)],
                "currency": "USD",
            },
            "limits": [
                {"kind": "session", "percent": 99, "resets_at": iso(far)},
                {"kind": "weekly_all", "percent": 99, "resets_at": iso(far)},
                {
                    "kind": "weekly_scoped",
                    "percent": fable[min(index, 1)],
                    "resets_at": iso(far),
                    "scope": {"model": {"display_name": "Opus 4.7"}},
                },
                {"kind": "weekly_scoped", "percent": 91, "resets_at": iso(far), "scope": None},
            ],
        }
        # Missing or null utilization, a null window, an absent key: skipped, state kept.
        gaps: dict[int, Any] = {
            1: {"resets_at": iso(far)},
            2: {"utilization": None, "resets_at": iso(far)},
            3: None,
        }
        if index == 4:
            pass
        elif index in gaps:
            payload["gappy"] = gaps[index]
        else:
            payload["gappy"] = window(80, far)
        if index >= 5:
            payload["late"] = window(92, far)
        observations.append((at(60 * index), payload))
    events = replay(tmp_path, observations)
    check_fields_and_order(events)
    t = [at(60 * i) for i in range(11)]
    expected = {
        "climb": [thr(90, 92, t[1]), thr(100, 100, t[3])],
        "hyst": [thr(75, 80, t[0]), thr(75, 75, t[4]), thr(90, 92, t[7]), thr(90, 91, t[10])],
        "over": [thr(100, 150, t[0])],
        "extra_usage": [thr(75, 80, t[1]), thr(75, 80, t[3])],
        "limit:weekly_scoped:opus_4_7": [thr(75, 76, t[1])],
        "limit:weekly_scoped:unscoped": [thr(90, 91, t[0])],
        "gappy": [thr(75, 80, t[0])],
        "late": [thr(90, 92, t[5])],
    }
    assert rule_events(events) == expected


def test_replay_is_fresh_each_time(tmp_path: Path) -> None:
    """``replay`` starts from fresh state: the same recording twice gives the same events."""
    observations = [(at(0), {"five_hour": window(92, R)})]
    first = replay(tmp_path, observations, name="once")
    second = replay(tmp_path, observations, name="once")
    assert first == second
    assert rule_events(first) == {"five_hour": [thr(90, 92, at(0))]}


CONFIG_BODY = """\
thresholds = [60, 80]
hysteresis = 0
poll_interval_seconds = 300
{mode}
[buckets.five_hour]
thresholds = [90, 100]

[buckets.seven_day_opus]
enabled = false

[buckets."limit:weekly_scoped:fable"]
thresholds = [50]
"""


def config_observations() -> list[tuple[datetime, Json]]:
    """Four observations exercising per-bucket thresholds, disabling and two resets."""
    r7 = at(5 * 24 * 60)
    later = R + timedelta(hours=5)
    rows = [
        # five_hour, seven_day, fable, cowork
        ((80, R), (80, r7), 49, (10, R)),
        ((95, R), (59.9, r7), 50, (10, R)),
        ((92, R), (60, r7), 50, (10, R)),
        ((3, later), (60, r7), 50, (2, later)),
    ]
    observations = []
    for minute, (five, seven, fable, cowork) in zip([0, 60, 120, 300], rows, strict=True):
        payload = {
            "five_hour": window(*five),
            "seven_day": window(*seven),
            "seven_day_opus": window(100, r7),
            "seven_day_cowork": window(*cowork),
            "limits": [
                {
                    "kind": "weekly_scoped",
                    "percent": fable,
                    "resets_at": iso(r7),
                    "scope": {"model": {"display_name": "Fable"}},
                }
            ],
        }
        observations.append((at(minute), payload))
    return observations


def config_expected(five_notify: bool, cowork_notify: bool) -> dict[str, list[tuple[Any, ...]]]:
    """What CONFIG_BODY gives for config_observations(), by hand."""
    return {
        "five_hour": [thr(90, 95, at(60)), rst(92, 3, at(300), five_notify)],
        "seven_day": [thr(80, 80, at(0)), thr(60, 60, at(120))],
        "limit:weekly_scoped:fable": [thr(50, 50, at(60))],
        "seven_day_cowork": [rst(10, 2, at(300), cowork_notify)],
    }


@pytest.mark.parametrize(
    ("mode", "five_notify", "cowork_notify"),
    [
        ("", True, False),
        ('reset_notifications = "crossed"', True, False),
        ('reset_notifications = "always"', True, True),
        ('reset_notifications = "never"', False, False),
    ],
)
def test_config_thresholds_hysteresis_buckets_and_reset_modes(
    tmp_path: Path, mode: str, five_notify: bool, cowork_notify: bool
) -> None:
    """Global and per-bucket thresholds, hysteresis, a disabled bucket, the reset modes."""
    events = replay(tmp_path, config_observations(), config=CONFIG_BODY.format(mode=mode))
    check_fields_and_order(events)
    assert rule_events(events) == config_expected(five_notify, cowork_notify)


def test_env_overrides_config_file(tmp_path: Path) -> None:
    """``CLAUDE_USAGE_NOTIFIER_<KEY>`` overrides the TOML, even one given with --config."""
    body = CONFIG_BODY.format(mode='reset_notifications = "never"').replace(
        "hysteresis = 0", "hysteresis = 10"
    )
    env = {
        "CLAUDE_USAGE_NOTIFIER_RESET_NOTIFICATIONS": "always",
        "CLAUDE_USAGE_NOTIFIER_HYSTERESIS": "0",
    }
    events = replay(tmp_path, config_observations(), config=body, env=env)
    assert rule_events(events) == config_expected(True, True)


def test_env_override_without_config_file(tmp_path: Path) -> None:
    """An env override alone changes the defaults."""
    later = R + timedelta(hours=5)
    observations = [
        (at(-10), {"seven_day": window(1, R)}),
        (at(0), {"five_hour": window(80, R)}),
        (at(300), {"five_hour": window(1, later), "seven_day": window(0, later)}),
    ]
    env = {"CLAUDE_USAGE_NOTIFIER_RESET_NOTIFICATIONS": "always"}
    events = replay(tmp_path, observations, env=env)
    assert rule_events(events) == {
        "five_hour": [thr(75, 80, at(0)), rst(80, 1, at(300), True)],
        "seven_day": [rst(1, 0, at(300), True)],
    }


@pytest.mark.parametrize("value", ["[50, 60]", "50,60"])
def test_env_override_of_thresholds_list(tmp_path: Path, value: str) -> None:
    """``CLAUDE_USAGE_NOTIFIER_THRESHOLDS`` replaces the default thresholds."""
    observations = [(at(0), {"five_hour": window(50, R)}), (at(60), {"five_hour": window(92, R)})]
    env = {"CLAUDE_USAGE_NOTIFIER_THRESHOLDS": value}
    events = replay(tmp_path, observations, env=env)
    assert rule_events(events) == {"five_hour": [thr(50, 50, at(0)), thr(60, 92, at(60))]}


def test_unknown_config_key_is_a_warning(tmp_path: Path) -> None:
    """Every key is optional; an unknown one is named in a warning, not fatal."""
    observations = [(at(0), {"five_hour": window(92, R)})]
    rec = write_recording(tmp_path / "r.jsonl", observations)
    cfg = tmp_path / "c.toml"
    cfg.write_text("frobnicate = 1\n")
    result = cli("replay", rec, "--json", "--config", cfg, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "frobnicate" in result.stderr
    assert "Traceback" not in result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert rule_events(events) == {"five_hour": [thr(90, 92, at(0))]}


def test_default_config_path_and_config_flag_override(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The TOML at platformdirs.user_config_dir(...)/config.toml is read; --config FILE
    replaces that path (the default file is then not read)."""
    monkeypatch.delenv("CLAUDE_USAGE_NOTIFIER_HOME")
    default = Path(platformdirs.user_config_dir("claude-usage-notifier")) / "config.toml"
    assert str(default).startswith(os.environ["HOME"])
    default.parent.mkdir(parents=True)
    default.write_text(CONFIG_BODY.format(mode='reset_notifications = "never"'))
    events = replay(tmp_path, config_observations(), name="default")
    assert rule_events(events) == config_expected(False, False)
    # --config: the other file only; reset_notifications falls back to "crossed".
    events = replay(
        tmp_path, config_observations(), config=CONFIG_BODY.format(mode=""), name="flag"
    )
    assert rule_events(events) == config_expected(True, False)


@pytest.mark.parametrize(
    "body",
    [
        'thresholds = "high"\n',
        'hysteresis = "five"\n',
        'reset_notifications = "sometimes"\n',
        "thresholds = [75, 90\n",
    ],
    ids=["thresholds-type", "hysteresis-type", "reset-mode", "toml-syntax"],
)
def test_bad_config_exits_2(tmp_path: Path, body: str) -> None:
    """A bad value in the TOML is bad input: exit 2, one line naming the file."""
    rec = write_recording(tmp_path / "r.jsonl", [(at(0), {"five_hour": window(1, R)})])
    cfg = tmp_path / "bad.toml"
    cfg.write_text(body)
    result = cli("replay", rec, "--json", "--config", cfg, cwd=tmp_path)
    assert_one_line_error(result, 2)
    assert "bad.toml" in result.stderr


def test_config_flag_missing_file_exits_2(tmp_path: Path) -> None:
    """``--config`` naming a file that does not exist is bad input."""
    rec = write_recording(tmp_path / "r.jsonl", [(at(0), {"five_hour": window(1, R)})])
    result = cli("replay", rec, "--config", tmp_path / "nope.toml", cwd=tmp_path)
    assert_one_line_error(result, 2)


# ------------------------------------------------------------------ replay file format


@pytest.mark.parametrize(
    "line",
    [
        '{"observed_at": "2026-03-02T01:00:00Z", "payload": ',
        '{"observed_at": "not a time", "payload": {}}',
        '{"observed_at": "2026-03-02T01:00:00Z", "payload": [1]}',
        '{"payload": {}}',
        "[1, 2, 3]",
    ],
    ids=["torn", "bad-time", "payload-array", "no-time", "not-object"],
)
def test_replay_malformed_line_exits_2_naming_line(tmp_path: Path, line: str) -> None:
    """A malformed recording line: exit 2, one line naming it."""
    good = json.dumps({"observed_at": at(0).isoformat(), "payload": {"five_hour": None}})
    rec = tmp_path / "bad.jsonl"
    rec.write_text(f"{good}\n{good}\n{line}\n{good}\n")
    result = cli("replay", rec, "--json", cwd=tmp_path)
    assert_one_line_error(result, 2)
    assert ":3" in result.stderr


def test_replay_missing_recording_exits_2(tmp_path: Path) -> None:
    """A recording that does not exist is bad input."""
    result = cli("replay", tmp_path / "nothing.jsonl", "--json", cwd=tmp_path)
    assert_one_line_error(result, 2)


def test_replay_text_timeline(tmp_path: Path) -> None:
    """Without --json: a readable timeline, exit 0."""
    rec = write_recording(tmp_path / "r.jsonl", [(at(0), {"five_hour": window(92, R)})])
    result = cli("replay", rec, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "90" in result.stdout


# ------------------------------------------------------------------------------ drift


def added(path: str, kind: str) -> Json:
    """An expected ``added`` change."""
    return {"change": "added", "path": path, "type": kind}


def removed(path: str) -> Json:
    """An expected ``removed`` change."""
    return {"change": "removed", "path": path}


def renamed(old: str, new: str) -> Json:
    """An expected ``renamed`` change."""
    return {"change": "renamed", "from": old, "path": new}


def type_changed(path: str, old: str, new: str) -> Json:
    """An expected ``type_changed`` change."""
    return {"change": "type_changed", "path": path, "old_type": old, "new_type": new}


def reverse_keys(value: Any) -> Any:
    """The same document with every object's key order reversed."""
    if isinstance(value, dict):
        return {k: reverse_keys(value[k]) for k in reversed(list(value))}
    if isinstance(value, list):
        return [reverse_keys(v) for v in value]
    return value


def drift_cases() -> dict[str, tuple[Json, list[Json]]]:
    """Payload mutations of the known full-2026-07 (and 2025-11) shapes, with the changes
    the contract predicts for each."""
    full = load("oauth-usage-full-2026-07.json")
    cases: dict[str, tuple[Json, list[Json]]] = {}

    def mutate(name: str, expected: list[Json], base: Json | None = None) -> Json:
        doc = copy.deepcopy(full if base is None else base)
        cases[name] = (doc, expected)
        return doc

    # Values, key order, int/float: never drift.
    doc = mutate("values-order-intfloat", [])
    doc["five_hour"]["utilization"] = 15  # float -> int
    doc["seven_day"]["utilization"] = 48.75
    doc["limits"][0]["percent"] = 15.5  # int -> float
    doc["limits"][2]["scope"]["model"]["display_name"] = "Opus"
    doc["five_hour"]["resets_at"] = "2027-01-01T00:00:00Z"
    doc["spend"]["severity"] = "critical"
    doc["member_dashboard_available"] = True
    cases["values-order-intfloat"] = (reverse_keys(doc), [])
    # null is compatible with everything.
    doc = mutate("nulls", [])
    doc["seven_day"]["resets_at"] = None
    doc["five_hour"]["utilization"] = None
    doc["limits"][2]["scope"] = None
    doc["spend"]["used"] = None
    doc["five_hour"] = None
    # Each window is compared with the same key path of the known variants (contract,
    # 2026): a member another variant's five_hour has is known (credit-grant's
    # locked_reason), numeric dollars only cinder_cove ever had are news at five_hour.
    doc = mutate(
        "same-path-not-union",
        [
            type_changed("five_hour.limit_dollars", "null", "number"),
            type_changed("seven_day.used_dollars", "null", "number"),
        ],
    )
    doc["five_hour"]["limit_dollars"] = 5.0
    doc["seven_day"]["used_dollars"] = 3
    doc["five_hour"]["locked_reason"] = None
    # A bucket null here but a window in another known variant: no drift.
    doc = mutate("null-to-known-window", [])
    doc["seven_day_opus"] = {"utilization": 12.0, "resets_at": "2026-07-23T14:59:59+00:00"}
    doc["seven_day_sonnet"] = {"utilization": 2, "resets_at": None}
    # A type change inside a window is written at the window where it happened.
    doc = mutate("window-type-changed", [type_changed("five_hour.utilization", "number", "string")])
    doc["five_hour"]["utilization"] = "15%"
    doc = mutate(
        "second-window-type-changed", [type_changed("seven_day.limit_dollars", "null", "string")]
    )
    doc["seven_day"]["limit_dollars"] = "x"
    # A path only ever null now holds an object: type_changed, reported once at its root.
    doc = mutate("codename-alive", [type_changed("tangelo", "null", "object")])
    doc["tangelo"] = {"utilization": 1.0, "resets_at": None}
    # A key another known variant has there: no drift.
    doc = mutate("key-from-other-variant", [])
    doc["seven_day_breakdown"] = None
    doc["cinder_cove"] = None
    # Only ever null, now a number.
    mutate("codename-number", [type_changed("tangelo", "null", "number")])["tangelo"] = 5
    # A new top-level window: one added at its root.
    doc = mutate("new-window", [added("seven_day_opus_4_7", "object")])
    doc["seven_day_opus_4_7"] = {"utilization": 3.0, "resets_at": "2026-07-23T14:59:59Z"}
    # A new codename that is null.
    mutate("new-null-codename", [added("velvet_otter", "null")])["velvet_otter"] = None
    # A field added inside a window; a subtree added inside a window.
    mutate("window-field", [added("five_hour.burst", "number")])["five_hour"]["burst"] = 2
    doc = mutate("window-subtree", [added("seven_day.detail", "object")])
    doc["seven_day"]["detail"] = {"a": {"b": [1, 2]}, "c": "x"}
    # A field added to every limits item: reported once.
    doc = mutate("limits-field-all", [added("limits[].label", "string")])
    for item in doc["limits"]:
        item["label"] = "x"
    # A deep field in one item.
    doc = mutate("limits-deep-one", [added("limits[].scope.model.family", "string")])
    doc["limits"][2]["scope"]["model"]["family"] = "opus"
    # A type change found in two items: reported once.
    doc = mutate("limits-type-two", [type_changed("limits[].percent", "number", "string")])
    doc["limits"][0]["percent"] = "15%"
    doc["limits"][1]["percent"] = "48%"
    # A type change in a window.
    doc = mutate("window-type", [type_changed("five_hour.resets_at", "string", "number")])
    doc["five_hour"]["resets_at"] = 123
    # A list that became an object.
    mutate("limits-object", [type_changed("limits", "array", "object")])["limits"] = {}
    # A boolean that became a string.
    doc = mutate(
        "bool-to-string", [type_changed("member_dashboard_available", "boolean", "string")]
    )
    doc["member_dashboard_available"] = "yes"
    # Removed top-level block: once, at its root (children's parent is absent).
    del mutate("removed-block", [removed("spend")])["spend"]
    # Removed key in every limits item: once.
    doc = mutate("removed-in-items", [removed("limits[].severity")])
    for item in doc["limits"]:
        del item["severity"]
    # Removed relative to the closest variant (2025-11), not to a bigger one.
    base = load("oauth-usage-2025-11.json")
    del mutate("removed-closest", [removed("iguana_necktie")], base)["iguana_necktie"]
    # Renamed: a removed and an added key under the same parent with compatible types.
    doc = mutate("renamed-top", [renamed("member_dashboard_available", "member_dashboard_enabled")])
    doc["member_dashboard_enabled"] = doc.pop("member_dashboard_available")
    doc = mutate("renamed-nested", [renamed("spend.disclaimer", "spend.disclaimer_text")])
    doc["spend"]["disclaimer_text"] = doc["spend"].pop("disclaimer")
    # Incompatible types: stays a removed plus an added.
    doc = mutate("not-renamed", [removed("spend.percent"), added("spend.percent_label", "string")])
    del doc["spend"]["percent"]
    doc["spend"]["percent_label"] = "31%"
    # Different parents: not a rename.
    doc = mutate(
        "different-parents", [removed("spend.disclaimer"), added("spend.used.disclaimer", "string")]
    )
    doc["spend"]["used"]["disclaimer"] = doc["spend"].pop("disclaimer")
    return cases


def canon(changes: list[Json]) -> list[str]:
    """Changes as a sorted list of canonical JSON texts."""
    return sorted(json.dumps(c, sort_keys=True) for c in changes)


def test_drift_check_json_every_change_kind(tmp_path: Path) -> None:
    """One ``drift check --json`` over many files: exact changes per file, exit 1."""
    cases = drift_cases()
    files = []
    for name, (payload, _) in cases.items():
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(payload))
        files.append(path)
    result = cli("drift", "check", "--json", *files, cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    assert [entry["file"] for entry in report] == [str(f) for f in files]
    mismatches = {}
    for entry, (name, (_, expected)) in zip(report, cases.items(), strict=True):
        assert set(entry) == {"file", "changes"}
        if canon(entry["changes"]) != canon(expected):
            mismatches[name] = (entry["changes"], expected)
    assert mismatches == {}


def test_drift_check_known_fixtures_are_clean(tmp_path: Path) -> None:
    """Every known variant (the shared fixture payloads): no drift, exit 0."""
    files = sorted(PAYLOADS.glob("*.json"))
    result = cli("drift", "check", "--json", *files, cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    report = json.loads(result.stdout)
    assert len(report) == len(files)
    assert all(entry["changes"] == [] for entry in report)


def test_drift_check_text_exit_codes(tmp_path: Path) -> None:
    """0 when none drifts, 1 when any does (one of several files is enough)."""
    clean = tmp_path / "clean.json"
    clean.write_text(json.dumps(load("oauth-usage-no-session.json")))
    drifted = tmp_path / "drifted.json"
    doc = load("oauth-usage-no-session.json")
    doc["seven_day_opus_4_7"] = {"utilization": 1.0, "resets_at": None}
    drifted.write_text(json.dumps(doc))
    assert cli("drift", "check", clean, cwd=tmp_path).returncode == 0
    result = cli("drift", "check", clean, drifted, cwd=tmp_path)
    assert result.returncode == 1
    assert "seven_day_opus_4_7" in result.stdout


@pytest.mark.parametrize(
    "content", [b"[]", b"", b"{oops", b'"text"', b"42"], ids=["array", "empty", "bad", "str", "n"]
)
def test_drift_check_non_object_exits_2(tmp_path: Path, content: bytes) -> None:
    """2 when a file is not a JSON object, even next to a good file."""
    good = tmp_path / "good.json"
    good.write_text(json.dumps(load("oauth-usage-no-session.json")))
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    result = cli("drift", "check", good, bad, cwd=tmp_path)
    assert_one_line_error(result, 2)
    assert "bad.json" in result.stderr


def test_drift_check_renamed_in_every_window(tmp_path: Path) -> None:
    """A field renamed in every window is reported as ``renamed``, never as removed+added.

    (Whether it is reported once for the union of windows or once per window is not
    settled by the contract; both are accepted here.)
    """
    doc = load("oauth-usage-full-2026-07.json")
    for name in ("five_hour", "seven_day"):
        doc[name]["resets_on"] = doc[name].pop("resets_at")
    path = tmp_path / "renamed.json"
    path.write_text(json.dumps(doc))
    result = cli("drift", "check", "--json", path, cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    changes = json.loads(result.stdout)[0]["changes"]
    allowed = [
        renamed("five_hour.resets_at", "five_hour.resets_on"),
        renamed("seven_day.resets_at", "seven_day.resets_on"),
    ]
    assert changes
    assert all(change in allowed for change in changes), changes


def test_replay_emits_drift_once_per_new_variant(tmp_path: Path) -> None:
    """``replay`` emits ``drift`` events: each new variant once, with its changes."""
    base = load("oauth-usage-2025-11.json")
    new_window = copy.deepcopy(base)
    new_window["seven_day_opus_4_7"] = {"utilization": 10.0, "resets_at": None}
    new_null = copy.deepcopy(base)
    new_null["velvet_otter"] = None
    observations = [
        (at(0), base),
        (at(5), new_window),
        (at(10), new_window),
        (at(15), base),
        (at(20), new_null),
        (at(25), new_window),
    ]
    events = replay(tmp_path, observations)
    check_fields_and_order(events)
    drifts = [e for e in events if e["kind"] == "drift"]
    assert [(datetime.fromisoformat(e["observed_at"]), canon(e["changes"])) for e in drifts] == [
        (at(5), canon([added("seven_day_opus_4_7", "object")])),
        (at(20), canon([added("velvet_otter", "null")])),
    ]
    assert [e for e in events if e["kind"] != "drift"] == []


# -------------------------------------------------------------------- CLI generalities


def test_usage_error_exits_2_without_traceback(tmp_path: Path) -> None:
    """An unknown command is a usage error: exit 2, no traceback."""
    result = cli("frobnicate", cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_usage_error_is_one_line(tmp_path: Path) -> None:
    """ "Errors are one clear line on stderr": a bad option too."""
    result = cli("replay", cwd=tmp_path)
    assert_one_line_error(result, 2)


def test_install_dry_run_macos_prints_the_plist(tmp_path: Path) -> None:
    """``install --dry-run --platform macos`` prints the LaunchAgent it would write."""
    result = cli("install", "--dry-run", "--platform", "macos", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    match = re.search(r"<\?xml.*?</plist>", result.stdout, re.DOTALL)
    assert match, result.stdout
    plist = plistlib.loads(match.group(0).encode())
    assert plist["ProgramArguments"][-3:] == ["-m", "notifier", "run"]
    assert Path(plist["ProgramArguments"][0]).is_absolute()
    assert plist["RunAtLoad"] is True
    assert plist["KeepAlive"] == {"SuccessfulExit": False}
    assert plist["ThrottleInterval"] >= 30
    assert plist["LimitLoadToSessionType"] == "Aqua"
    assert re.fullmatch(r"[a-z0-9-]+(\.[A-Za-z0-9-]+){2,}", plist["Label"])
    home = Path(os.environ["HOME"])
    assert not (home / "Library").exists()


def test_install_dry_run_linux_prints_the_unit(tmp_path: Path) -> None:
    """``install --dry-run --platform linux`` prints the systemd user unit it would write."""
    result = cli("install", "--dry-run", "--platform", "linux", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "[Unit]" in out
    assert "[Service]" in out
    assert "[Install]" in out
    exec_line = next(line for line in out.splitlines() if line.startswith("ExecStart="))
    assert [w.strip('"') for w in exec_line.split()[-3:]] == ["-m", "notifier", "run"]
    assert not (Path(os.environ["HOME"]) / ".config" / "systemd").exists()


# ------------------------------------------------------------------------------ agent


def run_agent_until(env: dict[str, str], endpoint: Endpoint, requests: int, cwd: Path) -> int:
    """Start ``run``, let it poll until the server saw ``requests`` in all, SIGTERM it."""
    full = {**os.environ, **env}
    process = subprocess.Popen(
        [sys.executable, "-m", "notifier", "run"],
        cwd=cwd,
        env=full,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while len(endpoint.requests) < requests and time.monotonic() < deadline:
            assert process.poll() is None, process.communicate()
            time.sleep(0.05)
        assert len(endpoint.requests) >= requests
        time.sleep(0.3)
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert "Traceback" not in err
    assert TOKEN not in out + err
    return process.returncode


def home_text(home: Path, suffix: str) -> str:
    """Everything the agent wrote under its home in files with this suffix."""
    return "\n".join(
        p.read_text(errors="replace") for p in sorted(home.rglob(f"*{suffix}")) if p.is_file()
    )


def test_agent_fires_once_across_restart_and_archives_redacted(
    tmp_path: Path, endpoint: Endpoint
) -> None:
    """``run`` polls base_url, decides, archives a new variant redacted, with a count;
    a restart does not repeat a threshold (state persists)."""
    email = "alice.example@example.com"
    uuid = "3f2b9c1e-8d4a-4f6b-9c2e-1a2b3c4d5e6f"
    secret = "sk-ant-oat01-FAKE-SECRETSECRETSECRETSECRET"
    sentence = "Your organisation has unlocked a brand new promotional quota for this month."
    payload = load("oauth-usage-2025-11.json")
    payload["five_hour"]["utilization"] = 92
    payload["seven_day_opus_4_7"] = {
        "utilization": 1.5,
        "resets_at": "2025-11-06T03:59:59Z",
        "contact": email,
        "owner_id": uuid,
        "grant_token": secret,
        "note": sentence,
        "label": "opus_4_7",
    }
    endpoint.serve(payload)
    home = Path(os.environ["CLAUDE_USAGE_NOTIFIER_HOME"])
    env = {
        "CLAUDE_CONFIG_DIR": str(login(tmp_path)),
        "CLAUDE_USAGE_NOTIFIER_BASE_URL": endpoint.url,
        "CLAUDE_USAGE_NOTIFIER_POLL_INTERVAL_SECONDS": "1",
    }
    assert run_agent_until(env, endpoint, 2, tmp_path) == 0
    first_log = home_text(home, ".log")
    # One notification, for the highest threshold crossed, titled with the real value.
    assert first_log.count("5-hour at 92%") == 1, first_log
    assert "5-hour at 75%" not in first_log
    served_first = len(endpoint.requests)
    assert run_agent_until(env, endpoint, served_first + 2, tmp_path) == 0
    second_log = home_text(home, ".log")
    assert second_log.count("5-hour at 92%") == 1, second_log
    assert all(path == "/api/oauth/usage" for path, _ in endpoint.requests)

    bundle = tmp_path / "bundle.json"
    result = cli("drift", "export", "--output", bundle, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    text = bundle.read_text()
    for gone in (email, uuid, secret, sentence, "example.com", "SECRETSECRET"):
        assert gone not in text
    for kept in ("seven_day_opus_4_7", "contact", "owner_id", "grant_token", "note", "label"):
        assert f'"{kept}"' in text
    assert '"opus_4_7"' in text  # a short identifier-like string survives
    assert "2025-11-06T03:59:59" in text  # timestamps survive
    variants = json.loads(text)["variants"]
    assert len(variants) == 1
    variant = variants[0]
    assert variant["changes"] == [added("seven_day_opus_4_7", "object")]
    assert 4 <= variant["count"] <= len(endpoint.requests)
    first_seen = datetime.fromisoformat(variant["first_seen"])
    assert first_seen < datetime.fromisoformat(variant["last_seen"])

    # Its own observations, if it writes them, are in the recording format.
    for path in home.rglob("*.jsonl"):
        for line in path.read_text().splitlines():
            record = json.loads(line)
            assert set(record) == {"observed_at", "payload"}
            datetime.fromisoformat(record["observed_at"])
