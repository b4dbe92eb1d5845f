"""What ``status`` reads of the agent's memory, recognised without pydantic.

Pure: the standard library and :mod:`notifier.core.values` only; the document comes
decoded. Why it exists: ``status`` answers one question and exits, and building the
pydantic model classes costs it more than everything else it does together (issue
18: it starts within 7x a bare interpreter). So it looks at ``state.json`` through
:func:`parse` first.

Why it is no second schema: :func:`parse` does not decide what is valid. It
recognises the one form nobody could dispute, the document the agent itself writes
(:func:`notifier.statefile.state_to_json`, pydantic's JSON dump): the current
``version``, exactly the three top-level keys, every bucket and agent field present
in the JSON type its annotation dumps to, timestamps in the dump's ISO 8601 form,
with an offset and inside the representable range, numbers finite. For anything
else (an older or newer version, a field missing, unknown or of another type, a
value pydantic might coerce or refuse) it answers ``None``, and the caller reads
the file through :func:`notifier.statefile.load_state`, which stays the only judge
of a doubtful file. On the documents it accepts the two readings agree, which
``tests/unit/test_stateview.py`` checks: the field tables below name exactly the
models' fields with the kinds their annotations imply, and for generated states
(and their corruptions) :func:`parse` gives ``None`` or what :func:`of` makes of
``load_state``'s answer.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from notifier.core.values import STATE_VERSION, Outcome, Point, representable

if TYPE_CHECKING:
    from notifier.core.models import State


@dataclass(frozen=True, slots=True)
class BucketView:
    """The fields of a :class:`~notifier.core.models.BucketState` that ``status`` reads."""

    last_utilization: float | None = None
    resets_at: datetime | None = None
    points: tuple[Point, ...] = ()
    longest_window_seconds: float | None = None
    reset_seen: bool = False


@dataclass(frozen=True, slots=True)
class AgentView:
    """The fields of an :class:`~notifier.core.models.AgentState` that ``status`` reads."""

    outcome: Outcome = Outcome.NEVER
    backoff_until: datetime | None = None
    last_success_at: datetime | None = None
    login_expires_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class StateView:
    """What ``status`` knows of the agent's memory (a missing file: :data:`EMPTY`)."""

    buckets: Mapping[str, BucketView] = field(default_factory=dict)
    agent: AgentView = AgentView()


EMPTY = StateView()
"""No state file: the view of a fresh :class:`~notifier.core.models.State` (a test checks)."""

# The JSON form each field dumps to. Kinds, by annotation (the test derives them again):
NUMBER_OR_NULL = "number|null"  # float | None
NUMBERS = "numbers"  # tuple[float, ...]
INTEGER = "integer"  # int
BOOLEAN = "boolean"  # bool
TEXT_OR_NULL = "text|null"  # str | None
TIME_OR_NULL = "time|null"  # datetime | None
TIMES = "times"  # tuple[datetime, ...]
POINTS = "points"  # tuple[Point, ...]
OUTCOME = "outcome"  # Outcome

BUCKET_FIELDS: Mapping[str, str] = {
    "fired": NUMBERS,
    "last_utilization": NUMBER_OR_NULL,
    "resets_at": TIME_OR_NULL,
    "crossed_in_window": BOOLEAN,
    "points": POINTS,
    "forecast_fired": BOOLEAN,
    "longest_window_seconds": NUMBER_OR_NULL,
    "reset_seen": BOOLEAN,
}
"""Every :class:`~notifier.core.models.BucketState` field and its dumped kind."""

AGENT_FIELDS: Mapping[str, str] = {
    "outcome": OUTCOME,
    "consecutive_failures": INTEGER,
    "backoff_until": TIME_OR_NULL,
    "last_poll_at": TIME_OR_NULL,
    "last_success_at": TIME_OR_NULL,
    "last_error": TEXT_OR_NULL,
    "login_notified": BOOLEAN,
    "login_expiry_warned": TIME_OR_NULL,
    "login_expires_at": TIME_OR_NULL,
    "failing_since": TIME_OR_NULL,
    "stale_told": BOOLEAN,
    "reset_polls": TIMES,
    "notifier": TEXT_OR_NULL,
    "user_agent": TEXT_OR_NULL,
    "user_agent_hint": TEXT_OR_NULL,
    "last_reading_at": TIME_OR_NULL,
}
"""Every :class:`~notifier.core.models.AgentState` field and its dumped kind."""

