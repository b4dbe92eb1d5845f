"""``core.values``: the plain values the models re-export, at their edges."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from notifier.core import models, values


def test_the_representable_range_includes_its_bounds() -> None:
    assert values.representable(values.EARLIEST)
    assert values.representable(values.LATEST)
    assert not values.representable(values.EARLIEST - timedelta(microseconds=1))
    assert not values.representable(values.LATEST + timedelta(microseconds=1))
    # The same instants written in another zone are the same instants.
    east = timezone(timedelta(hours=14))
    assert values.representable(values.LATEST.astimezone(east))
    assert not values.representable((values.LATEST + timedelta(seconds=1)).astimezone(east))


def test_an_aware_datetime_is_taken_as_it_is() -> None:
    moment = datetime(2026, 11, 2, 13, 0, 0, 339563, tzinfo=timezone(timedelta(hours=1)))
    assert values.parse_timestamp(moment) is moment
    assert values.parse_timestamp(moment.replace(tzinfo=None)) is None
    assert values.parse_timestamp(moment.isoformat()) == moment


def test_the_models_re_export_the_same_objects() -> None:
    # One definition: the models module hands out these very names, not copies.
    for name in ("Outcome", "Observation", "STATE_VERSION", "parse_timestamp", "as_number"):
        assert getattr(models, name) is getattr(values, name)
    assert values.representable(datetime(2026, 1, 1, tzinfo=UTC))


def test_a_text_at_either_bound_is_read_and_one_microsecond_beyond_is_not() -> None:
    # parse_timestamp compares a parsed text with the bounds itself (no conversion): the
    # bounds are included, as representable() includes them, in UTC and in another zone.
    tick = timedelta(microseconds=1)
    east = timezone(timedelta(hours=5))
    for bound in (values.EARLIEST, values.LATEST, values.LATEST.astimezone(east)):
        assert values.parse_timestamp(bound.isoformat()) == bound
        assert values.timestamp_reading(bound.isoformat()) == (bound, False)
    assert values.parse_timestamp((values.EARLIEST - tick).isoformat()) is None
    assert values.parse_timestamp((values.LATEST + tick).astimezone(east).isoformat()) is None


def test_the_reading_of_a_text_is_remembered() -> None:
    # A window keeps one resets_at for many polls: the second reading of the same text
    # is the remembered answer itself, not a new parse (timestamp_reading's docstring).
    text = "2026-11-02T13:00:00.339563+01:00"
    first, _ = values.timestamp_reading(text)
    again, _ = values.timestamp_reading("".join(["2026-11-02T13:00:00.339563", "+01:00"]))
    assert first is not None
    assert again is first


class _Text(str):
    """A str subclass (a StrEnum member is one): not the exact type the memo takes."""


class _Float(float):
    """A float subclass, as numpy's float64 is: not the exact type of the fast path."""


def test_a_str_subclass_is_read_as_its_text() -> None:
    out_of_range = "9999-12-31T23:00:00-05:00"
    assert values.timestamp_reading(_Text(out_of_range)) == (None, True)
    moment = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
    assert values.timestamp_reading(_Text(moment.isoformat())) == (moment, False)


def test_a_float_subclass_is_a_number_when_finite_only() -> None:
    import math

    assert values.as_number(_Float(math.inf)) is None
    assert values.as_number(_Float(-math.inf)) is None
    assert values.as_number(_Float(math.nan)) is None
    number = values.as_number(_Float(2.5))
    assert number == 2.5
    assert type(number) is float
