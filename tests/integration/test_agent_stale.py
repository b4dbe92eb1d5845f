"""Stale numbers and the reset poll, with an in-process agent and a fake clock.

Real parts: the pipeline, the :class:`~notifier.notify.notifier.Notifier` with a
:class:`~notifier.notify.sinks.RecordingSink`, the state file in the test's home (a
"restart" is a new Agent built from what the old one saved). Fakes: the fetcher (a
script of answers) and the clock.

Expected values come from the issue and the config: ``stale_after_minutes`` 120 by
default, so a 429 at 09:05 after a good poll at 09:00 makes the numbers stale at
11:00; the fake 429 asks for 3 h (``Retry-After``), so it also says "rate limited
until 12:05". Local time is pinned to UTC.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from notifier.agent.loop import Agent
from notifier.core.errors import RateLimited, Unreachable
from notifier.core.models import Config
from notifier.core.pipeline import Pipeline
from notifier.core.schedule import RESET_MARGIN
from notifier.core.text.messages import Message, MessageKind
from notifier.notify.notifier import Notifier
from notifier.notify.sinks import RecordingSink
from notifier.paths import resolve
from notifier.statefile import load_state
from tests.conftest import load_payload

T0 = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)


@pytest.fixture(autouse=True)
def utc_local_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The messages show local time; pin the zone so the expected text is exact."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


class Clock:
    """A wall clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class Script:
    """A fetcher answering from a list: an exception to raise or a payload."""

    def __init__(self, *steps: Exception | dict[str, Any]) -> None:
        self.steps = list(steps)
        self.calls = 0

    async def fetch(self) -> dict[str, Any]:
        self.calls += 1
        step = self.steps.pop(0)
        if isinstance(step, Exception):
            raise step
        copied: dict[str, Any] = json.loads(json.dumps(step))
        return copied


def _payload(five_hour: float, resets_at: datetime | None = None) -> dict[str, Any]:
    payload = load_payload("oauth-usage-2025-11.json")
    payload["five_hour"]["utilization"] = five_hour
    payload["five_hour"]["resets_at"] = (resets_at or T0 + timedelta(hours=4)).isoformat()
    return payload


def _config(**overrides: Any) -> Config:
    base: dict[str, Any] = {"poll_interval_seconds": 300, "poll_jitter_seconds": 0}
    base.update(overrides)
    return Config(**base)


def _agent(config: Config, fetcher: Script, sink: RecordingSink, clock: Any, **extra: Any) -> Agent:
    """An agent built as the daemon builds it: state (the rules' and its own) from disk."""
    state, warnings = load_state(resolve().state_file)
    assert warnings == []
    return Agent(
        config=config,
        paths=resolve(),
        client=fetcher,
        pipeline=Pipeline(config, state),
        notifier=Notifier(sink, "recording (test)", config),
        agent_state=state.agent,
        clock=clock,
        **extra,
    )


def _kinds(sink: RecordingSink) -> list[MessageKind]:
    return [message.kind for message in sink.sent]


def _only(sink: RecordingSink, kind: MessageKind) -> Message:
    (message,) = [m for m in sink.sent if m.kind is kind]
    return message


def _rate_limited() -> RateLimited:
    return RateLimited("the usage endpoint is rate limiting us (429)", retry_after=3 * 3600)


