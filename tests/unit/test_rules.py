"""The threshold and reset rules, one table per rule of contract.md "Threshold and reset events".

Every expected value is worked out from the contract's wording (quoted next to
each table), not from the code's output.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

import pytest

from notifier.core.buckets import Bucket, BucketSource
from notifier.core.events import BucketReset, ThresholdCrossed
from notifier.core.models import BucketConfig, BucketState, Config
from notifier.core.rules import RuleEvent, evaluate

T0 = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)  # the stored resets_at in most cases
DEFAULT = Config()  # thresholds [75, 90, 100], hysteresis 5, reset_notifications "crossed"


def sec(n: float) -> timedelta:
    return timedelta(seconds=n)


def run_one(
    state: BucketState | None,
    utilization: float,
    resets_at: datetime | None,
    observed_at: datetime,
    config: Config = DEFAULT,
    name: str = "five_hour",
) -> tuple[BucketState | None, list[RuleEvent]]:
    before = {} if state is None else {name: state}
    after, events = evaluate(before, [Bucket(name, utilization, resets_at)], observed_at, config)
    return after.get(name), events


def kinds(events: list[RuleEvent]) -> list[str]:
    return [type(e).__name__ for e in events]


# --------------------------------------------------------------------------- rule 1: reset
# "a reset happened when prev is set and either
#  - cur is later than prev by more than 60 s, and the observation time is at or
#    after prev minus 60 s, or utilization went down; or
#  - cur is null and the observation time is at or after prev; or
#  - cur is within 60 s of prev, the observation time is before prev minus 60 s,
#    and utilization fell by at least 40 points to at most 10 (a grant used early)."
# "A reset observed before prev minus 60 s is early."


H = 3600  # seconds


@dataclass(frozen=True)
class ResetCase:
    """Times are seconds from T0; ``prev``/``cur`` None mean null."""

    why: str
    prev: float | None
    last: float
    cur: float | None
    utilization: float
    observed: float
    reset: bool
    early: bool = False


RESET_CASES = [
    ResetCase("no stored resets_at: nothing to reset", None, 50, 5 * H, 10, 0, False),
    ResetCase("advanced 5 h, observed after prev", 0, 50, 5 * H, 10, 60, True),
    ResetCase("advanced 5 h, usage up, observed after", 0, 5, 5 * H, 40, 1, True),
    ResetCase("advanced 61 s, observed at prev", 0, 50, 61, 50, 0, True),
    ResetCase("advanced exactly 60 s: jitter", 0, 50, 60, 0, 30, False),
    ResetCase("sub-second jitter, observed after prev", 0, 50, 0.4, 0, 600, False),
    ResetCase("observed exactly prev - 60 s", 0, 50, 5 * H, 50, -60, True),
    ResetCase("observed prev - 61 s, usage same", 0, 50, 5 * H, 50, -61, False),
    ResetCase("observed prev - 61 s, usage up", 0, 50, 5 * H, 51, -61, False),
    ResetCase("hours early but usage went down", 0, 50, 5 * H, 49.5, -2 * H, True, early=True),
    ResetCase("61 s early, usage down", 0, 50, 5 * H, 49, -61, True, early=True),
    # The third case: a reset grant used, the server keeps the old resets_at.
    ResetCase("grant: resets_at same, 50 -> 0", 0, 50, 0, 0, -2 * H, True, early=True),
    ResetCase("grant: resets_at 59 s later, 95 -> 10", 0, 95, 59, 10, -2 * H, True, early=True),
    ResetCase("grant: resets_at 60 s earlier, 40 -> 0", 0, 40, -60, 0, -2 * H, True, early=True),
    ResetCase("grant: observed exactly prev - 61 s", 0, 90, 0, 5, -61, True, early=True),
    ResetCase("drop of 39 points: a low reading", 0, 49, 0, 10, -2 * H, False),
    ResetCase("drop to 11: a low reading", 0, 90, 0, 11, -2 * H, False),
    ResetCase("drop observed at prev - 60 s: not early", 0, 90, 0, 0, -60, False),
    ResetCase("resets_at 61 s earlier, 90 -> 0", 0, 90, -61, 0, -2 * H, False),
    ResetCase("agent off for days: far later window", 0, 80, 96 * H, 90, 90 * H, True),
    ResetCase("moved back 2 h: not a reset", 0, 50, -2 * H, 0, 600, False),
    ResetCase("expired to null, observed after prev", 0, 93, None, 0, 1800, True),
    ResetCase("expired to null, observed exactly at prev", 0, 93, None, 0, 0, True),
    ResetCase("null before prev: not yet", 0, 93, None, 0, -1, False),
]


def at(seconds: float | None) -> datetime | None:
    return None if seconds is None else T0 + sec(seconds)


@pytest.mark.parametrize("case", RESET_CASES, ids=[c.why for c in RESET_CASES])
def test_reset_detection(case: ResetCase) -> None:
    state = BucketState(last_utilization=case.last, resets_at=at(case.prev))
    config = Config(thresholds=[200])  # keep threshold events out of the way
    observed_at = T0 + sec(case.observed)
    _, events = run_one(state, case.utilization, at(case.cur), observed_at, config)
    resets = [e for e in events if isinstance(e, BucketReset)]
    assert len(resets) == (1 if case.reset else 0)
    if case.reset:
        assert resets[0] == BucketReset(
            bucket="five_hour",
            previous_utilization=case.last,  # the last stored utilization
            utilization=case.utilization,
            observed_at=observed_at,
            notify=False,  # nothing fired in the window that ended
            early=case.early,
        )


def test_the_same_instant_in_another_offset_is_not_a_move() -> None:
    state = BucketState(last_utilization=50, resets_at=T0)
    _, events = run_one(state, 0, T0.astimezone(timezone(sec(2 * H))), T0 + sec(9))
    assert events == []


def test_reset_clears_the_fired_set_so_the_new_window_fires_again() -> None:
    state = BucketState(
        fired=(75.0, 90.0), last_utilization=93, resets_at=T0, crossed_in_window=True
    )
    after, events = run_one(state, 80, T0 + sec(18000), T0 + sec(10))
    assert kinds(events) == ["BucketReset", "ThresholdCrossed"]  # reset first, then rule 3
    assert isinstance(events[1], ThresholdCrossed)
    assert events[1].threshold == 75
    assert after is not None
    assert after.fired == (75.0,)
    assert after.resets_at == T0 + sec(18000)


def test_reset_to_null_clears_the_stored_resets_at() -> None:
    state = BucketState(fired=(75.0,), last_utilization=80, resets_at=T0, crossed_in_window=True)
    after, events = run_one(state, 0, None, T0 + sec(60))
    assert kinds(events) == ["BucketReset"]
    assert after == BucketState(fired=(), last_utilization=0, resets_at=None)


def test_after_a_null_window_the_next_window_is_stored_without_a_second_reset() -> None:
    state = BucketState(last_utilization=0, resets_at=None)
    after, events = run_one(state, 12, T0 + sec(18000), T0 + sec(3600))
    assert events == []
    assert after is not None
    assert after.resets_at == T0 + sec(18000)


@pytest.mark.parametrize(
    ("why", "prev", "cur", "observed_at", "stored"),
    [
        ("jitter later: the last value", T0, T0 + sec(0.7), T0 - sec(99), T0 + sec(0.7)),
        ("jitter earlier: the last value", T0, T0 - sec(0.7), T0 - sec(99), T0 - sec(0.7)),
        ("advanced early, no drop: the last value", T0, T0 + sec(H), T0 - sec(2 * H), T0 + sec(H)),
        ("null before prev: last non-null kept", T0, None, T0 - sec(600), T0),
        ("moved back beyond jitter: the last", T0, T0 - sec(7200), T0 - sec(9000), T0 - sec(7200)),
    ],
)  # fmt: skip
def test_stored_resets_at_without_a_reset(
    why: str, prev: datetime, cur: datetime | None, observed_at: datetime, stored: datetime
) -> None:
    state = BucketState(last_utilization=50, resets_at=prev)
    after, events = run_one(state, 50, cur, observed_at, Config(thresholds=[200]))
    assert events == [], why
    assert after is not None
    assert after.resets_at == stored, why


def test_a_window_moved_back_then_forward_follows_the_stored_last_value() -> None:
    # The contract stores the last non-null resets_at. Window ends T0; a reading
    # moves it back to T0 - 2 h (not a reset: cur is earlier); a later reading
    # moves it to T0 + 3 h, observed at T0 - 1 h: that is after the stored
    # T0 - 2 h minus 60 s, so it is a reset (the window that ended at T0 - 2 h).
    state = BucketState(last_utilization=60, resets_at=T0, crossed_in_window=True)
    s1, e1 = run_one(state, 60, T0 - sec(7200), T0 - sec(9000))
    assert e1 == []
    assert s1 is not None
    assert s1.resets_at == T0 - sec(7200)
    _, e2 = run_one(s1, 60, T0 + sec(3 * H), T0 - sec(H))
    assert kinds(e2) == ["BucketReset"]


# ------------------------------------------------------------------- reset notify flag
# reset_notifications: "crossed" (default: only for a bucket that fired a threshold
# in the window that ended), "always" or "never".


@pytest.mark.parametrize(
    ("mode", "crossed", "notify"),
    [
        ("crossed", True, True),
        ("crossed", False, False),
        ("always", True, True),
        ("always", False, True),
        ("never", True, False),
        ("never", False, False),
    ],
)
def test_reset_notify_flag(mode: str, crossed: bool, notify: bool) -> None:
    config = Config.model_validate({"reset_notifications": mode})
    state = BucketState(last_utilization=50, resets_at=T0, crossed_in_window=crossed)
    _, events = run_one(state, 1, T0 + sec(18000), T0 + sec(5), config)
    assert len(events) == 1
    assert isinstance(events[0], BucketReset)
    assert events[0].notify is notify


def test_crossed_survives_hysteresis_rearm_within_the_window() -> None:
    # 80 fires 75; 60 re-arms 75 (60 < 70); the window then ends: it did fire in it.
    state = BucketState(last_utilization=10, resets_at=T0)
    s1, e1 = run_one(state, 80, T0, T0 - sec(7200))
    s2, e2 = run_one(s1, 60, T0, T0 - sec(3600))
    assert s2 is not None
    assert s2.fired == ()
    _, e3 = run_one(s2, 2, T0 + sec(18000), T0 + sec(60))
    assert kinds(e1) == ["ThresholdCrossed"]
    assert e2 == []
    assert len(e3) == 1
    assert isinstance(e3[0], BucketReset)
    assert e3[0].notify is True


def test_crossed_applies_to_the_window_that_ended_not_the_one_before() -> None:
    state = BucketState(last_utilization=80, resets_at=T0, fired=(75.0,), crossed_in_window=True)
    s1, e1 = run_one(state, 5, T0 + sec(18000), T0 + sec(60))  # window with a crossing ends
    _, e2 = run_one(s1, 40, T0 + sec(36000), T0 + sec(18060))  # quiet window ends
    assert [e.notify for e in e1 + e2] == [True, False]


# --------------------------------------------------------------------------- rule 2: re-arm
# "a fired threshold T is cleared when utilization < T - hysteresis."


@pytest.mark.parametrize(
    ("hysteresis", "dip", "fires_again"),
    [
        (5, 85.0, False),  # 85 is not < 90 - 5
        (5, 84.9, True),
        (5, 89.0, False),
        (0, 89.9, True),
        (0, 90.0, False),
        (10, 80.5, False),
        (10, 79.5, True),
    ],
)
def test_rearm_after_a_drop_below_threshold_minus_hysteresis(
    hysteresis: float, dip: float, fires_again: bool
) -> None:
    config = Config(thresholds=[90], hysteresis=hysteresis)
    state = BucketState(last_utilization=91, resets_at=T0, fired=(90.0,), crossed_in_window=True)
    s1, e1 = run_one(state, dip, T0, T0 - sec(3000), config)
    _, e2 = run_one(s1, 91, T0, T0 - sec(2000), config)
    assert e1 == []
    assert kinds(e2) == (["ThresholdCrossed"] if fires_again else [])


def test_rearm_is_per_threshold() -> None:
    # fired {75, 90, 100}; 88 re-arms 100 (88 < 95) but not 90 (88 >= 85) nor 75.
    state = BucketState(last_utilization=100, resets_at=T0, fired=(75.0, 90.0, 100.0))
    after, events = run_one(state, 88, T0, T0 - sec(60))
    assert events == []
    assert after is not None
    assert after.fired == (75.0, 90.0)


# --------------------------------------------------------------------------- rule 3: cross
# "the thresholds T <= utilization that are not in the fired set are crossed. If any
# are, emit ONE threshold event carrying the highest of them, and add them all."


@pytest.mark.parametrize(
    ("fired", "utilization", "threshold", "fired_after"),
    [
        ((), 74.99, None, ()),
        ((), 75.0, 75.0, (75.0,)),  # T <= utilization: reaching it exactly counts
        ((), 92.0, 90.0, (75.0, 90.0)),  # the contract's own example
        ((), 100.0, 100.0, (75.0, 90.0, 100.0)),
        ((), 130.0, 100.0, (75.0, 90.0, 100.0)),  # utilization can exceed 100
        ((75.0,), 80.0, None, (75.0,)),
        ((75.0,), 95.0, 90.0, (75.0, 90.0)),
        ((75.0, 90.0), 99.9, None, (75.0, 90.0)),
        ((90.0,), 91.0, 75.0, (75.0, 90.0)),  # 75 was re-armed by hand: it alone fires
    ],
)
def test_cross(
    fired: tuple[float, ...],
    utilization: float,
    threshold: float | None,
    fired_after: tuple[float, ...],
) -> None:
    state = BucketState(last_utilization=utilization, resets_at=T0, fired=fired)
    after, events = run_one(state, utilization, T0, T0 - sec(600))
    if threshold is None:
        assert events == []
    else:
        assert events == [
            ThresholdCrossed(
                bucket="five_hour",
                threshold=threshold,
                utilization=utilization,
                observed_at=T0 - sec(600),
                notify=True,
                resets_at=T0,
            )
        ]
    assert after is not None
    assert after.fired == fired_after


def test_a_restart_with_the_saved_state_does_not_repeat() -> None:
    after, first = run_one(None, 92, T0, T0 - sec(600))
    _, again = run_one(after, 92, T0, T0 - sec(300))
    assert kinds(first) == ["ThresholdCrossed"]
    assert again == []


def test_per_bucket_thresholds_override_the_global_list() -> None:
    config = Config(buckets={"five_hour": BucketConfig(thresholds=[50])})
    state: dict[str, BucketState] = {}
    buckets = [Bucket("five_hour", 60, T0), Bucket("seven_day", 60, T0)]
    _, events = evaluate(state, buckets, T0 - sec(60), config)
    assert [(e.bucket, getattr(e, "threshold", None)) for e in events] == [("five_hour", 50.0)]


# ----------------------------------------------------------------------- buckets over time


def test_disabled_bucket_emits_nothing_and_forgets_its_state() -> None:
    config = Config(buckets={"seven_day_omelette": BucketConfig(enabled=False)})
    state = {
        "seven_day_omelette": BucketState(last_utilization=50, resets_at=T0, crossed_in_window=True)
    }
    after, events = evaluate(
        state, [Bucket("seven_day_omelette", 95, T0 + sec(18000))], T0 + sec(60), config
    )
    assert events == []
    assert "seven_day_omelette" not in after


def test_missing_bucket_keeps_its_state_untouched() -> None:
    kept = BucketState(last_utilization=80, resets_at=T0, fired=(75.0,), crossed_in_window=True)
    state = {"five_hour": kept, "seven_day": BucketState(last_utilization=1)}
    # Past five_hour's reset time, but five_hour is absent: absence is not a reset.
    after, events = evaluate(state, [Bucket("seven_day", 2, None)], T0 + sec(3600), DEFAULT)
    assert events == []
    assert after["five_hour"] is kept


def test_a_bucket_that_appears_later_starts_fresh() -> None:
    state = {"five_hour": BucketState(last_utilization=10, resets_at=T0)}
    after, events = evaluate(
        state, [Bucket("five_hour", 11, T0), Bucket("tangelo", 91, T0)], T0 - sec(60), DEFAULT
    )
    assert [(e.bucket, getattr(e, "threshold", None)) for e in events] == [("tangelo", 90.0)]
    assert after["tangelo"] == BucketState(
        fired=(75.0, 90.0), last_utilization=91, resets_at=T0, crossed_in_window=True
    )


def test_bucket_without_resets_at_never_resets_but_thresholds_and_hysteresis_work() -> None:
    # extra_usage: spend against the monthly limit, no resets_at at all.
    name = "extra_usage"
    state: BucketState | None = None
    seen: list[tuple[str, float | None]] = []
    for hours, utilization in [(0, 80), (100, 10), (200, 81), (300, 82), (400, 69), (500, 76)]:
        state, events = run_one(state, utilization, None, T0 + sec(3600 * hours), name=name)
        seen += [(type(e).__name__, getattr(e, "threshold", None)) for e in events]
    # 80 fires 75; 10 re-arms it (no reset: no resets_at); 81 fires 75 again;
    # 69 < 70 re-arms; 76 fires once more.
    assert seen == [("ThresholdCrossed", 75.0)] * 3


def test_events_follow_bucket_discovery_order() -> None:
    buckets = [Bucket("seven_day", 95, T0), Bucket("five_hour", 80, T0)]
    _, events = evaluate({}, buckets, T0 - sec(60), DEFAULT)
    assert [e.bucket for e in events if isinstance(e, ThresholdCrossed)] == [
        "seven_day",
        "five_hour",
    ]


def test_evaluate_does_not_modify_its_input() -> None:
    before = {"five_hour": BucketState(last_utilization=10, resets_at=T0)}
    snapshot = dict(before)
    evaluate(before, [Bucket("five_hour", 99, T0 + sec(18000))], T0 + sec(60), DEFAULT)
    assert before == snapshot


def test_steady_utilization_updates_last_utilization() -> None:
    after, _ = run_one(BucketState(last_utilization=10, resets_at=T0), 12.5, T0, T0 - sec(60))
    assert after is not None
    assert after.last_utilization == 12.5


# --------------------------------------------------------------------------- alias rule
# "when a limit: bucket and a top-level window whose key ends with _<slug> carry the
#  same utilization and the same resets_at in one observation, the limit: bucket's
#  events in that observation have notify false."


def test_an_aliased_limit_crosses_and_resets_silently_while_its_window_speaks() -> None:
    config = Config(reset_notifications="always")
    end = T0 + sec(7 * 24 * H)
    window = Bucket("seven_day_opus", 91.0, end)
    limit = Bucket(
        "limit:weekly_scoped:opus", 91.0, end, BucketSource.LIMIT, alias_of="seven_day_opus"
    )
    state, events = evaluate({}, [window, limit], T0, config)
    assert [(e.bucket, e.notify) for e in events] == [
        ("seven_day_opus", True),
        ("limit:weekly_scoped:opus", False),
    ]
    # Its state moved on like any bucket's: the threshold does not fire again later.
    assert state["limit:weekly_scoped:opus"].fired == (75.0, 90.0)
    later = end + sec(60)
    new_end = later + sec(7 * 24 * H)
    _, resets = evaluate(
        state,
        [
            Bucket("seven_day_opus", 1.0, new_end),
            Bucket("limit:weekly_scoped:opus", 1.0, new_end, BucketSource.LIMIT, alias_of="x"),
        ],
        later,
        config,
    )
    assert [(type(e).__name__, e.notify) for e in resets] == [
        ("BucketReset", True),
        ("BucketReset", False),
    ]


def test_a_limit_that_parts_from_its_window_speaks_for_itself() -> None:
    end = T0 + sec(7 * 24 * H)
    limit = Bucket("limit:weekly_scoped:opus", 80.0, end, BucketSource.LIMIT)  # no alias now
    _, events = evaluate({}, [Bucket("seven_day_opus", 70.0, end), limit], T0, DEFAULT)
    assert [(e.bucket, e.notify) for e in events] == [("limit:weekly_scoped:opus", True)]


def test_an_unchanged_bucket_keeps_its_state_object_and_a_moved_level_its_reset_time() -> None:
    stored = BucketState(fired=(75.0,), last_utilization=80.0, resets_at=T0)
    same, events = run_one(stored, 80.0, T0, T0 - sec(3600))
    assert same is stored
    assert events == []
    # The same instant written with another offset is no change: the stored text stays.
    plus_one = T0.astimezone(timezone(timedelta(hours=1)))
    moved, _ = run_one(stored, 82.0, plus_one, T0 - sec(3500))
    assert moved is not None
    assert moved.last_utilization == 82.0
    assert moved.resets_at is not None
    assert moved.resets_at.utcoffset() == timedelta(0)
    assert moved.fired == (75.0,)


def test_the_pipelines_memory_steps_as_the_persisted_state_does() -> None:
    from notifier.core.rules import FORGOTTEN, FRESH, Memory, evaluate_bucket, step

    assert Memory.of(FRESH) == FORGOTTEN
    events: list[RuleEvent] = []
    memory, state = FORGOTTEN, FRESH
    for minutes, level in enumerate([10.0, 76.0, 76.0, 92.0, 60.0, 3.0]):
        at = T0 - sec(7200) + sec(60 * minutes)
        bucket = Bucket("five_hour", level, T0 if level > 5 else T0 + sec(18000))
        new_memory = step(
            memory, bucket, at, DEFAULT, DEFAULT.thresholds_for("five_hour"), events.append
        )
        new_state = evaluate_bucket(state, bucket, at, DEFAULT, lambda _: None)
        assert (new_memory is memory) == (new_state is state)
        assert Memory.of(new_state) == new_memory
        memory, state = new_memory, new_state
    assert kinds(events) == ["ThresholdCrossed", "ThresholdCrossed", "BucketReset"]
