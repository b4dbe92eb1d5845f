"""Fakes of ``launchctl`` and ``security`` that answer the way the real ones do.

Nothing here can run on Linux, so these replay real output, shape for shape:

- ``launchctl print gui/<uid>/<label>``: built from public captures of running
  LaunchAgents (Apple's ``com.apple.bird`` on macOS 26, a KeepAlive worker in
  ``gui/501`` with its coalition blocks, ``com.openssh.sshd`` on macOS 26.5) with
  our label, interpreter and environment put in. What matters is kept as launchd
  prints it: the job's keys one tab in, ``state`` before the nested blocks,
  ``resource coalition = {...}`` and ``jetsam coalition = {...}`` each with its
  own ``state = active``, ``exit timeout``, ``runs``, ``pid``, and ``last exit
  code`` as ``(never exited)`` / ``1`` / ``78: EX_CONFIG``.
- exit codes and messages: ``bootout`` of a job that is not loaded answers 3
  "Boot-out failed: 3: No such process"; ``print`` of an unknown job 113 "Bad
  request. / Could not find service ... in domain for user gui: 501"; a
  ``bootstrap`` while the old job is still being torn down (or while it is
  switched off) 5 "Bootstrap failed: 5: Input/output error", newer releases
  adding "Try re-running the command as root for richer errors.".
- ``launchctl print-disabled gui/<uid>``: the ``disabled services = {...}``
  block with ``=> disabled`` / ``=> enabled`` (macOS 14 and later, checked on
  26.5.1) or ``=> true`` / ``=> false`` (older releases), followed by the
  ``login item associations`` block whose values are bundle ids.
- ``security find-generic-password``: the exit status is the low byte of the
  Security framework's OSStatus: 44 = errSecItemNotFound (-25300), 36 =
  errSecInteractionNotAllowed (-25308, "User interaction is not allowed.": the
  keychain is locked and no dialog may be shown), 51 = errSecAuthFailed (-25293,
  "The user name or passphrase you entered is not correct."), 128 = userCanceled
  (-128). Without ``-a`` it returns the first matching item.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from notifier.loginitem import LABEL
from notifier.runner import CommandResult

UID = 501
DOMAIN = f"gui/{UID}"
TARGET = f"{DOMAIN}/{LABEL}"
PYTHON = "/opt/venv/bin/python"

NOT_FOUND = CommandResult(
    113,
    b"",
    f'Bad request.\nCould not find service "{LABEL}" in domain for user gui: {UID}\n'.encode(),
)
BOOTOUT_NOT_LOADED = CommandResult(3, b"", b"Boot-out failed: 3: No such process\n")
BOOTSTRAP_BUSY = CommandResult(
    5,
    b"",
    b"Bootstrap failed: 5: Input/output error\n"
    b"Try re-running the command as root for richer errors.\n",
)


def launchctl_print(
    *,
    state: str = "running",
    pid: int | None = 4242,
    runs: int = 1,
    last_exit: str = "(never exited)",
    exit_timeout: int = 15,
    python: str = PYTHON,
    home: str = "/Users/ada",
) -> bytes:
    """``launchctl print gui/501/<LABEL>`` for our agent, laid out as launchd lays it out."""
    support = f"{home}/Library/Application Support/claude-usage-notifier"
    logs = f"{home}/Library/Logs/claude-usage-notifier"
    running = pid is not None and state == "running"
    process = (
        f"\tpid = {pid}\n"
        "\timmediate reason = speculative\n"
        "\tforks = 0\n"
        "\texecs = 1\n"
        "\tinitialized = 1\n"
        "\ttrampolined = 1\n"
        "\tstarted suspended = 0\n"
        "\tproxy started suspended = 0\n"
        "\tchecked allocations = 0 (queried = 1)\n"
        "\tchecked allocations reason = no host\n"
        "\tchecked allocations flags = 0x0\n"
        if running
        else ""
    )
    coalition_state = "active" if running else "terminated"
    active = 1 if running else 0
    text = (
        f"{TARGET} = {{\n"
        f"\tactive count = {active}\n"
        f"\tpath = {home}/Library/LaunchAgents/{LABEL}.plist\n"
        "\ttype = LaunchAgent\n"
        f"\tstate = {state}\n"
        "\n"
        f"\tprogram = {python}\n"
        "\targuments = {\n"
        f"\t\t{python}\n"
        "\t\t-m\n"
        "\t\tnotifier\n"
        "\t\trun\n"
        "\t}\n"
        "\n"
        f"\tstdout path = {logs}/launchd.stdout.log\n"
        f"\tstderr path = {logs}/launchd.stderr.log\n"
        "\tinherited environment = {\n"
        "\t\tSSH_AUTH_SOCK => /private/tmp/com.apple.launchd.PJSgmVbv5P/Listeners\n"
        "\t}\n"
        "\n"
        "\tdefault environment = {\n"
        "\t\tPATH => /usr/bin:/bin:/usr/sbin:/sbin\n"
        "\t}\n"
        "\n"
        "\tenvironment = {\n"
        f"\t\tCLAUDE_USAGE_NOTIFIER_CONFIG_DIR => {support}\n"
        f"\t\tCLAUDE_USAGE_NOTIFIER_DATA_DIR => {support}\n"
        f"\t\tCLAUDE_USAGE_NOTIFIER_LOG_DIR => {logs}\n"
        f"\t\tCLAUDE_USAGE_NOTIFIER_STATE_DIR => {support}\n"
        "\t\tOSLogRateLimit => 64\n"
        f"\t\tXPC_SERVICE_NAME => {LABEL}\n"
        "\t}\n"
        "\n"
        f"\tdomain = {DOMAIN} [100016]\n"
        "\tasid = 100016\n"
        "\tminimum runtime = 60\n"
        f"\texit timeout = {exit_timeout}\n"
        f"\truns = {runs}\n"
        f"{process}"
        f"\tlast exit code = {last_exit}\n"
        "\n"
        "\tsemaphores = {\n"
        "\t\tsuccessful exit => 0\n"
        "\t}\n"
        "\n"
        "\tresource coalition = {\n"
        "\t\tID = 280936\n"
        "\t\ttype = resource\n"
        f"\t\tstate = {coalition_state}\n"
        f"\t\tactive count = {active}\n"
        f"\t\tname = {LABEL}\n"
        "\t}\n"
        "\n"
        "\tjetsam coalition = {\n"
        "\t\tID = 280937\n"
        "\t\ttype = jetsam\n"
        f"\t\tstate = {coalition_state}\n"
        f"\t\tactive count = {active}\n"
        f"\t\tname = {LABEL}\n"
        "\t}\n"
        "\n"
        "\tspawn type = background (5)\n"
        "\tjetsam priority = 40\n"
        "\tjetsam memory limit (active) = (unlimited)\n"
        "\tjetsam memory limit (inactive) = (unlimited)\n"
        "\tjetsamproperties category = daemon\n"
        "\tjetsam thread limit = 32\n"
        "\tcpumon = default\n"
        "\n"
        "\tproperties = keepalive | runatload | inferred program\n"
        "}\n"
    )
    return text.encode()


def print_disabled(label_disabled: bool | None, *, legacy: bool = False) -> bytes:
    """``launchctl print-disabled gui/501``; our label listed unless ``label_disabled`` is None."""

    def verdict(disabled: bool) -> str:
        if legacy:
            return "true" if disabled else "false"
        return "disabled" if disabled else "enabled"

    rows = [
        ("com.apple.ManagedClientAgent.enrollagent", True),
        ("com.docker.helper", False),
        ("com.apple.Siri.agent", True),
    ]
    if label_disabled is not None:
        rows.insert(1, (LABEL, label_disabled))
    lines = "".join(f'\t"{name}" => {verdict(value)}\n' for name, value in rows)
    return (
        "disabled services = {\n"
        f"{lines}"
        "}\n"
        "\n"
        "login item associations = {\n"
        '\t"version.com.docker.helper" => "64133"\n'
        '\t"com.docker.helper" => "com.docker.docker"\n'
        "}\n"
    ).encode()


@dataclass
class FakeClock:
    """A monotonic clock that moves only when something sleeps on it."""

    now: float = 1000.0
    slept: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@dataclass
class FakeLaunchd:
    """The ``gui/501`` domain as launchctl shows it, on a :class:`FakeClock`.

    ``linger``: seconds after ``bootout`` during which ``print`` still shows the
    old job; ``busy``: seconds after ``bootout`` during which ``bootstrap``
    still fails with 5 (launchd can refuse a little longer than ``print`` shows
    the job). ``disabled``: the login item is switched off (``bootstrap`` fails
    with 5 for good); ``legacy_disabled``: print-disabled in the true/false form.
    """

    clock: FakeClock
    loaded: bool = False
    running: bool = True
    linger: float = 0.0
    busy: float = 0.0
    disabled: bool | None = None
    legacy_disabled: bool = False
    last_exit: str = "(never exited)"
    runs: int = 1
    gone_at: float = 0.0
    busy_until: float = 0.0

    def __call__(self, argv: Sequence[str]) -> CommandResult:
        assert argv[0] == "launchctl", argv
        verb = argv[1]
        now = self.clock()
        if verb == "print":
            assert argv[2] == TARGET, argv
            if self.loaded or now < self.gone_at:
                state = "running" if self.running or not self.loaded else "not running"
                pid = 4242 if state == "running" else None
                body = launchctl_print(
                    state=state, pid=pid, runs=self.runs, last_exit=self.last_exit
                )
                return CommandResult(0, body)
            return NOT_FOUND
        if verb == "bootout":
            assert argv[2] == TARGET, argv
            if not self.loaded:
                return BOOTOUT_NOT_LOADED
            self.loaded = False
            self.gone_at = now + self.linger
            self.busy_until = now + max(self.linger, self.busy)
            return CommandResult(0)
        if verb == "bootstrap":
            assert argv[2] == DOMAIN, argv
            if self.disabled or self.loaded or now < self.busy_until:
                return BOOTSTRAP_BUSY
            self.loaded, self.running = True, True
            self.runs += 1
            return CommandResult(0)
        if verb == "print-disabled":
            assert argv[2] == DOMAIN, argv
            return CommandResult(0, print_disabled(self.disabled, legacy=self.legacy_disabled))
        if verb == "kickstart":
            assert argv[2:] == ["-k", TARGET], argv
            if not self.loaded:
                return NOT_FOUND
            self.running = True
            return CommandResult(0)
        raise AssertionError(f"unexpected launchctl call: {argv}")


# --------------------------------------------------------------------------- security


KEYCHAIN_NOT_FOUND = CommandResult(
    44,
    b"",
    b"security: SecKeychainSearchCopyNext: "
    b"The specified item could not be found in the keychain.\n",
)
KEYCHAIN_LOCKED = CommandResult(36, b"", b"security: User interaction is not allowed.\n")
KEYCHAIN_AUTH_FAILED = CommandResult(
    51,
    b"",
    b"security: SecKeychainItemCopyAccess: "
    b"The user name or passphrase you entered is not correct.\n",
)
KEYCHAIN_CANCELED = CommandResult(128, b"", b"security: User canceled the operation.\n")


@dataclass
class KeychainItem:
    """One generic password: service, account and the secret ``security -w`` prints."""

    service: str
    account: str
    secret: bytes

    @classmethod
    def login(cls, service: str, account: str, login: object) -> KeychainItem:
        return cls(service, account, json.dumps(login).encode())


@dataclass
class FakeKeychain:
    """``security find-generic-password -s S [-a A] -w`` over items in keychain order.

    Without ``-a`` the first item with the service wins, as in the real tool.
    ``answer`` overrides every lookup (a locked keychain, a refused access).
    """

    items: list[KeychainItem] = field(default_factory=list)
    answer: CommandResult | None = None

    def __call__(self, argv: Sequence[str]) -> CommandResult:
        assert argv[:2] == ["/usr/bin/security", "find-generic-password"], argv
        assert argv[-1] == "-w", argv
        service = argv[argv.index("-s") + 1]
        account = argv[argv.index("-a") + 1] if "-a" in argv else None
        if self.answer is not None:
            return self.answer
        for item in self.items:
            if item.service == service and account in (None, item.account):
                return CommandResult(0, item.secret + b"\n")
        return KEYCHAIN_NOT_FOUND
