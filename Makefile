# The two commands a new machine needs; each installs what is missing first.
.PHONY: run test setup-run setup-test ui

run: setup-run ui
	cargo run --bin signet-desk

test: setup-test
	scripts/test.sh

setup-run:
	scripts/setup.sh run

setup-test:
	scripts/setup.sh test

ui:
	cd ui && npm run build --silent
