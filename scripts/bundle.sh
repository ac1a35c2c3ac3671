#!/usr/bin/env bash
# Installable packages with the Tauri bundler (@tauri-apps/cli, fetched by npx at
# the version pinned here, not a dependency of the UI: the registry mirror some
# machines use carries only this platform's build of it, which npm ci would
# refuse in the UI's lock file): a .deb always; an AppImage where its tools can be
# fetched (the bundler downloads linuxdeploy from GitHub). Prints each package's
# path and size.
set -euo pipefail
cd "$(dirname "$0")/.."
(cd ui && npm run build --silent)
# The confined reader for customers' files goes in the package beside the desk
# (tauri.conf.json maps it to /usr/lib/signet/); the bundler builds only the desk.
cargo build --release -p signet-core --bin signet-parse
tauri() { npx --yes @tauri-apps/cli@2.12.5 "$@"; }
tauri build --ci --bundles deb
if ! tauri build --ci --bundles appimage >target/appimage.log 2>&1; then
  echo "bundle: no AppImage here: $(grep -m1 -iE 'error|failed' target/appimage.log || tail -n1 target/appimage.log) (full log: target/appimage.log)" >&2
fi
for f in target/release/bundle/deb/*.deb target/release/bundle/appimage/*.AppImage; do
  [ -f "$f" ] && echo "bundle: $f $(du -h "$f" | cut -f1)"
done
exit 0
