#!/usr/bin/env bash
# Starts Arbor's distributed test bed on loopback, beside (never inside) the default servers:
#   - three MariaDB backends on 127.0.0.2, 127.0.0.3 and 127.0.0.4 and a Spider head on 127.0.0.5,
#     all on port ${ARBOR_DIST_PORT:-3307}, each its own mariadbd with its own data directory,
#     started with --no-defaults so no server configuration file (Debian's spider.cnf included) is
#     read. Spider tells XA members apart by host, hence one address per backend.
#   - a fifth instance, `single` on 127.0.0.6, started with exactly the backends' flags: the single
#     node bench/dist.ts compares the distributed reads with (the default server on 3306 runs
#     Debian's configuration, so timings against it compare two configurations, not one node with
#     three). Nothing of the tests needs it.
#   - PostgreSQL: the FDW path uses databases of the default cluster (arbor_dist_b1..b3 as
#     backends, arbor_dist_head as the head); they are created by the tests, not here.
# Small buffers: the five instances together stay under ~400 MB. Idempotent: instances already
# answering are left running. `scripts/dist-down.sh` stops them and removes their data.
set -euo pipefail

DIR=${ARBOR_DIST_DIR:-/tmp/arbor-dist}
PORT=${ARBOR_DIST_PORT:-3307}
NAMES=(b1 b2 b3 head single)
HOSTS=(127.0.0.2 127.0.0.3 127.0.0.4 127.0.0.5 127.0.0.6)
RUN_AS=${ARBOR_DIST_USER:-mysql}
[ "$(id -u)" = 0 ] || RUN_AS=$(id -un)

answers() { mariadb --no-defaults -uroot -h"$1" -P"$PORT" -e 'SELECT 1' >/dev/null 2>&1; }

mkdir -p "$DIR"
for i in "${!NAMES[@]}"; do
  name=${NAMES[$i]} host=${HOSTS[$i]} data="$DIR/${NAMES[$i]}"
  if answers "$host"; then
    echo "[dist] $name already answers on $host:$PORT"
    continue
  fi
  if [ ! -d "$data/mysql" ]; then
    mkdir -p "$data"
    chown "$RUN_AS" "$data" "$DIR" 2>/dev/null || true
    mariadb-install-db --no-defaults --user="$RUN_AS" --datadir="$data" --auth-root-authentication-method=normal \
      --skip-test-db >"$DIR/$name-install.log" 2>&1 || { cat "$DIR/$name-install.log"; exit 1; }
  fi
  extra=()
  # The head loads Spider and makes multi-backend writes atomic with its internal XA.
  [ "$name" = head ] && extra=(--plugin-load-add=ha_spider.so --spider-internal-xa=1)
  mariadbd --no-defaults --user="$RUN_AS" --datadir="$data" --bind-address="$host" --port="$PORT" \
    --socket="$DIR/$name.sock" --pid-file="$DIR/$name.pid" --log-error="$DIR/$name.err" \
    --skip-name-resolve --innodb-buffer-pool-size=24M --innodb-log-file-size=16M --key-buffer-size=1M \
    --aria-pagecache-buffer-size=2M --performance-schema=OFF --max-connections=300 \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_bin "${extra[@]}" >/dev/null 2>&1 &
done

for i in "${!NAMES[@]}"; do
  name=${NAMES[$i]} host=${HOSTS[$i]}
  for _ in $(seq 1 60); do
    [ -S "$DIR/$name.sock" ] && mariadb --no-defaults -uroot -S "$DIR/$name.sock" -e 'SELECT 1' >/dev/null 2>&1 && break
    sleep 0.5
  done
  # root from any loopback address, no password, like the default test server.
  mariadb --no-defaults -uroot -S "$DIR/$name.sock" -e "
    CREATE USER IF NOT EXISTS 'root'@'127.%' IDENTIFIED BY '';
    GRANT ALL ON *.* TO 'root'@'127.%' WITH GRANT OPTION;
    CREATE DATABASE IF NOT EXISTS test CHARACTER SET utf8mb4;" \
    || { echo "[dist] $name did not start; see $DIR/$name.err"; tail -20 "$DIR/$name.err"; exit 1; }
  answers "$host" || { echo "[dist] $name does not answer on $host:$PORT"; exit 1; }
  echo "[dist] $name up on $host:$PORT"
done
