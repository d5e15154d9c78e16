#!/usr/bin/env python3
"""Runs one scripted sequence of REST calls against Kafka Connect and against
Sluice and compares what they answer: status codes, and the shape of each JSON
body (key sets and value types, recursively), not values such as timestamps,
worker ids or messages. A few fields whose values are the contract (connector
and task states, error_code, type) must also be equal.

usage: rest_compare.py --connect URL --sluice URL --workdir DIR [--report FILE]

Both systems must run against the same Kafka broker; DIR is a scratch
directory (the FileStreamSource input file is written there). Exits 0 when
every difference is in ALLOWED below, 1 otherwise, 2 on a usage or set-up
error. Python 3 standard library only. See docs/rest-api.md, "Differences
from Kafka Connect", and scripts/compare/connect-compare.sh, which starts
everything.
"""
import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.request

# Intended differences, step id -> {difference: reason}. A difference is
# "status C S" (Connect answered C, Sluice S; this also covers the error body
# that differs with it), "value PATH" (a value that must be equal is not) or
# "shape PATH" (a key or type differs). Anything not listed fails the run, and
# so does an entry that no longer matches (so the list stays true). Each entry
# is explained in docs/rest-api.md, "Differences from Kafka Connect".
CONNECT_500 = "Connect answers 500 for a client error here; Sluice answers the 4xx the request deserves"
ALLOWED = {
    "validate-unknown-plugin": {"status 500 400": "Connect wraps its own BadRequestException (unknown connector class) in a 500"},
    "validate-malformed": {"status 500 400": CONNECT_500 + " (malformed JSON)"},
    "create-malformed-json": {"status 500 400": CONNECT_500 + " (malformed JSON)"},
    "create-no-config": {"status 500 400": CONNECT_500 + " (no \"config\": a NullPointerException in Connect)"},
    "patch-offsets-bad-body": {"status 500 400": CONNECT_500 + " (\"offsets\" not an array)"},
    "put-config-malformed": {"status 500 400": CONNECT_500 + " (malformed JSON)"},
    "status-initial-paused": {"value $.tasks[*].state": "Connect standalone creates no tasks for a connector created PAUSED; Sluice creates them paused"},
    "restart-bad-param": {"status 204 400": "Connect reads includeTasks=maybe as false and restarts; Sluice refuses a value that is not true/false"},
    "logger-bad-level": {"status 404 400": "Connect answers 404 for an unknown log level; Sluice 400 (a bad request body)"},
    "logger-unknown": {"status 404 200": "Sluice's loggers are a name hierarchy: any name has an effective level, so there is no unknown logger"},
    "missing-stop": {"status 500 404": CONNECT_500 + " (unknown connector, standalone herder)"},
    "missing-restart": {"status 500 404": CONNECT_500 + " (unknown connector: a NullPointerException in Connect)"},
    "missing-restart-task": {"status 500 404": CONNECT_500 + " (unknown connector, standalone herder)"},
    "missing-topics": {"status 200 404": "Connect does not check that the connector exists and answers an empty topic set; Sluice answers 404"},
    "missing-topics-reset": {"status 202 404": "Connect does not check that the connector exists; Sluice answers 404"},
    "long-url": {"shape $": "Jetty answers a URI over its limit with an HTML page of its own; Sluice keeps Connect's JSON error body"},
}

SRC = "cmp-src"
PUT_NEW = "cmp-put"
INITIAL = "cmp-paused"
MISSING = "cmp-missing"
PLUGIN = "FileStreamSource"
TOPIC = "sluice-compare-lines"


def source_config(workdir, **extra):
    cfg = {"connector.class": PLUGIN, "tasks.max": "1", "file": os.path.join(workdir, "input.txt"), "topic": TOPIC}
    cfg.update(extra)
    return cfg


