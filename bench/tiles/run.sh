#!/bin/sh
# List the 10 largest vector tiles of the "all" tileset over Hubei at z5–12 (raw and gzipped),
# and the largest per zoom. Extra arguments go to the Go program (-tileset, -zmin, -zmax, -top).
set -eu
cd "$(dirname "$0")/../.."
exec go run ./bench/tiles "$@"
