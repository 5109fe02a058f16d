#!/usr/bin/env bash
# Times `civplan serve` on an existing national database (see docs/benchmarks.md "National scale"):
# time to ready (start → first 200 from /readyz, polled every 0.1 s) and VmRSS at that moment;
# then, per province given (default: 44 and four others), the first (uncached) coverage call in
# each mode over HTTP, the province gap list, the nearest-facility answer for the whole country,
# and VmRSS after them.
#   bench/national/serve.sh CIVPLAN_BINARY DB [PROVINCE...]
set -euo pipefail
bin=${1:?civplan binary}; db=${2:?database}; shift 2
provs=("$@"); [ ${#provs[@]} -gt 0 ] || provs=(44 11 32 51 62)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base=http://127.0.0.1:$port
rss() { awk '/VmRSS/ {printf "%.2f GB", $2*1024/1e9}' /proc/"$1"/status; }
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
t0=$(date +%s.%N)
"$bin" serve --addr 127.0.0.1:"$port" --db "$db" --rate-limit -1 >/dev/null 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true' EXIT
until curl -sf -o /dev/null "$base/readyz"; do
	kill -0 $pid 2>/dev/null || { echo "serve exited"; exit 1; }
	sleep 0.1
done
t1=$(date +%s.%N)
printf 'ready after %.1f s, VmRSS %s\n' "$(echo "$t1 - $t0" | bc)" "$(rss $pid)"
for p in "${provs[@]}"; do
	for q in "mode=jurisdiction" "mode=radius&radius_m=500" "mode=radius&radius_m=5000"; do
		printf 'coverage %s %-24s first call %s s\n' "$p" "$q" \
			"$(curl -s -o /dev/null -w '%{time_total}' "$base/api/v1/coverage?kind=mutual_aid_elderly&division=$p&$q")"
	done
done
printf 'gap list %s: first byte / whole %s s\n' "${provs[0]}" \
	"$(curl -s -o /dev/null -w '%{time_starttransfer} / %{time_total}' "$base/api/v1/gaps?kind=mutual_aid_elderly&division=${provs[0]}")"
echo "VmRSS after the coverage calls and the gap list: $(rss $pid)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
