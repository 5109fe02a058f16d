#!/usr/bin/env bash
# Load benchmark (issue 8 "Load"): wrk at 64 connections against the main read endpoints of a
# civplan serving the embedded Hubei data on 127.0.0.1, rate limit off (--rate-limit -1).
# Prints one Markdown row per endpoint: req/s, p50, p99, errors (non-2xx + socket errors; must be 0).
#   bench/load/run.sh                  # 20 s per endpoint
#   DURATION=5s CONNS=64 THREADS=2 bench/load/run.sh
# Installs wrk from Debian when it is missing. Builds civplan into a temp dir and seeds a temp DB.
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${DURATION:-20s}
CONNS=${CONNS:-64}
THREADS=${THREADS:-2}
PORT=${PORT:-18480}
export GOFLAGS=${GOFLAGS:--mod=mod}
. bench/lib/serve.sh
bench_need_wrk
bench_serve load.db

# name|path (the Hubei data: 兴山县 420526, 古夫镇 420526101, 宜昌市 4205)
endpoints=(
	"division|/api/v1/divisions/420526"
	"children|/api/v1/divisions/420526/children"
	"search|/api/v1/divisions?q=%E5%8F%A4%E5%A4%AB"
	"locate|/api/v1/locate?lon=110.75&lat=31.34"
	"facilities page|/api/v1/facilities?division=4205"
	"coverage|/api/v1/coverage?kind=mutual_aid_elderly&division=4205"
	"scorecard|/api/v1/scorecard/420526"
	"gaps|/api/v1/gaps?kind=mutual_aid_elderly&division=420526"
	"tile|/tiles/townships/8/206/104.mvt"
)
echo "wrk -t$THREADS -c$CONNS -d$DURATION --latency; $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| endpoint | path | bytes | req/s | p50 | p99 | errors |"
echo "|---|---|---:|---:|---:|---:|---:|"
fail=0
for e in "${endpoints[@]}"; do
	name=${e%%|*}
	path=${e#*|}
	url="http://127.0.0.1:$PORT$path"
	code=$(curl -s -o "$tmp/body" -w '%{http_code}' "$url")
	if [ "$code" != 200 ]; then echo "| $name | \`$path\` | HTTP $code | | | | |"; fail=1; continue; fi
	bytes=$(stat -c %s "$tmp/body")
	out=$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "$url")
	rps=$(awk '/^Requests\/sec:/{printf "%.0f", $2}' <<<"$out")
	p50=$(awk '$1=="50%"{print $2}' <<<"$out")
	p99=$(awk '$1=="99%"{print $2}' <<<"$out")
	non2xx=$(awk '/Non-2xx or 3xx responses:/{print $NF}' <<<"$out")
	sock=$(awk '/Socket errors:/{gsub(",",""); print $4+$6+$8+$10}' <<<"$out")
	errors=$(( ${non2xx:-0} + ${sock:-0} ))
	[ "$errors" -eq 0 ] || fail=1
	echo "| $name | \`$path\` | $bytes | $rps | $p50 | $p99 | $errors |"
done
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
exit $fail
