# shellcheck shell=bash
# Shared by the end-to-end benchmark scripts here: stopping the sluice they
# started (SLUICE_PID), a free loopback port, /metrics sums, clock and CPU.

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
