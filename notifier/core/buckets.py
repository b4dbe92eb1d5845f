"""Bucket discovery: which parts of a raw payload are usage buckets, named how.

Pure. The rule is structural (see the contract, "Buckets"), never a list of
known names: a bucket the server adds tomorrow is watched at once. Labels for
people live in ``labels``; nothing here depends on them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from notifier.core.models import as_number, parse_timestamp, unrepresentable_timestamp

SCOPED_KIND = "weekly_scoped"
SCOPED_PREFIX = "limit:weekly_scoped:"
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


class BucketSource(Enum):
    """Where in the payload a bucket was found."""

    WINDOW = "window"  # a top-level object with a numeric ``utilization``
    SCOPED_LIMIT = "scoped_limit"  # a ``limits`` entry of kind ``weekly_scoped``


@dataclass(frozen=True, slots=True)
class Money:
    """Extra usage in minor units (cents) with its currency, for display only."""

    used_minor: float | None
    limit_minor: float | None
    currency: str | None
    exponent: int = 2


@dataclass(frozen=True, slots=True)
class Bucket:
    """One usage bucket in one observation. ``utilization`` is a percent, never rescaled."""

    name: str
    utilization: float
    resets_at: datetime | None
    source: BucketSource = BucketSource.WINDOW
    money: Money | None = None


def slug(display_name: object) -> str:
    """``scope.model.display_name`` as a bucket-name slug, ``unscoped`` when absent."""
    if not isinstance(display_name, str):
        return "unscoped"
    cleaned = _NOT_SLUG.sub("_", display_name.lower())
    return cleaned or "unscoped"


def extra_usage_money(window: dict[str, Any]) -> Money:
    """The money of an ``extra_usage`` block (minor units, its currency and exponent)."""
    places = window.get("decimal_places")
    return Money(
        used_minor=as_number(window.get("used_credits")),
        limit_minor=as_number(window.get("monthly_limit")),
        currency=window.get("currency") if isinstance(window.get("currency"), str) else None,
        exponent=places if isinstance(places, int) and not isinstance(places, bool) else 2,
    )


def _scoped(entry: object) -> Bucket | None:
    if not isinstance(entry, dict) or entry.get("kind") != SCOPED_KIND:
        return None
    percent = as_number(entry.get("percent"))
    if percent is None or unrepresentable_timestamp(entry.get("resets_at")):
        return None
    scope = entry.get("scope")
    model = scope.get("model") if isinstance(scope, dict) else None
    name = model.get("display_name") if isinstance(model, dict) else None
    return Bucket(
        name=SCOPED_PREFIX + slug(name),
        utilization=percent,
        resets_at=parse_timestamp(entry.get("resets_at")),
        source=BucketSource.SCOPED_LIMIT,
    )


def discover(payload: dict[str, Any]) -> list[Bucket]:
    """Every bucket of ``payload``, in payload order (windows first, then ``limits``).

    A window whose ``utilization`` is missing or not a number (a number too large
    for a float included), or whose ``resets_at`` is out of range once its offset
    is applied, is not a bucket in this observation; the rules then keep its
    state untouched. Two scoped limits
    that slug to the same name keep the first, so a name is never reported twice.
    """
    found: list[Bucket] = []
    for key, value in payload.items():
        if not isinstance(value, dict):
            continue
        utilization = as_number(value.get("utilization"))
        if utilization is None or unrepresentable_timestamp(value.get("resets_at")):
            continue
        found.append(
            Bucket(
                name=key,
                utilization=utilization,
                resets_at=parse_timestamp(value.get("resets_at")),
                money=extra_usage_money(value) if key == "extra_usage" else None,
            )
        )
    limits = payload.get("limits")
    if isinstance(limits, list):
        seen = {bucket.name for bucket in found}
        for entry in limits:
            bucket = _scoped(entry)
            if bucket is not None and bucket.name not in seen:
                seen.add(bucket.name)
                found.append(bucket)
    return found
