"""The layout's promises: a pure core that imports no edge, and a light ``status``."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "notifier"

# Pure core: no clock, no network, no disk. May import only each other.
PURE = {
    "errors", "models", "buckets", "labels", "events", "rules", "schedule", "drift",
    "redact", "messages", "throttle", "render", "jsondoc",
}  # fmt: skip
EDGE_LIBRARIES = {"httpx", "desktop_notifier", "platformdirs", "dbus_fast", "rubicon"}


def _notifier_imports(module: Path) -> set[str]:
    tree = ast.parse(module.read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


@pytest.mark.parametrize("name", sorted(PURE))
def test_pure_module_imports_only_the_core(name: str) -> None:
    module = PACKAGE / f"{name}.py"
    if not module.exists():
        pytest.fail(f"pure module notifier/{name}.py is missing")
    imports = _notifier_imports(module)
    ours = {i.split(".")[1] for i in imports if i.startswith("notifier.")}
    assert ours <= PURE, f"{name} imports edge modules {sorted(ours - PURE)}"
    foreign = {i.split(".")[0] for i in imports} & EDGE_LIBRARIES
    assert not foreign, f"{name} imports {sorted(foreign)}"


def _loaded_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys; print(' '.join(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
        cwd=PACKAGE.parent,
    ).stdout
    return {name.split(".")[0] for name in out.split()}


def test_pure_core_loads_no_edge_library() -> None:
    imports = "\n".join(f"import notifier.{name}" for name in sorted(PURE))
    loaded = _loaded_after(imports)
    assert not loaded & (EDGE_LIBRARIES | {"deepdiff"})


def test_status_command_stays_light() -> None:
    # `status` must start fast: no notification stack, no deepdiff.
    loaded = _loaded_after("import notifier.cli, notifier.commands.status")
    assert not loaded & {"desktop_notifier", "deepdiff", "dbus_fast", "rubicon", "asyncio", "httpx"}
