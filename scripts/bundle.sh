#!/usr/bin/env bash
# Installable packages with the Tauri bundler (@tauri-apps/cli, fetched by npx at
# the version pinned here, not a dependency of the UI: the registry mirror some
# machines use carries only this platform's build of it, which npm ci would
# refuse in the UI's lock file): a .deb and an .rpm with the same contents, and an
# AppImage where its tools can be fetched (the bundler downloads linuxdeploy from
# GitHub). Prints each package's path and size; scripts/check-bundle.sh checks them.
set -euo pipefail
cd "$(dirname "$0")/.."
(cd ui && npm run build --silent)
# The bundler builds only the desk. Beside it go the `signet` command line and the
# confined reader for customers' files (tauri.conf.json maps that one).
cargo build --release -p signet-core --bin signet-parse -p signet-cli --bin signet

# Manual pages and completions, written by `signet` itself from its clap
# definitions, into the places Debian and Fedora look for them.
extra=target/release/package-extra
rm -rf "$extra"
mkdir -p "$extra/man1" "$extra/completions"
target/release/signet manual --out "$extra/man1" >/dev/null
gzip -9n "$extra"/man1/*.1
for shell in bash zsh fish; do target/release/signet completions "$shell" >"$extra/completions/signet.$shell"; done
# A config overlay (merged into tauri.conf.json by `tauri build --config`) lists
# them file by file, so a new subcommand's page needs no edit here.
node - "$extra" >"$extra/tauri.files.json" <<'JS'
const fs = require("fs");
const path = require("path");
const extra = process.argv[2];
const common = { "/usr/bin/signet": "target/release/signet" };
for (const page of fs.readdirSync(path.join(extra, "man1")).sort()) {
  common[`/usr/share/man/man1/${page}`] = path.join(extra, "man1", page);
}
common["/usr/share/bash-completion/completions/signet"] = path.join(extra, "completions/signet.bash");
common["/usr/share/fish/vendor_completions.d/signet.fish"] = path.join(extra, "completions/signet.fish");
const zsh = path.join(extra, "completions/signet.zsh");
const deb = { ...common, "/usr/share/zsh/vendor-completions/_signet": zsh };
const rpm = { ...common, "/usr/share/zsh/site-functions/_signet": zsh };
// With the release key at hand (TAURI_SIGNING_PRIVATE_KEY, docs/UPDATES.md), each
// package gets its updater signature (.sig) beside it; without it, none is asked for.
const signed = process.env.TAURI_SIGNING_PRIVATE_KEY ? { createUpdaterArtifacts: true } : {};
console.log(JSON.stringify({ bundle: { ...signed, linux: { deb: { files: deb }, rpm: { files: rpm } } } }));
JS

tauri() { npx --yes @tauri-apps/cli@2.12.5 "$@"; }
tauri build --ci --bundles deb,rpm --config "$extra/tauri.files.json"
if ! tauri build --ci --bundles appimage --config "$extra/tauri.files.json" >target/appimage.log 2>&1; then
  echo "bundle: no AppImage here: $(grep -m1 -iE 'error|failed' target/appimage.log || tail -n1 target/appimage.log) (full log: target/appimage.log)" >&2
fi
# Desks require the signed version in each signature (requireSignedVersion): a
# signature without it would be refused by every desk, so it is refused here first.
if [ -n "${TAURI_SIGNING_PRIVATE_KEY:-}" ]; then
  for sig in target/release/bundle/deb/*.sig target/release/bundle/rpm/*.sig; do
    [ -f "$sig" ] || continue
    base64 -d <"$sig" | grep -q 'version:' || { echo "bundle: $sig does not record the version it was signed for" >&2; exit 1; }
  done
fi
for f in target/release/bundle/deb/*.deb target/release/bundle/rpm/*.rpm target/release/bundle/appimage/*.AppImage; do
  [ -f "$f" ] && echo "bundle: $f $(du -h "$f" | cut -f1)"
done
exit 0
