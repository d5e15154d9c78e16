#!/usr/bin/env bash
# The plugin author's path, end to end (docs/plugin-guide.md):
#   1. install the SDK from a build tree (cmake --install BUILD --prefix P);
#   2. build the three examples in sdk/examples/ out of tree with
#      find_package(SluiceSDK) against P, warnings as errors;
#   3. drop the .so files into a plugin directory: `sluice plugins` lists them,
#      and each exports nothing but sluice_plugin_entry;
#   4. run real pipelines through the host on the embedded Kafka:
#        counter-source (C) -> counts -> HoistField$Value -> example-sink
#        datagen -> keyed -> Uppercase -> file-sink
#      and check every record arrived exactly once, then restart the worker
#      with a higher bound: counter-source resumes from its committed offset.
#
# usage: out_of_tree_test.sh SOURCE_DIR BUILD_DIR     (ctest: sdk.OutOfTreePluginBuildsAndLoads)
# Set SLUICE_KEEP_TMP=1 to keep the temporary directory for inspection.
set -uo pipefail

src=$(cd "${1:?usage: out_of_tree_test.sh SOURCE_DIR BUILD_DIR}" && pwd) || exit 2
build=$(cd "${2:?usage: out_of_tree_test.sh SOURCE_DIR BUILD_DIR}" && pwd) || exit 2
sluice=$build/bin/sluice

passed=0
failed=0
pid=""
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sluice-oot.XXXXXX") || exit 2

