"""Edges of the statusline stand-in decision (mutation-testing strength, issue 18).

The reasons are what the agent logs for each poll it makes or spares; the table in
``test_passive`` pins the other ones the same way.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from notifier.core import passive
from notifier.core.passive import Choice
from tests.unit.test_passive import _choose, _doc


@pytest.mark.parametrize(
    ("age", "choice", "why"),
    [
        (timedelta(minutes=-5), Choice.POLL, "the statusline reading is from the future"),
        (timedelta(minutes=5), Choice.POLL, "the statusline reading is too old"),
        (timedelta(minutes=1), Choice.USE_READING, "a fresh statusline reading"),
    ],
)
def test_each_age_says_why(age: timedelta, choice: Choice, why: str) -> None:
    decision = _choose(_doc(age=age), last_observed=timedelta(minutes=15))
    assert (decision.choice, decision.why) == (choice, why)


def test_a_reading_exactly_at_the_future_slack_still_counts() -> None:
    # "From the future" is more than FUTURE_SLACK ahead; exactly that much is clock noise.
    decision = _choose(_doc(age=-passive.FUTURE_SLACK), last_observed=timedelta(minutes=15))
    assert decision.choice is Choice.USE_READING


def test_percentages_keep_their_decimals() -> None:
    # Rounded to PERCENT_DIGITS (6) decimals only: 30.615 % is not 31 %.
    window = passive.parse_window({"used_percentage": 30.615})
    assert window is not None
    assert window.utilization == 30.615
