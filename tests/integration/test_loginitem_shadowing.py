"""The login item runs our code only: a ``notifier.py`` in its folder cannot take over.

The command line is the one ``install`` writes (:class:`AgentCommand`), run for
real in a folder that holds an impostor. Only the last argument is changed
(``run`` -> ``--version``) so the process ends at once: which ``notifier`` is
imported is decided before any argument is read.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from notifier import __version__
from notifier.loginitem import AgentCommand
from notifier.paths import resolve

IMPOSTOR = "print('SHADOWED'); raise SystemExit(99)\n"


def _plant(folder: Path, as_package: bool) -> None:
    if as_package:
        (folder / "notifier").mkdir()
        (folder / "notifier" / "__init__.py").write_text(IMPOSTOR)
        (folder / "notifier" / "__main__.py").write_text(IMPOSTOR)
    else:
        (folder / "notifier.py").write_text(IMPOSTOR)


def _run(argv: list[str], cwd: Path, extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv,
        cwd=cwd,
        env={**os.environ, **extra},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("as_package", [False, True], ids=["notifier.py", "notifier/"])
def test_the_login_items_command_ignores_a_notifier_in_its_folder(
    tmp_path: Path, as_package: bool
) -> None:
    command = AgentCommand.current(resolve({"CLAUDE_USAGE_NOTIFIER_HOME": str(tmp_path / "app")}))
    assert command.argv[-1] == "run"
    folder = tmp_path / "folder"
    folder.mkdir()
    _plant(folder, as_package)
    argv = [*command.argv[:-1], "--version"]

    done = _run(argv, folder, dict(command.environment))

    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == f"claude-usage-notifier {__version__}"
    # The same command without safe-path mode is taken over: the test can tell.
    unsafe = [arg for arg in argv if arg != "-P"]
    taken = _run(unsafe, folder, dict(command.environment))
    assert (taken.returncode, taken.stdout.strip()) == (99, "SHADOWED")
