#!/usr/bin/env bash
# Start-up time and memory of the release desk in a real window, in the same
# throwaway session as the end-to-end suite (tests/e2e/tests/measure.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
(cd ui && npm run build --silent)
# The bare window is built in the same invocation, so it links the very same tauri.
cargo build --release -p signet-desk -p signet-cli -p signet-bare-window
SIGNET_E2E_WINDOWS=default SIGNET_E2E_CARGO_ARGS="--test measure" SIGNET_E2E_TEST_ARGS="--ignored --nocapture" scripts/e2e.sh target/release/signet-desk
