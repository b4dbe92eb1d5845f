"""Bucket discovery on every shared fixture, against values worked out by hand from the files."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from notifier.core.buckets import Bucket, BucketSource, discover, slug
from notifier.core.text.labels import label
from tests.conftest import all_payload_files, load_payload

# (file, [(bucket name, utilization)]) read off the fixture files by eye.
EXPECTED = {
    "oauth-usage-2025-11.json": [
        ("five_hour", 6.0),
        ("seven_day", 35.0),
        ("seven_day_oauth_apps", 0.0),
        ("seven_day_opus", 0.0),
    ],
    "oauth-usage-classic-2026-03.json": [
        ("five_hour", 42.0),
        ("seven_day", 18.0),
        ("seven_day_sonnet", 3.0),
        ("extra_usage", 48.15),
    ],
    "oauth-usage-credit-grant-2026-09.json": [
        ("five_hour", 100.0),
        ("seven_day", 62.0),
        ("nimbus_quill", 0.0),
        ("cinder_cove", 100.0),
        ("extra_usage", 30.615),
    ],
    "oauth-usage-design-cowork.json": [
        ("five_hour", 8.0),
        ("seven_day", 41.0),
        ("seven_day_sonnet", 17.0),
        ("seven_day_opus", 70.5),
        ("seven_day_omelette", 29.0),
        ("seven_day_cowork", 9.0),
    ],
    "oauth-usage-enterprise.json": [("extra_usage", 38.15)],
    "oauth-usage-full-2026-07.json": [
        ("five_hour", 15.0),
        ("seven_day", 48.0),
        ("limit:weekly_scoped:fable", 81.0),
    ],
    "oauth-usage-low-usage.json": [
        ("five_hour", 1.0),
        ("seven_day", 0.0),
        ("extra_usage", 100.0),
    ],
    "oauth-usage-no-session.json": [
        ("five_hour", 0.0),
        ("seven_day", 12.0),
        ("seven_day_sonnet", 0.0),
    ],
    "oauth-usage-two-scoped-limits.json": [
        ("five_hour", 22.0),
        ("seven_day", 35.0),
        ("limit:weekly_scoped:opus", 12.0),
        ("limit:weekly_scoped:unscoped", 29.0),
    ],
    "oauth-usage-window-missing-resets-at.json": [
        ("five_hour", 64.0),
        ("seven_day", 20.0),
        ("seven_day_sonnet", 5.0),
        ("seven_day_opus", 33.0),
    ],
    "oauth-usage-window-missing-utilization.json": [("seven_day", 20.0)],
}


def test_every_fixture_is_covered() -> None:
    assert {p.name for p in all_payload_files()} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_discovery_matches_hand_worked_values(name: str) -> None:
    found = [(b.name, b.utilization) for b in discover(load_payload(name))]
    assert found == EXPECTED[name]


def test_utilization_is_never_rescaled() -> None:
    # 1.0 means one percent, not a full bucket.
    (five_hour, *_) = discover(load_payload("oauth-usage-low-usage.json"))
    assert five_hour.utilization == 1.0


def test_timestamps_keep_their_offsets() -> None:
    buckets = {b.name: b for b in discover(load_payload("oauth-usage-design-cowork.json"))}
    assert buckets["five_hour"].resets_at == datetime(2026, 6, 1, 12, tzinfo=UTC)
    cowork = buckets["seven_day_cowork"].resets_at
    assert cowork is not None
    assert cowork.utcoffset() == timedelta(hours=2)
    assert cowork == datetime(2026, 6, 5, 10, tzinfo=UTC)
    assert cowork == datetime(2026, 6, 5, 12, tzinfo=timezone(timedelta(hours=2)))


def test_extra_usage_carries_money_and_no_reset() -> None:
    buckets = {b.name: b for b in discover(load_payload("oauth-usage-classic-2026-03.json"))}
    extra = buckets["extra_usage"]
    assert extra.resets_at is None
    assert extra.money is not None
    assert (extra.money.used_minor, extra.money.limit_minor, extra.money.currency) == (
        963.0,
        2000.0,
        "USD",
    )


def test_scoped_limit_is_a_bucket_from_percent() -> None:
    buckets = {b.name: b for b in discover(load_payload("oauth-usage-full-2026-07.json"))}
    fable = buckets["limit:weekly_scoped:fable"]
    assert fable.source is BucketSource.LIMIT
    assert fable.resets_at == datetime(2026, 7, 23, 14, 59, 59, 571131, tzinfo=UTC)


def test_unknown_bucket_is_watched_without_code_changes() -> None:
    payload = {"seven_day_opus_4_7": {"utilization": 12, "resets_at": None}, "x": 3}
    assert [(b.name, b.utilization) for b in discover(payload)] == [("seven_day_opus_4_7", 12.0)]
    assert label("seven_day_opus_4_7") == "7-day Opus 4.7"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Fable", "fable"),
        ("Opus 4.7", "opus_4_7"),
        ("  Sonnet--X ", "_sonnet_x_"),
        ("", "unscoped"),
        (None, "unscoped"),
        (42, "unscoped"),
    ],
)
def test_slug(value: object, expected: str) -> None:
    assert slug(value) == expected


@pytest.mark.parametrize(
    "window",
    [
        {"utilization": None},
        {"utilization": "50"},
        {"utilization": True},
        {"resets_at": "2026-01-01T00:00:00Z"},
        {"utilization": float("nan")},
    ],
)
def test_window_without_numeric_utilization_is_not_a_bucket(window: dict[str, object]) -> None:
    assert discover({"five_hour": window}) == []


def test_the_mirror_kinds_are_not_separate_buckets() -> None:
    payload = {"limits": [{"kind": "session", "percent": 5}, {"kind": "weekly_all", "percent": 7}]}
    assert discover(payload) == []


def test_every_other_limit_kind_is_a_bucket_including_ones_not_seen_yet() -> None:
    payload = {
        "limits": [
            {"kind": "session", "percent": 5, "resets_at": "2026-11-02T13:00:00Z"},
            {"kind": "monthly_scoped", "percent": 12.5, "resets_at": "2026-12-01T00:00:00Z",
             "scope": {"model": {"display_name": "Claude Fable 5"}}},
            {"kind": "daily_burst", "percent": 40, "resets_at": None, "scope": None},
            {"kind": "weekly_scoped", "percent": 3, "scope": {"model": {"display_name": "Opus"}}},
            {"kind": "", "percent": 9},  # no kind: nothing to name it by
            {"kind": 7, "percent": 9},
            {"percent": 9},
            {"kind": "daily_burst", "percent": "40"},  # no numeric percent
        ]
    }  # fmt: skip
    found = discover(payload)
    assert [(b.name, b.utilization, b.source) for b in found] == [
        ("limit:monthly_scoped:claude_fable_5", 12.5, BucketSource.LIMIT),
        ("limit:daily_burst:unscoped", 40.0, BucketSource.LIMIT),
        ("limit:weekly_scoped:opus", 3.0, BucketSource.LIMIT),
    ]
    assert found[0].resets_at == datetime(2026, 12, 1, tzinfo=UTC)
    assert found[1].resets_at is None


def _opus(window: object, entry_percent: object, entry_resets: object) -> list[Bucket]:
    return discover(
        {
            "seven_day_opus": window,
            "limits": [
                {"kind": "weekly_scoped", "percent": entry_percent, "resets_at": entry_resets,
                 "scope": {"model": {"display_name": "Opus"}}},
            ],
        }
    )  # fmt: skip


def test_a_limit_with_a_window_s_numbers_is_marked_as_its_alias() -> None:
    window = {"utilization": 41.0, "resets_at": "2026-11-07T14:59:59.570774+00:00"}
    # Same percent, same reset up to the server's sub-second noise and another offset.
    found = _opus(window, 41, "2026-11-07T16:00:00.571131+01:00")
    assert [(b.name, b.alias_of) for b in found] == [
        ("seven_day_opus", None),
        ("limit:weekly_scoped:opus", "seven_day_opus"),
    ]


@pytest.mark.parametrize(
    ("percent", "resets_at"),
    [
        (42, "2026-11-07T14:59:59Z"),  # another utilization
        (41, "2026-11-07T15:01:00Z"),  # resets 61 s apart: another limit
        (41, None),  # one has a reset time, the other none
    ],
)
def test_a_limit_with_other_numbers_is_no_alias(percent: int, resets_at: str | None) -> None:
    window = {"utilization": 41.0, "resets_at": "2026-11-07T14:59:59Z"}
    assert [b.alias_of for b in _opus(window, percent, resets_at)] == [None, None]


def test_the_alias_needs_the_slug_as_the_window_key_s_last_word() -> None:
    same = {"utilization": 41.0, "resets_at": "2026-11-07T14:59:59Z"}
    payload = {
        "opus_weekly": same,  # the slug, but not at the end after an underscore
        "seven_dayopus": same,
        "limits": [
            {"kind": "weekly_scoped", "percent": 41, "resets_at": "2026-11-07T14:59:59Z",
             "scope": {"model": {"display_name": "Opus"}}},
        ],
    }  # fmt: skip
    assert [b.alias_of for b in discover(payload)] == [None, None, None]
    window = {"utilization": 41.0, "resets_at": None}
    assert [b.alias_of for b in _opus(window, 41, None)] == [None, "seven_day_opus"]


def test_bad_or_naive_timestamp_becomes_none() -> None:
    payload = {
        "a": {"utilization": 1, "resets_at": "tomorrow"},
        "b": {"utilization": 1, "resets_at": "2026-01-01T00:00:00"},
    }
    assert [b.resets_at for b in discover(payload)] == [None, None]


def test_labels_for_known_and_scoped_names() -> None:
    assert label("five_hour") == "5-hour"
    assert label("seven_day_opus") == "7-day Opus"
    assert label("limit:weekly_scoped:fable") == "Weekly Fable"
    assert label("iguana_necktie") == "Iguana Necktie"


def test_labels_join_version_numbers_and_read_well() -> None:
    assert label("limit:weekly_scoped:opus_4_7") == "Weekly Opus 4.7"
    assert label("seven_day_sonnet_4") == "7-day Sonnet 4"


def test_labels_spell_the_scoped_prefix_as_discovery_does() -> None:
    from notifier.core.buckets import SCOPED_PREFIX
    from notifier.core.text import labels

    assert labels.SCOPED_PREFIX == SCOPED_PREFIX


def test_resets_a_minute_apart_are_still_one_limit_under_two_names() -> None:
    # 60 s is jitter (the contract: a change of a minute or less is not a reset); 61 s,
    # above, is another limit.
    window = {"utilization": 41.0, "resets_at": "2026-11-07T14:59:00Z"}
    found = _opus(window, 41, "2026-11-07T15:00:00Z")
    assert [b.alias_of for b in found] == [None, "seven_day_opus"]


def test_a_window_named_exactly_underscore_slug_ends_with_it() -> None:
    # The contract's rule is "a key that ends with _<slug>": the key "_opus" does.
    same = {"utilization": 41.0, "resets_at": None}
    opus = {"model": {"display_name": "Opus"}}
    payload = {"_opus": same, "limits": [{"kind": "weekly_scoped", "percent": 41, "scope": opus}]}
    assert [b.alias_of for b in discover(payload)] == [None, "_opus"]


def test_a_limit_whose_reset_time_is_out_of_range_is_missing_for_that_observation() -> None:
    # Contract: a timestamp outside years 1-9999 once its offset is applied makes that
    # bucket's reading missing (never a bucket with an unknown reset); the others go on.
    payload = {
        "limits": [
            {"kind": "weekly_scoped", "percent": 3, "resets_at": "9999-12-31T23:59:59-01:00",
             "scope": {"model": {"display_name": "Opus"}}},
            {"kind": "daily_burst", "percent": 40, "resets_at": "garbage"},
        ]
    }  # fmt: skip
    # A garbage string, in contrast, is just an unknown reset time.
    assert [(b.name, b.resets_at) for b in discover(payload)] == [
        ("limit:daily_burst:unscoped", None)
    ]


def test_two_limits_naming_the_same_bucket_keep_the_first() -> None:
    payload = {
        "limits": [
            {"kind": "daily_burst", "percent": 40},
            {"kind": "daily_burst", "percent": 55},  # same kind, unscoped again
        ]
    }
    assert [(b.name, b.utilization) for b in discover(payload)] == [
        ("limit:daily_burst:unscoped", 40.0)
    ]


@pytest.mark.parametrize("limits", [5, "weekly", {"kind": "weekly_scoped", "percent": 3}, True])
def test_limits_that_are_not_a_list_are_ignored(limits: object) -> None:
    # A surprise shape costs the limits, never the windows or the poll.
    payload = {"five_hour": {"utilization": 10, "resets_at": None}, "limits": limits}
    assert [b.name for b in discover(payload)] == ["five_hour"]


def test_only_extra_usage_carries_money() -> None:
    payload = {
        "five_hour": {"utilization": 10, "resets_at": None, "used_credits": 5},
        "extra_usage": {"utilization": 10, "used_credits": 100, "monthly_limit": 1000},
    }
    money = {b.name: b.money for b in discover(payload)}
    assert money["five_hour"] is None
    assert money["extra_usage"] is not None


@pytest.mark.parametrize(
    ("extra", "exponent", "currency"),
    [
        # decimal_places says how many digits the minor unit has: yen have none,
        # dinars three; without it (or with a non-integer) cents, the common case.
        ({"decimal_places": 0, "currency": "JPY"}, 0, "JPY"),
        ({"decimal_places": 3, "currency": "KWD"}, 3, "KWD"),
        ({}, 2, None),
        ({"decimal_places": True}, 2, None),  # a boolean is no count of digits
        ({"decimal_places": "3", "currency": 840}, 2, None),  # wrong types: the defaults
    ],
)
def test_extra_usage_money_takes_its_exponent_and_currency_only_when_well_typed(
    extra: dict[str, object], exponent: int, currency: str | None
) -> None:
    payload = {"extra_usage": {"utilization": 10, "used_credits": 100, **extra}}
    (bucket,) = discover(payload)
    assert bucket.money is not None
    assert (bucket.money.exponent, bucket.money.currency) == (exponent, currency)
