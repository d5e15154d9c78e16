#!/usr/bin/env bash
# Runs scripts/compare/rest_compare.py end to end: a Kafka broker (scripts/kafka.sh),
# Kafka Connect 4.3.1 standalone (scripts/connect.sh) and Sluice (build/bin/sluice
# run), all on 127.0.0.1 ports of their own, then the same REST calls against
# Connect and Sluice, compared, and the same file through both FileStreamSources
# and FileStreamSinks (scripts/compare/file_compare.py). Everything it started is stopped on every exit
# (success, failure, Ctrl-C, timeout). See docs/rest-api.md, "Differences from
# Kafka Connect".
#
#   scripts/compare/connect-compare.sh [rest_compare.py args, e.g. --verbose]
#
# Environment: SLUICE_BIN (build/bin/sluice), KAFKA_PORT (19492; a broker already
# running there is used and left running), CONNECT_PORT (18483), SLUICE_PORT
# (18485), COMPARE_TIMEOUT (300: seconds for the calls themselves),
# COMPARE_REPORT (a file to write the report to), COMPARE_KEEP=1 (keep the scratch
# directory with Sluice's log and state).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export KAFKA_PORT=${KAFKA_PORT:-19492}
export CONNECT_PORT=${CONNECT_PORT:-18483}
SLUICE_PORT=${SLUICE_PORT:-18485}
SLUICE_BIN=${SLUICE_BIN:-$ROOT/build/bin/sluice}
COMPARE_TIMEOUT=${COMPARE_TIMEOUT:-300}
TOPIC=sluice-compare-lines

log() { echo "connect-compare: $*" >&2; }
die() { log "$*"; exit 2; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

[ -x "$SLUICE_BIN" ] || die "no sluice binary at $SLUICE_BIN (build first, or set SLUICE_BIN)"
command -v python3 >/dev/null || die "python3 not found"

WORK=$(mktemp -d /tmp/sluice-compare.XXXXXX)
SLUICE_PID="" CONNECT_STARTED="" KAFKA_STARTED=""
cleanup() {
  local rc=$?
  trap - EXIT INT TERM HUP
  if [ -n "$SLUICE_PID" ] && kill -0 "$SLUICE_PID" 2>/dev/null; then
    kill -TERM "$SLUICE_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$SLUICE_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SLUICE_PID" 2>/dev/null || true
    wait "$SLUICE_PID" 2>/dev/null || true
  fi
  if [ -n "$CONNECT_STARTED" ] && ! bash "$ROOT/scripts/connect.sh" down >&2; then [ "$rc" -ne 0 ] || rc=1; fi
  if [ -n "$KAFKA_STARTED" ] && ! bash "$ROOT/scripts/kafka.sh" down >&2; then [ "$rc" -ne 0 ] || rc=1; fi
  if [ "${COMPARE_KEEP:-}" = 1 ]; then log "kept $WORK"; else rm -rf "$WORK"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

t0=$SECONDS
# Connect and Sluice ports must be free: a leftover of an earlier run is not ours to reuse.
port_open "$CONNECT_PORT" && die "127.0.0.1:$CONNECT_PORT is in use; set CONNECT_PORT to a free port"
port_open "$SLUICE_PORT" && die "127.0.0.1:$SLUICE_PORT is in use; set SLUICE_PORT to a free port"

# The broker: ours unless one already runs on KAFKA_PORT (ctest's, for example).
if bash "$ROOT/scripts/kafka.sh" status >/dev/null 2>&1; then
  log "using the broker already running on 127.0.0.1:$KAFKA_PORT (left running)"
else
  KAFKA_STARTED=1
fi
BOOTSTRAP=$(bash "$ROOT/scripts/kafka.sh" up)
# Auto-creation may be off on that broker; both systems write to this topic.
bash "$ROOT/scripts/kafka.sh" create-topic "$TOPIC" 1 >&2

CONNECT_STARTED=1
CONNECT_URL=$(CONNECT_BOOTSTRAP=$BOOTSTRAP CONNECT_EXTRA_PROPS="offset.flush.interval.ms=1000 ${CONNECT_EXTRA_PROPS:-}" \
  bash "$ROOT/scripts/connect.sh" up)

cat >"$WORK/worker.json" <<EOF
{
  "listeners": "http://127.0.0.1:$SLUICE_PORT",
  "bootstrap.servers": "$BOOTSTRAP",
  "state.dir": "$WORK/sluice-state",
  "checkpoint.interval.ms": 1000
}
EOF
log "starting sluice on http://127.0.0.1:$SLUICE_PORT against $BOOTSTRAP (log: $WORK/sluice.log)"
"$SLUICE_BIN" run "$WORK/worker.json" >"$WORK/sluice.log" 2>&1 &
SLUICE_PID=$!
SLUICE_URL=http://127.0.0.1:$SLUICE_PORT
for _ in $(seq 1 150); do
  if ! kill -0 "$SLUICE_PID" 2>/dev/null; then
    tail -n 20 "$WORK/sluice.log" >&2
    die "sluice exited while starting"
  fi
  python3 - "$SLUICE_URL/health" <<'EOF' 2>/dev/null && break
import sys, urllib.request
sys.exit(0 if urllib.request.urlopen(sys.argv[1], timeout=2).status == 200 else 1)
EOF
  sleep 0.2
done
kill -0 "$SLUICE_PID" 2>/dev/null || die "sluice exited while starting"
log "all up in $((SECONDS - t0))s: Connect $CONNECT_URL, Sluice $SLUICE_URL, Kafka $BOOTSTRAP"

set +e
timeout --signal=TERM "$COMPARE_TIMEOUT" python3 "$ROOT/scripts/compare/rest_compare.py" \
  --connect "$CONNECT_URL" --sluice "$SLUICE_URL" --workdir "$WORK/files" ${COMPARE_REPORT:+--report "$COMPARE_REPORT"} "$@"
rc=$?
# The same file through both FileStreamSources, each FileStreamSink on the
# other's topic: byte-identical topics and output files.
timeout --signal=TERM "$COMPARE_TIMEOUT" python3 "$ROOT/scripts/compare/file_compare.py" \
  --connect "$CONNECT_URL" --sluice "$SLUICE_URL" --workdir "$WORK/files" --kafka-sh "$ROOT/scripts/kafka.sh" \
  ${COMPARE_REPORT:+--report "$COMPARE_REPORT"}
frc=$?
[ "$rc" -ne 0 ] || rc=$frc
set -e
[ "$rc" -ne 124 ] || log "the comparison did not finish within COMPARE_TIMEOUT=${COMPARE_TIMEOUT}s"
if [ "$rc" -ne 0 ]; then
  log "sluice log: $WORK/sluice.log (kept with COMPARE_KEEP=1); last lines:"
  tail -n 15 "$WORK/sluice.log" >&2
fi
log "finished in $((SECONDS - t0))s, exit $rc"
exit "$rc"
