#!/usr/bin/env bash
# The ten checks a person with a Mac runs first (see launchd/README.md).
#
# Nothing in the test suite can run launchd, the Keychain or the Notification
# Center, so this script walks through them on a real Mac and prints, at each
# step, what to look for. It changes only what `claude-usage-notifier install`
# changes (the LaunchAgent in ~/Library/LaunchAgents), stops the agent once
# (check 7) and starts it again. It never prints the login token.
#
#   tools/mac-smoke.sh                 # uses `claude-usage-notifier` from PATH
#   CUN=/path/to/venv/bin/claude-usage-notifier tools/mac-smoke.sh
#
# Report what you saw (the "look for" lines that did not hold) in an issue.
set -u

CUN=${CUN:-claude-usage-notifier}
LABEL=io.github.claude-usage-notifier.agent
DOMAIN="gui/$(id -u)"
TARGET="$DOMAIN/$LABEL"
PLIST="$HOME/Library/LaunchAgents/$LABEL.plist"
STEP=0

if [ "$(uname -s)" != "Darwin" ]; then
	echo "mac-smoke.sh: this is for macOS (launchd, Keychain, Notification Center); this is $(uname -s)" >&2
	exit 2
fi
if ! command -v "$CUN" >/dev/null 2>&1; then
	echo "mac-smoke.sh: $CUN not found; set CUN=/path/to/bin/claude-usage-notifier" >&2
	exit 2
fi

step() {
	STEP=$((STEP + 1))
	printf '\n== %d/10  %s\n' "$STEP" "$1"
}
look() { printf '   look for: %s\n' "$*"; }
run() {
	printf '   $ %s\n' "$*"
	"$@" 2>&1 | sed 's/^/   | /'
	return "${PIPESTATUS[0]}"
}
pause() { printf '   (press Return to go on) '; read -r _; }
agent_pid() { launchctl print "$TARGET" 2>/dev/null | awk -F' = ' '/^\tpid = /{print $2; exit}'; }

step "Which Python runs the agent"
PYTHON=$(head -n1 "$(command -v "$CUN")" | sed 's/^#!//')
run "$PYTHON" -c 'import sys, os; print("executable:", sys.executable); print("base_prefix:", os.path.realpath(sys.base_prefix)); print("framework build:", bool(__import__("sysconfig").get_config_var("PYTHONFRAMEWORK")))'
look "base_prefix under /Library/Frameworks/Python.framework (python.org: native notifications)"
look "a path under /opt/homebrew or /usr/local/Cellar is Homebrew's Python: notifications go through osascript"
look "an executable under ~/.cache/uv or a pipx cache: 'install' must refuse it (check 2)"

step "install (writes the LaunchAgent and starts it now)"
run "$CUN" install
look "'installed $PLIST' and 'ran: launchctl bootstrap $DOMAIN ...', exit status 0"
look "or one line 'refusing to install a login item that starts ...' for a tool-cache Python"
run plutil -lint "$PLIST"
run /usr/libexec/PlistBuddy -c 'Print :ExitTimeOut' "$PLIST"
look "'OK' from plutil, and ExitTimeOut 15"

step "agent-status while the agent runs"
sleep 2
run "$CUN" agent-status
look "'loaded: yes', 'running: yes (pid N)', an 'interpreter:' line that is not MISSING"
printf '   launchd says (top-level keys only; the coalition blocks have their own state):\n'
launchctl print "$TARGET" | grep -E $'^\t(state|pid|last exit code|exit timeout) = ' | sed 's/^/   | /'
look "the same pid, 'state = running', 'exit timeout = 15'"

step "install again, unchanged"
PID_BEFORE=$(agent_pid)
run "$CUN" install
look "'already installed, loaded and running' and no 'ran:' line"
look "the pid is still $PID_BEFORE: $(agent_pid)"

step "install again with a changed setting (bootout, wait for launchd, bootstrap)"
SMOKE_DIR=$(mktemp -d -t cun-smoke)
SMOKE_CONFIG="$SMOKE_DIR/config.toml"
printf 'poll_interval_seconds = 600\n' >"$SMOKE_CONFIG"
START=$(date +%s)
run "$CUN" install --config "$SMOKE_CONFIG"
look "'installed ...' within 20 s (took $(($(date +%s) - START)) s), no 'Bootstrap failed: 5'"
look "a new pid: $(agent_pid) (was $PID_BEFORE)"
run "$CUN" install
look "back to the default config: 'installed ...' again"
rm -rf "$SMOKE_DIR"

step "notify --test, and click the notification"
run "$CUN" notify --test
look "a notification 'Claude usage notifier: test'; the first time, macOS asks to allow notifications"
look "the line says 'macOS Notification Center' (python.org Python) or 'osascript ...' plus the Script Editor step"
look "click it, and note whether your usage page opens (the command exits soon after sending: report either way)"
pause

step "SIGTERM: the agent stops within 5 s"
PID=$(agent_pid)
START=$(date +%s)
run launchctl kill 15 "$TARGET"
for _ in $(seq 1 40); do
	kill -0 "$PID" 2>/dev/null || break
	sleep 0.25
done
look "stopped after $(($(date +%s) - START)) s (5 or less); 'SIGTERM received: stopping' at the end of the agent log:"
tail -n 3 "$HOME/Library/Logs/claude-usage-notifier/agent.log" 2>/dev/null | sed 's/^/   | /'
run launchctl kickstart "$TARGET"
look "it runs again: pid $(sleep 1; agent_pid)"

step "Keychain read (the token itself is never printed)"
run security find-generic-password -s "Claude Code-credentials" -a "$(id -un)"
look "exit 0 and 'acct'<blob>=\"$(id -un)\"; 44 = no such item (log in with 'claude'); 36 = keychain locked; 51 = access refused"
run "$CUN" status
look "your buckets; a dialog asking to let python use 'Claude Code-credentials' the first time (choose Always Allow)"
look "never 'login expired' while the keychain is locked: 'the login keychain is locked ...' instead"

step "The osascript path (what notifications use without a signed Python)"
run osascript -e 'display notification "claude-usage-notifier smoke test" with title "osascript check"'
look "a notification from Script Editor; if none appeared although osascript exited 0: open Script Editor,"
look "run: display notification \"test\", click Allow (or switch Script Editor on in System Settings > Notifications)"
pause

step "Switched off? (System Settings > General > Login Items)"
launchctl print-disabled "$DOMAIN" | grep -F "\"$LABEL\"" | sed 's/^/   | /'
look "no line, or '\"$LABEL\" => enabled' (older macOS: '=> false')"
look "'=> disabled' / '=> true': 'install' must say 'launchd has the login item switched off ...'"
run "$CUN" agent-status
look "'running: yes' and a 'last exit:' line; 'notifications:' names the path the agent uses"

printf '\nDone. Remove the agent again with: %s uninstall\n' "$CUN"
