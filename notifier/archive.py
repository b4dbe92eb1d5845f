"""The archive of new payload variants: one private file per variant, kept for maintainers.

Edge (files, via :mod:`notifier.store`: atomic, 0600 in a 0700 folder). Each
variant is keyed by its shape fingerprint and stored once, as
``<archive_dir>/<fingerprint>.json``::

    {"format": 1, "id": <first 12 hex of the fingerprint>, "fingerprint",
     "first_seen", "last_seen", "count", "changes": [<Change.to_json()>...],
     "example": <the redacted payload>, "schema": <JSON Schema of the example>}

Nothing unredacted is ever written: the example goes through
:func:`notifier.core.redact.redact` first and the schema is inferred from it. A
later sighting of the same variant only moves ``last_seen`` and ``count``; the
agent's :class:`Recorder` keeps those in memory and writes them every few minutes.
``export`` bundles every entry (redacted again, in case an older version wrote
it) for a user to attach to an issue; ``accept`` copies a variant's schema into
the user's accepted-schemas folder, so ``schemas.load_known`` knows it from then on.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from notifier import store
from notifier.core import drift
from notifier.core.errors import InputError, StoreError
from notifier.core.events import ID_LENGTH, Change
from notifier.core.redact import redact

FORMAT = 1
BUNDLE_KIND = "claude-usage-notifier/drift-bundle"
_FINGERPRINT = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True)
class ArchivedVariant:
    """One archived variant as read back from its file."""

    id: str
    fingerprint: str
    first_seen: str
    last_seen: str
    count: int
    changes: tuple[Change, ...]
    entry: dict[str, Any]  # the whole file, as written (already redacted)


def _file(archive_dir: Path, fingerprint: str) -> Path:
    if not _FINGERPRINT.fullmatch(fingerprint):
        # The name comes from drift.fingerprint; anything else must not become a path.
        raise InputError(f"not a variant fingerprint: {fingerprint[:40]!r}")
    return archive_dir / f"{fingerprint}.json"


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def build_entry(
    result: drift.DriftResult, payload: Mapping[str, Any], observed_at: datetime
) -> dict[str, Any]:
    """The archive entry for a first sighting. Pure: the payload is redacted here."""
    example = redact(payload)
    return {
        "format": FORMAT,
        "id": result.fingerprint[:ID_LENGTH],
        "fingerprint": result.fingerprint,
        "first_seen": _stamp(observed_at),
        "last_seen": _stamp(observed_at),
        "count": 1,
        "changes": [change.to_json() for change in result.changes],
        "example": example,
        "schema": drift.infer_schema(example),
    }


def record(
    archive_dir: Path,
    result: drift.DriftResult,
    payload: Mapping[str, Any],
    observed_at: datetime,
) -> bool:
    """Archive a drifting payload; True when this variant is new (first sighting).

    A payload without changes (or too large to compare) is not archived (False). A
    known variant gets its ``last_seen`` and ``count`` updated. A corrupt entry is
    moved aside and the variant is archived afresh. Raises :class:`StoreError` when
    the disk fails. The agent uses :class:`Recorder`, which calls this once per
    variant and keeps later sightings in memory.
    """
    if not result.changes:
        return False
    return _write(archive_dir, result, payload, observed_at, observed_at, 1)


def _write(
    archive_dir: Path,
    result: drift.DriftResult,
    payload: Mapping[str, Any],
    first: datetime,
    last: datetime,
    count: int,
) -> bool:
    path = _file(archive_dir, result.fingerprint)
    try:
        existing = store.read_json(path)
    except FileNotFoundError:
        existing = None
    except StoreError:
        store.move_aside(path, "bad")
        existing = None
    if isinstance(existing, dict) and existing.get("fingerprint") == result.fingerprint:
        updated = dict(existing)
        updated["last_seen"] = max(str(existing.get("last_seen", _stamp(last))), _stamp(last))
        updated["first_seen"] = min(str(existing.get("first_seen", _stamp(first))), _stamp(first))
        try:
            before = int(existing.get("count", 0))
        except (TypeError, ValueError):
            before = 0
        updated["count"] = before + count
        store.atomic_write_json(path, updated)
        return False
    entry = build_entry(result, payload, first)
    entry["last_seen"] = _stamp(last)
    entry["count"] = count
    store.atomic_write_json(path, entry)
    return True


FLUSH_EVERY = timedelta(minutes=5)
"""How often the agent's :class:`Recorder` writes the counts of variants it keeps seeing."""


