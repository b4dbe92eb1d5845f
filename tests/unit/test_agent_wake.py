"""Sleep and wake, in-process, on virtual time: a wall-clock jump gives one poll after waking.

The agent gets a virtual clock: its sleeper advances the monotonic and the wall
clock together at once, and a scheduled jump moves only the wall clock (the
laptop slept). With a 300 s interval, a jump of 8 hours leaves 96 polls
"missed": the agent must make exactly one, and only after the settle pause
(``schedule.WAKE_SETTLE``, 10 s). No real time passes, so the test cannot be
flaky on a loaded machine.
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
from notifier.core.models import AgentState, Config, Outcome
from notifier.core.pipeline import Pipeline
from notifier.core.schedule import WAKE_SETTLE
from notifier.paths import resolve
from tests.conftest import load_payload

T0 = datetime(2025, 11, 20, 9, 0, tzinfo=UTC)


class VirtualTime:
    """Monotonic seconds and a wall clock that only the agent's own sleeps move."""

    def __init__(self) -> None:
        self.mono = 0.0
        self.offset = timedelta(0)
        self.jumps: list[tuple[float, timedelta]] = []  # (at monotonic second, wall jump)

    def now(self) -> datetime:
        return T0 + timedelta(seconds=self.mono) + self.offset

    def monotonic(self) -> float:
        return self.mono

    async def sleep(self, seconds: float, stop: asyncio.Event) -> None:
        if stop.is_set():
            return
        self.mono += seconds
        for jump in [j for j in self.jumps if j[0] <= self.mono]:
            self.jumps.remove(jump)
            self.offset += jump[1]
        await asyncio.sleep(0)  # let the test's task run


class CountingFetcher:
    def __init__(self, time_: VirtualTime, stop: asyncio.Event, polls: int) -> None:
        self.time = time_
        self.stop = stop
        self.polls = polls
        self.at: list[datetime] = []
        self.fetched = asyncio.Event()

    async def fetch(self) -> dict[str, Any]:
        self.at.append(self.time.now())
        self.fetched.set()
        if len(self.at) >= self.polls:
            self.stop.set()
        return load_payload("oauth-usage-low-usage.json")


class QuietNotifier:
    async def publish(
        self, events: Sequence[Event], buckets: Sequence[Bucket], now: datetime
    ) -> None:
        del events, buckets, now

    async def login_expired(
        self, message: str, now: datetime, *, never_logged_in: bool = False
    ) -> bool:
        del message, now, never_logged_in
        return True

    async def login_ok(self) -> None:
        pass


def _agent(config: Config, fetcher: CountingFetcher, time_: VirtualTime) -> Agent:
    return Agent(
        config=config,
        paths=resolve(),
        client=fetcher,
        pipeline=Pipeline(config),
        notifier=QuietNotifier(),
        agent_state=AgentState(),
        clock=time_.now,
        monotonic=time_.monotonic,
        sleep=time_.sleep,
    )


async def test_wake_after_hours_polls_once_after_settling() -> None:
    config = Config(poll_interval_seconds=300, poll_jitter_seconds=0)
    time_, stop = VirtualTime(), asyncio.Event()
    time_.jumps.append((60.0, timedelta(hours=8)))  # asleep from 60 s into the first wait
    fetcher = CountingFetcher(time_, stop, polls=3)
    await asyncio.wait_for(_agent(config, fetcher, time_).run(stop), 5)
    first, after_wake, regular = fetcher.at
    assert first == T0
    woke_at = T0 + timedelta(seconds=60, hours=8)
    # Not at once (Wi-Fi needs a moment), not one per missed interval: one, after the pause.
    assert woke_at + WAKE_SETTLE <= after_wake <= woke_at + WAKE_SETTLE + timedelta(seconds=16)
    assert regular - after_wake == timedelta(seconds=300), "then the normal interval again"


async def test_without_a_jump_the_polls_keep_the_interval() -> None:
    config = Config(poll_interval_seconds=300, poll_jitter_seconds=0)
    time_, stop = VirtualTime(), asyncio.Event()
    fetcher = CountingFetcher(time_, stop, polls=3)
    agent = _agent(config, fetcher, time_)
    await asyncio.wait_for(agent.run(stop), 5)
    assert [at - T0 for at in fetcher.at] == [timedelta(seconds=s) for s in (0, 300, 600)]
    assert agent.agent_state.outcome is Outcome.OK


async def test_stop_ends_the_wait_at_once() -> None:
    config = Config(poll_interval_seconds=300, poll_jitter_seconds=0)
    stop = asyncio.Event()
    fetcher = CountingFetcher(VirtualTime(), stop, polls=1_000)
    agent = Agent(
        config=config,
        paths=resolve(),
        client=fetcher,
        pipeline=Pipeline(config),
        notifier=QuietNotifier(),
        agent_state=AgentState(),
    )
    task = asyncio.create_task(agent.run(stop))
    # The poll at start, on real time: this test is about the real sleeper.
    await asyncio.wait_for(fetcher.fetched.wait(), 2)
    started = time.monotonic()
    stop.set()
    await asyncio.wait_for(task, 2)
    assert time.monotonic() - started < 0.5
    assert resolve().state_file.exists()
