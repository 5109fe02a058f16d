#!/bin/sh
# Compare civplan's siting heuristic and in-process bound with exact MILP optima on the embedded
# Hubei data (every county × p ∈ {3,5,10} × R ∈ {1,2} km for MCLP, LSCP to 0.8 at 1 km).
# Installs a MILP solver from Debian if none is present: coinor-cbc, else glpk-utils.
# Extra arguments go to the Go program (e.g. -radii 5000 -p 20 -limit 10 -dir /tmp/out).
# The last line reads: instances=N within2pct=F median_gap=G worst_gap=W
set -eu
cd "$(dirname "$0")/../.."
if ! command -v cbc >/dev/null 2>&1 && ! command -v glpsol >/dev/null 2>&1; then
	echo "installing a MILP solver (coinor-cbc, else glpk-utils)" >&2
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO="sudo"
	$SUDO apt-get update -qq >&2 || true
	$SUDO apt-get install -y -qq coinor-cbc >&2 || $SUDO apt-get install -y -qq glpk-utils >&2
fi
exec env GOFLAGS=-mod=mod go run ./bench/siting-vs-milp "$@"
