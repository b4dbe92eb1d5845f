"""The statusline's line, pure: what each number turns into, and the template fields.

Expected texts follow the module's rules: whole percents (never 100 below 100),
the countdown only on the bucket closest to its cap, ``↑`` for a forecast,
``(Nh old)`` past 45 minutes, a dash for a window whose reset has passed.
"""

from __future__ import annotations

import pytest

from notifier.core.text import statusline as text
from notifier.core.text.statusline import Number

NOW = 1_800_000_000.0
MIN = 60.0
HOUR = 3600.0


@pytest.mark.parametrize(
    ("utilization", "shown"),
    [
        (14.000000000000002, "14%"),
        (0.0, "0%"),
        (0.4, "0%"),
        (40.5, "41%"),
        (92.6, "93%"),
        (99.2, "99%"),
        (99.6, "99%"),  # rounding up would claim the wall
        (100.0, "100%"),
        (112.4, "112%"),
        (-3.0, "0%"),
    ],
)
def test_percent_is_whole_and_never_claims_the_wall_early(utilization: float, shown: str) -> None:
    assert text.percent(utilization) == shown


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (-5, "<1m"),
        (59, "<1m"),
        (27 * MIN + 30, "27m"),
        (4 * HOUR + 5 * MIN, "4h05m"),
        (3 * 24 * HOUR + 4 * HOUR + 59 * MIN, "3d4h"),
    ],
)
def test_countdown_is_compact(seconds: float, shown: str) -> None:
    assert text.countdown(seconds) == shown


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("five_hour", "5h"),
        ("seven_day", "7d"),
        ("seven_day_opus", "7d Opus"),
        ("seven_day_opus_4_7", "7d Opus 4.7"),
        ("seven_day_omelette", "7d Design"),
        ("limit:weekly_scoped:fable", "Fable"),
        ("limit:weekly_scoped:claude_fable_2", "Claude Fable 2"),
        ("limit:daily_scoped:fable", "Fable daily"),
        ("nimbus_quill", "Nimbus Quill"),
        ("extra_usage", "Extra"),
        ("spend_limit", "Spend"),
    ],
)
def test_short_labels(name: str, label: str) -> None:
    assert text.short_label(name) == label


def test_the_issue_example() -> None:
    numbers = [
        Number("five_hour", 93.2, NOW + 27 * MIN + 10),
        Number("seven_day", 41.0, NOW + 3 * 24 * HOUR),
        Number("limit:weekly_scoped:fable", 55.0, NOW + 2 * 24 * HOUR, forecast=True),
    ]
    assert text.fields(numbers, NOW)["line"] == "5h 93% ↻27m · 7d 41% · Fable 55% ↑"


def test_the_countdown_follows_the_bucket_closest_to_its_cap() -> None:
    numbers = [
        Number("five_hour", 10.0, NOW + 2 * HOUR),
        Number("seven_day", 41.0, NOW + 4 * 24 * HOUR + 15 * HOUR),
        Number("limit:weekly_scoped:fable", 88.0, NOW + 20 * HOUR),
    ]
    values = text.fields(numbers, NOW)
    assert values["line"] == "5h 10% · 7d 41% · Fable 88% ↻20h00m"
    assert values["closest"] == "Fable 88% ↻20h00m"
    assert (values["closest_label"], values["closest_pct"]) == ("Fable", "88%")
    # the per-window fields still carry their own countdowns
    assert (values["five_hour_reset"], values["seven_day_reset"]) == ("2h00m", "4d15h")


def test_a_spend_cap_above_100_is_shown_as_it_is_and_is_closest() -> None:
    numbers = [
        Number("five_hour", 14.000000000000002, NOW + HOUR),
        Number("seven_day", 41.0, NOW + 24 * HOUR),
        Number("spend_limit", 112.4, NOW + 10 * 24 * HOUR),
    ]
    values = text.fields(numbers, NOW)
    assert values["line"] == "5h 14% · 7d 41% · Spend 112% ↻10d0h"
    assert values["spend_pct"] == "112%"


