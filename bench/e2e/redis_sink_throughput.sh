#!/usr/bin/env bash
# redis-sink throughput against Redis's own bulk tool, redis-benchmark, on the
# same Redis server and the same machine.
#
#   bench/e2e/redis_sink_throughput.sh          (or: make bench-redis)
#
# 1. Fills a 1-partition topic with RECORDS datagen records (values of about
#    PAYLOAD_BYTES + 60 bytes of JSON, KEYS distinct keys) through sluice.
# 2. Runs the redis-sink connector RUNS times per command (SET, HSET) on that
#    topic from the beginning (a new connector name each run, so a new group),
#    into an emptied database, and measures records/s between two exact
#    samples of sluice_task_records_out_total (the first at or past 5 % of the
#    records, the last before all are in), so start-up does not count.
# 3. Runs redis-benchmark -t set with the same number of requests and the same
#    value size: one connection with a pipeline of PIPELINE commands (what the
#    sink does: one connection per task, one pipeline per put batch of up to
#    2000 records), one connection without pipelining, and 50 connections
#    with pipelines of 16 (the server's ceiling here).
#
# Needs the build (build/bin/sluice and build/plugins), python3, curl, and what
# scripts/kafka.sh and scripts/redis.sh need (installed when missing). Loopback
# only. It starts a broker on KAFKA_PORT and a Redis on REDIS_PORT of its own,
# stops both at the end and removes its temporary directory, on failure too.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$ROOT/bench/e2e/lib.sh"
BUILD=${BUILD:-$ROOT/build}
SLUICE=${SLUICE:-$BUILD/bin/sluice}
export KAFKA_PORT=${KAFKA_PORT:-19396}
export REDIS_PORT=${REDIS_PORT:-16479}
RECORDS=${RECORDS:-1000000}
PAYLOAD_BYTES=${PAYLOAD_BYTES:-100}
KEYS=${KEYS:-100000}
RUNS=${RUNS:-3}
COMMANDS=${COMMANDS:-"SET HSET"}
PIPELINE=${PIPELINE:-2000}
RUN_TIMEOUT=${RUN_TIMEOUT:-300}
POLL=${POLL:-0.1}

die() { echo "redis_sink_throughput: $*" >&2; exit 1; }
[ -x "$SLUICE" ] || die "no $SLUICE: build first (make build)"
[ -f "$BUILD/plugins/redis-sink.so" ] || die "no $BUILD/plugins/redis-sink.so: build first (make build)"
for tool in curl python3; do command -v $tool >/dev/null || die "$tool is needed"; done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/sluice-redis-bench.XXXXXX")
SLUICE_PID=
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_sluice || true
  bash "$ROOT/scripts/kafka.sh" down >/dev/null 2>&1 || echo "redis_sink_throughput: kafka.sh down failed" >&2
  bash "$ROOT/scripts/redis.sh" down >/dev/null 2>&1 || echo "redis_sink_throughput: redis.sh down failed" >&2
  rm -rf "$WORK"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM




echo "redis_sink_throughput: broker on 127.0.0.1:$KAFKA_PORT, Redis on 127.0.0.1:$REDIS_PORT" >&2
BOOTSTRAP=$(bash "$ROOT/scripts/kafka.sh" up)
bash "$ROOT/scripts/redis.sh" up >/dev/null
REDIS_CLI=(redis-cli -h 127.0.0.1 -p "$REDIS_PORT")
TOPIC=redis-bench-$(date +%s)

echo "redis_sink_throughput: filling $TOPIC with $RECORDS records (payload.bytes=$PAYLOAD_BYTES, $KEYS keys)" >&2
measure_sluice fill datagen-fill "{\"connector.class\": \"datagen\", \"topic\": \"$TOPIC\", \"records\": \"$RECORDS\",
  \"payload.bytes\": \"$PAYLOAD_BYTES\", \"keys\": \"$KEYS\", \"topic.creation.default.partitions\": \"1\",
  \"topic.creation.default.replication.factor\": \"1\"}"
VALUE_BYTES=$(python3 -c "print($PAYLOAD_BYTES + 60)")

RESULTS=$WORK/results.txt
: >"$RESULTS"
printf '%-28s %4s %12s %11s %7s %6s\n' what run records/s cpu_us/rec secs load1
for run in $(seq 1 "$RUNS"); do
  for cmd in $COMMANDS; do
    "${REDIS_CLI[@]}" flushall >/dev/null
    measure_sluice "$cmd-$run" "redis-$cmd-$run" "{\"connector.class\": \"redis-sink\", \"topics\": \"$TOPIC\",
      \"redis.uri\": \"redis://127.0.0.1:$REDIS_PORT/0\", \"redis.command\": \"$cmd\", \"redis.key.prefix\": \"b:\"}"
    line=$(cat "$WORK/$cmd-$run/result")
    keys=$("${REDIS_CLI[@]}" dbsize)
    [ "$keys" = "$KEYS" ] || die "$cmd run $run left $keys keys, expected $KEYS"
    echo "sluice-redis-sink-$cmd $run $line" >>"$RESULTS"
    # shellcheck disable=SC2086
    printf '%-28s %4s %12s %11s %7s %6s\n' "sluice redis-sink $cmd" "$run" $line
  done
  for spec in "1 $PIPELINE" "1 1" "50 16"; do
    read -r conns pipe <<<"$spec"
    "${REDIS_CLI[@]}" flushall >/dev/null
    n=$RECORDS
    [ "$pipe" = 1 ] && [ "$conns" = 1 ] && n=$((RECORDS / 5))  # one round trip each: fewer
    t0=$(now)
    rate=$(redis-benchmark -h 127.0.0.1 -p "$REDIS_PORT" -t set -n "$n" -c "$conns" -P "$pipe" -d "$VALUE_BYTES" \
      -r "$KEYS" --csv 2>/dev/null | awk -F'"' '/^"SET"/ {print $4}')
    secs=$(python3 -c "print(f'{$(now) - $t0:.2f}')")
    label="redis-benchmark-c$conns-P$pipe"
    echo "$label $run ${rate%.*} - $secs $(cut -d' ' -f1 /proc/loadavg)" >>"$RESULTS"
    printf '%-28s %4s %12s %11s %7s %6s\n' "redis-benchmark -c $conns -P $pipe" "$run" "${rate%.*}" - "$secs" \
      "$(cut -d' ' -f1 /proc/loadavg)"
  done
done

echo
python3 - "$RESULTS" "$RECORDS" "$VALUE_BYTES" "$KEYS" <<'EOF'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
order = []
for r in rows:
    if r[0] not in order: order.append(r[0])
print(f"records per sluice run: {sys.argv[2]}, values ~{sys.argv[3]} B, {sys.argv[4]} distinct keys")
print("| what | median records/s | min .. max | sluice CPU us/record | load (1 min) |")
print("|---|---:|---:|---:|---:|")
for w in order:
    rs = [r for r in rows if r[0] == w]
    rates = [float(r[2]) for r in rs]
    cpu = "-" if rs[0][3] == "-" else f"{statistics.median(float(r[3]) for r in rs):.2f}"
    print(f"| {w} | {statistics.median(rates):,.0f} | {min(rates):,.0f} .. {max(rates):,.0f} | {cpu} | "
          f"{min(float(r[5]) for r in rs):.1f} .. {max(float(r[5]) for r in rs):.1f} |")
EOF
