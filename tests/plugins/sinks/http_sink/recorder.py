#!/usr/bin/env python3
"""A local HTTP endpoint for the http-sink tests: records what it accepts and
answers errors on demand. Loopback only; stops by itself after --lifetime.

  recorder.py --port PORT --dir DIR [--lifetime 300]

Every request to any path other than /_control is a data request. It is
appended to DIR/requests.jsonl as one JSON line {"n", "t" (arrival, epoch
seconds), "method", "path", "headers", "body", "status"}, and answered with the status the plan says
(200 by default). Only 2xx answers count as accepted.

POST /_control with a JSON body sets the plan for the next data requests:
  {"status": 503, "count": 3, "retry_after": "1"}   the next 3 get 503 with
      Retry-After: 1 (omit retry_after for none; "date:2" sends an HTTP date
      2 s ahead)
  {"status": 400, "count": 1, "body": "bad field"}  a 4xx with that body
  {"close": true, "count": 2}                       close the connection
      without an answer
The plan is a queue: each POST appends. GET /_control returns counters.
DIR/port is written once the server listens.
"""
import argparse
import email.utils
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class State:
    def __init__(self, path):
        self.lock = threading.Lock()
        self.plan = []  # [{"status","count","retry_after","body","close"}]
        self.n = 0
        self.log = open(path, "a", buffering=1)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "sluice-test-recorder"

    def log_message(self, fmt, *args):  # quiet
        pass

    def _body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def _answer(self, status, body=b"", headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _control(self, body):
        st = self.server.state
        with st.lock:
            if self.command == "POST":
                st.plan.append(json.loads(body or b"{}"))
            out = json.dumps({"requests": st.n, "plan": st.plan}).encode()
        self._answer(200, out)

    def _data(self, body):
        st = self.server.state
        with st.lock:
            st.n += 1
            step = None
            if st.plan:
                step = st.plan[0]
                step["count"] = step.get("count", 1) - 1
                if step["count"] <= 0:
                    st.plan.pop(0)
            status = 200 if step is None or step.get("close") else int(step.get("status", 200))
            close = bool(step and step.get("close"))
            st.log.write(json.dumps({"n": st.n, "t": time.time(), "method": self.command, "path": self.path,
                                     "headers": {k.lower(): v for k, v in self.headers.items()},
                                     "body": body.decode("utf-8", "replace"),
                                     "status": 0 if close else status}) + "\n")
            st.log.flush()
            os.fsync(st.log.fileno())
        if close:
            self.close_connection = True
            self.connection.shutdown(2)
            return
        headers = []
        ra = step.get("retry_after") if step else None
        if ra is not None:
            ra = str(ra)
            if ra.startswith("date:"):
                ra = email.utils.formatdate(time.time() + float(ra[5:]), usegmt=True)
            headers.append(("Retry-After", ra))
        text = (step.get("body", "") if step else "ok").encode()
        self._answer(status, text, headers)

    def do_GET(self):
        if self.path == "/_control":
            self._control(b"")
        else:
            self._data(b"")

    def do_POST(self):
        body = self._body()
        if self.path == "/_control":
            self._control(body)
        else:
            self._data(body)

    do_PUT = do_POST


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--lifetime", type=float, default=300)
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    ThreadingHTTPServer.allow_reuse_address = True
    ThreadingHTTPServer.daemon_threads = True
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    srv.state = State(os.path.join(a.dir, "requests.jsonl"))
    threading.Timer(a.lifetime, srv.shutdown).start()
    with open(os.path.join(a.dir, "port"), "w") as f:
        f.write(str(srv.server_address[1]))
    srv.serve_forever()
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
