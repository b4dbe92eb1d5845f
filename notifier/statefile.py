"""``state.json``: the rules' and the agent's memory, versioned, read leniently, written strictly.

Edge (one file). The shape is :class:`notifier.core.models.State`; ``version`` is
:data:`notifier.core.models.STATE_VERSION`. Writes go through
:func:`notifier.store.atomic_write_json` (temp file, fsync, rename, 0600).

Reading never crashes the agent; whatever is wrong is a warning and a fresh start:

- missing file: a fresh state, no warning;
- unreadable, not JSON, not an object, no integer ``version``: moved aside
  (``state.json.corrupt-<n>``), fresh state;
- a newer ``version`` (a newer notifier wrote it): moved aside
  (``state.json.newer-<n>``) so the newer notifier's memory survives a downgrade,
  fresh state;
- an older ``version``: migrated step by step through ``_MIGRATIONS``; without a
  migration, moved aside (``state.json.old-<n>``) and fresh state;
- unknown fields: ignored with a warning (a same-version file only has them when
  edited by hand, since a newer writer bumps the version);
- one bad bucket or a bad agent section: that part is dropped with a warning,
  the rest is kept (a bucket forgotten means at most one repeated notification).

``load_state(path, move_aside=False)`` reads the same way but leaves a bad file
where it is (the warning says so): for readers such as ``agent-status`` that
must not move files under a running agent's feet.

Timestamps must carry an offset: a naive one would be read as local time and
shift resets by hours, so it counts as invalid. A timestamp outside years 1-9999
once its offset is applied, or a number that is not a finite float, is invalid
too: the bucket holding it is dropped (the rest is kept), so a file an older
version poisoned is repaired on load instead of failing every poll.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from notifier.core.errors import StoreError
from notifier.core.models import STATE_VERSION, AgentState, BucketState, State, representable
from notifier.store import atomic_write_json, move_aside, read_json


def _v1_to_v2(doc: dict[str, Any]) -> dict[str, Any]:
    """Version 2 added the pace forecast's fields to each bucket; all have empty defaults.

    A version-1 bucket loses nothing: it starts with no points, no forecast sent in
    this window and no learned window length.
    """
    return {**doc, "version": 2}


# version N -> function turning a version-N document into a version-N+1 document.
_MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {1: _v1_to_v2}

_TOP_FIELDS = frozenset(State.model_fields)


def _aside(path: Path, reason: str, problem: str, *, move: bool = True) -> str:
    """Move the bad file out of the way; the warning says where it went."""
    if not move:
        return f"{problem}; left in place, reading it as a fresh state"
    moved = move_aside(path, reason)
    where = f"moved to {moved.name}" if moved is not None else "could not be moved aside"
    return f"{problem}; {where}, starting with a fresh state"


def _naive_datetime(model: BaseModel) -> bool:
    """True when a timestamp of ``model`` is naive or outside the representable range."""
    return any(
        isinstance(value, datetime) and not representable(value)
        for value in model.__dict__.values()
    )


def _finite(bucket: BucketState) -> bool:
    """Every number of ``bucket`` finite and every point's time with an offset."""
    numbers = (*bucket.fired, bucket.last_utilization or 0.0, bucket.longest_window_seconds or 0.0)
    if not all(math.isfinite(n) for n in numbers):
        return False
    return all(at.tzinfo is not None and math.isfinite(value) for at, value in bucket.points)


def _bucket(name: str, raw: object, path: Path, warnings: list[str]) -> BucketState | None:
    try:
        bucket = BucketState.model_validate(raw)
    except ValidationError:
        warnings.append(f"{path}: bucket {name!r} is invalid; forgotten")
        return None
    if _naive_datetime(bucket) or not _finite(bucket):
        warnings.append(f"{path}: bucket {name!r} is invalid; forgotten")
        return None
    if isinstance(raw, dict):
        unknown = sorted(set(raw) - set(BucketState.model_fields))
        if unknown:
            warnings.append(
                f"{path}: bucket {name!r}: unknown fields ignored: {', '.join(unknown)}"
            )
    return bucket