cleanup() {
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  fi
  if [[ -n "${SLUICE_KEEP_TMP:-}" ]]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT

summary() { echo "out-of-tree: $passed passed, $failed failed"; }
pass() { passed=$((passed + 1)); echo "ok   - $*"; }
fail() { failed=$((failed + 1)); echo "FAIL - $*"; }
# A step the rest depends on failed: report, show the log, stop.
die() {
  fail "$1"
  if [[ -n "${2:-}" && -f "$2" ]]; then echo "--- last lines of $2:"; tail -n 40 "$2"; echo "---"; fi
  summary
  exit 1
}
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

[[ -x "$sluice" ]] || die "no host binary at $sluice (build the project first)"
for tool in cmake python3 nm; do
  command -v "$tool" >/dev/null || die "required tool '$tool' is not installed"
done

# --- 1. install the SDK ------------------------------------------------------
prefix=$tmp/prefix
cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" 2>&1 ||
  die "cmake --install $build failed" "$tmp/install.log"
config=$(find "$prefix" -name SluiceSDKConfig.cmake -print -quit)
[[ -n "$config" && -f "$prefix/include/sluice/plugin.h" && -f "$prefix/include/sluice/cpp/plugin.hpp" ]] ||
  die "the install has no SDK headers or SluiceSDKConfig.cmake" "$tmp/install.log"
grep -q 'Sluice::sdk' "$(dirname "$config")/SluiceSDKTargets.cmake" ||
  die "the installed SDK does not define Sluice::sdk (stale build tree? re-run cmake on $build)"
pass "SDK installed into a fresh prefix ($(dirname "$config"))"

# --- 2. build the examples out of tree ---------------------------------------
plugins=$tmp/plugins
mkdir -p "$plugins"
declare -A kind_of=([example-sink]=sink [Uppercase]=transform [counter-source]=source)
declare -A dir_of=([example-sink]=sink [Uppercase]=transform [counter-source]=c-source)
for name in counter-source example-sink Uppercase; do
  ex=${dir_of[$name]}
  b=$tmp/build-$ex
  cmake -S "$src/sdk/examples/$ex" -B "$b" --no-warn-unused-cli \
    -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF \
    "-DCMAKE_C_FLAGS=-Wall -Wextra -Werror" "-DCMAKE_CXX_FLAGS=-Wall -Wextra -Werror" \
    >"$tmp/$ex.log" 2>&1 || die "configure of sdk/examples/$ex failed" "$tmp/$ex.log"
  sdk_dir=$(sed -n 's/^SluiceSDK_DIR:[A-Z]*=//p' "$b/CMakeCache.txt")
  [[ "$sdk_dir" == "$prefix"/* ]] || die "sdk/examples/$ex found SluiceSDK in '$sdk_dir', not in the installed prefix"
  cmake --build "$b" -j2 >>"$tmp/$ex.log" 2>&1 || die "build of sdk/examples/$ex failed (-Wall -Wextra -Werror)" "$tmp/$ex.log"
  [[ -f "$b/$name.so" ]] || die "sdk/examples/$ex did not produce $name.so" "$tmp/$ex.log"
  cp "$b/$name.so" "$plugins/"
  pass "sdk/examples/$ex builds out of tree against the installed SDK -> $name.so"
done

# --- 3. the host lists them; they export only the entry symbol ---------------
"$sluice" plugins --plugin-path "$plugins" --json >"$tmp/plugins.json" 2>"$tmp/plugins.err" ||
  die "sluice plugins failed" "$tmp/plugins.err"
if python3 - "$tmp/plugins.json" <<'EOF'; then pass "sluice plugins lists counter-source (source), example-sink (sink), Uppercase (transform), no refusals"; else fail "sluice plugins: $(cat "$tmp/plugins.json")"; fi
import json, sys
listed = json.load(open(sys.argv[1]))
errors = [p for p in listed if p.get("error")]
kinds = {p["name"]: p["kind"] for p in listed if p.get("name")}
want = {"counter-source": "source", "example-sink": "sink", "Uppercase": "transform"}
for p in errors:
    print("refused:", p["file"], p["error"])
for n, k in want.items():
    if kinds.get(n) != k:
        print(f"{n}: expected kind {k}, got {kinds.get(n)}")
sys.exit(0 if not errors and all(kinds.get(n) == k for n, k in want.items()) else 1)
EOF
for name in counter-source example-sink Uppercase; do
  syms=$(nm -D --defined-only "$plugins/$name.so" | awk '{print $NF}' | tr '\n' ' ')
  if [[ "$syms" == "sluice_plugin_entry " ]]; then pass "$name.so exports only sluice_plugin_entry"
  else fail "$name.so exports: $syms"; fi
done
for name in counter-source example-sink Uppercase; do
  if "$sluice" describe "$name" --plugin-path "$plugins" --markdown | grep -q "^| \`"; then pass "sluice describe $name --markdown prints its option table"
  else fail "sluice describe $name --markdown"; fi
done

# --- 4. real pipelines -------------------------------------------------------
out=$tmp/out.txt
upper=$tmp/upper.txt
write_worker() {
  cat >"$tmp/worker.json" <<EOF
{"listeners": "http://127.0.0.1:$(free_port)",
 "plugin.path": ["$build/plugins", "$plugins"],
 "state.dir": "$tmp/state",
 "offset.flush.interval.ms": 200,
 "shutdown.drain.ms": 10000}
EOF
}
write_counter() {  # $1 = max
  cat >"$tmp/counter.json" <<EOF
{"name": "counter", "config": {"connector.class": "counter-source", "topic": "counts", "max": "$1"}}
EOF
}
cat >"$tmp/counts-to-file.json" <<EOF
{"name": "counts-to-file", "config": {
  "connector.class": "example-sink", "topics": "counts", "file": "$out",
  "transforms": "hoist",
  "transforms.hoist.type": "HoistField\$Value", "transforms.hoist.field": "wrapped"}}
EOF
cat >"$tmp/keyed.json" <<EOF
{"name": "keyed", "config": {"connector.class": "datagen", "topic": "keyed",
  "records": "50", "payload.bytes": "4", "keys": "5"}}
EOF
cat >"$tmp/keyed-to-file.json" <<EOF
{"name": "keyed-to-file", "config": {
  "connector.class": "file-sink", "topics": "keyed", "file": "$upper",
  "transforms": "up", "transforms.up.type": "Uppercase", "transforms.up.field": "key"}}
EOF

lines() { if [[ -f "$1" ]]; then wc -l <"$1"; else echo 0; fi; }

# run_until LOG FILE:COUNT...: start the worker, wait (60 s at most) until
# each FILE has COUNT lines, stop it with SIGINT, expect exit code 0 (30 s).
run_until() {
  local log=$1
  shift
  "$sluice" run "$tmp/worker.json" "$tmp/counter.json" "$tmp/counts-to-file.json" \
    "$tmp/keyed.json" "$tmp/keyed-to-file.json" >"$log" 2>&1 &
  pid=$!
  local deadline=$((SECONDS + 60)) want ok
  while true; do
    ok=1
    for want in "$@"; do
      [[ $(lines "${want%:*}") -ge ${want##*:} ]] || ok=0
    done
    [[ $ok == 1 ]] && break
    kill -0 "$pid" 2>/dev/null || { wait "$pid"; die "sluice run exited early (code $?)" "$log"; }
    ((SECONDS < deadline)) || die "timed out after 60 s waiting for $* (have $(lines "$out") and $(lines "$upper") lines)" "$log"
    sleep 0.2
  done
  pass "records arrived: $*"
  kill -INT "$pid"
  deadline=$((SECONDS + 30))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && die "sluice run did not exit within 30 s of SIGINT" "$log"
  wait "$pid"
  local rc=$?
  pid=""
  [[ $rc == 0 ]] || die "sluice run exited with code $rc after SIGINT" "$log"
  pass "sluice run stopped cleanly on SIGINT"
}

# check_counts FILE N: FILE holds exactly the values n=0..N-1 once each, as
# "counts PARTITION OFFSET {"wrapped":{"n":N}}" lines.
check_counts() {
  python3 - "$1" "$2" <<'EOF'
import json, sys
path, n = sys.argv[1], int(sys.argv[2])
seen, problems = [], []
for i, line in enumerate(open(path), 1):
    parts = line.rstrip("\n").split(" ", 3)
    try:
        topic, partition, offset, value = parts[0], int(parts[1]), int(parts[2]), json.loads(parts[3])
        if topic != "counts" or partition < 0 or offset < 0:
            raise ValueError("bad topic/partition/offset")
        seen.append(value["wrapped"]["n"])
    except Exception as e:
        problems.append(f"line {i}: {line.strip()!r}: {e}")
dups = sorted({x for x in seen if seen.count(x) > 1})
missing = sorted(set(range(n)) - set(seen))
extra = sorted(set(seen) - set(range(n)))
for p in problems[:5]: print(p)
if dups: print("duplicates:", dups[:20])
if missing: print("missing:", missing[:20])
if extra: print("unexpected:", extra[:20])
sys.exit(1 if problems or dups or missing or extra or len(seen) != n else 0)
EOF
}

write_worker
write_counter 200
run_until "$tmp/run1.log" "$out:200" "$upper:50"
if check_counts "$out" 200; then pass "counter-source -> HoistField\$Value -> example-sink: n=0..199 each exactly once"
else fail "counter-source -> example-sink output is wrong"; fi
if python3 - "$upper" <<'EOF'; then pass "datagen -> Uppercase(key) -> file-sink: 50 records, every key uppercased"; else fail "Uppercase output is wrong"; fi
import json, sys
vals = [json.loads(l) for l in open(sys.argv[1])]
bad = [v for v in vals if v["key"] != "KEY-%d" % (v["seq"] % 5)]
for v in bad[:5]: print("not uppercased:", v)
seqs = sorted(v["seq"] for v in vals)
if seqs != list(range(50)): print("seqs:", seqs)
sys.exit(1 if bad or seqs != list(range(50)) else 0)
EOF

# Restart with a higher bound: the source reads its committed offset {"n":199}
# through host_offset_get and continues at 200. (The embedded Kafka is new, so
# the sink sees only the new records and appends them.)
write_worker
write_counter 300
run_until "$tmp/run2.log" "$out:300"
if check_counts "$out" 300; then pass "after a restart counter-source resumed from its committed offset: n=0..299 each exactly once"
else fail "counter-source did not resume correctly"; fi

summary
((failed == 0))
