"""The extra poll just after an expected reset: when, for which buckets, and only once.

From the issue: "a poll scheduled just after the nearest expected ``resets_at``
(within the polite budget: never more than one extra poll per reset)". The margin is
``RESET_MARGIN`` (30 s) after the reset.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from notifier.core.models import BucketConfig, BucketState, Config
from notifier.core.schedule import RESET_MARGIN, notifying_resets, reset_poll

NOW = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)
REGULAR = NOW + 5 * MIN  # the 300 s interval


def test_no_reset_ahead_keeps_the_regular_poll() -> None:
    assert reset_poll(REGULAR, NOW, [], ()) == (REGULAR, ())
    past = NOW - MIN
    assert reset_poll(REGULAR, NOW, [past], ()) == (REGULAR, ())
    # a reset at this very moment was this poll's to see
    assert reset_poll(REGULAR, NOW, [NOW], ()) == (REGULAR, ())


def test_a_reset_before_the_regular_poll_gets_one_just_after_it() -> None:
    reset = NOW + 2 * MIN
    assert reset_poll(REGULAR, NOW, [reset], ()) == (reset + RESET_MARGIN, (reset,))
    # asked again (a restart, a second poll before it): that reset had its extra poll
    later = NOW + MIN
    assert reset_poll(later + 5 * MIN, later, [reset], (reset,)) == (later + 5 * MIN, (reset,))
    # once it is behind, it is forgotten: it can never be the nearest again
    after = reset + RESET_MARGIN
    assert reset_poll(after + 5 * MIN, after, [reset], (reset,)) == (after + 5 * MIN, ())


def test_the_nearest_of_several_resets_counts() -> None:
    near, far = NOW + 1 * MIN, NOW + 3 * MIN
    assert reset_poll(REGULAR, NOW, [far, near, far], ()) == (near + RESET_MARGIN, (near,))
    # the near one done: the far one gets its own
    after = near + RESET_MARGIN
    assert reset_poll(after + 5 * MIN, after, [far], (near,)) == (far + RESET_MARGIN, (far,))
    # two resets taking turns as the nearest each still get one, not one each turn
    assert reset_poll(REGULAR, NOW, [near, far], (near,)) == (far + RESET_MARGIN, (near, far))
    assert reset_poll(REGULAR, NOW, [near, far], (near, far)) == (REGULAR, (near, far))


def test_a_reset_the_regular_poll_sees_in_time_needs_no_extra_poll() -> None:
    # reset + margin at or after the regular poll: it would only add a poll
    assert reset_poll(REGULAR, NOW, [REGULAR - RESET_MARGIN], ()) == (REGULAR, ())
    assert reset_poll(REGULAR, NOW, [NOW + timedelta(hours=3)], ()) == (REGULAR, ())


def _state(resets_at: datetime | None, *, crossed: bool) -> BucketState:
    return BucketState(resets_at=resets_at, crossed_in_window=crossed)


def test_only_resets_that_would_notify_count() -> None:
    r1, r2, r3 = NOW + MIN, NOW + 2 * MIN, NOW + 3 * MIN
    buckets = {
        "five_hour": _state(r1, crossed=True),
        "seven_day": _state(r2, crossed=False),
        "seven_day_opus": _state(r3, crossed=True),
        "extra_usage": _state(None, crossed=True),
    }
    assert notifying_resets(buckets, Config()) == [r1, r3]  # "crossed", the default
    assert notifying_resets(buckets, Config(reset_notifications="always")) == [r1, r2, r3]
    assert notifying_resets(buckets, Config(reset_notifications="never")) == []
    muted = Config(buckets={"five_hour": BucketConfig(enabled=False)})
    assert notifying_resets(buckets, muted) == [r3]


# --------------------------------------------------------------------------- property


@settings(max_examples=200, deadline=None)
@given(
    periods=st.lists(st.integers(min_value=3, max_value=600), min_size=1, max_size=4),
    offsets=st.lists(st.integers(min_value=0, max_value=600), min_size=4, max_size=4),
    interval=st.integers(min_value=1, max_value=30),
    jitters=st.lists(st.floats(min_value=0, max_value=0.1), min_size=1, max_size=20),
    lag=st.integers(min_value=0, max_value=120),
    polls=st.integers(min_value=1, max_value=300),
    interruptions=st.lists(st.sampled_from([None, 0.0, 0.3, 0.9]), min_size=1, max_size=7),
)
def test_never_more_than_one_extra_poll_per_reset(
    periods: list[int],
    offsets: list[int],
    interval: int,
    jitters: list[float],
    lag: int,
    polls: int,
    interruptions: list[float | None],
) -> None:
    """An agent polling every ``interval`` minutes (jittered) next to buckets that reset
    every ``period`` minutes; the server shows the new ``resets_at`` only ``lag``
    seconds after a reset. Now and then a restart or a wake polls early (at that fraction
    of the wait), with the remembered reset kept in the state file. Every extra poll
    comes just after a reset, never before it, never after the regular poll would have,
    and no reset gets two."""
    start = NOW
    boundaries = [
        (start + offset * MIN, period * MIN)
        for period, offset in zip(periods, offsets, strict=False)
    ]

    def shown_resets(at: datetime) -> list[datetime]:
        # What the server says at ``at``: the next boundary, the old one during the lag.
        shown = []
        for first, period in boundaries:
            boundary = first
            while boundary + timedelta(seconds=lag) <= at:
                boundary += period
            shown.append(boundary)
        return shown

    now: datetime = start
    polled: tuple[datetime, ...] = ()
    extra: Counter[datetime] = Counter()
    for step in range(polls):
        regular = now + interval * MIN * (1 + jitters[step % len(jitters)])
        deadline, remembered = reset_poll(regular, now, shown_resets(now), polled)
        assert now < deadline <= regular
        new = set(remembered) - set(polled)
        if deadline != regular:
            assert len(new) == 1
            (reset,) = new
            assert deadline == reset + RESET_MARGIN
            assert reset > now
            extra[reset] += 1
        else:
            assert not new
        early = interruptions[step % len(interruptions)]
        now = deadline if early is None else now + (deadline - now) * early + timedelta(seconds=1)
        polled = remembered
    assert all(count == 1 for count in extra.values()), extra
