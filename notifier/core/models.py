"""Plain data: the configuration and the persisted state.

Pure: imports pydantic and the standard library only; no I/O, no clock. The plain
values these models share with pydantic-free readers (timestamps, numbers,
:class:`Outcome`, :data:`STATE_VERSION`) live in :mod:`notifier.core.values` and are
re-exported here.

The payload itself has no model: :mod:`notifier.core.buckets` reads it as plain
JSON, leniently (``null`` windows, missing fields, ints or floats, unknown keys),
because a watcher that fails a whole poll on one surprise is worse than useless,
and drift detection needs the raw document anyway.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
)

# Re-exported (``X as X``): the shared plain values, see notifier.core.values.
from notifier.core.values import EARLIEST as EARLIEST
from notifier.core.values import ENDPOINT as ENDPOINT
from notifier.core.values import LATEST as LATEST
from notifier.core.values import STATE_VERSION as STATE_VERSION
from notifier.core.values import STATUSLINE as STATUSLINE
from notifier.core.values import JSONObject as JSONObject
from notifier.core.values import Observation as Observation
from notifier.core.values import Outcome as Outcome
from notifier.core.values import Point as Point
from notifier.core.values import as_number as as_number
from notifier.core.values import parse_timestamp as parse_timestamp
from notifier.core.values import representable as representable
from notifier.core.values import unrepresentable_timestamp as unrepresentable_timestamp

# --------------------------------------------------------------------------- config

ResetNotifications = Literal["crossed", "always", "never"]
DriftNotifications = Literal["buckets", "all", "never"]
"""Which drifts a person is told about: new buckets only (default), every one, none."""


# Config bounds. Every number is finite (``allow_inf_nan=False``) and within a stated
# range; values of the wrong type are errors, not coerced (``strict=True``: ``enabled =
# "no"`` is refused instead of read as a truthy string). Integers are fine for floats.
_STRICT = ConfigDict(frozen=True, extra="allow", strict=True, allow_inf_nan=False)
DAY = 86_400.0
MAX_THRESHOLD = 1000.0  # percent; extra usage can pass 100, but not by this much
MIN_POLL_INTERVAL = 1.0  # below 60 s the agent warns (for local testing only)


def _check_thresholds(values: list[float] | None) -> list[float] | None:
    if values is None:
        return None
    if any(not math.isfinite(v) or not 0 < v <= MAX_THRESHOLD for v in values):
        msg = f"thresholds must be percentages above 0 and at most {MAX_THRESHOLD:g}"
        raise ValueError(msg)
    if list(values) != sorted(set(values)):
        msg = "thresholds must be ascending, without repeats"
        raise ValueError(msg)
    return values


class BucketConfig(BaseModel):
    """Per-bucket overrides: ``[buckets.<name>]``."""

    # Unknown keys are kept and reported as warnings (``Config.unknown_keys``), like
    # top-level ones: an older notifier must survive a newer config file.
    model_config = _STRICT

    thresholds: list[float] | None = None
    enabled: bool = True
    forecast: bool | None = None  # None: the global ``forecast`` switch

    _valid = field_validator("thresholds")(_check_thresholds)


class QuietHours(BaseModel):
    """Local-time span in which notifications are silent or deferred."""

    model_config = _STRICT  # unknown keys warn, see Config

    start: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    end: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    mode: Literal["silent", "defer"] = "silent"


ISSUE_TRACKER_URL = "https://github.com/claude-usage-notifier/claude-usage-notifier/issues/new"


class Config(BaseModel):
    """The user's intent (``config.toml`` + environment). The agent never writes it.

    Ranges: thresholds (0, 1000]; hysteresis [0, 100]; poll interval [1 s, 1 day]
    (below 60 s the agent warns); jitter [0, 1 h]; timeouts (0, 10 min]; backoffs
    (0, 1 day]; notifications per hour [1, 3600]; history cap [10 kB, 1 GB].
    """

    model_config = _STRICT

    thresholds: list[float] = Field(default_factory=lambda: [75.0, 90.0, 100.0])
    hysteresis: float = Field(default=5.0, ge=0, le=100)
    reset_notifications: ResetNotifications = "crossed"
    drift_notifications: DriftNotifications = "buckets"
    poll_interval_seconds: float = Field(default=300.0, ge=MIN_POLL_INTERVAL, le=DAY)
    poll_jitter_seconds: float = Field(default=30.0, ge=0, le=3600)
    base_url: str = "https://api.anthropic.com"
    user_agent: str | None = None
    connect_timeout_seconds: float = Field(default=10.0, gt=0, le=600)
    read_timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    # Backoff ladders; configurable so tests can compress time instead of sleeping.
    rate_limit_backoff_seconds: float = Field(default=60.0, gt=0, le=DAY)
    rate_limit_backoff_max_seconds: float = Field(default=1800.0, gt=0, le=DAY)
    error_backoff_seconds: float = Field(default=30.0, gt=0, le=DAY)
    error_backoff_max_seconds: float = Field(default=900.0, gt=0, le=DAY)
    max_notifications_per_hour: int = Field(default=6, ge=1, le=3600)
    # "log": the agent writes notifications to its log instead of the desktop
    # (headless machines, and tests that must not depend on a session bus).
    notify: Literal["auto", "log"] = "auto"
    quiet_hours: QuietHours | None = None
    history_max_bytes: int = Field(default=5_000_000, ge=10_000, le=1_000_000_000)
    # The variant archive keeps at most this many variants (the least recently seen go).
    archive_max_variants: int = Field(default=100, ge=1, le=10_000)
    # The pace forecast (contract, "Pace forecast"): on by default, from 60 % up.
    forecast: bool = True
    forecast_min: float = Field(default=60.0, ge=0, le=100)
    # After this long without a successful poll the agent says its numbers are stale
    # (once, and once more when they are fresh again). Below 10 min the failing-grace
    # of ``core.staleness`` decides anyway; above a week nobody is told anything.
    stale_after_minutes: int = Field(default=120, ge=10, le=7 * 24 * 60)
    buckets: dict[str, BucketConfig] = Field(default_factory=dict)
    # Where `drift submit` opens a new issue (the project's tracker; a fork may set its own).
    issue_tracker_url: str = ISSUE_TRACKER_URL

    _valid = field_validator("thresholds")(_check_thresholds)

    @field_validator("base_url")
    @classmethod
    def _plain_base_url(cls, value: str) -> str:
        # The usage path is appended to it: a query or fragment would swallow the path,
        # and credentials in a URL end up in logs and error messages.
        parts = urlsplit(value.strip())
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            msg = "must be an http(s) URL"
            raise ValueError(msg)
        if parts.query or parts.fragment or "?" in value or "#" in value:
            msg = "must not have a query or a fragment"
            raise ValueError(msg)
        if parts.username is not None or parts.password is not None or "@" in parts.netloc:
            msg = "must not carry credentials"
            raise ValueError(msg)
        return value

    @field_validator("issue_tracker_url")
    @classmethod
    def _web_address(cls, value: str) -> str:
        # It is opened in a browser: only a web address, never a file or a script.
        if not value.startswith(("https://", "http://")) or not value.isprintable():
            msg = "must be an http(s) address (the new-issue page of a tracker)"
            raise ValueError(msg)
        return value

    @field_validator("user_agent")
    @classmethod
    def _header_safe(cls, value: str | None) -> str | None:
        # It becomes an HTTP header: anything else fails at send time, far from the config.
        if value is not None and not (value.isascii() and value.isprintable() and value.strip()):
            msg = "must be printable ASCII text (it is sent as an HTTP header)"
            raise ValueError(msg)
        return value

    def thresholds_for(self, bucket: str) -> tuple[float, ...]:
        """The thresholds of ``bucket``: its override, else the global list."""
        override = self.buckets.get(bucket)
        if override is not None and override.thresholds is not None:
            return tuple(override.thresholds)
        return tuple(self.thresholds)

    def is_enabled(self, bucket: str) -> bool:
        """False when the user disabled the bucket."""
        override = self.buckets.get(bucket)
        return override is None or override.enabled

    def forecast_for(self, bucket: str) -> bool:
        """True when ``bucket`` gets pace forecasts: its override, else the global switch."""
        override = self.buckets.get(bucket)
        if override is not None and override.forecast is not None:
            return override.forecast
        return self.forecast

    def unknown_keys(self) -> list[str]:
        """Keys the program does not know (reported as warnings), dotted for buckets."""
        found = list(self.model_extra or {})
        for name, bucket in self.buckets.items():
            found.extend(f"buckets.{name}.{key}" for key in bucket.model_extra or {})
        if self.quiet_hours is not None:
            found.extend(f"quiet_hours.{key}" for key in self.quiet_hours.model_extra or {})
        return sorted(found)


# --------------------------------------------------------------------------- observation


# --------------------------------------------------------------------------- state


class BucketState(BaseModel):
    """What the rules and the pace forecast remember about one bucket between observations."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    fired: tuple[float, ...] = ()
    last_utilization: float | None = None
    resets_at: datetime | None = None
    # True once any threshold fired in the current window; drives
    # ``reset_notifications = "crossed"`` even after hysteresis re-armed ``fired``.
    crossed_in_window: bool = False
    # The pace forecast (notifier.core.forecast): the current window's recent points,
    # whether it forecast in this window, and what it learned about the window length.
    points: tuple[Point, ...] = ()
    forecast_fired: bool = False
    longest_window_seconds: float | None = None
    reset_seen: bool = False


