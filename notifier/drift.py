"""STUB (replaced by the drift issue): shape comparison of payloads with known variants.

The API below is fixed so other modules can code against it:

- ``KnownSchemas``: the known variants (opaque to callers).
- ``load_known(extra_dirs=())``: the bundled schemas plus locally accepted ones.
- ``check(payload, known) -> DriftResult``: pure; ``fingerprint`` of the shape and
  the list of ``Change`` (empty when the shape is known).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from notifier.events import Change


@dataclass(frozen=True)
class KnownSchemas:
    """The known payload variants."""

    documents: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class DriftResult:
    """The shape fingerprint of a payload and how it differs from every known variant."""

    fingerprint: str
    changes: tuple[Change, ...] = field(default_factory=tuple)


def load_known(extra_dirs: Iterable[Path] = ()) -> KnownSchemas:
    """Stub: no schemas."""
    del extra_dirs
    return KnownSchemas()


def check(payload: dict[str, Any], known: KnownSchemas) -> DriftResult:
    """Stub: every payload is known."""
    del payload, known
    return DriftResult(fingerprint="stub")
