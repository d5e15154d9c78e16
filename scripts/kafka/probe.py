#!/usr/bin/env python3
"""Is a Kafka broker ready? Asks it over the Kafka protocol, no Java needed.

usage: probe.py HOST:PORT [--timeout SECONDS] [--quiet]

Sends ApiVersions (v0), then a Metadata request (the highest non-flexible
version, 1..8, that the broker supports) for no topics, and exits 0 only when
the broker lists at least one broker and a controller: in KRaft a broker is in
Metadata only once it is registered and unfenced, so it then serves produce
and fetch. Exit 1: connected but not ready yet; exit 2: cannot connect.
Prints one line: "ok brokers=1 controller=1 cluster=ID metadata_v=8".
"""
import socket
import struct
import sys

API_METADATA = 3
API_VERSIONS = 18


class NotReady(Exception):
    pass


def _request(sock, api_key, version, corr, body):
    client_id = b"sluice-probe"
    header = struct.pack(">hhih", api_key, version, corr, len(client_id)) + client_id
    msg = header + body
    sock.sendall(struct.pack(">i", len(msg)) + msg)
    size = struct.unpack(">i", _read(sock, 4))[0]
    data = _read(sock, size)
    (rcorr,) = struct.unpack(">i", data[:4])
    if rcorr != corr:
        raise NotReady(f"correlation id {rcorr} != {corr}")
    return data[4:]  # response header v0 is the correlation id only


def _read(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise NotReady("connection closed by broker")
        buf += chunk
    return buf


class Reader:
    def __init__(self, data):
        self.d, self.p = data, 0

    def take(self, fmt):
        v = struct.unpack_from(fmt, self.d, self.p)
        self.p += struct.calcsize(fmt)
        return v[0] if len(v) == 1 else v

    def string(self):
        n = self.take(">h")
        if n < 0:
            return None
        s = self.d[self.p:self.p + n].decode("utf-8", "replace")
        self.p += n
        return s


def probe(host, port, timeout):
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except OSError as e:
        return 2, f"cannot connect to {host}:{port}: {e.strerror or e}"
    sock.settimeout(timeout)
    try:
        r = Reader(_request(sock, API_VERSIONS, 0, 1, b""))
        err = r.take(">h")
        if err != 0:
            raise NotReady(f"ApiVersions error {err}")
        versions = {}
        for _ in range(r.take(">i")):
            key, lo, hi = r.take(">hhh")
            versions[key] = (lo, hi)
        if API_METADATA not in versions:
            raise NotReady("broker offers no Metadata API")
        lo, hi = versions[API_METADATA]
        v = min(hi, 8)
        if v < max(lo, 1):
            return 0, f"ok api_versions_only metadata_range={lo}..{hi}"
        body = struct.pack(">i", 0)  # an empty topic list: brokers only
        if v >= 4:
            body += struct.pack(">b", 0)  # allow_auto_topic_creation
        if v >= 8:
            body += struct.pack(">bb", 0, 0)  # include_*_authorized_operations
        r = Reader(_request(sock, API_METADATA, v, 2, body))
        if v >= 3:
            r.take(">i")  # throttle_time_ms
        brokers = []
        for _ in range(r.take(">i")):
            node = r.take(">i")
            r.string()  # host
            r.take(">i")  # port
            r.string()  # rack
            brokers.append(node)
        cluster = r.string() if v >= 2 else None
        controller = r.take(">i")
        if not brokers:
            raise NotReady("no broker registered yet")
        if controller < 0:
            raise NotReady("no controller yet")
        return 0, (f"ok brokers={len(brokers)} controller={controller} "
                   f"cluster={cluster} metadata_v={v}")
    except (NotReady, OSError, struct.error) as e:
        return 1, f"not ready: {e}"
    finally:
        sock.close()


def main(argv):
    args = [a for a in argv if not a.startswith("--")]
    timeout = 3.0
    if "--timeout" in argv:
        timeout = float(argv[argv.index("--timeout") + 1])
        args.remove(argv[argv.index("--timeout") + 1])
    if len(args) != 1 or ":" not in args[0]:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 64
    host, port = args[0].rsplit(":", 1)
    code, text = probe(host, int(port), timeout)
    if "--quiet" not in argv:
        print(text)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