async def test_stale_numbers_are_told_once_across_a_restart_and_fresh_again_once() -> None:
    config = _config()
    clock = Clock(T0)
    sink = RecordingSink()
    fetcher = Script(_payload(80.0), _rate_limited())
    agent = _agent(config, fetcher, sink, clock)

    await agent.poll_once()  # 09:00: good numbers, 80 % crosses 75 %
    assert _kinds(sink) == [MessageKind.THRESHOLD]
    clock.now = T0 + 5 * MIN
    deadline = await agent.poll_once()  # 09:05: 429, come back in 3 h
    assert deadline == T0 + 5 * MIN + timedelta(hours=3)
    assert agent.agent_state.failing_since == T0 + 5 * MIN

    # While waiting: just before 2 h nothing, at 2 h the notice, without a poll.
    clock.now = T0 + 119 * MIN
    await agent.check_stale(clock.now)
    assert _kinds(sink) == [MessageKind.THRESHOLD]
    clock.now = T0 + 120 * MIN
    await agent.check_stale(clock.now)
    assert fetcher.calls == 2
    stale = _only(sink, MessageKind.STALE)
    assert stale.title == "Claude usage numbers are stale"
    assert stale.body == (
        "No fresh numbers since 09:00 (2 h ago): rate limited until 12:05.\n"
        "Last known: 5-hour at 80%.\n"
        "Checks go on; you will be told when fresh numbers are back."
    )
    assert agent.agent_state.stale_told is True
    saved = json.loads(resolve().state_file.read_text())["agent"]
    assert saved["stale_told"] is True  # persisted at once, not only at the next poll

    # A restart: the new agent knows it told (and still knows the last numbers).
    clock.now = T0 + 150 * MIN
    fetcher = Script(Unreachable("cannot reach the usage endpoint"), _payload(81.0), _payload(81.0))
    agent = _agent(config, fetcher, sink, clock)
    await agent.check_stale(clock.now)
    await agent.poll_once()  # still failing
    assert _kinds(sink).count(MessageKind.STALE) == 1

    # Fresh numbers: told once more, then nothing.
    clock.now = T0 + 160 * MIN
    await agent.poll_once()
    fresh = _only(sink, MessageKind.FRESH)
    assert fresh.body == (
        "Usage checks work again after 2 h 40 min without fresh numbers.\n"
        "Closest to its limit: 5-hour at 81%."
    )
    assert agent.agent_state.stale_told is False
    assert agent.agent_state.failing_since is None
    clock.now = T0 + 165 * MIN
    await agent.poll_once()
    assert _kinds(sink) == [MessageKind.THRESHOLD, MessageKind.STALE, MessageKind.FRESH]


async def test_a_laptop_waking_after_a_night_says_nothing_when_the_wifi_comes_back() -> None:
    config = _config()
    clock = Clock(T0)
    sink = RecordingSink()
    fetcher = Script(
        _payload(10.0),
        Unreachable("cannot reach the usage endpoint"),
        Unreachable("cannot reach the usage endpoint"),
        _payload(10.0),
    )
    agent = _agent(config, fetcher, sink, clock)
    await agent.poll_once()
    # 8 h later: the first two polls beat the Wi-Fi, the third gets through.
    for minutes in (480, 480.5, 481.5):
        clock.now = T0 + minutes * MIN
        await agent.poll_once()
    assert sink.sent == []


async def test_a_notification_held_by_the_cap_says_how_old_its_numbers_are() -> None:
    config = _config(max_notifications_per_hour=1)
    clock = Clock(T0)
    sink = RecordingSink()
    fetcher = Script(_payload(80.0), _payload(92.0), _payload(92.0))
    agent = _agent(config, fetcher, sink, clock)
    await agent.poll_once()  # 09:00: 75 % crossed, sent (the hour's one)
    clock.now = T0 + 10 * MIN
    await agent.poll_once()  # 09:10: 90 % crossed, held by the cap
    assert len(sink.sent) == 1
    clock.now = T0 + 61 * MIN
    await agent.poll_once()  # 10:01: the hour is over, the held one goes out
    first, late = sink.sent
    assert "(numbers from" not in first.body
    assert late.title == "Claude 5-hour at 92%"  # the real value (issue 12)
    assert late.body.endswith("\n(numbers from 09:10, 51 min ago)")


