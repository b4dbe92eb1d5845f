"""status fits the terminal: every shared fixture at 120, 80 and 50 columns.

The limits come from the issue: no line wider than the terminal, a compact form
below 60 columns, every bucket still named with its percent.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from notifier.cli.commands.status import Staleness, text_lines
from notifier.core.buckets import discover
from notifier.core.models import Config
from notifier.core.text import render
from notifier.core.text.labels import label
from tests.conftest import load_payload

SHARED = Path("/work/shared/fixtures/payloads")
PAYLOADS = Path(__file__).resolve().parents[1] / "fixtures" / "payloads"
NAMES = sorted(p.name for p in (SHARED if SHARED.is_dir() else PAYLOADS).glob("*.json"))
NOW = datetime(2026, 7, 19, 1, 0, tzinfo=UTC)
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _lines(name: str, width: int, *, color: bool = False, source: str | None = None) -> list[str]:
    buckets = render.closest_to_cap(discover(load_payload(name)))
    return text_lines(buckets, NOW, Config(), source=source, width=width, color=color, tz=UTC)


def test_there_are_fixtures() -> None:
    assert len(NAMES) >= 10


@pytest.mark.parametrize("width", [120, 80, 50])
@pytest.mark.parametrize("name", NAMES)
def test_no_line_is_wider_than_the_terminal(name: str, width: int) -> None:
    lines = _lines(name, width, source=f"/a/rather/long/folder/name/{name}")
    assert lines, name
    for line in lines:
        assert len(line) <= width, (width, line)
    buckets = discover(load_payload(name))
    text = "\n".join(lines)
    for bucket in buckets:
        assert render.percent(bucket.utilization) in text
        shown = label(bucket.name)
        assert shown in text or shown[:7] in text, (shown, text)


@pytest.mark.parametrize("name", NAMES)
def test_below_60_columns_each_bucket_takes_two_lines(name: str) -> None:
    buckets = discover(load_payload(name))
    wide, narrow = _lines(name, 80), _lines(name, 50)
    if not buckets:
        pytest.skip("no buckets")
    heading = 1
    assert len(wide) - heading >= len(buckets)
    rows = [line for line in narrow if not line.startswith(("Claude", "  "))]
    assert len(rows) == len(buckets)


def test_colour_is_by_band_and_never_counts_toward_the_width() -> None:
    lines = _lines("oauth-usage-credit-grant-2026-09.json", 80, color=True)
    painted = "\n".join(lines)
    assert "\x1b[31m" in painted  # 100 %: red
    assert "\x1b[32m" in painted  # 0 %: green
    for line in lines:
        assert len(ANSI.sub("", line)) <= 80


@pytest.mark.parametrize(
    ("value", "name"), [(74.9, "low"), (75, "high"), (89.9, "high"), (90, "critical")]
)
def test_bands(value: float, name: str) -> None:
    assert render.band(value) == name


def test_stale_numbers_say_how_old_they_are_and_why() -> None:
    buckets = discover(load_payload("oauth-usage-low-usage.json"))
    stale = Staleness(
        as_of=datetime(2026, 7, 19, 0, 23, tzinfo=UTC), reason="rate limited until 01:30"
    )
    lines = text_lines(buckets, NOW, Config(), width=120, stale=stale, tz=UTC)
    assert lines[0] == "Claude usage, % used, as of 00:23 (37 min ago; rate limited until 01:30)"


def test_old_numbers_say_when_their_window_has_renewed_since() -> None:
    buckets = discover(load_payload("oauth-usage-full-2026-07.json"))
    now = datetime(2026, 7, 24, 0, 0, tzinfo=UTC)  # after the weekly reset of 23 Jul
    stale = Staleness(as_of=datetime(2026, 7, 18, 0, 0, tzinfo=UTC), reason="server error")
    lines = text_lines(buckets, now, Config(), width=120, stale=stale, tz=UTC)
    assert any(line.endswith("resets Thu 23 Jul 14:59 (renewed since)") for line in lines), lines
    assert not any("passed" in line for line in lines)
