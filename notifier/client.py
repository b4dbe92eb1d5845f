"""The usage endpoint client: one GET, its headers, its deadline, and its failures named.

Edge. :class:`UsageClient` is given an ``httpx.AsyncClient`` (tests pass one
over ``httpx.MockTransport`` or point it at a loopback server) and a token
provider that re-reads the Claude Code login before every request. httpx
exceptions and HTTP statuses become the :class:`~notifier.core.errors.NotifierError`
tree here and nowhere else; ``httpx.Response`` never leaves this module.

    401            re-read the token once, retry once, then TokenExpired
    403            ScopeMissing (a ``claude setup-token`` token lacks user:profile)
    429            RateLimited(retry_after) from ``Retry-After`` (seconds or HTTP-date)
    other status   ServerFault(status)     (redirects are not followed)
    2xx non-object BadResponse             (HTML portal, garbage, an array, NaN)
    network        Unreachable             (DNS, refused, reset, timeout)

Time limits: httpx's connect/read timeouts bound each step, and one overall
deadline of ``connect_timeout_seconds + read_timeout_seconds`` (40 s by
default) bounds the whole :meth:`UsageClient.fetch`, retry included, so a
server that drips one byte at a time cannot hold a command past it.

The token provider runs in a daemon thread of its own (:func:`read_token`), not
in asyncio's default executor: on macOS it runs ``security``, which can wait up
to two minutes on a Keychain prompt, and ``asyncio.Runner.close()`` (and the
interpreter's exit) wait for executor threads, so a pending prompt would hold
SIGTERM's 5 s promise hostage. An abandoned read ends with the process (a
``security`` child left behind is in the login item's process group or
cgroup, which launchd and systemd clean up).

User-Agent: the ``user_agent`` setting when set; otherwise Claude Code's form,
``claude-code/<version>``, from the ``user_agent`` source the caller passes (a
:class:`~notifier.claude_version.ClaudeVersionReader`, which asks the installed
Claude Code), else with the built-in version. The endpoint answers other
User-Agents with 429s that never clear (``docs/endpoint.md``).
:attr:`UsageClient.last_user_agent` says which one the last request carried.

The token is sent in the ``Authorization`` header only. Messages are built
from fixed text, the URL and status codes; httpx masks ``authorization`` in
``Headers`` reprs and logs no request headers (a test checks both).
"""

from __future__ import annotations

import asyncio
import math
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from notifier.core.errors import (
    BadResponse,
    ConfigError,
    CredentialsError,
    RateLimited,
    ScopeMissing,
    ServerFault,
    TokenExpired,
    Unreachable,
)
from notifier.core.jsondoc import MAX_DOCUMENT_BYTES, NotAnObject, decode_object
from notifier.core.models import Config
from notifier.core.useragent import FALLBACK_VERSION, UserAgent, user_agent_for
from notifier.runner import in_daemon_thread

USAGE_PATH = "/api/oauth/usage"
ANTHROPIC_BETA = "oauth-2025-04-20"
# Claude Code's form: the endpoint refuses (429, for good) what does not look like it.
DEFAULT_USER_AGENT = user_agent_for(FALLBACK_VERSION)
# A usage payload is a few kilobytes; anything past this is not one. The cap is on
# the *decoded* body: a compressed answer is inflated in bounded steps and stopped here.
MAX_BODY_BYTES = MAX_DOCUMENT_BYTES
# How much one decompression step may produce: bounds memory whatever the ratio.
DECODE_STEP_BYTES = 64 * 1024
# What we can undo ourselves (zlib, stdlib); we ask for nothing else.
ACCEPT_ENCODING = "gzip, deflate"

TokenProvider = Callable[[], str]
# The default User-Agent when the setting is empty: ClaudeVersionReader.user_agent.
UserAgentSource = Callable[[], Awaitable[UserAgent]]


async def read_token(provider: TokenProvider) -> str:
    """``provider()`` in a daemon thread, awaited; cancelling abandons the thread.

    Why not :func:`asyncio.to_thread`: see the module docstring (shutdown must
    not wait for a Keychain prompt).
    """
    return await in_daemon_thread(provider, name="claude-token-read")


def usage_url(base_url: str) -> str:
    """``{base_url}/api/oauth/usage``, or ConfigError for a base URL httpx cannot use."""
    try:
        parsed = httpx.URL(base_url.strip())
    except (httpx.InvalidURL, TypeError):
        parsed = None
    if parsed is None or parsed.scheme not in {"http", "https"} or not parsed.host:
        raise ConfigError(f"base_url {base_url!r} is not an http(s) URL")
    return str(parsed).rstrip("/") + USAGE_PATH


def user_agent(config: Config) -> str:
    """The configured User-Agent, else Claude Code's form with the built-in version."""
    return config.user_agent or DEFAULT_USER_AGENT


