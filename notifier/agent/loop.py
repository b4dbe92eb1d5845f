"""The poll loop: poll / decide / notify / persist / sleep, until the stop event.

Edge, and the one module that sleeps. Everything it touches is given (see
:mod:`notifier.agent.daemon` for the start order that builds it), so tests
drive it in-process. It owns only the loop's own decisions:

- one poll: fetch (cancelled at once by SIGTERM/SIGINT), append the
  observation to the history, run the :class:`~notifier.core.pipeline.Pipeline`,
  notify, archive a new payload variant, persist the state (including the
  agent's own memory: outcome, failures, backoff deadline, last success,
  which notification path is in use). Notify comes before the archive: once
  the pipeline has run, its state has moved on and the poll's events live
  only in memory, so nothing that can fail may stand between them and the
  notifier; events a failing ``publish`` could not take are retried with the
  next poll;
- the wait: :mod:`notifier.core.schedule` decides the deadline, this module waits
  for it in short slices and compares the wall clock with the monotonic clock
  after each, so a laptop that slept polls once soon after waking instead of
  sleeping on (or bursting through the polls it missed);
- what the log says: one line per change of outcome (``ok -> rate_limited ->
  ok``), not one per attempt.

Every failure of a poll is caught and turned into an outcome with a backoff:
the agent runs for weeks and must not die of a bad answer, a full disk or a
bug (ours or a library's): an unexpected exception is logged with its
traceback (one line, see :mod:`notifier.logs`) and becomes ``bad_response``
with the problem ``internal error: <type>``. SIGTERM and SIGINT end it within
a few seconds, exit 0, state saved.

The login-expired notification is sent once per expiry: the persisted
``AgentState.login_notified`` is the only memory of it (set when the
notifier took the message, cleared by the next successful poll).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from notifier.core import schedule
from notifier.core.buckets import Bucket
from notifier.core.errors import (
    BadResponse,
    CredentialsError,
    NotifierError,
    RateLimited,
    ServerError,
    ServerFault,
    StoreError,
    Unreachable,
)
from notifier.core.events import ID_LENGTH, DriftDetected, Event
from notifier.core.models import AgentState, Config, Observation, Outcome, State
from notifier.core.pipeline import Pipeline
from notifier.paths import Paths
from notifier.recording import append_observation
from notifier.statefile import save_state

if TYPE_CHECKING:
    from notifier.core.drift import DriftResult

logger = logging.getLogger("notifier.agent")
_T = TypeVar("_T")

# How long one slice of a wait may be: bounds how late a wake from sleep is noticed.
CHECK_EVERY = timedelta(seconds=15)
FAST_POLL_WARNING = 60.0
# Events a failing publish could not take, kept for the next poll (the newest ones).
MAX_UNPUBLISHED = 50


class Fetcher(Protocol):
    """The part of :class:`~notifier.client.UsageClient` the agent uses."""

    async def fetch(self) -> dict[str, Any]:
        """The raw usage payload, or a NotifierError."""
        ...


class Publisher(Protocol):
    """The part of :class:`~notifier.notify.notifier.Notifier` the agent uses."""

    async def publish(
        self, events: Sequence[Event], buckets: Sequence[Bucket], now: datetime
    ) -> Any:
        """Deliver the notifications for ``events``."""
        ...

    async def login_expired(self, message: str, now: datetime) -> bool:
        """Tell the user that the Claude login needs renewing; True when a sink took it."""
        ...


Archiver = Callable[["DriftResult", dict[str, Any], datetime], object]
"""Records a drifting payload (redacted) in the variant archive: ``archive.record``."""


Sleeper = Callable[[float, asyncio.Event], Awaitable[None]]
"""Waits up to ``seconds`` or until the event is set: the loop's only way to pass time.

Injected with the clocks, so a test can run hours of agent time in milliseconds."""


async def sleep_or_stop(seconds: float, stop: asyncio.Event) -> None:
    """The real :data:`Sleeper`: returns after ``seconds``, or at once when ``stop`` is set."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


