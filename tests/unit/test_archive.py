"""The archive of new variants: once per fingerprint, redacted, private, crash-safe."""

from __future__ import annotations

import copy
import json
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from notifier import archive, schemas
from notifier.core import drift
from notifier.core.errors import InputError, StoreError
from tests.conftest import load_payload

EMAIL = "jane.doe@example.com"
UUID = "3f2b8c1e-9d4a-4e7b-a1c2-5d6e7f8a9b0c"
TOKEN = "sk-ant-oat01-FAKE-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"
SENTENCE = "Your organisation admin has set a custom limit for you."
T0 = datetime(2026, 7, 19, 10, 0, tzinfo=UTC)


def drifting() -> dict[str, Any]:
    payload = copy.deepcopy(load_payload("oauth-usage-full-2026-07.json"))
    payload["seven_day_opus_4_7"] = {"utilization": 5.0, "resets_at": "2026-07-23T15:00:00Z"}
    payload["account"] = {"email": EMAIL, "organization_uuid": UUID, "note": SENTENCE}
    payload["limits"][0]["debug_token"] = TOKEN
    return payload


@pytest.fixture
def known() -> drift.KnownSchemas:
    return schemas.load_known()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "data" / "variants"


def test_a_new_variant_is_archived_once_with_counts(
    folder: Path, known: drift.KnownSchemas
) -> None:
    payload = drifting()
    result = drift.check(payload, known)
    assert result.changes
    assert archive.record(folder, result, payload, T0) is True
    # Same news while unrelated buckets flip between null and a window: same variant.
    later = payload | {
        "five_hour": payload["five_hour"] | {"utilization": 80.0, "resets_at": None},
        "seven_day_sonnet": {"utilization": 1.0, "resets_at": None},
    }
    later_result = drift.check(later, known)
    assert later_result.fingerprint == result.fingerprint
    assert archive.record(folder, later_result, later, T0 + timedelta(hours=1)) is False
    assert archive.record(folder, result, payload, T0 + timedelta(hours=2)) is False
    files = list(folder.iterdir())
    assert [f.name for f in files] == [f"{result.fingerprint}.json"]
    entry = json.loads(files[0].read_text())
    assert entry["id"] == result.fingerprint[:12]
    assert entry["fingerprint"] == result.fingerprint
    assert entry["count"] == 3
    assert entry["first_seen"] == "2026-07-19T10:00:00+00:00"
    assert entry["last_seen"] == "2026-07-19T12:00:00+00:00"
    assert entry["changes"] == [c.to_json() for c in result.changes]
    assert archive.seen_fingerprints(folder) == {result.fingerprint}


def test_no_changes_no_archive(folder: Path, known: drift.KnownSchemas) -> None:
    payload = load_payload("oauth-usage-full-2026-07.json")
    assert archive.record(folder, drift.check(payload, known), payload, T0) is False
    assert not folder.exists() or not list(folder.iterdir())


def test_archive_holds_the_shape_but_no_secret(folder: Path, known: drift.KnownSchemas) -> None:
    payload = drifting()
    result = drift.check(payload, known)
    archive.record(folder, result, payload, T0)
    text = (folder / f"{result.fingerprint}.json").read_text()
    for secret in (EMAIL, UUID, TOKEN, SENTENCE, "jane", "sk-ant"):
        assert secret not in text
    entry = json.loads(text)
    assert drift.shape_of(entry["example"]) == drift.shape_of(payload)
    assert drift.shape_of_schema(entry["schema"]) == drift.shape_of(payload)
    assert entry["example"]["five_hour"]["resets_at"] == payload["five_hour"]["resets_at"]


def test_archive_files_are_private(folder: Path, known: drift.KnownSchemas) -> None:
    payload = drifting()
    result = drift.check(payload, known)
    archive.record(folder, result, payload, T0)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / f"{result.fingerprint}.json").stat().st_mode) == 0o600


def test_failed_rename_leaves_no_partial_file_and_the_old_entry_intact(
    folder: Path, known: drift.KnownSchemas, monkeypatch: pytest.MonkeyPatch
) -> None:
    payload = drifting()
    result = drift.check(payload, known)
    archive.record(folder, result, payload, T0)
    target = folder / f"{result.fingerprint}.json"
    before = target.read_bytes()

    def broken_replace(self: Path, other: Any) -> Path:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "replace", broken_replace)
    monkeypatch.setattr(os, "replace", lambda *a, **k: broken_replace(Path(), None))
    with pytest.raises(StoreError):
        archive.record(folder, result, payload, T0 + timedelta(hours=1))
    other = payload | {"brand_new": None}
    with pytest.raises(StoreError):
        archive.record(folder, drift.check(other, known), other, T0)
    monkeypatch.undo()
    assert sorted(p.name for p in folder.iterdir()) == [target.name]  # no temp file left
    assert target.read_bytes() == before
    assert json.loads(before)["count"] == 1