TOP_FIELDS = frozenset({"version", "buckets", "agent"})
"""Every :class:`~notifier.core.models.State` field."""

# pydantic's dump of an aware datetime: seconds, an optional fraction, ``Z`` or ``+hh:mm``.
_DUMPED_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{1,6})?"
    r"(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])"
)
_OUTCOMES = frozenset(outcome.value for outcome in Outcome)


class _Doubtful(Exception):
    """Not the agent's own dump: let pydantic read it."""


def _number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Doubtful
    try:
        number = float(value)
    except OverflowError:
        raise _Doubtful from None
    if not math.isfinite(number):
        raise _Doubtful
    return number


def _time(value: object) -> datetime:
    if not isinstance(value, str) or _DUMPED_TIME.fullmatch(value) is None:
        raise _Doubtful
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise _Doubtful from None
    if not representable(moment):
        raise _Doubtful
    return moment


def _list(value: object) -> list[Any]:
    if not isinstance(value, list):
        raise _Doubtful
    return value


def _value(kind: str, value: object) -> object:
    """``value`` as the model holds it, or :class:`_Doubtful`."""
    if kind in (NUMBER_OR_NULL, TEXT_OR_NULL, TIME_OR_NULL) and value is None:
        return None
    if kind == NUMBER_OR_NULL:
        return _number(value)
    if kind == TIME_OR_NULL:
        return _time(value)
    if kind == NUMBERS:
        return tuple(_number(item) for item in _list(value))
    if kind == TIMES:
        return tuple(_time(item) for item in _list(value))
    if kind == POINTS:
        points: list[Point] = []
        for item in _list(value):
            pair = _list(item)
            if len(pair) != 2:
                raise _Doubtful
            points.append((_time(pair[0]), _number(pair[1])))
        return tuple(points)
    if kind == BOOLEAN and isinstance(value, bool):
        return value
    if kind == INTEGER and isinstance(value, int) and not isinstance(value, bool):
        return value
    if kind == TEXT_OR_NULL and isinstance(value, str):
        return value
    if kind == OUTCOME and isinstance(value, str) and value in _OUTCOMES:
        return Outcome(value)
    raise _Doubtful


def _fields(raw: object, kinds: Mapping[str, str]) -> dict[str, Any]:
    """Every field of one section, checked; exactly the known keys, or :class:`_Doubtful`."""
    if not isinstance(raw, dict) or raw.keys() != kinds.keys():
        raise _Doubtful
    return {name: _value(kind, raw[name]) for name, kind in kinds.items()}


def parse(doc: object) -> StateView | None:
    """The view of a ``state.json`` document the agent wrote; ``None`` for any other."""
    try:
        if not isinstance(doc, dict) or doc.keys() != TOP_FIELDS:
            return None
        version = doc["version"]
        if isinstance(version, bool) or version != STATE_VERSION:
            return None
        raw_buckets = doc["buckets"]
        if not isinstance(raw_buckets, dict):
            return None
        buckets: dict[str, BucketView] = {}
        for name, raw in raw_buckets.items():
            values = _fields(raw, BUCKET_FIELDS)
            buckets[name] = BucketView(
                last_utilization=values["last_utilization"],
                resets_at=values["resets_at"],
                points=values["points"],
                longest_window_seconds=values["longest_window_seconds"],
                reset_seen=values["reset_seen"],
            )
        agent = _fields(doc["agent"], AGENT_FIELDS)
    except _Doubtful:
        return None
    return StateView(
        buckets=buckets,
        agent=AgentView(
            outcome=agent["outcome"],
            backoff_until=agent["backoff_until"],
            last_success_at=agent["last_success_at"],
            login_expires_at=agent["login_expires_at"],
        ),
    )


def of(state: State) -> StateView:
    """The view of a state pydantic read (the fallback of :func:`parse`)."""
    return StateView(
        buckets={
            name: BucketView(
                last_utilization=memory.last_utilization,
                resets_at=memory.resets_at,
                points=memory.points,
                longest_window_seconds=memory.longest_window_seconds,
                reset_seen=memory.reset_seen,
            )
            for name, memory in state.buckets.items()
        },
        agent=AgentView(
            outcome=state.agent.outcome,
            backoff_until=state.agent.backoff_until,
            last_success_at=state.agent.last_success_at,
            login_expires_at=state.agent.login_expires_at,
        ),
    )
