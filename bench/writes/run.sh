#!/usr/bin/env bash
# Write-path benchmark (issue 12 "One truth"): builds civplan, seeds a database from the
# embedded Hubei data in a temp dir on the local disk, starts `civplan serve` on 127.0.0.1
# (rate limit off), creates a planner token and runs bench/writes:
#   patch  — 8 writers PATCHing their own facility for DURATION (p50/p99, writes/s);
#   batch  — a 15,000-feature FeatureCollection in one POST (end to end, atomic visibility);
#   follow — 200 writes by another process on the same SQLite file, time until readers see them.
#   bench/writes/run.sh                      # DURATION=60s
#   DURATION=10s ONLY=patch bench/writes/run.sh
#   PPROF=127.0.0.1:6061 ONLY=patch bench/writes/run.sh   # serve Go profiles there meanwhile
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${DURATION:-60s}
WRITERS=${WRITERS:-8}
BATCH=${BATCH:-15000}
ONLY=${ONLY:-patch,batch,follow}
PORT=${PORT:-18490}
export GOFLAGS=${GOFLAGS:--mod=mod}
tmp=$(mktemp -d -p "${TMPDIR:-/var/tmp}")
pid=
cleanup() {
	if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
	rm -rf "$tmp"
}
trap cleanup EXIT
go build -o "$tmp/civplan" ./cmd/civplan
go build -o "$tmp/writes" ./bench/writes
echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'); db on $(df --output=source,fstype "$tmp" | tail -1)" >&2
"$tmp/civplan" serve --addr "127.0.0.1:$PORT" --db "$tmp/w.db" --rate-limit -1 ${PPROF:+--pprof "$PPROF"} 2>"$tmp/serve.log" &
pid=$!
echo "server pid $pid${PPROF:+, profiles at http://$PPROF/debug/pprof/}" >&2
for _ in $(seq 1 480); do
	if curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1; then break; fi
	sleep 0.5
done
curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null || { echo "civplan did not get ready"; tail -5 "$tmp/serve.log"; exit 1; }
token=$("$tmp/civplan" token create --name bench --role planner --db "$tmp/w.db" | tail -1 | awk '{print $NF}')
"$tmp/writes" -base "http://127.0.0.1:$PORT" -token "$token" -db "$tmp/w.db" -writers "$WRITERS" -duration "$DURATION" -batch "$BATCH" -only "$ONLY"
