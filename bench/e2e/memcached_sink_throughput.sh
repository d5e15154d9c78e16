#!/usr/bin/env bash
# memcached-sink throughput against memcached's own load tool, memaslap
# (Debian 12 names it memcaslap, package libmemcached-tools), on the same
# memcached server and the same machine.
#
#   bench/e2e/memcached_sink_throughput.sh          (or: make bench-memcached)
#
# 1. Fills a 1-partition topic with RECORDS datagen records (values of about
#    PAYLOAD_BYTES + 62 bytes of JSON, KEYS distinct keys) through sluice.
# 2. Runs the memcached-sink connector RUNS times on that topic from the
#    beginning (a new connector name each run, so a new group), into a freshly
#    started memcached, and measures records/s between two exact samples of
#    sluice_task_records_out_total (the first at or past 5 % of the records,
#    the last before all are in), so start-up does not count. Afterwards the
#    server must hold exactly KEYS items (memcached's `stats` curr_items; no
#    evictions), and one key the value of its last record.
# 3. Runs memaslap with set commands only, RECORDS of them, the same key
#    length (memcached.key.prefix + "key-N", on average), the same value size
#    and about the same key space (an overwrite proportion of
#    1 - KEYS/RECORDS, so about KEYS distinct keys), each into a freshly
#    started memcached, for every THREADS:CONNECTIONS pair of MEMASLAP_SPECS:
#    by default 1:1, one connection with one request in flight (what the sink
#    does: every record is one acknowledged set), and 2:32 (the server's
#    ceiling here).
#
# Needs the build (build/bin/sluice and build/plugins), python3, curl, memaslap
# or memcaslap (scripts/deps.sh --memcached), and what scripts/kafka.sh and
# scripts/memcached.sh need. Loopback only. It starts a broker on KAFKA_PORT
# (and its controller on KAFKA_PORT + 1) and a memcached on MEMCACHED_PORT of
# its own, refuses to start when something already listens on one of them
# (another session's server is not ours to stop), stops both at the end and
# removes its temporary directory, on failure too.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$ROOT/bench/e2e/lib.sh"
BUILD=${BUILD:-$ROOT/build}
SLUICE=${SLUICE:-$BUILD/bin/sluice}
export KAFKA_PORT=${KAFKA_PORT:-19792}
export MEMCACHED_PORT=${MEMCACHED_PORT:-11411}
export MEMCACHED_MEMORY_MB=${MEMCACHED_MEMORY_MB:-256}
RECORDS=${RECORDS:-100000}
PAYLOAD_BYTES=${PAYLOAD_BYTES:-100}
KEYS=${KEYS:-10000}
RUNS=${RUNS:-3}
KEY_PREFIX=${KEY_PREFIX:-sluice-bench:}
MEMASLAP_SPECS=${MEMASLAP_SPECS:-"1:1 2:32"}
RUN_TIMEOUT=${RUN_TIMEOUT:-300}
POLL=${POLL:-0.1}

die() { echo "memcached_sink_throughput: $*" >&2; exit 1; }
[ -x "$SLUICE" ] || die "no $SLUICE: build first (make build)"
[ -f "$BUILD/plugins/memcached-sink.so" ] || die "no $BUILD/plugins/memcached-sink.so: build first (make build)"
for tool in curl python3; do command -v $tool >/dev/null || die "$tool is needed"; done
MEMASLAP=${MEMASLAP:-$(command -v memcaslap || command -v memaslap || true)}
[ -n "$MEMASLAP" ] || die "memaslap (Debian: memcaslap) is needed: bash scripts/deps.sh --memcached"
if [ "$KEYS" -lt 1 ] || [ "$KEYS" -gt "$RECORDS" ]; then die "KEYS must be between 1 and RECORDS"; fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/sluice-memcached-bench.XXXXXX")
SLUICE_PID=
STARTED_KAFKA=0
STARTED_MEMCACHED=0
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_sluice || true
  if [ "$STARTED_KAFKA" = 1 ]; then
    bash "$ROOT/scripts/kafka.sh" down >/dev/null 2>&1 || echo "memcached_sink_throughput: kafka.sh down failed" >&2
  fi
  if [ "$STARTED_MEMCACHED" = 1 ]; then
    bash "$ROOT/scripts/memcached.sh" down >/dev/null 2>&1 || echo "memcached_sink_throughput: memcached.sh down failed" >&2
  fi
  rm -rf "$WORK"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM


listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
load1() { cut -d' ' -f1 /proc/loadavg; }
# CPU seconds (user + system) of this shell's waited-for children so far, from
# the `times` builtin (run in this shell, not in a subshell: a subshell has its
# own, empty, count).
children_cpu() {
  times >"$WORK/times"
  awk 'NR == 2 { for (i = 1; i <= 2; i++) { split($i, p, "m"); s += p[1] * 60 + p[2] } } END { printf "%.3f\n", s }' "$WORK/times"
}

