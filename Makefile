# The two commands: `make run` builds and runs Reposync; `make test` runs every check.
.PHONY: run test build setup bench

run:
	scripts/run.sh

test:
	scripts/test.sh

build:
	scripts/setup.sh
	cargo leptos build --release

setup:
	scripts/setup.sh --test
