"""The pure core: every decision, no effects.

Nothing in this package touches the clock, the network or the disk, and
nothing here imports an edge module (``notifier.<edge>``), an I/O library
(httpx, desktop_notifier, dbus_fast, platformdirs, rubicon) or a standard
module with effects (``os``, ``time``, ``socket``, ``subprocess``,
``pathlib``, ``tempfile``; ``random`` only as an injected factory).
``tests/unit/test_architecture.py`` enforces it by folder, so a new module
dropped in here is held to the rule at once.

Data flows one way: payload -> :mod:`.models` -> :mod:`.buckets` ->
:mod:`.rules` and :mod:`.drift` -> :mod:`.events` -> :mod:`.text` (what
people read). :mod:`.pipeline` runs them over a stream of observations.
"""

PROGRAM = "claude-usage-notifier"
"""The one spelling of the program's name: the command, the app folder, error prefixes."""
