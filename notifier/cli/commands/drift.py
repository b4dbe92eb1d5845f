"""``drift check|list|show|export|accept|promote``: the schema-drift watcher by hand.

Edge. ``check`` compares payload files with the known variants (exit 0 none
drifts, 1 any drifts, 2 a file that is not a JSON object: one stderr line each);
the others read and manage the archive of new variants the agent keeps.
``export`` writes the one redacted bundle a user attaches to an issue;
``promote`` is the maintainers' half: it turns such a bundle (or an archive
file, or a payload) into schema documents in a source tree's ``schemas/``.
Stays light: deepdiff is loaded by ``drift.check`` only for an unknown shape.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from notifier.cli.commands.common import paths, read_json_object
from notifier.cli.output import Result
from notifier.core.errors import ExitCode, InputError

ISSUE_HINT = (
    "Attach {file} to a new issue on the claude-usage-notifier project's issue tracker, "
    "titled 'New usage payload variant'. "
    "It holds only the redacted shape: keys, types, numbers, timestamps and short names."
)


def _write_beside(path: Path, text: str, mode: int) -> None:
    """Atomic write to a user-chosen place (a Desktop, a source tree): its folder is not ours."""
    from notifier import store
    from notifier.core.errors import StoreError

    try:
        store.atomic_write_bytes(path, text.encode("utf-8"), mode=mode, ours=False)
    except StoreError as exc:
        raise InputError(str(exc)) from None


def check(args: argparse.Namespace) -> Result:
    """Compare payload files with the shipped and accepted schemas."""
    from notifier import schemas
    from notifier.core import drift
    from notifier.core.text.timeline import change_line

    known = schemas.load_known([paths().accepted_schemas_dir])
    report: list[dict[str, Any]] = []
    text: list[str] = []
    notes: list[str] = []
    for file in args.files:
        try:
            payload = read_json_object(file)
        except InputError as exc:
            notes.append(str(exc))
            continue
        changes = drift.check(payload, known).changes
        report.append({"file": str(file), "changes": [c.to_json() for c in changes]})
        if not changes:
            text.append(f"{file}: known shape, no drift")
            continue
        text.append(f"{file}: drift, {len(changes)} change{'s' * (len(changes) != 1)}")
        text.extend(f"  {change_line(change, aligned=True)}" for change in changes)
    if notes:
        code = ExitCode.BAD_INPUT
    else:
        code = ExitCode.FOUND if any(item["changes"] for item in report) else ExitCode.OK
    return Result(text=text, data=report, notes=notes, exit_code=code)


def list_(args: argparse.Namespace) -> Result:
    """The archived variants, oldest first."""
    from notifier import archive

    del args
    variants = archive.list_variants(paths().archive_dir)
    data = {
        "variants": [
            {
                "id": v.id,
                "fingerprint": v.fingerprint,
                "first_seen": v.first_seen,
                "last_seen": v.last_seen,
                "count": v.count,
                "changes": [c.to_json() for c in v.changes],
            }
            for v in variants
        ]
    }
    if not variants:
        return Result(text=["No new payload variants archived."], data=data)
    text = [f"{'ID':<12}  {'FIRST SEEN':<20}  {'LAST SEEN':<20}  {'COUNT':>5}  CHANGES"]
    for v in variants:
        summary = ", ".join(f"{c.change.value} {c.path}" for c in v.changes[:3])
        if len(v.changes) > 3:
            summary += f" (+{len(v.changes) - 3} more)"
        text.append(
            f"{v.id:<12}  {v.first_seen[:19]:<20}  {v.last_seen[:19]:<20}  {v.count:>5}  {summary}"
        )
    return Result(text=text, data=data)


def show(args: argparse.Namespace) -> Result:
    """One archived variant: its changes and its redacted example."""
    from notifier import archive
    from notifier.core.text.timeline import change_line

    variant = archive.load(paths().archive_dir, args.id)
    text = [
        f"Variant {variant.id} (fingerprint {variant.fingerprint})",
        f"First seen {variant.first_seen}, last seen {variant.last_seen}, "
        f"{variant.count} time{'s' * (variant.count != 1)}",
        "Changes:",
        *(f"  {change_line(change, aligned=True)}" for change in variant.changes),
        "Redacted example:",
        json.dumps(variant.entry.get("example"), indent=2, ensure_ascii=False),
    ]
    return Result(text=text, data=variant.entry)


def export(args: argparse.Namespace) -> Result:
    """Write every archived variant, redacted, to one bundle (a file, or stdout)."""
    from notifier import archive
    from notifier.cli.output import json_text

    bundle = archive.export_bundle(paths().archive_dir, datetime.now(UTC))
    if not bundle["variants"]:
        return Result(notes=["no archived variants: nothing to export"])
    count = len(bundle["variants"])
    if args.output is None:
        hint = ISSUE_HINT.format(file="this output (saved to a .json file)")
        return Result(text=[json_text(bundle)], notes=[hint])
    _write_beside(args.output, json.dumps(bundle, indent=2, ensure_ascii=False) + "\n", 0o600)
    return Result(
        text=[
            f"Wrote {count} variant{'s' * (count != 1)} to {args.output}",
            ISSUE_HINT.format(file=args.output),
        ]
    )


def accept(args: argparse.Namespace) -> Result:
    """Stop reporting a variant on this machine: its schema becomes a known one."""
    from notifier import archive

    where = paths()
    target = archive.accept(where.archive_dir, args.id, where.accepted_schemas_dir)
    return Result(
        text=[
            f"Accepted variant {args.id}: its schema is now known ({target}).",
            "A running agent reads known schemas at start: restart it (or re-run `install`).",
        ]
    )


def _variants_in(source: Path, data: dict[str, Any]) -> list[dict[str, Any]]:
    from notifier import archive
    from notifier.core import drift
    from notifier.core.events import ID_LENGTH
    from notifier.core.redact import redact

    if data.get("kind") == archive.BUNDLE_KIND:
        variants = data.get("variants")
        if not isinstance(variants, list) or not all(isinstance(v, dict) for v in variants):
            raise InputError(f"{source}: a drift bundle without a list of variants")
        return variants
    if isinstance(data.get("schema"), dict) and "fingerprint" in data:
        return [data]  # one archive file
    # A raw payload: only its keys and types are used, from the redacted copy.
    example = redact(data)
    return [
        {
            "id": drift.fingerprint(drift.shape_of(data))[:ID_LENGTH],
            "fingerprint": drift.fingerprint(drift.shape_of(data)),
            "first_seen": datetime.now(UTC).isoformat(),
            "schema": drift.infer_schema(example),
            "changes": [],
        }
    ]


def _date_part(value: object) -> str:
    """``YYYY-MM-DD`` of an ISO timestamp from a bundle, else ``undated``."""
    text = str(value or "")[:10]
    try:
        return date.fromisoformat(text).isoformat() if len(text) == 10 else "undated"
    except ValueError:
        return "undated"


def promote(args: argparse.Namespace) -> Result:
    """(Maintainers) write each new variant's schema into a source tree's ``schemas/``."""
    from notifier import archive
    from notifier.core import drift
    from notifier.core.events import ID_LENGTH
    from notifier.store import MAX_JSON_BYTES, read_capped

    data = read_json_object(args.source, "file")
    target: Path = args.schemas
    if target.exists() and not target.is_dir():
        raise InputError(f"{target}: not a folder")
    known: dict[str, str] = {}
    for file in sorted(target.glob("*.json")) if target.is_dir() else []:
        try:
            document = json.loads(read_capped(file, MAX_JSON_BYTES).decode("utf-8"))
        except (OSError, ValueError, UnicodeDecodeError, RecursionError):
            continue
        if isinstance(document, dict):
            known[drift.fingerprint(drift.shape_of_schema(document))] = file.name
    written = 0
    text: list[str] = []
    for variant in _variants_in(args.source, data):
        document = archive.schema_document(variant, where=f"promoted from {args.source.name}")
        print_ = drift.fingerprint(drift.shape_of_schema(document))
        if print_ in known:
            text.append(f"variant {print_[:ID_LENGTH]} is already known as {known[print_]}")
            continue
        # Only validated pieces make the file name: a date we parse and our own hex
        # fingerprint. Nothing else from the bundle ever reaches the file system.
        first = _date_part(variant.get("first_seen"))
        out = target / f"variant-{first}-{print_[:ID_LENGTH]}.schema.json"
        # A source-tree file, meant to be committed and shipped: readable by all.
        _write_beside(out, json.dumps(document, indent=2, ensure_ascii=False) + "\n", 0o644)
        known[print_] = out.name
        written += 1
        text.append(f"wrote {out}: review its title and description, then commit it")
    if not written:
        text.append("nothing new to promote")
    return Result(text=text)
