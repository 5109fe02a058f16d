# civplan — the one test command is `make test` (.ci/run calls it). It installs what the tests
# need when it is missing, so it works on a fresh machine.
SHELL := /bin/bash
GO ?= go
export GOFLAGS ?= -mod=mod

.PHONY: test deps lint unit race crash-short fuzz-short uitest ui serve dataset bench fuzz crash load clean test-web-pg

test: lint deps unit race crash-short fuzz-short uitest

# Debian packages the tests use — GDAL (the OGC API and tile client tests), Chromium and a CJK
# font (the report and browser tests), PostgreSQL 15 with PostGIS (the PostgreSQL store's tests,
# scripts/pgtest.sh), haproxy (deploy/haproxy.cfg is checked with haproxy -c) — installed once,
# before test packages run in parallel (two apt-get runs at once would fight over dpkg's lock).
DEBS := gdal-bin chromium fonts-wqy-zenhei python3-pyproj postgresql-15-postgis-3 haproxy
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
deps:
	@missing=""; for p in $(DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	  if [ -n "$$missing" ]; then \
	    echo "installing$$missing"; \
	    $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq -o DPkg::Lock::Timeout=600 $$missing; \
	  fi

# gofmt, go vet and staticcheck (pinned; `go run` fetches it through the module proxy once).
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "not gofmt-formatted: $$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

# Every Go test; scripts/pgtest.sh runs them with a throwaway PostgreSQL/PostGIS cluster
# (CIVPLAN_TEST_PG), so the PostgreSQL store's tests run — they fail, not skip, without it.
unit:
	scripts/pgtest.sh $(GO) test -count=1 ./...

# Every HTTP test under the race detector, among them reads during writes and snapshot swaps
# (web/race_test.go) and the bad-input corpus (about a minute once the race build is cached);
# the PostgreSQL-backed ones against a throwaway cluster. The PostgreSQL-equals-SQLite answers
# test (two whole Hubei seeds, no concurrency of its own) runs in `unit` only.
race:
	scripts/pgtest.sh $(GO) test -count=1 -race -skip '^TestPostgresAnswersEqualSQLite$$' ./web

# The whole HTTP suite with every test env on PostgreSQL instead of SQLite (web_test.go's
# CIVPLAN_TEST_WEB_STORE); not part of `make test`, which runs the PostgreSQL answers-equal test.
test-web-pg:
	CIVPLAN_TEST_WEB_STORE=postgres scripts/pgtest.sh $(GO) test -count=1 ./web

# kill -9 crash test, CI form: 5 runs (bench/crash/run.sh, `make crash`, does 50).
crash-short:
	CIVPLAN_CRASH_RUNS=5 $(GO) test -count=1 -run '^TestCrashKill9$$' ./cmd/civplan

# Every fuzz target (found by grep) for FUZZTIME each; `make fuzz` runs them longer.
# Go 1.26's fuzz coordinator can end a duration-limited run with a bare "context deadline
# exceeded" when a worker is still busy at the deadline (golang/go#75804, fixed in Go 1.27):
# such a run wrote no failing input, so it is reported and not counted as a failure. Any run
# that writes a failing input ("Failing input written to …") or fails otherwise still fails.
FUZZTIME ?= 3s
fuzz-short:
	@set -e; out=$$(mktemp); trap 'rm -f $$out' EXIT; \
	for f in $$(git ls-files '*_test.go' | xargs grep -l '^func Fuzz'); do \
	  for t in $$(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' $$f); do \
	    echo "fuzz ./$$(dirname $$f) $$t for $(FUZZTIME)"; \
	    if $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) ./$$(dirname $$f) >$$out 2>&1; then cat $$out; \
	    else cat $$out; \
	      if grep -q '^    context deadline exceeded$$' $$out && ! grep -q 'Failing input written' $$out; then \
	        echo "fuzz-short: $$t stopped by Go's fuzztime race (golang/go#75804), no failing input written: not a failure"; \
	      else exit 1; fi; \
	    fi; \
	  done; \
	done

# Long forms, not part of `make test`.
fuzz:
	$(MAKE) fuzz-short FUZZTIME=2m

crash:
	bench/crash/run.sh

load:
	bench/load/run.sh

# Browser tests of the planner web map (web/ui/test, Playwright driving Debian's chromium against
# a civplan on a free loopback port with a temp DB); installs chromium, fonts-wqy-zenhei and the
# pinned npm packages when missing. Screenshots go to test-output/ui/.
uitest:
	GO=$(GO) web/ui/test/run.sh

# Re-vendors the pinned MapLibre GL JS build into web/ui/vendor (committed; embedded with web/ui/src).
ui:
	cd web/ui && npm ci --no-audit --no-fund && npm run build

# Runs the service on the embedded Hubei data (the README's first command does the same).
serve:
	$(GO) run ./cmd/civplan serve

# Rebuilds data/dataset/embedded/hubei.json.gz from the sources in data/sources/hubei (same bytes every run).
dataset:
	$(GO) run ./cmd/build-dataset -src data/sources/hubei -out data/dataset/embedded/hubei.json.gz

# Go benchmarks (not part of `make test`).
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

clean:
	rm -f civplan civplan.db civplan.db-wal civplan.db-shm
