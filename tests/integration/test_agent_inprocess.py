"""The agent in-process: bugs cost one poll, side tasks cannot swallow notifications.

Real parts: the pipeline (rules and, where drift matters, the shipped schemas),
the :class:`~notifier.notify.notifier.Notifier` with a
:class:`~notifier.notify.sinks.RecordingSink`, the state file in a temp home. Fakes:
the fetcher (what the endpoint "answered", or a bug) and, where a test needs a
failure the real part never has, the archiver or publisher.

Expected values come from the rules: the error ladder is
``error_backoff_seconds * 2**(failures-1)`` (0.1 s, 0.2 s, ... here), a payload
at 80 % crosses the default 75 % threshold once.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from notifier import schemas
from notifier.agent import loop as agent_module
from notifier.agent.loop import Agent
from notifier.core import drift
from notifier.core.buckets import Bucket
from notifier.core.errors import KeychainLocked, RateLimited, StoreError, TokenExpired
from notifier.core.events import Event, ThresholdCrossed
from notifier.core.models import AgentState, BucketState, Config, Observation
from notifier.core.pipeline import Pipeline
from notifier.core.text.messages import MessageKind
from notifier.core.useragent import PERSISTENT_429_POLLS, UserAgent, hint
from notifier.notify.notifier import Notifier
from notifier.notify.sinks import RecordingSink
from notifier.paths import resolve
from notifier.runner import RecordingRunner
from notifier.statefile import load_state
from tests.conftest import load_payload

SLACK = 0.03  # timer granularity
T0 = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)


def _config(**overrides: Any) -> Config:
    base: dict[str, Any] = {
        "poll_interval_seconds": 300,
        "poll_jitter_seconds": 0,
        "error_backoff_seconds": 0.1,
        "error_backoff_max_seconds": 5,
        "notify": "log",
    }
    base.update(overrides)
    return Config(**base)


def _hot_payload(*, drifting: bool = False) -> dict[str, Any]:
    """The 2025-11 payload with the five-hour window at 80 % (crosses 75 %)."""
    payload = load_payload("oauth-usage-2025-11.json")
    payload["five_hour"]["utilization"] = 80.0
    if drifting:
        payload["zz_brand_new_block"] = {"foo": "bar"}  # an unknown key: drift
    return payload


def _copy(payload: dict[str, Any]) -> dict[str, Any]:
    copied: dict[str, Any] = json.loads(json.dumps(payload))
    return copied


class RaisingFetcher:
    """Raises ``error`` for the first ``failures`` calls (all calls when None), then answers."""

    def __init__(
        self, error: Exception, failures: int | None = None, payload: dict[str, Any] | None = None
    ) -> None:
        self.error = error
        self.failures = failures
        self.payload = payload or _hot_payload()
        self.times: list[float] = []

    async def fetch(self) -> dict[str, Any]:
        self.times.append(time.monotonic())
        if self.failures is None or len(self.times) <= self.failures:
            raise self.error
        return _copy(self.payload)  # a fresh copy, as from the wire


class FixedFetcher:
    def __init__(self, payload: dict[str, Any]) -> None:
        self.payload = payload
        self.calls = 0

    async def fetch(self) -> dict[str, Any]:
        self.calls += 1
        return _copy(self.payload)


async def _notifier(config: Config) -> tuple[Notifier, RecordingSink]:
    sink = RecordingSink()
    return await Notifier.create(config, sink=sink), sink


async def _until(predicate: Any, within: float) -> bool:
    end = time.monotonic() + within
    while time.monotonic() < end:
        if predicate():
            return True
        await asyncio.sleep(0.005)
    return bool(predicate())


def _agent(config: Config, client: Any, notifier: Any, **extra: Any) -> Agent:
    """An agent in the test's home with fresh memory; ``extra`` overrides the rest."""
    extra.setdefault("pipeline", Pipeline(config))
    extra.setdefault("agent_state", AgentState())
    return Agent(config=config, paths=resolve(), client=client, notifier=notifier, **extra)


def _agent_errors(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "notifier.agent" and r.levelno >= logging.ERROR]


# --------------------------------------------------------------------------- bugs


