"""Configuration: defaults, then ``config.toml``, then ``CLAUDE_USAGE_NOTIFIER_<KEY>``.

Edge (reads a file and the environment). Validation errors become one
:class:`ConfigError` line naming the key and the file; unknown keys are
warnings, not errors, so an old notifier survives a newer config file.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args, get_origin

from notifier.core.errors import ConfigError
from notifier.store import read_capped

if TYPE_CHECKING:
    from pydantic import ValidationError

    from notifier.core.models import Config

ENV_PREFIX = "CLAUDE_USAGE_NOTIFIER_"
MAX_CONFIG_BYTES = 1024 * 1024
NOT_SETTINGS = frozenset({"home", "config_dir", "state_dir", "data_dir", "log_dir", "debug"})
"""``CLAUDE_USAGE_NOTIFIER_<NAME>`` variables that are no setting: the folders
(:mod:`notifier.paths`) and the CLI's debug switch. A test keeps them apart from
:class:`~notifier.core.models.Config`'s fields."""


@dataclass(frozen=True)
class LoadedConfig:
    """The validated config, where it came from, and what was ignored."""

    config: Config
    source: Path | None
    warnings: list[str] = field(default_factory=list)


def _textual(annotation: Any) -> bool:
    """True for ``str``, ``str | None`` and ``Literal[...]`` fields: their value is the raw text."""
    if annotation is str or get_origin(annotation) is Literal:
        return True
    options = [a for a in get_args(annotation) if a is not type(None)]
    return bool(options) and all(a is str or get_origin(a) is Literal for a in options)


def _env_value(key: str, raw: str) -> Any:
    """The environment's text as the field wants it, so pydantic can check its type.

    Text fields take the raw text (``USER_AGENT=1.0`` is a string, not a number);
    lists take JSON, ``75,90`` or a single number; everything else tries JSON
    (numbers, booleans, tables) and falls back to the text.
    """
    from notifier.core.models import Config

    annotation = Config.model_fields[key].annotation
    if _textual(annotation):
        return raw
    if get_origin(annotation) is list:
        text = raw.strip()
        if text.startswith("["):
            try:
                return json.loads(text)
            except ValueError:
                return raw
        parts = [p for p in text.replace(",", " ").split() if p]
        try:
            return [float(p) for p in parts]
        except ValueError:
            return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _env_overrides(environ: dict[str, str] | os._Environ[str]) -> dict[str, Any]:
    from notifier.core.models import Config

    fields = set(Config.model_fields) - {"buckets"}
    out: dict[str, Any] = {}
    for name, raw in environ.items():
        if not name.startswith(ENV_PREFIX):
            continue
        key = name.removeprefix(ENV_PREFIX).lower()
        if key in fields:
            out[key] = _env_value(key, raw)
    return out


# pydantic prefixes the messages of our own validators; a person needs only ours.
_LIBRARY_PREFIXES = ("Value error, ", "Assertion failed, ")


def _describe(exc: ValidationError, origin: str) -> str:
    first = exc.errors()[0]
    location = ".".join(str(part) for part in first["loc"]) or "(top level)"
    message = str(first["msg"])
    for prefix in _LIBRARY_PREFIXES:
        message = message.removeprefix(prefix)
    return f"{origin}: {location}: {message}"


def load(
    path: Path | None,
    default_path: Path,
    environ: dict[str, str] | None = None,
) -> LoadedConfig:
    """Read and validate the configuration.

    ``path`` is ``--config FILE`` (must exist); ``default_path`` is the platform
    location (may be missing: defaults apply).
    """
    import tomllib  # only with a file to read: see nothing_to_validate

    from pydantic import ValidationError

    from notifier.core.models import Config

    env = os.environ if environ is None else environ
    source = path if path is not None else default_path
    data: dict[str, Any] = {}
    try:
        data = tomllib.loads(read_capped(source, MAX_CONFIG_BYTES).decode("utf-8"))
        found: Path | None = source
    except FileNotFoundError:
        if path is not None:
            raise ConfigError(f"config file not found: {path}") from None
        found = None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise ConfigError(f"{source}: cannot read: {reason}") from None

    overrides = _env_overrides(env)
    merged = {**data, **overrides}
    origin = str(found) if found is not None else "defaults"
    try:
        config = Config.model_validate(merged)
    except ValidationError as exc:
        bad = str(exc.errors()[0]["loc"][0]) if exc.errors()[0]["loc"] else ""
        if bad in overrides:
            origin = f"environment {ENV_PREFIX}{bad.upper()}"
        raise ConfigError(_describe(exc, origin)) from None
    warnings = [f"{origin}: unknown key '{key}' ignored" for key in config.unknown_keys()]
    return LoadedConfig(config=config, source=found, warnings=warnings)


def nothing_to_validate(
    path: Path | None,
    default_path: Path,
    environ: dict[str, str] | None = None,
) -> bool:
    """True when :func:`load` could only answer the defaults, without a warning.

    That is: no ``--config FILE``, no file (not even a broken link) at the default
    location, and no ``CLAUDE_USAGE_NOTIFIER_<NAME>`` variable that might be a setting.
    Then there is nothing for pydantic to check, and a read-only command that needs
    nothing but the defaults (``status --payload``: every bucket enabled) can skip
    building the model classes, the bulk of its start-up. Anything else, an empty
    file included, goes through :func:`load`, the one validator.
    """
    if path is not None:
        return False
    env = os.environ if environ is None else environ
    for name in env:
        if (
            name.startswith(ENV_PREFIX)
            and name.removeprefix(ENV_PREFIX).lower() not in NOT_SETTINGS
        ):
            return False
    try:
        os.lstat(default_path)
    except FileNotFoundError:
        return True
    except OSError:
        return False  # load() says what is wrong with it
    return False