def test_nothing_known_is_the_neutral_line() -> None:
    values = text.fields([], NOW)
    assert values["line"] == "5h \u2013 · 7d \u2013"
    assert values["five_hour_pct"] == "\u2013"
    assert values["closest"] == values["stale"] == values["spend"] == values["others"] == ""


def test_ascii_only_swaps_every_glyph() -> None:
    numbers = [Number("five_hour", 93.0, NOW + 27 * MIN + 5, forecast=True)]
    assert text.fields(numbers, NOW, ascii_only=True)["line"] == "5h 93% ^ in 27m | 7d -"


def test_stale_numbers_say_how_old() -> None:
    numbers = [
        Number("five_hour", 20.0, NOW + HOUR, age=0.0),
        Number("seven_day", 41.0, NOW + 24 * HOUR, age=44 * MIN),  # within the agent's rhythm
        Number("limit:weekly_scoped:fable", 70.0, NOW + 24 * HOUR, age=3 * HOUR + 5 * MIN),
        Number("seven_day_opus", 60.0, NOW + 24 * HOUR, age=None),
    ]
    values = text.fields(numbers, NOW)
    assert values["line"] == "5h 20% · 7d 41% · Fable 70% ↻1d0h (3h old) · 7d Opus 60% (old)"
    assert values["stale"] == "old"  # the unknown age is the oldest


def test_a_window_whose_reset_passed_shows_a_dash_and_is_never_closest() -> None:
    numbers = [
        Number("five_hour", 97.0, NOW - 5 * MIN, age=20 * MIN),
        Number("seven_day", 41.0, NOW + 24 * HOUR),
    ]
    values = text.fields(numbers, NOW)
    assert values["line"] == "5h \u2013 · 7d 41% ↻1d0h"
    assert values["five_hour_pct"] == "\u2013"
    assert values["five_hour_reset"] == ""


def test_other_buckets_only_when_they_matter_fullest_first_at_most_two() -> None:
    numbers = [
        Number("five_hour", 95.0, NOW + HOUR),
        Number("seven_day", 41.0, NOW + 24 * HOUR),
        Number("seven_day_sonnet", 3.0, NOW + 24 * HOUR),  # not worth the room
        Number("seven_day_opus", 49.0, NOW + 24 * HOUR),  # under OTHER_MIN
        Number("tangelo", 10.0, None, forecast=True),  # a forecast always matters
        Number("limit:weekly_scoped:fable", 62.0, NOW + 24 * HOUR),
        Number("extra_usage", 51.0, None),  # would be third
    ]
    values = text.fields(numbers, NOW)
    assert values["line"] == "5h 95% ↻1h00m · 7d 41% · Fable 62% · Extra 51%"
    assert values["others"] == "Fable 62% · Extra 51%"
    assert values["forecast"] == "Tangelo"


def test_the_first_number_per_bucket_wins() -> None:
    numbers = [Number("five_hour", 30.0, NOW + HOUR), Number("five_hour", 80.0, NOW + HOUR)]
    assert text.fields(numbers, NOW)["five_hour_pct"] == "30%"


def test_render_fills_fields_keeps_unknown_ones_and_unescapes_braces() -> None:
    values = {"five_hour_pct": "93%", "model": "Opus"}
    assert text.render("{model}: {five_hour_pct} {{raw}} {nope}", values) == (
        "Opus: 93% {raw} {nope}"
    )


def test_render_strips_control_characters_from_values_not_from_the_template() -> None:
    values = {"model": "Op\x1b[31mus\n\x07"}
    assert text.render("\x1b[1m{model}\x1b[0m", values) == "\x1b[1mOp[31mus\x1b[0m"


def test_every_documented_field_is_filled() -> None:
    values = text.fields([Number("five_hour", 50.0, NOW + HOUR)], NOW, context={"model": "Opus"})
    assert set(values) == set(text.FIELDS)
    assert values["model"] == "Opus"
