#!/usr/bin/env bash
# Crash soak (issue 8 "Durability"): runs cmd/civplan's TestCrashKill9 with RUNS kill -9 runs
# (default 50) and a kill window of up to MAX_MS milliseconds (default 8000), then prints
#   runs=N acknowledged=A lost=0 integrity_ok=N
# Each run copies a seeded database, starts `civplan serve`, drives facility POST/PATCH/DELETE,
# scenario and plan saves from 4 clients, SIGKILLs the server at a random moment, restarts it and
# checks every acknowledged write, the audit/history consistency and PRAGMA integrity_check.
# CIVPLAN_CRASH_SEED=N reproduces the kill moments of an earlier soak.
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-50}
MAX_MS=${MAX_MS:-8000}
export GOFLAGS=${GOFLAGS:--mod=mod}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
echo "crash soak: $RUNS runs, kill within 0.5–$((MAX_MS / 1000)) s; $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p')" >&2
start=$(date +%s)
status=0
CIVPLAN_CRASH_RUNS=$RUNS CIVPLAN_CRASH_MAX_MS=$MAX_MS go test -count=1 -timeout 3h -run '^TestCrashKill9$' -v ./cmd/civplan >"$log" 2>&1 || status=$?
grep -E 'run [0-9]+:|seed ' "$log" >&2 || true
if [ $status -ne 0 ]; then
	tail -50 "$log" >&2
fi
echo "elapsed $(($(date +%s) - start)) s" >&2
grep -oE 'runs=[0-9]+ acknowledged=[0-9]+ lost=[0-9]+ integrity_ok=[0-9]+' "$log" || echo "no summary line (test failed before the end)"
exit $status
