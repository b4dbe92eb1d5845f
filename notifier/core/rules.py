"""The threshold and reset rules: from one observation's buckets, the new state and its events.

Pure: no clock (the observation carries ``observed_at``), no I/O, no globals.
Imports only the core (``models``, ``buckets``, ``events``). ``evaluate`` is the
contract's "Threshold and reset events" section, rule by rule, per bucket:

1. Reset: with ``prev`` the stored ``resets_at`` and ``cur`` the new one, a reset
   happened when ``prev`` is set and either ``cur > prev + 60 s`` and
   (``observed_at >= prev - 60 s`` or the utilization went down), or ``cur`` is
   null and ``observed_at >= prev``, or (a reset grant used early: the server
   keeps the old ``resets_at``) ``cur`` is within 60 s of ``prev``,
   ``observed_at < prev - 60 s`` and the utilization fell by at least 40 points
   to at most 10. It emits one :class:`BucketReset` and clears the fired set
   (and the stored ``resets_at`` when ``cur`` is null). A reset observed before
   ``prev - 60 s`` is ``early``.
2. Re-arm: a fired threshold ``T`` is cleared when utilization ``< T - hysteresis``.
3. Cross: the thresholds ``T <= utilization`` not yet fired are crossed; ONE
   :class:`ThresholdCrossed` carries the highest of them and all are marked fired.

Decisions the contract leaves open, taken here on purpose:

- ``resets_at`` stored: the last non-null value, as the contract says, also when
  it moved back (a move back is never a reset by rule 1). An earlier draft kept
  the later value to shield against a stale reading followed by a normal one;
  the contract's wording won, and the ``observed_at >= prev - 60 s`` clause
  already keeps a stale *future* time from firing early.
- ``previous_utilization`` of a reset is the last stored utilization (``None``
  only for a hand-made state without one).
- A disabled bucket emits nothing and its state is dropped: if the user enables
  it again it starts fresh, like a bucket that appears for the first time, so
  its current level is announced once and no stale reset is reported.
- A bucket absent from the observation (``discover`` omits windows whose
  utilization is missing or null) keeps its state untouched: absence is not a reset.
- Threshold events always notify. Reset events notify per
  ``reset_notifications``: ``"always"``, ``"never"``, or ``"crossed"`` (only when
  a threshold fired in the window that just ended; tracked by
  ``BucketState.crossed_in_window``, which hysteresis re-arming does not clear).
- Alias rule: a ``limit:`` bucket that discovery marked as the same limit as a
  top-level window (:attr:`Bucket.alias_of`) gets its events with ``notify``
  false; its state moves on as usual, so it stays silent only while the two agree.
- Events come in bucket discovery order; within a bucket, the reset comes first.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from notifier.core.buckets import Bucket
from notifier.core.events import BucketReset, ThresholdCrossed
from notifier.core.models import BucketState, Config

# A change of ``resets_at`` of a minute or less is jitter, not a reset (defined with the
# plain values, so the pace can use it without the rules' imports; re-exported here).
from notifier.core.values import JITTER as JITTER

RuleEvent = ThresholdCrossed | BucketReset
"""The events the rules can emit (drift events come from ``drift``)."""

# An early reset (a grant used): the drop it needs, and the level it must reach.
GRANT_DROP = 40.0
GRANT_LEVEL = 10.0

FRESH = BucketState()
"""The state of a bucket seen for the first time."""


def _reset_happened(
    prev: datetime | None,
    cur: datetime | None,
    utilization: float,
    last_utilization: float | None,
    observed_at: datetime,
) -> bool:
    """Rule 1 of the contract, verbatim (its three cases)."""
    if prev is None:
        return False
    if cur is None:
        return observed_at >= prev
    moved = cur - prev
    if moved > JITTER:
        went_down = last_utilization is not None and utilization < last_utilization
        return observed_at >= prev - JITTER or went_down
    if moved >= -JITTER and observed_at < prev - JITTER and last_utilization is not None:
        return utilization <= GRANT_LEVEL and last_utilization - utilization >= GRANT_DROP
    return False


def _stored_resets_at(prev: datetime | None, cur: datetime | None) -> datetime | None:
    """The ``resets_at`` to remember after a non-reset observation: the last non-null one."""
    return prev if cur is None else cur


def _reset_notify(config: Config, crossed_in_window: bool) -> bool:
    mode = config.reset_notifications
    if mode == "always":
        return True
    if mode == "never":
        return False
    return crossed_in_window


def evaluate_bucket(
    old: BucketState,
    bucket: Bucket,
    observed_at: datetime,
    config: Config,
    emit: Callable[[RuleEvent], object],
) -> BucketState:
    """Apply the three rules to one bucket; hand its events to ``emit`` (reset first).

    Returns ``old`` itself when nothing about the bucket changed, so a steady
    bucket costs no allocation.
    """
    utilization = bucket.utilization
    cur = bucket.resets_at
    prev = old.resets_at
    fired = old.fired
    crossed_in_window = old.crossed_in_window

    loud = bucket.alias_of is None  # the alias rule: one limit, one notification
    if prev is not None and _reset_happened(
        prev, cur, utilization, old.last_utilization, observed_at
    ):
        emit(
            BucketReset(
                bucket=bucket.name,
                previous_utilization=old.last_utilization,
                utilization=utilization,
                observed_at=observed_at,
                notify=loud and _reset_notify(config, crossed_in_window),
                early=observed_at < prev - JITTER,
            )
        )
        fired = ()
        crossed_in_window = False
        resets_at = cur  # None when the window expired to null: cleared too
    else:
        resets_at = _stored_resets_at(prev, cur)

    hysteresis = config.hysteresis
    if fired and utilization < max(fired) - hysteresis:
        # Rule 2: T stays fired unless utilization < T - hysteresis (checked against
        # the highest first: on most polls nothing re-arms and nothing is rebuilt).
        fired = tuple(t for t in fired if not utilization < t - hysteresis)

    highest: float | None = None
    new_fired: list[float] | None = None
    for threshold in config.thresholds_for(bucket.name):
        if threshold > utilization:
            break  # thresholds are ascending (validated in Config)
        if threshold not in fired:
            if new_fired is None:
                new_fired = list(fired)
            new_fired.append(threshold)
            highest = threshold
    if new_fired is not None and highest is not None:
        fired = tuple(sorted(new_fired))
        crossed_in_window = True
        emit(
            ThresholdCrossed(
                bucket=bucket.name,
                threshold=highest,
                utilization=utilization,
                observed_at=observed_at,
                notify=loud,
                resets_at=resets_at,
            )
        )

    if (
        fired == old.fired
        and resets_at == old.resets_at
        and crossed_in_window == old.crossed_in_window
    ):
        if utilization == old.last_utilization:
            return old
        # The common change of a poll: only the level moved. An unvalidated copy (every
        # value is already of the right type; this runs per bucket per observation).
        return old.model_copy(update={"last_utilization": utilization})
    return old.model_copy(
        update={
            "fired": fired,
            "last_utilization": utilization,
            "resets_at": resets_at,
            "crossed_in_window": crossed_in_window,
        }
    )


def evaluate(
    buckets_state: Mapping[str, BucketState],
    buckets: Sequence[Bucket],
    observed_at: datetime,
    config: Config,
) -> tuple[dict[str, BucketState], list[RuleEvent]]:
    """The new per-bucket state and the events of one observation.

    ``buckets`` is ``buckets.discover(payload)`` of the observation taken at
    ``observed_at`` (an aware datetime). ``buckets_state`` is not modified.
    """
    new_state = dict(buckets_state)
    events: list[RuleEvent] = []
    for bucket in buckets:
        name = bucket.name
        if not config.is_enabled(name):
            new_state.pop(name, None)
            continue
        old = buckets_state.get(name, FRESH)
        new_state[name] = evaluate_bucket(old, bucket, observed_at, config, events.append)
    return new_state, events
