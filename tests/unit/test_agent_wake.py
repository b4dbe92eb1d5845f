"""Sleep and wake, in-process: a wall-clock jump gives one poll soon after waking, not a burst.

The agent gets a fake wall clock (real monotonic time plus an offset the test
moves) and a fake fetcher; everything else is real. With a 300 s interval, a
jump of 8 hours leaves 96 polls "missed": the agent must make exactly one, and
only after the short settle pause (``schedule.wake_settle``: 10 s here).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from notifier.agent.loop import Agent
from notifier.core.buckets import Bucket
from notifier.core.events import Event
from notifier.core.models import AgentState, Config
from notifier.core.pipeline import Pipeline
from notifier.paths import resolve
from tests.conftest import load_payload

T0 = datetime(2025, 11, 20, 9, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self) -> None:
        self.start = time.monotonic()
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return T0 + timedelta(seconds=time.monotonic() - self.start) + self.offset


class CountingFetcher:
    def __init__(self) -> None:
        self.calls = 0

    async def fetch(self) -> dict[str, Any]:
        self.calls += 1
        return load_payload("oauth-usage-low-usage.json")


class QuietNotifier:
    async def publish(
        self, events: Sequence[Event], buckets: Sequence[Bucket], now: datetime
    ) -> None:
        del events, buckets, now

    async def login_expired(
        self, message: str, now: datetime, *, never_logged_in: bool = False
    ) -> None:
        del never_logged_in
        del message, now

    async def login_ok(self) -> None:
        pass


async def _until(predicate: Any, within: float) -> bool:
    end = time.monotonic() + within
    while time.monotonic() < end:
        if predicate():
            return True
        await asyncio.sleep(0.01)
    return bool(predicate())


async def test_wake_after_hours_polls_once_after_settling() -> None:
    config = Config(poll_interval_seconds=300, poll_jitter_seconds=0)
    clock, fetcher = FakeClock(), CountingFetcher()
    agent = Agent(
        config=config,
        paths=resolve(),
        client=fetcher,
        pipeline=Pipeline(config),
        notifier=QuietNotifier(),
        agent_state=AgentState(),
        clock=clock,
        check_every=timedelta(seconds=0.05),
    )
    stop = asyncio.Event()
    task = asyncio.create_task(agent.run(stop))
    try:
        assert await _until(lambda: fetcher.calls == 1, 2)  # the poll at start
        clock.offset += timedelta(hours=8)  # the laptop slept
        await asyncio.sleep(0.3)
        assert fetcher.calls == 1, "polled before the settle pause: a burst, or no settle"
        clock.offset += timedelta(seconds=10)  # the settle pause has passed
        assert await _until(lambda: fetcher.calls == 2, 2)
        await asyncio.sleep(0.3)
        assert fetcher.calls == 2, "one poll after the wake, not one per missed interval"
    finally:
        stop.set()
        await asyncio.wait_for(task, 2)
    assert agent.agent_state.outcome == "ok"


async def test_stop_ends_the_wait_at_once() -> None:
    config = Config(poll_interval_seconds=300, poll_jitter_seconds=0)
    fetcher = CountingFetcher()
    agent = Agent(
        config=config,
        paths=resolve(),
        client=fetcher,
        pipeline=Pipeline(config),
        notifier=QuietNotifier(),
        agent_state=AgentState(),
    )
    stop = asyncio.Event()
    task = asyncio.create_task(agent.run(stop))
    assert await _until(lambda: fetcher.calls == 1, 2)
    started = time.monotonic()
    stop.set()
    await asyncio.wait_for(task, 2)
    assert time.monotonic() - started < 0.5
    assert resolve().state_file.exists()
