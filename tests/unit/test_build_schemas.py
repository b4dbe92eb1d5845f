"""tools/build_schemas.py rebuilds exactly the shipped schemas/ from the example payloads."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from tests.conftest import OWN_PAYLOADS, PAYLOADS, REPO


def test_the_tool_rebuilds_the_shipped_schemas(tmp_path: Path) -> None:
    pytest.importorskip("genson")
    spec = importlib.util.spec_from_file_location("build_schemas", REPO / "tools/build_schemas.py")
    assert spec is not None
    assert spec.loader is not None
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    assert tool.main([str(PAYLOADS), str(OWN_PAYLOADS), str(tmp_path)]) == 0
    built = {p.name: json.loads(p.read_text()) for p in sorted(tmp_path.glob("*.json"))}
    shipped = {p.name: json.loads(p.read_text()) for p in sorted((REPO / "schemas").glob("*.json"))}
    assert built == shipped
    full = shipped["oauth-usage-full-2026-07.schema.json"]
    item = full["properties"]["limits"]["items"]["properties"]
    assert item["severity"]["enum"] == ["normal", "warning"]
    assert item["group"]["enum"] == ["session", "weekly"]