# A memcached of our own, empty: memcached.sh down (if up) and up again.
# (flush_all would not do: it empties lazily, curr_items keeps counting the
# flushed items.)
fresh_memcached() {
  bash "$ROOT/scripts/memcached.sh" down >>"$WORK/memcached.log" 2>&1 || die "memcached.sh down failed"
  bash "$ROOT/scripts/memcached.sh" up >>"$WORK/memcached.log" 2>&1 || { tail -5 "$WORK/memcached.log" >&2; die "memcached.sh up failed"; }
}

# mc_check KEYS_EXPECTED|- [KEY SEQ]: memcached's stats curr_items, evictions
# and total_items ("items evictions sets" on stdout); with KEYS_EXPECTED,
# fails unless curr_items is exactly that and nothing was evicted, and with
# KEY SEQ unless KEY holds the datagen value of record SEQ.
mc_check() {
  python3 - "$MEMCACHED_PORT" "$@" <<'EOF'
import json, socket, sys
port, expect = int(sys.argv[1]), sys.argv[2]
s = socket.create_connection(("127.0.0.1", port), timeout=10)
f = s.makefile("rb")
def request(cmd, end):
    s.sendall(cmd.encode() + b"\r\n")
    lines = []
    while True:
        line = f.readline()
        if not line: sys.exit("memcached closed the connection")
        lines.append(line)
        if line.rstrip(b"\r\n") in end: return lines
stats = {}
for line in request("stats", (b"END",)):
    parts = line.decode().split()
    if len(parts) == 3 and parts[0] == "STAT": stats[parts[1]] = parts[2]
items, evictions, sets = int(stats["curr_items"]), int(stats["evictions"]), int(stats["total_items"])
print(items, evictions, sets)
if expect != "-":
    if evictions: sys.exit(f"memcached evicted {evictions} items: raise MEMCACHED_MEMORY_MB")
    if items != int(expect): sys.exit(f"memcached holds {items} items, expected {expect}")
if len(sys.argv) > 4:
    key, seq = sys.argv[3], int(sys.argv[4])
    lines = request(f"get {key}", (b"END",))
    if len(lines) != 3: sys.exit(f"get {key}: no value")
    value = json.loads(lines[1])
    if value.get("seq") != seq: sys.exit(f"get {key}: seq {value.get('seq')}, expected {seq}")
EOF
}


CONTROLLER_PORT=$((KAFKA_PORT + 1))
echo "memcached_sink_throughput: broker on 127.0.0.1:$KAFKA_PORT (controller $CONTROLLER_PORT)," \
  "memcached on 127.0.0.1:$MEMCACHED_PORT, $MEMASLAP" >&2
for p in "$KAFKA_PORT" "$CONTROLLER_PORT" "$MEMCACHED_PORT"; do
  listening "$p" && die "something already listens on 127.0.0.1:$p: set KAFKA_PORT or MEMCACHED_PORT to a free port"
done
bash "$ROOT/scripts/kafka.sh" status >/dev/null 2>&1 && die "a broker of scripts/kafka.sh runs for port $KAFKA_PORT: set KAFKA_PORT"
bash "$ROOT/scripts/memcached.sh" status >/dev/null 2>&1 && die "a memcached of scripts/memcached.sh runs on $MEMCACHED_PORT: set MEMCACHED_PORT"
STARTED_KAFKA=1
BOOTSTRAP=$(bash "$ROOT/scripts/kafka.sh" up)
STARTED_MEMCACHED=1
bash "$ROOT/scripts/memcached.sh" up >/dev/null
TOPIC=memcached-bench-$(date +%s)

echo "memcached_sink_throughput: filling $TOPIC with $RECORDS records (payload.bytes=$PAYLOAD_BYTES, $KEYS keys)" >&2
measure_sluice fill datagen-fill "{\"connector.class\": \"datagen\", \"topic\": \"$TOPIC\", \"records\": \"$RECORDS\",
  \"payload.bytes\": \"$PAYLOAD_BYTES\", \"keys\": \"$KEYS\", \"topic.creation.default.partitions\": \"1\",
  \"topic.creation.default.replication.factor\": \"1\"}"

# What the sink writes, on average: key = prefix + "key-" + (n % KEYS), value =
# datagen's JSON with a 13-digit ts. memaslap gets the same sizes (rounded),
# keys of at least its minimum of 16 bytes, and an overwrite proportion that
# leaves about KEYS distinct keys after RECORDS sets.
read -r KEY_BYTES VALUE_BYTES OVERWRITE < <(python3 - "$RECORDS" "$KEYS" "$PAYLOAD_BYTES" "$KEY_PREFIX" <<'EOF'
import sys
records, keys, payload, prefix = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
key = sum(len(prefix) + len(f"key-{n % keys}") for n in range(records)) / records
fixed = len('{"seq":,"key":"key-","ts":1764500000000,"payload":""}') + payload
value = sum(fixed + len(str(n)) + len(str(n % keys)) for n in range(records)) / records
print(max(16, round(key)), round(value), f"{1 - keys / records:.3f}")
EOF
)
# The record of the last write to key-0: the highest n < RECORDS with n % KEYS == 0.
LAST_SEQ=$(( (RECORDS - 1) / KEYS * KEYS ))
cat >"$WORK/memaslap.cnf" <<EOF
key
$KEY_BYTES $KEY_BYTES 1
value
$VALUE_BYTES $VALUE_BYTES 1
cmd
0 1.0
1 0.0
EOF

