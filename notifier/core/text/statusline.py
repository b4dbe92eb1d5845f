"""The statusline's one short line: ``5h 93% ↑ ↻27m · 7d 41% · Fable 55% ↑``.

Pure, and light on purpose: ``claude-usage-notifier statusline`` runs on every
Claude Code statusline refresh and must start in about three bare interpreter
starts, so this module imports only ``re`` (already loaded by ``json``): no
``dataclasses``, no ``typing`` at run time, nothing of ours. Times are epoch
seconds (floats), which needs no ``datetime``.

What the line shows, from the :class:`Number` values the command gathered
(the freshest it has for each bucket):

- ``5h`` and ``7d`` always, in that order, a dash when unknown; then Claude
  Code's gateway ``Spend`` cap when present; then the other buckets that
  matter now, fullest first, at most :data:`MAX_OTHERS`: the one closest to
  its cap, any at :data:`OTHER_MIN` percent or more, any with a forecast;
- percentages as whole numbers, rounded, except that a bucket under 100 % never
  reads ``100%`` (99.6 shows as ``99%``: not yet at the wall). Values over 100
  (a spend cap passed) show as they are;
- the bucket closest to its cap carries its reset countdown, ``↻27m``: it is
  the one that stops you first, and the countdown says when it lets go;
- ``↑`` after a bucket with a live pace forecast (at this pace it reaches 100 %
  before it resets);
- ``(3h old)`` after a number older than :data:`STALE_AFTER`, longer than the
  agent ever leaves its numbers while it runs (it asks the endpoint at least
  every 30 minutes); ``(old)`` when its age is unknown;
- a window whose reset time has passed shows a dash: its number is from before
  the reset, and the new one is not known yet.

Templates (``statusline --format``): ``{field}`` is replaced by the field's
text (:data:`FIELDS` lists them), ``{{`` and ``}}`` are literal braces, and an
unknown ``{name}`` is left as written, so a typo shows instead of vanishing.
Control characters are removed from field values (they come partly from
Claude Code's document), never from the template, so a template may carry
its own ANSI colours.
"""

from __future__ import annotations

import re

from notifier.core.text.labels import words

TYPE_CHECKING = False  # typing is not imported at run time: start-up time
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

FIVE_HOUR = "five_hour"
SEVEN_DAY = "seven_day"
SPEND = "spend_limit"
"""Claude Code's ``rate_limits.spend_limit`` (behind a gateway with a spend cap)."""

STALE_AFTER = 45 * 60.0
OTHER_MIN = 50.0
MAX_OTHERS = 2

FIELDS = {
    "line": "the whole default line",
    "five_hour": "the 5-hour segment, e.g. '5h 93% ↻27m' ('5h \u2013' when unknown)",
    "five_hour_pct": "the 5-hour percentage, e.g. '93%' ('\u2013' when unknown)",
    "five_hour_reset": "time until the 5-hour window resets, e.g. '27m' ('' when unknown)",
    "seven_day": "the 7-day segment, e.g. '7d 41%' ('7d \u2013' when unknown)",
    "seven_day_pct": "the 7-day percentage",
    "seven_day_reset": "time until the 7-day window resets, e.g. '3d4h'",
    "spend": "the spend-cap segment, e.g. 'Spend 112%' ('' without a spend cap)",
    "spend_pct": "the spend-cap percentage ('' without one)",
    "others": "the other buckets' segments that matter now, e.g. 'Fable 55% ↑'",
    "closest": "the segment of the bucket closest to its cap",
    "closest_label": "that bucket's short name, e.g. '5h' or 'Fable'",
    "closest_pct": "its percentage",
    "closest_reset": "time until it resets",
    "forecast": "short names of the buckets with a pace forecast, e.g. 'Fable'",
    "stale": "the age of the oldest stale number, e.g. '3h old' ('' when all are fresh)",
    "model": "the model Claude Code shows (its model.display_name)",
    "dir": "the name of Claude Code's current folder",
}
"""Every ``--format`` field and what it holds (``statusline --help`` prints this)."""