class AgentState(BaseModel):
    """What the agent remembers across restarts: backoff and health."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    outcome: Outcome = Outcome.NEVER
    consecutive_failures: int = 0
    backoff_until: datetime | None = None
    last_poll_at: datetime | None = None
    last_success_at: datetime | None = None
    last_error: str | None = None
    login_notified: bool = False
    # The login lifetime (refreshTokenExpiresAt) the "login ends in 3 days" notice was
    # sent for: once per login, and a new /login (a new expiry) is warned about again.
    login_expiry_warned: datetime | None = None
    # The login lifetime the credentials stated at the last poll, for agent-status.
    login_expires_at: datetime | None = None
    # The first failed poll after the last success (None while polls succeed), and
    # whether the user was told the numbers are stale (see ``core.staleness``).
    failing_since: datetime | None = None
    stale_told: bool = False
    # The expected resets that got their extra poll (``schedule.reset_poll``), while
    # they are still ahead: one extra poll per reset, across restarts too.
    reset_polls: tuple[datetime, ...] = ()
    # Which notification path the agent uses (the notifier's description), for agent-status.
    notifier: str | None = None
    # The User-Agent the last poll sent (agent-status shows it), and, once persistent 429s
    # point at a User-Agent set away from Claude Code's form, why (cleared by other outcomes).
    user_agent: str | None = None
    user_agent_hint: str | None = None
    # When the last statusline reading that stood in for a poll was taken (core.passive).
    last_reading_at: datetime | None = None

    @field_validator("reset_polls")
    @classmethod
    def _aware(cls, value: tuple[datetime, ...]) -> tuple[datetime, ...]:
        # A naive time cannot be compared with the aware ones the loop holds; the state
        # file reader treats the agent section as invalid then (and starts it afresh).
        if any(when.tzinfo is None for when in value):
            msg = "timestamps must carry an offset"
            raise ValueError(msg)
        return value


class State(BaseModel):
    """The persisted memory (``state.json``): versioned, apart from the config."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    version: int = STATE_VERSION
    buckets: dict[str, BucketState] = Field(default_factory=dict)
    agent: AgentState = Field(default_factory=AgentState)