@dataclass
class _Pending:
    result: drift.DriftResult
    payload: Mapping[str, Any]
    first: datetime
    last: datetime
    count: int


class Recorder:
    """The agent's archiver: a variant's first sighting is written at once, later ones
    are counted in memory and written at most every :data:`FLUSH_EVERY` (of observation
    time: no clock is read here), and by :meth:`flush` when the agent stops.

    A payload drifting the same way every poll so costs no disk I/O per poll: no read,
    no redaction, no write. Call it like :func:`record`.
    """

    def __init__(self, archive_dir: Path, flush_every: timedelta = FLUSH_EVERY) -> None:
        self.archive_dir = archive_dir
        self.flush_every = flush_every
        self._written: set[str] = set()
        self._pending: dict[str, _Pending] = {}
        self._flushed_at: datetime | None = None

    def __call__(
        self, result: drift.DriftResult, payload: Mapping[str, Any], observed_at: datetime
    ) -> bool:
        """Archive one sighting; True when the variant is new to the archive."""
        if not result.changes:
            return False
        fingerprint = result.fingerprint
        if fingerprint not in self._written:
            new = record(self.archive_dir, result, payload, observed_at)
            self._written.add(fingerprint)
            if self._flushed_at is None:
                self._flushed_at = observed_at
            return new
        pending = self._pending.get(fingerprint)
        if pending is None:
            self._pending[fingerprint] = _Pending(result, payload, observed_at, observed_at, 1)
        else:
            pending.first = min(pending.first, observed_at)
            pending.last = max(pending.last, observed_at)
            pending.payload = payload
            pending.count += 1
        if self._flushed_at is None or abs(observed_at - self._flushed_at) >= self.flush_every:
            self.flush(observed_at)
        return False

    def flush(self, now: datetime | None = None) -> None:
        """Write every pending count (the agent calls this when it stops)."""
        pending, self._pending = self._pending, {}
        for item in pending.values():
            _write(self.archive_dir, item.result, item.payload, item.first, item.last, item.count)
        if now is not None:
            self._flushed_at = now


def seen_fingerprints(archive_dir: Path) -> set[str]:
    """The fingerprints of every archived variant (file names; nothing is parsed)."""
    try:
        names = [entry.name for entry in archive_dir.iterdir()]
    except OSError:
        return set()
    stems = (name.removesuffix(".json") for name in names if name.endswith(".json"))
    return {stem for stem in stems if _FINGERPRINT.fullmatch(stem)}


