"""The layout's promises, by folder: a pure core, edges around it, a light ``status``.

The rule lives in :mod:`tests.layout`, which the README's layout paragraph is
checked against too, so the docs, this test and the tree cannot drift apart.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.layout import (
    CORE,
    EDGE_LIBRARIES,
    EFFECTFUL_STDLIB,
    PACKAGE,
    RANDOM_FACTORIES,
    core_modules,
    imports_of,
    readme_layout_names,
)

README = PACKAGE.parent / "README.md"


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


@pytest.mark.parametrize("module", core_modules(), ids=_module_name)
def test_core_imports_only_the_core_and_no_effects(module: Path) -> None:
    imports = imports_of(module)
    ours = {i for i in imports if i == "notifier" or i.startswith("notifier.")}
    outside = sorted(i for i in ours if not i.startswith(f"{CORE}.") and i != CORE)
    assert not outside, f"{_module_name(module)} imports edge modules {outside}"
    roots = {i.split(".")[0] for i in imports}
    assert not roots & EDGE_LIBRARIES, f"imports I/O libraries {sorted(roots & EDGE_LIBRARIES)}"
    effects = roots & EFFECTFUL_STDLIB
    if _module_name(module) in RANDOM_FACTORIES:
        effects -= {"random"}
    assert not effects, f"{_module_name(module)} imports {sorted(effects)}, which have effects"


def test_the_rule_sees_every_core_module() -> None:
    # A guard on the guard: the folder walk finds the modules the core is made of.
    names = {_module_name(m) for m in core_modules()}
    assert {"notifier.core.rules", "notifier.core.text.messages", "notifier.core.buckets"} <= names


def test_the_readme_layout_names_exactly_the_core_modules() -> None:
    documented = readme_layout_names(README.read_text(encoding="utf-8"))
    actual = {
        _module_name(m).removeprefix(f"{CORE}.")
        for m in core_modules()
        if m.name != "__init__.py" or m.parent.name != "core"
    }
    actual = {name.removesuffix(".__init__") for name in actual}
    assert documented == actual, (
        f"README's layout paragraph names {sorted(documented - actual)} that are not in core/, "
        f"and misses {sorted(actual - documented)}"
    )


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
    imports = "\n".join(f"import {_module_name(m)}" for m in core_modules())
    loaded = _loaded_after(imports)
    assert not loaded & (EDGE_LIBRARIES | {"deepdiff"})


def test_status_command_stays_light() -> None:
    # `status` must start fast: no notification stack, no deepdiff, and pydantic only
    # when a file needs validating (tests/integration/test_status_imports.py).
    loaded = _loaded_after("import notifier.cli, notifier.cli.commands.status")
    heavy = {"desktop_notifier", "deepdiff", "dbus_fast", "rubicon", "asyncio", "httpx", "pydantic"}
    assert not loaded & heavy
