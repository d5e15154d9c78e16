#!/usr/bin/env bash
# Checkpoint overhead, end to end: the datagen source into a real Kafka broker
# with checkpoint.interval.ms = 0 (off), 1000 and 100, the same records of the
# same size each time. Every setting runs RUNS times, interleaved (off, 1000,
# 100, off, ...) so that drift of the machine spreads over all settings, after
# one untimed warm-up run. Prints one line per run, then a markdown table per
# setting: median records/s, spread, overhead against "off" (of the medians,
# and run by run), and the checkpoint pause, duration and CPU per record.
#
#   bench/e2e/checkpoint_overhead.sh            (or: make bench-checkpoints)
#
# Needs the build (build/bin/sluice and build/plugins), python3, curl, and
# what scripts/kafka.sh needs (Java 17, Maven; jars from Maven Central into
# ~/.cache/sluice). Loopback only. It starts its own broker on KAFKA_PORT and
# stops it at the end, and removes its temporary directory, on failure too.
#
# How a run is measured: sluice runs one datagen task (records=RECORDS) with a
# fresh state.dir and topic; /metrics is polled every POLL seconds for
# sluice_task_records_out_total (records Kafka acknowledged). The rate is taken
# between two exact samples, the first at or past START_FRACTION of the records
# and the last one before all are in, so start-up (broker connection, topic
# creation) and the polling delay at the end do not count.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$ROOT/bench/e2e/lib.sh"
BUILD=${BUILD:-$ROOT/build}
SLUICE=${SLUICE:-$BUILD/bin/sluice}
export KAFKA_PORT=${KAFKA_PORT:-19392}
RECORDS=${RECORDS:-5000000}           # records per run
PAYLOAD_BYTES=${PAYLOAD_BYTES:-100}   # datagen payload.bytes (values are ~160 B of JSON)
RUNS=${RUNS:-3}                       # timed runs per setting
INTERVALS=${INTERVALS:-"0 1000 100"}  # checkpoint.interval.ms settings; 0 = off
FLUSH_MS=${FLUSH_MS:-1000}            # offset.flush.interval.ms: how often "off" commits offsets
WORKER_EXTRA=${WORKER_EXTRA:-}        # more worker keys, a JSON fragment: '"producer.linger.ms": 20'
WARMUP_RECORDS=${WARMUP_RECORDS:-$((RECORDS / 3))}
RUN_TIMEOUT=${RUN_TIMEOUT:-180}       # seconds one run may take before it counts as failed
POLL=${POLL:-0.1}
START_FRACTION=${START_FRACTION:-0.05}
CONNECTOR=bench-ckpt

die() { echo "checkpoint_overhead: $*" >&2; exit 1; }
[ -x "$SLUICE" ] || die "no $SLUICE: build first (make build)"
[ -d "$BUILD/plugins" ] || die "no $BUILD/plugins: build first (make build)"
for tool in curl python3; do command -v $tool >/dev/null || die "$tool is needed"; done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/sluice-ckpt-bench.XXXXXX")
SLUICE_PID=
BROKER_STARTED=0
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_sluice || true
  if [ "$BROKER_STARTED" = 1 ]; then
    bash "$ROOT/scripts/kafka.sh" down >/dev/null 2>&1 || echo "checkpoint_overhead: kafka.sh down failed" >&2
  fi
  rm -rf "$WORK"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM



# Sum of a metric's samples for our connector (0 when absent).
metric() {
  awk -v name="$1" -v conn="connector=\"$CONNECTOR\"" \
    'index($1, name "{") == 1 && index($1, conn) { s += $NF } END { printf "%.6f\n", s + 0 }' "$2"
}


