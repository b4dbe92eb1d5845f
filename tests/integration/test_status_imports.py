"""``status --payload`` loads only what it uses (issue 18: start-up within 7x a bare interpreter).

Runs the real command in a fresh interpreter and looks at ``sys.modules`` when it
is done. pydantic, the argparse command tree and the network and desktop stacks
stay out on the common path (no config file, the agent's own ``state.json``); a
config file or a state file the quick reader does not vouch for still goes through
pydantic, the one validator.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from notifier.core.models import BucketState, State
from notifier.paths import resolve
from notifier.statefile import save_state
from tests.conftest import PAYLOADS

pytestmark = pytest.mark.slow

PAYLOAD = PAYLOADS / "oauth-usage-classic-2026-03.json"
HEAVY = frozenset(
    {
        "pydantic",
        "pydantic_core",
        "notifier.core.models",
        "notifier.statefile",
        "notifier.cli.parser",
        "notifier.core.events",  # status shows paces, it builds no event
        "notifier.core.text.messages",  # the agent's notification texts
        "importlib.metadata",
        "email",
        "tomllib",
        "tempfile",
        "httpx",
        "asyncio",
        "deepdiff",
        "desktop_notifier",
        "dbus_fast",
        "platformdirs",
    }
)
"""Modules the common ``status --payload`` path must not load (platformdirs: the
tests' app home is set, as the autouse fixture does)."""

RUN = (
    "import sys\n"
    "from notifier.cli import main\n"
    "code = main(sys.argv[1:])\n"
    "sys.stderr.write(' '.join(sorted(sys.modules)))\n"
    "raise SystemExit(code)\n"
)


def run_status(*args: str) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    done = subprocess.run(
        [sys.executable, "-c", RUN, "status", *args],
        env={**os.environ, "TZ": "UTC"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return done, set(done.stderr.split())


def agent_state(path: Path) -> None:
    """A state file as the agent leaves it: a bucket with points for the pace."""
    now = datetime.now(UTC)
    save_state(
        path,
        State(
            buckets={
                "five_hour": BucketState(
                    last_utilization=40.0,
                    resets_at=now + timedelta(hours=2),
                    points=((now - timedelta(minutes=30), 30.0),),
                )
            }
        ),
    )


@pytest.mark.parametrize("as_json", [False, True])
def test_the_common_path_loads_nothing_heavy(as_json: bool) -> None:
    agent_state(resolve().state_file)
    done, loaded = run_status("--payload", str(PAYLOAD), *(["--json"] if as_json else []))
    assert done.returncode == 0
    assert not loaded & HEAVY, sorted(loaded & HEAVY)
    assert "notifier.core.stateview" in loaded  # the state was read, the quick way


def test_without_a_state_file_it_loads_nothing_heavy_either() -> None:
    done, loaded = run_status("--payload", str(PAYLOAD), "--json")
    assert done.returncode == 0
    assert not loaded & HEAVY, sorted(loaded & HEAVY)


def test_a_config_file_is_still_validated_by_pydantic() -> None:
    config = resolve().config_file
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("hysteresis = 'x'\n")
    done, loaded = run_status("--payload", str(PAYLOAD))
    assert done.returncode == 2
    assert "hysteresis" in done.stderr
    assert "pydantic" in loaded


def test_a_state_file_the_quick_reader_doubts_is_read_by_pydantic() -> None:
    path = resolve().state_file
    agent_state(path)
    doc = json.loads(path.read_text())
    path.write_text(json.dumps({**doc, "version": 1}))  # an older notifier's: migrated
    done, loaded = run_status("--payload", str(PAYLOAD), "--json")
    assert done.returncode == 0
    assert {"pydantic", "notifier.statefile"} <= loaded


def test_both_readings_of_the_state_show_the_same_status(tmp_path: Path) -> None:
    # The same memory, once as the agent's dump (quick reader) and once as an
    # older version's file (pydantic, after migration): status says the same.
    payload = tmp_path / "payload.json"
    resets_at = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=2)
    payload.write_text(
        json.dumps({"five_hour": {"utilization": 40, "resets_at": resets_at.isoformat()}})
    )
    path = resolve().state_file
    now = datetime.now(UTC)
    save_state(
        path,
        State(
            buckets={
                "five_hour": BucketState(
                    last_utilization=35.0,
                    resets_at=resets_at,
                    points=tuple(
                        (now - timedelta(minutes=m), 40.0 - m / 10) for m in (50, 40, 30, 20)
                    ),
                )
            }
        ),
    )
    quick, quick_modules = run_status("--payload", str(payload), "--json")
    doc = json.loads(path.read_text())
    path.write_text(json.dumps({**doc, "version": 1}))
    slow, slow_modules = run_status("--payload", str(payload), "--json")
    assert "pydantic" not in quick_modules
    assert "pydantic" in slow_modules
    assert quick.returncode == slow.returncode == 0
    fast_doc, slow_doc = json.loads(quick.stdout), json.loads(slow.stdout)
    fast_rows, slow_rows = fast_doc.pop("buckets"), slow_doc.pop("buckets")
    for doc in (fast_doc, slow_doc):
        doc.pop("fetched_at"), doc.pop("as_of")  # the time each ran
    assert fast_doc == slow_doc
    assert [r["name"] for r in fast_rows] == [r["name"] for r in slow_rows] == ["five_hour"]
    fast, slow = fast_rows[0], slow_rows[0]
    assert fast["rate_per_hour"] is not None  # the stored points were used
    # Pace and projection are computed from the moment each ran: alike within a second's drift.
    assert fast["resets_at"] == slow["resets_at"]
    assert abs(fast["rate_per_hour"] - slow["rate_per_hour"]) < 0.05
    assert abs(fast["pace_delta"] - slow["pace_delta"]) < 0.1
    fast_cap = datetime.fromisoformat(fast["projected_cap_at"])
    slow_cap = datetime.fromisoformat(slow["projected_cap_at"])
    assert abs(fast_cap - slow_cap) < timedelta(minutes=1)


def test_the_stale_numbers_while_rate_limited_need_no_pydantic_either() -> None:
    # No request while the agent's 429 deadline holds: the agent's last numbers, exit 3.
    from notifier.core.models import AgentState, Outcome

    now = datetime.now(UTC)
    save_state(
        resolve().state_file,
        State(
            buckets={"five_hour": BucketState(last_utilization=42.0, resets_at=now)},
            agent=AgentState(
                outcome=Outcome.RATE_LIMITED,
                backoff_until=now + timedelta(minutes=20),
                last_success_at=now - timedelta(minutes=5),
            ),
        ),
    )
    done, loaded = run_status("--json")
    assert done.returncode == 3, done.stderr
    assert json.loads(done.stdout)["buckets"][0]["utilization"] == 42.0
    assert not loaded & HEAVY, sorted(loaded & HEAVY)
