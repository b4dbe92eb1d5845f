"""The usage client across a real loopback socket, one test per fault in the issue."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest

from notifier.client import UsageClient, fetch_usage, make_http_client
from notifier.core.errors import (
    BadResponse,
    NotifierError,
    RateLimited,
    ScopeMissing,
    ServerFault,
    TokenExpired,
    Unreachable,
)
from notifier.core.models import Config
from tests.conftest import FIXTURES, load_payload
from tests.integration.httpserver import RecordedRequest, Reply, ScriptedServer, closed_port

TOKEN = "sk-ant-oat01-FAKE-LOOPBACK-TOKEN-abcdef0123456789"
TOKEN_2 = "sk-ant-oat01-FAKE-LOOPBACK-TOKEN-rotated-9876543210"
PAYLOAD = load_payload("oauth-usage-full-2026-07.json")
CLOUDFLARE = (FIXTURES / "errors" / "cloudflare-challenge.html").read_text()


class Tokens:
    """A token provider that hands out tokens in order and counts its calls."""

    def __init__(self, *tokens: str) -> None:
        self.tokens = list(tokens)
        self.calls = 0

    def __call__(self) -> str:
        token = self.tokens[min(self.calls, len(self.tokens) - 1)]
        self.calls += 1
        return token


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    with ScriptedServer() as running:
        yield running
    assert not running.errors


def config_for(server_or_url: ScriptedServer | str, **overrides: Any) -> Config:
    url = server_or_url if isinstance(server_or_url, str) else server_or_url.url
    return Config(base_url=url, **overrides)


async def fetch(config: Config, provider: Callable[[], str] | None = None) -> dict[str, Any]:
    return await fetch_usage(config, token_provider=provider or Tokens(TOKEN))


async def fetch_error(config: Config, provider: Callable[[], str] | None = None) -> NotifierError:
    with pytest.raises(NotifierError) as caught:
        await fetch(config, provider)
    return caught.value


def assert_no_token(error: BaseException) -> None:
    for text in (str(error), repr(error), *map(str, error.args)):
        assert "FAKE-LOOPBACK" not in text
    assert error.__cause__ is None  # httpx exceptions stop at the client


def assert_endpoint_headers(request: RecordedRequest, token: str = TOKEN) -> None:
    assert request.method == "GET"
    assert request.path == "/api/oauth/usage"
    assert request.header("authorization") == f"Bearer {token}"
    assert request.header("anthropic-beta") == "oauth-2025-04-20"
    assert request.header("accept") == "application/json"


async def test_ok_returns_the_raw_object_and_sends_the_endpoint_headers(
    server: ScriptedServer,
) -> None:
    server.script(Reply.json(PAYLOAD))
    assert await fetch(config_for(server)) == PAYLOAD
    (request,) = server.requests
    assert_endpoint_headers(request)
    # No User-Agent source given: Claude Code's form with the built-in version (the
    # endpoint refuses other forms for good; test_user_agent_http.py covers the probe).
    assert request.header("user-agent") == "claude-code/2.1.0"


async def test_user_agent_is_a_setting(server: ScriptedServer) -> None:
    server.script(Reply.json(PAYLOAD))
    await fetch(config_for(server, user_agent="my-watcher/2.0"))
    assert server.requests[0].header("user-agent") == "my-watcher/2.0"


async def test_base_url_with_trailing_slash_and_prefix(server: ScriptedServer) -> None:
    server.script(Reply.json(PAYLOAD))
    await fetch(config_for(server.url + "/proxy/"))
    assert server.requests[0].path == "/proxy/api/oauth/usage"


async def test_token_is_read_again_before_every_request(server: ScriptedServer) -> None:
    server.script(Reply.json(PAYLOAD), Reply.json(PAYLOAD))
    provider = Tokens(TOKEN, TOKEN_2)
    config = config_for(server)
    async with make_http_client(config) as http:
        client = UsageClient(http, config, provider)
        await client.fetch()
        await client.fetch()
    assert [r.header("authorization") for r in server.requests] == [
        f"Bearer {TOKEN}",
        f"Bearer {TOKEN_2}",
    ]


async def test_401_rereads_the_token_and_retries_once(server: ScriptedServer) -> None:
    server.script(Reply.status_only(401), Reply.json(PAYLOAD))
    provider = Tokens(TOKEN, TOKEN_2)
    assert await fetch(config_for(server), provider) == PAYLOAD
    assert provider.calls == 2
    assert_endpoint_headers(server.requests[0], TOKEN)
    assert_endpoint_headers(server.requests[1], TOKEN_2)


async def test_401_twice_is_token_expired_telling_to_run_claude(server: ScriptedServer) -> None:
    server.script(Reply.status_only(401), Reply.status_only(401), Reply.json(PAYLOAD))
    error = await fetch_error(config_for(server))
    assert isinstance(error, TokenExpired)
    assert str(error) == (
        "the usage endpoint refused the Claude login (401): run `claude` to log in again"
    )
    assert len(server.requests) == 2  # one retry, not more
    assert server.remaining == 1


async def test_403_is_scope_missing_and_explains_setup_token(server: ScriptedServer) -> None:
    server.script(Reply.raw((FIXTURES / "errors" / "403-scope.json").read_bytes(), 403))
    error = await fetch_error(config_for(server))
    assert isinstance(error, ScopeMissing)
    assert "user:profile" in str(error)
    assert "claude setup-token" in str(error)
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("0", 0.0),
        ("120", 120.0),
        (" 7 ", 7.0),
        ("soon", None),
        ("-5", None),
        ("1.5", None),
        (None, None),
    ],
)
async def test_429_is_rate_limited_with_retry_after(
    server: ScriptedServer, header: str | None, expected: float | None
) -> None:
    headers = {"Retry-After": header} if header is not None else None
    body = (FIXTURES / "errors" / "429-rate-limited.json").read_bytes()
    server.script(Reply.raw(body, 429, headers=headers))
    error = await fetch_error(config_for(server))
    assert isinstance(error, RateLimited)
    assert error.retry_after == expected
    assert error.rate_limit_error  # the endpoint's own body: the agent may blame the User-Agent
    assert len(server.requests) == 1  # a 429 is never retried here: the agent backs off


async def test_429_retry_after_http_date(server: ScriptedServer) -> None:
    when = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
    server.script(Reply.status_only(429, {"Retry-After": format_datetime(when, usegmt=True)}))
    error = await fetch_error(config_for(server))
    assert isinstance(error, RateLimited)
    assert error.retry_after is not None
    assert 3590 <= error.retry_after <= 3600
    assert not error.rate_limit_error  # no body: not known to be the endpoint's own answer


@pytest.mark.parametrize(
    "body",
    [
        "<html><body>Too Many Requests</body></html>",
        '{"type": "error", "error": {"type": "overloaded_error"}}',
        '{"error": "rate_limit_error"}',
    ],
)
async def test_429_with_another_body_is_not_the_endpoints_rate_limit_error(
    server: ScriptedServer, body: str
) -> None:
    server.script(Reply.raw(body, 429))
    error = await fetch_error(config_for(server))
    assert isinstance(error, RateLimited)
    assert not error.rate_limit_error


@pytest.mark.parametrize("status", [500, 502, 503, 404, 418])
async def test_other_statuses_are_server_faults(server: ScriptedServer, status: int) -> None:
    server.script(Reply.status_only(status))
    error = await fetch_error(config_for(server))
    assert isinstance(error, ServerFault)
    assert error.status == status
    assert f"HTTP {status}" in str(error)


async def test_redirect_is_not_followed(server: ScriptedServer) -> None:
    server.script(Reply.raw(b"", 302, None, {"Location": "/login"}), Reply.json(PAYLOAD))
    error = await fetch_error(config_for(server))
    assert isinstance(error, ServerFault)
    assert error.status == 302
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (Reply.html(CLOUDFLARE), "with an HTML page instead of JSON"),
        (Reply.raw(CLOUDFLARE, content_type="application/json"), "HTML page instead of JSON"),
        (Reply.raw("Service OK", content_type="text/plain"), "is not valid JSON"),
        (Reply.raw(b""), "a body that is empty"),
        (Reply.raw(b"[1, 2]"), "is a JSON array, not an object"),
        (Reply.raw(b'{"five_hour": {"utilization": NaN}}'), "holds NaN"),
        (Reply.raw(b'{"five_hour": '), "is not valid JSON"),
        (Reply.raw(b"\x89PNG\r\n\x1a\n\xff\xfe"), "is not UTF-8"),
    ],
)
async def test_200_that_is_not_a_json_object_is_bad_response(
    server: ScriptedServer, reply: Reply, expected: str
) -> None:
    server.script(reply)
    error = await fetch_error(config_for(server))
    assert isinstance(error, BadResponse)
    assert expected in str(error)
    assert "\n" not in str(error)


async def test_oversized_body_is_bad_response(server: ScriptedServer) -> None:
    server.script(Reply.raw(b'{"x": "' + b"a" * (5 * 1024 * 1024) + b'"}'))
    error = await fetch_error(config_for(server))
    assert isinstance(error, BadResponse)
    assert "more than 4 MiB" in str(error)


async def test_connection_reset_is_unreachable(server: ScriptedServer) -> None:
    server.script(Reply.reset())
    error = await fetch_error(config_for(server))
    assert isinstance(error, Unreachable)
    assert str(error).startswith(f"connection to {server.url}/api/oauth/usage failed: ")


async def test_closed_without_answer_is_unreachable(server: ScriptedServer) -> None:
    server.script(Reply.close())
    error = await fetch_error(config_for(server))
    assert isinstance(error, Unreachable)


async def test_refused_is_unreachable() -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    error = await fetch_error(config_for(url))
    assert isinstance(error, Unreachable)
    assert str(error).startswith(f"cannot connect to {url}/api/oauth/usage: ")


async def test_hung_server_ends_at_the_read_timeout(server: ScriptedServer) -> None:
    server.script(Reply.hang(30))
    started = time.monotonic()
    error = await fetch_error(config_for(server, read_timeout_seconds=0.5))
    elapsed = time.monotonic() - started
    assert isinstance(error, Unreachable)
    assert str(error) == f"{server.url}/api/oauth/usage timed out (waiting for the answer)"
    assert elapsed < 5
    assert len(server.requests) == 1


async def test_dripping_server_ends_at_the_overall_deadline(server: ScriptedServer) -> None:
    # Each byte arrives well within the read timeout; only the overall deadline stops it.
    server.script(Reply.drip(b'{"five_hour": null}' * 10, interval=0.1))
    started = time.monotonic()
    config = config_for(server, connect_timeout_seconds=0.5, read_timeout_seconds=0.7)
    error = await fetch_error(config)
    elapsed = time.monotonic() - started
    assert isinstance(error, Unreachable)
    assert str(error) == f"no complete answer from {server.url}/api/oauth/usage within 1.2 s"
    assert 1.0 <= elapsed < 5


def test_default_limits_end_a_hung_command_within_45_seconds() -> None:
    # The product promise, checked on the numbers rather than by waiting 40 s.
    from notifier.client import overall_deadline

    assert overall_deadline(Config()) <= 45


FAULTS = [
    Reply.status_only(401),
    Reply.status_only(403),
    Reply.status_only(429, {"Retry-After": "0"}),
    Reply.status_only(500),
    Reply.html(CLOUDFLARE),
    Reply.raw(b"[]"),
    Reply.reset(),
    Reply.close(),
]


@pytest.mark.parametrize("reply", FAULTS, ids=lambda r: f"{r.action}-{r.status}")
async def test_the_token_appears_in_no_error(server: ScriptedServer, reply: Reply) -> None:
    server.script(reply, reply)
    error = await fetch_error(config_for(server))
    assert_no_token(error)
    assert server.requests[0].header("authorization") == f"Bearer {TOKEN}"  # it was sent


async def test_the_token_appears_in_no_log_or_repr(
    server: ScriptedServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server.script(Reply.status_only(401), Reply.json(PAYLOAD))
    config = config_for(server)
    async with make_http_client(config) as http:
        client = UsageClient(http, config, Tokens(TOKEN))
        assert await client.fetch() == PAYLOAD
        assert "FAKE-LOOPBACK" not in repr(client)
    assert "HTTP Request: GET" in caplog.text  # httpx did log, at DEBUG and INFO
    assert "FAKE-LOOPBACK" not in caplog.text
