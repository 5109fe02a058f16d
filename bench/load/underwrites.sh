#!/usr/bin/env bash
# Readers under steady writes (issues 15/16): what a steady stream of facility PATCHes costs the
# map's reads. Serves the embedded Hubei data on 127.0.0.1 (rate limit off) and runs wrk
# (-t2 -c64) on a read mix — vector tiles of the "all" tileset around 宜昌 and 武汉 at zooms
# 8–12, OGC items pages, /children, /facilities?division=4205 — for DURATION with no writes,
# then the same while bench/writes -only steady PATCHes facilities of every kind across the
# province at each of RATES writes/s. Prints read req/s, p50, p99 and errors per phase and the
# ratio to the no-write phase.
# REF=<git revision> also builds that revision and runs the same phases against it, alternating
# with this tree's server phase by phase (the before/after figures side by side).
#   bench/load/underwrites.sh                       # DURATION=30s RATES="50 200"
#   REF=main DURATION=30s bench/load/underwrites.sh
#   PPROF=127.0.0.1:6062 RATES=50 bench/load/underwrites.sh   # profiles of this tree's server
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${DURATION:-30s}
RATES=${RATES:-50 200}
CONNS=${CONNS:-64}
THREADS=${THREADS:-2}
PORT=${PORT:-18483}
REF_PORT=${REF_PORT:-18484}
export GOFLAGS=${GOFLAGS:--mod=mod}
. bench/lib/serve.sh
bench_need_wrk
TMPDIR=${TMPDIR:-/var/tmp} bench_serve uw.db ${PPROF:+--pprof "$PPROF"}
new_pid=$pid new_base=$base new_tmp=$tmp
go build -o "$tmp/writes" ./bench/writes
token=$("$tmp/civplan" token create --name bench --role planner --db "$tmp/uw.db" | tail -1 | awk '{print $NF}')
servers=("this tree|$new_base|$token")
if [ -n "${REF:-}" ]; then
	rev=$(git rev-parse --short "$REF")
	mkdir -p "$tmp/ref"
	git archive "$rev" | tar -x -C "$tmp/ref"
	(cd "$tmp/ref" && go build -o "$tmp/civplan-ref" ./cmd/civplan)
	"$tmp/civplan-ref" serve --addr "127.0.0.1:$REF_PORT" --db "$tmp/ref.db" --rate-limit -1 2>"$tmp/ref.log" &
	ref_pid=$!
	trap 'kill $ref_pid 2>/dev/null || true; wait $ref_pid 2>/dev/null || true; bench_cleanup' EXIT
	for _ in $(seq 1 480); do curl -fs "http://127.0.0.1:$REF_PORT/readyz" >/dev/null 2>&1 && break; sleep 0.5; done
	curl -fs "http://127.0.0.1:$REF_PORT/readyz" >/dev/null || { echo "the $rev server did not get ready"; tail -5 "$tmp/ref.log"; exit 1; }
	ref_token=$("$tmp/civplan-ref" token create --name bench --role planner --db "$tmp/ref.db" | tail -1 | awk '{print $NF}')
	servers=("$rev (REF)|http://127.0.0.1:$REF_PORT|$ref_token" "${servers[@]}")
fi

# The read mix: tiles z8–12 (2×2 around each city per zoom), OGC items, children, facilities page.
tile() { # lon lat z → x/y
	awk -v lon="$1" -v lat="$2" -v z="$3" 'BEGIN { n = 2^z; pi = atan2(0, -1); r = lat * pi / 180;
		x = int((lon + 180) / 360 * n); y = int((1 - log(sin(r)/cos(r) + 1/cos(r)) / pi) / 2 * n); printf "%d/%d\n", x, y }'
}
paths=()
for c in "111.29 30.70" "114.30 30.59"; do
	for z in 8 9 10 11 12; do
		read -r x y < <(tile $c "$z" | tr / ' ')
		for dx in 0 1; do for dy in 0 1; do paths+=("/tiles/all/$z/$((x + dx))/$((y + dy)).mvt"); done; done
	done
