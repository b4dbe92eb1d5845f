"""The usage client's pure parts and transport translation, over ``httpx.MockTransport``."""

from __future__ import annotations

import asyncio
import gzip
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import httpx
import pytest

from notifier.client import (
    DEFAULT_USER_AGENT,
    UsageClient,
    make_http_client,
    parse_retry_after,
    usage_url,
)
from notifier.core.errors import BadResponse, ConfigError, NotLoggedIn, Unreachable
from notifier.core.models import Config

TOKEN = "sk-ant-oat01-FAKE-MOCK-TOKEN"
NOW = datetime(2015, 10, 21, 7, 27, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("0", 0.0),
        ("120", 120.0),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 60.0),  # one minute after NOW
        ("Wed, 21 Oct 2015 07:00:00 GMT", 0.0),  # already past
        ("garbage", None),
        ("", None),
        ("-1", None),
        ("1e3", None),
        ("\u0661\u0662", None),  # Arabic-Indic digits are not delta-seconds
        (None, None),
    ],
)
def test_parse_retry_after(value: str | None, seconds: float | None) -> None:
    assert parse_retry_after(value, NOW) == seconds


def test_usage_url() -> None:
    assert usage_url("https://api.anthropic.com") == "https://api.anthropic.com/api/oauth/usage"
    assert usage_url("http://127.0.0.1:9/") == "http://127.0.0.1:9/api/oauth/usage"


@pytest.mark.parametrize("base", ["not a url", "ftp://example.com", "", "http://"])
def test_bad_base_url_is_a_config_error(base: str) -> None:
    with pytest.raises(ConfigError, match="base_url"):
        usage_url(base)


def test_default_user_agent_is_claude_codes_form() -> None:
    # The endpoint serves only `claude-code/<version>`; 2.1 is the form measured to get 200.
    assert DEFAULT_USER_AGENT == "claude-code/2.1.0"


@asynccontextmanager
async def client_over(transport: httpx.MockTransport) -> AsyncIterator[UsageClient]:
    config = Config(base_url="https://usage.test")
    async with make_http_client(config, transport=transport) as http:
        yield UsageClient(http, config, lambda: TOKEN)


async def test_mock_transport_sees_the_endpoint_headers() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"five_hour": None})

    async with client_over(httpx.MockTransport(handler)) as client:
        assert await client.fetch() == {"five_hour": None}
        (request,) = seen
        assert str(request.url) == "https://usage.test/api/oauth/usage"
        assert request.headers["authorization"] == f"Bearer {TOKEN}"
        assert request.headers["anthropic-beta"] == "oauth-2025-04-20"
        assert request.headers["accept"] == "application/json"
        assert request.headers["user-agent"] == DEFAULT_USER_AGENT
        assert TOKEN not in repr(request.headers)  # httpx masks authorization in reprs


async def test_dns_failure_is_unreachable_and_token_free() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        msg = f"[Errno -2] Name or service not known ({TOKEN})"
        raise httpx.ConnectError(msg, request=request)

    async with client_over(httpx.MockTransport(handler)) as client:
        with pytest.raises(Unreachable) as caught:
            await client.fetch()
        assert str(caught.value) == (
            "cannot connect to https://usage.test/api/oauth/usage: "
            "[Errno -2] Name or service not known ([token])"
        )


async def test_broken_gzip_is_bad_response() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        del request
        return httpx.Response(200, headers={"Content-Encoding": "gzip"}, content=b"not gzip")

    async with client_over(httpx.MockTransport(handler)) as client:
        with pytest.raises(BadResponse, match="cannot be decoded"):
            await client.fetch()


async def test_gzip_body_is_decoded() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        del request
        body = gzip.compress(b'{"seven_day": {"utilization": 3}}')
        return httpx.Response(200, headers={"Content-Encoding": "gzip"}, content=body)

    async with client_over(httpx.MockTransport(handler)) as client:
        assert await client.fetch() == {"seven_day": {"utilization": 3}}


async def test_login_problem_stops_before_any_request() -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(200, json={})

    def no_login() -> str:
        raise NotLoggedIn("no Claude login found: run `claude` and log in")

    config = Config(base_url="https://usage.test")
    client = UsageClient(
        make_http_client(config, transport=httpx.MockTransport(handler)), config, no_login
    )
    with pytest.raises(NotLoggedIn):
        await client.fetch()
    assert calls == []


async def test_client_refuses_a_bad_base_url_at_construction() -> None:
    # Config refuses it first; a config built without validation still cannot reach httpx.
    config = Config.model_construct(base_url="nonsense")
    async with make_http_client(config) as http:
        with pytest.raises(ConfigError):
            UsageClient(http, config, lambda: TOKEN)


# --------------------------------------------------------------------------- the token read


def test_a_token_read_stuck_on_a_keychain_prompt_does_not_hold_up_shutdown() -> None:
    # `security` waiting on a Keychain prompt, as a provider that blocks for 30 s.
    # Cancelling the fetch (SIGTERM) and closing the event loop (what the agent's
    # asyncio.Runner does on the way out) must not wait for it: within 5 s.
    release = threading.Event()
    entered = threading.Event()

    def stuck_on_a_prompt() -> str:
        entered.set()
        release.wait(30)
        return TOKEN

    def handler(request: httpx.Request) -> httpx.Response:
        del request
        return httpx.Response(200, json={})

    async def fetch_then_stop() -> None:
        config = Config(base_url="https://usage.test")
        async with make_http_client(config, transport=httpx.MockTransport(handler)) as http:
            task = asyncio.create_task(UsageClient(http, config, stuck_on_a_prompt).fetch())
            assert await asyncio.to_thread(entered.wait, 5)  # the loop runs meanwhile
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

    started = time.monotonic()
    try:
        with asyncio.Runner() as runner:
            runner.run(fetch_then_stop())
        took = time.monotonic() - started
    finally:
        release.set()  # let the abandoned read end
    assert took < 5, f"closing the loop waited {took:.1f} s for the token read"


async def test_the_token_is_read_off_the_event_loop_and_errors_come_through() -> None:
    loop_thread = threading.get_ident()
    readers: list[int] = []

    def provider() -> str:
        readers.append(threading.get_ident())
        raise NotLoggedIn("no Claude login found: run `claude` and log in")

    def never_reached(request: httpx.Request) -> httpx.Response:
        raise AssertionError(request)

    config = Config(base_url="https://usage.test")
    async with make_http_client(config, transport=httpx.MockTransport(never_reached)) as http:
        with pytest.raises(NotLoggedIn, match="no Claude login found"):
            await UsageClient(http, config, provider).fetch()
    assert readers
    assert readers[0] != loop_thread
