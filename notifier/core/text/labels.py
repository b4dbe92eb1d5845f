"""Human labels for bucket names. Presentation only: no logic may branch on these.

An unknown bucket gets a readable label derived from its key, so a bucket the
server invents tomorrow still reads well in a notification.
"""

from __future__ import annotations

SCOPED_PREFIX = "limit:weekly_scoped:"
"""``core.buckets.SCOPED_PREFIX``, spelled here so labels import nothing heavy (the
statusline uses them on its fast path); a test holds the two equal."""

_KNOWN = {
    "five_hour": "5-hour",
    "seven_day": "7-day all",
    "seven_day_opus": "7-day Opus",
    "seven_day_sonnet": "7-day Sonnet",
    "seven_day_oauth_apps": "7-day connected apps",
    "seven_day_cowork": "7-day Cowork",
    "seven_day_omelette": "7-day Claude Design",
    "extra_usage": "Extra usage",
}

_PREFIXES = (("seven_day_", "7-day "), ("five_hour_", "5-hour "))


def words(key: str) -> str:
    """A key in words: ``opus_4_7`` -> ``Opus 4.7`` (runs of numbers are model versions)."""
    out: list[str] = []
    for word in (w for w in key.split("_") if w):
        if word.isdigit() and out and out[-1][-1].isdigit():
            out[-1] += "." + word
        else:
            out.append(word if word.isdigit() else word.capitalize())
    return " ".join(out) or key


def label(name: str) -> str:
    """``seven_day_opus`` -> ``7-day Opus``; ``seven_day_opus_4_7`` -> ``7-day Opus 4.7``."""
    known = _KNOWN.get(name)
    if known is not None:
        return known
    if name.startswith(SCOPED_PREFIX):
        return "Weekly " + words(name.removeprefix(SCOPED_PREFIX))
    for prefix, text in _PREFIXES:
        if name.startswith(prefix):
            return text + words(name.removeprefix(prefix))
    return words(name)