async def choose_user_agent(config: Config, source: UserAgentSource | None) -> UserAgent:
    """The setting when set (it always wins), else ``source``'s answer, else the built-in."""
    if config.user_agent:
        return UserAgent.configured(config.user_agent)
    if source is None:
        return UserAgent.built_in()
    return await source()


def overall_deadline(config: Config) -> float:
    """Seconds one :meth:`UsageClient.fetch` may take in total, retry included."""
    return config.connect_timeout_seconds + config.read_timeout_seconds


def make_http_client(
    config: Config, *, transport: httpx.AsyncBaseTransport | None = None
) -> httpx.AsyncClient:
    """The ``httpx.AsyncClient`` production uses: our timeouts, no redirects."""
    timeout = httpx.Timeout(
        connect=config.connect_timeout_seconds,
        read=config.read_timeout_seconds,
        write=config.read_timeout_seconds,
        pool=config.connect_timeout_seconds,
    )
    return httpx.AsyncClient(timeout=timeout, follow_redirects=False, transport=transport)


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """``Retry-After`` as seconds from ``now``: delta-seconds or an HTTP-date.

    ``"0"`` is 0.0 (the caller still backs off on its own ladder); a date in the
    past is 0.0; a missing, negative or unparsable value is ``None``.
    """
    if value is None:
        return None
    text = value.strip()
    if text.isascii() and text.isdigit():
        return float(int(text))
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:  # RFC 9110 dates are GMT
        when = when.replace(tzinfo=UTC)
    seconds = (when - now).total_seconds()
    return max(0.0, seconds) if math.isfinite(seconds) else None


class BodyTooLarge(Exception):
    """The decoded body passed :data:`MAX_BODY_BYTES` (raised while decoding, not after)."""


class UnknownEncoding(Exception):
    """A ``Content-Encoding`` we did not ask for and cannot undo (``br``, ``zstd``, ...)."""


class _Inflater:
    """One ``gzip`` or ``deflate`` layer, inflated in steps of at most ``DECODE_STEP_BYTES``.

    zlib's ``max_length`` is what keeps a bomb small: a 1 MiB gzip member can
    expand to a gigabyte, and httpx's own decoders inflate each network chunk
    whole before any cap can look at it.
    """

    def __init__(self, kind: str) -> None:
        self._kind = kind
        self._engine: Any = None  # zlib.Decompress; chosen on the first bytes for deflate
        self._head = b""  # deflate: the first byte, until the second one says which kind

    def _start(self, head: bytes) -> Any:
        if self._kind == "gzip":
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        # "deflate" is zlib-wrapped by the RFC, raw deflate in the wild: look at the header.
        wrapped = len(head) >= 2 and head[0] & 0x0F == 8 and (head[0] << 8 | head[1]) % 31 == 0
        return zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)

    def feed(self, data: bytes) -> Iterator[bytes]:
        """The bytes ``data`` inflates to, lazily, in pieces of at most ``DECODE_STEP_BYTES``."""
        while data or self._engine is not None:
            if self._engine is None:
                if self._kind == "deflate" and len(self._head + data) < 2:
                    self._head += data
                    return
                data, self._head = self._head + data, b""
                self._engine = self._start(data)
            engine = self._engine
            out = engine.decompress(data, DECODE_STEP_BYTES)
            if out:
                yield out
            data = engine.unconsumed_tail
            if engine.eof:
                # gzip allows several members back to back; anything after a deflate end is junk.
                rest = engine.unused_data
                self._engine = None
                if rest and self._kind != "gzip":
                    raise zlib.error("data after the end of the deflate stream")
                data = rest
            elif not data and len(out) < DECODE_STEP_BYTES:
                return  # input used up and nothing pending: wait for the next chunk

    def finish(self) -> None:
        """Check that the input ended at the end of a stream (a truncated one is an error)."""
        if self._head or (self._engine is not None and not self._engine.eof):
            raise zlib.error("the compressed body ends too early")


