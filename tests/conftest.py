"""Every test runs in a clean, private world: its own app home, no proxies, no Claude dirs."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
FIXTURES = SHARED / "fixtures"
PAYLOADS = FIXTURES / "payloads"
OWN_PAYLOADS = REPO / "tests" / "payloads"  # real-shaped 2026 examples (endpoint.md)

if not PAYLOADS.is_dir():
    # The shared fixtures live beside the repository (as CI lays them out), not in it.
    msg = f"the shared fixtures are missing: expected {PAYLOADS} (clone with ../shared beside)"
    raise pytest.UsageError(msg)

_SCRUB_PREFIXES = ("CLAUDE_USAGE_NOTIFIER_", "XDG_")
_SCRUB = {
    "CLAUDE_CONFIG_DIR",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "no_proxy",
    "DBUS_SESSION_BUS_ADDRESS",
}


@pytest.fixture(autouse=True)
def clean_environ(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the app home and HOME at ``tmp_path``; drop variables that leak in."""
    for name in list(os.environ):
        if name in _SCRUB or name.startswith(_SCRUB_PREFIXES):
            monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("CLAUDE_USAGE_NOTIFIER_HOME", str(tmp_path / "app"))
    return tmp_path


def require_tool(name: str, debian_package: str) -> str:
    """The path of a system tool; skip without it, but FAIL under ``CI=true``.

    CI must install what the tests need: a silent skip there would hide a broken job.
    """
    found = shutil.which(name)
    if found is not None:
        return found
    reason = f"{name} is not installed (Debian: apt-get install -y {debian_package})"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI must install it", pytrace=False)
    pytest.skip(reason)


def load_payload(name: str) -> dict[str, Any]:
    """A shared fixture payload by file name."""
    data: dict[str, Any] = json.loads((PAYLOADS / name).read_text())
    return data


def all_payload_files() -> list[Path]:
    """Every shared fixture payload."""
    return sorted(PAYLOADS.glob("*.json"))


def variant_payload_files() -> list[Path]:
    """Every payload a shipped schema is built from: the shared fixtures and ours."""
    return sorted([*all_payload_files(), *OWN_PAYLOADS.glob("*.json")], key=lambda p: p.name)
