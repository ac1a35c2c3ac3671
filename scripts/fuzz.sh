#!/usr/bin/env bash
# Runs one fuzz target for a bounded time and prints libFuzzer's summary.
#   scripts/fuzz.sh [TARGET] [SECONDS]     (default: validators, 60 s)
#   scripts/fuzz.sh all [SECONDS]          every target in turn
# Targets: validators, responses, csv_import, documents, dossier (fuzz/fuzz_targets).
# The corpus grows in fuzz/corpus (untracked); fuzz/seeds holds the committed
# starting points; anything that crashes lands in fuzz/artifacts and becomes a test.
# cargo-fuzz needs nightly flags for the sanitizer; RUSTC_BOOTSTRAP lets the
# stable toolchain (whose rust-std ships the ASan runtime) accept them.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${1:-validators}"
seconds="${2:-60}"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
export RUSTC_BOOTSTRAP=1
if [ "$target" = all ]; then
  for t in validators responses csv_import documents dossier; do "$0" "$t" "$seconds"; done
  exit 0
fi
mkdir -p "fuzz/corpus/$target"
seeds=()
[ -d "fuzz/seeds/$target" ] && seeds=("fuzz/seeds/$target")
# -rss_limit_mb: a 2 GB ceiling, so runaway allocation on hostile input is a finding.
cargo fuzz run "$target" "fuzz/corpus/$target" "${seeds[@]}" -- -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1
