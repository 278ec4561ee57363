#!/usr/bin/env bash
# Stops the instances scripts/dist-up.sh started and removes their data directory.
set -uo pipefail
DIR=${ARBOR_DIST_DIR:-/tmp/arbor-dist}
for pid in "$DIR"/*.pid; do
  [ -f "$pid" ] || continue
  kill "$(cat "$pid")" 2>/dev/null || true
done
for pid in "$DIR"/*.pid; do
  [ -f "$pid" ] || continue
  for _ in $(seq 1 60); do kill -0 "$(cat "$pid" 2>/dev/null)" 2>/dev/null || break; sleep 0.25; done
done
rm -rf "$DIR"
echo "[dist] down"
