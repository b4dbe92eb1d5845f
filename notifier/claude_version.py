"""The installed Claude Code's version, for the User-Agent the usage endpoint wants to see.

Edge (runs ``claude --version`` through :mod:`notifier.runner`, stats files, reads
and writes one cache file, reads the environment and the clock).

Why: the usage endpoint puts requests whose User-Agent is not Claude Code's
(``claude-code/<version>``) in a rate-limit bucket that answers 429 at once and
never recovers (see ``docs/endpoint.md``, "Learned in 2026"). So the default
User-Agent is Claude Code's own form, with the version of the Claude Code the
user has installed, the same token already being Claude Code's.

How often: ``claude --version`` starts a node program (a second or more on a
slow machine), so it runs at most once a day, or sooner when the ``claude``
binary changed (its resolved path, mtime or size: an update). The answer is
kept in ``claude-version.json`` in the state folder (private, written
atomically), so ``status`` and the agent share it and a restart does not
re-run it. A probe that fails (exit code, odd output, the 5 s timeout) is
cached too, as the fallback: a broken ``claude`` must not be re-run every poll.

Where: ``claude`` on ``PATH``, then the places Claude Code's installers use
(``~/.local/bin``, ``~/.claude/local``, Homebrew), because a login item starts
with launchd's or systemd's short ``PATH``. Not found, or no usable answer:
:data:`FALLBACK_VERSION`, a recent release.

Never blocking a poll: :meth:`ClaudeVersionReader.read_async` runs the probe in
a daemon thread and stops waiting after the timeout (plus a margin), so even a
``claude`` whose children outlive the kill costs one poll at most 6 s, and that
once a day.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import shutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from notifier.core.errors import StoreError
from notifier.core.useragent import FALLBACK_VERSION, UserAgent, user_agent_for
from notifier.runner import CommandRunner, SubprocessRunner, in_daemon_thread
from notifier.store import atomic_write_json, read_json

logger = logging.getLogger(__name__)

PROBE_TIMEOUT_SECONDS = 5.0
# How long read_async waits beyond the runner's own timeout before it gives up on the thread.
_THREAD_MARGIN_SECONDS = 1.0
CACHE_MAX_AGE = timedelta(days=1)
CACHE_FORMAT = 1

# 2.1.3, 2.0.14-beta.1, 1.0.128+build: digits and dots first, then a tag; nothing a header dislikes.
_VERSION = re.compile(r"\d+(?:\.\d+){1,3}(?:[-+~][0-9A-Za-z.+~-]{1,40})?")

Source = Literal["claude", "fallback"]


def parse_version(stdout: bytes) -> str | None:
    """The version in ``claude --version``'s output (``2.1.3 (Claude Code)``), or None.

    The first token of the first non-empty line; it must look like a version,
    so a banner, an error page or a shell's complaint gives None.
    """
    try:
        text = stdout.decode("utf-8")
    except UnicodeDecodeError:
        return None
    for line in text.splitlines():
        if line.strip():
            token = line.split()[0]
            return token if _VERSION.fullmatch(token) else None
    return None


def default_search_dirs(environ: Mapping[str, str] | None = None) -> tuple[Path, ...]:
    """Where Claude Code's installers put ``claude`` beyond ``PATH``."""
    env = os.environ if environ is None else environ
    home = Path(env.get("HOME") or Path.home())
    return (
        home / ".local" / "bin",  # the native installer
        home / ".claude" / "local",  # the older "local" install
        home / ".npm-global" / "bin",
        Path("/opt/homebrew/bin"),
        Path("/usr/local/bin"),
    )


def find_claude(
    environ: Mapping[str, str] | None = None, search_dirs: Iterable[Path] | None = None
) -> Path | None:
    """The ``claude`` program: on ``PATH`` first, then in ``search_dirs``; None if absent."""
    env = os.environ if environ is None else environ
    found = shutil.which("claude", path=env.get("PATH", ""))
    if found is not None:
        return Path(found)
    dirs = default_search_dirs(env) if search_dirs is None else search_dirs
    for folder in dirs:
        candidate = folder / "claude"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


