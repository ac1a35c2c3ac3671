#!/usr/bin/env bash
# Runs one fuzz target for a bounded time and prints libFuzzer's summary.
#   scripts/fuzz.sh [TARGET] [SECONDS]     (default: validators, 60 s)
# cargo-fuzz needs nightly flags for the sanitizer; RUSTC_BOOTSTRAP lets the
# stable toolchain (whose rust-std ships the ASan runtime) accept them.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${1:-validators}"
seconds="${2:-60}"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
export RUSTC_BOOTSTRAP=1
mkdir -p "fuzz/corpus/$target"
cargo fuzz run "$target" "fuzz/corpus/$target" -- -max_total_time="$seconds" -print_final_stats=1
