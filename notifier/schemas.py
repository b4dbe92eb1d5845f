"""The known payload variants on disk: the shipped ``schemas/`` and the user's accepted ones.

Edge (reads files, once at start); :mod:`notifier.core.drift` does the pure comparison
with what this returns. The shipped folder is found through
:func:`notifier.resources.data_dir`, so a wheel and a checkout both work.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from notifier.core.drift import KnownSchemas
from notifier.resources import data_dir


def load_known(extra_dirs: Iterable[Path] = ()) -> KnownSchemas:
    """The shipped variants plus those accepted in ``extra_dirs`` (missing folders are fine).

    A file that is not a JSON object is skipped: one bad accepted schema must not
    stop the watcher.
    """
    documents: list[tuple[str, Mapping[str, Any]]] = []
    folders: list[Any] = [data_dir("schemas"), *extra_dirs]
    for index, folder in enumerate(folders):
        try:
            entries = sorted(folder.iterdir(), key=lambda entry: entry.name)
        except OSError:
            continue
        for entry in entries:
            if not entry.name.endswith(".json"):
                continue
            try:
                document = json.loads(entry.read_text(encoding="utf-8"))
            except (OSError, ValueError, UnicodeDecodeError, RecursionError):
                continue
            if isinstance(document, dict):
                label = entry.name if index == 0 else f"{index}:{entry.name}"
                documents.append((label, document))
    return KnownSchemas.from_documents(documents)
