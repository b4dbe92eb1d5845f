"""The whole decision pipeline for a stream of observations: buckets, rules, drift.

Pure in behaviour (no clock, no disk, no network): ``replay``, the demo and the
agent feed it observations and get events back; loading and saving the state,
notifying and archiving stay with them. It holds the running state between
observations so the per-observation cost stays small (one pass of
``buckets.discover``, the rules per bucket, the pace forecast per bucket and,
when schemas are given, ``drift.check``).

Order of events within one observation: the drift event (at most one) first,
then per bucket in discovery order its reset, threshold and forecast events
(the contract's order: the forecast comes "after the threshold step"). Drift
comes first because a changed shape is the context of whatever the buckets
then report (a new bucket that appears already at 80 %).

The forecast's memory lives in mutable :class:`~notifier.core.forecast.PaceTrack`
objects while the pipeline runs (a point appended per bucket and poll costs
nothing), the rules' in :class:`~notifier.core.rules.Memory` tuples (a new level
per bucket and poll costs a tuple, not a model copy); both are folded into the
persisted :class:`BucketState` by :attr:`Pipeline.state`.

Drift is checked for payloads from the endpoint only: an observation made of a
statusline reading (``source`` is ``statusline``, see :mod:`notifier.core.passive`)
holds two windows and no payload shape.

``notifier.core.drift`` is imported only when schemas are given, so callers that do
not look for drift never load its dependencies.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from notifier.core.buckets import Bucket, discover
from notifier.core.events import BucketReset, DriftDetected, Event
from notifier.core.forecast import PaceTrack
from notifier.core.jsondoc import count_values
from notifier.core.models import ENDPOINT, STATE_VERSION, Config, Observation, State
from notifier.core.rules import FORGOTTEN, FRESH, Memory, step

if TYPE_CHECKING:
    from types import ModuleType

    from notifier.core.drift import DriftResult, KnownSchemas

MAX_COMPARED_VALUES = 4_000
"""Payloads with more JSON values than this are "too large to compare": not compared.

