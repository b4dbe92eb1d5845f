"""Reading the Claude Code login: temp CLAUDE_CONFIG_DIR files, the Keychain via the fake runner."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest

from notifier.core.errors import (
    CredentialsError,
    KeychainLocked,
    NotLoggedIn,
    ScopeMissing,
    TokenExpired,
)
from notifier.credentials import (
    SERVICE,
    Credentials,
    credentials_file,
    keychain_services,
    load,
    token_provider,
)
from notifier.runner import CommandResult, RecordingRunner
from tests.conftest import FIXTURES
from tests.macos_fakes import (
    KEYCHAIN_AUTH_FAILED,
    KEYCHAIN_CANCELED,
    KEYCHAIN_LOCKED,
    KEYCHAIN_NOT_FOUND,
    FakeKeychain,
    KeychainItem,
)

CONFIG_FIXTURES = FIXTURES / "claude-config"
NOW = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
FAKE = "sk-ant-oat01-FAKE-UNIT-TOKEN-0123456789abcdef"
# 2030-01-01T00:00:00Z in epoch milliseconds
FUTURE_MS = 1_893_456_000_000


def login(token: str = FAKE, expires_at: object = FUTURE_MS, **extra: object) -> dict[str, object]:
    return {
        "claudeAiOauth": {
            "accessToken": token,
            "refreshToken": "sk-ant-ort01-FAKE-REFRESH",
            "expiresAt": expires_at,
            "scopes": ["user:inference", "user:profile"],
            "subscriptionType": "max",
            **extra,
        }
    }


@pytest.fixture
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "claude-config"
    folder.mkdir()
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(folder))
    return folder


def write_login(folder: Path, data: object) -> Path:
    path = folder / ".credentials.json"
    path.write_text(json.dumps(data))
    return path


def linux() -> Credentials:
    return load(system="Linux", now=NOW)


# ----------------------------------------------------------------------------- file


def test_valid_file_gives_the_token_and_its_facts(config_dir: Path) -> None:
    path = write_login(config_dir, login())
    creds = linux()
    assert creds.access_token == FAKE
    assert creds.expires_at == datetime(2030, 1, 1, tzinfo=UTC)
    assert creds.scopes == ("user:inference", "user:profile")
    assert creds.subscription_type == "max"
    assert creds.source == str(path)


@pytest.mark.parametrize(
    ("stated", "expected"),
    [
        (1_765_357_200_000, datetime(2025, 12, 10, 9, 0, tzinfo=UTC)),  # epoch ms
        (1_765_357_200_000.0, datetime(2025, 12, 10, 9, 0, tzinfo=UTC)),
        ("1765357200000", None),  # not a number: not stated
        (True, None),
        (1e300, None),  # no date
    ],
)
def test_the_login_lifetime_is_refresh_token_expires_at(
    config_dir: Path, stated: object, expected: datetime | None
) -> None:
    # The login itself (not the 8-hour token) ends here; an expired lifetime does
    # not stop the token being used: the endpoint decides.
    write_login(config_dir, login(refreshTokenExpiresAt=stated))
    assert linux().login_expires_at == expected


def test_without_refresh_token_expires_at_the_lifetime_is_unknown(config_dir: Path) -> None:
    write_login(config_dir, login())
    assert linux().login_expires_at is None


def test_the_token_provider_remembers_the_lifetime_of_its_last_read(config_dir: Path) -> None:
    path = write_login(config_dir, login(refreshTokenExpiresAt=1_893_456_000_000))
    provider = token_provider(system="Linux")
    assert provider.login_expires_at is None  # nothing read yet
    assert provider() == FAKE
    assert provider.login_expires_at == datetime(2030, 1, 1, tzinfo=UTC)
    path.write_text(json.dumps(login()))  # a new /login without the field
    provider()
    assert provider.login_expires_at is None


def test_setup_token_without_user_profile_is_scope_missing(config_dir: Path) -> None:
    # A `claude setup-token` token: the endpoint would answer with a misleading 429.
    write_login(config_dir, login(scopes=["user:inference"]))
    with pytest.raises(ScopeMissing) as caught:
        linux()
    assert "lacks the `user:profile` scope" in str(caught.value)
    assert "log in with `claude`" in str(caught.value)
    assert FAKE not in str(caught.value)


@pytest.mark.parametrize("scopes", [None, []])
def test_unstated_scopes_are_not_second_guessed(config_dir: Path, scopes: object) -> None:
    data = login()
    oauth = data["claudeAiOauth"]
    assert isinstance(oauth, dict)
    if scopes is None:
        del oauth["scopes"]
    else:
        oauth["scopes"] = scopes
    write_login(config_dir, data)
    assert linux().access_token == FAKE


def test_shared_fixture_login_reads(config_dir: Path) -> None:
    shutil.copy(CONFIG_FIXTURES / ".credentials.json", config_dir / ".credentials.json")
    assert linux().access_token.startswith("sk-ant-oat01-FAKE-TEST-TOKEN-")


def test_default_location_is_home_dot_claude() -> None:
    home = Path(os.environ["HOME"])
    (home / ".claude").mkdir()
    write_login(home / ".claude", login())
    assert credentials_file() == home / ".claude" / ".credentials.json"
    assert linux().access_token == FAKE


def test_token_never_in_repr_or_str(config_dir: Path) -> None:
    write_login(config_dir, login())
    creds = linux()
    assert "FAKE" not in repr(creds)
    assert "FAKE" not in str(creds)


def test_missing_file_is_not_logged_in(config_dir: Path) -> None:
    with pytest.raises(NotLoggedIn) as caught:
        linux()
    path = config_dir / ".credentials.json"
    assert str(caught.value) == f"no Claude login found in {path}: run `claude` and log in"


def test_mcp_only_file_is_not_logged_in(config_dir: Path) -> None:
    shutil.copy(CONFIG_FIXTURES / "credentials-mcp-only.json", config_dir / ".credentials.json")
    with pytest.raises(NotLoggedIn) as caught:
        linux()
    assert "only MCP server logins" in str(caught.value)
    assert str(caught.value).endswith("run `claude` and log in")


def test_expired_fixture_is_token_expired(config_dir: Path) -> None:
    # expiresAt 1700000000000 ms = 2023-11-14T22:13:20Z, long before NOW
    shutil.copy(CONFIG_FIXTURES / "credentials-expired.json", config_dir / ".credentials.json")
    with pytest.raises(TokenExpired) as caught:
        linux()
    message = str(caught.value)
    assert "expired at 2023-11-1" in message  # the 14th or 15th, depending on the local zone
    assert "run `claude`" in message
    assert "FAKE" not in message


def test_expiry_is_checked_against_the_given_now(config_dir: Path) -> None:
    write_login(config_dir, login(expires_at=int(NOW.timestamp() * 1000)))
    with pytest.raises(TokenExpired):
        load(system="Linux", now=NOW)
    assert load(system="Linux", now=datetime(2026, 7, 1, 11, 59, tzinfo=UTC)).access_token == FAKE


def test_missing_expiry_is_not_an_error(config_dir: Path) -> None:
    write_login(config_dir, login(expires_at=None))
    assert linux().expires_at is None


def test_not_json_names_the_file_not_its_contents(config_dir: Path) -> None:
    path = config_dir / ".credentials.json"
    path.write_text('{"claudeAiOauth": {"accessToken": "sk-FAKE-SECRET-IN-BROKEN-FILE", ')
    with pytest.raises(CredentialsError) as caught:
        linux()
    assert type(caught.value) is CredentialsError
    assert (
        str(caught.value)
        == f"{path} is not valid JSON; run `claude` and log in again to rewrite it"
    )


def test_unreadable_file_names_the_file(config_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A permission problem, simulated: chmod 0 does not stop root (CI runs as root).
    path = write_login(config_dir, login())

    def refuse(self: Path, limit: int) -> bytes:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr("notifier.store.read_capped", refuse)
    with pytest.raises(CredentialsError) as caught:
        linux()
    assert str(caught.value) == f"cannot read {path}: Permission denied"


def test_folder_in_place_of_the_file_names_it(config_dir: Path) -> None:
    path = config_dir / ".credentials.json"
    path.mkdir()
    with pytest.raises(CredentialsError) as caught:
        linux()
    assert str(caught.value) == f"{path} is a folder, not a credentials file"


def test_file_without_access_token_is_not_logged_in(config_dir: Path) -> None:
    write_login(config_dir, login(token=""))
    with pytest.raises(NotLoggedIn):
        linux()


def test_token_provider_rereads_every_call(config_dir: Path) -> None:
    write_login(config_dir, login("sk-FAKE-first"))
    provide = token_provider(system="Linux")
    assert provide() == "sk-FAKE-first"
    write_login(config_dir, login("sk-FAKE-rotated"))
    assert provide() == "sk-FAKE-rotated"


def test_linux_never_runs_security(config_dir: Path) -> None:
    write_login(config_dir, login())
    runner = RecordingRunner()
    load(system="Linux", runner=runner, now=NOW)
    assert runner.calls == []


# ----------------------------------------------------------------------------- Keychain


def keychain(items: dict[str, CommandResult]) -> RecordingRunner:
    """A fake `security`: answers per service name (any account), 44 (not found) otherwise."""

    def respond(argv: Sequence[str]) -> CommandResult:
        service = argv[argv.index("-s") + 1]
        return items.get(service, KEYCHAIN_NOT_FOUND)

    return RecordingRunner(respond=respond)


ACCOUNT = "ada"


def mac(runner: RecordingRunner, account: str | None = ACCOUNT) -> Credentials:
    return load(system="Darwin", runner=runner, now=NOW, account=account)


def lookup(service: str, account: str | None = None) -> list[str]:
    with_account = ["-a", account] if account else []
    return ["/usr/bin/security", "find-generic-password", "-s", service, *with_account, "-w"]


def test_keychain_plain_json() -> None:
    runner = keychain({SERVICE: CommandResult(0, json.dumps(login()).encode() + b"\n")})
    creds = mac(runner)
    assert creds.access_token == FAKE
    assert creds.source == "the Keychain item 'Claude Code-credentials'"
    # Claude Code's own item (-a <login name>) is live: asked once
    assert runner.calls == [lookup(SERVICE, ACCOUNT)]


def test_keychain_account_defaults_to_the_login_name() -> None:
    import pwd

    runner = keychain({SERVICE: CommandResult(0, json.dumps(login()).encode())})
    load(system="Darwin", runner=runner, now=NOW)
    assert runner.calls == [lookup(SERVICE, pwd.getpwuid(os.getuid()).pw_name)]


def test_keychain_hex_output_is_decoded() -> None:
    text = json.dumps(login(), indent=2).encode()  # has newlines, so security prints hex
    hex_output = text.hex().encode() + b"\n"
    assert hex_output.startswith(b"7b0a")
    creds = mac(keychain({SERVICE: CommandResult(0, hex_output)}))
    assert creds.access_token == FAKE


def test_keychain_missing_item_falls_back_to_the_file(config_dir: Path) -> None:
    write_login(config_dir, login("sk-FAKE-from-file"))
    runner = keychain({})
    assert mac(runner).access_token == "sk-FAKE-from-file"
    assert len(runner.calls) == 4  # suffixed, then plain name; each with -a, then without


def test_keychain_missing_and_no_file_is_not_logged_in() -> None:
    with pytest.raises(NotLoggedIn) as caught:
        mac(keychain({}))
    path = Path(os.environ["HOME"]) / ".claude" / ".credentials.json"
    assert str(caught.value) == (
        f"no Claude login found in the macOS Keychain or {path}: run `claude` and log in"
    )


def test_keychain_suffix_for_claude_config_dir(config_dir: Path) -> None:
    digest = hashlib.sha256(str(config_dir).encode()).hexdigest()[:8]
    suffixed = f"Claude Code-credentials-{digest}"
    assert keychain_services() == [suffixed, "Claude Code-credentials"]
    runner = keychain({suffixed: CommandResult(0, json.dumps(login("sk-FAKE-suffixed")).encode())})
    assert mac(runner).access_token == "sk-FAKE-suffixed"
    assert runner.calls == [lookup(suffixed, ACCOUNT)]


def test_keychain_falls_back_to_the_plain_service_name(config_dir: Path) -> None:
    del config_dir
    runner = keychain({SERVICE: CommandResult(0, json.dumps(login("sk-FAKE-plain")).encode())})
    assert mac(runner).access_token == "sk-FAKE-plain"
    assert [call[3] for call in runner.calls][2] == SERVICE


def test_no_suffix_without_claude_config_dir() -> None:
    assert keychain_services() == ["Claude Code-credentials"]


def test_keychain_mcp_only_is_not_logged_in() -> None:
    mcp_only = (CONFIG_FIXTURES / "credentials-mcp-only.json").read_bytes()
    with pytest.raises(NotLoggedIn) as caught:
        mac(keychain({SERVICE: CommandResult(0, mcp_only)}))
    assert str(caught.value) == (
        "the Keychain item 'Claude Code-credentials' holds only MCP server logins, "
        "no Claude login: run `claude` and log in"
    )


def test_keychain_expired_is_token_expired_even_with_a_file(config_dir: Path) -> None:
    write_login(config_dir, login("sk-FAKE-stale-file"))
    expired = (CONFIG_FIXTURES / "credentials-expired.json").read_bytes()
    with pytest.raises(TokenExpired):
        mac(keychain({SERVICE: CommandResult(0, expired)}))


def test_keychain_other_failure_says_so_when_no_file() -> None:
    odd = CommandResult(1, b"", b"security: SecKeychainSearchCreateFromAttributes: -50\n")
    with pytest.raises(CredentialsError) as caught:
        mac(keychain({SERVICE: odd}))
    assert type(caught.value) is CredentialsError
    assert str(caught.value) == (
        "cannot read the Keychain item 'Claude Code-credentials' "
        "(security: SecKeychainSearchCreateFromAttributes: -50): unlock the Keychain or "
        "allow access, then retry"
    )


def test_keychain_garbage_is_a_credentials_error_without_contents() -> None:
    with pytest.raises(CredentialsError) as caught:
        mac(keychain({SERVICE: CommandResult(0, b"sk-FAKE-raw-token-not-json\n")}))
    assert "FAKE" not in str(caught.value)
    assert "Keychain item 'Claude Code-credentials' is not valid JSON" in str(caught.value)


# ----------------------------------------------------------------------------- several items


# 2026-06-30T12:00:00Z: a day before NOW, so expired
PAST_MS = 1_782_820_800_000


def test_an_older_expired_item_first_does_not_hide_the_live_login() -> None:
    # Two items with the same service: an old one under another account comes
    # first (what `security` without -a returns), the live one under the login name.
    fake = FakeKeychain(
        [
            KeychainItem.login(SERVICE, "Claude Code", login("sk-FAKE-old", PAST_MS)),
            KeychainItem.login(SERVICE, ACCOUNT, login("sk-FAKE-live")),
        ]
    )
    runner = RecordingRunner(respond=fake)
    assert mac(runner).access_token == "sk-FAKE-live"
    assert runner.calls == [lookup(SERVICE, ACCOUNT)]


def test_an_expired_item_under_the_login_name_loses_to_a_live_one_elsewhere() -> None:
    fake = FakeKeychain(
        [
            KeychainItem.login(SERVICE, "someone-else", login("sk-FAKE-live")),
            KeychainItem.login(SERVICE, ACCOUNT, login("sk-FAKE-old", PAST_MS)),
        ]
    )
    runner = RecordingRunner(respond=fake)
    assert mac(runner).access_token == "sk-FAKE-live"
    assert runner.calls == [lookup(SERVICE, ACCOUNT), lookup(SERVICE)]


def test_two_expired_items_name_the_newest_expiry() -> None:
    older = PAST_MS - 86_400_000
    fake = FakeKeychain(
        [
            KeychainItem.login(SERVICE, "someone-else", login("sk-FAKE-older", older)),
            KeychainItem.login(SERVICE, ACCOUNT, login("sk-FAKE-old", PAST_MS)),
        ]
    )
    with pytest.raises(TokenExpired) as caught:
        mac(RecordingRunner(respond=fake))
    newest = datetime.fromtimestamp(PAST_MS / 1000, UTC).astimezone()
    assert f"expired at {newest:%Y-%m-%d %H:%M}" in str(caught.value)


def test_without_a_login_name_the_plain_lookup_is_used() -> None:
    fake = FakeKeychain([KeychainItem.login(SERVICE, "Claude Code", login())])
    runner = RecordingRunner(respond=fake)
    assert mac(runner, account="").access_token == FAKE
    assert runner.calls == [lookup(SERVICE)]


# ----------------------------------------------------------------------------- locked


def test_locked_keychain_is_not_login_expired(config_dir: Path) -> None:
    # An expired file next to a locked keychain: "expired" would send the user
    # to log in again, which cannot help.
    shutil.copy(CONFIG_FIXTURES / "credentials-expired.json", config_dir / ".credentials.json")
    runner = RecordingRunner(respond=FakeKeychain(answer=KEYCHAIN_LOCKED))
    with pytest.raises(KeychainLocked) as caught:
        mac(runner)
    message = str(caught.value)
    assert message.startswith("the login keychain is locked, so the Keychain item")
    assert "(security: User interaction is not allowed.)" in message
    assert "the agent retries by itself" in message
    assert "expired" not in message
    assert caught.value.exit_code == 3
    # one question, not one per account and service name (each can be a dialog)
    assert len(runner.calls) == 1


@pytest.mark.parametrize("answer", [KEYCHAIN_AUTH_FAILED, KEYCHAIN_CANCELED], ids=["51", "128"])
def test_refused_access_says_how_to_allow_it(answer: CommandResult) -> None:
    with pytest.raises(KeychainLocked) as caught:
        mac(RecordingRunner(respond=FakeKeychain(answer=answer)))
    message = str(caught.value)
    assert message.startswith("macOS refused access to the Keychain item 'Claude Code-credentials'")
    assert "choose Always Allow" in message


def test_locked_keychain_with_a_live_file_uses_the_file(config_dir: Path) -> None:
    write_login(config_dir, login("sk-FAKE-from-file"))
    runner = RecordingRunner(respond=FakeKeychain(answer=KEYCHAIN_LOCKED))
    assert mac(runner).access_token == "sk-FAKE-from-file"


def test_item_not_found_is_44_and_not_a_lock() -> None:
    with pytest.raises(NotLoggedIn):
        mac(RecordingRunner(respond=FakeKeychain(answer=KEYCHAIN_NOT_FOUND)))
