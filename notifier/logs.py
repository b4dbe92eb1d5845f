"""The agent's log: one plain line per record, in a size-capped rotating file.

Edge (writes ``paths.log_file``). The agent runs for weeks under launchd or
systemd, so the log must stay small (rotation by size, a few backups) and be
readable with ``tail``: every record is one line, tracebacks folded into it.
A filter on the handlers scrubs anything token-like (``sk-ant-...``, a
``Bearer`` credential) as defence in depth: no code should log a token, and if
some library ever does, it still never reaches the disk.
"""

from __future__ import annotations

import contextlib
import io
import logging
import logging.handlers
import os
import re
import sys
from pathlib import Path

from notifier.core.text.clean import printable
from notifier.paths import ensure_private_dir
from notifier.store import open_regular

LOGGER_NAME = "notifier"
MAX_BYTES = 1_000_000
BACKUP_COUNT = 3
_HANDLER_NAME = "notifier.logs"
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

_TOKEN = re.compile(r"sk-ant-[A-Za-z0-9_\-]+")
_BEARER = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=\-]+")
_SECRET_FIELD = re.compile(
    r"(?i)(\"?(?:access_?token|refresh_?token|accessToken|refreshToken)\"?\s*[:=]\s*\"?)[^\"\s,}]+"
)


def scrub(text: str) -> str:
    """``text`` with anything that looks like a credential replaced by ``***``."""
    text = _TOKEN.sub("sk-ant-***", text)
    text = _BEARER.sub(r"\1***", text)
    return _SECRET_FIELD.sub(r"\1***", text)


class ScrubFilter(logging.Filter):
    """Rewrites each record's message (arguments merged in) without token-like strings."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Scrub the rendered message and any exception text; never drops a record."""
        message = scrub(record.getMessage())
        record.msg, record.args = message, None
        if record.exc_info and record.exc_info[1] is not None:
            formatter = logging.Formatter()
            record.exc_text = scrub(formatter.formatException(record.exc_info))
            record.exc_info = None
        return True


class OneLineFormatter(logging.Formatter):
    """The standard format, with newlines (tracebacks included) folded into `` | ``."""

    def format(self, record: logging.LogRecord) -> str:
        """One line, always, without control characters (a server string may hold some)."""
        return printable(" | ".join(part for part in super().format(record).splitlines() if part))


class _PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """Creates every log file (including after a rotation) as 0600, never through a symlink.

    The file is opened with :func:`notifier.store.open_regular`: a symlink or a
    FIFO planted at ``agent.log`` is refused instead of followed.
    """

    _failing = False  # said so on stderr; quiet until a write works again
    _failing_now = False  # the record being emitted failed

    def emit(self, record: logging.LogRecord) -> None:
        """Write the record; after a failure, say so again only once writing works again."""
        super().emit(record)
        if not self._failing_now:
            self._failing = False
        self._failing_now = False

    def handleError(self, record: logging.LogRecord) -> None:
        """One warning line on stderr for a failing log (a full disk), no traceback.

        logging's default prints ``--- Logging error ---`` and a traceback for every
        record; under launchd/systemd that floods the journal the disk is full of.
        """
        self._failing_now = True
        if self._failing:
            return
        self._failing = True
        error = sys.exc_info()[1]
        reason = getattr(error, "strerror", None) or type(error).__name__
        with contextlib.suppress(Exception):
            sys.stderr.write(
                f"claude-usage-notifier: warning: cannot write the agent log "
                f"{self.baseFilename}: {reason} (will keep trying quietly)\n"
            )
            sys.stderr.flush()

    def _open(self) -> io.TextIOWrapper:
        fd = open_regular(Path(self.baseFilename), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with contextlib.suppress(OSError):
            os.fchmod(fd, 0o600)
        return os.fdopen(fd, "a", encoding=self.encoding or "utf-8", errors=self.errors)


def configure(
    log_file: Path,
    *,
    level: int = logging.INFO,
    max_bytes: int = MAX_BYTES,
    backup_count: int = BACKUP_COUNT,
    echo: bool | None = None,
) -> logging.Logger:
    """Send our records at ``level`` and other libraries' warnings to ``log_file``.

    The handlers sit on the root logger so a library's warning (desktop-notifier's
    "Notification failed") lands in the same file, scrubbed the same way; its
    INFO chatter (httpx logs every request) stays out.

    ``echo`` defaults to "stderr is a terminal": someone running ``run`` by hand
    sees the log; under launchd/systemd stderr is already captured, so
    writing there too would only double every line.
    """
    ensure_private_dir(log_file.parent)
    root = logging.getLogger()
    shutdown(root)
    formatter = OneLineFormatter(FORMAT)
    handler: logging.Handler = _PrivateRotatingFileHandler(
        log_file, maxBytes=max_bytes, backupCount=backup_count, encoding="utf-8"
    )
    handlers = [handler]
    if echo if echo is not None else sys.stderr.isatty():
        handlers.append(logging.StreamHandler(sys.stderr))
    for each in handlers:
        each.set_name(_HANDLER_NAME)
        each.setFormatter(formatter)
        each.addFilter(ScrubFilter())
        root.addHandler(each)
    root.setLevel(logging.WARNING)
    logger = logging.getLogger(LOGGER_NAME)
    logger.setLevel(level)
    return logger


def shutdown(root: logging.Logger | None = None) -> None:
    """Flush and close the handlers :func:`configure` added (on the root logger)."""
    root = root or logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() != _HANDLER_NAME:
            continue  # someone else's (pytest's capture, an embedding app)
        root.removeHandler(handler)
        with contextlib.suppress(OSError):  # a full disk: the last flush fails, exit anyway
            handler.close()
