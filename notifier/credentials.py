"""The Claude Code OAuth token: found, read, checked. Never written, never refreshed.

Edge (reads a file, runs ``/usr/bin/security`` through an injectable
:class:`~notifier.runner.CommandRunner`, reads the environment and the clock
unless they are passed in). OS and JSON failures become the
:class:`~notifier.core.errors.CredentialsError` family here and nowhere else.

Where Claude Code keeps the login (``docs/endpoint.md``, ``platform-notes.md``):

- macOS: a Keychain generic password, service ``Claude Code-credentials``,
  account = the login name (Claude Code reads and writes with ``-a``); with
  ``CLAUDE_CONFIG_DIR`` set, newer Claude Code appends ``-`` and the first
  8 hex digits of the sha256 of that path. We try the suffixed name, then the
  plain one; for each, ``-a <login name>`` first, then without ``-a`` (items
  under other accounts can exist, and an older expired one must not hide the
  live login: the newest ``expiresAt`` wins). ``security -w`` may print the
  JSON hex-encoded (``7b0a...``). A locked keychain (exit 36) or a refused
  access (51, 128) is :class:`~notifier.core.errors.KeychainLocked`, never
  "login expired".
- everywhere (and as the macOS fallback): ``$CLAUDE_CONFIG_DIR/.credentials.json``,
  default ``~/.claude/.credentials.json``.

Why never refresh: refresh tokens rotate, and a second program refreshing
them logs the user out of Claude Code. Claude Code refreshes on its own, so
callers re-read the token before every request (:func:`token_provider`).

The token lives only in :attr:`Credentials.access_token` (hidden from
``repr``) and messages are built from fixed text, file names and dates.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import string
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from notifier.core.errors import (
    CredentialsError,
    KeychainLocked,
    NotLoggedIn,
    ScopeMissing,
    TokenExpired,
)
from notifier.runner import CommandResult, CommandRunner, SubprocessRunner

SERVICE = "Claude Code-credentials"
SECURITY = "/usr/bin/security"
# `security` exits with the low byte of the Security framework's OSStatus:
# 44 = errSecItemNotFound (-25300): no such item;
# 36 = errSecInteractionNotAllowed (-25308): the keychain is locked and no
#      unlock dialog may be shown ("User interaction is not allowed.");
# 51 = errSecAuthFailed (-25293): access refused, or a wrong keychain password;
# 128 = userCanceled (-128): the dialog was cancelled.
KEYCHAIN_ITEM_NOT_FOUND = 44
KEYCHAIN_LOCKED = 36
KEYCHAIN_REFUSED = (51, 128)
# The first read may show a Keychain prompt; give the user time to answer it.
KEYCHAIN_TIMEOUT = 120.0
CONFIG_DIR_ENV = "CLAUDE_CONFIG_DIR"
FILE_NAME = ".credentials.json"
LOGIN_HINT = "run `claude` and log in"
USAGE_SCOPE = "user:profile"
MAX_CREDENTIALS_BYTES = 1024 * 1024

_HEX = frozenset(string.hexdigits)


@dataclass(frozen=True)
class Credentials:
    """A usable Claude Code login. ``repr``/``str`` never show the token."""

    access_token: str = field(repr=False)
    expires_at: datetime | None
    scopes: tuple[str, ...]
    subscription_type: str | None
    source: str  # where it came from, for messages: a file path or a Keychain item
    # When the login itself ends (``refreshTokenExpiresAt``): only a new `/login` renews it.
    login_expires_at: datetime | None = None

    def __str__(self) -> str:
        return f"Claude Code login from {self.source}"


def well_formed(token: str) -> bool:
    """True for a non-empty token of printable ASCII without whitespace (what a header allows)."""
    return bool(token) and all("!" <= ch <= "~" for ch in token)


def credentials_file(environ: Mapping[str, str] | None = None) -> Path:
    """``$CLAUDE_CONFIG_DIR/.credentials.json``, default ``~/.claude/.credentials.json``."""
    env = os.environ if environ is None else environ
    config_dir = env.get(CONFIG_DIR_ENV)
    base = Path(config_dir).expanduser() if config_dir else Path.home() / ".claude"
    return base / FILE_NAME


def keychain_services(environ: Mapping[str, str] | None = None) -> list[str]:
    """Keychain service names to try, most specific first."""
    env = os.environ if environ is None else environ
    config_dir = env.get(CONFIG_DIR_ENV)
    if not config_dir:
        return [SERVICE]
    # Claude Code hashes the variable's value as given (NFC-normalised), not a resolved path.
    digest = hashlib.sha256(unicodedata.normalize("NFC", config_dir).encode()).hexdigest()
    return [f"{SERVICE}-{digest[:8]}", SERVICE]


def _decode_keychain_output(raw: bytes) -> bytes:
    # `security -w` prints a secret that contains newlines as bare hex ("7b0a...").
    text = raw.strip()
    try:
        as_text = text.decode("ascii")
    except UnicodeDecodeError:
        return text
    if len(as_text) % 2 == 0 and as_text[:2] == "7b" and set(as_text) <= _HEX:
        return bytes.fromhex(as_text)
    return text


def parse(raw: bytes, source: str, now: datetime) -> Credentials:
    """Credentials from the JSON Claude Code stores; ``source`` names it in messages."""
    return _check(_read(raw, source), now)


def _read(raw: bytes, source: str) -> Credentials:
    """The login in ``raw``, not yet checked against the clock or the scope."""
    try:
        data: Any = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise CredentialsError(
            f"{source} is not valid JSON; {LOGIN_HINT} again to rewrite it"
        ) from None
    oauth = data.get("claudeAiOauth") if isinstance(data, dict) else None
    if not isinstance(oauth, dict):
        if isinstance(data, dict) and "mcpOAuth" in data:
            raise NotLoggedIn(
                f"{source} holds only MCP server logins, no Claude login: {LOGIN_HINT}"
            )
        raise NotLoggedIn(f"{source} holds no Claude login: {LOGIN_HINT}")
    token = oauth.get("accessToken")
    if not isinstance(token, str) or not token.strip():
        raise NotLoggedIn(f"{source} holds no access token: {LOGIN_HINT}")
    if not well_formed(token.strip()):
        # Said before any request, and without the token: it goes into an HTTP header,
        # where a newline or a control character would be a header injection.
        raise CredentialsError(
            f"{source} holds a malformed access token (not printable ASCII without "
            f"spaces): {LOGIN_HINT} again to rewrite it"
        )
    raw_scopes = oauth.get("scopes")
    scopes = (
        tuple(s for s in raw_scopes if isinstance(s, str)) if isinstance(raw_scopes, list) else ()
    )
    subscription = oauth.get("subscriptionType")
    return Credentials(
        access_token=token.strip(),
        expires_at=_expiry(oauth.get("expiresAt")),
        scopes=scopes,
        subscription_type=subscription if isinstance(subscription, str) else None,
        source=source,
        login_expires_at=_expiry(oauth.get("refreshTokenExpiresAt")),
    )


def _expired(creds: Credentials, now: datetime) -> bool:
    return creds.expires_at is not None and now >= creds.expires_at


def _check(creds: Credentials, now: datetime) -> Credentials:
    """``creds`` if usable now, else :class:`TokenExpired` or :class:`ScopeMissing`."""
    source = creds.source
    if creds.expires_at is not None and _expired(creds, now):
        stamp = creds.expires_at.astimezone().strftime("%Y-%m-%d %H:%M %Z").strip()
        raise TokenExpired(
            f"the Claude login in {source} expired at {stamp}: "
            "run `claude` so it renews the login (this tool never refreshes tokens)"
        )
    if creds.scopes and USAGE_SCOPE not in creds.scopes:
        # Said before any request: the endpoint answers such a token with a 429 or
        # 403 that looks like rate limiting (endpoint.md), and backing off cannot help.
        raise ScopeMissing(
            f"the Claude login in {source} lacks the `{USAGE_SCOPE}` scope "
            "(a `claude setup-token` token cannot read usage): log in with `claude` instead"
        )
    return creds


def _expiry(value: object) -> datetime | None:
    # expiresAt is epoch milliseconds; anything else is treated as "not stated".
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return datetime.fromtimestamp(value / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def login_name() -> str | None:
    """The user's login name from the password database (what Claude Code passes as ``-a``)."""
    try:
        import pwd  # Unix only; this module is also used on Windows
    except ImportError:
        return None
    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except (KeyError, OSError):
        return None