async def test_a_bug_in_the_fetch_costs_one_poll_and_backs_off(
    caplog: pytest.LogCaptureFixture,
) -> None:
    config = _config()
    fetcher = RaisingFetcher(RuntimeError("boom"))
    notifier, _ = await _notifier(config)
    agent = _agent(config, fetcher, notifier, check_every=timedelta(seconds=0.02))
    stop = asyncio.Event()
    task = asyncio.create_task(agent.run(stop))
    try:
        assert await _until(lambda: len(fetcher.times) >= 4 or task.done(), 5)
        assert not task.done(), f"the agent died: {task.exception()!r}"
    finally:
        stop.set()
        await asyncio.wait_for(task, 2)

    # the error ladder: 0.1 s, 0.2 s, 0.4 s after the 1st, 2nd and 3rd failure
    gaps = [b - a for a, b in zip(fetcher.times, fetcher.times[1:], strict=False)]
    for gap, due in zip(gaps, [0.1, 0.2, 0.4], strict=False):
        assert due - SLACK <= gap <= due + 1.0, (gaps, due)
    state = agent.agent_state
    assert state.outcome == "bad_response"
    assert state.last_error == "internal error: RuntimeError"
    assert state.consecutive_failures == len(fetcher.times)
    assert state.backoff_until is not None
    saved = json.loads(resolve().state_file.read_text())["agent"]
    assert saved["last_error"] == "internal error: RuntimeError"
    # one record with the traceback per failed poll, nothing more
    errors = _agent_errors(caplog)
    assert len(errors) == len(fetcher.times)
    assert all(r.exc_info is not None and r.exc_info[0] is RuntimeError for r in errors)


async def test_after_a_bug_in_the_fetch_the_next_good_answer_is_ok_and_notifies() -> None:
    config = _config()
    fetcher = RaisingFetcher(TypeError("NoneType is not subscriptable"), failures=1)
    notifier, sink = await _notifier(config)
    agent = _agent(config, fetcher, notifier, check_every=timedelta(seconds=0.02))
    stop = asyncio.Event()
    task = asyncio.create_task(agent.run(stop))
    try:
        assert await _until(lambda: len(fetcher.times) >= 2 or task.done(), 5)
        assert await _until(lambda: agent.agent_state.outcome == "ok", 2)
    finally:
        stop.set()
        await asyncio.wait_for(task, 2)
    assert fetcher.times[1] - fetcher.times[0] >= 0.1 - SLACK
    assert [m.kind for m in sink.sent] == [MessageKind.THRESHOLD]
    assert agent.agent_state.consecutive_failures == 0


async def test_a_bug_in_the_pipeline_costs_one_poll(caplog: pytest.LogCaptureFixture) -> None:
    class BrokenOnce(Pipeline):
        calls = 0

        def process(self, observation: Observation) -> list[Event]:
            BrokenOnce.calls += 1
            if BrokenOnce.calls == 1:
                raise RuntimeError("a bug in the rules")
            return super().process(observation)

    config = _config()
    notifier, sink = await _notifier(config)
    agent = _agent(config, FixedFetcher(_hot_payload()), notifier, pipeline=BrokenOnce(config))
    deadline = await agent.poll_once()
    failed = agent.agent_state
    assert failed.outcome == "bad_response"
    assert failed.last_error == "internal error: RuntimeError"
    assert failed.last_poll_at is not None
    assert deadline == failed.last_poll_at + timedelta(seconds=0.1)  # the ladder, no jitter
    assert len(_agent_errors(caplog)) == 1
    await agent.poll_once()
    recovered = agent.agent_state
    assert recovered.outcome == "ok"
    assert [m.kind for m in sink.sent] == [MessageKind.THRESHOLD]


# --------------------------------------------------------------------------- notify first


async def test_a_failing_archive_does_not_lose_the_threshold_notification(
    caplog: pytest.LogCaptureFixture,
) -> None:
    archived: list[str] = []

    def archiver(result: drift.DriftResult, payload: dict[str, Any], now: datetime) -> None:
        archived.append(result.fingerprint)
        raise ValueError("a bug in the archive")

    config = _config()
    notifier, sink = await _notifier(config)
    agent = _agent(
        config,
        FixedFetcher(_hot_payload(drifting=True)),
        notifier,
        pipeline=Pipeline(config, known=schemas.load_known([])),
        archiver=archiver,
    )
    await agent.poll_once()
    assert len(archived) == 1, "the archive was not even tried"
    kinds = sorted(m.kind.value for m in sink.sent)
    assert kinds == ["drift", "threshold"], kinds
    assert agent.agent_state.outcome == "ok"
    assert agent.agent_state.last_error is None
    assert agent.agent_state.notifier == notifier.description
    assert any(
        r.exc_info is not None and r.exc_info[0] is ValueError for r in _agent_errors(caplog)
    )

    # the same trouble next poll: tried again, but the log is not flooded
    caplog.clear()
    await agent.poll_once()
    assert len(archived) == 2
    assert _agent_errors(caplog) == []


