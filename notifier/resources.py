"""Data files shipped beside the code: ``schemas/``, ``launchd/`` and the demo recording.

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
