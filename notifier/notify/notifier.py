"""The ``Notifier`` facade: events -> messages -> throttle -> sink, never raising.

Edge. It owns no delivery of its own (:mod:`.sinks`) and no discovery
(:mod:`.chooser`); it applies the throttle, falls back to the log for a
message a sink could not deliver, and asks the chooser again while it is on
the log fallback or after repeated failures, because a systemd user unit often
starts before the desktop's notification server.

Create it inside the event loop that lives as long as the agent, so click
callbacks run.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta, tzinfo
from functools import partial

from notifier.core.buckets import Bucket
from notifier.core.events import Event
from notifier.core.models import Config
from notifier.core.text.clean import printable, printable_lines
from notifier.core.text.messages import (
    LOGIN_SLOT,
    LoginProblem,
    Message,
    event_messages,
    login_message,
    with_age,
)
from notifier.core.throttle import ThrottleState, decide_for
from notifier.notify.chooser import Chooser, choose_sink
from notifier.notify.sinks import (
    PERMISSION_WAIT,
    Delivery,
    InteractionHook,
    LogSink,
    NotifierFactory,
    Sink,
)
from notifier.runner import CommandRunner

logger = logging.getLogger("notifier.notify")

RECHOOSE_EVERY = timedelta(minutes=5)
"""How often (in publish time) a Notifier on the log fallback looks for a backend again."""
RECHOOSE_AFTER_FAILURES = 3
"""Consecutive failed deliveries after which a Notifier looks for a backend again."""


class Notifier:
    """Events -> messages -> throttle -> sink, with a log fallback per failed message.

    The throttle state (last hour's sends, held messages) lives in memory. Call
    :meth:`publish` every poll, even without events, so held messages go out.

    With a ``chooser`` (what :meth:`create` passes when it chose the sink), a
    Notifier whose sink is the log fallback, or whose sink failed
    :data:`RECHOOSE_AFTER_FAILURES` times in a row, runs the chooser again at
    most every :data:`RECHOOSE_EVERY` (measured with the ``now`` given to
    :meth:`publish`) and switches to what it finds. Without one (a sink given
    explicitly) the sink is kept for good.
    """

    def __init__(
        self,
        sink: Sink,
        description: str,
        config: Config,
        *,
        tz: tzinfo | None = None,
        chooser: Chooser | None = None,
    ) -> None:
        self.sink = sink
        self._description = description
        self._config = config
        self._tz = tz
        self._throttle = ThrottleState()
        self._fallback = LogSink(f"{sink.name} delivery failed")
        self._chooser = chooser
        self._chosen_at: datetime | None = None  # publish time of the last choice
        self._fell_back = 0  # consecutive FELL_BACK deliveries

    @property
    def description(self) -> str:
        """Which sink delivers (or why only the log does); follows a switch of sink.

        A sink that changes path by itself (macOS: osascript until permission is
        known) describes itself.
        """
        live = getattr(self.sink, "description", None)
        return live if isinstance(live, str) else self._description

    @classmethod
    async def create(
        cls,
        config: Config,
        *,
        environ: Mapping[str, str] | None = None,
        system: str | None = None,
        runner: CommandRunner | None = None,
        sink: Sink | None = None,
        on_interaction: InteractionHook | None = None,
        max_live: int | None = None,
        notifier_factory: NotifierFactory | None = None,
        stop: asyncio.Event | None = None,
        permission_timeout: float = PERMISSION_WAIT,
    ) -> Notifier:
        """Choose a sink (or use ``sink``) inside the running, long-lived event loop.

        A chosen sink is chosen again later when it is the log fallback or keeps
        failing; a given ``sink`` is kept. ``stop`` (the agent's stop event)
        cuts the wait for a first-run permission answer short.
        """
        if sink is not None:
            return cls(sink, f"{sink.name} sink (given)", config)
        chooser: Chooser = partial(
            choose_sink,
            config,
            environ=environ,
            system=system,
            runner=runner,
            on_interaction=on_interaction,
            max_live=max_live,
            notifier_factory=notifier_factory,
        )
        chosen, description = await choose_sink(
            config,
            environ=environ,
            system=system,
            runner=runner,
            notifier_factory=notifier_factory,
            stop=stop,
            permission_timeout=permission_timeout,
            on_interaction=on_interaction,
            max_live=max_live,
        )
        level = logging.WARNING if isinstance(chosen, LogSink) else logging.INFO
        logger.log(level, "notifications: %s", description)
        return cls(chosen, description, config, chooser=chooser)

    async def publish(
        self, events: Sequence[Event], buckets: Sequence[Bucket], now: datetime
    ) -> list[Delivery]:
        """Notify about ``events`` (``notify=False`` ones skipped); one Delivery per notification.

        Held messages (over the hourly cap, deferred quiet hours) produce no
        Delivery until they go out, summarised, in a later call. Critical ones
        (at 100 % or more) are never held.
        """
        messages: list[Message] = []
        for event in events:
            # Per event: one that cannot be turned into text is logged and skipped; the
            # rest of the batch still goes out.
            if not event.notify:
                continue
            try:
                messages.extend(
                    event_messages(
                        [event], buckets, now, self._tz, drift=self._config.drift_notifications
                    )
                )
            except Exception as exc:  # a rendering bug must cost one notification, no more
                logger.error(  # noqa: TRY400 - one line: the event, not a traceback
                    "could not word the %s event of %s (%s); skipped, the others go out",
                    type(event).__name__,
                    getattr(event, "bucket", "the payload"),
                    type(exc).__name__,
                )
        return await self._deliver(messages, now)

    async def login_expired(
        self, message: str, now: datetime, *, never_logged_in: bool = False
    ) -> bool:
        """Send the critical "log in again" notification; True when a sink took it.

        "Took" means delivered, recorded, logged or logged after a failed send: the
        message is never held (not by the hourly cap, not by deferring quiet hours;
        at night it goes out without sound). Every call notifies: the caller keeps
        the "already told" flag (the agent's ``AgentState.login_notified``).
        ``never_logged_in`` picks the "not logged in yet" text over "expired".
        """
        problem = LoginProblem.NEVER_LOGGED_IN if never_logged_in else LoginProblem.EXPIRED
        login = login_message(message, problem)
        deliveries = await self._deliver([login], now)
        return bool(deliveries) and login not in self._throttle.held

    def reconfigure(self, config: Config) -> None:
        """Use a reloaded configuration (cap, quiet hours) from the next publish on."""
        self._config = config

    async def login_ok(self) -> None:
        """A poll succeeded: withdraw the "log in" notification if it is still shown."""
        await self.withdraw(LOGIN_SLOT)

    async def withdraw(self, slot: str) -> None:
        """Take down the live notification of ``slot``; never raises."""
        try:
            await self.sink.withdraw(slot)
        except Exception as exc:  # withdrawing is best effort
            logger.warning("%s sink raised %s on withdraw", self.sink.name, type(exc).__name__)

    async def tell(self, message: Message, now: datetime) -> bool:
        """Send one message of the agent's own (stale numbers, fresh again); True when taken.

        Taken means delivered, recorded or logged, or held by the throttle (it goes out,
        summarised, when the cap or the quiet hours allow). The caller keeps the "told"
        flag, as for :meth:`login_expired`.
        """
        deliveries = await self._deliver([message], now)
        return bool(deliveries) or message in self._throttle.held

    async def close(self) -> None:
        """Close the sink; errors while closing are logged, not raised."""
        await _close(self.sink)

    async def _deliver(self, messages: Sequence[Message], now: datetime) -> list[Delivery]:
        await self._maybe_choose_again(now)
        to_send, self._throttle = decide_for(messages, self._throttle, now, self._config, self._tz)
        # Held or retried messages can be old by now: they say how old their numbers are.
        fresh_for = timedelta(seconds=self._config.poll_interval_seconds)
        return [
            await self._send_one(with_age(message, now, fresh_for, self._tz)) for message in to_send
        ]

    async def _maybe_choose_again(self, now: datetime) -> None:
        if self._chooser is None:
            return
        if self._chosen_at is None or now < self._chosen_at:
            # The chooser ran when this Notifier was made (or the clock went back):
            # start counting from here.
            self._chosen_at = now
            return
        failing = self._fell_back >= RECHOOSE_AFTER_FAILURES
        if not (isinstance(self.sink, LogSink) or failing):
            return
        if now - self._chosen_at < RECHOOSE_EVERY:
            return
        self._chosen_at = now
        try:
            sink, description = await self._chooser()
        except Exception:  # the chooser promises not to raise; if it does, keep the sink
            logger.warning("looking for a notification backend again failed", exc_info=True)
            return
        if isinstance(sink, LogSink) and isinstance(self.sink, LogSink):
            logger.debug("notifications: still %s", description)
        elif isinstance(sink, LogSink):
            logger.warning(
                "notifications: %s, after %d failed deliveries via %s",
                description,
                self._fell_back,
                self._description,
            )
        else:
            logger.info("notifications: now %s (was %s)", description, self._description)
        await _close(self.sink)
        self.sink = sink
        self._description = description
        self._fallback = LogSink(f"{sink.name} delivery failed")
        self._fell_back = 0

    async def _send_one(self, message: Message) -> Delivery:
        # The edge to the desktop: no server string reaches it with control characters.
        message = replace(
            message, title=printable(message.title), body=printable_lines(message.body)
        )
        try:
            outcome = await self.sink.send(message)
        except Exception as exc:  # publish never raises for a delivery failure
            logger.warning("%s sink raised %s: %s", self.sink.name, type(exc).__name__, exc)
            outcome = Delivery.FAILED
        if outcome is not Delivery.FAILED:
            self._fell_back = 0
            if outcome is Delivery.DELIVERED:
                # The log answers "did it notify me?": what, and by which path.
                logger.info("notified (%s): %s", self.sink.name, message.title)
            return outcome
        await self._fallback.send(message)
        self._fell_back += 1
        return Delivery.FELL_BACK


async def _close(sink: Sink) -> None:
    try:
        await sink.close()
    except Exception:  # shutting down or switching: nothing useful to raise
        logger.warning("closing the %s sink failed", sink.name, exc_info=True)