def _locked(result: CommandResult, where: str) -> KeychainLocked | None:
    """The locked / refused keychain, in words that point at the real cause."""
    detail = result.stderr.decode("utf-8", "replace").strip().splitlines()
    reason = detail[0] if detail else f"security exit status {result.returncode}"
    if result.returncode == KEYCHAIN_LOCKED:
        return KeychainLocked(
            f"the login keychain is locked, so {where} cannot be read ({reason}): "
            "unlock it (log in to the Mac, or `security unlock-keychain`); "
            "the agent retries by itself"
        )
    if result.returncode in KEYCHAIN_REFUSED:
        return KeychainLocked(
            f"macOS refused access to {where} ({reason}): run "
            "`claude-usage-notifier status` in Terminal and choose Always Allow "
            "when macOS asks; the agent retries by itself"
        )
    return None


def _newest(found: list[Credentials]) -> Credentials:
    # No expiresAt counts as "not stated", newer than any stated one.
    return max(found, key=lambda c: c.expires_at or datetime.max.replace(tzinfo=UTC))


def _service_logins(
    runner: CommandRunner, service: str, account: str | None, now: datetime
) -> tuple[list[Credentials], CredentialsError | None]:
    """The logins one service name gives: with ``-a <login name>`` first, then without.

    Claude Code reads and writes its item with ``-a <login name>``; other items
    with the same service (another account name, an old install) can exist,
    and ``security`` without ``-a`` returns whichever comes first. A live login
    under ``-a`` is taken at once; otherwise the unqualified one is asked too,
    and the caller compares expiry dates, so an older expired duplicate never
    hides the live login.
    """
    where = f"the Keychain item '{service}'"
    queries = [[SECURITY, "find-generic-password", "-s", service, "-w"]]
    if account:
        queries.insert(0, [SECURITY, "find-generic-password", "-s", service, "-a", account, "-w"])
    found: list[Credentials] = []
    problem: CredentialsError | None = None
    for argv in queries:
        result = runner(argv, timeout=KEYCHAIN_TIMEOUT)
        if result.returncode == KEYCHAIN_ITEM_NOT_FOUND:
            continue
        if not result.ok:
            locked = _locked(result, where)
            if locked is not None:
                # Asking again would only bring up another dialog (or fail the same way).
                raise locked
            detail = result.stderr.decode("utf-8", "replace").strip().splitlines()
            reason = detail[0] if detail else f"exit status {result.returncode}"
            problem = problem or CredentialsError(
                f"cannot read {where} ({reason}): unlock the Keychain or allow access, then retry"
            )
            continue
        try:
            creds = _read(_decode_keychain_output(result.stdout), where)
        except CredentialsError as exc:
            problem = problem or exc
            continue
        if "-a" in argv and not _expired(creds, now):
            return [creds], None
        found.append(creds)
    return found, problem


