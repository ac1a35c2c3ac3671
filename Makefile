# The two commands a new machine needs; each installs what is missing first.
.PHONY: run test bench bundle screenshots setup-run setup-test setup-bench setup-bundle ui

run: setup-run ui
	cargo run --bin signet-desk

test: setup-test
	scripts/test.sh

# Measurements, not tests: criterion benchmarks (release builds); figures in docs/BENCHMARKS.md.
bench: setup-bench ui
	cargo bench -p signet-providers --bench signing
	@echo 'Baseline for the P-521 figures above: OpenSSL in the same run'
	openssl speed -seconds 5 ecdsap521 2>/dev/null | tail -2
	cargo bench -p signet-core --bench ledger
	cargo bench -p signet-core --bench activity
	cargo bench -p signet-core --bench bulk
	cargo bench -p signet-core --bench contract
	cargo bench -p signet-core --bench team
	scripts/bench-desk.sh

# Installable packages (.deb and .rpm, and an AppImage where it builds) in
# target/release/bundle, each then unpacked and checked as IT would.
bundle: setup-bundle
	scripts/bundle.sh
	scripts/check-bundle.sh

setup-run:
	scripts/setup.sh run

setup-test:
	scripts/setup.sh test

setup-bench:
	scripts/setup.sh bench

setup-bundle:
	scripts/setup.sh bundle

ui:
	cd ui && npm run build --silent

# Refreshes the pictures in docs/screenshots/ (and the README) from the end-to-end
# suite at the desk's default window size; `make test` keeps its own under target/.
screenshots: setup-test ui
	cargo build --workspace --bins
	SIGNET_E2E_WINDOWS=default SIGNET_E2E_SCREENSHOTS="$(CURDIR)/docs/screenshots" scripts/e2e.sh target/debug/signet-desk
