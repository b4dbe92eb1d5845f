"""Maintainer tool: (re)build ``schemas/`` from the fixture payloads, with genson.

Run from the repository root::

    python tools/build_schemas.py ../shared/fixtures/payloads tests/payloads schemas

(every folder but the last is a source of payloads; the last is the target).
genson infers each document; this script then adds what a person knows and a
machine cannot: a title, what each bucket is, and ``x-seen`` (where and when the
variant was seen), and declares ``enum`` at the enum paths (``limits[].kind``,
``limits[].group``, ``limits[].severity``) with every value the source payloads
hold there, so a value outside is reported as ``value_added``. Review the diff
before committing: the shipped documents are the known variants, so every change
here changes what the watcher reports.
New variants reported by users arrive with ``drift promote`` instead (see
``schemas/README.md``). genson is a test/dev dependency, never a runtime one.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from genson import SchemaBuilder

from notifier.core import drift
from notifier.core.drift.compare import strings_at

SCHEMA_URI = drift.SCHEMA_URI

# What each top-level key is (from ../shared/docs/endpoint.md). Presentation only:
# the watcher reads keys and types, never these texts.
BUCKETS = {
    "five_hour": "5-hour session window, all models.",
    "seven_day": "Weekly window, all models.",
    "seven_day_sonnet": "Weekly window for Sonnet models (often null).",
    "seven_day_opus": "Weekly window for Opus models (often null).",
    "seven_day_oauth_apps": "Weekly window for connected OAuth apps.",
    "seven_day_cowork": "Weekly window for Cowork.",
    "seven_day_omelette": "Weekly window for Claude Design.",
    "extra_usage": (
        "Pay-as-you-go: is_enabled, monthly_limit and used_credits in minor units (cents), "
        "utilization in percent of the monthly limit, currency; no resets_at."
    ),
    "limits": (
        "Self-describing list of limits: kind (session, weekly_all, weekly_scoped), group, "
        "percent (integer), severity, resets_at, scope.model.display_name, is_active."
    ),
    "spend": "Money block in minor units (amount_minor, currency, exponent).",
    "member_dashboard_available": "Whether the organisation member dashboard exists.",
    "seven_day_breakdown": (
        "Weekly breakdown: as_of, window_started_at, rows of {key, display_name, percent} "
        "(null until October 2026)."
    ),
}
CODENAME = "Codenamed bucket: mostly null; some are credit grants with dollar fields."
WINDOW = (
    "A window: utilization is a percentage (0 to 100, fractional, can exceed 100, never "
    "rescaled); resets_at is ISO 8601 or null when no session has started."
)

# Where and when each fixture's variant was seen ("when" is read off the capture's
# own resets_at timestamps; the enterprise capture has none).
SEEN = {
    "oauth-usage-2025-11": ("2025-11", "Classic payload of late 2025: first codename key."),
    "oauth-usage-classic-2026-03": ("2026-03", "Classic keys plus extra_usage, Cowork, Design."),
    "oauth-usage-credit-grant-2026-09": (
        "2026-09",
        "Codename credit grants with dollar fields; empty limits; spend block.",
    ),
    "oauth-usage-design-cowork": ("2026-06", "Design and Cowork windows alive; Z timestamps."),
    "oauth-usage-enterprise": ("unknown", "Enterprise seat: null windows, extra_usage only."),
    "oauth-usage-full-2026-07": ("2026-07", "Everything at once: limits list with a scope."),
    "oauth-usage-low-usage": ("2026-09", "Trimmed limits entries and extra_usage."),
    "oauth-usage-no-session": ("2026-02", "No session started: resets_at null."),
    "oauth-usage-two-scoped-limits": ("2026-08", "Two weekly_scoped limits, one unnamed."),
    "oauth-usage-window-missing-resets-at": ("2025-12", "Windows without resets_at."),
    "oauth-usage-window-missing-utilization": ("2025-12", "five_hour without utilization."),
    "oauth-usage-codenames-2026-09": (
        "2026-09",
        "New null codenames wattle_ember and amber_gauge; spend null (endpoint.md, 2026).",
    ),
    "oauth-usage-breakdown-2026-10": (
        "2026-10",
        "seven_day_breakdown with rows, seven_day_opus back as a window, one limits entry "
        "whose scope lacks surface (endpoint.md, 2026).",
    ),
}
WHERE = {"tests/payloads": "tests/payloads", "fixtures/payloads": "fixtures/payloads"}


def _annotate_windows(node: Any) -> None:
    if isinstance(node, dict):
        if "utilization" in node.get("properties", {}):
            node.setdefault("description", WINDOW)
        for value in node.values():
            _annotate_windows(value)
    elif isinstance(node, list):
        for value in node:
            _annotate_windows(value)


def enum_values(payloads: list[dict[str, Any]]) -> dict[drift.schema.Path, set[str]]:
    """Every string the payloads hold at each enum path: the values the schemas declare."""
    return {
        path: set().union(*(strings_at(payload, path) for payload in payloads))
        for path in drift.ENUM_PATHS
    }


def build(
    payload_file: Path, enums: dict[drift.schema.Path, set[str]] | None = None
) -> dict[str, Any]:
    """The tidied schema document for one fixture payload."""
    builder = SchemaBuilder(schema_uri=SCHEMA_URI)
    builder.add_object(json.loads(payload_file.read_text()))
    inferred = builder.to_schema()
    drift.with_enums(inferred, enums or {})
    stem = payload_file.stem
    when, note = SEEN.get(stem, ("unknown", "Added by tools/build_schemas.py."))
    _annotate_windows(inferred)
    for key, node in inferred.get("properties", {}).items():
        text = BUCKETS.get(key, CODENAME)
        if "description" in node:
            text = f"{text} {node.pop('description')}"
        inferred["properties"][key] = {"description": text, **node}
    document: dict[str, Any] = {
        "$schema": SCHEMA_URI,
        "$id": f"claude-usage-notifier/variants/{stem}",
        "title": f"Usage payload variant {stem.removeprefix('oauth-usage-')}",
        "description": (
            f"One known shape of GET /api/oauth/usage. {note} Keys and JSON types are what "
            "the drift watcher compares; values, key order and int/float never count."
        ),
        "x-seen": {"when": when, "where": f"{_where(payload_file)}/{payload_file.name}"},
    }
    document.update({k: v for k, v in inferred.items() if k != "$schema"})
    return document


def _where(payload_file: Path) -> str:
    folder = payload_file.parent.as_posix()
    return next((w for suffix, w in WHERE.items() if folder.endswith(suffix)), folder)


def main(argv: list[str]) -> int:
    """Write one ``<payload>.schema.json`` per payload of every source folder."""
    *sources, target = (Path(arg) for arg in argv)
    target.mkdir(parents=True, exist_ok=True)
    files = sorted((f for source in sources for f in source.glob("*.json")), key=lambda f: f.name)
    enums = enum_values([json.loads(f.read_text()) for f in files])
    for payload_file in files:
        out = target / f"{payload_file.stem}.schema.json"
        out.write_text(json.dumps(build(payload_file, enums), indent=2) + "\n")
        sys.stdout.write(f"wrote {out}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
