"""The layout rule in one place: which folder is pure, and what "pure" forbids.

Used by ``tests/unit/test_architecture.py`` (the tree obeys it) and by the
README check (the docs describe it); ``tools/mutation_score.py`` mutates the
same modules.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "notifier"
CORE = "notifier.core"
CORE_DIR = PACKAGE / "core"

EDGE_LIBRARIES = frozenset({"httpx", "desktop_notifier", "platformdirs", "dbus_fast", "rubicon"})
"""I/O libraries: the network, the desktop, the file system layout."""

EFFECTFUL_STDLIB = frozenset(
    {"os", "time", "socket", "subprocess", "pathlib", "tempfile", "random", "shutil", "io"}
)
"""Standard modules whose use means the clock, the disk, the network or chance."""

RANDOM_FACTORIES = frozenset({"notifier.core.schedule"})
"""Modules allowed ``random`` because they only build the injected jitter source
(``schedule.default_rng``); every decision takes the source as a parameter."""


def core_modules() -> list[Path]:
    """Every module under ``notifier/core``, packages' ``__init__`` included."""
    return sorted(CORE_DIR.rglob("*.py"))


def imports_of(module: Path) -> set[str]:
    """Dotted names a module imports (``from x import y`` gives ``x`` and ``x.y``)."""
    tree = ast.parse(module.read_text(encoding="utf-8"))
    found: set[str] = set()
    package = ".".join(module.relative_to(PACKAGE.parent).with_suffix("").parts[:-1])
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")
                parent = parent[: len(parent) - (node.level - 1)]
                base = ".".join([*parent, base]) if base else ".".join(parent)
            found.add(base)
            if base.startswith("notifier"):
                found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


_LAYOUT_LINE = re.compile(r"^Pure core \(`notifier/core/`\): (?P<names>.+)$", re.M)


def readme_layout_names(readme: str) -> set[str]:
    """The core modules the README's layout paragraph lists (``text.messages`` style)."""
    match = _LAYOUT_LINE.search(readme)
    if match is None:
        return set()
    return {name.strip(" `.") for name in match.group("names").split(",") if name.strip(" `.")}
