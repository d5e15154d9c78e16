# shellcheck shell=bash
# Shared by the end-to-end benchmark scripts here: stopping the sluice they
# started (SLUICE_PID), a free loopback port, /metrics sums, clock and CPU,
# and running a connector while measuring its steady rate.

# Stop $SLUICE_PID: TERM, up to 30 s for a clean exit, then KILL.
stop_sluice() {
  [ -n "$SLUICE_PID" ] || return 0
  kill -TERM "$SLUICE_PID" 2>/dev/null || true
  for _ in $(seq 1 150); do
    kill -0 "$SLUICE_PID" 2>/dev/null || break
    sleep 0.2
  done
  kill -KILL "$SLUICE_PID" 2>/dev/null || true
  wait "$SLUICE_PID" 2>/dev/null || true
  SLUICE_PID=
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# metric NAME CONNECTOR FILE: the sum of the connector's samples of NAME in a
# saved /metrics page, rounded to a whole number.
metric() {
  awk -v name="$1" -v conn="connector=\"$2\"" \
    'index($1, name "{") == 1 && index($1, conn) { s += $NF } END { printf "%.0f\n", s + 0 }' "$3"
}

now() { date +%s.%N; }
# user + system CPU ticks of $SLUICE_PID so far
cpu_ticks() { awk '{print $14 + $15}' "/proc/$SLUICE_PID/stat"; }

# start_sluice DIR EXTRA CONNECTOR_JSON: starts $SLUICE in DIR (state in
# DIR/state, log DIR/sluice.log), a worker against $BOOTSTRAP on a free
# loopback port that runs CONNECTOR_JSON ({"name": ..., "config": ...}).
# EXTRA is more worker keys, as text to append (', "k": v') or empty. Sets
# SLUICE_PID and SLUICE_PORT.
start_sluice() {
  local dir=$1 extra=$2 connector=$3
  # Without a directory the log would land wherever the caller stands (once,
  # the repository's root); without $SLUICE there is nothing to start.
  if [ -z "$dir" ] || [ -z "${SLUICE:-}" ] || [ -z "$connector" ]; then
    echo "start_sluice: needs DIR, CONNECTOR_JSON and \$SLUICE (got dir='$dir', SLUICE='${SLUICE:-}')" >&2
    return 2
  fi
  mkdir -p "$dir"
  SLUICE_PORT=$(free_port)
  cat >"$dir/worker.json" <<EOF
{"listeners": "http://127.0.0.1:$SLUICE_PORT", "state.dir": "$dir/state", "bootstrap.servers": "$BOOTSTRAP",
 "offset.flush.interval.ms": 1000$extra}
EOF
  echo "$connector" >"$dir/connector.json"
  (cd "$dir" && exec "$SLUICE" run worker.json connector.json >sluice.log 2>&1) &
  SLUICE_PID=$!
}

# measure_sluice LABEL CONNECTOR_NAME CONNECTOR_JSON: runs $SLUICE (a worker in
# $WORK/LABEL against $BOOTSTRAP) until the connector's records_out reaches
# RECORDS; writes "records/s cpu_us/record seconds load1" of the window from
# 5 % of the records on to $WORK/LABEL/result. The calling script defines
# die, RECORDS, RUN_TIMEOUT and POLL (redis and memcached sink benchmarks).
measure_sluice() {
  local label=$1 name=$2 config=$3 dir=$WORK/$1
  start_sluice "$dir" ', "checkpoint.interval.ms": 1000' "{\"name\": \"$name\", \"config\": $config}"
  local base=http://127.0.0.1:$SLUICE_PORT deadline t count t0='' c0='' k0='' t1='' c1='' k1=''
  local start_at=$((RECORDS / 20))
  deadline=$(( $(date +%s) + RUN_TIMEOUT ))
  while :; do
    [ "$(date +%s)" -lt "$deadline" ] || { tail -20 "$dir/sluice.log" >&2; die "$label: not done within ${RUN_TIMEOUT}s"; }
    kill -0 "$SLUICE_PID" 2>/dev/null || { tail -20 "$dir/sluice.log" >&2; die "$label: sluice exited"; }
    if curl -sf -o "$dir/metrics.txt" "$base/metrics" 2>/dev/null; then
      t=$(now)
      count=$(metric sluice_task_records_out_total "$name" "$dir/metrics.txt")
      if [ "$count" -ge "$RECORDS" ]; then break; fi
      if [ -z "$t0" ] && [ "$count" -ge "$start_at" ]; then
        t0=$t c0=$count k0=$(cpu_ticks)
      elif [ -n "$t0" ]; then
        t1=$t c1=$count k1=$(cpu_ticks)
      fi
      if curl -sf "$base/connectors/$name/status" 2>/dev/null | grep -q '"FAILED"'; then
        curl -s "$base/connectors/$name/status" >&2
        die "$label: the connector failed"
      fi
    fi
    sleep "$POLL"
  done
  [ -n "$t1" ] || die "$label: too few samples; raise RECORDS"
  python3 - "$c0" "$t0" "$k0" "$c1" "$t1" "$k1" >"$dir/result" <<'EOF'
import os, sys
c0, t0, k0, c1, t1, k1 = map(float, sys.argv[1:])
secs = t1 - t0
print(f"{(c1 - c0) / secs:.0f} {1e6 * (k1 - k0) / os.sysconf('SC_CLK_TCK') / (c1 - c0):.2f} {secs:.2f} "
      f"{open('/proc/loadavg').read().split()[0]}")
EOF
  stop_sluice
}
