"""``drift check|list|show|export|accept|promote``: the schema-drift watcher by hand.

Edge. ``check`` compares payload files with the known variants (exit 0 none
drifts, 1 any drifts, 2 a file that is not a JSON object: one stderr line each);
the others read and manage the archive of new variants the agent keeps.
``export`` writes the one redacted bundle a user attaches to an issue;
``submit`` shows that bundle and opens the project's new-issue page with it.
``promote`` is the maintainers' half: it folds such bundles (or archive files,
or payloads) into schema documents in a source tree's ``schemas/``.
"""

from __future__ import annotations

import argparse
import copy
import json
from collections.abc import Callable
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
        result = drift.check(payload, known)
        changes = result.changes
        if result.too_large:
            # Not compared: a distinct answer, and "found something" (exit 1).
            report.append({"file": str(file), "changes": [], "too_large": True})
            text.append(
                f"{file}: too large to compare (more than {drift.MAX_NODES} keys and items, "
                f"or deeper than {drift.MAX_DEPTH} levels)"
            )
            continue
        report.append({"file": str(file), "changes": [c.to_json() for c in changes]})
        if not changes:
            text.append(f"{file}: known shape, no drift")
            continue
        text.append(f"{file}: drift, {len(changes)} change{'s' * (len(changes) != 1)}")
        text.extend(f"  {change_line(change, aligned=True)}" for change in changes)
    if notes:
        code = ExitCode.BAD_INPUT
    else:
        found = any(item["changes"] or item.get("too_large") for item in report)
        code = ExitCode.FOUND if found else ExitCode.OK
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


def _read_schemas(target: Path) -> dict[str, tuple[Path, dict[str, Any]]]:
    """The schema documents in a source tree's folder, by shape fingerprint."""
    from notifier.core import drift
    from notifier.store import MAX_JSON_BYTES, read_capped

    known: dict[str, tuple[Path, dict[str, Any]]] = {}
    for file in sorted(target.glob("*.json")) if target.is_dir() else []:
        try:
            document = json.loads(read_capped(file, MAX_JSON_BYTES).decode("utf-8"))
        except (OSError, ValueError, UnicodeDecodeError, RecursionError):
            continue
        if isinstance(document, dict):
            known.setdefault(drift.fingerprint(drift.shape_of_schema(document)), (file, document))
    return known


def _source_text(document: dict[str, Any]) -> str:
    # A source-tree file, meant to be reviewed and committed: stable, readable JSON.
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def promote(args: argparse.Namespace) -> Result:
    """(Maintainers) fold bundles into a source tree's ``schemas/``, idempotently.

    Each variant whose shape no document there has becomes a new document; a variant
    whose shape is known extends that document's enums with the values it brought
    (``value_added``). Duplicates (within a bundle, across bundles, or with the tree)
    add nothing, so promoting the same bundle twice leaves the same tree.
    """
    from notifier import archive
    from notifier.core import drift
    from notifier.core.drift.report import schema_additions
    from notifier.core.events import ID_LENGTH

    target: Path = args.schemas
    if target.exists() and not target.is_dir():
        raise InputError(f"{target}: not a folder")
    batches = [(source, read_json_object(source, "file")) for source in args.sources]
    known = _read_schemas(target)
    text: list[str] = []
    changed = 0
    for source, data in batches:
        for variant in _variants_in(source, data):
            document = archive.schema_document(variant, where=f"promoted from {source.name}")
            print_ = drift.fingerprint(drift.shape_of_schema(document))
            if print_ in known:
                file, existing = known[print_]
                before = copy.deepcopy(existing)
                if not drift.with_enums(existing, drift.enums_of_schema(document)):
                    text.append(f"variant {print_[:ID_LENGTH]} is already known as {file.name}")
                    continue
                _write_beside(file, _source_text(existing), 0o644)
                text.append(f"extended {file}: {'; '.join(schema_additions(before, existing))}")
                changed += 1
                continue
            # Only validated pieces make the file name: a date we parse and our own hex
            # fingerprint. Nothing else from the bundle ever reaches the file system.
            first = _date_part(variant.get("first_seen"))
            out = target / f"variant-{first}-{print_[:ID_LENGTH]}.schema.json"
            _write_beside(out, _source_text(document), 0o644)
            known[print_] = (out, document)
            changed += 1
            enums = drift.enums_of_schema(document)
            values = ", ".join(f"{drift.display(p)}={v}" for p, vs in enums.items() for v in vs)
            extra = f" (enum values: {values})" if values else ""
            text.append(f"wrote {out}{extra}: review its title and description, then commit it")
    if not changed:
        text.append("nothing new to promote")
    return Result(text=text)


