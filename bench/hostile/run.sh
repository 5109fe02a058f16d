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
. bench/lib/serve.sh
bench_serve hostile.db
go build -o "$tmp/hostile" ./bench/hostile
echo "$(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'); load average before: $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%FT%TZ)"
echo
"$tmp/hostile" -base "http://127.0.0.1:$PORT"
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