done
for _ in 1 2; do
	paths+=("/ogc/collections/mutual_aid_elderly/items?limit=100"
		"/ogc/collections/welfare_home/items?bbox=110.5,30.3,112,31.3&limit=100"
		"/ogc/collections/uncovered_mutual_aid_elderly/items?limit=100"
		"/ogc/collections/townships/items?limit=20"
		"/api/v1/divisions/420526/children"
		"/api/v1/facilities?division=4205")
done
{
	echo "paths = {"
	for p in "${paths[@]}"; do echo "  \"$p\","; done
	echo "}"
	echo 'i = 0'
	echo 'request = function() i = i % #paths + 1; return wrk.format("GET", paths[i]) end'
} >"$tmp/mix.lua"
for s in "${servers[@]}"; do # every path answers 200 or 204 before anything is measured
	IFS='|' read -r _ b _ <<<"$s"
	for p in "${paths[@]}"; do
		code=$(curl -s -o /dev/null -w '%{http_code}' "$b$p")
		[ "$code" = 200 ] || [ "$code" = 204 ] || { echo "$b$p: $code"; exit 1; }
	done
done

run() { # base → "req/s p50 p99 errors"
	local out rps p50 p99 non2xx sock
	out=$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -s "$tmp/mix.lua" "$1")
	rps=$(awk '/^Requests\/sec:/{printf "%.0f", $2}' <<<"$out")
	p50=$(awk '$1=="50%"{print $2}' <<<"$out")
	p99=$(awk '$1=="99%"{print $2}' <<<"$out")
	non2xx=$(awk '/Non-2xx or 3xx responses:/{print $NF}' <<<"$out")
	sock=$(awk '/Socket errors:/{gsub(",",""); print $4+$6+$8+$10}' <<<"$out")
	echo "$rps $p50 $p99 $(( ${non2xx:-0} + ${sock:-0} ))"
}
echo "read mix: ${#paths[@]} paths in rotation (40 tiles, 4 OGC items pages, children, facilities page; each non-tile twice); wrk -t$THREADS -c$CONNS -d$DURATION --latency; $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p')"
echo "writer: bench/writes -only steady (PATCH of facilities of every kind across Hubei, every 4th a move of ≤ 100 m, else beds)"
echo
echo "| server | writes/s offered | writes acknowledged/s | write p99 | read req/s | read p50 | read p99 | read errors | reads vs no writes | load avg |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
declare -A base_rps
for rate in 0 $RATES; do
	for s in "${servers[@]}"; do
		IFS='|' read -r name b tok <<<"$s"
		wpid= wout="$tmp/writer.out"
		: >"$wout"
		if [ "$rate" != 0 ]; then
			"$tmp/writes" -base "$b" -token "$tok" -only steady -rate "$rate" -duration "$(( ${DURATION%s} + 2 ))s" -seed 7 >"$wout" 2>&1 &
			wpid=$!
			sleep 1 # the writer lists its facilities first
		fi
		read -r rps p50 p99 errs < <(run "$b")
		if [ -n "$wpid" ]; then wait "$wpid" || true; fi
		la=$(cut -d' ' -f1 /proc/loadavg)
		ack=$(sed -n 's/.* acknowledged (\([0-9.]*\)\/s).*/\1/p' "$wout")
		wp99=$(sed -n 's/.*latency p50 [^ ]* p99 \([^;]*\);.*/\1/p' "$wout")
		[ -n "$wpid" ] && grep -q 'failed map\[\]' "$wout" || { [ -n "$wpid" ] && echo "writer: $(cat "$wout")" >&2; }
		if [ "$rate" = 0 ]; then base_rps[$name]=$rps; fi
		ratio=$(awk -v a="$rps" -v b="${base_rps[$name]}" 'BEGIN { printf "%.2f", a / b }')
		echo "| $name | $rate | ${ack:--} | ${wp99:--} | $rps | $p50 | $p99 | $errs | $ratio | $la |"
	done
done
