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
