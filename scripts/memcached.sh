#!/usr/bin/env bash
# A real memcached (Debian's package) for tests and benchmarks: one process of
# its own on 127.0.0.1 (TCP only, no UDP), never the package's system service.
# memcached keeps nothing on disk: a restart starts empty.
#
#   scripts/memcached.sh up       start (or find running) and wait until it
#                                 answers `version`; prints 127.0.0.1:$MEMCACHED_PORT
#   scripts/memcached.sh down     stop it (TERM, then KILL) and remove its run dir
#   scripts/memcached.sh status   exit 0 running and answering, 1 running but
#                                 not answering, 3 stopped
#
# Environment: MEMCACHED_PORT (11311), SLUICE_MEMCACHED_DIR
# (/tmp/sluice-memcached-$MEMCACHED_PORT), MEMCACHED_MEMORY_MB (64), MEMCACHED_MAX_ITEM_SIZE (1m),
# MEMCACHED_START_TIMEOUT (20), MEMCACHED_STOP_TIMEOUT (20).
set -euo pipefail

MEMCACHED_PORT=${MEMCACHED_PORT:-11311}
RUN=${SLUICE_MEMCACHED_DIR:-/tmp/sluice-memcached-$MEMCACHED_PORT}
PIDFILE=$RUN/memcached.pid
START_TIMEOUT=${MEMCACHED_START_TIMEOUT:-20}
STOP_TIMEOUT=${MEMCACHED_STOP_TIMEOUT:-20}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

log() { echo "memcached.sh: $*" >&2; }
die() { log "$*"; exit 1; }
# shellcheck source-path=SCRIPTDIR source=lib/server.sh
. "$HERE/lib/server.sh"

need_binaries() {
  if ! command -v memcached >/dev/null; then
    log "memcached missing: running scripts/deps.sh --memcached"
    bash "$HERE/deps.sh" --memcached >&2
  fi
  command -v memcached >/dev/null || die "memcached not found after scripts/deps.sh --memcached"
}

PATTERN="memcached.* -p $MEMCACHED_PORT "
our_pid() { server_pid "$PATTERN"; }

# One `version` round trip over bash's /dev/tcp.
answering() {
  local line=""
  (
    exec 3<>"/dev/tcp/127.0.0.1/$MEMCACHED_PORT" || exit 1
    printf 'version\r\n' >&3
    IFS= read -r -t 2 line <&3 || exit 1
    exec 3>&-
    case "$line" in VERSION*) exit 0 ;; *) exit 1 ;; esac
  ) 2>/dev/null
}

cmd_up() {
  need_binaries
  if our_pid >/dev/null && answering; then
    echo "127.0.0.1:$MEMCACHED_PORT"
    return 0
  fi
  if ! our_pid >/dev/null && answering; then
    die "something else answers on 127.0.0.1:$MEMCACHED_PORT (not started by this script); pick another MEMCACHED_PORT"
  fi
  mkdir -p "$RUN"
  if ! our_pid >/dev/null; then
    local user=()
    [ "$(id -u)" -ne 0 ] || user=(-u root)  # memcached refuses root without -u
    memcached -d -l 127.0.0.1 -p "$MEMCACHED_PORT" -U 0 -m "${MEMCACHED_MEMORY_MB:-64}" -c 1024 -I "${MEMCACHED_MAX_ITEM_SIZE:-1m}" \
      -P "$PIDFILE" "${user[@]}" -v >>"$RUN/memcached.log" 2>&1 || die "memcached did not start (see $RUN/memcached.log)"
  fi
  server_wait_answering "$START_TIMEOUT" "$RUN/memcached.log" "127.0.0.1:$MEMCACHED_PORT"
  log "memcached $(memcached -V | awk '{print $2}') up on 127.0.0.1:$MEMCACHED_PORT (pid $(cat "$PIDFILE"))"
  echo "127.0.0.1:$MEMCACHED_PORT"
}

cmd_down() {
  local pid
  if pid=$(our_pid); then
    kill -TERM "$pid" 2>/dev/null || true
    server_stop_pid "$pid" "$STOP_TIMEOUT"
  fi
  rm -rf "$RUN"
}

cmd_status() { server_status "$PATTERN" "127.0.0.1:$MEMCACHED_PORT"; }

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  *) echo "usage: memcached.sh up|down|status" >&2; exit 64 ;;
esac
