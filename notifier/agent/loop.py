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
- the passive source: at each deadline a fresh statusline reading (left by
  ``claude-usage-notifier statusline`` in the spool) may stand in for the
  poll, as an observation of the 5-hour and 7-day windows only
  (:meth:`Agent.use_reading`; :mod:`notifier.core.passive` decides, and keeps
  the endpoint asked at least every 30 minutes for the buckets only it has);
- what the log says: one line per change of outcome (``ok -> rate_limited ->
  ok``), not one per attempt; the User-Agent the client sends, when this process
  first sends it and whenever it changes; and, once, when 429s that do not clear
  point at a User-Agent set away from Claude Code's form
  (:func:`notifier.core.useragent.hint`, kept in ``AgentState.user_agent_hint``).

Every failure of a poll is caught and turned into an outcome with a backoff:
the agent runs for weeks and must not die of a bad answer, a full disk or a
bug (ours or a library's): an unexpected exception is logged with its
traceback (one line, see :mod:`notifier.logs`) and becomes ``bad_response``
with the problem ``internal error: <type>``. SIGTERM and SIGINT end it within
a few seconds, exit 0, state saved.

Three days before the Claude login itself ends (``refreshTokenExpiresAt``,
read by the token provider and handed in as ``login_expiry``) the user is told
once per login: ``AgentState.login_expiry_warned`` holds the expiry warned
about, so a restart repeats nothing and a new ``/login`` (a new expiry) is
warned about again in its time.

The login-expired notification is sent once per expiry: the persisted
``AgentState.login_notified`` is the only memory of it (set when the
notifier took the message, cleared by the next successful poll, which also
withdraws the notification from the screen).

Stale numbers (:mod:`notifier.core.staleness`): after each poll, and at the moment
the numbers would turn stale while the agent waits out a long backoff, the agent asks
whether to tell the user that its numbers are stale (once per spell, remembered in
``AgentState.stale_told``) or fresh again. After an ``ok`` poll the next poll may move
to just after the nearest expected reset (:func:`notifier.core.schedule.reset_poll`),
once per reset (``AgentState.reset_polls``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from notifier import spool
from notifier.core import passive, schedule, staleness
from notifier.core.buckets import Bucket, BucketSource
from notifier.core.errors import (
    BadResponse,
    CredentialsError,
    KeychainLocked,
    NotifierError,
    NotLoggedIn,
    RateLimited,
    ServerError,
    ServerFault,
    StoreError,
    Unreachable,
)
from notifier.core.events import ID_LENGTH, DriftDetected, Event
from notifier.core.models import AgentState, Config, Observation, Outcome, State
from notifier.core.pipeline import Pipeline
from notifier.core.staleness import StaleNotice
from notifier.core.text.messages import (
    LOGIN_WARNING,
    Message,
    fresh_message,
    login_expiring_message,
    stale_message,
)
from notifier.core.useragent import UserAgent, hint
from notifier.paths import Paths
from notifier.recording import append_observation
from notifier.runner import in_daemon_thread
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
    """The part of :class:`~notifier.client.UsageClient` the agent uses.

    A fetcher may also have ``last_user_agent`` (a
    :class:`~notifier.core.useragent.UserAgent`): the agent logs and records it.
    """

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

    async def login_expired(
        self, message: str, now: datetime, *, never_logged_in: bool = False
    ) -> bool:
        """Tell the user that the Claude login needs renewing; True when a sink took it."""
        ...

    async def login_ok(self) -> None:
        """A poll succeeded again: withdraw the "log in" notification."""
        ...

    async def tell(self, message: Message, now: datetime) -> bool:
        """Deliver one message of the agent's own (stale numbers); True when it was taken."""
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


def utc_now() -> datetime:
    """The wall clock, aware (UTC)."""
    return datetime.now(UTC)


def _classify(exc: NotifierError) -> Outcome:
    if isinstance(exc, RateLimited):
        return Outcome.RATE_LIMITED
    if isinstance(exc, KeychainLocked):
        # Not a login problem: no "log in again" notification, and a backoff so a
        # locked keychain is not asked (with a new unlock dialog) at every poll.
        return Outcome.KEYCHAIN_LOCKED
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
        login_expiry: Callable[[], datetime | None] | None = None,
    ) -> None:
        self.config = config
        self.paths = paths
        self.client = client
        self.pipeline = pipeline
        self.notifier = notifier
        self.agent_state = agent_state
        self.archiver = archiver
        self._told_too_large = False
        self.clock = clock
        self.monotonic = monotonic
        self.sleep: Sleeper = sleep or sleep_or_stop
        self.rng = rng or schedule.default_rng()
        self.check_every = check_every
        # When the Claude login itself ends (the token provider's last read of
        # refreshTokenExpiresAt); None: not known, no warning.
        self.login_expiry = login_expiry
        self.polls = 0
        self._store_warned: set[str] = set()
        self._unpublished: list[Event] = []
        # The state to save when a stop abandons the pipeline mid-observation: its
        # events were never published, so the rules' memory must not move on.
        self._state_before: State | None = None
        # The rules' state from before the oldest event a publish could not take: saved
        # instead of the current one while events are pending, so an event counts as
        # fired on disk only once a sink took it (after a restart it is derived again).
        self._unpublished_before: State | None = None
        self._said_too_large = False
        self._logged_user_agent: str | None = None

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
            while await self._wait_for_poll(deadline, stop):
                try:
                    deadline = await self.use_reading() or await self.poll_once(stop)
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
        rate_limit_error = False
        problem: str | None = None
        payload: dict[str, Any] | None = None
        outcome = Outcome.BAD_RESPONSE  # bound on every path below
        never_logged_in = False
        try:
            payload = await self._until_stopped(self.client.fetch(), stop)
        except _Stopped:
            raise
        except NotifierError as exc:
            outcome, problem = _classify(exc), str(exc)
            never_logged_in = isinstance(exc, NotLoggedIn)
            if isinstance(exc, RateLimited):
                retry_after = exc.retry_after
                rate_limit_error = exc.rate_limit_error
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
            if login_notified:
                await self._login_ok()  # take the "log in" notification down
            login_notified = False  # the next expiry is a new one
        elif outcome is Outcome.LOGIN_REQUIRED and not login_notified:
            login_notified = await self._tell_login_expired(
                problem or "the Claude login expired", now, never_logged_in=never_logged_in
            )

        login_expires_at = self._login_expires_at()
        expiry_warned = previous.login_expiry_warned
        if (
            login_expires_at is not None
            and expiry_warned != login_expires_at
            and now >= login_expires_at - LOGIN_WARNING
            and await self._tell_login_expiring(login_expires_at, now)
        ):
            expiry_warned = login_expires_at

        failures = previous.consecutive_failures + 1 if outcome.is_backoff else 0
        deadline = schedule.next_poll(outcome, failures, retry_after, now, self.config, self.rng)
        reset_polls = previous.reset_polls
        if outcome is Outcome.OK:
            deadline, reset_polls = self._reset_deadline(deadline, now, reset_polls)
        failing_since = None if outcome is Outcome.OK else (previous.failing_since or now)
        stale_told = await self._stale_notice(
            outcome,
            last_success_at=previous.last_success_at,
            failing_since=failing_since if failing_since is not None else previous.failing_since,
            told=previous.stale_told,
            retry_at=deadline if outcome is Outcome.RATE_LIMITED else None,
            now=now,
        )
        agent = self._user_agent()
        rate_limited = failures if outcome is Outcome.RATE_LIMITED else 0
        user_agent_hint = self._user_agent_hint(previous, agent, rate_limited, rate_limit_error)
        self.agent_state = AgentState(
            outcome=outcome.value,
            consecutive_failures=failures,
            backoff_until=deadline if outcome.is_backoff else None,
            last_poll_at=now,
            last_success_at=now if outcome is Outcome.OK else previous.last_success_at,
            last_error=problem,
            login_notified=login_notified,
            login_expiry_warned=expiry_warned,
            login_expires_at=login_expires_at or previous.login_expires_at,
            notifier=self._notifier_description(),
            failing_since=failing_since,
            stale_told=stale_told,
            reset_polls=reset_polls,
            user_agent=agent.value if agent is not None else previous.user_agent,
            user_agent_hint=user_agent_hint,
            last_reading_at=previous.last_reading_at,
        )
        self._log_change(previous, outcome, problem, deadline - now)
        self._save()
        return deadline

    async def use_reading(self) -> datetime | None:
        """Let a fresh statusline reading stand in for this poll; None when the endpoint is due.

        :func:`notifier.core.passive.choose` decides (fresh, newer, consistent with
        the rules' memory, the endpoint asked within 30 minutes). The reading's
        observation holds only the 5-hour and 7-day windows: the rules skip every
        other bucket with its state kept, no drift check runs on it (its
        ``source`` says so), and the history records it marked as such. The
        endpoint's own memory (outcome, failures, backoff, last poll) is left
        as it was: no request was made. The reset schedule does apply, as after an
        ``ok`` poll: a reset due before the next deadline still gets its one extra poll.
        """
        agent = self.agent_state
        now = self.clock()
        try:
            document = spool.read(str(self.paths.statusline_spool))
            decision = passive.choose(
                document,
                now=now,
                poll_interval=timedelta(seconds=self.config.poll_interval_seconds),
                last_poll_at=agent.last_poll_at,
                last_observed_at=max(
                    (t for t in (agent.last_success_at, agent.last_reading_at) if t is not None),
                    default=None,
                ),
                buckets=self.pipeline.state.buckets,
            )
            if decision.reading is None:
                logger.debug("polling: %s", decision.why)
                return None
            observation = passive.observation(decision.reading)
            self._guarded(
                "history",
                lambda: append_observation(
                    self.paths.history_file, observation, self.config.history_max_bytes
                ),
            )
            events = self.pipeline.process(observation)
        except Exception:  # a bug here must cost nothing: poll as if there were no reading
            logger.exception("could not use the statusline reading; polling instead")
            return None
        await self._publish(events, now)
        regular = schedule.next_poll(Outcome.OK, 0, None, now, self.config, self.rng)
        deadline = passive.next_deadline(regular, agent.last_poll_at)
        # A reading is as good as an ok poll for the reset schedule: without this, a reset
        # due before the next deadline was seen up to one interval late.
        deadline, reset_polls = self._reset_deadline(deadline, now, agent.reset_polls)
        self.agent_state = agent.model_copy(
            update={"last_reading_at": observation.observed_at, "reset_polls": reset_polls}
        )
        self._save()
        logger.debug(
            "used a statusline reading instead of polling; next in %s", _seconds(deadline - now)
        )
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
        before = self._state_before = self.pipeline.state
        events: list[Event] = await self._until_stopped(
            # Off the event loop (the work grows with the payload): SIGTERM is answered at once.
            in_daemon_thread(lambda: self.pipeline.process(observation), name="pipeline"),
            stop,
        )
        self._state_before = None
        self._note_too_large()
        # From here on the rules' state has moved on: these events exist only in
        # memory. Publish them before anything else that could fail.
        await self._publish(events, now, before)
        for event in events:
            if isinstance(event, DriftDetected):
                logger.warning(
                    "the usage payload changed shape (%d change(s)): new variant %s",
                    len(event.changes),
                    event.fingerprint[:ID_LENGTH],
                )
        drift = self.pipeline.last_drift
        if drift is not None and drift.too_large and not self._told_too_large:
            self._told_too_large = True  # once per run: the same server answers every poll
            logger.warning("the usage payload is too large to compare with the known shapes")
        if drift is not None and drift.changes:
            # Every sighting: the archive keeps first/last seen and a count per variant.
            self._archive(drift, payload, now)

    async def _publish(
        self, events: Sequence[Event], now: datetime, before: State | None = None
    ) -> None:
        # Called every poll, even without events: held messages go out this way.
        pending = [*self._unpublished, *events]
        try:
            await self.notifier.publish(pending, self.pipeline.last_buckets, now)
        except Exception:  # the notifier promises not to raise; if it does, keep the events
            logger.exception(
                "could not publish %d event(s); will try again at the next poll", len(pending)
            )
            self._unpublished = pending[-MAX_UNPUBLISHED:]
            if self._unpublished_before is None and events:
                self._unpublished_before = before
        else:
            self._unpublished = []
            self._unpublished_before = None

    def _archive(self, result: DriftResult, payload: dict[str, Any], now: datetime) -> None:
        archiver = self.archiver
        if archiver is not None:
            self._guarded("archive", lambda: archiver(result, payload, now))

    async def _tell_login_expired(
        self, message: str, now: datetime, *, never_logged_in: bool
    ) -> bool:
        """True when the notifier took the message (then it is not sent again this expiry)."""
        try:
            told = await self.notifier.login_expired(message, now, never_logged_in=never_logged_in)
        except Exception:  # the notifier promises not to raise; if it does, keep polling
            logger.exception("could not notify about the expired login")
            return False
        return told

    async def _login_ok(self) -> None:
        try:
            await self.notifier.login_ok()
        except Exception:  # the notifier promises not to raise; if it does, keep polling
            logger.exception("could not withdraw the login notification")

    # -- stale numbers and reset polls -------------------------------------------------

    async def check_stale(self, now: datetime) -> None:
        """Between polls: tell the user when the numbers turned stale while we wait."""
        state = self.agent_state
        if state.outcome in (Outcome.NEVER, Outcome.OK):
            return
        outcome = state.outcome
        told = await self._stale_notice(
            outcome,
            last_success_at=state.last_success_at,
            failing_since=state.failing_since,
            told=state.stale_told,
            retry_at=state.backoff_until if outcome is Outcome.RATE_LIMITED else None,
            now=now,
        )
        if told != state.stale_told:
            self.agent_state = state.model_copy(update={"stale_told": told})
            self._save()

    async def _stale_notice(
        self,
        outcome: Outcome,
        *,
        last_success_at: datetime | None,
        failing_since: datetime | None,
        told: bool,
        retry_at: datetime | None,
        now: datetime,
    ) -> bool:
        """Send the stale / fresh-again notice when one is due; returns the new "told" flag.

        ``last_success_at`` is the last success before this poll; ``failing_since`` the
        start of the failing spell (before this poll cleared it, for a success).
        """
        notice = staleness.decide(
            outcome=outcome,
            last_success_at=last_success_at,
            failing_since=failing_since,
            now=now,
            told=told,
            config=self.config,
        )
        if notice is StaleNotice.NONE:
            return told
        if notice is StaleNotice.FRESH:
            message = fresh_message(
                last_success_at=last_success_at,
                failing_since=failing_since,
                buckets=self.pipeline.last_buckets,
                now=now,
            )
            await self._tell(message, now)
            return False  # fresh numbers end the spell, whether or not the notice got out
        message = stale_message(
            outcome=outcome,
            last_success_at=last_success_at,
            failing_since=failing_since,
            retry_at=retry_at,
            last_known=self._last_known(),
            now=now,
        )
        told = await self._tell(message, now)
        if told:
            logger.warning("told the user the usage numbers are stale (%s)", outcome.value)
        return told

    def _last_known(self) -> Bucket | None:
        """The bucket closest to its cap in the last good numbers (the stored state after a
        restart, when this process has not seen a payload yet)."""
        buckets = [b for b in self.pipeline.last_buckets if self.config.is_enabled(b.name)]
        if not buckets:
            buckets = [
                Bucket(name, state.last_utilization, state.resets_at, BucketSource.WINDOW)
                for name, state in self.pipeline.state.buckets.items()
                if state.last_utilization is not None and self.config.is_enabled(name)
            ]
        return max(buckets, key=lambda bucket: bucket.utilization, default=None)

    async def _tell(self, message: Message, now: datetime) -> bool:
        try:
            return await self.notifier.tell(message, now)
        except Exception:  # the notifier promises not to raise; if it does, keep polling
            logger.exception("could not send the %s notification", message.kind.value)
            return False

    def _reset_deadline(
        self, deadline: datetime, now: datetime, polled: tuple[datetime, ...]
    ) -> tuple[datetime, tuple[datetime, ...]]:
        resets = schedule.notifying_resets(self.pipeline.state.buckets, self.config)
        moved, polled = schedule.reset_poll(deadline, now, resets, polled)
        if moved != deadline:
            logger.debug(
                "next poll just after the expected reset at %s (in %s)",
                moved.isoformat(timespec="seconds"),
                _seconds(moved - now),
            )
        return moved, polled

    def _user_agent(self) -> UserAgent | None:
        """What the client sent this poll; logged when this process first sends it or it changes."""
        agent = getattr(self.client, "last_user_agent", None)
        if not isinstance(agent, UserAgent):
            return None
        if agent.value != self._logged_user_agent:
            self._logged_user_agent = agent.value
            logger.info("sending User-Agent %s", agent.describe())
        return agent

    def _user_agent_hint(
        self,
        previous: AgentState,
        agent: UserAgent | None,
        rate_limited: int,
        rate_limit_error: bool,
    ) -> str | None:
        """The hint while it holds; logged once, when it first does (a restart keeps it)."""
        if rate_limited == 0:
            return None  # any other outcome ends the episode
        found = hint(agent, rate_limited, rate_limit_error)
        if found is None and agent is not None and agent.value == previous.user_agent:
            # Still the same User-Agent and still 429s: keep saying it (the body may vary).
            found = previous.user_agent_hint
        if found is not None and previous.user_agent_hint is None:
            logger.warning("%s", found)
        return found

    def _login_expires_at(self) -> datetime | None:
        if self.login_expiry is None:
            return None
        try:
            return self.login_expiry()
        except Exception:  # a bug here must not cost the poll
            logger.exception("could not read the login lifetime")
            return None

    async def _tell_login_expiring(self, expires_at: datetime, now: datetime) -> bool:
        """The "login ends in 3 days" notice, once per login; True when a sink took it."""
        told = await self._tell(login_expiring_message(expires_at, now), now)
        if told:
            logger.info("told the user the Claude login ends %s", expires_at.isoformat())
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
        current = next(
            (s for s in (self._state_before, self._unpublished_before) if s is not None),
            self.pipeline.state,
        )
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

    async def _wait_for_poll(self, deadline: datetime, stop: asyncio.Event) -> bool:
        """:meth:`_wait_until` the next poll, telling about stale numbers on the way.

        A long backoff (a 429's ``Retry-After``) can outlast the moment the numbers turn
        stale; the notice then comes at that moment, not hours later with the poll. When
        the poll itself is due by then (a wake from sleep), it goes first: its answer may
        well be fresh numbers.
        """
        state = self.agent_state
        due = None
        if not state.stale_told and state.outcome not in ("never", Outcome.OK.value):
            due = staleness.check_at(state.last_success_at, state.failing_since, self.config)
        if due is not None and due < deadline:
            if due > self.clock() and not await self._wait_until(due, stop):
                return False
            now = self.clock()
            if now + schedule.wake_settle(self.config) < deadline:
                await self.check_stale(now)
        return await self._wait_until(deadline, stop)

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
