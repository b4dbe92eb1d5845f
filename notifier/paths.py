"""Every folder and file the program uses, from one object with one override.

Edge (reads the environment). ``CLAUDE_USAGE_NOTIFIER_HOME`` relocates every
folder at once (tests, the demo, portable installs); otherwise platformdirs
decides. Folders are created private (0700) when first needed, never on import.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from notifier.core import PROGRAM
from notifier.spool import FILE_NAME as SPOOL_NAME

APP_NAME = PROGRAM
HOME_ENV = "CLAUDE_USAGE_NOTIFIER_HOME"


@dataclass(frozen=True)
class Paths:
    """The resolved folders. Build with :func:`resolve`."""

    config_dir: Path
    state_dir: Path
    data_dir: Path
    log_dir: Path

    @property
    def config_file(self) -> Path:
        """``config.toml``: the user's intent."""
        return self.config_dir / "config.toml"

    @property
    def state_file(self) -> Path:
        """``state.json``: the rules' and the agent's memory."""
        return self.state_dir / "state.json"

    @property
    def statusline_spool(self) -> Path:
        """The last reading ``statusline`` left for the agent (:mod:`notifier.spool`)."""
        return self.state_dir / SPOOL_NAME

    @property
    def lock_file(self) -> Path:
        """Held by the one running agent."""
        return self.state_dir / "agent.lock"

    @property
    def claude_version_file(self) -> Path:
        """The installed Claude Code's version, cached for a day (the default User-Agent)."""
        return self.state_dir / "claude-version.json"

    @property
    def history_file(self) -> Path:
        """Every observation, in the recording format, so ``replay`` can re-run it."""
        return self.state_dir / "history.jsonl"

    @property
    def archive_dir(self) -> Path:
        """Redacted new payload variants, one file each."""
        return self.data_dir / "variants"

    @property
    def accepted_schemas_dir(self) -> Path:
        """Variants the user accepted locally (``drift accept``)."""
        return self.data_dir / "schemas"

    @property
    def log_file(self) -> Path:
        """The agent's rotating log."""
        return self.log_dir / "agent.log"

    @property
    def folders(self) -> tuple[Path, ...]:
        """Every folder we own (kept 0700, swept of torn temp files at the agent's start)."""
        return (
            self.config_dir,
            self.state_dir,
            self.data_dir,
            self.archive_dir,
            self.accepted_schemas_dir,
            self.log_dir,
        )

    def as_env(self) -> dict[str, str]:
        """Variables that make a child process (the login item) see these same folders."""
        return {
            "CLAUDE_USAGE_NOTIFIER_CONFIG_DIR": str(self.config_dir),
            "CLAUDE_USAGE_NOTIFIER_STATE_DIR": str(self.state_dir),
            "CLAUDE_USAGE_NOTIFIER_DATA_DIR": str(self.data_dir),
            "CLAUDE_USAGE_NOTIFIER_LOG_DIR": str(self.log_dir),
        }


def resolve(environ: dict[str, str] | None = None) -> Paths:
    """The folders: explicit variables, then the home override, then platformdirs."""
    env = os.environ if environ is None else environ
    home = env.get(HOME_ENV)
    if home:
        base = Path(home).expanduser()
        defaults = (base / "config", base / "state", base / "data", base / "log")
    else:
        # Imported lazily: the pure core and `status --payload` need no platformdirs.
        import platformdirs

        defaults = (
            Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
            Path(platformdirs.user_state_dir(APP_NAME, appauthor=False)),
            Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
            Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)),
        )
    names = ("CONFIG_DIR", "STATE_DIR", "DATA_DIR", "LOG_DIR")
    chosen = [
        Path(env[f"CLAUDE_USAGE_NOTIFIER_{name}"]).expanduser()
        if env.get(f"CLAUDE_USAGE_NOTIFIER_{name}")
        else default
        for name, default in zip(names, defaults, strict=True)
    ]
    return Paths(*chosen)


def systemd_user_dir(home: Path, environ: Mapping[str, str] | None = None) -> Path:
    """Where systemd looks for user units: ``$XDG_CONFIG_HOME/systemd/user`` (``~/.config``)."""
    env = os.environ if environ is None else environ
    base = env.get("XDG_CONFIG_HOME") or str(home / ".config")
    return Path(base) / "systemd" / "user"


def launch_agents_dir(home: Path) -> Path:
    """Where launchd looks for the user's agents (no environment variable moves it)."""
    return home / "Library" / "LaunchAgents"


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) as 0700 if missing; tighten it only if it is ours.

    Ours means a folder of this app (a path with ``claude-usage-notifier`` in it,
    or below the ``CLAUDE_USAGE_NOTIFIER_HOME`` folders, which we create). A folder
    the user pointed us at, such as ``CLAUDE_USAGE_NOTIFIER_LOG_DIR=~/Library/Logs``,
    keeps its mode: the files we put in it are 0600 anyway.
    """
    existed = path.is_dir()
    # Missing ancestors are made 0700 one by one: ``mkdir(parents=True)`` would create
    # them with the umask's 0755 (how the data folder above ``variants/`` came out 0755).
    missing = [folder for folder in (path, *path.parents) if not folder.exists()]
    for folder in reversed(missing):
        folder.mkdir(mode=0o700, exist_ok=True)
    if not path.is_dir():
        path.mkdir(mode=0o700)  # raises FileExistsError/NotADirectoryError as before
    if existed and APP_NAME not in path.parts:
        return path
    try:
        if path.stat().st_mode & 0o077:
            path.chmod(0o700)
    except OSError:
        pass  # e.g. owned by someone else: the files inside are 0600 anyway
    return path
