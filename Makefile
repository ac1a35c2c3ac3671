# The two commands a new machine needs; each installs what is missing first.
.PHONY: run test bench setup-run setup-test ui

run: setup-run ui
	cargo run --bin signet-desk

test: setup-test
	scripts/test.sh

# Measurements, not tests: criterion benchmarks (release builds); figures in docs/BENCHMARKS.md.
bench: setup-run
	cargo bench -p signet-providers --bench signing
	cargo bench -p signet-core --bench ledger

setup-run:
	scripts/setup.sh run

setup-test:
	scripts/setup.sh test

ui:
	cd ui && npm run build --silent
