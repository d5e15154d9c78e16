# shellcheck shell=bash
# Shared by the scripts that run a test server of their own (redis.sh,
# memcached.sh): the pidfile check, waiting for it to answer, stopping it, and
# the status answer. The caller defines PIDFILE, log, die and answering.

# Our server: the pid in PIDFILE, alive, and its command line matching $1 (an
# extended regex naming the binary and our port); prints the pid.
server_pid() {
  [ -f "$PIDFILE" ] || return 1
  local pid
  pid=$(cat "$PIDFILE" 2>/dev/null) || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -Eq "$1" || return 1
  echo "$pid"
}

# Wait up to $1 seconds for `answering`; on timeout show the end of log $2
# and die naming $3 (what did not answer).
server_wait_answering() {
  local deadline=$((SECONDS + $1))
  until answering; do
    [ $SECONDS -lt $deadline ] || { tail -20 "$2" >&2 || true; die "no answer from $3 within ${1}s"; }
    sleep 0.1
  done
}

# Wait up to $2 seconds for pid $1 to exit; TERM it, then KILL it if it will not.
server_stop_pid() {
  local pid=$1 deadline=$((SECONDS + $2))
  while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    log "pid $pid still alive; TERM"
    kill -TERM "$pid" 2>/dev/null || true
    deadline=$((SECONDS + 5))
    while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && { log "pid $pid still alive; KILL"; kill -KILL "$pid" 2>/dev/null || true; }
  fi
  log "stopped (pid $pid)"
}

# The status answer: exit 0 running and answering on $2, 1 running but not
# answering, 3 stopped; $1 is the server_pid pattern.
server_status() {
  if server_pid "$1" >/dev/null; then
    if answering; then echo "running, answering on $2"; return 0; fi
    echo "running (pid $(cat "$PIDFILE")), not answering"; return 1
  fi
  echo "stopped"; return 3
}
