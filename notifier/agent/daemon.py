"""The daemon's start-up: lock, event loop, signals, notifier, then the poll loop.

Edge. The start order is fixed and visible here (style practice 12): the log,
the lock (or exit 1 with a clear message), the session bus address exported
for dbus-fast, the event loop (Rubicon's on macOS when importable, so
notification clicks reach us), signal handlers that set a stop event, the
notifier created inside that loop, then :class:`~notifier.agent.loop.Agent`;
everything released in ``finally``.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import platform
import signal
import time
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from notifier import __version__, logs, spool, store
from notifier.agent.loop import FAST_POLL_WARNING, Agent
from notifier.config import LoadedConfig
from notifier.core.errors import NotifierError, StoreError
from notifier.core.models import Config
from notifier.core.pipeline import Pipeline
from notifier.lock import AgentLock
from notifier.paths import Paths

if TYPE_CHECKING:
    import httpx

    from notifier.archive import Recorder
    from notifier.client import UserAgentSource
    from notifier.core.drift import DriftResult
    from notifier.notify.notifier import Notifier

logger = logging.getLogger("notifier.agent")


def export_session_bus(
    environ: MutableMapping[str, str] | None = None,
    *,
    system: str | None = None,
    uid: int | None = None,
    exists: Callable[[Path], bool] = Path.exists,
) -> str | None:
    """Put the per-user bus socket into ``DBUS_SESSION_BUS_ADDRESS`` when it is missing.

    An agent started outside a desktop session (systemd user unit, ssh) may lack
    the variable, and dbus-fast (inside desktop-notifier) reads the address only
    from the process environment; desktop-notifier 6.2 offers no way to hand it
    over. So the start-up writes it, once, before anything connects; the
    chooser itself never writes the environment. Returns the address in use.
    """
    from notifier.notify.chooser import BUS_VARIABLE, session_bus_address

    env = os.environ if environ is None else environ
    if (system or platform.system()) != "Linux":
        return None
    address = session_bus_address(env, os.getuid() if uid is None else uid, exists)
    if address is not None and env.get(BUS_VARIABLE) != address:
        env[BUS_VARIABLE] = address
    return address


def event_loop_factory(system: str | None = None) -> Callable[[], asyncio.AbstractEventLoop] | None:
    """The loop to run the agent in: Rubicon's on macOS (click callbacks need it), else None."""
    if (system or platform.system()) != "Darwin":
        return None
    try:
        from rubicon.objc.eventloop import RubiconEventLoop
    except ImportError:
        return None
    factory: Callable[[], asyncio.AbstractEventLoop] = RubiconEventLoop
    return factory


def _archiver(paths: Paths, config: Config) -> Recorder:
    """The archive's Recorder, trimmed to ``archive_max_variants`` after each new variant."""
    from notifier import archive

    keep = config.archive_max_variants

    class BoundedRecorder(archive.Recorder):
        def __call__(
            self, result: DriftResult, payload: Mapping[str, Any], observed_at: datetime
        ) -> bool:
            new = super().__call__(result, payload, observed_at)
            if new:
                evicted = archive.evict(self.archive_dir, keep)
                if evicted:
                    logger.info(
                        "variant archive full (%d kept): removed the least recently seen %s",
                        keep,
                        ", ".join(evicted),
                    )
            return new

    return BoundedRecorder(paths.archive_dir)


def _seen_variants(paths: Paths) -> Iterable[str]:
    from notifier import archive

    try:
        return archive.seen_fingerprints(paths.archive_dir)
    except (StoreError, OSError) as exc:
        logger.warning("cannot read the variant archive: %s", exc)
        return ()


def _reload(
    paths: Paths,
    config_file: Path,
    agent: Agent,
    pipeline: Pipeline,
    notifier: Notifier,
    http: httpx.AsyncClient,
    user_agent: UserAgentSource | None = None,
) -> None:
    """SIGHUP: the configuration and the accepted schemas again; a bad file keeps the old ones."""
    from notifier import config as config_module
    from notifier import credentials, schemas
    from notifier.client import UsageClient

    try:
        loaded = config_module.load(None, config_file)
        config = loaded.config
        client = UsageClient(http, config, credentials.token_provider(), user_agent=user_agent)
    except NotifierError as exc:
        logger.error("SIGHUP: configuration not reloaded, keeping the current one: %s", exc)  # noqa: TRY400
        return
    for warning in loaded.warnings:
        logger.warning("config: %s", warning)
    warnings: list[str] = []
    known = schemas.load_known([paths.accepted_schemas_dir], warnings=warnings)
    for warning in warnings:
        logger.warning("schemas: %s", warning)
    pipeline.reconfigure(config, known)
    notifier.reconfigure(config)
    agent.config, agent.client = config, client
    logger.info(
        "SIGHUP: configuration and %d known variant(s) reloaded (timeouts apply after a restart)",
        len(known.variants),
    )


