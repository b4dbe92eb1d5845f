"""The known payload variants on disk: the shipped ``schemas/`` and the user's accepted ones.

Edge (reads files, once at start); :mod:`notifier.core.drift` does the pure comparison
with what this returns. The shipped folder is found through
:func:`notifier.resources.data_dir`, so a wheel and a checkout both work.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from notifier.core.drift import KnownSchemas, shape_of_schema
from notifier.resources import data_dir
from notifier.store import MAX_JSON_BYTES, read_capped

logger = logging.getLogger("notifier.schemas")


def _skip(entry: Path, why: str, warnings: list[str] | None) -> None:
    message = f"schema {entry} skipped: {why}"
    if warnings is None:
        logger.warning("%s", message)
    else:
        warnings.append(message)


def load_known(
    extra_dirs: Iterable[Path] = (), *, warnings: list[str] | None = None
) -> KnownSchemas:
    """The shipped variants plus those accepted in ``extra_dirs`` (missing folders are fine).

    A file that cannot be used (a symlink, a FIFO, too large, not JSON, not an
    object, or a schema whose shape cannot be read) is skipped with a warning
    (logged, or appended to ``warnings`` when given): one bad accepted schema
    must not stop the watcher.
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
                document = json.loads(read_capped(entry, MAX_JSON_BYTES).decode("utf-8"))
            except OSError as exc:
                _skip(entry, exc.strerror or type(exc).__name__, warnings)
                continue
            except (ValueError, UnicodeDecodeError, RecursionError):
                _skip(entry, "not valid JSON", warnings)
                continue
            if not isinstance(document, dict):
                _skip(entry, "not a JSON object", warnings)
                continue
            try:
                shape_of_schema(document)
            except Exception:
                _skip(entry, "not a schema this version can read", warnings)
                continue
            label = entry.name if index == 0 else f"{index}:{entry.name}"
            documents.append((label, document))
    return KnownSchemas.from_documents(documents)
