"""Regenerate the demo's bundled recording, ``notifier/data/demo-week.jsonl``.

A maintainer tool (not shipped behaviour): the recording is committed, and this
script documents how its simulated week was made. Every payload has the shape of
``oauth-usage-full-2026-07`` (a known variant), so the only drift is the new
``seven_day_opus_4_7`` bucket that appears on day four.

    python tools/make_demo_recording.py > notifier/data/demo-week.jsonl
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
WEEK_RESET = datetime(2026, 11, 7, 15, 0, tzinfo=UTC)


def window(utilization: float, resets_at: datetime | None) -> dict[str, Any]:
    """A window shaped like the known 2026-07 variant's."""
    return {
        "utilization": utilization,
        "resets_at": resets_at.isoformat() if resets_at else None,
        "limit_dollars": None,
        "used_dollars": None,
        "remaining_dollars": None,
    }


def payload(
    at: datetime,
    five: float,
    five_reset: datetime | None,
    week: float,
    opus: float,
    fable: float,
    new_bucket: float | None,
) -> dict[str, Any]:
    """One observation line: every key of the 2026-07 variant, values from the step."""
    body: dict[str, Any] = {
        "five_hour": window(five, five_reset),
        "seven_day": window(week, WEEK_RESET),
        "seven_day_oauth_apps": None,
        "seven_day_opus": window(opus, WEEK_RESET),
        "seven_day_sonnet": None,
        "seven_day_cowork": None,
        "seven_day_omelette": None,
        "tangelo": None,
        "iguana_necktie": None,
        "omelette_promotional": None,
        "nimbus_quill": None,
        "cinder_cove": None,
        "amber_ladder": None,
        "extra_usage": {
            "is_enabled": True,
            "monthly_limit": None,
            "used_credits": 1250.0,
            "utilization": None,
            "currency": "USD",
            "decimal_places": 2,
            "disabled_reason": None,
            "daily": None,
            "weekly": None,
        },
        "limits": [
            {
                "kind": "session",
                "group": "session",
                "percent": round(five),
                "severity": "normal",
                "resets_at": five_reset.isoformat() if five_reset else None,
                "scope": None,
                "is_active": False,
            },
            {
                "kind": "weekly_all",
                "group": "weekly",
                "percent": round(week),
                "severity": "normal",
                "resets_at": WEEK_RESET.isoformat(),
                "scope": None,
                "is_active": False,
            },
            {
                "kind": "weekly_scoped",
                "group": "weekly",
                "percent": round(fable),
                "severity": "warning" if fable >= 75 else "normal",
                "resets_at": WEEK_RESET.isoformat(),
                "scope": {"model": {"id": None, "display_name": "Fable"}, "surface": None},
                "is_active": fable > 0,
            },
        ],
        "spend": {
            "used": {"amount_minor": 1250, "currency": "USD", "exponent": 2},
            "limit": None,
            "percent": 0,
            "severity": "normal",
            "enabled": True,
            "disabled_reason": None,
            "cap": None,
            "balance": None,
            "auto_reload": None,
            "disclaimer": "Usage credits cover you when you hit your plan limits.",
            "can_purchase_credits": False,
            "can_toggle": False,
        },
        "member_dashboard_available": False,
    }
    if new_bucket is not None:
        # A per-model weekly window the server starts sending mid-week.
        body["seven_day_opus_4_7"] = window(new_bucket, WEEK_RESET)
    return {"observed_at": at.isoformat(), "payload": body}


# (hours after START, five_hour %, hours until the 5-hour reset or None, 7-day %, Opus %,
#  Fable %, new bucket % or None)
STEPS = [
    (0, 6, 5, 20, 30, 10, None),
    (2, 48, 3, 24, 44, 18, None),
    (3, 79, 2, 28, 58, 25, None),  # 5-hour crosses 75
    (4, 93, 1, 31, 66, 31, None),  # 5-hour crosses 90
    (5.5, 0, None, 31, 66, 31, None),  # window ended: resets_at null -> reset
    (24, 22, 4, 40, 74, 46, None),
    (26, 64, 2, 47, 83, 58, None),  # Opus crosses 75
    (27.5, 100, 0.5, 52, 91, 70, None),  # 5-hour hits 100; Opus crosses 90
    (29, 8, 4, 53, 92, 71, None),  # 5-hour reset (resets_at moved on)
    (50, 35, 3, 60, 95, 78, None),  # Fable crosses 75
    (74, 41, 4, 66, 96, 83, 12),  # new bucket seven_day_opus_4_7 appears: drift
    (98, 20, 2, 78, 100, 91, 40),  # 7-day crosses 75, Opus 100, Fable 90
    (122, 12, 4, 86, 100, 95, 63),
    (127.5, 3, 5, 2, 0, 0, 0),  # weekly windows reset
]


def main() -> None:
    """Print the recording on stdout."""
    global WEEK_RESET
    lines = []
    for hours, five, until, week, opus, fable, new in STEPS:
        at = START + timedelta(hours=hours)
        if at > WEEK_RESET:
            WEEK_RESET = WEEK_RESET + timedelta(days=7)
        five_reset = at + timedelta(hours=until) if until is not None else None
        lines.append(json.dumps(payload(at, five, five_reset, week, opus, fable, new)))
    sys.stdout.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
