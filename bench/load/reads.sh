#!/usr/bin/env bash
# Read speed (issue 16, embedded Hubei): the heavy read endpoints against coverage, side by side.
# Serves the embedded Hubei data on 127.0.0.1 (rate limit off) and, for each endpoint, runs wrk on
# it and then on the coverage reference right after (ROUNDS times), so that both see about the
# same machine load; prints req/s, p50, p99 of both and the ratio. Then times the province gap
# list with curl (first byte, whole): the first call of the snapshot and the median of 5 more.
#   bench/load/reads.sh                # 10 s per run, 2 rounds
#   DURATION=5s ROUNDS=1 CONNS=64 bench/load/reads.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${DURATION:-10s}
ROUNDS=${ROUNDS:-2}
CONNS=${CONNS:-64}
THREADS=${THREADS:-2}
PORT=${PORT:-18481}
export GOFLAGS=${GOFLAGS:--mod=mod}
. bench/lib/serve.sh
bench_need_wrk
bench_serve reads.db

# gap list first: its first call is the snapshot's first (nothing memoised yet)
gaps="$base/api/v1/gaps?kind=mutual_aid_elderly&division=42"
echo "province gap list (curl, no gzip): time_starttransfer time_total size; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "first call: $(curl -s -o /dev/null -w '%{time_starttransfer} %{time_total} %{size_download}' "$gaps")"
for _ in 1 2 3 4 5; do curl -s -o /dev/null -w '%{time_starttransfer} %{time_total}\n' "$gaps"; done | sort -n -k2 | sed -n 3p | sed 's/^/median of 5 more: /'
echo

ref="/api/v1/coverage?kind=mutual_aid_elderly&division=4205"
run() { # url [accept-encoding] → "req/s p50 p99 errors"
	local out hdr=()
	[ -n "${2:-}" ] && hdr=(-H "Accept-Encoding: $2")
	out=$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "${hdr[@]}" "$1")
	local rps p50 p99 non2xx sock
	rps=$(awk '/^Requests\/sec:/{printf "%.0f", $2}' <<<"$out")
	p50=$(awk '$1=="50%"{print $2}' <<<"$out")
	p99=$(awk '$1=="99%"{print $2}' <<<"$out")
	non2xx=$(awk '/Non-2xx or 3xx responses:/{print $NF}' <<<"$out")
	sock=$(awk '/Socket errors:/{gsub(",",""); print $4+$6+$8+$10}' <<<"$out")
	echo "$rps $p50 $p99 $(( ${non2xx:-0} + ${sock:-0} ))"
}
# name|path|Accept-Encoding (browsers send gzip; wrk by default sends none)
endpoints=(
	"division|/api/v1/divisions/420526|"
	"children|/api/v1/divisions/420526/children|"
	"facilities page|/api/v1/facilities?division=4205|"
	"facilities page 2|/api/v1/facilities?division=4205&after=200|"
	"tile|/tiles/townships/8/206/104.mvt|"
	"division, gzip|/api/v1/divisions/420526|gzip"
	"children, gzip|/api/v1/divisions/420526/children|gzip"
	"facilities page, gzip|/api/v1/facilities?division=4205|gzip"
)
echo "wrk -t$THREADS -c$CONNS -d$DURATION --latency; each endpoint run, then the reference $ref (with the same Accept-Encoding); $(nproc) cores; bytes as sent"
echo
echo "| endpoint | bytes | req/s | p50 | p99 | errors | coverage req/s | coverage p99 | ratio | load avg |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
fail=0
for r in $(seq 1 "$ROUNDS"); do
	for e in "${endpoints[@]}"; do
		IFS='|' read -r name path enc <<<"$e"
		code=$(curl -s -o "$tmp/body" -w '%{http_code}' ${enc:+-H "Accept-Encoding: $enc"} "$base$path")
		if [ "$code" != 200 ]; then echo "| $name | HTTP $code | | | | | | | | |"; fail=1; continue; fi
		bytes=$(stat -c %s "$tmp/body")
		la=$(cut -d' ' -f1 /proc/loadavg)
		read -r rps p50 p99 errs <<<"$(run "$base$path" "$enc")"
		read -r crps _ cp99 cerrs <<<"$(run "$base$ref" "$enc")"
		[ "$errs" -eq 0 ] && [ "$cerrs" -eq 0 ] || fail=1
		ratio=$(awk -v a="$rps" -v b="$crps" 'BEGIN{printf "%.2f", a/b}')
		echo "| $name | $bytes | $rps | $p50 | $p99 | $errs | $crps | $cp99 | $ratio | $la |"
	done
done
echo
echo "conditional GET (If-None-Match with the division's ETag → 304):"
tag=$(curl -s -D - -o /dev/null "$base/api/v1/divisions/420526" | awk -F': ' 'tolower($1)=="etag"{print $2}' | tr -d '\r')
out=$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -H "If-None-Match: $tag" "$base/api/v1/divisions/420526")
echo "304s: $(awk '/^Requests\/sec:/{printf "%.0f req/s", $2}' <<<"$out"), p99 $(awk '$1=="99%"{print $2}' <<<"$out"), non-2xx/3xx $(awk '/Non-2xx or 3xx responses:/{print $NF}' <<<"$out")"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
exit $fail
