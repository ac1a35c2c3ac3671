#!/usr/bin/env bash
# Installable packages with the Tauri bundler (the @tauri-apps/cli the UI pins):
# a .deb always; an AppImage where its tools can be fetched (the bundler downloads
# linuxdeploy from GitHub). Prints each package's path and size.
set -euo pipefail
cd "$(dirname "$0")/.."
(cd ui && npm run build --silent)
tauri=ui/node_modules/.bin/tauri
"$tauri" build --ci --bundles deb
if ! "$tauri" build --ci --bundles appimage >target/appimage.log 2>&1; then
  echo "bundle: no AppImage here: $(grep -m1 -iE 'error|failed' target/appimage.log || tail -n1 target/appimage.log) (full log: target/appimage.log)" >&2
fi
for f in target/release/bundle/deb/*.deb target/release/bundle/appimage/*.AppImage; do
  [ -f "$f" ] && echo "bundle: $f $(du -h "$f" | cut -f1)"
done
exit 0
