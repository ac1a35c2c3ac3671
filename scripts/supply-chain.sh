#!/usr/bin/env bash
# Licenses, sources and known vulnerabilities of every dependency, Rust and npm.
# Rust advisories come from the live RustSec database where github.com can be reached,
# else from the snapshot committed in supply-chain/; the output says which and how old.
# Any vulnerability, or an unmaintained crate deny.toml does not explain, fails.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo deny --log-level error check licenses bans sources
echo "cargo deny: licenses, bans and sources ok"

# cargo deny reads the database offline from db-path; cargo must have every crate
# of the lock file (all platforms) before it may run offline.
cargo fetch --locked --quiet
dbs="$PWD/target/advisory-dbs"
# cargo-deny names the folder after the database's default URL.
folder=advisory-db-3157b0e258782691
mkdir -p "$dbs/live" "$dbs/snapshot"
use_db() {
  grep -q '^\[advisories\]' deny.toml
  # [advisories] is the last table of deny.toml, so a key appended lands in it.
  { cat deny.toml; echo "db-path = \"$dbs/$1\""; } >"target/deny-$1.toml"
}
use_db live
if timeout 120 cargo deny --log-level error --config target/deny-live.toml fetch db >/dev/null 2>&1; then
  kind=live
  source="the live RustSec database"
else
  kind=snapshot
  rm -rf "$dbs/snapshot/$folder"
  git clone --quiet supply-chain/rustsec-advisory-db.bundle "$dbs/snapshot/$folder" 2>/dev/null
  source="the RustSec snapshot in supply-chain/ (github.com cannot be reached from here)"
  use_db snapshot
fi
newest_advisory=$(grep -rhoE '^date = "[0-9-]+"' "$dbs/$kind/$folder/crates" | sort | tail -n1 | grep -oE '[0-9-]{10}' || echo unknown)
echo "cargo deny: advisories from $source, newest advisory dated $newest_advisory"
cargo deny --offline --log-level error --config "target/deny-$kind.toml" check advisories
echo "cargo deny: no known vulnerability and no unexplained unmaintained crate in the Rust dependencies"

report=$(mktemp)
trap 'rm -f "$report"' EXIT
if (cd ui && npm audit --audit-level=low >"$report" 2>&1); then
  echo "npm audit: no known vulnerability in the UI's packages"
elif grep -qE "audit endpoint returned an error|ENOTFOUND|ECONNREFUSED|EAI_AGAIN|ETIMEDOUT" "$report"; then
  echo "npm audit: NOT CHECKED: the registry's advisory endpoint cannot be reached from this machine"
else
  cat "$report"
  exit 1
fi