# run_one INTERVAL RECORDS LABEL: one run; writes to $WORK/LABEL/result, all
# over the measured window: records/s, sluice CPU us per record, checkpoints,
# % of the time the pipeline stood still for checkpoints, mean checkpoint ms,
# the window's seconds, and the 1-minute load average at the end (to judge how
# quiet the machine was; sluice and the broker count in it too). Runs in this
# shell, not in a $(...) subshell, so that the exit trap knows the process.
run_one() {
  local interval=$1 records=$2 label=$3
  local dir=$WORK/$label port topic=bench-$label
  mkdir -p "$dir"
  port=$(free_port)
  cat >"$dir/worker.json" <<EOF
{
  "listeners": "http://127.0.0.1:$port",
  "state.dir": "$dir/state",
  "bootstrap.servers": "$BOOTSTRAP",
  "offset.flush.interval.ms": $FLUSH_MS,
  "checkpoint.interval.ms": $interval${WORKER_EXTRA:+,
  $WORKER_EXTRA}
}
EOF
  cat >"$dir/connector.json" <<EOF
{
  "name": "$CONNECTOR",
  "config": {
    "connector.class": "datagen",
    "tasks.max": "1",
    "topic": "$topic",
    "records": "$records",
    "payload.bytes": "$PAYLOAD_BYTES",
    "topic.creation.default.partitions": "1",
    "topic.creation.default.replication.factor": "1"
  }
}
EOF
  (cd "$dir" && exec "$SLUICE" run worker.json connector.json >sluice.log 2>&1) &
  SLUICE_PID=$!
  local base=http://127.0.0.1:$port deadline t count t0= c0= k0= t1= c1= k1= polls=0
  local start_at
  start_at=$(python3 -c "print(int($records * $START_FRACTION))")
  deadline=$(( $(date +%s) + RUN_TIMEOUT ))
  while :; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      tail -20 "$dir/sluice.log" >&2
      die "$label: not done within ${RUN_TIMEOUT}s (count ${c1:-0} of $records)"
    fi
    kill -0 "$SLUICE_PID" 2>/dev/null || { tail -20 "$dir/sluice.log" >&2; die "$label: sluice exited"; }
    polls=$((polls + 1))
    if [ $((polls % 10)) = 1 ] && curl -sf "$base/connectors/$CONNECTOR/status" 2>/dev/null | grep -q '"FAILED"'; then
      curl -s "$base/connectors/$CONNECTOR/status" >&2
      die "$label: the connector failed"
    fi
    if curl -sf -o "$dir/metrics.txt" "$base/metrics" 2>/dev/null; then
      t=$(now)
      count=$(metric sluice_task_records_out_total "$dir/metrics.txt")
      count=${count%.*}
      if [ "$count" -ge "$records" ]; then break; fi
      # The window's two ends: metrics and CPU ticks (user + system) of sluice.
      if [ -z "$t0" ] && [ "$count" -ge "$start_at" ]; then
        t0=$t c0=$count k0=$(cpu_ticks) && cp "$dir/metrics.txt" "$dir/m0.txt"
      elif [ -n "$t0" ]; then
        t1=$t c1=$count k1=$(cpu_ticks) && cp "$dir/metrics.txt" "$dir/m1.txt"
      fi
    fi
    sleep "$POLL"
  done
  [ -n "$t1" ] || die "$label: too few samples; raise RECORDS"
  local m0=$dir/m0.txt m1=$dir/m1.txt name
  local args=("$c0" "$t0" "$k0" "$c1" "$t1" "$k1")
  for name in sluice_task_checkpoints_total sluice_task_checkpoint_pause_seconds_total \
    sluice_task_checkpoint_duration_seconds_sum sluice_task_checkpoint_duration_seconds_count; do
    args+=("$(metric $name "$m0")" "$(metric $name "$m1")")
  done
  python3 - "${args[@]}" >"$dir/result" <<'EOF'
import os, sys
c0, t0, k0, c1, t1, k1, n0, n1, p0, p1, s0, s1, d0, d1 = map(float, sys.argv[1:])
secs = t1 - t0
rate = (c1 - c0) / secs
cpu_us = 1e6 * (k1 - k0) / os.sysconf("SC_CLK_TCK") / (c1 - c0)
ckpts = n1 - n0
paused = 100 * (p1 - p0) / secs
mean_ms = 1000 * (s1 - s0) / (d1 - d0) if d1 > d0 else 0.0
load = open("/proc/loadavg").read().split()[0]
print(f"{rate:.0f} {cpu_us:.2f} {ckpts:.0f} {paused:.1f} {mean_ms:.1f} {secs:.2f} {load}")
EOF
  stop_sluice
  bash "$ROOT/scripts/kafka.sh" delete-topic "$topic" >/dev/null 2>&1 || echo "checkpoint_overhead: could not delete $topic" >&2
}