RESULTS=$WORK/results.txt
: >"$RESULTS"
fmt='%-34s %4s %12s %11s %7s %6s %7s\n'
# shellcheck disable=SC2059
printf "$fmt" what run records/s cpu_us/rec secs load1 keys
for run in $(seq 1 "$RUNS"); do
  fresh_memcached
  name=memcached-sink-$run
  measure_sluice "sink-$run" "$name" "{\"connector.class\": \"memcached-sink\", \"topics\": \"$TOPIC\",
    \"memcached.servers\": \"127.0.0.1:$MEMCACHED_PORT\", \"memcached.key.prefix\": \"$KEY_PREFIX\"}"
  read -r rate cpu secs load < "$WORK/sink-$run/result"
  check=$(mc_check "$KEYS" "${KEY_PREFIX}key-0" "$LAST_SEQ") || die "sink run $run: the check of memcached failed (above)"
  read -r items _ _ <<<"$check"
  echo "sluice-memcached-sink $run $rate $cpu $secs $load $items" >>"$RESULTS"
  # shellcheck disable=SC2059
  printf "$fmt" "sluice memcached-sink" "$run" "$rate" "$cpu" "$secs" "$load" "$items"
  for spec in $MEMASLAP_SPECS; do
    threads=${spec%%:*} conns=${spec##*:}
    fresh_memcached
    out=$WORK/memaslap-$spec-$run.txt
    t0=$(now)
    children_cpu >"$WORK/cpu0"
    "$MEMASLAP" -s "127.0.0.1:$MEMCACHED_PORT" -F "$WORK/memaslap.cnf" -x "$RECORDS" -T "$threads" -c "$conns" \
      -o "$OVERWRITE" >"$out" 2>&1 || { tail -20 "$out" >&2; die "memaslap $spec failed"; }
    children_cpu >"$WORK/cpu1"
    t1=$(now)
    # memaslap's own figure (timed from when its connections are set up);
    # the wall time of the whole process as a fallback.
    rate=$(awk '/^Run time:/ { for (i = 1; i < NF; i++) if ($i == "TPS:") print $(i + 1) }' "$out" | tail -1)
    secs=$(python3 -c "print(f'{$t1 - $t0:.2f}')")
    [ -n "$rate" ] || rate=$(python3 -c "print(round($RECORDS / ($t1 - $t0)))")
    check=$(mc_check -) || die "memaslap $spec: memcached's stats failed"
    read -r items evictions _ <<<"$check"
    [ "$evictions" = 0 ] || die "memaslap $spec: memcached evicted $evictions items: raise MEMCACHED_MEMORY_MB"
    cpu=$(python3 -c "print(f'{1e6 * ($(cat "$WORK/cpu1") - $(cat "$WORK/cpu0")) / $RECORDS:.2f}')")
    label="memaslap-T$threads-c$conns"
    echo "$label $run $rate $cpu $secs $(load1) $items" >>"$RESULTS"
    # shellcheck disable=SC2059
    printf "$fmt" "memaslap -T $threads -c $conns" "$run" "$rate" "$cpu" "$secs" "$(load1)" "$items"
  done
done

echo
python3 - "$RESULTS" "$RECORDS" "$KEY_BYTES" "$VALUE_BYTES" "$KEYS" "$OVERWRITE" <<'EOF'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
order = []
for r in rows:
    if r[0] not in order: order.append(r[0])
print(f"sets per run: {sys.argv[2]}, keys ~{sys.argv[3]} B, values ~{sys.argv[4]} B, {sys.argv[5]} distinct keys "
      f"(memaslap: overwrite proportion {sys.argv[6]})")
print("| what | median records/s | min .. max | client CPU us/record | keys afterwards | load (1 min) |")
print("|---|---:|---:|---:|---:|---:|")
for w in order:
    rs = [r for r in rows if r[0] == w]
    rates = [float(r[2]) for r in rs]
    cpu = "-" if rs[0][3] == "-" else f"{statistics.median(float(r[3]) for r in rs):.2f}"
    keys = sorted({int(r[6]) for r in rs})
    keys = f"{keys[0]:,}" if len(keys) == 1 else f"{keys[0]:,} .. {keys[-1]:,}"
    print(f"| {w} | {statistics.median(rates):,.0f} | {min(rates):,.0f} .. {max(rates):,.0f} | {cpu} | {keys} | "
          f"{min(float(r[5]) for r in rs):.1f} .. {max(float(r[5]) for r in rs):.1f} |")
EOF
