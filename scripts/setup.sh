#!/usr/bin/env bash
# Installs what Signet needs on a Debian/Ubuntu machine, skipping what is present.
#   scripts/setup.sh run    what building and opening the desk needs
#   scripts/setup.sh test   that, plus what the test suites need (Xvfb, keyring, WebDriver)
#   scripts/setup.sh bench  that, plus the benchmarks' baselines (pdftotext, the openssl command)
#   scripts/setup.sh bundle what building the packages and checking them needs
set -euo pipefail
cd "$(dirname "$0")/.."

mode="${1:-run}"

build_pkgs=(build-essential pkg-config file libssl-dev libdbus-1-dev libwebkit2gtk-4.1-dev libgtk-3-dev
  libsoup-3.0-dev librsvg2-dev libayatana-appindicator3-dev libxdo-dev)
# The keyring daemon is what a desktop session already runs; a bare machine needs it too.
run_pkgs=(gnome-keyring)
# x11-utils and xdotool: the notification test puts another window in front of the desk.
test_pkgs=(xvfb xauth dbus dbus-x11 webkit2gtk-driver libsecret-tools imagemagick python3-venv poppler-utils unzip
  postgresql x11-utils xdotool)

wanted=("${build_pkgs[@]}" "${run_pkgs[@]}")
bench_pkgs=(poppler-utils openssl)
# scripts/check-bundle.sh unpacks the .rpm too, reads the pages and starts the desk.
bundle_pkgs=(rpm2cpio cpio man-db xvfb xauth dbus)
case "$mode" in
  run) ;;
  test) wanted+=("${test_pkgs[@]}") ;;
  bench) wanted+=("${test_pkgs[@]}" "${bench_pkgs[@]}") ;;
  bundle) wanted+=("${bundle_pkgs[@]}") ;;
  *) echo "setup: unknown mode $mode (run, test, bench or bundle)" >&2; exit 2 ;;
esac
# What only the test suites and benchmarks use.
testing=0
{ [ "$mode" = test ] || [ "$mode" = bench ]; } && testing=1

missing=()
for p in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null; then
    echo "setup: install these packages with your package manager: ${missing[*]}" >&2
    exit 1
  fi
  if [ "$(id -u)" -eq 0 ]; then sudo=(); elif command -v sudo >/dev/null; then sudo=(sudo); else
    echo "setup: these Debian packages are missing and there is no sudo: ${missing[*]}" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

for tool in cargo node npm git; do
  command -v "$tool" >/dev/null || { echo "setup: $tool is required (Rust 1.92+ via rustup, Node 20.19+ with npm, git)" >&2; exit 1; }
done
# Versions the build needs: rust-version in Cargo.toml, and Vite's Node requirement.
version_at_least() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]; }
rust=$(rustc --version | awk '{print $2}')
version_at_least "$rust" 1.92.0 || { echo "setup: Rust $rust is too old; 1.92 or newer is needed (rustup update stable)" >&2; exit 1; }
node=$(node --version | tr -d v)
version_at_least "$node" 20.19.0 || { echo "setup: Node $node is too old; 20.19 or newer is needed (Vite 8)" >&2; exit 1; }

# The UI's packages, exactly as locked; reinstalled only when the lock file changes.
if [ ! -f ui/node_modules/.package-lock.json ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
  echo "setup: installing the UI's npm packages"
  (cd ui && npm ci --no-audit --no-fund --loglevel=error)
fi

# A real S3-compatible server for the document-hosting tests: moto's, from PyPI,
# in a virtual environment of the project's own (.tools/, not tracked).
if [ "$testing" = 1 ] && [ ! -x .tools/venv/bin/moto_server ]; then
  echo "setup: installing moto (the S3 server the tests upload to)"
  python3 -m venv .tools/venv
  .tools/venv/bin/pip install --quiet --disable-pip-version-check 'moto[server]>=5,<6'
fi

# make test checks formatting and lints; rustup's minimal profile leaves both out.
if [ "$testing" = 1 ] && ! { cargo fmt --version && cargo clippy --version; } >/dev/null 2>&1; then
  echo "setup: adding rustfmt and clippy to the Rust toolchain"
  rustup component add rustfmt clippy ||
    { echo "setup: make test needs rustfmt and clippy: rustup component add rustfmt clippy" >&2; exit 1; }
fi

if [ "$testing" = 1 ] && ! command -v cargo-deny >/dev/null; then
  echo "setup: installing cargo-deny (dependency licenses and advisories)"
  cargo install cargo-deny --locked
fi

if [ "$testing" = 1 ] && ! command -v tauri-driver >/dev/null; then
  echo "setup: installing tauri-driver"
  cargo install tauri-driver --locked --version '^2'
fi