def _agent(raw: object, path: Path, warnings: list[str]) -> AgentState:
    if raw is None:
        return AgentState()
    try:
        agent = AgentState.model_validate(raw)
    except ValidationError:
        warnings.append(f"{path}: agent section is invalid; reset")
        return AgentState()
    if _naive_datetime(agent):
        warnings.append(f"{path}: agent section has an invalid timestamp; reset")
        return AgentState()
    if isinstance(raw, dict):
        unknown = sorted(set(raw) - set(AgentState.model_fields))
        if unknown:
            warnings.append(f"{path}: agent: unknown fields ignored: {', '.join(unknown)}")
    return agent


def _migrate(data: dict[str, Any], version: int) -> dict[str, Any] | None:
    while version < STATE_VERSION:
        step = _MIGRATIONS.get(version)
        if step is None:
            return None
        data = step(data)
        version += 1
    return data


def load_state(path: Path, *, move_aside: bool = True) -> tuple[State, list[str]]:
    """The state in ``path`` and the warnings met reading it. Never raises for bad content.

    ``move_aside=False``: read-only, a bad file stays where it is.
    """
    warnings: list[str] = []
    try:
        data = read_json(path)
    except FileNotFoundError:
        return State(), warnings
    except StoreError as exc:
        return State(), [_aside(path, "corrupt", str(exc), move=move_aside)]
    version = data.get("version") if isinstance(data, dict) else None
    if not isinstance(data, dict) or isinstance(version, bool) or not isinstance(version, int):
        return State(), [_aside(path, "corrupt", f"{path}: not a state file", move=move_aside)]
    if version > STATE_VERSION:
        why = f"{path}: written by a newer notifier (state version {version} > {STATE_VERSION})"
        return State(), [_aside(path, "newer", why, move=move_aside)]
    if version < STATE_VERSION:
        migrated = _migrate(data, version)
        if migrated is None:
            why = f"{path}: state version {version} cannot be migrated"
            return State(), [_aside(path, "old", why, move=move_aside)]
        warnings.append(f"{path}: migrated from state version {version} to {STATE_VERSION}")
        data = migrated

    unknown = sorted(set(data) - _TOP_FIELDS)
    if unknown:
        warnings.append(f"{path}: unknown fields ignored: {', '.join(unknown)}")

    raw_buckets = data.get("buckets", {})
    buckets: dict[str, BucketState] = {}
    if isinstance(raw_buckets, dict):
        for name, raw in raw_buckets.items():
            bucket = _bucket(name, raw, path, warnings)
            if bucket is not None:
                buckets[name] = bucket
    else:
        warnings.append(f"{path}: buckets section is invalid; forgotten")
    agent = _agent(data.get("agent"), path, warnings)
    return State(version=STATE_VERSION, buckets=buckets, agent=agent), warnings


def state_to_json(state: State) -> dict[str, Any]:
    """The document written for ``state``, checked to load back as the same state.

    Raises :class:`StoreError` for a state that could not be read back (a naive
    timestamp, a non-finite number): better to refuse the write than to corrupt
    the file the next start depends on.
    """
    data: dict[str, Any] = state.model_dump(mode="json")
    data["version"] = STATE_VERSION
    try:
        again = State.model_validate(data)
    except ValidationError:
        raise StoreError("refusing to write an invalid state") from None
    checked = [again.agent, *again.buckets.values()]
    if any(_naive_datetime(model) for model in checked):
        raise StoreError("refusing to write a state with a timestamp without offset")
    if not all(_finite(bucket) for bucket in again.buckets.values()):
        raise StoreError("refusing to write a state with a non-finite number")
    return data


def save_state(path: Path, state: State) -> None:
    """Write ``state`` to ``path`` atomically and privately (0600)."""
    atomic_write_json(path, state_to_json(state))