def _guarded_reload(reloader: list[Callable[[], None]]) -> None:
    try:
        for reload in reloader:
            reload()
    except Exception:  # a reload bug must not end the agent
        logger.exception("SIGHUP: reloading failed; keeping the current configuration")


def _tidy_folders(paths: Paths) -> None:
    """Every folder we own made 0700 (older versions left the data folder 0755) and swept."""
    from notifier.paths import ensure_private_dir

    swept = 0
    for folder in paths.folders:
        if not folder.is_dir():
            continue
        try:
            ensure_private_dir(folder)
        except OSError as exc:
            logger.warning("cannot tighten %s: %s", folder, exc.strerror or exc)
        swept += store.sweep_folder(folder)
    if swept:
        logger.info("removed %d torn temp file(s) left by an interrupted write", swept)


async def _serve(paths: Paths, config: Config, config_file: Path | None = None) -> None:
    """Signals, notifier, then the loop (inside the running event loop)."""
    from notifier import credentials, schemas
    from notifier.claude_version import ClaudeVersionReader
    from notifier.client import UsageClient, make_http_client
    from notifier.notify.notifier import Notifier
    from notifier.notify.sinks import LogSink
    from notifier.statefile import load_state

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()

    def on_signal(signum: int) -> None:
        if not stop.is_set():
            logger.info("%s received: stopping", signal.Signals(signum).name)
        stop.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, on_signal, signum)
    reloader: list[Callable[[], None]] = []
    # SIGHUP: reload the configuration and the accepted schemas, keep running.
    loop.add_signal_handler(signal.SIGHUP, _guarded_reload, reloader)
    sink = LogSink("configured: notify = log") if config.notify == "log" else None
    # The first-run permission question (macOS) is waited for briefly, and not
    # past a stop signal: polling starts regardless (osascript until the answer).
    notifier = await Notifier.create(config, sink=sink, stop=stop)
    http = make_http_client(config)
    try:
        # We hold the lock: a temp file beside state.json is a torn write of a killed agent.
        store.sweep_temp_files(paths.state_file)
        _tidy_folders(paths)
        spool.sweep(str(paths.state_dir), time.time())
        state, warnings = load_state(paths.state_file)
        for warning in warnings:
            logger.warning("state: %s", warning)
        known = schemas.load_known([paths.accepted_schemas_dir])
        pipeline = Pipeline(config, state, known, _seen_variants(paths))
        # The default User-Agent: Claude Code's form with the installed version (cached a day).
        versions = ClaudeVersionReader(paths.claude_version_file)
        tokens = credentials.token_provider()
        client = UsageClient(http, config, tokens, user_agent=versions.user_agent)
        archiver = _archiver(paths, config)
        agent = Agent(
            config=config,
            paths=paths,
            client=client,
            pipeline=pipeline,
            notifier=notifier,
            agent_state=state.agent,
            archiver=archiver,
            login_expiry=lambda: tokens.login_expires_at,
        )
        reloader.append(
            functools.partial(
                _reload,
                paths,
                config_file or paths.config_file,
                agent,
                pipeline,
                notifier,
                http,
                versions.user_agent,
            )
        )
        try:
            await agent.run(stop)
        finally:
            try:  # the counts of variants seen since the last write
                archiver.flush()
            except (StoreError, OSError) as exc:
                logger.warning("could not write the variant archive's counts: %s", exc)
        logger.info("agent stopped after %d poll(s); state saved", agent.polls)
    finally:
        await http.aclose()
        await notifier.close()
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            loop.remove_signal_handler(signum)


def main(paths: Paths, loaded: LoadedConfig) -> int:
    """Run the agent until SIGTERM/SIGINT. Exit 0; a second agent gets AgentAlreadyRunning."""
    config = loaded.config
    try:
        logs.configure(paths.log_file)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise StoreError(f"cannot open the agent log {paths.log_file}: {reason}") from None
    try:
        for warning in loaded.warnings:
            logger.warning("config: %s", warning)
        with AgentLock(paths.lock_file):
            logger.info(
                "agent %s started (pid %d): polling %s every %g s",
                __version__,
                os.getpid(),
                config.base_url,
                config.poll_interval_seconds,
            )
            if config.poll_interval_seconds < FAST_POLL_WARNING:
                logger.warning(
                    "poll_interval_seconds = %g is under %g s: fine for a local server, "
                    "but the real endpoint answers fast polling with 429s",
                    config.poll_interval_seconds,
                    FAST_POLL_WARNING,
                )
            export_session_bus()
            with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
                runner.run(_serve(paths, config, loaded.source))
    except NotifierError as exc:
        logger.error("%s", exc)  # noqa: TRY400 - an expected failure: one line, no traceback
        raise
    finally:
        logs.shutdown()
    return 0
