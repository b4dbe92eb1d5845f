"""The one sanitiser for text that reaches a person: terminal, log line or notification.

Pure. Strings from the server (bucket keys, drift paths, values) and from files
(config, recordings, archived variants) may hold control characters: an
escape sequence rewrites the terminal's title or hides the rest of a line, a
carriage return overwrites a log line, a bidirectional override reorders what
a notification says. Every output edge (:mod:`notifier.cli.output`,
:mod:`notifier.logs`, :mod:`notifier.notify.notifier`) passes its text through
:func:`printable`, so no one has to remember it string by string.

What goes: the C0 and C1 control characters (``\\x00``-``\\x1f``, ``\\x7f``-``\\x9f``)
and the invisible bidirectional overrides and isolates (U+202A-U+202E,
U+2066-U+2069). A newline or a tab becomes a space in a single-line text
(:func:`printable`); :func:`printable_lines` keeps the line breaks of a
multi-line one. Everything else, accents and emoji included, stays.
"""

from __future__ import annotations

import re

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SPACE = re.compile("[\t\n]")
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` as one safe line: control characters dropped, tabs and newlines as spaces."""
    return _CONTROL.sub("", _SPACE.sub(" ", text))


def printable_lines(text: str) -> str:
    """``text`` with its line breaks kept and every other control character dropped."""
    return "\n".join(printable(line) for line in text.split("\n"))


def json_safe(document: str) -> str:
    """A JSON text with the characters ``json.dumps`` leaves raw escaped (``\\u009b``).

    ``json.dumps(ensure_ascii=False)`` escapes C0 controls but not C1 ones (CSI is
    ``\\x9b``) nor the bidirectional overrides; escaping them keeps the value
    the same for a machine and harmless for a terminal.
    """
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", document)
