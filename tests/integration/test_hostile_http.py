"""A hostile server on a real socket: compression bombs and odd encodings.

Each case runs the real program as a subprocess and measures its peak RSS
(``os.wait4`` gives the child's own ``ru_maxrss``), so "bounded memory" is a
number, not a hope: a 256 MiB bomb must be stopped at the 4 MiB cap with the
process staying under 100 MB.
"""

from __future__ import annotations

import functools
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.integration.agent_harness import AgentRun, wait_for
from tests.integration.httpserver import Reply, ScriptedServer, zeros

pytestmark = pytest.mark.slow

PROG = "claude-usage-notifier: "
TOKEN = "sk-ant-oat01-FAKE-HOSTILE-TOKEN-000111222333"
BOMB_BYTES = 256 * 1024 * 1024
MAX_RSS_KIB = 100 * 1024


@dataclass(frozen=True)
class Measured:
    returncode: int
    stdout: str
    stderr: str
    peak_kib: int


# Linux charges a child's ru_maxrss with its parent's RSS at fork time (kept across
# exec), and pytest grows past 100 MB over a full run. So the program runs under a
# small fresh Python that forks it and reports the grandchild's own peak (wait4),
# forwarding SIGTERM to it.
_MEASURE = """
import os, signal, subprocess, sys
child = subprocess.Popen(sys.argv[2:])
signal.signal(signal.SIGTERM, lambda *_: child.send_signal(signal.SIGTERM))
_, status, usage = os.wait4(child.pid, 0)
with open(sys.argv[1], "w") as report:
    report.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def measured(args: list[str], folder: Path) -> list[str]:
    """``args`` run under the measuring wrapper (its report lands in ``folder``)."""
    return [sys.executable, "-c", _MEASURE, str(folder / "peak"), *args]


def wait_measured(proc: subprocess.Popen[bytes], out: Path, err: Path) -> Measured:
    """Wait for the wrapper: the program's exit code and its own peak RSS (KiB on Linux)."""
    code = proc.wait(timeout=120)
    peak = int((out.parent / "peak").read_text())
    return Measured(code, out.read_text(), err.read_text(), peak)


@functools.cache
def bomb(encodings: tuple[str, ...]) -> Reply:
    """256 MiB of zeros under ``encodings`` (cached: compressing takes a second)."""
    return Reply.compressed(zeros(BOMB_BYTES), encodings)


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    with ScriptedServer() as running:
        yield running


def status_env(tmp_path: Path, url: str) -> dict[str, str]:
    folder = tmp_path / "claude"
    folder.mkdir(exist_ok=True)
    login = {"claudeAiOauth": {"accessToken": TOKEN, "expiresAt": 4102444800000}}
    (folder / ".credentials.json").write_text(json.dumps(login))
    return {
        **os.environ,
        "TZ": "UTC",
        "CLAUDE_CONFIG_DIR": str(folder),
        "CLAUDE_USAGE_NOTIFIER_BASE_URL": url,
    }


def status_measured(tmp_path: Path, url: str) -> Measured:
    """``status --json`` as a child of this process, reaped by ``wait4``."""
    env = status_env(tmp_path, url)
    with tempfile.TemporaryDirectory() as folder:
        out, err = Path(folder) / "out", Path(folder) / "err"
        with out.open("wb") as o, err.open("wb") as e:
            proc = subprocess.Popen(
                measured([sys.executable, "-m", "notifier", "status", "--json"], Path(folder)),
                env=env,
                stdout=o,
                stderr=e,
            )
        return wait_measured(proc, out, err)


def one_line(done: Measured, code: int) -> str:
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith(PROG)
    return done.stderr.removeprefix(PROG).rstrip("\n")


BOMBS = [("gzip",), ("deflate",), ("raw-deflate",), ("gzip", "gzip"), ("deflate", "gzip")]


@pytest.mark.parametrize("encodings", BOMBS, ids=lambda e: "+".join(e))
def test_a_compression_bomb_stops_at_the_cap_in_bounded_memory(
    tmp_path: Path, server: ScriptedServer, encodings: tuple[str, ...]
) -> None:
    reply = bomb(encodings)
    assert len(reply.body) < 2 * 1024 * 1024  # small on the wire, 256 MiB decoded
    server.script(reply)
    done = status_measured(tmp_path, server.url)
    message = one_line(done, 3)
    assert "more than 4 MiB (decoded): not a usage payload" in message
    assert 0 < done.peak_kib < MAX_RSS_KIB, f"peak RSS {done.peak_kib} KiB"


def test_a_stacked_small_body_is_decoded(tmp_path: Path, server: ScriptedServer) -> None:
    payload = {"five_hour": {"utilization": 42.0, "resets_at": None}}
    server.script(Reply.compressed(json.dumps(payload).encode(), ["gzip", "deflate", "gzip"]))
    done = status_measured(tmp_path, server.url)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["buckets"][0]["utilization"] == 42.0


