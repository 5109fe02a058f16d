#!/usr/bin/env bash
# Replicas benchmark (issue 15): 3 `civplan serve --db postgres://…` replicas behind haproxy
# (deploy/haproxy.cfg with this run's ports) over a throwaway PostgreSQL/PostGIS cluster
# (scripts/pgtest.sh), wrk on the read endpoints through haproxy plus one writer, while
#   1. one replica is killed with SIGKILL and restarted at once,
#   2. PostgreSQL restarts (pg_ctl restart -m fast),
# and, before both, read latency of one PostgreSQL-backed replica against an SQLite-backed server
# on the same embedded Hubei data (wrk straight at each, alternately). Prints errors, write-to-
# visible lag on every live replica, not-ready spells, acknowledged writes lost.
#
#   bench/replicas/run.sh                    # 40 s phases, 10 s latency runs
#   PHASE=60s LATENCY=20s CONNS=32 bench/replicas/run.sh
#   BACKEND=sqlite bench/replicas/run.sh     # the replicas share one SQLite file instead (no restart phase)
#   KEEP=1 bench/replicas/run.sh             # keep the logs (replicas, haproxy) in the printed directory
#   KILLS=6 PHASE=60s bench/replicas/run.sh  # kill r2 6 times in the kill phase (more writes caught in flight)
#
# Installs haproxy and wrk (Debian) when missing. Not part of `make test`: it needs minutes and a
# quiet machine. The cluster runs with fsync=off (scripts/pgtest.sh), so "nothing lost" is
# measured across PostgreSQL process restarts, not power loss; synchronous_commit is on for the
# bench database, so an acknowledged commit is in the WAL before the answer.
set -euo pipefail
cd "$(dirname "$0")/../.."
BACKEND=${BACKEND:-postgres}
if [ "$BACKEND" = postgres ] && [ -z "${CIVPLAN_TEST_PG:-}" ]; then
  exec scripts/pgtest.sh "$0" "$@"
fi
PHASE=${PHASE:-40s} LATENCY=${LATENCY:-10s} CONNS=${CONNS:-32} REPLICAS=${REPLICAS:-3} KILLS=${KILLS:-1}
export GOFLAGS=${GOFLAGS:--mod=mod}
SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
missing=""
for p in haproxy wrk; do command -v $p >/dev/null || missing="$missing $p"; done
if [ -n "$missing" ]; then
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
fi

TMP=$(mktemp -d /tmp/civplan-replicas.XXXXXX)
if [ -n "${KEEP:-}" ]; then echo "logs kept in $TMP"; else trap 'rm -rf "$TMP"' EXIT; fi
go build -o "$TMP/civplan" ./cmd/civplan
go build -o "$TMP/replicas" ./bench/replicas

RESTART=""
if [ "$BACKEND" = postgres ]; then
  base=$CIVPLAN_TEST_PG
  psql -q -v ON_ERROR_STOP=1 "$base" -c "CREATE DATABASE civplan_bench" \
    -c "ALTER DATABASE civplan_bench SET synchronous_commit = on" >/dev/null
  DB=${base%/*}/civplan_bench
  psql -q -v ON_ERROR_STOP=1 "$DB" -c "CREATE EXTENSION postgis" >/dev/null
  datadir=$(psql -At "$base" -c "SHOW data_directory")
  # -l: the restarted server logs to a file, not to pg_ctl's output (which the driver reads to its end).
  PGCTL="/usr/lib/postgresql/15/bin/pg_ctl -D $datadir -l $(dirname "$datadir")/restart.log restart -m fast -w -t 60"
  if [ "$(id -u)" = 0 ]; then RESTART="runuser -u postgres -- $PGCTL"; else RESTART=$PGCTL; fi
  echo "PostgreSQL $(psql -At "$base" -c 'SHOW server_version'), synchronous_commit on for civplan_bench, fsync $(psql -At "$base" -c 'SHOW fsync'); haproxy $(haproxy -v | awk 'NR==1{print $3}')"
else
  DB=$TMP/shared.db
fi
echo "command: BACKEND=$BACKEND PHASE=$PHASE LATENCY=$LATENCY CONNS=$CONNS REPLICAS=$REPLICAS KILLS=$KILLS bench/replicas/run.sh  (at $(git rev-parse --short HEAD))"
"$TMP/replicas" -civplan "$TMP/civplan" -db "$DB" -peer-db "$TMP/peer.db" -dir "$TMP" \
  -replicas "$REPLICAS" -phase "$PHASE" -latency "$LATENCY" -conns "$CONNS" -kills "$KILLS" -pg-restart "$RESTART" \
  || { echo "driver failed; logs:"; tail -n 20 "$TMP"/*.log; exit 1; }
