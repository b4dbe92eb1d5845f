"""The usage client's pure parts and transport translation, over ``httpx.MockTransport``."""

from __future__ import annotations

import gzip
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
from notifier.errors import BadResponse, ConfigError, NotLoggedIn, Unreachable
from notifier.models import Config

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


def test_default_user_agent_names_us() -> None:
    assert DEFAULT_USER_AGENT.startswith("claude-usage-notifier/0.1.0 (python-httpx/")


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
    config = Config(base_url="nonsense")
    async with make_http_client(config) as http:
        with pytest.raises(ConfigError):
            UsageClient(http, config, lambda: TOKEN)
