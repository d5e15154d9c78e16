#!/usr/bin/env bash
# postgres-sink throughput against PostgreSQL's own bulk path, `psql \copy`,
# on the same rows. A topic is filled once with RECORDS datagen records
# ({"seq":n,"key":"key-3","ts":...,"payload":"xxx..."}); then, RUNS times and
# interleaved, each mode writes all of them into a fresh table:
#
#   insert   sluice, postgres-sink insert.mode=insert (COPY per put, one
#            transaction per put with the offsets table update)
#   upsert   sluice, postgres-sink insert.mode=upsert, pk.mode=record_value on seq
#            (INSERT ... ON CONFLICT DO UPDATE)
#   null     sluice, null-sink on the same topic: what the host consumes and
#            converts without a database, the ceiling for the sink modes
#   copy     psql \copy of the same rows (exported once from the first insert
#            table, COPY text format) into an empty table of the same columns
#
# Sink rates are taken from sluice_task_records_out_total (records committed
# to PostgreSQL) between the first /metrics sample at or past START_FRACTION
# of the records and the last one before all are in, so start-up (consumer
# group join, connection) does not count; the \copy rate is RECORDS over
# psql's whole run.
#
#   bench/e2e/postgres_sink.sh           (or: make bench-postgres)
#
# PG_URL_QUERY is appended to connection.url (an experiment knob, e.g.
# '?options=-c%20synchronous_commit%3Doff'; see docs/benchmarks.md for why
# that is not safe with the sink's exactly-once).
#
# Needs the build, python3, curl, and what scripts/kafka.sh and
# scripts/postgres.sh need. It starts its own broker (KAFKA_PORT 19692) and
# PostgreSQL (PG_PORT 15532) and stops both at the end, on failure too; it
# refuses to start when something already runs on either port (another
# session's server is not ours to stop).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$ROOT/bench/e2e/lib.sh"
BUILD=${BUILD:-$ROOT/build}
SLUICE=${SLUICE:-$BUILD/bin/sluice}
export KAFKA_PORT=${KAFKA_PORT:-19692}
export PG_PORT=${PG_PORT:-15532}
RECORDS=${RECORDS:-500000}
PAYLOAD_BYTES=${PAYLOAD_BYTES:-100}
RUNS=${RUNS:-3}
MODES=${MODES:-"null insert upsert copy"}
RUN_TIMEOUT=${RUN_TIMEOUT:-300}
POLL=${POLL:-0.1}
START_FRACTION=${START_FRACTION:-0.05}
TOPIC=bench-pg

die() { echo "postgres_sink bench: $*" >&2; exit 1; }
[ -x "$SLUICE" ] || die "no $SLUICE: build first (make build)"
for tool in curl python3; do command -v $tool >/dev/null || die "$tool is needed"; done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/sluice-pg-bench.XXXXXX")
SLUICE_PID=
STARTED_KAFKA=0
STARTED_PG=0
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_sluice || true
  if [ "$STARTED_KAFKA" = 1 ]; then bash "$ROOT/scripts/kafka.sh" down >/dev/null 2>&1 || echo "kafka.sh down failed" >&2; fi
  if [ "$STARTED_PG" = 1 ]; then bash "$ROOT/scripts/postgres.sh" down >/dev/null 2>&1 || echo "postgres.sh down failed" >&2; fi
  rm -rf "$WORK"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

psql_() { PGPASSWORD=sluice psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U sluice -d sluice "$@"; }

