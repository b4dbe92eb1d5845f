"""The spool hand-over, with an in-process agent: statusline readings spare polls, safely.

Real parts: the pipeline (rules, and the shipped schemas where drift matters),
the Notifier with a RecordingSink, the state file, the history and the spool
in a temp home; the spool is written by :func:`notifier.spool.write`, as the
``statusline`` command writes it. Fakes: the fetcher (the endpoint) and the
clock. :class:`FakeTime` moves the wall and the monotonic clock together, a
fixed step each time the loop looks at the monotonic clock, so ``Agent.run``
itself (not a copy of its loop) lives through two fake hours in a fraction of
a second, and a slow test machine changes nothing.

Expected figures come from the rules in ``core.passive``: with a fresh
reading at every deadline the endpoint is asked only when 30 minutes have
passed since the last request; readings as old as the poll interval (or older
than 10 minutes) are ignored, so the agent polls at its interval.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from notifier import schemas, spool
from notifier.agent.loop import Agent
from notifier.core.models import AgentState, BucketState, Config, State
from notifier.core.pipeline import Pipeline
from notifier.core.text.messages import MessageKind
from notifier.notify.notifier import Notifier
from notifier.notify.sinks import RecordingSink
from notifier.paths import resolve
from tests.conftest import load_payload

T0 = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
FIVE_RESET = T0 + timedelta(hours=4)
WEEK_RESET = T0 + timedelta(days=5)
STEP = timedelta(seconds=5)  # fake time per look at the monotonic clock
FLOOR = timedelta(minutes=30)


def _config(interval: timedelta = timedelta(minutes=5)) -> Config:
    return Config(
        poll_interval_seconds=interval.total_seconds(),
        poll_jitter_seconds=0,
        notify="log",
    )


def _five_hour_at(moment: datetime) -> float:
    """The true 5-hour use: rising slowly (0.1 point a minute), below every threshold."""
    return 20.0 + (moment - T0).total_seconds() / 600


def _payload(moment: datetime) -> dict[str, Any]:
    payload = load_payload("oauth-usage-2025-11.json")
    payload["five_hour"] = {
        "utilization": _five_hour_at(moment),
        "resets_at": FIVE_RESET.isoformat(),
    }
    payload["seven_day"] = {"utilization": 35.0, "resets_at": WEEK_RESET.isoformat()}
    return payload


def _reading(read_at: datetime, five: float | None = None) -> dict[str, Any]:
    """Claude Code's rate_limits at ``read_at``, as the statusline command spools them."""
    rate_limits = {
        "five_hour": {
            "used_percentage": _five_hour_at(read_at) if five is None else five,
            "resets_at": int(FIVE_RESET.timestamp()),
        },
        "seven_day": {"used_percentage": 35.00000000000001, "resets_at": WEEK_RESET.timestamp()},
    }
    document = spool.document(rate_limits, read_at.timestamp())
    assert document is not None
    return document


class FakeTime:
    """Wall and monotonic clocks that advance together, ``STEP`` per monotonic look."""

    def __init__(self, on_tick: Callable[[datetime], None] | None = None) -> None:
        self.now = T0
        self._mono = 0.0
        self.on_tick = on_tick

    def wall(self) -> datetime:
        return self.now

    def monotonic(self) -> float:
        self.now += STEP
        self._mono += STEP.total_seconds()
        if self.on_tick is not None:
            self.on_tick(self.now)
        return self._mono


class Endpoint:
    """The usage endpoint: the true numbers at the fake time of each request."""

    def __init__(self, clock: FakeTime) -> None:
        self.clock = clock
        self.asked: list[datetime] = []

    async def fetch(self) -> dict[str, Any]:
        self.asked.append(self.clock.now)
        return _payload(self.clock.now)


async def _agent(
    config: Config,
    clock: FakeTime,
    *,
    state: State | None = None,
    agent_state: AgentState | None = None,
    known: bool = False,
) -> tuple[Agent, Endpoint, RecordingSink]:
    sink = RecordingSink()
    notifier = await Notifier.create(config, sink=sink)
    endpoint = Endpoint(clock)
    agent = Agent(
        config=config,
        paths=resolve(),
        client=endpoint,
        pipeline=Pipeline(config, state, schemas.load_known([]) if known else None),
        notifier=notifier,
        agent_state=agent_state or AgentState(),
        clock=clock.wall,
        monotonic=clock.monotonic,
        check_every=timedelta(milliseconds=1),
    )
    return agent, endpoint, sink


