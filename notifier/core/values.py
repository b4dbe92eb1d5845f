"""Plain values the models and the pydantic-free readers share.

Instants and numbers as the contract reads them, the poll :class:`Outcome`, the
:class:`Observation`, :data:`STATE_VERSION`. Pure: the standard library only, and on
purpose no pydantic, so that ``status`` can use them without paying for the model
classes (issue 18; see :mod:`notifier.core.stateview`). :mod:`notifier.core.models`
re-exports every name, so it stays the one place a reader looks for the data's shape.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

JSONObject = dict[str, Any]

# Representable instants: years 1-9999 once the offset is applied (the contract), less a
# day at either end, so that showing one in any local time zone and the rules' arithmetic
# (a minute of jitter, a share of a window) can never step outside ``datetime``'s range.
EARLIEST = datetime(1, 1, 2, tzinfo=UTC)
LATEST = datetime(9999, 12, 31, tzinfo=UTC) - timedelta(days=1)


def representable(moment: datetime) -> bool:
    """True for an aware instant safely inside ``datetime``'s range (see :data:`EARLIEST`)."""
    if moment.tzinfo is None:
        return False
    try:
        utc = moment.astimezone(UTC)
    except (OverflowError, ValueError):  # the offset pushes it past year 1 or 9999
        return False
    return EARLIEST <= utc <= LATEST


def parse_timestamp(value: object) -> datetime | None:
    """ISO 8601 with its offset kept; ``None`` for null, naive, unparsable or unrepresentable.

    A naive timestamp would be read in local time and move resets by hours, so it
    is refused rather than guessed. One whose offset pushes it outside years
    1-9999 cannot be compared or shown: it is missing, like any other bad value.
    """
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
    else:
        return None
    return parsed if representable(parsed) else None


def unrepresentable_timestamp(value: object) -> bool:
    """True for a well-formed, aware ISO 8601 text whose instant is out of range.

    Such a reading cannot be compared or shown, so the contract makes the whole
    bucket reading missing for that observation (a garbage string, in contrast,
    is just an unknown ``resets_at``).
    """
    if not isinstance(value, str):
        return False
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return False
    return parsed.tzinfo is not None and not representable(parsed)


def as_number(value: object) -> float | None:
    """A finite JSON number as float; ``None`` for anything else (bools included).

    An integer too large for a float (``10**400``) is ``None`` too, not an
    OverflowError: that one reading is missing, the rest of the payload goes on.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


ENDPOINT = "endpoint"
"""``Observation.source`` of a payload the usage endpoint sent (or a recording of one)."""
STATUSLINE = "statusline"
"""``Observation.source`` of a reading Claude Code handed the statusline command: only its
windows, no payload (see :mod:`notifier.core.passive`); no drift check runs on it."""


@dataclass(frozen=True, slots=True)
class Observation:
    """One timestamped raw payload, as polled or as read from a recording."""

    observed_at: datetime
    payload: JSONObject
    source: str = ENDPOINT


JITTER = timedelta(seconds=60)
"""A change of ``resets_at`` of a minute or less is jitter, not a reset (the contract); the
rules and the pace read it here (``notifier.core.rules`` re-exports it)."""


LOGIN_WARNING = timedelta(days=3)
"""How long before the login ends (``refreshTokenExpiresAt``) the agent says so, once
(and ``status`` too; :mod:`notifier.core.text.messages` re-exports it)."""


STATE_VERSION = 2
"""2: buckets remember the pace forecast's points, its once-per-window flag and the
learned window length (version 1 files migrate with those empty)."""

Point = tuple[datetime, float]
"""One (observed_at, utilization) pair of the pace forecast."""


class Outcome(StrEnum):
    """What one poll came to; persisted as its value (``AgentState.outcome``)."""

    OK = "ok"
    RATE_LIMITED = "rate_limited"
    UNREACHABLE = "unreachable"
    SERVER_ERROR = "server_error"
    BAD_RESPONSE = "bad_response"
    LOGIN_REQUIRED = "login_required"
    KEYCHAIN_LOCKED = "keychain_locked"  # macOS: locked or refused keychain
    NEVER = "never"  # no poll yet

    @property
    def is_backoff(self) -> bool:
        """True for outcomes that put the agent on a backoff ladder."""
        return self in {
            Outcome.UNREACHABLE,
            Outcome.SERVER_ERROR,
            Outcome.BAD_RESPONSE,
            Outcome.RATE_LIMITED,
            Outcome.KEYCHAIN_LOCKED,
        }
