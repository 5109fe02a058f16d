# civplan — the one test command is `make test` (.ci/run calls it). It installs what the tests
# need when it is missing, so it works on a fresh machine.
SHELL := /bin/bash
GO ?= go
export GOFLAGS ?= -mod=mod

.PHONY: test lint unit serve dataset bench fuzz clean

test: lint unit

lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "not gofmt-formatted: $$unformatted"; exit 1; fi
	$(GO) vet ./...

unit:
	$(GO) test -count=1 ./...

# Runs the service on the embedded Hubei data (the README's first command does the same).
serve:
	$(GO) run ./cmd/civplan serve

# Rebuilds data/embedded/hubei.json.gz from ../shared/data/hubei (same bytes every run).
dataset:
	$(GO) run ./cmd/build-dataset -src ../shared/data/hubei -out data/embedded/hubei.json.gz

# Go benchmarks (not part of `make test`).
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

clean:
	rm -f civplan civplan.db civplan.db-wal civplan.db-shm