class _Stopped(Exception):
    """The stop event was set while we were waiting for something."""


async def in_daemon_thread(work: Callable[[], Any]) -> Any:
    """``work()`` in a daemon thread, awaited; cancelling abandons the thread.

    The pipeline's work grows with the payload; off the event loop, SIGTERM is
    still answered at once. A daemon thread rather than ``asyncio.to_thread``:
    the interpreter (and Python 3.11's executor shutdown) would wait for it.
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[Any] = loop.create_future()

    def settle(value: Any, error: BaseException | None) -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(value)

    def run() -> None:
        value, error = None, None
        try:
            value = work()
        except Exception as exc:  # handed to the awaiting coroutine
            error = exc
        with contextlib.suppress(RuntimeError):  # the loop is closed: shutting down
            loop.call_soon_threadsafe(settle, value, error)

    threading.Thread(target=run, name="pipeline", daemon=True).start()
    return await future


def utc_now() -> datetime:
    """The wall clock, aware (UTC)."""
    return datetime.now(UTC)


def _classify(exc: NotifierError) -> Outcome:
    if isinstance(exc, RateLimited):
        return Outcome.RATE_LIMITED
    if isinstance(exc, CredentialsError):
        return Outcome.LOGIN_REQUIRED
    if isinstance(exc, Unreachable):
        return Outcome.UNREACHABLE
    if isinstance(exc, BadResponse):
        return Outcome.BAD_RESPONSE
    if isinstance(exc, ServerFault | ServerError):
        return Outcome.SERVER_ERROR
    return Outcome.BAD_RESPONSE


def _internal(exc: Exception) -> str:
    # The type only: an unexpected exception's text is not vetted for secrets.
    return f"internal error: {type(exc).__name__}"


def _seconds(delta: timedelta) -> str:
    total = delta.total_seconds()
    return f"{total:.0f} s" if total >= 10 else f"{total:.2g} s"


class Agent:
    """The poll loop. Everything it touches is given, so tests can drive it in-process."""

    def __init__(
        self,
        *,
        config: Config,
        paths: Paths,
        client: Fetcher,
        pipeline: Pipeline,
        notifier: Publisher,
        agent_state: AgentState,
        archiver: Archiver | None = None,
        clock: Callable[[], datetime] = utc_now,
        monotonic: Callable[[], float] = time.monotonic,
        rng: schedule.Jitter | None = None,
        check_every: timedelta = CHECK_EVERY,
        sleep: Sleeper | None = None,
    ) -> None:
        self.config = config
        self.paths = paths
        self.client = client
        self.pipeline = pipeline
        self.notifier = notifier
        self.agent_state = agent_state
        self.archiver = archiver
        self.clock = clock
        self.monotonic = monotonic
        self.sleep: Sleeper = sleep or sleep_or_stop
        self.rng = rng or schedule.default_rng()
        self.check_every = check_every
        self.polls = 0
        self._store_warned: set[str] = set()
        self._unpublished: list[Event] = []
        # The state to save when a stop abandons the pipeline mid-observation: its
        # events were never published, so the rules' memory must not move on.
        self._state_before: State | None = None
        self._said_too_large = False

    # -- the loop -------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until ``stop`` is set; the state is saved on the way out."""
        self._note_notifier(save=True)
        now = self.clock()
        deadline = schedule.resume_deadline(self.agent_state.backoff_until, now, self.config)
        if deadline > now:
            logger.info(
                "resuming the backoff from before the restart: next poll at %s (in %s)",
                deadline.isoformat(timespec="seconds"),
                _seconds(deadline - now),
            )
        try:
            while await self._wait_until(deadline, stop):
                try:
                    deadline = await self.poll_once(stop)
                except _Stopped:
                    raise
                except Exception:  # poll_once catches everything; this is the last net
                    logger.exception("the poll failed unexpectedly")
                    deadline = self.clock() + timedelta(
                        seconds=self.config.error_backoff_max_seconds
                    )
        except _Stopped:
            pass
        finally:
            self._save()

    async def poll_once(self, stop: asyncio.Event | None = None) -> datetime:
        """One poll and everything after it; returns when the next one is due."""
        previous = self.agent_state
        retry_after: float | None = None
        problem: str | None = None
        payload: dict[str, Any] | None = None
        outcome = Outcome.BAD_RESPONSE  # bound on every path below
        try:
            payload = await self._until_stopped(self.client.fetch(), stop)
        except _Stopped:
            raise
        except NotifierError as exc:
            outcome, problem = _classify(exc), str(exc)
            if isinstance(exc, RateLimited):
                retry_after = exc.retry_after
        except Exception as exc:  # a bug must cost one poll, never the agent
            logger.exception("the usage fetch failed unexpectedly")
            outcome, problem = Outcome.BAD_RESPONSE, _internal(exc)
        now = self.clock()
        self.polls += 1
        if payload is not None:
            try:
                await self._handle_payload(payload, now, stop)
                outcome = Outcome.OK
            except _Stopped:
                raise
            except Exception as exc:  # a bug must cost one poll, never the agent
                logger.exception("could not process the payload")
                outcome, problem = Outcome.BAD_RESPONSE, _internal(exc)

        login_notified = previous.login_notified
        if outcome is Outcome.OK:
            login_notified = False  # the next expiry is a new one
        elif outcome is Outcome.LOGIN_REQUIRED and not login_notified:
            login_notified = await self._tell_login_expired(
                problem or "the Claude login expired", now
            )

        failures = previous.consecutive_failures + 1 if outcome.is_backoff else 0
        deadline = schedule.next_poll(outcome, failures, retry_after, now, self.config, self.rng)
        self.agent_state = AgentState(
            outcome=outcome.value,
            consecutive_failures=failures,
            backoff_until=deadline if outcome.is_backoff else None,
            last_poll_at=now,
            last_success_at=now if outcome is Outcome.OK else previous.last_success_at,
            last_error=problem,
            login_notified=login_notified,
            notifier=self._notifier_description(),
        )
        self._log_change(previous, outcome, problem, deadline - now)
        self._save()
        return deadline

    async def _handle_payload(
        self, payload: dict[str, Any], now: datetime, stop: asyncio.Event | None = None
    ) -> None:
        observation = Observation(observed_at=now, payload=payload)
        self._guarded(
            "history",
            lambda: append_observation(
                self.paths.history_file, observation, self.config.history_max_bytes
            ),
        )
        self._state_before = self.pipeline.state
        events: list[Event] = await self._until_stopped(
            in_daemon_thread(lambda: self.pipeline.process(observation)), stop
        )
        self._state_before = None
        self._note_too_large()
        # From here on the rules' state has moved on: these events exist only in
        # memory. Publish them before anything else that could fail.
        await self._publish(events, now)
        for event in events:
            if isinstance(event, DriftDetected):
                logger.warning(
                    "the usage payload changed shape (%d change(s)): new variant %s",
                    len(event.changes),
                    event.fingerprint[:ID_LENGTH],
                )
        drift = self.pipeline.last_drift
        if drift is not None and drift.changes:
            # Every sighting: the archive keeps first/last seen and a count per variant.
            self._archive(drift, payload, now)

    async def _publish(self, events: Sequence[Event], now: datetime) -> None:
        # Called every poll, even without events: held messages go out this way.
        pending = [*self._unpublished, *events]
        try:
            await self.notifier.publish(pending, self.pipeline.last_buckets, now)
        except Exception:  # the notifier promises not to raise; if it does, keep the events
            logger.exception(
                "could not publish %d event(s); will try again at the next poll", len(pending)
            )
            self._unpublished = pending[-MAX_UNPUBLISHED:]
        else:
            self._unpublished = []

    def _archive(self, result: DriftResult, payload: dict[str, Any], now: datetime) -> None:
        archiver = self.archiver
        if archiver is not None:
            self._guarded("archive", lambda: archiver(result, payload, now))

    async def _tell_login_expired(self, message: str, now: datetime) -> bool:
        """True when the notifier took the message (then it is not sent again this expiry)."""
        try:
            told = await self.notifier.login_expired(message, now)
        except Exception:  # the notifier promises not to raise; if it does, keep polling
            logger.exception("could not notify about the expired login")
            return False
        return told

    def _notifier_description(self) -> str | None:
        description = getattr(self.notifier, "description", None)
        return description if isinstance(description, str) else None

    def _note_notifier(self, *, save: bool = False) -> None:
        """Record which notification path is in use (``agent-status`` shows it)."""
        description = self._notifier_description()
        if description != self.agent_state.notifier:
            self.agent_state = self.agent_state.model_copy(update={"notifier": description})
            if save:
                self._save()

    def _guarded(self, what: str, action: Callable[[], object]) -> None:
        # A full disk, a read-only folder or a bug in one side task must not stop
        # the notifications: warn once per kind of trouble, then keep trying quietly.
        try:
            action()
        except StoreError as exc:
            if what not in self._store_warned:
                self._store_warned.add(what)
                logger.warning("cannot write the %s (will keep trying quietly): %s", what, exc)
        except Exception:
            if what not in self._store_warned:
                self._store_warned.add(what)
                logger.exception("the %s failed (will keep trying quietly)", what)
        else:
            self._store_warned.discard(what)

    def _note_too_large(self) -> None:
        size = self.pipeline.too_large
        if size is not None and not self._said_too_large:
            logger.warning(
                "the usage payload is too large to compare (more than %d JSON values): "
                "drift not checked; its buckets are still watched",
                size - 1,
            )
        self._said_too_large = size is not None

    def _save(self) -> None:
        current = self._state_before if self._state_before is not None else self.pipeline.state
        state: State = current.model_copy(update={"agent": self.agent_state})
        self._guarded("state", lambda: save_state(self.paths.state_file, state))

    def _log_change(
        self, previous: AgentState, outcome: Outcome, problem: str | None, wait: timedelta
    ) -> None:
        if previous.outcome == outcome.value:
            logger.debug("poll: %s, next in %s", outcome.value, _seconds(wait))
            return
        line = f"{previous.outcome} -> {outcome.value}"
        if problem:
            line += f": {problem}"
        line += f"; next poll in {_seconds(wait)}"
        logger.log(logging.INFO if outcome is Outcome.OK else logging.WARNING, "%s", line)

    # -- waiting --------------------------------------------------------------------------

    async def _until_stopped(self, awaitable: Awaitable[_T], stop: asyncio.Event | None) -> _T:
        if stop is None:
            return await awaitable
        work = asyncio.ensure_future(awaitable)
        waiter = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait({work, waiter}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiter.cancel()
        if work.done():
            return work.result()
        work.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await work
        raise _Stopped

    async def _wait_until(self, deadline: datetime, stop: asyncio.Event) -> bool:
        """Sleep until ``deadline``; False when stopped first. Handles clock jumps."""
        while not stop.is_set():
            wall_before, mono_before = self.clock(), self.monotonic()
            remaining = deadline - wall_before
            if remaining <= timedelta(0):
                return True
            slice_ = min(remaining, self.check_every).total_seconds()
            await self.sleep(slice_, stop)
            wall_after, mono_after = self.clock(), self.monotonic()
            wall_elapsed = wall_after - wall_before
            real_elapsed = timedelta(seconds=mono_after - mono_before)
            if schedule.is_jump(wall_elapsed, real_elapsed):
                jump = wall_elapsed - real_elapsed
                moved = schedule.after_jump(deadline, wall_after, jump, self.config)
                logger.info(
                    "the clock jumped by %s (sleep/wake or a clock change); next poll in %s",
                    _seconds(jump),
                    _seconds(moved - wall_after),
                )
                deadline = moved
        return False