def steps(workdir):
    """The sequence: each step is a dict with id, method, path and optional
    body (a dict, or raw text with raw=True), maps (JSON paths whose objects
    are keyed by data, such as logger names, so only their values' shapes are
    compared), same (JSON paths whose values must be equal on both systems)
    and wait (a readiness condition polled on both before the call)."""
    good = source_config(workdir)
    state_paths = ["$.connector.state", "$.tasks[*].state", "$.type", "$.name"]
    task_map = ["$[*].config"]
    s = []

    def add(id_, method, path, body=None, **kw):
        s.append(dict(id=id_, method=method, path=path, body=body, **kw))

    add("root", "GET", "/")
    add("plugins", "GET", "/connector-plugins")
    add("plugins-all", "GET", "/connector-plugins?connectorsOnly=false")
    add("plugin-config", "GET", f"/connector-plugins/{PLUGIN}/config")
    add("plugin-config-unknown", "GET", "/connector-plugins/NoSuchPlugin/config")
    add("validate-good", "PUT", f"/connector-plugins/{PLUGIN}/config/validate", dict(good, name=SRC),
        same=["$.error_count", "$.name"])
    add("validate-bad", "PUT", f"/connector-plugins/{PLUGIN}/config/validate",
        {"connector.class": PLUGIN, "name": SRC, "tasks.max": "1", "file": good["file"]}, same=["$.error_count", "$.name"])
    add("validate-unknown-plugin", "PUT", "/connector-plugins/NoSuchPlugin/config/validate", {"connector.class": "NoSuchPlugin"})
    add("validate-no-name", "PUT", f"/connector-plugins/{PLUGIN}/config/validate", dict(good), same=["$.error_count"])
    add("validate-malformed", "PUT", f"/connector-plugins/{PLUGIN}/config/validate", "{not json", raw=True)
    add("list-empty", "GET", "/connectors")
    add("create", "POST", "/connectors", {"name": SRC, "config": good}, same=["$.name", "$.type"])
    add("create-duplicate", "POST", "/connectors", {"name": SRC, "config": good})
    add("create-bad-config", "POST", "/connectors",
        {"name": "cmp-bad", "config": {"connector.class": PLUGIN, "tasks.max": "1", "file": good["file"]}})
    add("create-unknown-class", "POST", "/connectors", {"name": "cmp-bad", "config": {"connector.class": "NoSuchPlugin"}})
    add("create-malformed-json", "POST", "/connectors", '{"name": "cmp-bad", "config": {', raw=True)
    add("create-no-config", "POST", "/connectors", {"name": "cmp-bad"})
    add("create-initial-paused", "POST", "/connectors",
        {"name": INITIAL, "config": dict(good, file=os.path.join(workdir, "other.txt")), "initial_state": "PAUSED"})
    add("list", "GET", "/connectors")
    add("list-expanded", "GET", "/connectors?expand=status&expand=info", maps=["$"],
        wait=("running", SRC))
    add("info", "GET", f"/connectors/{SRC}", same=["$.name", "$.type"], wait=("running", SRC))
    add("config", "GET", f"/connectors/{SRC}/config")
    add("status", "GET", f"/connectors/{SRC}/status", same=state_paths)
    add("tasks", "GET", f"/connectors/{SRC}/tasks", maps=task_map)
    add("task-status", "GET", f"/connectors/{SRC}/tasks/0/status", same=["$.state", "$.id"])
    add("task-status-unknown", "GET", f"/connectors/{SRC}/tasks/99/status")
    add("status-initial-paused", "GET", f"/connectors/{INITIAL}/status", same=state_paths, wait=("state", INITIAL, "PAUSED"))
    add("pause", "PUT", f"/connectors/{SRC}/pause")
    add("status-paused", "GET", f"/connectors/{SRC}/status", same=state_paths, wait=("state", SRC, "PAUSED"))
    add("pause-again", "PUT", f"/connectors/{SRC}/pause")
    add("resume", "PUT", f"/connectors/{SRC}/resume")
    add("status-resumed", "GET", f"/connectors/{SRC}/status", same=state_paths, wait=("running", SRC))
    add("offsets-running", "GET", f"/connectors/{SRC}/offsets", wait=("lines", SRC))
    add("patch-offsets-running", "PATCH", f"/connectors/{SRC}/offsets",
        {"offsets": [{"partition": {"filename": good["file"]}, "offset": {"position": 0}}]})
    add("delete-offsets-running", "DELETE", f"/connectors/{SRC}/offsets")
    add("stop", "PUT", f"/connectors/{SRC}/stop")
    add("status-stopped", "GET", f"/connectors/{SRC}/status", same=state_paths, wait=("state", SRC, "STOPPED"))
    add("info-stopped", "GET", f"/connectors/{SRC}", same=["$.name", "$.type"])
    add("tasks-stopped", "GET", f"/connectors/{SRC}/tasks", maps=task_map)
    add("offsets-stopped", "GET", f"/connectors/{SRC}/offsets")
    add("patch-offsets-stopped", "PATCH", f"/connectors/{SRC}/offsets",
        {"offsets": [{"partition": {"filename": good["file"]}, "offset": {"position": 2}}]})
    add("offsets-after-patch", "GET", f"/connectors/{SRC}/offsets", same=["$.offsets[*].offset.position"])
    add("patch-offsets-bad-body", "PATCH", f"/connectors/{SRC}/offsets", {"offsets": "nope"})
    add("patch-offsets-no-offsets", "PATCH", f"/connectors/{SRC}/offsets", {})
    add("patch-offsets-empty", "PATCH", f"/connectors/{SRC}/offsets", {"offsets": []})
    add("patch-offsets-empty-missing", "PATCH", f"/connectors/{MISSING}/offsets", {"offsets": []})
    add("delete-offsets-stopped", "DELETE", f"/connectors/{SRC}/offsets")
    add("offsets-after-delete", "GET", f"/connectors/{SRC}/offsets")
    add("resume-after-stop", "PUT", f"/connectors/{SRC}/resume")
    add("status-after-stop-resume", "GET", f"/connectors/{SRC}/status", same=state_paths, wait=("running", SRC))
    add("restart", "POST", f"/connectors/{SRC}/restart")
    add("restart-include-tasks", "POST", f"/connectors/{SRC}/restart?includeTasks=true", same=["$.connector.state"],
        wait=("running", SRC))
    add("restart-only-failed", "POST", f"/connectors/{SRC}/restart?onlyFailed=true", wait=("running", SRC))
    add("restart-both", "POST", f"/connectors/{SRC}/restart?includeTasks=true&onlyFailed=true", wait=("running", SRC))
    add("restart-both-false", "POST", f"/connectors/{SRC}/restart?includeTasks=false&onlyFailed=false", wait=("running", SRC))
    add("restart-bad-param", "POST", f"/connectors/{SRC}/restart?includeTasks=maybe", wait=("running", SRC))
    # Booleans in any case, as `kc restart` sends them.
    add("restart-capitalized", "POST", f"/connectors/{SRC}/restart?includeTasks=False&onlyFailed=FALSE", wait=("running", SRC))
    # A body that is not JSON, as a cross-site browser form sends it: 415, nothing created.
    add("create-text-plain", "POST", "/connectors", {"name": "cmp-xsite", "config": good}, content_type="text/plain")
    add("create-form", "POST", "/connectors", {"name": "cmp-xsite", "config": good},
        content_type="application/x-www-form-urlencoded")
    add("list-after-xsite", "GET", "/connectors?expand=bogus", maps=["$"])
    add("restart-task", "POST", f"/connectors/{SRC}/tasks/0/restart", wait=("running", SRC))
    add("restart-task-unknown", "POST", f"/connectors/{SRC}/tasks/99/restart", wait=("running", SRC))
    add("restart-task-not-a-number", "POST", f"/connectors/{SRC}/tasks/x/restart")
    add("topics", "GET", f"/connectors/{SRC}/topics", wait=("topic", SRC))
    add("topics-reset", "PUT", f"/connectors/{SRC}/topics/reset")
    add("topics-after-reset", "GET", f"/connectors/{SRC}/topics")
    add("loggers", "GET", "/admin/loggers", maps=["$"])
    add("logger-root", "GET", "/admin/loggers/root", same=["$.level"])
    add("logger-set", "PUT", "/admin/loggers/org.apache.kafka.connect.cmp", {"level": "DEBUG"})
    add("logger-get-set", "GET", "/admin/loggers/org.apache.kafka.connect.cmp", same=["$.level"])
    add("loggers-after-set", "GET", "/admin/loggers", maps=["$"])
    add("logger-bad-level", "PUT", "/admin/loggers/org.apache.kafka.connect.cmp", {"level": "LOUD"})
    add("logger-no-level", "PUT", "/admin/loggers/org.apache.kafka.connect.cmp", {})
    add("logger-unknown", "GET", "/admin/loggers/cmp.never.set")
    add("logger-reset", "PUT", "/admin/loggers/org.apache.kafka.connect.cmp", {"level": "INFO"})
    add("put-config-update", "PUT", f"/connectors/{SRC}/config", dict(good, **{"batch.size": "100"}), same=["$.name", "$.type"])
    add("put-config-create", "PUT", f"/connectors/{PUT_NEW}/config", source_config(workdir, file=os.path.join(workdir, "put.txt")),
        same=["$.name", "$.type"])
    add("put-config-name-mismatch", "PUT", f"/connectors/{PUT_NEW}/config", dict(good, name="other"))
    add("put-config-bad", "PUT", f"/connectors/{PUT_NEW}/config", {"connector.class": PLUGIN, "tasks.max": "1"})
    add("put-config-malformed", "PUT", f"/connectors/{PUT_NEW}/config", "[1,2", raw=True)
    add("patch-config", "PATCH", f"/connectors/{SRC}/config", {"batch.size": "50"}, same=["$.name", "$.type"])
    add("patch-config-remove", "PATCH", f"/connectors/{SRC}/config", {"batch.size": None}, same=["$.name"])
    add("patch-config-bad", "PATCH", f"/connectors/{SRC}/config", {"topic": None})
    add("config-after-patch", "GET", f"/connectors/{SRC}/config")
    add("delete", "DELETE", f"/connectors/{SRC}")
    add("delete-put", "DELETE", f"/connectors/{PUT_NEW}")
    add("delete-initial", "DELETE", f"/connectors/{INITIAL}")
    add("get-deleted", "GET", f"/connectors/{SRC}")
    add("list-after-delete", "GET", "/connectors")
    for id_, method, suffix, body in [
        ("info", "GET", "", None),
        ("config", "GET", "/config", None),
        ("patch-config", "PATCH", "/config", {"batch.size": "1"}),
        ("status", "GET", "/status", None),
        ("tasks", "GET", "/tasks", None),
        ("task-status", "GET", "/tasks/0/status", None),
        ("pause", "PUT", "/pause", None),
        ("resume", "PUT", "/resume", None),
        ("stop", "PUT", "/stop", None),
        ("restart", "POST", "/restart", None),
        ("restart-include-tasks", "POST", "/restart?includeTasks=true", None),
        ("restart-task", "POST", "/tasks/0/restart", None),
        ("offsets", "GET", "/offsets", None),
        ("patch-offsets", "PATCH", "/offsets", {"offsets": [{"partition": {"filename": "x"}, "offset": {"position": 0}}]}),
        ("delete-offsets", "DELETE", "/offsets", None),
        ("topics", "GET", "/topics", None),
        ("topics-reset", "PUT", "/topics/reset", None),
        ("delete", "DELETE", "", None),
    ]:
        add(f"missing-{id_}", method, f"/connectors/{MISSING}{suffix}", body)
    add("unknown-path", "GET", "/no/such/path")
    add("long-url", "GET", "/connectors?x=" + "a" * 65536)
    add("trace", "TRACE", "/connectors")
    add("unknown-path-under-connector", "GET", f"/connectors/{MISSING}/nothing")
    add("unknown-plugin-path", "GET", f"/connector-plugins/{PLUGIN}/nothing")
    for id_, method, path in [
        ("root", "POST", "/"),
        ("connectors", "DELETE", "/connectors"),
        ("connector", "POST", f"/connectors/{MISSING}"),
        ("config", "POST", f"/connectors/{MISSING}/config"),
        ("status", "PUT", f"/connectors/{MISSING}/status"),
        ("pause", "GET", f"/connectors/{MISSING}/pause"),
        ("restart", "GET", f"/connectors/{MISSING}/restart"),
        ("offsets", "POST", f"/connectors/{MISSING}/offsets"),
        ("plugins", "POST", "/connector-plugins"),
        ("validate", "GET", f"/connector-plugins/{PLUGIN}/config/validate"),
        ("loggers", "POST", "/admin/loggers"),
    ]:
        add(f"wrong-method-{id_}", method, path)
    return s


