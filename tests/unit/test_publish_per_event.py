"""One bad event never blocks the others: rendering and delivery are per event."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notifier.core.events import Event, ThresholdCrossed
from notifier.core.models import Config
from notifier.core.text import messages
from notifier.core.text.labels import label
from notifier.notify.notifier import Notifier
from notifier.notify.sinks import RecordingSink

NOW = datetime(2026, 7, 1, 9, tzinfo=UTC)
POISON = "poisoned_bucket"


def event(bucket: str, utilization: float = 100.0) -> ThresholdCrossed:
    return ThresholdCrossed(
        bucket=bucket, threshold=100.0, utilization=utilization, observed_at=NOW
    )


def fragile_renderer(monkeypatch: pytest.MonkeyPatch) -> None:
    """The real renderer, except that it fails for one bucket (a rendering bug)."""
    real = messages.event_message

    def render(ev: Event, *args: Any, **kwargs: Any) -> messages.Message | None:
        if getattr(ev, "bucket", None) == POISON:
            raise ValueError("cannot word this")
        return real(ev, *args, **kwargs)

    monkeypatch.setattr(messages, "event_message", render)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.sampled_from(["five_hour", "seven_day", POISON, "extra_usage"]), unique=True, max_size=4
    )
)
def test_the_healthy_events_go_out_whatever_fails_around_them(names: list[str]) -> None:
    import asyncio

    with pytest.MonkeyPatch.context() as patch:
        fragile_renderer(patch)
        sink = RecordingSink()
        # Critical (100 %) messages are never held by the hourly cap.
        notifier = Notifier(sink, "recording", Config(max_notifications_per_hour=100))
        asyncio.run(notifier.publish([event(name) for name in names], [], NOW))
    # A burst may go out as one summary: every healthy bucket is in what was shown.
    shown = " ".join(f"{m.title} {m.body}" for m in sink.sent)
    for name in names:
        if name != POISON:
            assert label(name) in shown, (name, shown)
    assert bool(sink.sent) == any(name != POISON for name in names)


async def test_a_skipped_event_is_one_log_line(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    fragile_renderer(monkeypatch)
    sink = RecordingSink()
    notifier = Notifier(sink, "recording", Config())
    with caplog.at_level(logging.INFO, logger="notifier.notify"):
        await notifier.publish([event(POISON), event("five_hour")], [], NOW)
    assert len(sink.sent) == 1
    (record,) = [r for r in caplog.records if "could not word" in r.getMessage()]
    assert POISON in record.getMessage()
    assert record.exc_info is None