# run_sluice LABEL CONNECTOR_JSON CONNECTOR_NAME: run until the connector's
# records_out reaches RECORDS; prints "records/s seconds put% records/put" of
# the window (put%: share of the window the task spent inside on_put).
run_sluice() {
  local label=$1 connector=$2 name=$3 dir=$WORK/$1 port
  start_sluice "$dir" '' "$connector"
  port=$SLUICE_PORT
  local start_at t count t0= c0= t1= c1= s0= n0= s1= n1= deadline polls=0
  start_at=$(python3 -c "print(int($RECORDS * $START_FRACTION))")
  deadline=$(($(date +%s) + RUN_TIMEOUT))
  while :; do
    [ "$(date +%s)" -lt "$deadline" ] || { tail -20 "$dir/sluice.log" >&2; die "$label: not done in ${RUN_TIMEOUT}s"; }
    kill -0 "$SLUICE_PID" 2>/dev/null || { tail -20 "$dir/sluice.log" >&2; die "$label: sluice exited"; }
    polls=$((polls + 1))
    if [ $((polls % 20)) = 1 ] && curl -sf "http://127.0.0.1:$port/connectors/$name/status" 2>/dev/null | grep -q '"FAILED"'; then
      curl -s "http://127.0.0.1:$port/connectors/$name/status" >&2
      die "$label: the connector failed"
    fi
    if curl -sf -o "$dir/metrics.txt" "http://127.0.0.1:$port/metrics" 2>/dev/null; then
      t=$(now)
      count=$(metric sluice_task_records_out_total "$name" "$dir/metrics.txt")
      [ "$count" -ge "$RECORDS" ] && break
      if [ -z "$t0" ] && [ "$count" -ge "$start_at" ]; then
        t0=$t c0=$count s0=$(putsum "$name" "$dir/metrics.txt") n0=$(putcount "$name" "$dir/metrics.txt")
      elif [ -n "$t0" ]; then
        t1=$t c1=$count s1=$(putsum "$name" "$dir/metrics.txt") n1=$(putcount "$name" "$dir/metrics.txt")
      fi
    fi
    sleep "$POLL"
  done
  stop_sluice
  [ -n "$t1" ] || die "$label: too few samples; raise RECORDS"
  python3 -c "
n = $n1 - $n0
print(f'{($c1 - $c0) / ($t1 - $t0):.0f} {$t1 - $t0:.2f} {100 * ($s1 - $s0) / ($t1 - $t0):.0f} {($c1 - $c0) / n if n else 0:.0f}')"
}
putsum() {
  awk -v conn="connector=\"$1\"" 'index($1, "sluice_sink_task_put_duration_seconds_sum{") == 1 && index($1, conn) { s += $NF } END { printf "%.6f\n", s + 0 }' "$2"
}
putcount() {
  awk -v conn="connector=\"$1\"" 'index($1, "sluice_sink_task_put_duration_seconds_count{") == 1 && index($1, conn) { s += $NF } END { printf "%d\n", s + 0 }' "$2"
}

echo "postgres_sink bench: broker on 127.0.0.1:$KAFKA_PORT, PostgreSQL on 127.0.0.1:$PG_PORT" >&2
if bash "$ROOT/scripts/kafka.sh" status >/dev/null 2>&1 || (exec 3<>"/dev/tcp/127.0.0.1/$KAFKA_PORT") 2>/dev/null; then
  die "something already listens on 127.0.0.1:$KAFKA_PORT: set KAFKA_PORT to a free port"
fi
if (exec 3<>"/dev/tcp/127.0.0.1/$PG_PORT") 2>/dev/null; then
  die "something already listens on 127.0.0.1:$PG_PORT: set PG_PORT to a free port"
fi
STARTED_KAFKA=1
BOOTSTRAP=$(bash "$ROOT/scripts/kafka.sh" up)
STARTED_PG=1
bash "$ROOT/scripts/postgres.sh" up >/dev/null

echo "postgres_sink bench: filling $TOPIC with $RECORDS records (payload.bytes=$PAYLOAD_BYTES)" >&2
run_sluice fill "{\"name\": \"fill\", \"config\": {\"connector.class\": \"datagen\", \"topic\": \"$TOPIC\",
  \"records\": \"$RECORDS\", \"payload.bytes\": \"$PAYLOAD_BYTES\", \"topic.creation.default.partitions\": \"1\",
  \"topic.creation.default.replication.factor\": \"1\"}}" fill >/dev/null