# --- HTTP -------------------------------------------------------------------

def call(base, method, path, body=None, raw=False, timeout=30, content_type="application/json"):
    data = None
    headers = {"Accept": "application/json"}
    if body is not None:
        data = (body if raw else json.dumps(body)).encode()
        headers["Content-Type"] = content_type
    req = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            status, text, ctype = r.status, r.read().decode("utf-8", "replace"), r.headers.get("Content-Type", "")
    except urllib.error.HTTPError as e:
        status, text, ctype = e.code, e.read().decode("utf-8", "replace"), e.headers.get("Content-Type", "")
    if not text.strip():
        return status, None, ctype, text
    try:
        return status, json.loads(text), ctype, text
    except ValueError:
        return status, NOT_JSON, ctype, text


class _NotJson:
    def __repr__(self):
        return "<not JSON>"


NOT_JSON = _NotJson()


def status_of(base, name):
    code, body, _, _ = call(base, "GET", f"/connectors/{name}/status")
    return body if code == 200 and isinstance(body, dict) else None


def ready(base, cond):
    kind, name = cond[0], cond[1]
    st = status_of(base, name)
    if kind == "state":
        return st is not None and st["connector"]["state"] == cond[2] and all(t["state"] == cond[2] for t in st["tasks"])
    if kind == "running":
        return (st is not None and st["connector"]["state"] == "RUNNING" and len(st["tasks"]) > 0
                and all(t["state"] == "RUNNING" for t in st["tasks"]))
    if kind == "lines":  # the source has committed an offset
        code, body, _, _ = call(base, "GET", f"/connectors/{name}/offsets")
        return code == 200 and isinstance(body, dict) and len(body.get("offsets", [])) > 0
    if kind == "topic":  # the source's topic is tracked
        code, body, _, _ = call(base, "GET", f"/connectors/{name}/topics")
        return code == 200 and isinstance(body, dict) and len(body.get(name, {}).get("topics", [])) > 0
    raise ValueError(cond)