@dataclass(frozen=True)
class Binary:
    """What identifies one install of ``claude``: an update changes at least one of these."""

    path: str
    mtime_ns: int
    size: int

    def as_json(self) -> dict[str, Any]:
        """The cache file's form."""
        return {"path": self.path, "mtime_ns": self.mtime_ns, "size": self.size}

    @classmethod
    def from_json(cls, data: object) -> Binary | None:
        """Read back :meth:`as_json`; None for anything else."""
        if not isinstance(data, dict):
            return None
        path, mtime_ns, size = data.get("path"), data.get("mtime_ns"), data.get("size")
        if (
            isinstance(path, str)
            and isinstance(mtime_ns, int)
            and isinstance(size, int)
            and not isinstance(mtime_ns, bool)
            and not isinstance(size, bool)
        ):
            return cls(path, mtime_ns, size)
        return None


def identify(program: Path) -> Binary | None:
    """The binary behind ``program`` (symlinks followed: an npm or Homebrew shim), or None."""
    try:
        real = program.resolve(strict=True)
        info = real.stat()
    except (OSError, RuntimeError):
        return None
    return Binary(str(real), info.st_mtime_ns, info.st_size)


@dataclass(frozen=True)
class ClaudeVersion:
    """The version the User-Agent carries, and where it came from."""

    version: str
    source: Source
    binary: Binary | None
    read_at: datetime | None
    # Why the fallback is used ("not found", "timed out after 5 s", ...), or "" for a real one.
    reason: str = ""

    @property
    def user_agent(self) -> str:
        """``claude-code/<version>``."""
        return user_agent_for(self.version)

    def describe(self) -> str:
        """Where the version came from, for the log and ``status``."""
        if self.source == "claude" and self.binary is not None:
            return f"the version of Claude Code at {self.binary.path}"
        why = f": {self.reason}" if self.reason else ""
        return f"a built-in Claude Code version{why}"

    def fresh(self, binary: Binary | None, now: datetime) -> bool:
        """True while this answer stands for ``binary``: the same install, read under a day ago."""
        if self.binary != binary or self.read_at is None:
            return False
        age = now - self.read_at
        return timedelta(0) <= age < CACHE_MAX_AGE

    def as_json(self) -> dict[str, Any]:
        """The cache file's form."""
        return {
            "format": CACHE_FORMAT,
            "version": self.version,
            "source": self.source,
            "reason": self.reason,
            "read_at": self.read_at.isoformat() if self.read_at else None,
            "binary": self.binary.as_json() if self.binary else None,
        }

    @classmethod
    def from_json(cls, data: object) -> ClaudeVersion | None:
        """Read back :meth:`as_json`; None for anything we did not write (then we ask again)."""
        if not isinstance(data, dict) or data.get("format") != CACHE_FORMAT:
            return None
        version, source, reason = data.get("version"), data.get("source"), data.get("reason", "")
        binary = Binary.from_json(data.get("binary"))
        try:
            read_at = datetime.fromisoformat(str(data.get("read_at")))
        except ValueError:
            return None
        if (
            not isinstance(version, str)
            or _VERSION.fullmatch(version) is None
            or source not in ("claude", "fallback")
            or not isinstance(reason, str)
            or binary is None
            or read_at.tzinfo is None
        ):
            return None
        return cls(version, source, binary, read_at, reason)


def fallback(
    reason: str, binary: Binary | None = None, read_at: datetime | None = None
) -> ClaudeVersion:
    """The built-in version, saying why."""
    return ClaudeVersion(FALLBACK_VERSION, "fallback", binary, read_at, reason)


def probe(
    program: Path,
    binary: Binary,
    runner: CommandRunner,
    now: datetime,
    timeout: float = PROBE_TIMEOUT_SECONDS,
) -> ClaudeVersion:
    """Run ``claude --version`` once and read its answer (the fallback when it has none)."""
    result = runner([str(program), "--version"], timeout=timeout)
    if result.returncode == 124:
        return fallback(f"`claude --version` timed out after {timeout:g} s", binary, now)
    if not result.ok:
        return fallback(f"`claude --version` exited {result.returncode}", binary, now)
    version = parse_version(result.stdout)
    if version is None:
        return fallback("`claude --version` printed no version", binary, now)
    return ClaudeVersion(version, "claude", binary, now)


def agent_of(version: ClaudeVersion) -> UserAgent:
    """Claude Code's User-Agent form with ``version``, saying where the version came from."""
    return UserAgent(version.user_agent, version.source, version.describe())


