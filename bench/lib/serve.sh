# Sourced by the bench scripts that serve the embedded Hubei data (bench/load, bench/hostile,
# bench/writes); run from the repository root.
#
# bench_serve DB [SERVE_FLAG...] builds civplan into $tmp (a fresh directory under ${TMPDIR:-/tmp},
# removed with the server on exit), serves the database $tmp/DB — seeded from the embedded data on
# first start — on 127.0.0.1:$PORT with the rate limit off, and waits until /readyz answers
# (at most 4 minutes; exits 1 with the server's last log lines otherwise). Sets tmp, pid and base.
bench_serve() {
	local db=$1
	shift
	tmp=$(mktemp -d -p "${TMPDIR:-/tmp}")
	pid=
	trap bench_cleanup EXIT
	go build -o "$tmp/civplan" ./cmd/civplan
	"$tmp/civplan" serve --addr "127.0.0.1:$PORT" --db "$tmp/$db" --rate-limit -1 "$@" 2>"$tmp/serve.log" &
	pid=$!
	base="http://127.0.0.1:$PORT"
	for _ in $(seq 1 480); do
		if curl -fs "$base/readyz" >/dev/null 2>&1; then return 0; fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.5
	done
	echo "civplan did not get ready"
	tail -5 "$tmp/serve.log"
	exit 1
}

# bench_cleanup stops the server bench_serve started and removes $tmp.
bench_cleanup() {
	if [ -n "${pid:-}" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
	if [ -n "${tmp:-}" ]; then rm -rf "$tmp"; fi
}

# bench_need_wrk installs Debian's wrk when it is missing.
bench_need_wrk() {
	if ! command -v wrk >/dev/null; then
		apt-get install -y wrk >/dev/null || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
	fi
}