def test_a_corrupt_entry_is_moved_aside_and_rewritten(
    folder: Path, known: drift.KnownSchemas
) -> None:
    payload = drifting()
    result = drift.check(payload, known)
    folder.mkdir(parents=True)
    (folder / f"{result.fingerprint}.json").write_text("{torn")
    assert archive.record(folder, result, payload, T0) is True
    assert json.loads((folder / f"{result.fingerprint}.json").read_text())["count"] == 1
    assert any(".bad-" in p.name for p in folder.iterdir())


def test_list_load_and_ambiguity(folder: Path, known: drift.KnownSchemas) -> None:
    payload = drifting()
    result = drift.check(payload, known)
    archive.record(folder, result, payload, T0)
    (variant,) = archive.list_variants(folder)
    assert variant.id == result.fingerprint[:12]
    assert variant.changes == result.changes
    assert archive.load(folder, variant.id).fingerprint == result.fingerprint
    with pytest.raises(InputError, match="no archived variant"):
        archive.load(folder, "0000000000")
    with pytest.raises(InputError, match="not a variant id"):
        archive.load(folder, "../../etc")


def test_accept_makes_the_variant_known(
    folder: Path, tmp_path: Path, known: drift.KnownSchemas
) -> None:
    payload = drifting()
    result = drift.check(payload, known)
    archive.record(folder, result, payload, T0)
    accepted = tmp_path / "data" / "schemas"
    written = archive.accept(folder, result.fingerprint[:12], accepted)
    assert written.parent == accepted
    document = json.loads(written.read_text())
    assert document["$schema"] == drift.SCHEMA_URI
    assert document["x-seen"]["fingerprint"] == result.fingerprint
    assert drift.check(payload, schemas.load_known([accepted])).changes == ()


def test_export_bundle_is_redacted_again(folder: Path, known: drift.KnownSchemas) -> None:
    payload = drifting()
    result = drift.check(payload, known)
    archive.record(folder, result, payload, T0)
    # An archive written by hand or by an older version must not leak through export.
    path = folder / f"{result.fingerprint}.json"
    entry = json.loads(path.read_text())
    entry["example"]["account"]["email"] = EMAIL
    path.write_text(json.dumps(entry))
    bundle = archive.export_bundle(folder, T0)
    assert bundle["kind"] == archive.BUNDLE_KIND
    assert [v["fingerprint"] for v in bundle["variants"]] == [result.fingerprint]
    assert EMAIL not in json.dumps(bundle)


def _entry(folder: Path, result: drift.DriftResult) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / f"{result.fingerprint}.json").read_text())
    return data


def test_recorder_writes_a_first_sighting_at_once_and_counts_in_memory(
    folder: Path, known: drift.KnownSchemas, monkeypatch: pytest.MonkeyPatch
) -> None:
    payload = drifting()
    result = drift.check(payload, known)
    recorder = archive.Recorder(folder, flush_every=timedelta(minutes=5))
    assert recorder(result, payload, T0) is True
    assert _entry(folder, result)["count"] == 1

    writes: list[Path] = []
    real_write = archive.store.atomic_write_json
    monkeypatch.setattr(
        archive.store,
        "atomic_write_json",
        lambda path, data, **kw: (writes.append(path), real_write(path, data, **kw))[1],
    )
    for minute in (1, 2, 3, 4):  # every poll within the interval: no disk I/O at all
        assert recorder(result, payload, T0 + timedelta(minutes=minute)) is False
    assert writes == []
    assert _entry(folder, result)["count"] == 1
    assert recorder(result, payload, T0 + timedelta(minutes=5)) is False  # interval over
    assert len(writes) == 1
    entry = _entry(folder, result)
    assert entry["count"] == 6
    assert entry["last_seen"] == "2026-07-19T10:05:00+00:00"
    assert entry["first_seen"] == "2026-07-19T10:00:00+00:00"

    assert recorder(result, payload, T0 + timedelta(minutes=6)) is False
    assert _entry(folder, result)["count"] == 6
    recorder.flush()  # the agent stopping
    assert _entry(folder, result)["count"] == 7
    recorder.flush()  # nothing pending: nothing counted twice
    assert _entry(folder, result)["count"] == 7


def test_recorder_rewrites_an_entry_deleted_meanwhile(
    folder: Path, known: drift.KnownSchemas
) -> None:
    payload = drifting()
    result = drift.check(payload, known)
    recorder = archive.Recorder(folder)
    recorder(result, payload, T0)
    (folder / f"{result.fingerprint}.json").unlink()
    recorder(result, payload, T0 + timedelta(minutes=1))
    recorder.flush()
    entry = _entry(folder, result)
    assert entry["count"] == 1
    assert EMAIL not in json.dumps(entry)  # rebuilt from the payload, redacted
    assert (
        recorder(drift.check(load_payload("oauth-usage-full-2026-07.json"), known), {}, T0) is False
    )