@pytest.mark.parametrize("encoding", ["br", "zstd", "compress"])
def test_an_encoding_we_did_not_ask_for_exits_3(
    tmp_path: Path, server: ScriptedServer, encoding: str
) -> None:
    server.script(Reply.raw(b"\x8b\x00garbage", headers={"Content-Encoding": encoding}))
    message = one_line(status_measured(tmp_path, server.url), 3)
    assert f"an encoding we did not ask for ({encoding})" in message
    # We only ever offer what we can undo.
    assert server.requests[0].header("accept-encoding") == "gzip, deflate"


def test_the_agent_logs_one_line_for_a_bomb_and_stays_small(
    tmp_path: Path, server: ScriptedServer
) -> None:
    server.default = bomb(("gzip", "gzip"))
    run = AgentRun(tmp_path, server.url)
    with tempfile.TemporaryDirectory() as folder:
        out, err = Path(folder) / "out", Path(folder) / "err"
        with out.open("wb") as o, err.open("wb") as e:
            proc = subprocess.Popen(
                measured([sys.executable, "-m", "notifier", "run"], Path(folder)),
                env=run.env(),
                stdout=o,
                stderr=e,
            )
        try:
            assert wait_for(lambda: "bad_response" in run.log(), 30), run.log()
            assert wait_for(lambda: len(server.requests) >= 3, 30)
        finally:
            proc.send_signal(signal.SIGTERM)
        done = wait_measured(proc, out, err)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in run.log()
    bomb_lines = [line for line in run.log().splitlines() if "MiB (decoded)" in line]
    assert len(bomb_lines) == 1, run.log()  # one line per change of outcome, not per poll
    assert 0 < done.peak_kib < MAX_RSS_KIB, f"peak RSS {done.peak_kib} KiB"


# ------------------------------------------------------------------ tokens and terminals

MALFORMED_TOKENS = [
    "sk-ant-oat01-abc\r\nX-Injected: 1",
    "sk-ant-oat01 with spaces",
    "sk-ant-oat01-\x1b[2J",
    "sk-ant-oat01-caf\u00e9",
    "sk-ant-oat01-tab\there",
]


@pytest.mark.parametrize("token", MALFORMED_TOKENS, ids=range(len(MALFORMED_TOKENS)))
def test_a_malformed_token_is_refused_before_any_request(
    tmp_path: Path, server: ScriptedServer, token: str
) -> None:
    env = status_env(tmp_path, server.url)
    login = {"claudeAiOauth": {"accessToken": token, "expiresAt": 4102444800000}}
    (tmp_path / "claude" / ".credentials.json").write_text(json.dumps(login))
    done = subprocess.run(
        [sys.executable, "-m", "notifier", "status", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 3, done.stderr
    assert done.stderr.count("\n") == 1
    assert "malformed access token" in done.stderr
    assert server.requests == []
    for part in token.split():
        if len(part) > 6:
            assert part not in done.stderr + done.stdout


def test_control_characters_from_the_server_never_reach_the_terminal(
    tmp_path: Path, server: ScriptedServer
) -> None:
    key = "five_hour\x1b]0;pwned\x07\x9b2J\u202e"
    server.script(Reply.json({key: {"utilization": 91.0, "resets_at": None}}))
    env = status_env(tmp_path, server.url)
    done = subprocess.run(
        [sys.executable, "-m", "notifier", "status"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Five Hour]0;pwned2j" in done.stdout  # the label, its controls gone
    assert not any(ch in done.stdout + done.stderr for ch in "\x1b\x07\x9b\u202e")


# ------------------------------------------------------------------ huge payloads


def huge_payload(windows: int) -> dict[str, object]:
    payload: dict[str, object] = {
        f"zz_{i:05d}_{'k' * 40}": {"utilization": 1.0, "resets_at": None} for i in range(windows)
    }
    payload["five_hour"] = {"utilization": 80.0, "resets_at": "2099-01-01T00:00:00+00:00"}
    return payload


def test_a_huge_payload_is_judged_not_compared_and_sigterm_still_answers(
    tmp_path: Path, server: ScriptedServer
) -> None:
    reply = Reply.json(huge_payload(30_000))
    assert len(reply.body) > 2 * 1024 * 1024
    server.default = reply
    run = AgentRun(tmp_path, server.url)
    proc = run.start()
    try:
        assert wait_for(lambda: "too large to compare" in run.log(), 60), run.log()
        # The healthy bucket's event still goes out (the log sink, notify = log).
        assert wait_for(lambda: "Claude 5-hour at 80%" in run.log(), 30), run.log()[-2000:]
        assert wait_for(lambda: len(server.requests) >= 2, 30)
    finally:
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    assert time.monotonic() - started < 5
    assert proc.returncode == 0, err
    log = run.log()
    assert "Traceback" not in log
    assert log.count("too large to compare") == 1  # said once, not every poll