echo "checkpoint_overhead: starting the broker on 127.0.0.1:$KAFKA_PORT" >&2
BROKER_STARTED=1
BOOTSTRAP=$(bash "$ROOT/scripts/kafka.sh" up)
echo "checkpoint_overhead: $RECORDS records of payload.bytes=$PAYLOAD_BYTES per run, $RUNS runs per setting," \
  "checkpoint.interval.ms in {$INTERVALS}, offset.flush.interval.ms=$FLUSH_MS${WORKER_EXTRA:+, $WORKER_EXTRA}" >&2

echo "checkpoint_overhead: warm-up ($WARMUP_RECORDS records, not counted)" >&2
run_one 0 "$WARMUP_RECORDS" warmup

RESULTS=$WORK/results.txt
: >"$RESULTS"
printf '%-9s %4s %12s %9s %6s %8s %8s %7s %6s\n' interval run records/s cpu_us/rec ckpts paused% ckpt_ms secs load1
for run in $(seq 1 "$RUNS"); do
  for interval in $INTERVALS; do
    run_one "$interval" "$RECORDS" "i$interval-r$run"
    line=$(cat "$WORK/i$interval-r$run/result")
    echo "$interval $run $line" >>"$RESULTS"
    # shellcheck disable=SC2086
    printf '%-9s %4s %12s %9s %6s %8s %8s %7s %6s\n' "$interval" "$run" $line
  done
done

echo
python3 - "$RESULTS" "$INTERVALS" "$RECORDS" "$PAYLOAD_BYTES" <<'EOF'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
order = sys.argv[2].split()
by = {i: [r for r in rows if r[0] == i] for i in order}
def med(i, col): return statistics.median(float(r[col]) for r in by[i])
def rng(i, col): return f"{min(float(r[col]) for r in by[i]):.1f} .. {max(float(r[col]) for r in by[i]):.1f}"
base = med("0", 2) if by.get("0") else None
print(f"records per run: {sys.argv[3]}, payload.bytes: {sys.argv[4]}")
print("| checkpoint.interval.ms | median records/s | min .. max | spread | overhead vs off: medians | paired, median (min .. max) | paused % | mean checkpoint ms | checkpoints in window | sluice CPU us/record |")
print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
off = {r[1]: float(r[2]) for r in by.get("0", [])}
for i in order:
    rates = [float(r[2]) for r in by[i]]
    m = statistics.median(rates)
    spread = 100 * (max(rates) - min(rates)) / m
    over = paired = "-"
    if base is not None and i != "0":
        over = f"{100 * (base - m) / base:+.1f} %"
        # Run r of this setting against run r of "off", which ran just before it.
        pairs = [100 * (off[r[1]] - float(r[2])) / off[r[1]] for r in by[i] if r[1] in off]
        if pairs:
            paired = f"{statistics.median(pairs):+.1f} % ({min(pairs):+.1f} .. {max(pairs):+.1f})"
    name = "0 (off)" if i == "0" else i
    print(f"| {name} | {m:,.0f} | {min(rates):,.0f} .. {max(rates):,.0f} | {spread:.0f} % | {over} | {paired} | "
          f"{med(i, 5):.1f} ({rng(i, 5)}) | {med(i, 6):.1f} ({rng(i, 6)}) | {med(i, 4):.0f} | {med(i, 3):.2f} |")
print("(medians over the runs; overhead > 0: slower than off; paused %: share of the window the source loop")
print(" stood still in checkpoint barriers; checkpoints: commits, for off too)")
EOF
