#!/usr/bin/env bash
# Checks the packages `make bundle` built, as an IT department would before rolling
# them out, without installing anything on this machine: unpacks each one
# (dpkg-deb -x, rpm2cpio), lists what it installs, runs the unpacked `signet`
# (--version must be the package's version), reads every manual page with man -l,
# loads the bash completion, and starts the unpacked desk under Xvfb until its
# window reports ready. Ends with the table docs/BENCHMARKS.md keeps.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work=$(mktemp -d)
desk_pid=""
cleanup() {
  [ -n "$desk_pid" ] && kill -- -"$desk_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "check-bundle: $*" >&2; exit 1; }

version=$(sed -n '/^\[workspace.package\]/,/^\[/s/^version = "\(.*\)"/\1/p' Cargo.toml)
shopt -s nullglob
packages=(target/release/bundle/deb/*.deb target/release/bundle/rpm/*.rpm)
[ ${#packages[@]} -gt 0 ] || fail "no package under target/release/bundle (run scripts/bundle.sh first)"
rows=()

for pkg in "${packages[@]}"; do
  name=$(basename "$pkg")
  tree="$work/$name"
  mkdir -p "$tree"
  case "$pkg" in
    *.deb)
      dpkg-deb -x "$pkg" "$tree"
      pkg_version=$(dpkg-deb -f "$pkg" Version)
      # Maintainer scripts run as root on install, upgrade and removal: there must be
      # none that could touch an operator's data folder or keyring.
      dpkg-deb -e "$pkg" "$work/$name.control"
      scripts=$(cd "$work/$name.control" && ls | grep -vxE 'control|md5sums' || true)
      [ -z "$scripts" ] || fail "$name has maintainer scripts ($scripts): check that they leave data alone"
      ;;
    *.rpm)
      # rpm2cpio (4.18) exits 1 on the bundler's RPMs although it writes the whole
      # payload; cpio reading it to its trailer without error is what counts.
      rpm2cpio "$root/$pkg" >"$work/$name.cpio" || echo "   (rpm2cpio exited $?; checking the archive it wrote)"
      (cd "$tree" && cpio -idm --quiet <"$work/$name.cpio") || fail "$name: its payload is not a whole cpio archive"
      pkg_version=$(basename "$pkg" | sed -E 's/^[^-]+-([0-9][^-]*)-.*/\1/')
      ;;
  esac
  echo
  echo "== $name: $(du -h "$pkg" | cut -f1) packed, $(du -sh "$tree" | cut -f1) installed"
  (cd "$tree" && find . \( -type f -o -type l \) | sed 's|^\./|/|' | sort) >"$work/$name.files"
  # Every man page is listed as one line, the rest file by file.
  grep -v '^/usr/share/man/man1/' "$work/$name.files" | sed 's/^/   /'
  pages=$(grep -c '^/usr/share/man/man1/.*\.1\.gz$' "$work/$name.files" || true)
  echo "   /usr/share/man/man1/: $pages pages"
  outside=$(grep -v '^/usr/' "$work/$name.files" || true)
  [ -z "$outside" ] || fail "$name installs outside /usr: $outside"
  for want in /usr/bin/signet /usr/bin/signet-desk /usr/lib/signet/signet-parse /usr/share/man/man1/signet.1.gz \
    /usr/share/man/man1/signet-desk.1.gz /usr/share/bash-completion/completions/signet /usr/share/fish/vendor_completions.d/signet.fish; do
    grep -qx "$want" "$work/$name.files" || fail "$name lacks $want"
  done
  grep -qE '^/usr/share/zsh/(vendor-completions|site-functions)/_signet$' "$work/$name.files" || fail "$name lacks the zsh completion"

  said=$("$tree/usr/bin/signet" --version)
  [ "$said" = "signet $version" ] || fail "$name: signet --version says '$said', expected 'signet $version'"
  [ "$pkg_version" = "$version" ] || fail "$name is version $pkg_version, the programs are $version"
  "$tree/usr/bin/signet" --help | grep -q '^Usage: signet' || fail "$name: signet --help does not show its usage"
  echo "   signet --version: $said"

  # Every page renders; groff's complaints (other than justification) fail the check.
  for page in "$tree"/usr/share/man/man1/*.1.gz; do
    out=$(MANWIDTH=80 man --warnings -l "$page" 2>"$work/man.err") || fail "$name: man -l $(basename "$page") failed: $(cat "$work/man.err")"
    title=$(basename "$page" .1.gz)
    echo "$out" | grep -A1 '^NAME' | tail -n1 | grep -qE "^ +$title( |$)" || fail "$name: $(basename "$page") does not name $title"
    if grep -v 'cannot adjust line' "$work/man.err" | grep -q .; then fail "$name: $(basename "$page"): $(cat "$work/man.err")"; fi
  done
  echo "   man -l: $pages pages open, each naming its command"
  bash -c "source '$tree/usr/share/bash-completion/completions/signet' && complete -p signet" >/dev/null ||
    fail "$name: bash cannot load the completion"

  # The unpacked desk, on a throwaway data folder, in a private display and bus
  # (no keyring: the desk starts without one and says so).
  data="$work/data-$name"
  mkdir -p "$data" "$work/home"
  log="$work/desk-$name.log"
  # A release desk logs to its data folder only; its own output is kept for errors.
  desk_log() { cat "$data"/logs/*.log "$log" 2>/dev/null || true; }
  start=$(date +%s%N)
  HOME="$work/home" SIGNET_DATA_DIR="$data" GTK_USE_PORTAL=0 GDK_DEBUG=no-portals NO_AT_BRIDGE=1 \
    setsid dbus-run-session --config-file="$root/scripts/e2e-session-bus.conf" -- \
    xvfb-run --auto-servernum --server-args="-screen 0 1280x800x24" "$tree/usr/bin/signet-desk" >"$log" 2>&1 &
  desk_pid=$!
  ready=""
  for _ in $(seq 600); do
    if desk_log | grep -q "window ready"; then ready=1; break; fi
    kill -0 "$desk_pid" 2>/dev/null || break
    sleep 0.1
  done
  wall_ms=$(( ($(date +%s%N) - start) / 1000000 ))
  kill -- -"$desk_pid" 2>/dev/null || true
  wait "$desk_pid" 2>/dev/null || true
  desk_pid=""
  [ -n "$ready" ] || fail "$name: the unpacked desk did not report its window ready within 60 s: $(desk_log | tail -n 5)"
  after_ms=$(desk_log | grep -m1 "window ready" | sed -E 's/.*after_ms[^0-9]*([0-9]+).*/\1/')
  desk_log | grep -q "Sandbox serving every provider" || fail "$name: the desk did not start its Sandbox: $(desk_log | tail -n 5)"
  echo "   desk: window ready ${after_ms} ms after start (${wall_ms} ms including Xvfb and the bus)"

  rows+=("| $name | $(du -h "$pkg" | cut -f1) | $(du -sh "$tree" | cut -f1) | $(wc -l <"$work/$name.files") | \`$said\` | $pages | ${after_ms} ms |")
done

echo
echo "| Package | Size | Installed | Files | \`signet --version\` | Manual pages | Desk window ready |"
echo "|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
