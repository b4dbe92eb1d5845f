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
nothing) and is folded into the persisted :class:`BucketState` by :attr:`Pipeline.state`.

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
from notifier.core.models import ENDPOINT, STATE_VERSION, BucketState, Config, Observation, State
from notifier.core.rules import FRESH, evaluate_bucket

if TYPE_CHECKING:
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
        self._buckets: dict[str, BucketState] = dict(initial.buckets)
        self._tracks: dict[str, PaceTrack] = {
            name: PaceTrack.for_bucket(name, bucket) for name, bucket in initial.buckets.items()
        }
        self._known = known
        # (enabled, forecast) per bucket name, looked up once per config (see reconfigure).
        self._switches: dict[str, tuple[bool, bool]] = {}
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
        self._switches.clear()  # a reload may disable a bucket or switch its forecast
        if self._known is not None:
            self._known = known

    @property
    def state(self) -> State:
        """The current persisted-state value (the agent section as given at start)."""
        # A bucket without a track (its forecast switched off) keeps no forecast memory.
        empty = PaceTrack().fields()
        buckets = {
            name: bucket.model_copy(update=self._tracks[name].fields())
            if name in self._tracks
            else bucket.model_copy(update=empty)
            for name, bucket in self._buckets.items()
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
            size = count_values(observation.payload, MAX_COMPARED_VALUES)
            if size > MAX_COMPARED_VALUES:
                self.too_large = size
        if self._known is not None and observation.source == ENDPOINT and self.too_large is None:
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
                switch = switches[name] = (config.is_enabled(name), config.forecast_for(name))
            enabled, forecast = switch
            if not enabled:
                # Disabled: nothing emitted and the state dropped (``rules`` says why).
                states.pop(name, None)
                tracks.pop(name, None)
                continue
            before = len(found)
            states[name] = evaluate_bucket(
                states.get(name, FRESH), bucket, observed_at, config, emit
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
        from notifier.core import drift  # lazy: callers without schemas never load it

        result = drift.check(observation.payload, known)
        self.last_drift = result
        if not result.changes or result.fingerprint in self._seen:
            return None
        self._seen.add(result.fingerprint)
        return DriftDetected(
            observed_at=observation.observed_at,
            changes=tuple(result.changes),
            fingerprint=result.fingerprint,
        )
