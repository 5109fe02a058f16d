#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL/PostGIS cluster: the PostgreSQL half of `make test`.
#
#   scripts/pgtest.sh COMMAND [ARG…]      e.g. scripts/pgtest.sh go test ./data/store/postgres
#
# Installs Debian postgresql-15-postgis-3 when missing, initdb's a cluster in a temporary
# directory (as the postgres user when run as root), starts it on a free port of 127.0.0.1 (no
# Unix socket outside the directory, fsync off: the data is thrown away), creates the database
# civplan_test with PostGIS (each test takes a schema of its own in it: data/store/postgres/pgtest),
# exports CIVPLAN_TEST_PG=postgres://USER@127.0.0.1:PORT/civplan_test, runs COMMAND and stops and
# removes the cluster however COMMAND ends. Its exit status is COMMAND's.
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: scripts/pgtest.sh COMMAND [ARG…]" >&2; exit 2; }

PGBIN=/usr/lib/postgresql/15/bin
SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
if [ ! -x "$PGBIN/initdb" ] || [ ! -f /usr/share/postgresql/15/extension/postgis.control ]; then
  echo "pgtest: installing postgresql-15-postgis-3" >&2
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq -o DPkg::Lock::Timeout=600 postgresql-15-postgis-3 >&2
fi

TMP=$(mktemp -d /tmp/civplan-pgtest.XXXXXX)
chmod 755 "$TMP"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ "$(id -u)" = 0 ]; then chown postgres "$TMP"; fi
USER_NAME=$([ "$(id -u)" = 0 ] && echo postgres || id -un)
cleanup() {
  as_pg "$PGBIN/pg_ctl" -D "$TMP/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$TMP"
}
trap cleanup EXIT
trap "exit 130" INT TERM

start=$(date +%s%N)
as_pg "$PGBIN/initdb" -D "$TMP/data" -A trust -U "$USER_NAME" -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
# A free port: bind to 0, read it, release it; pg_ctl retries with another if it was taken meanwhile.
for attempt in 1 2 3; do
  PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  if as_pg "$PGBIN/pg_ctl" -D "$TMP/data" -l "$TMP/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $PORT -c unix_socket_directories=$TMP -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
      start >/dev/null; then
    break
  fi
  [ "$attempt" = 3 ] && { cat "$TMP/server.log" >&2; exit 1; }
done
as_pg "$PGBIN/psql" -q -h 127.0.0.1 -p "$PORT" -U "$USER_NAME" -d postgres -v ON_ERROR_STOP=1 \
  -c "CREATE DATABASE civplan_test" >/dev/null
as_pg "$PGBIN/psql" -q -h 127.0.0.1 -p "$PORT" -U "$USER_NAME" -d civplan_test -v ON_ERROR_STOP=1 \
  -c "CREATE EXTENSION postgis" >/dev/null
export CIVPLAN_TEST_PG="postgres://$USER_NAME@127.0.0.1:$PORT/civplan_test"
echo "pgtest: PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT ready in $(( ($(date +%s%N) - start) / 1000000 )) ms; CIVPLAN_TEST_PG=$CIVPLAN_TEST_PG" >&2
set +e
"$@"
rc=$?
set -e
exit $rc
