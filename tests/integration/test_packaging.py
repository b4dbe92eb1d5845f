"""The installed package (a wheel in CI) carries the data it reads at run time."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

PROBE = """
import json, notifier
from notifier.core import drift
from notifier import resources, schemas
from notifier.cli.commands.demo import recording_path
known = schemas.load_known()
print(json.dumps({
    "package": notifier.__file__,
    "schemas": sorted(p.name for p in resources.data_dir("schemas").iterdir()),
    "launchd": sorted(p.name for p in resources.data_dir("launchd").iterdir()),
    "demo": recording_path().is_file(),
    "icon": resources.icon_path().read_bytes()[:8].hex(),
    "fixture_is_known": not drift.check(
        json.load(open(%r)), known).changes,
}))
"""


def test_installed_package_ships_schemas_launchd_and_the_demo(tmp_path: Path) -> None:
    fixture = REPO.parent / "shared" / "fixtures" / "payloads" / "oauth-usage-2025-11.json"
    # Run outside the checkout, so the import resolves to what pip installed.
    out = subprocess.run(
        [sys.executable, "-c", PROBE % str(fixture)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found = json.loads(out)
    shipped = sorted(p.name for p in (REPO / "schemas").iterdir())
    assert found["schemas"] == shipped
    assert found["launchd"] == sorted(p.name for p in (REPO / "launchd").iterdir())
    assert found["demo"] is True
    assert found["icon"] == "89504e470d0a1a0a", "the notification icon (a PNG) ships"
    assert found["fixture_is_known"] is True
