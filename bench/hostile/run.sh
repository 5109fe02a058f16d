#!/usr/bin/env bash
# Hostile-client latencies (issue 14 "bounded work"), not part of CI: starts civplan on the
# embedded Hubei data on 127.0.0.1 (rate limit off) and runs bench/hostile/main.go against it,
# which prints one Markdown row per measurement.
#   bench/hostile/run.sh
# Builds civplan into a temp dir and seeds a temp DB.
set -euo pipefail
cd "$(dirname "$0")/../.."
PORT=${PORT:-18490}
export GOFLAGS=${GOFLAGS:--mod=mod}
tmp=$(mktemp -d)
pid=
cleanup() {
	if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
	rm -rf "$tmp"
}
trap cleanup EXIT
go build -o "$tmp/civplan" ./cmd/civplan
go build -o "$tmp/hostile" ./bench/hostile
"$tmp/civplan" serve --addr "127.0.0.1:$PORT" --db "$tmp/hostile.db" --rate-limit -1 2>"$tmp/serve.log" &
pid=$!
for _ in $(seq 1 240); do
	if curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1; then break; fi
	sleep 0.5
done
curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null || { echo "civplan did not get ready"; tail -5 "$tmp/serve.log"; exit 1; }
echo "$(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'); load average before: $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%FT%TZ)"
echo
"$tmp/hostile" -base "http://127.0.0.1:$PORT"
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