class BoundedDecoder:
    """Undoes a ``Content-Encoding`` list (``gzip``, ``deflate``, stacked) with a size cap.

    Layers are undone in reverse order of the header (``gzip, deflate`` was
    gzipped first); each layer streams into the next in bounded pieces, and the
    running total of decoded bytes is checked after every piece, so memory stays
    near ``limit`` plus a few steps whatever the compression ratio.
    """

    def __init__(self, content_encoding: str, limit: int = MAX_BODY_BYTES) -> None:
        layers: list[_Inflater] = []
        for name in reversed([part.strip().lower() for part in content_encoding.split(",")]):
            if name in {"", "identity"}:
                continue
            if name in {"gzip", "x-gzip"}:
                layers.append(_Inflater("gzip"))
            elif name == "deflate":
                layers.append(_Inflater("deflate"))
            else:
                raise UnknownEncoding(name[:20])
        self._layers = layers
        self._limit = limit
        self._body = bytearray()

    def _push(self, data: bytes, depth: int, *, final: bool) -> None:
        if depth == len(self._layers):
            if not data:
                return
            self._body += data
            if len(self._body) > self._limit:
                raise BodyTooLarge
            return
        layer = self._layers[depth]
        for piece in layer.feed(data):
            self._push(piece, depth + 1, final=False)
        if final:
            layer.finish()
            self._push(b"", depth + 1, final=True)

    def feed(self, chunk: bytes) -> None:
        """Decode one network chunk; :class:`BodyTooLarge` as soon as the cap is passed."""
        self._push(chunk, 0, final=False)

    def finish(self) -> bytes:
        """The whole decoded body (raises ``zlib.error`` for a truncated stream)."""
        self._push(b"", 0, final=True)
        return bytes(self._body)


@dataclass(frozen=True)
class _Answer:
    """The parts of an HTTP response we use; keeps ``httpx.Response`` in this module."""

    status: int
    content_type: str
    retry_after: str | None
    body: bytes


class UsageClient:
    """Fetches the raw usage payload; every failure is a typed, token-free error."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        config: Config,
        token_provider: TokenProvider,
        *,
        user_agent: UserAgentSource | None = None,
    ) -> None:
        self._http = http
        self._config = config
        self._token_provider = token_provider
        self._user_agent_source = user_agent
        self._url = usage_url(config.base_url)
        self._deadline = overall_deadline(config)
        self.last_user_agent: UserAgent | None = None

    def __repr__(self) -> str:
        return f"UsageClient(url={self._url!r})"

    @property
    def url(self) -> str:
        """The usage endpoint this client calls."""
        return self._url

    async def fetch(self) -> dict[str, Any]:
        """GET the usage payload: the raw JSON object, or a NotifierError."""
        # Bounded (a hanging `claude --version` is given up after its timeout), and
        # usually a memory lookup: the version is read at most once a day.
        agent = await choose_user_agent(self._config, self._user_agent_source)
        self.last_user_agent = agent
        # The token is re-read for every request (Claude Code rotates it). On macOS that
        # runs `security`, which can wait on a Keychain prompt: off the event loop, so
        # the agent still answers SIGTERM meanwhile (and shutdown does not wait for it).
        token = await read_token(self._token_provider)
        # The deadline starts after the first token read: a Keychain prompt is the user's time.
        end = asyncio.get_running_loop().time() + self._deadline
        answer = await self._send_by(token, agent.value, end)
        if answer.status == 401:
            # Claude Code may have refreshed the token since we read it: one re-read, one retry.
            retry_token = await read_token(self._token_provider)
            answer = await self._send_by(retry_token, agent.value, end)
            if answer.status == 401:
                raise TokenExpired(
                    "the usage endpoint refused the Claude login (401): "
                    "run `claude` to log in again"
                )
        return self._interpret(answer)

    async def _send_by(self, token: str, agent: str, end: float) -> _Answer:
        if not token or not all("!" <= ch <= "~" for ch in token):
            # The provider's own check (credentials.parse) says this first; this one
            # guards any provider: such a token never reaches a header or a message.
            raise CredentialsError(
                "the Claude login holds a malformed access token (not printable ASCII "
                "without spaces): run `claude` and log in again"
            )
        try:
            async with asyncio.timeout_at(end):
                return await self._send(token, agent)
        except TimeoutError:
            raise Unreachable(
                f"no complete answer from {self._url} within {self._deadline:g} s"
            ) from None

    async def _send(self, token: str, agent: str) -> _Answer:
        headers = {
            "Authorization": f"Bearer {token}",
            "anthropic-beta": ANTHROPIC_BETA,
            "Accept": "application/json",
            "Accept-Encoding": ACCEPT_ENCODING,
            "User-Agent": agent,
        }
        try:
            async with self._http.stream("GET", self._url, headers=headers) as response:
                # Raw bytes, decoded here: httpx's decoders inflate a chunk whole (no cap).
                decoder = BoundedDecoder(response.headers.get("content-encoding", ""))
                async for chunk in _raw_chunks(response):
                    decoder.feed(chunk)
                return _Answer(
                    status=response.status_code,
                    content_type=response.headers.get("content-type", ""),
                    retry_after=response.headers.get("retry-after"),
                    body=decoder.finish(),
                )
        except BodyTooLarge:
            raise BadResponse(
                f"{self._url} sent more than {MAX_BODY_BYTES // 1024 // 1024} MiB "
                "(decoded): not a usage payload"
            ) from None
        except UnknownEncoding as exc:
            raise BadResponse(
                f"{self._url} sent a body in an encoding we did not ask for ({exc})"
            ) from None
        except zlib.error:
            raise BadResponse(f"{self._url} sent a body that cannot be decoded") from None
        except httpx.TimeoutException as exc:
            raise Unreachable(f"{self._url} timed out ({_timeout_kind(exc)})") from None
        except httpx.ConnectError as exc:
            raise Unreachable(f"cannot connect to {self._url}: {_reason(exc, token)}") from None
        except httpx.DecodingError:
            raise BadResponse(f"{self._url} sent a body that cannot be decoded") from None
        except httpx.TransportError as exc:
            # reset, closed without an answer, proxy failure, protocol error
            raise Unreachable(f"connection to {self._url} failed: {_reason(exc, token)}") from None
        except httpx.HTTPError as exc:
            raise Unreachable(f"request to {self._url} failed: {_reason(exc, token)}") from None

    def _interpret(self, answer: _Answer) -> dict[str, Any]:
        status = answer.status
        if 200 <= status < 300:
            if "html" in answer.content_type.lower():
                raise BadResponse(_html_message(self._url, status))
            try:
                return decode_object(answer.body)
            except NotAnObject as exc:
                if exc.reason.startswith("is an HTML"):
                    raise BadResponse(_html_message(self._url, status)) from None
                raise BadResponse(
                    f"{self._url} answered HTTP {status} with a body that {exc.reason}"
                ) from None
        if status == 403:
            raise ScopeMissing(
                "the usage endpoint refused the token for a missing scope (403): it needs "
                "`user:profile`, which `claude setup-token` tokens lack; "
                "log in with `claude` instead"
            )
        if status == 429:
            retry_after = parse_retry_after(answer.retry_after, datetime.now(UTC))
            hint = f", retry after {retry_after:g} s" if retry_after is not None else ""
            raise RateLimited(
                f"the usage endpoint is rate limiting us (429){hint}; "
                "if it never clears, the token may lack the `user:profile` scope",
                retry_after=retry_after,
                rate_limit_error=_is_rate_limit_error(answer.body),
            )
        if 500 <= status < 600:
            raise ServerFault(f"the usage endpoint failed (HTTP {status})", status=status)
        raise ServerFault(f"the usage endpoint answered HTTP {status} unexpectedly", status=status)


def _raw_chunks(response: httpx.Response) -> AsyncIterator[bytes]:
    """The body as sent (still encoded), chunk by chunk.

    A response built in memory (``httpx.Response(content=...)``, what a
    ``MockTransport`` returns) was read on construction; its stream is an
    in-memory ``ByteStream`` that can be iterated again for the raw bytes.
    """
    if response.is_stream_consumed and isinstance(response.stream, httpx.AsyncByteStream):
        return aiter(response.stream)
    return response.aiter_raw()


def _is_rate_limit_error(body: bytes) -> bool:
    """True for the endpoint's own 429 body: ``{"error": {"type": "rate_limit_error"}}``."""
    try:
        document = decode_object(body)
    except NotAnObject:
        return False
    error = document.get("error")
    return isinstance(error, dict) and error.get("type") == "rate_limit_error"


