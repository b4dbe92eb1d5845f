"""The pure User-Agent rules: Claude Code's form, and when 429s are blamed on the setting."""

from __future__ import annotations

import pytest

from notifier.core.useragent import (
    PERSISTENT_429_POLLS,
    UserAgent,
    hint,
    is_claude_code_form,
    user_agent_for,
)

SET = UserAgent.configured("my-watcher/2.0")


@pytest.mark.parametrize(
    ("agent", "claude_code"),
    [
        ("claude-code/2.1.0", True),
        ("claude-code/2.1", True),
        ("claude-code/1.0.128 (external, cli)", True),  # a suffix does not change the form
        (" claude-code/2.1.0", True),
        ("claude-code/", False),
        ("claude-code/latest", False),
        ("my-watcher/2.0", False),
        ("claude-usage-notifier/0.1.0 (python-httpx/0.28.1)", False),
        ("Claude-Code/2.1.0", False),
        ("claude-cli/2.1.0", False),
    ],
)
def test_claude_code_form(agent: str, claude_code: bool) -> None:
    assert is_claude_code_form(agent) is claude_code
    assert UserAgent.configured(agent).claude_code_form is claude_code


def test_the_built_in_agent_is_claude_codes_form() -> None:
    assert UserAgent.built_in().value == user_agent_for("2.1.0") == "claude-code/2.1.0"
    assert UserAgent.built_in().claude_code_form


def test_the_hint_comes_once_the_endpoints_429_persists_for_a_set_agent() -> None:
    assert hint(SET, PERSISTENT_429_POLLS - 1, rate_limit_error=True) is None
    message = hint(SET, PERSISTENT_429_POLLS, rate_limit_error=True)
    assert message == (
        "the usage endpoint keeps refusing with 429 rate_limit_error while the User-Agent "
        "is set to 'my-watcher/2.0'; it serves only Claude Code's form "
        "(claude-code/<version>), so the User-Agent is the likely cause: remove the "
        "user_agent setting (or CLAUDE_USAGE_NOTIFIER_USER_AGENT) to send the default"
    )


@pytest.mark.parametrize(
    ("agent", "rate_limit_error"),
    [
        (SET, False),  # a proxy's 429 page says nothing about the User-Agent
        (UserAgent.configured("claude-code/2.0.5"), True),  # set, but in Claude Code's form
        (UserAgent.built_in(), True),  # the default: the token or the budget, not the agent
        (UserAgent("claude-code/2.1.77", "claude", "the version of Claude Code at /x"), True),
        (None, True),  # no request went out with a known agent
    ],
)
def test_no_hint_when_the_user_agent_is_not_to_blame(
    agent: UserAgent | None, rate_limit_error: bool
) -> None:
    assert hint(agent, 10, rate_limit_error=rate_limit_error) is None
