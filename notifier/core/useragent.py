"""Which User-Agent a request carries, and when to blame it for 429s. Pure.

The usage endpoint serves only Claude Code's form, ``claude-code/<version>``:
other User-Agents land in a rate-limit bucket that answers 429 at once and for
good (``docs/endpoint.md``, "Learned in 2026"). So the default is that form
(:mod:`notifier.claude_version` finds the version), the ``user_agent`` setting
may replace it, and when the replacement earns 429s that do not clear,
:func:`hint` says the User-Agent is the likely cause.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

# A recent Claude Code release: sent when the installed one cannot be asked.
FALLBACK_VERSION = "2.1.0"
USER_AGENT_PREFIX = "claude-code/"
# Rate-limited polls in a row, each with the endpoint's own body, before the hint.
PERSISTENT_429_POLLS = 3

_CLAUDE_CODE_FORM = re.compile(r"claude-code/\d")

Origin = Literal["setting", "claude", "fallback"]


def user_agent_for(version: str) -> str:
    """Claude Code's User-Agent form for ``version``."""
    return f"{USER_AGENT_PREFIX}{version}"


def is_claude_code_form(user_agent: str) -> bool:
    """True for a User-Agent in Claude Code's form: ``claude-code/<version>``, then anything."""
    return _CLAUDE_CODE_FORM.match(user_agent.strip()) is not None


@dataclass(frozen=True)
class UserAgent:
    """The User-Agent a request carries, and why that one (the log and ``status`` say it)."""

    value: str
    origin: Origin
    detail: str

    @classmethod
    def configured(cls, value: str) -> UserAgent:
        """The ``user_agent`` setting (config file or environment): it always wins."""
        return cls(value, "setting", "the user_agent setting")

    @classmethod
    def built_in(cls) -> UserAgent:
        """Claude Code's form with :data:`FALLBACK_VERSION`, nothing asked."""
        return cls(user_agent_for(FALLBACK_VERSION), "fallback", "a built-in Claude Code version")

    @property
    def claude_code_form(self) -> bool:
        """True when it looks like Claude Code's, the only form the endpoint serves."""
        return is_claude_code_form(self.value)

    def describe(self) -> str:
        """``claude-code/2.1.3 (the version of Claude Code at /usr/bin/claude)``."""
        return f"{self.value} ({self.detail})"


def hint(agent: UserAgent | None, rate_limited_polls: int, rate_limit_error: bool) -> str | None:
    """Why 429s may never clear, when the User-Agent is the likely cause; else None.

    The likely cause is a User-Agent the user set away from Claude Code's form,
    once the endpoint's own ``rate_limit_error`` has come back
    :data:`PERSISTENT_429_POLLS` polls in a row. A 429 from a proxy, a default
    User-Agent or a setting in Claude Code's form is no reason to blame it.
    """
    if agent is None or agent.origin != "setting" or agent.claude_code_form:
        return None
    if not rate_limit_error or rate_limited_polls < PERSISTENT_429_POLLS:
        return None
    return (
        f"the usage endpoint keeps refusing with 429 rate_limit_error while the User-Agent "
        f"is set to {agent.value!r}; it serves only Claude Code's form "
        f"(claude-code/<version>), so the User-Agent is the likely cause: remove the "
        f"user_agent setting (or CLAUDE_USAGE_NOTIFIER_USER_AGENT) to send the default"
    )