# ------------------------------------------------------------------------- submit

URL_LIMIT = 8000
"""Longest new-issue link we open: browsers and GitHub cut longer ones (GitHub at ~8 KB)."""

SUBMIT_FILE = "drift-submit.json"


def _issue_url(tracker: str, title: str, body: str) -> str:
    from urllib.parse import urlencode

    joiner = "&" if "?" in tracker else "?"
    return f"{tracker}{joiner}{urlencode({'title': title, 'body': body})}"


def _issue_title(bundle: dict[str, Any]) -> str:
    ids = [str(v.get("id", "")) for v in bundle["variants"]]
    if len(ids) == 1:
        return f"New usage payload variant {ids[0]}"
    shown = ", ".join(ids[:3]) + (f" and {len(ids) - 3} more" if len(ids) > 3 else "")
    return f"New usage payload variants: {shown}"


def _issue_body(bundle_text: str | None, attach: str | None) -> str:
    intro = (
        "The drift watcher of claude-usage-notifier archived a usage payload shape it "
        "did not know. The bundle holds only the redacted shape: keys, types, numbers, "
        "timestamps and short names."
    )
    if bundle_text is not None:
        return f"{intro}\n\n```json\n{bundle_text}\n```\n"
    return f"{intro}\n\nThe bundle is too long for a link: it is attached as `{attach}`.\n"


def submit(args: argparse.Namespace, open_url: Callable[[str], bool] | None = None) -> Result:
    """Show the redacted bundle, then open the new-issue page with it (``--print``: the link).

    The body carries the bundle when the link stays under :data:`URL_LIMIT`
    characters; else the bundle is written to a file beside the archive and the
    body (and this command) say to attach it. ``open_url`` defaults to
    :func:`webbrowser.open` (tests inject their own).
    """
    from notifier import archive
    from notifier.cli.commands.common import load_config

    where = paths()
    tracker = load_config(args, where).config.issue_tracker_url
    bundle = archive.export_bundle(where.archive_dir, datetime.now(UTC))
    if args.id is not None:
        wanted = archive.load(where.archive_dir, args.id).fingerprint
        bundle["variants"] = [v for v in bundle["variants"] if v.get("fingerprint") == wanted]
    if not bundle["variants"]:
        return Result(notes=["no archived variants: nothing to submit"])
    # The schema is inferred from the example again by `promote`: leaving it out keeps
    # most bundles short enough for a link.
    bundle["variants"] = [
        {k: v for k, v in variant.items() if k != "schema"} for variant in bundle["variants"]
    ]
    title = _issue_title(bundle)
    compact = json.dumps(bundle, ensure_ascii=False, separators=(",", ":"))
    url = _issue_url(tracker, title, _issue_body(compact, None))
    attach: Path | None = None
    if len(url) > URL_LIMIT:
        attach = where.archive_dir.parent / SUBMIT_FILE
        _write_beside(attach, json.dumps(bundle, indent=2, ensure_ascii=False) + "\n", 0o600)
        # Written before it is shown: the file holds exactly the bundle printed below.
        url = _issue_url(tracker, title, _issue_body(None, attach.name))
    attach_note = [f"the bundle is too long for a link: attach {attach} to the issue"]
    if args.print:
        return Result(text=[url], notes=attach_note if attach else [])
    text = [
        "This is exactly what would be sent (the redacted bundle):",
        json.dumps(bundle, indent=2, ensure_ascii=False),
        "",
        f"Title: {title}",
    ]
    if attach is not None:
        text.append(f"The bundle is too long for a link: attach {attach} to the issue.")
    opener = open_url if open_url is not None else _browser
    if opener(url):
        text.append(f"Opened the new-issue page of {tracker} in your browser.")
    else:
        text.append(f"Could not open a browser; open this link to file the issue:\n{url}")
    return Result(text=text)


def _browser(url: str) -> bool:
    import webbrowser

    try:
        return webbrowser.open(url, new=2)
    except webbrowser.Error:
        return False
