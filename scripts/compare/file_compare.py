#!/usr/bin/env python3
"""Runs Kafka Connect's FileStreamSource and Sluice's on the same input file
and compares what they write to Kafka, byte for byte (keys and values); then
each side's FileStreamSink reads the other side's topic, and the two output
files must be identical and hold the input's lines.

usage: file_compare.py --connect URL --sluice URL --workdir DIR --kafka-sh PATH [--report FILE]

Both systems must run against the same Kafka broker, the one PATH
(scripts/kafka.sh, with KAFKA_PORT set) talks to; DIR is a scratch directory
both can read and write. Converters are Connect's JsonConverter with
schemas.enable=false on both sides. The input holds what is easy to get
wrong: quotes, backslashes, control characters, a lone CR and CR LF line
ends, an empty line, multi-byte and malformed UTF-8. Exits 0 when everything
matches, 1 on a difference, 2 on a set-up error. Python 3 standard library
only; scripts/compare/connect-compare.sh starts everything and runs it.
"""
import argparse
import os
import subprocess
import sys
import time

from rest_compare import call

CONVERTERS = {
    "key.converter": "org.apache.kafka.connect.json.JsonConverter",
    "key.converter.schemas.enable": "false",
    "value.converter": "org.apache.kafka.connect.json.JsonConverter",
    "value.converter.schemas.enable": "false",
}

# Each entry is one line as written to the file, with its line end.
INPUT = [
    b"alpha\n",
    b"say \"hi\" to C:\\temp\\new / ok\n",
    b"tab\there, form\x0cfeed, bell\x07, escape\x1b, unit\x1f, del\x7f\n",
    b"\n",  # an empty line
    b"crlf line\r\n",
    b"lone cr line\r",
    b"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xe2\x80\xa8 \xef\xbb\xbf\n",
    b"malformed: \xff \xc0\xaf \xe2\x82 \xed\xa0\x80 \xf4\x90\x80\x80 end\n",
    b"more: \xed\xa0A \xe0\x9f\x80 \xc1\xbf \xf5\x80 \xf0\x9f\x98 \xf4\x8f\xbf\xbf \xe2\x82\n",
    b"{\"looks\": \"like json\"}\n",
    b"last\n",
]


