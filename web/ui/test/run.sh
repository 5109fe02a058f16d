#!/usr/bin/env bash
# Runs the planner web map's browser tests (Playwright driving Debian's chromium) against a
# civplan built from this tree, serving a fresh temporary database seeded from the embedded
# Hubei data on a free loopback port. Installs chromium, a CJK font and the pinned npm packages
# when they are missing. Called by `make uitest` (part of `make test`); arguments name test files
# (relative to web/ui) to run instead of all of test/.
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
ui="$root/web/ui"
GO=${GO:-go}
export GOFLAGS=${GOFLAGS:--mod=mod}

need=()
for pkg in chromium fonts-wqy-zenhei; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "uitest: installing ${need[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
fi
if [ ! -d "$ui/node_modules/playwright-core" ] || [ ! -d "$ui/node_modules/maplibre-gl" ] ||
   [ "$ui/package-lock.json" -nt "$ui/node_modules/.package-lock.json" ]; then
  (cd "$ui" && npm ci --no-audit --no-fund)
fi

# The embedded vendor/ must be the pinned MapLibre build (the binary serves src/ and vendor/).
for f in maplibre-gl.js maplibre-gl.css; do
  cmp -s "$ui/node_modules/maplibre-gl/dist/$f" "$ui/vendor/$f" || { echo "uitest: web/ui/vendor/$f is not the pinned maplibre-gl build: run make ui"; exit 1; }
done

tmp=$(mktemp -d /tmp/civplan-uitest.XXXXXX)
pid=
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill "$pid"; wait "$pid" 2>/dev/null || true; fi
  if [ -f "$tmp/serve.log" ] && [ -d "$root/test-output/ui" ]; then cp "$tmp/serve.log" "$root/test-output/ui/serve.log"; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

"$GO" build -o "$tmp/civplan" "$root/cmd/civplan"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
"$tmp/civplan" serve --addr "127.0.0.1:$port" --db "$tmp/civplan.db" >"$tmp/serve.log" 2>&1 &
pid=$!
ready() { # no proxy: the server is on loopback
  python3 -c 'import sys, urllib.request as u; u.build_opener(u.ProxyHandler({})).open(sys.argv[1], timeout=2)' "http://127.0.0.1:$port/readyz" >/dev/null 2>&1
}
for _ in $(seq 1 240); do
  if ready; then break; fi
  if ! kill -0 "$pid" 2>/dev/null; then echo "uitest: civplan serve exited:"; cat "$tmp/serve.log"; exit 1; fi
  sleep 0.5
done
ready || { echo "uitest: civplan not ready"; tail -20 "$tmp/serve.log"; exit 1; }
token=$("$tmp/civplan" token create --name uitest --role planner --db "$tmp/civplan.db" | tail -1)

mkdir -p "$root/test-output/ui"
cd "$ui"
CIVPLAN_URL="http://127.0.0.1:$port" CIVPLAN_TOKEN="$token" TEST_OUTPUT="$root/test-output/ui" REPO_ROOT="$root" \
  node --test --test-concurrency=1 --test-reporter=spec "${@:-test/}" || {
    echo "uitest: failed; server log in test-output/ui/serve.log; non-2xx requests:"
    grep -v '"status":20[0-9]\|"status":304' "$tmp/serve.log" | grep '"status"' | tail -20
    exit 1
  }
