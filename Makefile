# civplan — the one test command is `make test` (.ci/run calls it). It installs what the tests
# need when it is missing, so it works on a fresh machine.
SHELL := /bin/bash
GO ?= go
export GOFLAGS ?= -mod=mod

.PHONY: test lint unit uitest ui serve dataset bench fuzz clean

test: lint unit uitest

lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "not gofmt-formatted: $$unformatted"; exit 1; fi
	$(GO) vet ./...

unit:
	$(GO) test -count=1 ./...

# Browser tests of the planner web map (web/ui/test, Playwright driving Debian's chromium against
# a civplan on a free loopback port with a temp DB); installs chromium, fonts-wqy-zenhei and the
# pinned npm packages when missing. Screenshots go to test-output/ui/.
uitest:
	GO=$(GO) web/ui/test/run.sh

# Rebuilds the embedded front-end (web/ui/dist, committed) from web/ui/src and the pinned MapLibre.
ui:
	cd web/ui && npm ci --no-audit --no-fund && npm run build

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
