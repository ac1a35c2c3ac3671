#!/usr/bin/env bash
# Runs the end-to-end suite against the built desk, in isolation from the user's own
# session: a throwaway HOME and data folder, a private D-Bus session with a freshly
# unlocked GNOME Keyring, and a virtual X display.
#   scripts/e2e.sh [path/to/signet-desk]
# The suite runs once per window size in SIGNET_E2E_WINDOWS (the desk's default and a
# small laptop's), so a layout that hides a field on a small screen fails here.
# Screenshots go to target/e2e/ (SIGNET_E2E_SCREENSHOTS moves the default size's, which
# is how `make screenshots` refreshes docs/screenshots/); a failed step leaves its
# screenshot in target/e2e/failures/.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
app="${1:-$root/target/debug/signet-desk}"
[ -x "$app" ] || { echo "e2e: no desk binary at $app; build it first (make test does)" >&2; exit 1; }
app=$(realpath "$app")  # WebKitWebDriver starts it from another directory
cli=$(realpath "$(dirname "$app")/signet")
[ -x "$cli" ] || { echo "e2e: no signet command line beside the desk at $cli (cargo test builds it)" >&2; exit 1; }

# The suite's targets (one per file in tests/e2e/tests), unless SIGNET_E2E_CARGO_ARGS
# picks others. Chosen by name beside the whole workspace, with the suite's feature on,
# so cargo resolves features exactly as scripts/test.sh's unit-test step did and
# rebuilds nothing but the suite (`-p signet-e2e` alone would resolve them anew).
suite=()
for file in tests/e2e/tests/*.rs; do suite+=(--test "$(basename "$file" .rs)"); done
if [ -n "${SIGNET_E2E_CARGO_ARGS:-}" ]; then
  # shellcheck disable=SC2206
  suite=($SIGNET_E2E_CARGO_ARGS)
fi
e2e_cargo=(--workspace --features signet-e2e/e2e "${suite[@]}")

if [ -z "${SIGNET_E2E_INSIDE:-}" ]; then
  work=$(mktemp -d /tmp/signet-e2e.XXXXXX)
  trap 'rm -rf "$work" 2>/dev/null || true' EXIT
  # Build the test binary first, outside the timed display session.
  cargo test "${e2e_cargo[@]}" --no-run --quiet
  # Keep finding the Rust toolchain once HOME points elsewhere.
  export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
  export RUSTUP_HOME="${RUSTUP_HOME:-$(rustup show home 2>/dev/null || echo "$HOME/.rustup")}"
  export HOME="$work/home" XDG_RUNTIME_DIR="$work/run" XDG_DATA_HOME="$work/home/.local/share"
  export SIGNET_DATA_DIR="$work/data" SIGNET_E2E_APP="$app" SIGNET_E2E_CLI="$cli" SIGNET_E2E_INSIDE=1
  export SIGNET_E2E_FAILURES="$root/target/e2e/failures"
  shots="${SIGNET_E2E_SCREENSHOTS:-$root/target/e2e/screenshots}"
  # No portals and no accessibility bus: the bus below activates nothing, and GTK
  # is told not to look for them.
  export GTK_USE_PORTAL=0 GDK_DEBUG=no-portals NO_AT_BRIDGE=1
  # The desk follows the computer's language by default and the suite reads English:
  # a fixed English locale, whatever this machine has (a test asks for Portuguese).
  unset LC_ALL LC_MESSAGES LANGUAGE
  export LANG=C.UTF-8
  status=0
  first=1
  for size in ${SIGNET_E2E_WINDOWS:-default 1024x640}; do
    echo "e2e: window size $size"
    if [ "$first" = 1 ]; then export SIGNET_E2E_SCREENSHOTS="$shots"; else export SIGNET_E2E_SCREENSHOTS="$root/target/e2e/screenshots-$size"; fi
    if [ "$size" = default ]; then export SIGNET_E2E_WINDOW=""; else export SIGNET_E2E_WINDOW="$size"; fi
    first=0
    # Each size starts from nothing: a fresh HOME, data folder, keyring and display.
    rm -rf "$work/home" "$work/data" "$work/run"
    mkdir -p "$work/home" "$work/data" "$work/run"
    chmod 700 "$work/run"
    # Not exec: the trap above must still remove the throwaway folders afterwards.
    dbus-run-session --config-file="$root/scripts/e2e-session-bus.conf" -- xvfb-run --auto-servernum --server-args="-screen 0 1280x800x24" "$0" "$app" || status=$?
  done
  exit $status
fi

# Inside the private session: the keyring daemon, unlocked with a throwaway password,
# kept in the foreground as our child so D-Bus activation never starts a second one
# that races it, and so its death during the tests is reported.
echo -n "e2e-throwaway" | gnome-keyring-daemon --foreground --unlock --components=secrets >/dev/null &
keyring_pid=$!
owned() {
  dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q "boolean true"
}
for _ in $(seq 100); do owned && break; sleep 0.1; done
owned || { echo "e2e: gnome-keyring-daemon did not take the Secret Service name" >&2; exit 1; }

status=0
if [ -z "${SIGNET_E2E_TEST_ARGS:-}" ]; then
  # The keyring itself, hammered from many threads as the desk's timers use it. Same
  # workspace feature set as scripts/test.sh's unit-test step, so nothing rebuilds.
  cargo test --workspace --test os_keyring || status=$?
fi
# SIGNET_E2E_CARGO_ARGS / SIGNET_E2E_TEST_ARGS pick other tests (scripts/bench-desk.sh).
# shellcheck disable=SC2086
cargo test "${e2e_cargo[@]}" -- --test-threads=1 ${SIGNET_E2E_TEST_ARGS:-} || status=$?
# A keyring that died under us fails the run even if every test happened to pass:
# on an operator's PC that is every desk losing its secrets.
if ! kill -0 "$keyring_pid" 2>/dev/null; then
  echo "e2e: gnome-keyring-daemon exited during the tests" >&2
  status=1
fi
kill "$keyring_pid" 2>/dev/null || true
exit $status
