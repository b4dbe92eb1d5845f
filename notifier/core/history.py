"""The usage history as series: per bucket, its points, resets and threshold crossings.

Pure: the observations (from ``history.jsonl``), the config and the time span are
parameters; nothing is read here. Where the resets and crossings happened is not
guessed from the curve: the observations are replayed through the real
:class:`~notifier.core.pipeline.Pipeline` from a fresh state, from the very first
one (so a threshold crossed before the span is not reported again at its start),
and its events are kept. ``history --json`` is :func:`to_json` of the result;
:mod:`notifier.core.text.chart` draws it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from notifier.core.events import BucketReset, ThresholdCrossed
from notifier.core.models import Config, Observation
from notifier.core.pipeline import Pipeline

Point = tuple[datetime, float]


@dataclass(frozen=True, slots=True)
class Series:
    """One bucket over the span: ``(observed_at, utilization)`` points and its events."""

    name: str
    points: tuple[Point, ...]
    resets: tuple[BucketReset, ...] = ()
    crossings: tuple[ThresholdCrossed, ...] = ()


@dataclass(frozen=True, slots=True)
class History:
    """The series of ``[since, until]``, and what the whole history holds besides."""

    since: datetime
    until: datetime
    series: tuple[Series, ...]
    known: frozenset[str] = field(default_factory=frozenset)
    """Every bucket name seen in the whole history (to tell a typo from a quiet bucket)."""
    observations: int = 0
    """Observations in the whole history."""
    last_observed_at: datetime | None = None
    """The newest observation of the whole history (for "the history ends ...")."""

    def only(self, name: str) -> History:
        """The same history with one bucket's series (possibly none in the span)."""
        kept = tuple(series for series in self.series if series.name == name)
        return History(
            self.since, self.until, kept, self.known, self.observations, self.last_observed_at
        )


@dataclass
class _Collecting:
    points: list[Point] = field(default_factory=list)
    resets: list[BucketReset] = field(default_factory=list)
    crossings: list[ThresholdCrossed] = field(default_factory=list)


def build(
    observations: Iterable[Observation], config: Config, since: datetime, until: datetime
) -> History:
    """Replay ``observations`` (oldest first) and keep what falls in ``[since, until]``.

    Buckets come in the order they first appear in the span. An observation outside
    the span still moves the rules' state, so the events kept are exactly those a
    replay of the whole history reports inside it.
    """
    pipeline = Pipeline(config)
    collected: dict[str, _Collecting] = {}
    known: set[str] = set()
    count = 0
    last: datetime | None = None
    for observation in observations:
        count += 1
        at = observation.observed_at
        last = at if last is None or at > last else last
        events = pipeline.process(observation)
        known.update(bucket.name for bucket in pipeline.last_buckets)
        if not since <= at <= until:
            continue
        for bucket in pipeline.last_buckets:
            collected.setdefault(bucket.name, _Collecting()).points.append((at, bucket.utilization))
        for event in events:
            if isinstance(event, BucketReset):
                collected.setdefault(event.bucket, _Collecting()).resets.append(event)
            elif isinstance(event, ThresholdCrossed):
                collected.setdefault(event.bucket, _Collecting()).crossings.append(event)
    series = tuple(
        Series(
            name,
            tuple(sorted(parts.points, key=lambda point: point[0])),
            tuple(parts.resets),
            tuple(parts.crossings),
        )
        for name, parts in collected.items()
    )
    return History(since, until, series, frozenset(known), count, last)


def _event_json(event: BucketReset | ThresholdCrossed) -> dict[str, Any]:
    # The contract's event fields (replay --json), less what the series already says.
    data = event.to_json()
    del data["kind"], data["bucket"]
    return data


def to_json(history: History) -> dict[str, Any]:
    """``{"since", "until", "buckets": [{"name", "points", "resets", "crossings"}]}``.

    ``points`` are ``[observed_at, utilization]`` pairs; resets and crossings carry
    the fields of the contract's ``reset`` and ``threshold`` events (``replay --json``)
    without ``kind`` and ``bucket``. The CLI adds ``schema_version``.
    """
    return {
        "since": history.since.isoformat(),
        "until": history.until.isoformat(),
        "buckets": [
            {
                "name": series.name,
                "points": [[at.isoformat(), value] for at, value in series.points],
                "resets": [_event_json(event) for event in series.resets],
                "crossings": [_event_json(event) for event in series.crossings],
            }
            for series in history.series
        ],
    }
