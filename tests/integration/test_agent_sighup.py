"""SIGHUP reloads the configuration and the accepted schemas instead of ending the agent."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from tests.conftest import load_payload
from tests.integration.agent_harness import AgentRun, terminate, wait_for
from tests.integration.httpserver import Reply, ScriptedServer

pytestmark = pytest.mark.slow


def test_sighup_reloads_the_thresholds_and_a_bad_file_keeps_the_old_ones(tmp_path: Path) -> None:
    payload = load_payload("oauth-usage-2025-11.json")
    payload["five_hour"]["utilization"] = 80.0
    with ScriptedServer(default=Reply.json(payload)) as server:
        run = AgentRun(tmp_path, server.url)
        config = run.app / "config" / "config.toml"
        config.parent.mkdir(parents=True)
        config.write_text("thresholds = [95]\n")
        proc = run.start()
        try:
            assert wait_for(lambda: len(server.requests) >= 2, 20), run.log()
            assert "Claude 5-hour" not in run.log()  # 80 % is under the 95 % threshold

            config.write_text("thresholds = [75]\n")
            proc.send_signal(signal.SIGHUP)
            assert wait_for(lambda: "reloaded" in run.log(), 10), run.log()
            assert wait_for(lambda: "Claude 5-hour at 80%" in run.log(), 20), run.log()

            config.write_text('thresholds = "no"\n')
            proc.send_signal(signal.SIGHUP)
            assert wait_for(lambda: "not reloaded" in run.log(), 10), run.log()
            seen = len(server.requests)
            assert wait_for(lambda: len(server.requests) >= seen + 1, 10)  # still polling
            assert proc.poll() is None
        finally:
            code, took, err = terminate(proc)
    assert code == 0, err
    assert took < 5
    assert "Traceback" not in run.log()