sink_config() {  # NAME TABLE MODE
  local extra='"insert.mode": "insert"'
  [ "$3" = upsert ] && extra='"insert.mode": "upsert", "pk.mode": "record_value", "pk.fields": "seq"'
  echo "{\"name\": \"$1\", \"config\": {\"connector.class\": \"postgres-sink\", \"topics\": \"$TOPIC\",
    \"connection.url\": \"postgresql://sluice@127.0.0.1:$PG_PORT/sluice${PG_URL_QUERY:-}\", \"connection.password\": \"sluice\",
    \"table.name.format\": \"$2\", \"auto.create\": \"true\", \"time.field\": \"ts\", $extra}}"
}

RESULTS=$WORK/results.txt
: >"$RESULTS"
EXPORT=$WORK/rows.copy
printf '%-7s %4s %12s %8s %5s %11s %6s\n' mode run records/s secs put% records/put load1
for run in $(seq 1 "$RUNS"); do
  for mode in $MODES; do
    table=bench_${mode}_r$run
    case "$mode" in
      null)
        line=$(run_sluice "$mode-r$run" "{\"name\": \"null-r$run\", \"config\": {\"connector.class\": \"null-sink\",
          \"topics\": \"$TOPIC\"}}" "null-r$run")
        ;;
      insert|upsert)
        line=$(run_sluice "$mode-r$run" "$(sink_config "pg-$mode-r$run" "$table" "$mode")" "pg-$mode-r$run")
        n=$(psql_ -tAc "SELECT count(*) FROM $table")
        [ "$n" = "$RECORDS" ] || die "$table has $n rows, expected $RECORDS"
        ;;
      copy)
        if [ ! -s "$EXPORT" ]; then
          src=$(psql_ -tAc "SELECT relname FROM pg_class WHERE relkind = 'r' AND (relname LIKE 'bench_insert_r%' OR relname LIKE 'bench_upsert_r%') ORDER BY 1 LIMIT 1")
          [ -n "$src" ] || die "copy needs an insert or upsert table to export first (put it after them in MODES)"
          psql_ -c "\\copy (SELECT seq, key, ts, payload FROM $src ORDER BY seq) TO '$EXPORT'"
        fi
        psql_ -c "CREATE TABLE $table (seq bigint, key text, ts timestamptz NOT NULL, payload text)"
        t0=$(now)
        psql_ -c "\\copy $table (seq, key, ts, payload) FROM '$EXPORT'"
        t1=$(now)
        n=$(psql_ -tAc "SELECT count(*) FROM $table")
        [ "$n" = "$RECORDS" ] || die "$table has $n rows, expected $RECORDS"
        line=$(python3 -c "print(f'{$RECORDS / ($t1 - $t0):.0f} {$t1 - $t0:.2f} - -')")
        ;;
      *) die "unknown mode $mode" ;;
    esac
    load=$(cut -d' ' -f1 /proc/loadavg)
    echo "$mode $run $line $load" >>"$RESULTS"
    # shellcheck disable=SC2086
    printf '%-7s %4s %12s %8s %5s %11s %6s\n' "$mode" "$run" $line "$load"
  done
done

echo
python3 - "$RESULTS" "$RECORDS" "$PAYLOAD_BYTES" <<'EOF'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
by = {}
for mode, run, rate, secs, put, per, load in rows:
    by.setdefault(mode, []).append(float(rate))
copy = statistics.median(by["copy"]) if "copy" in by else None
print(f"{int(sys.argv[2]):,} records, payload.bytes {sys.argv[3]}, {len(next(iter(by.values())))} runs per mode")
print()
print("| mode | median records/s | min .. max | vs psql \\copy |")
print("|---|---:|---:|---:|")
for mode, rates in by.items():
    med = statistics.median(rates)
    rel = f"{100 * med / copy:.0f} %" if copy else "-"
    print(f"| {mode} | {med:,.0f} | {min(rates):,.0f} .. {max(rates):,.0f} | {rel} |")
EOF