The largest payload seen holds about 80 values; fifty times that is not a usage
payload but a runaway (or hostile) answer, and comparing its shape with every
known variant would cost far more than the buckets it may hold. Its buckets are
still discovered and judged (that part is linear)."""


class Pipeline:
    """Observations in, events out, with the per-bucket state carried in between.

    ``state`` seeds the rules (``None``: fresh). ``known`` are the known payload
    variants (``None``: no drift detection). ``seen_variants`` are the
    fingerprints already reported (e.g. the archive's), so a variant is
    announced once per pipeline, and never again when the caller remembers it.
    """

    def __init__(
        self,
        config: Config,
        state: State | None = None,
        known: KnownSchemas | None = None,
        seen_variants: Iterable[str] = (),
    ) -> None:
        initial = state if state is not None else State()
        self._config = config
        self._agent = initial.agent
        # The rules' working memory per bucket (folded into BucketState by ``state``).
        self._buckets: dict[str, Memory] = {
            name: Memory.of(bucket) for name, bucket in initial.buckets.items()
        }
        self._tracks: dict[str, PaceTrack] = {
            name: PaceTrack.for_bucket(name, bucket) for name, bucket in initial.buckets.items()
        }
        self._known = known
        self._drifts: ModuleType | None = None  # notifier.core.drift, once schemas are used
        # (enabled, forecast, thresholds) per bucket name, looked up once per config (see
        # reconfigure).
        self._switches: dict[str, tuple[bool, bool, tuple[float, ...]]] = {}
        self._seen: set[str] = set(seen_variants)
        self.last_buckets: list[Bucket] = []
        """The buckets of the last observation, in discovery order."""
        self.too_large: int | None = None
        """The value count of the last observation when it was too large to compare."""
        self.last_drift: DriftResult | None = None
        """The drift check of the last observation (``None`` without schemas); the agent
        archives every drifting sighting from it, not only the first one reported."""

    def reconfigure(self, config: Config, known: KnownSchemas | None) -> None:
        """Use a reloaded configuration and set of known variants from the next observation.

        The per-bucket state is kept: thresholds that fired stay fired (a new,
        lower threshold fires at the next observation that is at or above it).
        """
        self._config = config
        self._switches.clear()  # a reload may disable a bucket, switch its forecast or thresholds
        if self._known is not None:
            self._known = known

    @property
    def state(self) -> State:
        """The current persisted-state value (the agent section as given at start)."""
        # A bucket without a track (its forecast switched off) keeps no forecast memory.
        empty = PaceTrack().fields()
        buckets = {
            name: FRESH.model_copy(
                update=memory._asdict()
                | (self._tracks[name].fields() if name in self._tracks else empty)
            )
            for name, memory in self._buckets.items()
        }
        return State.model_construct(version=STATE_VERSION, buckets=buckets, agent=self._agent)

    @property
    def seen_variants(self) -> frozenset[str]:
        """Fingerprints of the variants reported so far (including the seeded ones)."""
        return frozenset(self._seen)

    def process(self, observation: Observation) -> list[Event]:
        """The events of one observation, drift first, then rules in bucket order."""
        events: list[Event] = []
        self.last_drift = None
        self.too_large = None
        # Only an endpoint payload has a shape to compare: a statusline reading holds
        # two windows, and the schemas would call every other key removed.
        if self._known is not None and observation.source == ENDPOINT:
            drift_event = self._drift(observation, self._known)
            if drift_event is not None:
                events.append(drift_event)
        buckets = discover(observation.payload)
        self._evaluate(buckets, observation.observed_at, events)
        self.last_buckets = buckets
        return events

    def _evaluate(self, buckets: list[Bucket], observed_at: datetime, events: list[Event]) -> None:
        """The rules, then the forecast, bucket by bucket (see ``rules`` and ``forecast``)."""
        config = self._config
        states = self._buckets
        tracks = self._tracks
        found: list[Event] = []
        emit = found.append
        switches = self._switches
        for bucket in buckets:
            name = bucket.name
            switch = switches.get(name)
            if switch is None:
                switch = switches[name] = (
                    config.is_enabled(name),
                    config.forecast_for(name),
                    config.thresholds_for(name),
                )
            enabled, forecast, thresholds = switch
            if not enabled:
                # Disabled: nothing emitted and the state dropped (``rules`` says why).
                states.pop(name, None)
                tracks.pop(name, None)
                continue
            before = len(found)
            states[name] = step(
                states.get(name, FORGOTTEN), bucket, observed_at, config, thresholds, emit
            )
            if not forecast:
                tracks.pop(name, None)
                continue
            track = tracks.get(name)
            if track is None:
                track = tracks[name] = PaceTrack.for_bucket(name)
            reset = len(found) > before and isinstance(found[before], BucketReset)
            track.observe(bucket, observed_at, reset, config.forecast_min, emit)
        events.extend(found)

    def _drift(self, observation: Observation, known: KnownSchemas) -> DriftDetected | None:
        drift = self._drifts
        if drift is None:  # lazy: callers without schemas never load it; then kept at hand
            from notifier.core import drift as loaded

            drift = self._drifts = loaded
        payload = observation.payload
        # A poll shaped like one judged before, and so small enough (the memo key fixes
        # the number of values: one walk, bounded, answers both), else the full way.
        result: DriftResult | None = drift.recall(payload, known, MAX_COMPARED_VALUES - 1)
        if result is None:
            size = count_values(payload, MAX_COMPARED_VALUES)
            if size > MAX_COMPARED_VALUES:
                self.too_large = size
                return None
            result = drift.check(payload, known)
        self.last_drift = result
        if not result.changes or result.fingerprint in self._seen:
            return None
        self._seen.add(result.fingerprint)
        return DriftDetected(
            observed_at=observation.observed_at,
            changes=tuple(result.changes),
            fingerprint=result.fingerprint,
        )
