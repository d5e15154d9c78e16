#!/usr/bin/env python3
"""Fuzz a live sluice against docs/openapi.yaml with schemathesis.

Starts the real binary (`sluice run`, embedded Kafka, a throwaway state
directory, REST on a free loopback port) with a running source, a running
sink and a stopped source, then runs `schemathesis run` on the document it
serves at /openapi.yaml, with bounded examples and these checks: not_a_server_error, status_code_conformance,
content_type_conformance, response_schema_conformance. Fails on any finding,
if sluice dies or stops answering, or if it does not exit cleanly on SIGTERM.

Run by ctest as rest.Schemathesis through scripts/py-tools.sh, which puts the
pinned schemathesis on PATH:

  scripts/py-tools.sh --run python tests/host/rest/schemathesis_test.py --sluice build/bin/sluice

SLUICE_SCHEMATHESIS_SEED picks another seed, SLUICE_SCHEMATHESIS_EXAMPLES
another number of examples per operation.
"""

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(port, method, path, body=None, timeout=5.0):
    """(status, parsed JSON or text) of one request; (0, error) when sluice does not answer."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            status, text = r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read().decode()
    except OSError as e:
        return 0, str(e)
    try:
        return status, json.loads(text) if text else None
    except ValueError:
        return status, text


def wait_for(what, cond, timeout, proc=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise SystemExit(f"FAIL: sluice exited with {proc.returncode} while waiting for {what}")
        if cond():
            return
        time.sleep(0.05)
    raise SystemExit(f"FAIL: {what} did not happen within {timeout} s")


def log_tail(path, lines=60):
    with open(path, errors="replace") as f:
        return "".join(f.readlines()[-lines:])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sluice", required=True, help="the sluice binary")
    ap.add_argument("--spec", help="the OpenAPI document (default: the one sluice serves at /openapi.yaml)")
    ap.add_argument("--examples", type=int, default=int(os.environ.get("SLUICE_SCHEMATHESIS_EXAMPLES", "15")))
    ap.add_argument("--seed", type=int, default=int(os.environ.get("SLUICE_SCHEMATHESIS_SEED", "5")))
    ap.add_argument("--time-limit", type=float, default=150.0, help="seconds schemathesis may take in all")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()

    st = shutil.which("schemathesis")
    if st is None:
        raise SystemExit("FAIL: schemathesis is not on PATH; run this through scripts/py-tools.sh --run")
    sluice = os.path.abspath(args.sluice)
    tmp = tempfile.mkdtemp(prefix="sluice-schemathesis-")
    port = free_port()
    log = os.path.join(tmp, "sluice.log")
    worker = {
        "listeners": f"http://127.0.0.1:{port}",
        "state.dir": os.path.join(tmp, "state"),
        "savepoints.dir": os.path.join(tmp, "savepoints"),
        "offset.flush.interval.ms": 200,
        "checkpoint.interval.ms": 200,
    }
    connectors = {
        "orders-source": {"connector.class": "datagen", "topic": "orders", "records.per.second": "20"},
        "orders-sink": {"connector.class": "file-sink", "topics": "orders", "file": os.path.join(tmp, "out.txt")},
    }
    files = [os.path.join(tmp, "worker.json")]
    with open(files[0], "w") as f:
        json.dump(worker, f)
    for name, config in connectors.items():
        files.append(os.path.join(tmp, name + ".json"))
        with open(files[-1], "w") as f:
            json.dump({"name": name, "config": config}, f)

    failed = True
    with open(log, "w") as out:
        proc = subprocess.Popen([sluice, "run", *files], cwd=tmp, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for("GET /health 200", lambda: request(port, "GET", "/health")[0] == 200, 30, proc)
        # A stopped source, so the offsets PATCH/DELETE can succeed too.
        status, body = request(port, "POST", "/connectors", {
            "name": "stopped-source", "initial_state": "STOPPED",
            "config": {"connector.class": "datagen", "topic": "stopped", "records": "5"}})
        if status != 201:
            raise SystemExit(f"FAIL: creating stopped-source answered {status}: {body}")
        # Checkpoints to list and replay: the running connectors have made progress.
        def has_checkpoint():
            status, body = request(port, "GET", "/connectors/orders-source/checkpoints")
            return status == 200 and isinstance(body, dict) and bool(body.get("checkpoints"))
        wait_for("a checkpoint of orders-source", has_checkpoint, 30, proc)

        # What sluice serves is docs/openapi.yaml byte for byte (OpenApiTest).
        spec = os.path.abspath(args.spec) if args.spec else f"http://127.0.0.1:{port}/openapi.yaml"
        cmd = [st, "run", spec, "--url", f"http://127.0.0.1:{port}", "--checks", CHECKS,
               "--phases", "examples,coverage,fuzzing", "--max-examples", str(args.examples),
               "--seed", str(args.seed), "--workers", "1", "--request-timeout", "15",
               "--generation-database", "none", "--suppress-health-check", "all",
               "--no-color", "--output-truncate", "false",
               "--report", "junit", "--report-junit-path", os.path.join(tmp, "junit.xml")]
        print("running:", " ".join(cmd), flush=True)
        started = time.monotonic()
        try:
            rc = subprocess.run(cmd, cwd=tmp, timeout=args.time_limit).returncode
        except subprocess.TimeoutExpired:
            raise SystemExit(f"FAIL: schemathesis took longer than {args.time_limit} s (raise --time-limit or lower --examples)")
        print(f"schemathesis exited {rc} after {time.monotonic() - started:.1f} s", flush=True)

        if proc.poll() is not None:
            raise SystemExit(f"FAIL: sluice died during the run (exit {proc.returncode})")
        status, _ = request(port, "GET", "/health")
        if status != 200:
            raise SystemExit(f"FAIL: sluice no longer answers GET /health after the run ({status})")
        if rc != 0:
            raise SystemExit("FAIL: schemathesis found problems (above); the server log is below")
        failed = False
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                code = proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                code = "killed after 60 s"
            if code != 0:
                print(f"FAIL: sluice did not stop cleanly on SIGTERM ({code})")
                failed = True
        if failed:
            print(f"--- last lines of {log} ---\n{log_tail(log)}")
        if args.keep or failed:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print("PASS: no server error, every status, content type and body as documented")
    return 0


if __name__ == "__main__":
    sys.exit(main())