def _parse(entry: dict[str, Any]) -> ArchivedVariant:
    try:
        return ArchivedVariant(
            id=str(entry["id"]),
            fingerprint=str(entry["fingerprint"]),
            first_seen=str(entry["first_seen"]),
            last_seen=str(entry["last_seen"]),
            count=int(entry["count"]),
            changes=tuple(Change.from_json(c) for c in entry["changes"]),
            entry=entry,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise StoreError(f"archived variant is incomplete ({exc})") from None


def list_variants(archive_dir: Path) -> list[ArchivedVariant]:
    """Every readable archived variant, oldest first; unreadable files are skipped."""
    found: list[ArchivedVariant] = []
    for fingerprint in seen_fingerprints(archive_dir):
        try:
            data = store.read_json(archive_dir / f"{fingerprint}.json")
            if isinstance(data, dict):
                found.append(_parse(data))
        except (FileNotFoundError, StoreError):
            continue
    return sorted(found, key=lambda v: (v.first_seen, v.fingerprint))


def load(archive_dir: Path, variant_id: str) -> ArchivedVariant:
    """The variant whose fingerprint starts with ``variant_id`` (an id or a longer prefix)."""
    wanted = variant_id.strip().lower()
    if len(wanted) < 4 or not re.fullmatch(r"[0-9a-f]+", wanted):
        raise InputError(f"not a variant id: {variant_id!r} (see `drift list`)")
    matches = sorted(fp for fp in seen_fingerprints(archive_dir) if fp.startswith(wanted))
    if not matches:
        raise InputError(f"no archived variant {variant_id} (see `drift list`)")
    if len(matches) > 1:
        raise InputError(f"variant id {variant_id} is ambiguous: give more characters")
    data = store.read_json(archive_dir / f"{matches[0]}.json")
    if not isinstance(data, dict):
        raise StoreError(f"archived variant {variant_id} is not a JSON object")
    return _parse(data)


def schema_document(variant: Mapping[str, Any], *, where: str) -> dict[str, Any]:
    """A tidy schema document for an archived or bundled variant (accept, promote)."""
    schema = variant.get("schema")
    if not isinstance(schema, dict) and isinstance(variant.get("example"), dict):
        schema = drift.infer_schema(redact(variant["example"]))  # a `drift submit` bundle
    if not isinstance(schema, dict):
        raise InputError("the variant carries no schema")
    short = str(variant.get("id") or str(variant.get("fingerprint", ""))[:ID_LENGTH])
    first = str(variant.get("first_seen", "unknown"))
    changes = ", ".join(
        f"{c.get('change')} {c.get('path')}"
        for c in variant.get("changes", ())
        if isinstance(c, dict)
    )
    document: dict[str, Any] = {
        "$schema": drift.SCHEMA_URI,
        "$id": f"claude-usage-notifier/variants/variant-{short}",
        "title": f"Usage payload variant {short} (first seen {first[:10]})",
        "description": (
            "A payload shape reported by the drift watcher"
            + (f"; it differed from the known variants by: {changes}." if changes else ".")
            + " Describe its new buckets here when you know what they are."
        ),
        "x-seen": {
            "when": first,
            "last_seen": variant.get("last_seen"),
            "count": variant.get("count"),
            "where": where,
            "fingerprint": variant.get("fingerprint"),
        },
    }
    document.update({k: v for k, v in schema.items() if k not in ("$schema", "$id", "title")})
    # A value outside a known enum becomes known with the variant (accept, promote).
    changes_json = [c for c in variant.get("changes", ()) if isinstance(c, dict)]
    drift.with_enums(document, drift.enums_of_changes(changes_json))
    return document


def accept(archive_dir: Path, variant_id: str, accepted_dir: Path) -> Path:
    """Make a variant known on this machine: its schema joins ``accepted_dir``."""
    variant = load(archive_dir, variant_id)
    target = accepted_dir / f"variant-{variant.id}.schema.json"
    store.atomic_write_json(target, schema_document(variant.entry, where="accepted locally"))
    return target


def export_bundle(archive_dir: Path, created_at: datetime) -> dict[str, Any]:
    """Every archived variant in one redacted document a user can attach to an issue."""
    variants = []
    for variant in list_variants(archive_dir):
        entry = dict(variant.entry)
        entry["example"] = redact(entry.get("example"))  # again: older files, hand edits
        if isinstance(entry["example"], dict):
            entry["schema"] = drift.infer_schema(entry["example"])
        variants.append(entry)
    return {
        "kind": BUNDLE_KIND,
        "format": FORMAT,
        "created_at": _stamp(created_at),
        "variants": variants,
    }


def evict(archive_dir: Path, keep: int) -> list[str]:
    """Keep at most ``keep`` variants: the least recently seen go first; return their ids.

    Growth is bounded whatever the server sends: a payload that changes shape at
    every poll would otherwise add a file per poll for ever. Unreadable entries
    count as the oldest (they are moved aside by the next ``record`` anyway).
    """
    fingerprints = seen_fingerprints(archive_dir)
    if len(fingerprints) <= keep:
        return []
    by_fingerprint = {variant.fingerprint: variant for variant in list_variants(archive_dir)}

    def last_seen(fingerprint: str) -> tuple[str, str]:
        variant = by_fingerprint.get(fingerprint)
        return (variant.last_seen if variant is not None else "", fingerprint)

    oldest = sorted(fingerprints, key=last_seen)[: len(fingerprints) - keep]
    for fingerprint in oldest:
        try:
            (archive_dir / f"{fingerprint}.json").unlink()
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise StoreError(f"cannot trim the variant archive: {exc.strerror or exc}") from None
    return [fingerprint[:ID_LENGTH] for fingerprint in oldest]
