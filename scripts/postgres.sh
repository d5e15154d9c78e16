#!/usr/bin/env bash
# A throwaway PostgreSQL 15 (Debian's postgresql-15 package) for the
# postgres-sink tests, benchmarks and trying the sink by hand. Its own cluster,
# made with initdb in a directory under /tmp, listening on 127.0.0.1 only.
# Never touches the package's clusters (/var/lib/postgresql, pg_ctlcluster)
# or its system service. As root, the server runs as the `postgres` OS user
# (PostgreSQL refuses to run as root).
#
#   scripts/postgres.sh up       start it (initdb on first use) and wait until it
#                                accepts connections; prints its connection URL
#   scripts/postgres.sh down     stop it (fast shutdown: open transactions roll
#                                back); removes the data directory unless KEEP_DATA=1
#   scripts/postgres.sh status   exit 0 accepting connections, 3 not running
#   scripts/postgres.sh url      prints the connection URL (without the password)
#   scripts/postgres.sh psql [ARGS...]   psql as the `sluice` role on the `sluice` database
#
# The cluster has a database `sluice` owned by a role `sluice` with the
# password `sluice` (password authentication over TCP, as a real deployment);
# the `postgres` superuser connects only through the Unix socket in the data
# directory.
#
# Environment: PG_PORT (15432), PG_DIR (/tmp/sluice-postgres-$PG_PORT),
# PG_BIN (/usr/lib/postgresql/15/bin), PG_START_TIMEOUT (60), PG_STOP_TIMEOUT (60),
# KEEP_DATA. When the server binaries are missing, `up` installs them with
# scripts/deps.sh --postgres.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PG_PORT=${PG_PORT:-15432}
PG_DIR=${PG_DIR:-/tmp/sluice-postgres-$PG_PORT}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
START_TIMEOUT=${PG_START_TIMEOUT:-60}
STOP_TIMEOUT=${PG_STOP_TIMEOUT:-60}
DATA=$PG_DIR/data
URL="postgresql://sluice@127.0.0.1:$PG_PORT/sluice"

log() { echo "postgres.sh: $*" >&2; }
die() { log "$*"; exit 1; }

# Run a server-side command as the postgres OS user when we are root.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

ready() { "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -t 2 >/dev/null 2>&1; }
running() { [ -f "$DATA/postmaster.pid" ] && as_pg "$PG_BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; }

ensure_binaries() {
  if [ ! -x "$PG_BIN/postgres" ] || ! command -v psql >/dev/null; then
    log "PostgreSQL 15 server missing: running scripts/deps.sh --postgres"
    bash "$here/deps.sh" --postgres >&2
  fi
  [ -x "$PG_BIN/postgres" ] || die "$PG_BIN/postgres not found after installing postgresql-15"
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || die "no 'postgres' OS user (the postgresql-15 package creates it)"
  fi
}

cmd_init() {
  log "creating a cluster in $DATA"
  mkdir -p "$PG_DIR"
  if [ "$(id -u)" -eq 0 ]; then chown postgres: "$PG_DIR"; fi
  chmod 700 "$PG_DIR"
  as_pg "$PG_BIN/initdb" -D "$DATA" -U postgres -E UTF8 --locale=C.UTF-8 \
    --auth-local=trust --auth-host=scram-sha-256 >"$PG_DIR/initdb.log" 2>&1 \
    || { cat "$PG_DIR/initdb.log" >&2; die "initdb failed"; }
  cat >>"$DATA/postgresql.conf" <<EOF
# scripts/postgres.sh
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_DIR'
max_connections = 50
shared_buffers = 64MB
timezone = 'UTC'
log_timezone = 'UTC'
logging_collector = off
EOF
}

cmd_up() {
  ensure_binaries
  if running; then
    if ready; then echo "$URL"; return 0; fi
  else
    [ -f "$DATA/PG_VERSION" ] || cmd_init
    # A stale pid file from a killed server is handled by postgres itself.
    as_pg "$PG_BIN/pg_ctl" -D "$DATA" -l "$PG_DIR/server.log" -o "-k $PG_DIR" start >/dev/null 2>&1 \
      || { tail -n 30 "$PG_DIR/server.log" >&2 || true; die "pg_ctl start failed (log: $PG_DIR/server.log)"; }
  fi
  local deadline=$((SECONDS + START_TIMEOUT))
  until ready; do
    [ $SECONDS -lt $deadline ] || { tail -n 30 "$PG_DIR/server.log" >&2 || true; die "not accepting connections after ${START_TIMEOUT}s"; }
    sleep 0.2
  done
  # Role and database, once (psql as the superuser over the socket).
  if ! as_pg psql -h "$PG_DIR" -p "$PG_PORT" -U postgres -d postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname = 'sluice'" | grep -q 1; then
    as_pg psql -h "$PG_DIR" -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -q \
      -c "CREATE ROLE sluice LOGIN PASSWORD 'sluice'" \
      -c "CREATE DATABASE sluice OWNER sluice" >/dev/null
  fi
  log "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT, data in $DATA"
  echo "$URL"
}

cmd_down() {
  if running; then
    as_pg "$PG_BIN/pg_ctl" -D "$DATA" -m fast -w -t "$STOP_TIMEOUT" stop >/dev/null 2>&1 \
      || die "pg_ctl stop did not finish in ${STOP_TIMEOUT}s (log: $PG_DIR/server.log)"
  fi
  if [ "${KEEP_DATA:-0}" != 1 ]; then rm -rf "$PG_DIR"; fi
  log "stopped"
}

cmd_status() {
  if running && ready; then
    echo "running on 127.0.0.1:$PG_PORT ($DATA)"
    return 0
  fi
  echo "not running"
  return 3
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  url) echo "$URL" ;;
  psql) PGPASSWORD=sluice exec psql -h 127.0.0.1 -p "$PG_PORT" -U sluice -d sluice "$@" ;;
  *) die "usage: postgres.sh up|down|status|url|psql [ARGS...]" ;;
esac
