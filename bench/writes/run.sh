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
. bench/lib/serve.sh
TMPDIR=${TMPDIR:-/var/tmp} bench_serve w.db ${PPROF:+--pprof "$PPROF"} # the database on the local disk
go build -o "$tmp/writes" ./bench/writes
echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'); db on $(df --output=source,fstype "$tmp" | tail -1)" >&2
echo "server pid $pid${PPROF:+, profiles at http://$PPROF/debug/pprof/}" >&2
token=$("$tmp/civplan" token create --name bench --role planner --db "$tmp/w.db" | tail -1 | awk '{print $NF}')
"$tmp/writes" -base "http://127.0.0.1:$PORT" -token "$token" -db "$tmp/w.db" -writers "$WRITERS" -duration "$DURATION" -batch "$BATCH" -only "$ONLY"
