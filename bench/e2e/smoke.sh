#!/usr/bin/env bash
# Keeps the side-by-side harness (bench/e2e/bench.py) working as the code
# changes: every side of it (source, sink, latency, checkpoints, plots) at a
# tiny size, one run, on a broker and a Kafka Connect of its own (ports apart
# from `make bench`'s). It checks that the run finishes and writes what it
# promises (the headline line, report.md, results.json with every contender,
# the four plots); it asserts nothing about the figures, which at this size
# mean nothing. ctest runs it as bench.E2eSmoke (about 2 minutes).
#
#   bash bench/e2e/smoke.sh            (BUILD=build by default)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build}
out=$(mktemp -d "${TMPDIR:-/tmp}/sluice-bench-smoke.XXXXXX")
trap 'rm -rf "$out"' EXIT

BUILD=$BUILD bash "$ROOT/scripts/py-tools.sh" --run python3 "$ROOT/bench/e2e/bench.py" --quick \
  --records 20000 --runs 1 --sides source,sink,latency,checkpoints \
  --lat-max 20000 --lat-loads 0.1 --lat-seconds 3 --lat-warmup-ms 500 --checkpoint-intervals 0,1000 \
  --kafka-port "${SMOKE_KAFKA_PORT:-19692}" --connect-port "${SMOKE_CONNECT_PORT:-18683}" \
  --out "$out" --plots "$out/img" | tee "$out/log"

fail() { echo "bench smoke: $*" >&2; exit 1; }
grep -Eq '^headline: sluice/raw=[0-9.]+ sluice/connect=[0-9.]+ rss_sluice/connect=[0-9.]+$' "$out/log" \
  || fail "no headline line in the form make bench-quick promises"
[ -s "$out/report.md" ] || fail "no report.md"
python3 - "$out/results.json" <<'PY' || fail "results.json is incomplete"
import json, sys
d = json.load(open(sys.argv[1]))
seen = {(r["side"], r["contender"]) for r in d["results"]}
want = {("source", c) for c in ("raw", "datagen", "file-source", "connect")} | \
       {("sink", c) for c in ("raw", "null-sink", "file-sink", "connect")} | \
       {("ckpt", "datagen ckpt=0"), ("ckpt", "datagen ckpt=1000")}
missing = want - seen
if missing:
    sys.exit(f"missing results: {sorted(missing)}")
bad = [r for r in d["results"] if not r.get("records_s", 0) > 0]
if bad:
    sys.exit(f"results without a rate: {bad}")
pats = {x["pattern"] for x in d["latency"] if x.get("raw") and x.get("sluice")}
if pats != {"steady", "poisson", "burst"}:
    sys.exit(f"latency patterns measured on both sides: {sorted(pats)}")
PY
for png in bench-source bench-sink bench-latency bench-checkpoints; do
  [ -s "$out/img/$png.png" ] || fail "no plot $png.png"
done
echo "bench smoke: ok"