def _html_message(url: str, status: int) -> str:
    return (
        f"{url} answered HTTP {status} with an HTML page instead of JSON: "
        "a proxy, captive portal or bot check is in the way"
    )


def _timeout_kind(exc: httpx.TimeoutException) -> str:
    if isinstance(exc, httpx.ConnectTimeout):
        return "connecting"
    if isinstance(exc, httpx.ReadTimeout):
        return "waiting for the answer"
    if isinstance(exc, httpx.WriteTimeout):
        return "sending the request"
    return "waiting for a free connection"


def _reason(exc: Exception, token: str) -> str:
    # httpx messages hold no headers, but scrub anyway: the token must never surface.
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text.replace(token, "[token]") if token else text


async def fetch_usage(
    config: Config,
    *,
    token_provider: TokenProvider | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    user_agent: UserAgentSource | None = None,
) -> dict[str, Any]:
    """One-shot fetch: a fresh client, one :meth:`UsageClient.fetch`, closed."""
    payload, _ = await fetch_once(
        config, token_provider=token_provider, transport=transport, user_agent=user_agent
    )
    return payload


async def fetch_once(
    config: Config,
    *,
    token_provider: TokenProvider | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    user_agent: UserAgentSource | None = None,
) -> tuple[dict[str, Any], UserAgent]:
    """:func:`fetch_usage`, and the User-Agent the request carried (``status`` shows it)."""
    if token_provider is None:
        from notifier import credentials

        token_provider = credentials.token_provider()
    async with make_http_client(config, transport=transport) as http:
        client = UsageClient(http, config, token_provider, user_agent=user_agent)
        payload = await client.fetch()
        agent = client.last_user_agent
        return payload, agent if agent is not None else UserAgent.built_in()
