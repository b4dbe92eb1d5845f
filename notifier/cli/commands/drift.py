"""``drift check|list|show|export|accept|promote``: the schema-drift watcher by hand.

Edge. ``check`` compares payload files with the known variants (exit 0 none
drifts, 1 any drifts, 2 a file that is not a JSON object: one stderr line each);
the others read and manage the archive of new variants the agent keeps.
``export`` writes the one redacted bundle a user attaches to an issue;
``promote`` is the maintainers' half: it turns such a bundle (or an archive
file, or a payload) into schema documents in a source tree's ``schemas/``.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from notifier.cli.commands.common import emit_json, paths, read_json_object
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


def _describe(change: dict[str, Any]) -> str:
    kind = change["change"]
    if kind == "added":
        return f"added        {change['path']} ({change['type']})"
    if kind == "removed":
        return f"removed      {change['path']}"
    if kind == "renamed":
        return f"renamed      {change['from']} -> {change['path']}"
    if kind == "value_added":
        return f"value_added  {change['path']} ({change['value']!r})"
    return f"type_changed {change['path']} ({change['old_type']} -> {change['new_type']})"


def check(args: argparse.Namespace) -> int:
    """Compare payload files with the shipped and accepted schemas."""
    from notifier import schemas
    from notifier.core import drift

    known = schemas.load_known([paths().accepted_schemas_dir])
    report: list[dict[str, Any]] = []
    bad = False
    for file in args.files:
        try:
            payload = read_json_object(file)
        except InputError as exc:
            sys.stderr.write(f"claude-usage-notifier: {exc}\n")
            bad = True
            continue
        result = drift.check(payload, known)
        report.append({"file": str(file), "changes": [c.to_json() for c in result.changes]})
    if args.json:
        emit_json(report)
    else:
        for item in report:
            if not item["changes"]:
                sys.stdout.write(f"{item['file']}: known shape, no drift\n")
                continue
            count = len(item["changes"])
            sys.stdout.write(f"{item['file']}: drift, {count} change{'s' * (count != 1)}\n")
            for change in item["changes"]:
                sys.stdout.write(f"  {_describe(change)}\n")
    if bad:
        return ExitCode.BAD_INPUT
    return ExitCode.FOUND if any(item["changes"] for item in report) else ExitCode.OK


def list_(args: argparse.Namespace) -> int:
    """The archived variants, oldest first."""
    from notifier import archive

    variants = archive.list_variants(paths().archive_dir)
    if args.json:
        emit_json(
            [
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
        )
        return ExitCode.OK
    if not variants:
        sys.stdout.write("No new payload variants archived.\n")
        return ExitCode.OK
    sys.stdout.write(f"{'ID':<12}  {'FIRST SEEN':<20}  {'LAST SEEN':<20}  {'COUNT':>5}  CHANGES\n")
    for v in variants:
        summary = ", ".join(f"{c.change.value} {c.path}" for c in v.changes[:3])
        if len(v.changes) > 3:
            summary += f" (+{len(v.changes) - 3} more)"
        sys.stdout.write(
            f"{v.id:<12}  {v.first_seen[:19]:<20}  {v.last_seen[:19]:<20}  "
            f"{v.count:>5}  {summary}\n"
        )
    return ExitCode.OK


def show(args: argparse.Namespace) -> int:
    """One archived variant: its changes and its redacted example."""
    from notifier import archive

    variant = archive.load(paths().archive_dir, args.id)
    if args.json:
        emit_json(variant.entry)
        return ExitCode.OK
    out = sys.stdout
    out.write(f"Variant {variant.id} (fingerprint {variant.fingerprint})\n")
    out.write(f"First seen {variant.first_seen}, last seen {variant.last_seen}, ")
    out.write(f"{variant.count} time{'s' * (variant.count != 1)}\n")
    out.write("Changes:\n")
    for change in variant.changes:
        out.write(f"  {_describe(change.to_json())}\n")
    out.write("Redacted example:\n")
    out.write(json.dumps(variant.entry.get("example"), indent=2, ensure_ascii=False) + "\n")
    return ExitCode.OK


def export(args: argparse.Namespace) -> int:
    """Write every archived variant, redacted, to one bundle (a file, or stdout)."""
    from notifier import archive

    bundle = archive.export_bundle(paths().archive_dir, datetime.now(UTC))
    if not bundle["variants"]:
        sys.stderr.write("claude-usage-notifier: no archived variants: nothing to export\n")
        return ExitCode.OK
    count = len(bundle["variants"])
    if args.output is None:
        emit_json(bundle)
        sys.stderr.write(ISSUE_HINT.format(file="this output (saved to a .json file)") + "\n")
        return ExitCode.OK
    _write_beside(args.output, json.dumps(bundle, indent=2, ensure_ascii=False) + "\n", 0o600)
    sys.stdout.write(f"Wrote {count} variant{'s' * (count != 1)} to {args.output}\n")
    sys.stdout.write(ISSUE_HINT.format(file=args.output) + "\n")
    return ExitCode.OK


def accept(args: argparse.Namespace) -> int:
    """Stop reporting a variant on this machine: its schema becomes a known one."""
    from notifier import archive

    where = paths()
    target = archive.accept(where.archive_dir, args.id, where.accepted_schemas_dir)
    sys.stdout.write(
        f"Accepted variant {args.id}: its schema is now known ({target}).\n"
        "A running agent reads known schemas at start: restart it (or re-run `install`).\n"
    )
    return ExitCode.OK


def _variants_in(source: Path, data: dict[str, Any]) -> list[dict[str, Any]]:
    from notifier import archive
    from notifier.core import drift
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
            "id": drift.fingerprint(drift.shape_of(data))[: archive.ID_LENGTH],
            "fingerprint": drift.fingerprint(drift.shape_of(data)),
            "first_seen": datetime.now(UTC).isoformat(),
            "schema": drift.infer_schema(example),
            "changes": [],
        }
    ]


def promote(args: argparse.Namespace) -> int:
    """(Maintainers) write each new variant's schema into a source tree's ``schemas/``."""
    from notifier import archive
    from notifier.core import drift

    data = read_json_object(args.source, "file")
    target: Path = args.schemas
    if target.exists() and not target.is_dir():
        raise InputError(f"{target}: not a folder")
    known: dict[str, str] = {}
    for file in sorted(target.glob("*.json")) if target.is_dir() else []:
        try:
            document = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError, UnicodeDecodeError):
            continue
        if isinstance(document, dict):
            known[drift.fingerprint(drift.shape_of_schema(document))] = file.name
    written = 0
    for variant in _variants_in(args.source, data):
        document = archive.schema_document(variant, where=f"promoted from {args.source.name}")
        print_ = drift.fingerprint(drift.shape_of_schema(document))
        if print_ in known:
            sys.stdout.write(f"variant {print_[:12]} is already known as {known[print_]}\n")
            continue
        first = str(variant.get("first_seen", ""))[:10] or "undated"
        out = target / f"variant-{first}-{print_[:12]}.schema.json"
        # A source-tree file, meant to be committed and shipped: readable by all.
        _write_beside(out, json.dumps(document, indent=2, ensure_ascii=False) + "\n", 0o644)
        known[print_] = out.name
        written += 1
        sys.stdout.write(f"wrote {out}: review its title and description, then commit it\n")
    if not written:
        sys.stdout.write("nothing new to promote\n")
    return ExitCode.OK