async def _live(
    config: Config, *, reading_every: timedelta | None, reading_age: timedelta = timedelta(0)
) -> tuple[Agent, Endpoint]:
    """Run the agent for two fake hours while Claude Code refreshes its statusline."""
    stop = asyncio.Event()
    state_dir = str(resolve().state_dir)
    end = T0 + timedelta(hours=2)
    last_written: list[datetime] = []

    def tick(now: datetime) -> None:
        if now >= end:
            stop.set()
        if reading_every is None:
            return
        if not last_written or now - last_written[-1] >= reading_every:
            last_written.append(now)
            spool.write(state_dir, _reading(now - reading_age))

    clock = FakeTime(tick)
    agent, endpoint, _ = await _agent(config, clock)
    await asyncio.wait_for(agent.run(stop), 30)
    return agent, endpoint


def _gaps(times: list[datetime]) -> list[timedelta]:
    return [b - a for a, b in itertools.pairwise(times)]


# --------------------------------------------------------------------------- one deadline


async def test_a_fresh_reading_skips_the_poll_and_feeds_only_its_windows() -> None:
    config = _config()
    clock = FakeTime()
    earlier = T0 - timedelta(minutes=5)
    remembered = State(
        buckets={
            "five_hour": BucketState(last_utilization=20.0, resets_at=FIVE_RESET),
            "seven_day": BucketState(last_utilization=35.0, resets_at=WEEK_RESET),
            "seven_day_opus": BucketState(
                fired=(75.0,), last_utilization=80.0, resets_at=WEEK_RESET, crossed_in_window=True
            ),
        }
    )
    agent, endpoint, sink = await _agent(
        config,
        clock,
        state=remembered,
        agent_state=AgentState(outcome="ok", last_poll_at=earlier, last_success_at=earlier),
        known=True,  # drift detection on: the reading must not look like a payload
    )
    read_at = T0 - timedelta(minutes=1)
    spool.write(str(resolve().state_dir), _reading(read_at, five=80.00000000000001))

    deadline = await agent.use_reading()

    assert endpoint.asked == []  # the poll was spared
    assert deadline == T0 + timedelta(minutes=5)  # the regular interval, under the floor
    # the 5-hour window crossed 75 % through the reading: one notification
    assert [m.kind for m in sink.sent] == [MessageKind.THRESHOLD]
    buckets = agent.pipeline.state.buckets
    assert buckets["five_hour"].last_utilization == 80.0
    assert buckets["five_hour"].fired == (75.0,)
    # the buckets only the endpoint has are untouched, not reset, not forgotten
    assert buckets["seven_day_opus"] == remembered.buckets["seven_day_opus"]
    assert agent.pipeline.last_drift is None
    # the endpoint's memory is as it was; the reading is remembered as used
    saved = json.loads(resolve().state_file.read_text())
    assert datetime.fromisoformat(saved["agent"]["last_poll_at"]) == earlier
    assert datetime.fromisoformat(saved["agent"]["last_reading_at"]) == read_at
    assert saved["buckets"]["five_hour"]["last_utilization"] == 80.0
    # the history says where the observation came from, so replay treats it the same
    line = json.loads(resolve().history_file.read_text().splitlines()[-1])
    assert line == {
        "observed_at": read_at.isoformat(),
        "payload": {"five_hour": {"utilization": 80.0, "resets_at": FIVE_RESET.isoformat()}}
        | {"seven_day": {"utilization": 35.0, "resets_at": WEEK_RESET.isoformat()}},
        "source": "statusline",
    }

    # The same reading is not used twice: the next deadline asks the endpoint.
    clock.now = T0 + timedelta(minutes=3)
    assert await agent.use_reading() is None


