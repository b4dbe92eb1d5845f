"""macOS notification paths as desktop-notifier 6.2 really behaves there, run on Linux.

Real parts: desktop-notifier's ``DesktopNotifier`` and its dummy backend (whose
``send`` "dispatches" every notification), our sinks, chooser and Notifier.
Ours, standing in for what only a Mac has, and shaped after the macOS backend's
source (``backends/macos.py``):

- ``request_authorisation()`` returns only when the user answers the first-run
  dialog: a future nobody resolves is "nobody at the Mac";
- a failed ``addNotificationRequest`` raises nothing: the backend logs
  ``"%s: domain=%s, code=%s, description=%s"`` with the prefix "Error when
  scheduling notification" as a warning on ``desktop_notifier.backends.macos``
  and the dispatched callback still runs. UNErrorDomain code 1 is
  UNErrorCodeNotificationsNotAllowed.
``osascript`` is a RecordingRunner.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest

from notifier.core.buckets import Bucket
from notifier.core.events import ThresholdCrossed
from notifier.core.models import Config
from notifier.core.text.messages import sample_message
from notifier.notify.chooser import choose_sink
from notifier.notify.notifier import Notifier
from notifier.notify.sinks import (
    FALLBACK_AFTER_FAILURES,
    Delivery,
    MacOSDesktopSink,
    delivered_by_osascript,
)
from notifier.runner import RecordingRunner

if TYPE_CHECKING:
    from desktop_notifier import DesktopNotifier

NOW = datetime(2026, 7, 6, 10, 0, tzinfo=UTC)
EVENT = ThresholdCrossed("five_hour", 90, 91.5, NOW)
BUCKETS = [Bucket("five_hour", 91.5, None)]
MACOS_LOGGER = "desktop_notifier.backends.macos"


class MacBackend:
    """What the test controls about the fake macOS backend, shared with its instances."""

    def __init__(self, *, failing: bool = False) -> None:
        self.answer: asyncio.Future[bool] | None = None
        self.failing = failing
        self.sent = 0
        self.asked = 0
        self.request_cancelled = False

    def factory(self) -> Callable[[str], DesktopNotifier]:
        from desktop_notifier import Capability, DesktopNotifier
        from desktop_notifier.backends.dummy import DummyNotificationCenter

        control = self

        class Backend(DummyNotificationCenter):
            async def _get_capabilities(self) -> frozenset[Capability]:
                return frozenset({Capability.TITLE, Capability.MESSAGE, Capability.ON_DISPATCHED})

            async def request_authorisation(self) -> bool:
                control.asked += 1
                control.answer = asyncio.get_running_loop().create_future()
                try:
                    return await control.answer  # the dialog, until the user answers
                except asyncio.CancelledError:
                    control.request_cancelled = True
                    raise

            async def _send(self, notification: Any) -> None:
                control.sent += 1
                if control.failing:
                    # backends/macos.py log_nserror(), word for word
                    logging.getLogger(MACOS_LOGGER).warning(
                        "%s: domain=%s, code=%s, description=%s",
                        "Error when scheduling notification",
                        "UNErrorDomain",
                        1,
                        "Notifications are not allowed for this application",
                    )

        def make(app_name: str) -> DesktopNotifier:
            notifier = DesktopNotifier(app_name=app_name, app_icon=None)
            notifier._backend = Backend(app_name, None)
            return notifier

        return make


def _osascript_calls(runner: RecordingRunner) -> list[list[str]]:
    return [call for call in runner.calls if call[0] == "osascript"]


async def test_an_unanswered_permission_dialog_does_not_hold_up_the_start() -> None:
    backend = MacBackend()
    runner = RecordingRunner()
    started = time.monotonic()
    sink, description = await choose_sink(
        Config(),
        system="Darwin",
        runner=runner,
        notifier_factory=backend.factory(),
        permission_timeout=0.2,
    )
    assert time.monotonic() - started < 2.0
    assert isinstance(sink, MacOSDesktopSink)
    assert description == (
        "osascript while macOS asks for permission to use the Notification Center"
    )
    try:
        # until the answer: osascript, and desktop-notifier is not asked to send
        assert await sink.send(sample_message()) is Delivery.DELIVERED
        assert len(_osascript_calls(runner)) == 1
        assert backend.sent == 0
        assert delivered_by_osascript(sink)

        # the user clicks Allow: the Notification Center from the next message on
        assert backend.answer is not None
        backend.answer.set_result(True)
        await asyncio.sleep(0)
        assert sink.description == "macOS Notification Center (desktop-notifier)"
        assert await sink.send(sample_message()) is Delivery.DELIVERED
        assert backend.sent == 1
        assert len(_osascript_calls(runner)) == 1
        assert backend.asked == 1  # the send did not ask again
    finally:
        await sink.close()


async def test_a_refusal_after_the_wait_keeps_osascript() -> None:
    backend = MacBackend()
    runner = RecordingRunner()
    sink, _ = await choose_sink(
        Config(),
        system="Darwin",
        runner=runner,
        notifier_factory=backend.factory(),
        permission_timeout=0.05,
    )
    assert isinstance(sink, MacOSDesktopSink)
    try:
        assert backend.answer is not None
        backend.answer.set_result(False)
        await asyncio.sleep(0)
        assert sink.description == (
            "osascript, because notifications are not allowed for this Python in System Settings"
        )
        assert await sink.send(sample_message()) is Delivery.DELIVERED
        assert backend.sent == 0
        assert len(_osascript_calls(runner)) == 1
    finally:
        await sink.close()


async def test_the_stop_signal_cuts_the_permission_wait_short() -> None:
    backend = MacBackend()
    stop = asyncio.Event()
    asyncio.get_running_loop().call_later(0.1, stop.set)
    started = time.monotonic()
    notifier = await Notifier.create(
        Config(),
        system="Darwin",
        runner=RecordingRunner(),
        notifier_factory=backend.factory(),
        stop=stop,  # the default 5 s wait would otherwise run out
    )
    assert time.monotonic() - started < 1.0
    await notifier.close()
    assert backend.request_cancelled  # closing does not wait for the dialog either


async def test_a_failed_add_notification_request_counts_as_a_failure(
    caplog: pytest.LogCaptureFixture,
) -> None:
    backend = MacBackend(failing=True)
    runner = RecordingRunner()
    sink, _ = await choose_sink(
        Config(),
        system="Darwin",
        runner=runner,
        notifier_factory=backend.factory(),
        permission_timeout=0.05,
    )
    assert isinstance(sink, MacOSDesktopSink)
    assert backend.answer is not None
    backend.answer.set_result(True)  # allowed... and still every request fails
    await asyncio.sleep(0)
    caplog.set_level(logging.WARNING)
    try:
        # dispatched, but refused: not "delivered"; resent through osascript at once
        assert await sink.desktop.send(sample_message()) is Delivery.FAILED
        assert sink.desktop.last_failure == (
            "Error when scheduling notification: domain=UNErrorDomain, code=1, "
            "description=Notifications are not allowed for this application"
        )
        assert not [r for r in caplog.records if r.name == MACOS_LOGGER]  # said once, by us
        backend.sent = 0
        runner.calls.clear()
        for _ in range(FALLBACK_AFTER_FAILURES):
            assert await sink.send(sample_message()) is Delivery.DELIVERED
        assert backend.sent == FALLBACK_AFTER_FAILURES
        assert len(_osascript_calls(runner)) == FALLBACK_AFTER_FAILURES
        assert sink.description.startswith(
            f"osascript, after {FALLBACK_AFTER_FAILURES} failed deliveries (Error when scheduling"
        )
        # given up on the Notification Center: it is not tried again
        assert await sink.send(sample_message()) is Delivery.DELIVERED
        assert backend.sent == FALLBACK_AFTER_FAILURES
        assert len(_osascript_calls(runner)) == FALLBACK_AFTER_FAILURES + 1
    finally:
        await sink.close()


async def test_the_notifier_names_the_path_in_use() -> None:
    backend = MacBackend()
    runner = RecordingRunner()
    notifier = await Notifier.create(
        Config(),
        system="Darwin",
        runner=runner,
        notifier_factory=backend.factory(),
        permission_timeout=0.05,
    )
    try:
        assert notifier.description.startswith("osascript while macOS asks")
        assert await notifier.publish([EVENT], BUCKETS, NOW) == [Delivery.DELIVERED]
        assert backend.answer is not None
        backend.answer.set_result(True)
        await asyncio.sleep(0)
        assert notifier.description == "macOS Notification Center (desktop-notifier)"
    finally:
        await notifier.close()


# --------------------------------------------------------------------------- notify --test


async def test_notify_test_on_the_osascript_path_says_the_one_time_step(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # osascript exits 0 whether or not Script Editor may notify: the result line
    # comes with the step that makes it show up.
    from notifier.cli.commands import notify
    from notifier.notify import chooser
    from notifier.notify.sinks import OsascriptSink

    runner = RecordingRunner()

    async def choose(config: Config, **kwargs: Any) -> tuple[OsascriptSink, str]:
        assert kwargs["permission_timeout"] == notify.PERMISSION_WAIT
        return OsascriptSink(runner), "osascript, because desktop-notifier has only its dummy"

    monkeypatch.setattr(chooser, "choose_sink", choose)
    result = await notify._send_sample(Config())
    assert result.exit_code == 0
    out = list(result.text)
    assert (
        out[0] == "Test notification sent: osascript, because desktop-notifier has only its dummy."
    )
    assert out[1] == (
        "If nothing appeared: macOS drops osascript notifications silently (they come from "
        "Script Editor) until Script Editor may notify: open Script Editor, run "
        '`display notification "test"`, and click Allow (or switch Script Editor on in '
        "System Settings > Notifications)."
    )
    assert len(runner.calls) == 1


async def test_notify_test_while_permission_is_pending_names_osascript_and_the_step(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from notifier.cli.commands import notify
    from notifier.notify import chooser

    backend = MacBackend()
    runner = RecordingRunner()
    real = chooser.choose_sink

    async def choose(config: Config, **kwargs: Any) -> Any:
        kwargs["permission_timeout"] = 0.05  # the user did not answer within the wait
        return await real(
            config, system="Darwin", runner=runner, notifier_factory=backend.factory(), **kwargs
        )

    monkeypatch.setattr(chooser, "choose_sink", choose)
    result = await notify._send_sample(Config())
    assert result.exit_code == 0
    out = list(result.text)
    assert out[0] == (
        "Test notification sent: osascript while macOS asks for permission to use the "
        "Notification Center."
    )
    assert out[1].startswith("If nothing appeared: macOS drops osascript notifications")


async def test_notify_test_via_the_notification_center_says_nothing_about_script_editor(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from notifier.cli.commands import notify
    from notifier.notify import chooser

    backend = MacBackend()
    real = chooser.choose_sink

    async def answer_soon() -> None:
        for _ in range(500):  # the dialog is up once the request was made
            if backend.answer is not None:
                break
            await asyncio.sleep(0.01)
        assert backend.answer is not None
        backend.answer.set_result(True)  # the user clicks Allow while we wait

    async def choose(config: Config, **kwargs: Any) -> Any:
        answering = asyncio.ensure_future(answer_soon())
        try:
            return await real(
                config,
                system="Darwin",
                runner=RecordingRunner(),
                notifier_factory=backend.factory(),
                **kwargs,
            )
        finally:
            await answering

    monkeypatch.setattr(chooser, "choose_sink", choose)
    result = await notify._send_sample(Config())
    assert result.exit_code == 0
    out = list(result.text)
    assert out == ["Test notification sent: macOS Notification Center (desktop-notifier)."]
    assert backend.sent == 1