def _utc_now() -> datetime:
    return datetime.now(UTC)


class ClaudeVersionReader:
    """The current :class:`ClaudeVersion`: memory, then the cache file, then one probe.

    Every call looks up ``claude`` and stats it (cheap); ``claude --version`` runs
    only when no answer younger than a day exists for that same binary. One
    reader per process; ``status`` and the agent share the cache file.
    """

    def __init__(
        self,
        cache_file: Path,
        *,
        runner: CommandRunner | None = None,
        environ: Mapping[str, str] | None = None,
        search_dirs: Iterable[Path] | None = None,
        clock: Callable[[], datetime] = _utc_now,
        timeout: float = PROBE_TIMEOUT_SECONDS,
    ) -> None:
        self.cache_file = cache_file
        self._runner: CommandRunner = runner if runner is not None else SubprocessRunner()
        self._environ = environ
        self._search_dirs = tuple(search_dirs) if search_dirs is not None else None
        self._clock = clock
        self.timeout = timeout
        self._known: ClaudeVersion | None = None
        self._cache_warned = False
        self._in_flight: asyncio.Future[ClaudeVersion] | None = None

    def _locate(self) -> tuple[Path | None, Binary | None]:
        program = find_claude(self._environ, self._search_dirs)
        return program, identify(program) if program is not None else None

    def _remembered(self, binary: Binary, now: datetime) -> ClaudeVersion | None:
        if self._known is not None and self._known.fresh(binary, now):
            return self._known
        try:
            cached = ClaudeVersion.from_json(read_json(self.cache_file))
        except (FileNotFoundError, StoreError):
            cached = None
        if cached is not None and cached.fresh(binary, now):
            self._known = cached
            return cached
        return None

    def _keep(self, answer: ClaudeVersion) -> ClaudeVersion:
        self._known = answer
        try:
            atomic_write_json(self.cache_file, answer.as_json())
        except StoreError as exc:
            # Memory still spares this process a re-run; say it once.
            if not self._cache_warned:
                self._cache_warned = True
                logger.warning("cannot cache the Claude Code version: %s", exc)
        else:
            self._cache_warned = False
        return answer

    def _settled(self) -> ClaudeVersion | tuple[Path, Binary]:
        """The answer when no probe is needed; else the program to probe and its identity."""
        program, binary = self._locate()
        if program is None or binary is None:
            return fallback("`claude` was not found on PATH or where its installers put it")
        known = self._remembered(binary, self._clock())
        return known if known is not None else (program, binary)

    def read(self) -> ClaudeVersion:
        """The version now, running ``claude --version`` (bounded by the timeout) if due."""
        settled = self._settled()
        if isinstance(settled, ClaudeVersion):
            return settled
        program, binary = settled
        return self._keep(probe(program, binary, self._runner, self._clock(), self.timeout))

    async def read_async(self) -> ClaudeVersion:
        """:meth:`read` off the event loop; never waits much longer than the timeout.

        A probe still running from an earlier call is joined, not repeated. When
        the thread does not answer in time, the fallback is kept (and cached) as
        this binary's answer for the day, so a hanging ``claude`` costs one wait.
        """
        settled = self._settled()
        if isinstance(settled, ClaudeVersion):
            return settled
        program, binary = settled
        if self._in_flight is None or self._in_flight.done():
            self._in_flight = in_daemon_thread(
                lambda: probe(program, binary, self._runner, self._clock(), self.timeout),
                name="claude-version-probe",
            )
        try:
            margin = min(_THREAD_MARGIN_SECONDS, self.timeout)
            async with asyncio.timeout(self.timeout + margin):
                answer = await asyncio.shield(self._in_flight)
        except TimeoutError:
            answer = fallback(
                f"`claude --version` gave no answer within {self.timeout:g} s",
                binary,
                self._clock(),
            )
        except Exception as exc:  # a bug in the probe must not cost the poll
            logger.warning("could not read the Claude Code version: %s", type(exc).__name__)
            answer = fallback(f"internal error: {type(exc).__name__}", binary, self._clock())
        return self._keep(answer)

    async def user_agent(self) -> UserAgent:
        """:meth:`read_async` as a User-Agent: the client's ``user_agent`` source."""
        return agent_of(await self.read_async())
