"""Golden values for the persisted identities of drift (issue 18).

Archive files are named by these fingerprints, and "report a variant once" compares
them across runs and upgrades. The literals below are the identities as of the
per-key-path drift (2026 contract); they were decided once, then frozen. A change
that moves any of them makes every user's archived variants look new after an
upgrade: if that is really intended, say so in the changelog and update them here.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable
from typing import Any

import pytest

from notifier import archive, schemas
from notifier.core import drift
from tests.conftest import REPO, load_payload, variant_payload_files

# Shipped schema document -> (shape fingerprint, archive id). A fixture payload of the
# same name (without .schema) checks clean with the same fingerprint.
GOLDEN: dict[str, tuple[str, str]] = {
    "oauth-usage-2025-11": ("834a1f890a189388c489d1c8bc236ad3", "834a1f890a18"),
    "oauth-usage-breakdown-2026-10": ("3eb2f79445bf3851a802476211161b28", "3eb2f79445bf"),
    "oauth-usage-classic-2026-03": ("56059c26507ec3b73c7e995cd4ed1c49", "56059c26507e"),
    "oauth-usage-codenames-2026-09": ("7f086778e49a2feb9d9d15d075a79b08", "7f086778e49a"),
    "oauth-usage-credit-grant-2026-09": ("c4d554a1ab25f095a4c4e0ea0303620a", "c4d554a1ab25"),
    "oauth-usage-design-cowork": ("8a07ce4e720e3d9de1b34d334ca3e89c", "8a07ce4e720e"),
    "oauth-usage-enterprise": ("c7cfee2cce95e647af2a3412ff262eb4", "c7cfee2cce95"),
    "oauth-usage-full-2026-07": ("241cbd807fcefe9f0e582ce4c1d2c0d6", "241cbd807fce"),
    "oauth-usage-low-usage": ("fbe89e0251523c4154fb4c5b2e74c6a7", "fbe89e025152"),
    "oauth-usage-no-session": ("97793044f3048fb229baba018f0cd33f", "97793044f304"),
    "oauth-usage-two-scoped-limits": ("1a1c17dcfaefabdd07d5db6921058e5a", "1a1c17dcfaef"),
    "oauth-usage-window-missing-resets-at": ("bb6b7e123e09fbf41eb8b455c03f153a", "bb6b7e123e09"),
    "oauth-usage-window-missing-utilization": (
        "efc9b26052625d923cf05e0257f579b4",
        "efc9b2605262",
    ),
}


def _id(fingerprint: str) -> str:
    return fingerprint[: archive.ID_LENGTH]


def test_every_shipped_schema_has_its_golden_fingerprint_and_id() -> None:
    documents = {
        path.name.removesuffix(".schema.json"): json.loads(path.read_text())
        for path in sorted((REPO / "schemas").glob("*.schema.json"))
    }
    assert sorted(documents) == sorted(GOLDEN)  # a new schema gets its golden line here
    found = {}
    for name, document in documents.items():
        print_ = drift.fingerprint(drift.shape_of_schema(document))
        found[name] = (print_, _id(print_))
    assert found == GOLDEN


@pytest.mark.parametrize("path", variant_payload_files(), ids=lambda p: p.name)
def test_every_fixture_payload_has_its_golden_fingerprint(path: Any) -> None:
    result = drift.check(json.loads(path.read_text()), schemas.load_known())
    assert (result.fingerprint, _id(result.fingerprint)) == GOLDEN[path.stem]


def test_the_fingerprint_text_is_the_sorted_table() -> None:
    # The hashed text, written out by hand: path segments joined by US, the type bits
    # after GS, entries joined by RS, sorted by path; blake2b with a 16-byte digest.
    shape = drift.shape_of({"b": [{"x": None}], "a": 1.5})
    text = "\x1d1\x1ea\x1d8\x1eb\x1d2\x1eb\x1f\x00[]\x1d1\x1eb\x1f\x00[]\x1fx\x1d32"
    assert drift.fingerprint(shape) == hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def _full() -> dict[str, Any]:
    return copy.deepcopy(load_payload("oauth-usage-full-2026-07.json"))


DRIFTING: list[tuple[str, Callable[[dict[str, Any]], object], str]] = [
    (
        "new window",
        lambda p: p.__setitem__("seven_day_opus_4_7", {"utilization": 1.0, "resets_at": None}),
        "f55a43ef1971070c48f5561ebec78e6a",
    ),
    (
        "codename alive",
        lambda p: p.__setitem__("tangelo", {"utilization": 4.0, "resets_at": None}),
        "43a1cdbf45abcb776b94d314616588a1",
    ),
    (
        "new limit kind",
        lambda p: p["limits"][0].__setitem__("kind", "weekly_design"),
        "37df7bd82c69eb9d27df4ee1eb43e737",
    ),
    ("vanished block", lambda p: p.pop("extra_usage"), "b6d9ff7f7e4725686a94b177586562cc"),
]


@pytest.mark.parametrize(
    ("mutate", "golden"), [d[1:] for d in DRIFTING], ids=[d[0] for d in DRIFTING]
)
def test_drifting_variants_keep_their_golden_id(
    mutate: Callable[[dict[str, Any]], object], golden: str
) -> None:
    payload = _full()
    mutate(payload)
    result = drift.check(payload, schemas.load_known())
    assert result.changes
    assert result.fingerprint == golden
    assert drift.variant_id(result.changes) == golden