def _from_keychain(
    runner: CommandRunner, services: list[str], account: str | None, now: datetime
) -> tuple[Credentials | None, CredentialsError | None]:
    """The login of the first service name that has one, else the most useful error (or None).

    Raises :class:`KeychainLocked` (the keychain is locked or refused us) and,
    when the service's newest login has expired, :class:`TokenExpired`.
    """
    problem: CredentialsError | None = None
    for service in services:
        found, trouble = _service_logins(runner, service, account, now)
        problem = problem or trouble
        if found:
            live = [c for c in found if not _expired(c, now)]
            return _check(_newest(live or found), now), None
    return None, problem


def _from_file(path: Path, now: datetime) -> Credentials | None:
    from notifier.store import NotRegularFile, read_capped

    try:
        raw = read_capped(path, MAX_CREDENTIALS_BYTES)
    except FileNotFoundError:
        return None
    except (IsADirectoryError, NotRegularFile) as exc:
        what = exc.strerror if isinstance(exc, NotRegularFile) else "a folder"
        raise CredentialsError(f"{path} is {what}, not a credentials file") from None
    except OSError as exc:
        raise CredentialsError(
            f"cannot read {path}: {exc.strerror or type(exc).__name__}"
        ) from None
    return parse(raw, str(path), now)


def load(
    *,
    environ: Mapping[str, str] | None = None,
    system: str | None = None,
    runner: CommandRunner | None = None,
    now: datetime | None = None,
    account: str | None = None,
) -> Credentials:
    """Find and check the Claude Code login, or raise a :class:`CredentialsError`.

    On macOS (``system == "Darwin"``) the Keychain comes first and the file is
    the fallback; elsewhere only the file is read. ``account`` is the Keychain
    account to ask for first (default: the login name, as Claude Code uses).
    """
    env = os.environ if environ is None else environ
    current = now if now is not None else datetime.now(UTC)
    path = credentials_file(env)
    keychain_problem: CredentialsError | None = None
    on_macos = (system if system is not None else platform.system()) == "Darwin"
    if on_macos:
        try:
            found, keychain_problem = _from_keychain(
                runner if runner is not None else SubprocessRunner(),
                keychain_services(env),
                account if account is not None else login_name(),
                current,
            )
        except KeychainLocked as locked:
            # A usable file still serves; anything else it says ("expired", "not
            # logged in") would hide the real cause, the locked keychain.
            try:
                usable = _from_file(path, current)
            except CredentialsError:
                usable = None
            if usable is not None:
                return usable
            raise locked from None
        if found is not None:
            return found
    try:
        from_file = _from_file(path, current)
    except NotLoggedIn:
        if keychain_problem is not None:
            raise keychain_problem from None
        raise
    if from_file is not None:
        return from_file
    if keychain_problem is not None:
        raise keychain_problem
    where = f"the macOS Keychain or {path}" if on_macos else str(path)
    raise NotLoggedIn(f"no Claude login found in {where}: {LOGIN_HINT}")


