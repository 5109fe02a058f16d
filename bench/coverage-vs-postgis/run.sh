#!/usr/bin/env bash
# Compare civplan's coverage and nearest-facility queries with PostGIS on the same generated data.
#
#   bench/coverage-vs-postgis/run.sh [--villages N] [--facilities M] [--seed S] [--runs K]
#
# Defaults: 500,000 villages, 1,000,000 facilities (facilities/synth). Installs Debian
# postgresql-15-postgis-3 if missing, starts a throwaway cluster in a temporary directory on a
# free port of 127.0.0.1 (as the postgres user when run as root), loads the data as
# geography(Point,4326) with GiST indexes and ANALYZE (default parallel settings), times the
# queries in PostGIS and in civplan, compares the answers and removes the cluster. The last line
# of output is: ratio_cover_500m=X ratio_cover_5km=Y ratio_nearest=Z mismatches=N
set -euo pipefail

VILLAGES=500000 FACILITIES=1000000 SEED=1 RUNS=3
while [ $# -gt 0 ]; do
  case "$1" in
    --villages) VILLAGES=$2; shift 2 ;;
    --facilities) FACILITIES=$2; shift 2 ;;
    --seed) SEED=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PGBIN=/usr/lib/postgresql/15/bin
if [ ! -f /usr/share/postgresql/15/extension/postgis.control ]; then
  echo "installing postgresql-15-postgis-3" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql-15-postgis-3 >&2
fi

TMP=$(mktemp -d /tmp/civplan-pgbench.XXXXXX)
chmod 755 "$TMP"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ "$(id -u)" = 0 ]; then chown postgres "$TMP"; fi
PGUSER_NAME=$( [ "$(id -u)" = 0 ] && echo postgres || id -un )

cleanup() {
  as_pg "$PGBIN/pg_ctl" -D "$TMP/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$TMP"
}
trap cleanup EXIT

as_pg "$PGBIN/initdb" -D "$TMP/data" -A trust -U "$PGUSER_NAME" --no-sync >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$TMP/data" -l "$TMP/data/server.log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $PORT -c unix_socket_directories=$TMP -c fsync=off -c maintenance_work_mem=512MB" start >/dev/null

echo "machine: $(nproc) CPUs, $(lscpu | sed -n 's/^Model name: *//p'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "command: bench/coverage-vs-postgis/run.sh --villages $VILLAGES --facilities $FACILITIES --seed $SEED --runs $RUNS"
cd "$ROOT"
GOFLAGS=-mod=mod go build -o "$TMP/coverage-vs-postgis" ./bench/coverage-vs-postgis
"$TMP/coverage-vs-postgis" -villages "$VILLAGES" -facilities "$FACILITIES" -seed "$SEED" -runs "$RUNS" \
  -port "$PORT" -user "$PGUSER_NAME" -dir "$TMP"