def wait_for(base, cond, timeout):
    deadline = time.monotonic() + timeout
    while True:
        if ready(base, cond):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.25)


# --- shapes -----------------------------------------------------------------
# A shape is a union over every value seen at one place: the set of JSON types
# there, the keys of the objects there (each with its own shape) and the shape
# of the elements of the arrays there. Arrays are sequences of alike things, so
# their elements are merged; objects named in `maps` are keyed by data (logger
# or connector names), so their values are merged too.

def jtype(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    if isinstance(v, dict):
        return "object"
    return "not-json"


class Shape:
    def __init__(self):
        self.types = set()
        self.keys = {}        # object key -> Shape
        self.items = None     # Shape of array elements (None: no element seen)
        self.map_values = None  # Shape of values of a data-keyed object
        self.present = 0      # how many objects (not data-keyed ones) were merged


def shape_of(v, maps, path="$", shape=None):
    shape = shape or Shape()
    shape.types.add(jtype(v))
    if isinstance(v, dict):
        if path in maps:
            for x in v.values():
                shape.map_values = shape_of(x, maps, path + ".*", shape.map_values)
        else:
            shape.present += 1
            for k, x in v.items():
                shape.keys[k] = shape_of(x, maps, path + "." + k, shape.keys.get(k))
    elif isinstance(v, list):
        for x in v:
            shape.items = shape_of(x, maps, path + "[*]", shape.items)
    return shape


def compare_shapes(a, b, path, out):
    """Differences between Connect's shape a and Sluice's shape b. A null on
    one side is compatible with any type on the other (nullness is a value);
    an empty array or object on one side is not compared with the other's
    elements (there is nothing to compare), which the report notes."""
    ta, tb = a.types - {"null"}, b.types - {"null"}
    if ta and tb and ta != tb:
        out.append(("shape", path, f"type {'|'.join(sorted(ta))} vs {'|'.join(sorted(tb))}"))
        return
    if a.map_values is not None and b.map_values is not None:
        compare_shapes(a.map_values, b.map_values, path + ".*", out)
    if "object" in ta and "object" in tb and a.present and b.present:
        only_a = sorted(set(a.keys) - set(b.keys))
        only_b = sorted(set(b.keys) - set(a.keys))
        for k in only_a:
            out.append(("shape", f"{path}.{k}", "only in Connect"))
        for k in only_b:
            out.append(("shape", f"{path}.{k}", "only in Sluice"))
        for k in sorted(set(a.keys) & set(b.keys)):
            compare_shapes(a.keys[k], b.keys[k], f"{path}.{k}", out)
    if a.items is not None and b.items is not None:
        compare_shapes(a.items, b.items, path + "[*]", out)


def empties(a, b, path, out):
    """Arrays empty on one side only: their elements could not be compared."""
    if a.items is None and b.items is not None and "array" in a.types:
        out.append(f"{path}: empty in Connect, elements not compared")
    elif b.items is None and a.items is not None and "array" in b.types:
        out.append(f"{path}: empty in Sluice, elements not compared")
    elif a.items is not None and b.items is not None:
        empties(a.items, b.items, path + "[*]", out)
    for k in set(a.keys) & set(b.keys):
        empties(a.keys[k], b.keys[k], f"{path}.{k}", out)


def select(v, path):
    """Values at a JSON path of the form $.a.b[*].c (no filters)."""
    vals = [v]
    for part in path[1:].replace("[*]", ".[*]").split(".")[1:]:
        nxt = []
        for x in vals:
            if part == "[*]" and isinstance(x, list):
                nxt.extend(x)
            elif part == "*" and isinstance(x, dict):
                nxt.extend(x.values())
            elif isinstance(x, dict) and part in x:
                nxt.append(x[part])
        vals = nxt
    return vals


# --- the run ----------------------------------------------------------------

def compare_step(step, a, b):
    """Differences of one step: (kind, detail, text)."""
    diffs = []
    (ca, ba, _, _), (cb, bb, _, _) = a, b
    if ca != cb:
        diffs.append(("status", "", f"{ca} vs {cb}"))
    maps = set(step.get("maps", []))
    if ba is NOT_JSON or bb is NOT_JSON:
        if (ba is NOT_JSON) != (bb is NOT_JSON):
            diffs.append(("shape", "$", f"body {'not JSON' if ba is NOT_JSON else 'JSON'} vs {'not JSON' if bb is NOT_JSON else 'JSON'}"))
        return diffs, []
    if (ba is None) != (bb is None):
        diffs.append(("shape", "$", f"body {'empty' if ba is None else 'JSON'} vs {'empty' if bb is None else 'JSON'}"))
        return diffs, []
    if ba is None:
        return diffs, []
    sa, sb = shape_of(ba, maps), shape_of(bb, maps)
    out = []
    compare_shapes(sa, sb, "$", out)
    diffs.extend(out)
    notes = []
    empties(sa, sb, "$", notes)
    same = list(step.get("same", []))
    if isinstance(ba, dict) and "error_code" in ba:
        same.append("$.error_code")
    for p in same:
        va, vb = select(ba, p), select(bb, p)
        if va != vb:
            diffs.append(("value", p, f"{json.dumps(va)} vs {json.dumps(vb)}"))
    # Connect's error body is {"error_code","message"} with error_code = the
    # HTTP status; hold Sluice to that wherever it answers an error.
    if cb >= 400 and not (isinstance(bb, dict) and bb.get("error_code") == cb and isinstance(bb.get("message"), str)):
        diffs.append(("value", "$.error_code", f"Sluice's {cb} answer is not an error body with error_code {cb}"))
    return diffs, notes


def short(body, text, limit=160):
    if body is None:
        return "(no body)"
    s = text if body is NOT_JSON else json.dumps(body, separators=(",", ":"))
    return s if len(s) <= limit else s[:limit - 3] + "..."


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--connect", required=True, help="Kafka Connect's REST URL")
    ap.add_argument("--sluice", required=True, help="Sluice's REST URL")
    ap.add_argument("--workdir", required=True, help="scratch directory for the source input files")
    ap.add_argument("--report", help="also write the report to this file")
    ap.add_argument("--wait-timeout", type=float, default=60, help="seconds to wait for a state before a step")
    ap.add_argument("--verbose", action="store_true", help="print both bodies of every step")
    args = ap.parse_args(argv)

    os.makedirs(args.workdir, exist_ok=True)
    for name in ("input.txt", "other.txt", "put.txt"):
        with open(os.path.join(args.workdir, name), "w", encoding="utf-8") as f:
            f.write("".join(f"line {i}\n" for i in range(1, 21)))

    systems = {"connect": args.connect.rstrip("/"), "sluice": args.sluice.rstrip("/")}
    for name, base in systems.items():
        try:
            call(base, "GET", "/", timeout=5)
        except OSError as e:
            print(f"rest_compare: {name} at {base} does not answer: {e}", file=sys.stderr)
            return 2

    lines = []

    def emit(s=""):
        lines.append(s)
        print(s, flush=True)

    t0 = time.monotonic()
    emit(f"# REST comparison: Kafka Connect {args.connect} vs Sluice {args.sluice}")
    emit()
    used = set()
    failures = []
    allowed = []
    rows = []
    for step in steps(args.workdir):
        results = {}
        waited = []
        for name, base in systems.items():
            if step.get("wait") and not wait_for(base, step["wait"], args.wait_timeout):
                waited.append(f"{name}: {step['wait']} not reached in {args.wait_timeout:.0f}s")
            results[name] = call(base, step["method"], step["path"], step.get("body"), step.get("raw", False),
                                 content_type=step.get("content_type", "application/json"))
        diffs, notes = compare_step(step, results["connect"], results["sluice"])
        for w in waited:
            diffs.append(("wait", "", w))
        ca, cb = results["connect"][0], results["sluice"][0]
        verdicts = []
        rules = ALLOWED.get(step["id"], {})
        reasons = []
        status_rule = f"status {ca} {cb}" if ca != cb else None
        for kind, detail, text in diffs:
            # A status difference covers the body differences that follow from it.
            rule = status_rule if status_rule in rules else f"{kind} {detail}".strip()
            if rule in rules:
                used.add((step["id"], rule))
                allowed.append((step, kind, detail, text, rules[rule]))
                verdicts.append(f"    allowed  {kind} {detail} {text}" if detail else f"    allowed  {kind} {text}")
                if rules[rule] not in reasons:
                    reasons.append(rules[rule])
            else:
                failures.append((step, kind, detail, text))
                verdicts.append(f"    DIFF     {kind} {detail} {text}" if detail else f"    DIFF     {kind} {text}")
        mark = "ok  " if not any(v.lstrip().startswith("DIFF") for v in verdicts) else "FAIL"
        if mark == "ok  " and verdicts:
            mark = "ok* "
        shown = step["path"] if len(step["path"]) <= 62 else step["path"][:50] + f"...({len(step['path'])} bytes)"
        emit(f"{mark} {step['id']:<34} {step['method']:<6} {shown:<62} connect {ca}  sluice {cb}")
        for v in verdicts:
            emit(v)
        for r in reasons:
            emit(f"    why      {r}")
        for n in notes:
            emit(f"    note     {n}")
        if args.verbose or any(v.lstrip().startswith("DIFF") for v in verdicts):
            emit(f"    connect: {short(results['connect'][1], results['connect'][3], 400)}")
            emit(f"    sluice:  {short(results['sluice'][1], results['sluice'][3], 400)}")
        rows.append((step, ca, cb, mark.strip()))

    stale = sorted({(sid, rule) for sid, rules in ALLOWED.items() for rule in rules} - used)
    emit()
    emit(f"{len(rows)} calls in {time.monotonic() - t0:.0f}s: "
         f"{sum(1 for r in rows if r[1] == r[2])} with the same status, "
         f"{len(allowed)} allowed differences, {len(failures)} unexpected differences, {len(stale)} stale allow-list entries")
    for key in stale:
        emit(f"STALE allow-list entry {key[0]}: {key[1]!r}: {ALLOWED[key[0]][key[1]]} (no longer differs: remove it and its line in docs/rest-api.md)")
    if args.report:
        with open(args.report, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
    return 1 if failures or stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