_UNICODE = {"reset": "\u21bb", "up": "\u2191", "sep": " \u00b7 ", "none": "\u2013"}
_ASCII = {"reset": "in ", "up": "^", "sep": " | ", "none": "-"}

_KNOWN = {
    FIVE_HOUR: "5h",
    SEVEN_DAY: "7d",
    SPEND: "Spend",
    "extra_usage": "Extra",
    "seven_day_oauth_apps": "7d Apps",
    "seven_day_omelette": "7d Design",
}
_PREFIXES = (("seven_day_", "7d "), ("five_hour_", "5h "))
_SCOPED = "limit:weekly_scoped:"
_FIELD = re.compile(r"\{\{|\}\}|\{([a-z_]+)\}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class Number:
    """One bucket's number for the line, from wherever it was freshest.

    ``resets_at`` is epoch seconds; ``age`` is how many seconds ago the number
    was taken (0 for Claude Code's own reading, None when unknown).
    """

    __slots__ = ("age", "forecast", "name", "resets_at", "utilization")

    def __init__(
        self,
        name: str,
        utilization: float,
        resets_at: float | None = None,
        *,
        age: float | None = 0.0,
        forecast: bool = False,
    ) -> None:
        self.name = name
        self.utilization = utilization
        self.resets_at = resets_at
        self.age = age
        self.forecast = forecast

    def __repr__(self) -> str:
        return (
            f"Number({self.name!r}, {self.utilization!r}, {self.resets_at!r}, "
            f"age={self.age!r}, forecast={self.forecast!r})"
        )


def short_label(name: str) -> str:
    """``five_hour`` -> ``5h``, ``limit:weekly_scoped:fable`` -> ``Fable``, ``tangelo`` as is.

    Short on purpose (the long labels of :mod:`.labels` are for notifications): a
    statusline shares its row with everything else Claude Code shows.
    """
    known = _KNOWN.get(name)
    if known is not None:
        return known
    if name.startswith(_SCOPED):
        return words(name.removeprefix(_SCOPED))
    if name.startswith("limit:"):
        _, kind, slug = [*name.split(":", 2), "", ""][:3]
        return f"{words(slug)} {kind.split('_')[0]}".strip()
    for prefix, text in _PREFIXES:
        if name.startswith(prefix):
            return text + words(name.removeprefix(prefix))
    return words(name)


def percent(utilization: float) -> str:
    """``14.000000000000002`` -> ``14%``; ``99.6`` -> ``99%``: below 100 never reads as the wall.

    Whole numbers: the float noise Claude Code sends is not precision worth a column.
    """
    if utilization >= 100:
        return f"{int(utilization + 0.5)}%"
    if utilization > 99:
        return "99%"
    return f"{int(utilization + 0.5) if utilization > 0 else 0}%"


def countdown(seconds: float) -> str:
    """``27m``, ``4h05m``, ``3d4h``; ``<1m`` for under a minute (and for a moment just past)."""
    minutes = int(max(seconds, 0.0) // 60)
    if minutes < 1:
        return "<1m"
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}d{hours}h"
    if hours:
        return f"{hours}h{mins:02d}m"
    return f"{mins}m"


def age_text(age: float | None) -> str:
    """``50m old``, ``3h old``, ``2d old``; ``old`` when the age is unknown."""
    if age is None:
        return "old"
    minutes = int(max(age, 0.0) // 60)
    if minutes < 60:
        return f"{minutes}m old"
    if minutes < 48 * 60:
        return f"{minutes // 60}h old"
    return f"{minutes // (24 * 60)}d old"


def _stale(number: Number) -> bool:
    return number.age is None or number.age > STALE_AFTER


def _reset_passed(number: Number, now: float) -> bool:
    """True when the window has reset since the number was taken (even Claude Code's own:
    it is as old as Claude Code's last reply)."""
    return number.resets_at is not None and number.resets_at <= now


def _segment(
    number: Number | None, label: str, glyphs: Mapping[str, str], *, closest: bool, now: float
) -> str:
    if number is None or _reset_passed(number, now):
        return f"{label} {glyphs['none']}"
    text = f"{label} {percent(number.utilization)}"
    if number.forecast:
        text += f" {glyphs['up']}"
    if closest and number.resets_at is not None:
        text += f" {glyphs['reset']}{countdown(number.resets_at - now)}"
    if _stale(number):
        text += f" ({age_text(number.age)})"
    return text


def _closest(numbers: Iterable[Number], now: float) -> Number | None:
    best: Number | None = None
    for number in numbers:
        if _reset_passed(number, now):
            continue
        if best is None or number.utilization > best.utilization:
            best = number
    return best


def fields(
    numbers: Sequence[Number],
    now: float,
    *,
    ascii_only: bool = False,
    context: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Every template field (see :data:`FIELDS`) for ``numbers`` at ``now``.

    ``numbers`` holds at most one entry per bucket name (the first wins);
    ``context`` supplies ``model`` and ``dir`` from Claude Code's document.
    """
    glyphs = _ASCII if ascii_only else _UNICODE
    by_name: dict[str, Number] = {}
    for number in numbers:
        by_name.setdefault(number.name, number)
    closest = _closest(by_name.values(), now)

    def segment(name: str) -> str:
        number = by_name.get(name)
        return _segment(number, short_label(name), glyphs, closest=number is closest, now=now)

    def pct(name: str, missing: str) -> str:
        number = by_name.get(name)
        if number is None or _reset_passed(number, now):
            return missing
        return percent(number.utilization)

    def reset(number: Number | None) -> str:
        if number is None or number.resets_at is None or _reset_passed(number, now):
            return ""
        return countdown(number.resets_at - now)

    fixed = (FIVE_HOUR, SEVEN_DAY, SPEND)
    candidates = sorted(
        (
            n
            for n in by_name.values()
            if n.name not in fixed
            and not _reset_passed(n, now)
            and (n is closest or n.forecast or n.utilization >= OTHER_MIN)
        ),
        key=lambda n: -n.utilization,
    )[:MAX_OTHERS]
    others = [segment(n.name) for n in candidates]
    head = [segment(FIVE_HOUR), segment(SEVEN_DAY)]
    spend = segment(SPEND) if SPEND in by_name else ""
    line_parts = [*head, *([spend] if spend else []), *others]
    stale_ages = [n for n in by_name.values() if _stale(n)]
    oldest = max(stale_ages, key=lambda n: float("inf") if n.age is None else n.age, default=None)
    out = {
        "line": glyphs["sep"].join(line_parts),
        "five_hour": head[0],
        "five_hour_pct": pct(FIVE_HOUR, glyphs["none"]),
        "five_hour_reset": reset(by_name.get(FIVE_HOUR)),
        "seven_day": head[1],
        "seven_day_pct": pct(SEVEN_DAY, glyphs["none"]),
        "seven_day_reset": reset(by_name.get(SEVEN_DAY)),
        "spend": spend,
        "spend_pct": pct(SPEND, ""),
        "others": glyphs["sep"].join(others),
        "closest": segment(closest.name) if closest is not None else "",
        "closest_label": short_label(closest.name) if closest is not None else "",
        "closest_pct": percent(closest.utilization) if closest is not None else "",
        "closest_reset": reset(closest),
        "forecast": ", ".join(short_label(n.name) for n in by_name.values() if n.forecast),
        "stale": age_text(oldest.age) if oldest is not None else "",
        "model": "",
        "dir": "",
    }
    if context:
        out.update({key: value for key, value in context.items() if key in ("model", "dir")})
    return out


def render(template: str, values: Mapping[str, str]) -> str:
    """``template`` with ``{field}`` replaced (unknown ones kept), ``{{``/``}}`` as braces."""

    def replace(match: re.Match[str]) -> str:
        found = match.group(0)
        if found == "{{":
            return "{"
        if found == "}}":
            return "}"
        value = values.get(match.group(1))
        return found if value is None else _CONTROL.sub("", value)

    return _FIELD.sub(replace, template)