def consume(kafka_sh, topic, count, timeout_ms):
    """The topic's records as (key, value) byte strings, via Kafka's own console consumer."""
    env = dict(os.environ, KAFKA_CONSUME_TIMEOUT_MS=str(timeout_ms))
    out = subprocess.run(
        ["bash", kafka_sh, "consume", topic, str(count), "--formatter-property", "print.key=true",
         "--formatter-property", "key.separator=\x1e"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=False).stdout
    records = []
    # Values hold no raw LF: a JSON string escapes it, and a line has none.
    for row in out.split(b"\n"):
        if b"\x1e" in row:  # not a line the tool prints about itself
            key, _, value = row.partition(b"\x1e")
            records.append((key, value))
    return records


def wait_lines(path, count, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.exists(path):
            with open(path, "rb") as f:
                data = f.read()
            if data.count(b"\n") >= count:
                return data
        time.sleep(0.25)
    if not os.path.exists(path):
        return b""
    with open(path, "rb") as f:
        return f.read()


def create(base, name, config):
    code, body, _, text = call(base, "POST", "/connectors", {"name": name, "config": config})
    if code != 201:
        raise RuntimeError(f"creating {name} at {base} answered {code}: {text[:300]}")


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--connect", required=True, help="Kafka Connect's REST URL")
    ap.add_argument("--sluice", required=True, help="Sluice's REST URL")
    ap.add_argument("--workdir", required=True, help="scratch directory for the input and output files")
    ap.add_argument("--kafka-sh", required=True, help="scripts/kafka.sh (KAFKA_PORT set for the shared broker)")
    ap.add_argument("--report", help="append the report to this file")
    ap.add_argument("--timeout", type=float, default=90, help="seconds to wait for records and files")
    args = ap.parse_args(argv)

    systems = {"connect": args.connect.rstrip("/"), "sluice": args.sluice.rstrip("/")}
    os.makedirs(args.workdir, exist_ok=True)
    src = os.path.join(args.workdir, "fidelity-input.txt")
    with open(src, "wb") as f:
        f.write(b"".join(INPUT))
    topic = {name: f"sluice-compare-file-{name}" for name in systems}
    for t in topic.values():
        subprocess.run(["bash", args.kafka_sh, "create-topic", t, "1"], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    lines = []

    def emit(s=""):
        lines.append(s)
        print(s, flush=True)

    failures = 0
    emit(f"# FileStreamSource/FileStreamSink fidelity: {len(INPUT)} lines through each side, JsonConverter")
    names = {name: (f"fidelity-src-{name}", f"fidelity-sink-{name}") for name in systems}
    try:
        for name, base in systems.items():
            create(base, names[name][0], dict(CONVERTERS, **{"connector.class": "FileStreamSource", "tasks.max": "1",
                                                              "file": src, "topic": topic[name]}))
        got = {name: consume(args.kafka_sh, topic[name], len(INPUT), int(args.timeout * 1000)) for name in systems}
        for name in systems:
            emit(f"{name:8} FileStreamSource wrote {len(got[name])} records to {topic[name]}")
        for i, (k, v) in enumerate(got["connect"]):
            emit(f"     Connect's record {i}: key {k!r} value {v!r}")
        if len(got["connect"]) != len(INPUT):
            emit(f"FAIL Connect wrote {len(got['connect'])} records, not {len(INPUT)}: the reference is incomplete")
            failures += 1
        for i, (c, s) in enumerate(zip(got["connect"], got["sluice"])):
            if c != s:
                failures += 1
                emit(f"FAIL record {i}: Connect key {c[0]!r} value {c[1]!r}")
                emit(f"     {' ' * len(str(i))}   Sluice  key {s[0]!r} value {s[1]!r}")
        if len(got["sluice"]) != len(got["connect"]):
            failures += 1
            emit(f"FAIL Sluice wrote {len(got['sluice'])} records, Connect {len(got['connect'])}")
        if not failures:
            emit(f"ok   the two topics are byte-identical ({sum(len(v) for _, v in got['sluice'])} value bytes)")

        # Each sink reads the other's topic.
        out = {name: os.path.join(args.workdir, f"fidelity-out-{name}.txt") for name in systems}
        other = {"connect": "sluice", "sluice": "connect"}
        for name, base in systems.items():
            create(base, names[name][1], dict(CONVERTERS, **{"connector.class": "FileStreamSink", "tasks.max": "1",
                                                              "file": out[name], "topics": topic[other[name]]}))
        data = {name: wait_lines(out[name], len(INPUT), args.timeout) for name in systems}
        count = {name: data[name].count(b"\n") for name in systems}
        for name in systems:
            st = call(systems[name], "GET", f"/connectors/{names[name][1]}/status")[1] or {}
            states = [t.get("state") for t in st.get("tasks", [])]
            emit(f"{name:8} FileStreamSink read {topic[other[name]]}: {count[name]} lines, tasks {states}")
            if "FAILED" in states:
                failures += 1
                trace = next((t.get("trace", "") for t in st["tasks"] if t.get("state") == "FAILED"), "")
                emit(f"FAIL {name}'s FileStreamSink failed on the other's topic: {trace.splitlines()[0] if trace else ''}")
        if data["connect"] != data["sluice"]:
            failures += 1
            a, b = data["connect"].split(b"\n"), data["sluice"].split(b"\n")
            for i in range(max(len(a), len(b))):
                x, y = a[i] if i < len(a) else None, b[i] if i < len(b) else None
                if x != y:
                    emit(f"FAIL output line {i}: Connect's sink {x!r}, Sluice's sink {y!r}")
        want = len(INPUT)
        if count["sluice"] != want:
            failures += 1
            emit(f"FAIL Sluice's sink wrote {count['sluice']} lines, not {want}")
        if data["connect"] == data["sluice"] and count["sluice"] == want:
            emit(f"ok   both sinks wrote the same {want} lines ({len(data['sluice'])} bytes)")
        first = data["sluice"].split(b"\n")[0] if data["sluice"] else b""
        if first != b"alpha":
            failures += 1
            emit(f"FAIL the first line came back as {first!r}, not b'alpha'")
    except (RuntimeError, OSError, subprocess.CalledProcessError) as e:
        emit(f"FAIL {e}")
        failures += 1
    finally:
        for name, base in systems.items():
            for n in names[name]:
                try:
                    call(base, "DELETE", f"/connectors/{n}", timeout=10)
                except OSError:
                    pass
    emit(f"file fidelity: {'ok' if not failures else f'{failures} differences'}")
    if args.report:
        with open(args.report, "a", encoding="utf-8") as f:
            f.write("\n" + "\n".join(lines) + "\n")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
