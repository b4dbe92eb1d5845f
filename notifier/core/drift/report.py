"""What a change to a schema document added, said in payload paths (deepdiff here).

Pure. ``drift promote`` and ``drift accept`` edit stored schema documents (today:
extending an ``enum``; tomorrow whatever a merge needs); the maintainer reviewing
the commit wants to read what changed, not diff JSON Schema by eye. deepdiff
compares the two documents key by key (``threshold_to_diff_deeper=0``, so a
small node is never reported as one changed value), and each finding is
written with the payload path it describes: ``limits[].kind: + weekly_fable``.
Documents are a few kilobytes, so its cost does not matter here; payloads are
never compared with it (:mod:`.compare` is linear lookups).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

_SKIPPED = {"anyOf"}  # alternatives of one node: not a payload path step


def _payload_path(schema_path: Iterable[Any]) -> tuple[str, str]:
    """A deepdiff path into a schema document -> (payload path, what is there)."""
    parts: list[str] = []
    what = ""
    steps = list(schema_path)
    i = 0
    while i < len(steps):
        step = steps[i]
        if step == "properties" and i + 1 < len(steps):
            parts.append(str(steps[i + 1]))
            i += 2
            continue
        if step == "items":
            parts[-1:] = [f"{parts[-1]}[]"] if parts else ["[]"]
        elif step in _SKIPPED:
            i += 2  # the alternative's index
            continue
        elif isinstance(step, str):
            what = step
            break
        i += 1
    return ".".join(parts) or "(top level)", what


def schema_additions(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """Each thing ``after`` has that ``before`` did not, as ``path: + value`` lines, sorted."""
    from deepdiff import DeepDiff

    diff = DeepDiff(before, after, view="tree", threshold_to_diff_deeper=0, ignore_order=True)
    lines: set[str] = set()
    for kind in ("iterable_item_added", "dictionary_item_added", "values_changed", "type_changes"):
        for level in diff.get(kind, ()):
            path, what = _payload_path(level.path(output_format="list"))
            if what == "enum" and kind == "iterable_item_added":
                lines.add(f"{path}: + {level.t2}")
            elif what in {"description", "title", "x-seen"}:
                continue  # prose for people, not shape
            elif not what and kind == "dictionary_item_added":
                lines.add(f"{path}: + member")
            else:
                lines.add(f"{path}: {what or 'node'} changed")
    return sorted(lines)