class TokenProvider:
    """A callable that re-reads the login on every call (Claude Code rotates the token).

    It remembers the login lifetime (``refreshTokenExpiresAt``) of the last read,
    so the agent can warn before the login ends without reading the credentials
    (and, on macOS, running ``security``) a second time per poll.
    """

    def __init__(
        self,
        *,
        environ: Mapping[str, str] | None = None,
        system: str | None = None,
        runner: CommandRunner | None = None,
        account: str | None = None,
    ) -> None:
        self._environ = environ
        self._system = system
        self._runner = runner
        self._account = account
        self.login_expires_at: datetime | None = None
        """The login lifetime of the last successful read (``None``: not stated, or none yet)."""

    def __call__(self) -> str:
        """The access token, read afresh (and the login lifetime noted)."""
        found = load(
            environ=self._environ, system=self._system, runner=self._runner, account=self._account
        )
        self.login_expires_at = found.login_expires_at
        return found.access_token


def token_provider(
    *,
    environ: Mapping[str, str] | None = None,
    system: str | None = None,
    runner: CommandRunner | None = None,
    account: str | None = None,
) -> TokenProvider:
    """A :class:`TokenProvider` for this machine's Claude Code login."""
    return TokenProvider(environ=environ, system=system, runner=runner, account=account)
