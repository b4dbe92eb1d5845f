"""Redaction: what may survive into an archive or an export (contract, "Drift")."""

from __future__ import annotations

import json

import pytest

from notifier.core import drift
from notifier.core.redact import PLACEHOLDER, keeps, redact
from tests.conftest import all_payload_files

EMAIL = "jane.doe@example.com"
UUID = "3f2b8c1e-9d4a-4e7b-a1c2-5d6e7f8a9b0c"
TOKEN = "sk-ant-oat01-FAKE-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"
SENTENCE = "Usage credits cover you when you hit your plan limits."


@pytest.mark.parametrize(
    "text",
    [
        "2026-07-19T03:39:59.570750+00:00",
        "2026-06-01T12:00:00.000Z",
        "2026-06-05T12:00:00+02:00",
        "2026-06-05",
        "USD",
        "weekly_scoped",
        "normal",
        "Fable",
        "claude-opus",
    ],
)
def test_timestamps_and_short_identifiers_survive(text: str) -> None:
    assert keeps(text)
    assert redact({"k": text}) == {"k": text}


@pytest.mark.parametrize(
    "text",
    [
        EMAIL,
        UUID,
        UUID.replace("-", ""),
        TOKEN,
        "sk-ant-short",
        "deadbeefcafebabe0123",  # hex
        "eyJhbGciOiJIUzI1NiJ9",  # JWT head
        "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=",  # base64
        "a8Kq2Lm9Xz31Pq7R",  # random mixed token
        SENTENCE,
        "x" * 40,  # anything long
        "",
    ],
)
def test_secrets_and_free_text_are_replaced_by_a_string(text: str) -> None:
    assert not keeps(text)
    assert redact({"k": text}) == {"k": PLACEHOLDER}


def test_numbers_booleans_null_and_structure_survive() -> None:
    payload = {"a": 1, "b": 2.5, "c": True, "d": None, "e": [{"f": False}], "g": {}}
    assert redact(payload) == payload


def test_a_payload_with_secrets_keeps_its_shape_and_loses_the_secrets() -> None:
    payload = {
        "five_hour": {"utilization": 15.0, "resets_at": "2026-07-19T03:39:59Z"},
        "account": {"email": EMAIL, "uuid": UUID, "token": TOKEN, "note": SENTENCE},
        "limits": [{"kind": "weekly_scoped", "owner": EMAIL}],
    }
    redacted = redact(payload)
    text = json.dumps(redacted)
    for secret in (EMAIL, UUID, TOKEN, SENTENCE, "jane", "sk-ant"):
        assert secret not in text
    assert drift.shape_of(redacted) == drift.shape_of(payload)
    assert redacted["five_hour"] == payload["five_hour"]
    assert redacted["limits"][0]["kind"] == "weekly_scoped"


def test_keys_that_are_secrets_themselves_are_replaced() -> None:
    redacted = redact({"members": {EMAIL: 3, UUID: 4, "five_hour": 5}})
    assert redacted == {"members": {"<redacted-key-1>": 3, "<redacted-key-2>": 4, "five_hour": 5}}


@pytest.mark.parametrize("path", all_payload_files(), ids=lambda p: p.name)
def test_fixture_shapes_survive_redaction(path: object) -> None:
    payload = json.loads(path.read_text())  # type: ignore[attr-defined]
    assert drift.shape_of(redact(payload)) == drift.shape_of(payload)


def test_redaction_is_idempotent() -> None:
    payload = {"a": SENTENCE, "b": "USD", "c": [EMAIL, 1]}
    assert redact(redact(payload)) == redact(payload)