async def test_a_failing_history_append_does_not_lose_the_notification(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken_append(*args: object) -> None:
        raise ValueError("a bug in the recorder")

    monkeypatch.setattr(agent_module, "append_observation", broken_append)
    config = _config()
    notifier, sink = await _notifier(config)
    agent = _agent(config, FixedFetcher(_hot_payload()), notifier)
    await agent.poll_once()
    assert [m.kind for m in sink.sent] == [MessageKind.THRESHOLD]
    assert agent.agent_state.outcome == "ok"


async def test_a_full_disk_for_the_archive_is_one_warning_and_notifications_go_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def archiver(result: drift.DriftResult, payload: dict[str, Any], now: datetime) -> None:
        raise StoreError("No space left on device")

    config = _config()
    notifier, sink = await _notifier(config)
    agent = _agent(
        config,
        FixedFetcher(_hot_payload(drifting=True)),
        notifier,
        pipeline=Pipeline(config, known=schemas.load_known([])),
        archiver=archiver,
    )
    await agent.poll_once()
    await agent.poll_once()
    assert MessageKind.THRESHOLD in [m.kind for m in sink.sent]
    warnings = [r.getMessage() for r in caplog.records if "cannot write the archive" in r.message]
    assert len(warnings) == 1


class FlakyPublisher:
    """Raises on the first publish, then records what it is handed."""

    description = "flaky (test)"

    def __init__(self) -> None:
        self.calls = 0
        self.received: list[list[Event]] = []

    async def publish(
        self, events: Sequence[Event], buckets: Sequence[Bucket], now: datetime
    ) -> None:
        del buckets, now
        self.calls += 1
        if self.calls == 1:
            raise RuntimeError("a bug in the notifier")
        self.received.append(list(events))

    async def login_expired(
        self, message: str, now: datetime, *, never_logged_in: bool = False
    ) -> bool:
        del never_logged_in
        del message, now
        return True

    async def login_ok(self) -> None:
        pass


async def test_events_a_failing_publish_could_not_take_go_out_with_the_next_poll() -> None:
    config = _config()
    publisher = FlakyPublisher()
    agent = _agent(config, FixedFetcher(_hot_payload()), publisher)
    await agent.poll_once()
    assert agent.agent_state.outcome == "ok"  # the endpoint answered; the notifier is ours
    await agent.poll_once()  # the same 80 %: no new event of its own
    assert len(publisher.received) == 1
    (handed,) = publisher.received
    assert [type(e) for e in handed] == [ThresholdCrossed]
    assert isinstance(handed[0], ThresholdCrossed)
    assert handed[0].threshold == 75.0
    await agent.poll_once()
    assert publisher.received[-1] == [], "delivered events are not sent twice"


async def test_an_event_no_sink_took_is_not_fired_on_disk_and_comes_back_after_a_restart() -> None:
    config = _config()
    agent = _agent(config, FixedFetcher(_hot_payload()), FlakyPublisher())
    await agent.poll_once()  # the publish raised: the 75 % event is pending
    saved, _ = load_state(resolve().state_file)
    assert 75.0 not in saved.buckets.get("five_hour", BucketState()).fired
    # A restart (the in-memory retry is lost): the event is derived again and goes out.
    publisher = FlakyPublisher()
    publisher.calls = 1  # this one takes everything
    again = _agent(
        config, FixedFetcher(_hot_payload()), publisher, pipeline=Pipeline(config, saved)
    )
    await again.poll_once()
    (handed,) = publisher.received
    assert [(type(e), getattr(e, "threshold", None)) for e in handed] == [(ThresholdCrossed, 75.0)]
    saved, _ = load_state(resolve().state_file)
    assert 75.0 in saved.buckets["five_hour"].fired  # taken: fired on disk now


# --------------------------------------------------------------------------- login expired


class LoginNotifier:
    """Answers ``login_expired`` with the scripted values; counts the calls."""

    def __init__(self, answers: Sequence[bool]) -> None:
        self.answers = list(answers)
        self.expired_calls = 0
        self.ok_calls = 0
        self.published: list[list[Event]] = []

    async def publish(
        self, events: Sequence[Event], buckets: Sequence[Bucket], now: datetime
    ) -> None:
        del buckets, now
        self.published.append(list(events))

    async def login_expired(
        self, message: str, now: datetime, *, never_logged_in: bool = False
    ) -> bool:
        del never_logged_in
        del now
        assert "log in" in message
        answer = self.answers[min(self.expired_calls, len(self.answers) - 1)]
        self.expired_calls += 1
        return answer

    async def login_ok(self) -> None:
        self.ok_calls += 1


class Script:
    """A fetcher playing a list of steps: an exception to raise or a payload to answer."""

    def __init__(self, *steps: Exception | dict[str, Any]) -> None:
        self.steps = list(steps)

    async def fetch(self) -> dict[str, Any]:
        step = self.steps.pop(0)
        if isinstance(step, Exception):
            raise step
        return step


def _expired() -> TokenExpired:
    return TokenExpired("the usage endpoint refused the Claude login (401): log in again")


async def _login_agent(notifier: Any, *steps: Exception | dict[str, Any]) -> Agent:
    config = _config()
    return _agent(config, Script(*steps), notifier)


async def test_login_expired_is_told_once_per_expiry_and_again_after_a_success() -> None:
    low = load_payload("oauth-usage-low-usage.json")
    notifier = LoginNotifier([True])
    agent = await _login_agent(
        notifier, _expired(), _expired(), _expired(), low, _expired(), _expired()
    )
    for _ in range(3):
        await agent.poll_once()
    assert notifier.expired_calls == 1
    assert agent.agent_state.login_notified is True
    assert agent.agent_state.outcome == "login_required"
    assert notifier.ok_calls == 0
    await agent.poll_once()  # the login works again: the notification is withdrawn
    assert agent.agent_state.login_notified is False
    assert notifier.ok_calls == 1
    await agent.poll_once()  # a new expiry: told again
    await agent.poll_once()
    assert notifier.expired_calls == 2
    assert notifier.ok_calls == 1, "nothing to withdraw while nothing was told"


async def test_login_expired_not_taken_by_a_sink_is_tried_again() -> None:
    notifier = LoginNotifier([False, False, True])
    agent = await _login_agent(notifier, *[_expired() for _ in range(5)])
    await agent.poll_once()
    assert agent.agent_state.login_notified is False
    await agent.poll_once()
    await agent.poll_once()
    assert agent.agent_state.login_notified is True
    await agent.poll_once()
    await agent.poll_once()
    assert notifier.expired_calls == 3


async def test_the_persisted_flag_survives_a_restart() -> None:
    notifier = LoginNotifier([True])
    config = _config()
    agent = Agent(
        config=config,
        paths=resolve(),
        client=Script(_expired()),
        pipeline=Pipeline(config),
        notifier=notifier,
        agent_state=AgentState(outcome="login_required", login_notified=True),
    )
    await agent.poll_once()
    assert notifier.expired_calls == 0


async def test_a_locked_keychain_backs_off_and_is_not_told_as_an_expired_login() -> None:
    # security exit 36: each read could bring up an unlock dialog, and logging in
    # again cannot help; so no "login expired" notification, and the error ladder
    # (0.1 s, 0.2 s, ... here) instead of the poll interval (300 s here).
    locked = KeychainLocked("the login keychain is locked, so the Keychain item ... cannot be read")
    notifier = LoginNotifier([True])
    agent = await _login_agent(notifier, locked, locked, locked)
    await agent.poll_once()
    first = agent.agent_state
    assert first.outcome == "keychain_locked"
    assert first.consecutive_failures == 1
    assert first.backoff_until is not None
    await agent.poll_once()
    second = agent.agent_state
    assert second.consecutive_failures == 2
    assert second.backoff_until is not None
    assert second.last_poll_at is not None
    # the wait doubles (0.2 s after the second failure), far below the 300 s interval
    assert timedelta(seconds=0.19) <= second.backoff_until - second.last_poll_at
    assert second.backoff_until - second.last_poll_at <= timedelta(seconds=1)
    assert notifier.expired_calls == 0


# --------------------------------------------------------------------------- notification path


class SwitchingPublisher:
    """A notifier that falls back to the log during a publish (its description changes)."""

    def __init__(self) -> None:
        self.description = "desktop-notifier (org.freedesktop.Notifications)"

    async def publish(
        self, events: Sequence[Event], buckets: Sequence[Bucket], now: datetime
    ) -> None:
        del events, buckets, now
        self.description = "log (the notification server went away)"

    async def login_expired(
        self, message: str, now: datetime, *, never_logged_in: bool = False
    ) -> bool:
        del never_logged_in
        del message, now
        return True

    async def login_ok(self) -> None:
        pass


async def test_the_notification_path_is_recorded_at_start_and_after_each_publish() -> None:
    config = _config()
    publisher = SwitchingPublisher()
    paths = resolve()
    # A stored backoff deadline keeps the first poll away: only the start is seen.
    later = datetime.now(UTC) + timedelta(seconds=60)
    agent = Agent(
        config=config,
        paths=paths,
        client=FixedFetcher(_hot_payload()),
        pipeline=Pipeline(config),
        notifier=publisher,
        agent_state=AgentState(outcome="unreachable", backoff_until=later),
    )
    stop = asyncio.Event()
    task = asyncio.create_task(agent.run(stop))
    try:
        assert await _until(lambda: paths.state_file.exists(), 2)
        saved = json.loads(paths.state_file.read_text())["agent"]
        assert saved["notifier"] == "desktop-notifier (org.freedesktop.Notifications)"
    finally:
        stop.set()
        await asyncio.wait_for(task, 2)

    await agent.poll_once()
    assert agent.agent_state.notifier == "log (the notification server went away)"
    saved = json.loads(paths.state_file.read_text())["agent"]
    assert saved["notifier"] == "log (the notification server went away)"


# --------------------------------------------------------------------------- start-up


def test_a_log_folder_that_cannot_be_made_is_one_line_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from notifier import cli

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the log folder's parent should be")
    monkeypatch.setenv("CLAUDE_USAGE_NOTIFIER_LOG_DIR", str(blocker / "log"))
    assert cli.main(["run"]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"claude-usage-notifier: cannot open the agent log {blocker / 'log' / 'agent.log'}: "
        "Not a directory\n"
    )


class RefusingFetcher:
    """Answers 429 rate_limit_error while ``refusing``, else the payload; has a User-Agent."""

    def __init__(self, agent: UserAgent) -> None:
        self.last_user_agent = agent
        self.refusing = True

    async def fetch(self) -> dict[str, Any]:
        if self.refusing:
            raise RateLimited("429", retry_after=0.0, rate_limit_error=True)
        return _hot_payload()


async def test_the_user_agent_hint_is_logged_once_and_cleared_by_a_good_poll(
    caplog: pytest.LogCaptureFixture,
) -> None:
    config = _config(rate_limit_backoff_seconds=0.1)
    notifier, _ = await _notifier(config)
    agent_ua = UserAgent.configured("my-watcher/2.0")
    fetcher = RefusingFetcher(agent_ua)
    agent = _agent(config, fetcher, notifier)
    for _ in range(PERSISTENT_429_POLLS - 1):
        await agent.poll_once()
    assert agent.agent_state.user_agent_hint is None
    for _ in range(3):
        await agent.poll_once()
    expected = hint(agent_ua, PERSISTENT_429_POLLS, rate_limit_error=True)
    assert agent.agent_state.user_agent_hint == expected
    assert [r.getMessage() for r in caplog.records].count(expected) == 1
    assert agent.agent_state.user_agent == "my-watcher/2.0"

    fetcher.refusing = False
    await agent.poll_once()
    assert agent.agent_state.outcome == "ok"
    assert agent.agent_state.user_agent_hint is None
    # A new episode is a new reason to say it.
    fetcher.refusing = True
    for _ in range(PERSISTENT_429_POLLS):
        await agent.poll_once()
    assert [r.getMessage() for r in caplog.records].count(expected) == 2
    await notifier.close()


# --------------------------------------------------------------------------- login lifetime


class Clock:
    """A settable wall clock for the agent."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def test_the_login_lifetime_is_told_three_days_before_once_per_login() -> None:
    # The credentials say the login ends on 10 Dec at 09:00 (refreshTokenExpiresAt).
    # Polls on 6 Dec (4 days before): nothing; on 7 Dec 09:00 (exactly 3 days): one
    # notice; later polls and a restart: nothing more; a new /login (a new expiry,
    # 30 days on): told again when its own 3 days come.
    config = _config()
    notifier, sink = await _notifier(config)
    ends = datetime(2026, 12, 10, 9, 0, tzinfo=UTC)
    login = {"expires": ends}
    clock = Clock(ends - timedelta(days=4))
    low = load_payload("oauth-usage-low-usage.json")
    agent = _agent(
        config, Script(*[low] * 8), notifier, clock=clock, login_expiry=lambda: login["expires"]
    )

    def notices() -> list[str]:
        return [m.title for m in sink.sent if m.kind is MessageKind.LOGIN]

    await agent.poll_once()
    assert notices() == []
    assert agent.agent_state.login_expires_at == ends
    clock.now = ends - timedelta(days=3)
    await agent.poll_once()
    assert notices() == ["Claude login ends in 3d 0h"]
    (notice,) = [m for m in sink.sent if m.kind is MessageKind.LOGIN]
    assert "Run `claude` and `/login`" in notice.body
    assert agent.agent_state.login_expiry_warned == ends
    clock.now += timedelta(hours=5)
    await agent.poll_once()
    restarted = _agent(
        config,
        Script(low),
        notifier,
        clock=clock,
        login_expiry=lambda: login["expires"],
        agent_state=agent.agent_state,
    )
    await restarted.poll_once()
    assert len(notices()) == 1

    login["expires"] = ends + timedelta(days=30)  # the user ran /login
    clock.now = ends + timedelta(days=26)
    await restarted.poll_once()
    assert len(notices()) == 1
    clock.now = ends + timedelta(days=27, minutes=1)
    await restarted.poll_once()
    assert len(notices()) == 2
    assert restarted.agent_state.login_expiry_warned == ends + timedelta(days=30)


async def test_without_a_stated_lifetime_nothing_is_said() -> None:
    config = _config()
    notifier, sink = await _notifier(config)
    agent = _agent(
        config,
        Script(load_payload("oauth-usage-low-usage.json")),
        notifier,
        login_expiry=lambda: None,
    )
    await agent.poll_once()
    assert [m for m in sink.sent if m.kind is MessageKind.LOGIN] == []
    assert agent.agent_state.login_expiry_warned is None


# --------------------------------------------------------------------------- macOS permission


async def test_an_unanswered_permission_dialog_neither_stops_polling_nor_delays_sigterm() -> None:
    # macOS, first run, nobody at the Mac: desktop-notifier's permission request
    # never returns. The start waits a moment, polling starts regardless, the
    # crossing goes out through osascript, and SIGTERM still stops the agent
    # within 5 s (the pending request is cancelled on the way out).
    import os
    import signal

    from tests.integration.test_notify_macos import MacBackend

    config = _config()
    backend = MacBackend()
    osascript = RecordingRunner()
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    try:
        notifier = await Notifier.create(
            config,
            system="Darwin",
            runner=osascript,
            notifier_factory=backend.factory(),
            stop=stop,
            permission_timeout=0.2,
        )
        fetcher = FixedFetcher(_hot_payload())
        agent = _agent(config, fetcher, notifier)
        running = asyncio.ensure_future(agent.run(stop))
        assert await _until(lambda: fetcher.calls >= 1 and osascript.calls, within=5.0)
        assert backend.answer is not None
        assert not backend.answer.done()  # still unanswered
        assert backend.sent == 0
        assert osascript.calls[0][0] == "osascript"
        assert agent.agent_state.notifier == (
            "osascript while macOS asks for permission to use the Notification Center"
        )
        sent_at = time.monotonic()
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.wait_for(running, 5.0)
        await asyncio.wait_for(notifier.close(), 5.0)
        assert time.monotonic() - sent_at < 5.0
        assert backend.request_cancelled
    finally:
        loop.remove_signal_handler(signal.SIGTERM)
