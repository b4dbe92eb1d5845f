"""Edges of the statusline's short times (mutation-testing strength, issue 18).

The docstrings' forms: ``27m``, ``4h05m``, ``3d4h``, ``<1m`` under a minute; ages as
``50m old``, ``3h old``, ``2d old`` (minutes below an hour, hours below two days).
"""

from __future__ import annotations

import pytest

from notifier.core.text.statusline import age_text, countdown

MINUTE, HOUR, DAY = 60.0, 3600.0, 86400.0


@pytest.mark.parametrize(
    ("age", "text"),
    [
        (HOUR - 1, "59m old"),
        (HOUR, "1h old"),
        (3 * HOUR, "3h old"),
        (2 * DAY - 1, "47h old"),
        (2 * DAY, "2d old"),
        (3 * DAY, "3d old"),
        (None, "old"),
    ],
)
def test_age_text_units(age: float | None, text: str) -> None:
    assert age_text(age) == text


def test_a_countdown_of_a_minute_and_a_half_says_one_minute() -> None:
    assert countdown(90.0) == "1m"
    assert countdown(MINUTE) == "1m"
    assert countdown(59.0) == "<1m"
