"""Where a User-Agent came from is part of what it is (mutation-testing strength, issue 18)."""

from __future__ import annotations

from notifier.core.useragent import UserAgent, hint


def test_a_configured_agent_says_it_is_the_setting() -> None:
    agent = UserAgent.configured("my-watcher/2.0")
    assert agent.origin == "setting"
    # The user reads this to learn which knob to turn.
    assert agent.describe() == "my-watcher/2.0 (the user_agent setting)"


def test_the_built_in_agent_says_it_is_a_fallback() -> None:
    agent = UserAgent.built_in()
    assert agent.origin == "fallback"
    assert agent.describe() == "claude-code/2.1.0 (a built-in Claude Code version)"


def test_only_the_setting_origin_is_blamed() -> None:
    # The same foreign value from elsewhere than the setting is never the user's doing.
    foreign = "my-watcher/2.0"
    assert hint(UserAgent.configured(foreign), 3, rate_limit_error=True) is not None
    assert hint(UserAgent(foreign, "fallback", "x"), 3, rate_limit_error=True) is None
    assert hint(UserAgent(foreign, "claude", "x"), 3, rate_limit_error=True) is None