async def test_a_reset_due_before_the_next_poll_gets_one_poll_just_after_it() -> None:
    config = _config()
    clock = Clock(T0)
    sink = RecordingSink()
    resets_at = T0 + 2 * MIN
    new_window = resets_at + timedelta(hours=5)
    fetcher = Script(_payload(80.0, resets_at), _payload(0.0, new_window))
    agent = _agent(config, fetcher, sink, clock)

    deadline = await agent.poll_once()  # 80 % crossed: its reset will be notified
    assert deadline == resets_at + RESET_MARGIN  # not 09:05
    assert agent.agent_state.reset_polls == (resets_at,)

    # A restart before that poll polls at once; the reset does not get a second one.
    fetcher = Script(_payload(80.0, resets_at), _payload(0.0, new_window))
    agent = _agent(config, fetcher, sink, clock)
    clock.now = T0 + 1 * MIN
    assert await agent.poll_once() == clock.now + timedelta(seconds=300)

    clock.now = resets_at + RESET_MARGIN
    await agent.poll_once()
    assert _kinds(sink) == [MessageKind.THRESHOLD, MessageKind.RESET]
    assert agent.agent_state.reset_polls == ()  # behind us: forgotten


async def test_a_reset_nobody_is_told_about_gets_no_extra_poll() -> None:
    config = _config()
    clock = Clock(T0)
    fetcher = Script(_payload(10.0, T0 + 2 * MIN))  # below every threshold
    agent = _agent(config, fetcher, RecordingSink(), clock)
    assert await agent.poll_once() == T0 + timedelta(seconds=300)


# --------------------------------------------------------------------------- the real wait


class FastClock:
    """Wall and monotonic time running ``speed`` times faster than real time, in step
    (so the agent sees no clock jump)."""

    def __init__(self, start: datetime, speed: float) -> None:
        self.start, self.speed, self.origin = start, speed, time.monotonic()

    def wall(self) -> datetime:
        return self.start + timedelta(seconds=(time.monotonic() - self.origin) * self.speed)

    def monotonic(self) -> float:
        return self.origin + (time.monotonic() - self.origin) * self.speed


async def _until(predicate: Any, within: float) -> None:
    end = time.monotonic() + within
    while time.monotonic() < end:
        if predicate():
            return
        await asyncio.sleep(0.005)


class TimedSink(RecordingSink):
    """Records when (in fake wall time) each message came, and how many polls had run."""

    def __init__(self, clock: FastClock) -> None:
        super().__init__()
        self.clock = clock
        self.at: list[datetime] = []
        self.polls_before: list[int] = []
        self.fetcher: Script | None = None

    async def send(self, message: Message) -> Any:
        self.at.append(self.clock.wall())
        self.polls_before.append(self.fetcher.calls if self.fetcher else -1)
        return await super().send(message)


async def test_the_running_agent_tells_at_the_stale_moment_not_at_the_next_poll() -> None:
    # An hour of wall time per real second: 30 min stale limit, a 429 asking for 1 h.
    config = _config(stale_after_minutes=30)
    clock = FastClock(T0, speed=3600)
    sink = TimedSink(clock)
    fetcher = Script(
        _payload(10.0),
        RateLimited("the usage endpoint is rate limiting us (429)", retry_after=3600),
        _payload(10.0),
    )
    sink.fetcher = fetcher
    agent = _agent(
        config,
        fetcher,
        sink,
        clock.wall,
        monotonic=clock.monotonic,
        check_every=timedelta(seconds=0.01),  # slices are slept in real seconds
    )
    stop = asyncio.Event()
    task = asyncio.create_task(agent.run(stop))
    try:
        await _until(lambda: len(sink.sent) >= 2 or task.done(), within=20)
    finally:
        stop.set()
        await asyncio.wait_for(task, 5)
    assert _kinds(sink) == [MessageKind.STALE, MessageKind.FRESH]
    stale_at, fresh_at = sink.at
    # The good poll at 09:00, the 429 at ~09:05 (until ~10:05): stale at 09:30, told
    # by the wait after those two polls, not by the third that brings the numbers back.
    # (The upper bound leaves half a real second for a busy machine.)
    assert sink.polls_before == [2, 3]
    assert T0 + 30 * MIN <= stale_at < T0 + 60 * MIN, stale_at
    assert fresh_at >= T0 + 65 * MIN, fresh_at