async def test_a_reading_keeps_the_extra_poll_just_after_an_expected_reset() -> None:
    """A reading stands in for an ok poll, so the reset schedule applies after it too.

    Interval 10 minutes: the poll 10 minutes before the 5-hour reset leaves the regular
    deadline on the reset itself (no extra poll yet: reset + 30 s is not earlier). The
    reading 5 minutes before the reset would wait the full interval, to 5 minutes past
    it; the reset rule brings the next deadline to reset + 30 s, once.
    """
    from notifier.core.schedule import RESET_MARGIN

    # "always": the 5-hour window (at ~40 %) crossed no threshold, and with the default
    # "crossed" its reset would not be told, so it would get no extra poll at all.
    config = _config(interval=timedelta(minutes=10)).model_copy(
        update={"reset_notifications": "always"}
    )
    clock = FakeTime()
    agent, endpoint, _ = await _agent(config, clock)
    clock.now = FIVE_RESET - timedelta(minutes=10)
    deadline = await agent.poll_once()
    assert deadline == FIVE_RESET
    assert agent.agent_state.reset_polls == ()
    clock.now = FIVE_RESET - timedelta(minutes=5)
    spool.write(str(resolve().state_dir), _reading(clock.now - timedelta(seconds=10)))

    deadline = await agent.use_reading()

    assert deadline == FIVE_RESET + RESET_MARGIN
    assert len(endpoint.asked) == 1  # the reading spared the poll
    saved = json.loads(resolve().state_file.read_text())
    assert [datetime.fromisoformat(t) for t in saved["agent"]["reset_polls"]] == [FIVE_RESET]


async def test_a_first_start_asks_the_endpoint_even_with_a_fresh_reading() -> None:
    clock = FakeTime()
    agent, endpoint, _ = await _agent(_config(), clock)
    spool.write(str(resolve().state_dir), _reading(T0 - timedelta(seconds=10)))
    assert await agent.use_reading() is None  # never polled: the other buckets are unknown
    await agent.poll_once()
    assert endpoint.asked == [T0]


class DriftingEndpoint(Endpoint):
    async def fetch(self) -> dict[str, Any]:
        payload = await super().fetch()
        payload["zz_brand_new_block"] = {"foo": "bar"}
        return payload


async def test_the_endpoints_payloads_still_get_the_drift_check() -> None:
    # Readings skip drift; a real poll after one must not.
    config = _config()
    clock = FakeTime()
    earlier = T0 - timedelta(minutes=5)
    agent, _, _ = await _agent(
        config,
        clock,
        agent_state=AgentState(outcome="ok", last_poll_at=earlier, last_success_at=earlier),
        known=True,
    )
    agent.client = DriftingEndpoint(clock)
    spool.write(str(resolve().state_dir), _reading(T0 - timedelta(minutes=1)))
    assert await agent.use_reading() is not None
    assert agent.pipeline.last_drift is None
    await agent.poll_once()
    drift = agent.pipeline.last_drift
    assert drift is not None
    assert [change.path for change in drift.changes] == ["zz_brand_new_block"]


# --------------------------------------------------------------------------- the loop


async def test_fresh_readings_spare_polls_but_the_30_minute_floor_holds() -> None:
    agent, endpoint = await _live(_config(), reading_every=timedelta(minutes=1))
    gaps = _gaps(endpoint.asked)
    # Asked at the start, then once per floor: T0, +30, +60, +90 (+120 at the very end).
    assert 4 <= len(endpoint.asked) <= 5, endpoint.asked
    assert all(gap <= FLOOR + 2 * STEP for gap in gaps), gaps
    assert all(gap >= FLOOR - 2 * STEP for gap in gaps), gaps
    # Between those, the readings stood in at every 5-minute deadline.
    assert agent.agent_state.last_reading_at is not None
    assert agent.agent_state.last_reading_at >= T0 + timedelta(hours=1, minutes=50)
    assert agent.agent_state.outcome == "ok"


async def test_without_readings_the_agent_polls_at_its_interval() -> None:
    _, endpoint = await _live(_config(), reading_every=None)
    gaps = _gaps(endpoint.asked)
    assert len(endpoint.asked) >= 24
    assert all(timedelta(minutes=5) <= gap <= timedelta(minutes=5) + 2 * STEP for gap in gaps)


@pytest.mark.parametrize(
    ("interval", "age"),
    [
        (timedelta(minutes=5), timedelta(minutes=6)),  # older than the poll interval
        (timedelta(minutes=20), timedelta(minutes=11)),  # younger than it, but past 10 min
    ],
)
async def test_old_readings_do_not_skip_a_poll(interval: timedelta, age: timedelta) -> None:
    agent, endpoint = await _live(
        _config(interval), reading_every=timedelta(minutes=1), reading_age=age
    )
    gaps = _gaps(endpoint.asked)
    assert len(endpoint.asked) >= int(timedelta(hours=2) / interval)
    assert all(interval <= gap <= interval + 2 * STEP for gap in gaps), gaps
    assert agent.agent_state.last_reading_at is None
