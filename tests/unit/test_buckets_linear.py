"""Discovery's alias index gives exactly what scanning every window would (the rule, linear)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from notifier.core.buckets import Bucket, _same_reset, discover, limit_slug

T0 = datetime(2026, 7, 1, tzinfo=UTC)
SLUGS = st.sampled_from(["opus", "fable", "x", "claude_opus_4", "a_b"])
UTILS = st.sampled_from([1.0, 50.0, 80.0])
RESETS = st.sampled_from([None, 0, 30, 61, 120]).map(
    lambda s: None if s is None else (T0 + timedelta(seconds=s)).isoformat()
)


def naive_alias(bucket: Bucket, windows: list[Bucket]) -> str | None:
    suffix = "_" + limit_slug(bucket.name)
    for window in windows:
        if (
            window.name.endswith(suffix)
            and window.utilization == bucket.utilization
            and _same_reset(window.resets_at, bucket.resets_at)
        ):
            return window.name
    return None


@settings(max_examples=200, deadline=None)
@given(
    windows=st.lists(
        st.tuples(
            st.sampled_from(["seven_day", "five_hour", "w", "seven_day_claude"]),
            SLUGS,
            UTILS,
            RESETS,
        ),
        max_size=8,
    ),
    limits=st.lists(
        st.tuples(st.sampled_from(["weekly_scoped", "k2"]), SLUGS, UTILS, RESETS), max_size=8
    ),
)
def test_the_index_agrees_with_a_scan_of_every_window(
    windows: list[tuple[str, str, float, str | None]],
    limits: list[tuple[str, str, float, str | None]],
) -> None:
    payload: dict[str, Any] = {
        f"{stem}_{slug}": {"utilization": util, "resets_at": reset}
        for stem, slug, util, reset in windows
    }
    payload["limits"] = [
        {
            "kind": kind,
            "percent": util,
            "resets_at": reset,
            "scope": {"model": {"display_name": slug}},
        }
        for kind, slug, util, reset in limits
    ]
    found = discover(payload)
    plain = [b for b in found if not b.name.startswith("limit:")]
    for bucket in found:
        if bucket.name.startswith("limit:"):
            assert bucket.alias_of == naive_alias(bucket, plain), bucket
