"""The error tree keeps what each failure carries (mutation-testing strength, issue 18)."""

from __future__ import annotations

import pickle

from notifier.core.errors import (
    ExitCode,
    NotifierError,
    RateLimited,
    ServerError,
    ServerFault,
)


def test_the_message_is_the_exception_argument_too() -> None:
    # Standard exception machinery (args, repr, pickling across processes) sees the message.
    err = NotifierError("the state file is not JSON")
    assert err.args == ("the state file is not JSON",)
    assert str(pickle.loads(pickle.dumps(err))) == "the state file is not JSON"  # noqa: S301


def test_rate_limited_carries_the_retry_delay_and_the_endpoint_kind() -> None:
    err = RateLimited("rate limited (429)", 30.0, rate_limit_error=True)
    assert (str(err), err.args) == ("rate limited (429)", ("rate limited (429)",))
    assert err.retry_after == 30.0
    assert err.rate_limit_error is True
    assert isinstance(err, ServerError)
    assert err.exit_code is ExitCode.ENDPOINT


def test_rate_limited_defaults_say_nothing_was_told() -> None:
    # No Retry-After header, and not the endpoint's own rate_limit_error body (a proxy, say).
    err = RateLimited("rate limited (429)")
    assert err.retry_after is None
    assert err.rate_limit_error is False


def test_server_fault_carries_the_status() -> None:
    err = ServerFault("the server failed (503)", 503)
    assert err.args == ("the server failed (503)",)
    assert err.status == 503
    assert ServerFault("no status").status is None
    assert err.exit_code is ExitCode.ENDPOINT
