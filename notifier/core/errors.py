"""The one error tree of the program, shaped by what the user can do about it.

    NotifierError                 every expected failure; the CLI maps it to an exit code
    ├── ConfigError               bad config.toml / environment value        (exit 2)
    ├── InputError                a file or argument we cannot use           (exit 2)
    ├── StoreError                a state/archive file we cannot read or write (exit 2)
    ├── AgentAlreadyRunning       a second ``run``                           (exit 1)
    ├── LoginItemError            launchctl / systemctl refused, or an unusable interpreter (exit 2)
    ├── CredentialsError          the token cannot be used                   (exit 3)
    │   ├── NotLoggedIn           no credentials, or only ``mcpOAuth``
    │   ├── TokenExpired          ``expiresAt`` passed, or the server said 401
    │   ├── ScopeMissing          the token lacks ``user:profile`` (403)
    │   └── KeychainLocked        the login keychain is locked or refused access (retried)
    └── ServerError               the endpoint did not give us a usable answer (exit 3)
        ├── RateLimited           429, with ``retry_after`` seconds when the server said
        ├── Unreachable           DNS, connection refused/reset, timeout
        ├── BadResponse           200 that is not a JSON object (HTML portal, garbage)
        └── ServerFault           5xx or another unexpected status

Foreign exceptions (httpx, OSError, JSON, pydantic) are translated into this tree
in the edge modules only (``client``, ``credentials``, ``config``, ``store``), so
the rest of the code, and the CLI's single ``except NotifierError``, never see
them. Messages never contain the token: edges build them from fixed text.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """The contract's exit codes, named."""

    OK = 0
    FOUND = 1  # "found something" (drift), or the agent is already running
    BAD_INPUT = 2
    ENDPOINT = 3
    INTERNAL = 70  # a bug (sysexits EX_SOFTWARE); never an expected failure


class NotifierError(Exception):
    """Root of every expected failure. ``str(err)`` is the one line the user sees."""

    exit_code: ExitCode = ExitCode.BAD_INPUT

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ConfigError(NotifierError):
    """The configuration (file or environment) has a value we cannot use."""


class InputError(NotifierError):
    """A file or argument given on the command line cannot be used."""


class StoreError(NotifierError):
    """A file we keep (state, archive, history) cannot be read or written."""


class AgentAlreadyRunning(NotifierError):
    """Another agent holds the lock."""

    exit_code = ExitCode.FOUND


class LoginItemError(NotifierError):
    """``launchctl``/``systemctl`` refused; the message says which command and why."""


class CredentialsError(NotifierError):
    """The Claude Code login cannot be used; the fix is usually to log in again."""

    exit_code = ExitCode.ENDPOINT


class NotLoggedIn(CredentialsError):
    """No Claude Code OAuth credentials were found."""


class TokenExpired(CredentialsError):
    """The stored token has expired or was rejected (401)."""


class ScopeMissing(CredentialsError):
    """The token lacks the ``user:profile`` scope (e.g. a ``claude setup-token`` token)."""


class KeychainLocked(CredentialsError):
    """The macOS login keychain is locked, or refused us the item: not a login problem.

    ``security`` exits 36 (errSecInteractionNotAllowed: locked, and no dialog
    may be shown), 51 (errSecAuthFailed: access refused, or a wrong keychain
    password) or 128 (the dialog was cancelled). Logging in again cannot help;
    the agent retries on a backoff ladder, so a locked keychain does not bring
    up a new unlock dialog at every poll.
    """

    title = "Keychain locked"


class ServerError(NotifierError):
    """The usage endpoint did not give a usable answer."""

    exit_code = ExitCode.ENDPOINT


class RateLimited(ServerError):
    """HTTP 429. ``retry_after`` is the server's hint in seconds, or None.

    ``rate_limit_error`` is True when the body was the endpoint's own
    ``{"error": {"type": "rate_limit_error"}}`` (not a proxy's 429 page).
    """

    def __init__(
        self, message: str, retry_after: float | None = None, *, rate_limit_error: bool = False
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.rate_limit_error = rate_limit_error


class Unreachable(ServerError):
    """The endpoint could not be reached (DNS, refused, reset, timeout)."""


class BadResponse(ServerError):
    """A 200 answer that is not a JSON object (a captive portal, a proxy page)."""


class ServerFault(ServerError):
    """A 5xx or other unexpected HTTP status."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status
