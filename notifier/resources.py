"""Data files shipped beside the code: ``schemas/``, ``launchd/``, the demo recording, the icon.

In a wheel they live in ``notifier/_data/`` (hatchling ``force-include``); in a
source checkout or an editable install they are the top-level folders. Reading
through ``importlib.resources`` keeps a plain ``pip install .`` working.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path


def data_dir(name: str) -> Traversable:
    """The shipped folder ``name`` (``"schemas"``, ``"launchd"``, ...)."""
    packaged = resources.files("notifier") / "_data" / name
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / name


ICON = "icon.png"
DESKTOP_ENTRY = "claude-usage-notifier"
"""The desktop entry's id (``<id>.desktop``): notifications name it in their hints."""


def icon_path() -> Path:
    """The app icon shipped in the package (``notifier/data/icon.png``), as a real file."""
    return Path(str(resources.files("notifier") / "data" / ICON))
