#!/usr/bin/env python3
"""End-to-end benchmark: Sluice side by side with a raw librdkafka client and
with Kafka Connect 4.3.1, on one real Kafka broker of its own (issue #7).

    make bench          # everything: throughput, latency, checkpoints, plots
    make bench-quick    # source and sink throughput, one run, small; < 3 min

Run through scripts/py-tools.sh (matplotlib). Every knob is an option below
and an environment variable of the same name in capitals (RECORDS=...), see
--help. What it measures and how is in docs/benchmarks.md.

It starts a broker on KAFKA_PORT (19592) and Kafka Connect on CONNECT_PORT
(18583), and stops both at the end, on failure, on Ctrl-C and on SIGTERM.
Every wait is on a condition with a deadline: record counts in Kafka (the
topic's high watermarks, read by `kafka_bench watch`), a consumer's count, a
sink's output file size, sluice's /metrics, REST statuses.

The last line of the output is the headline:
    headline: sluice/raw=R1 sluice/connect=R2 rss_sluice/connect=R3
(file-source vs the raw producer, vs Connect's FileStreamSource: records/s;
and peak RSS of sluice vs Connect, both on the same input file).
"""
import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
POLL = 0.05  # seconds between progress samples


def log(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


class BenchError(Exception):
    pass


# --------------------------------------------------------------------------
# /proc sampling
# --------------------------------------------------------------------------

def proc_status(pid, key):
    """VmRSS / VmHWM in MiB, or None when the process is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        return None
    return None


def cpu_seconds(pid):
    """User + system CPU seconds of the process (all its threads) so far."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK
    except OSError:
        return None


def loadavg():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


class RssSampler:
    def __init__(self, pid):
        self.pid = pid
        self.peak = 0.0

    def sample(self):
        v = proc_status(self.pid, "VmRSS")
        if v is not None:
            self.peak = max(self.peak, v)

    def hwm(self):
        v = proc_status(self.pid, "VmHWM")
        return max(v or 0.0, self.peak)


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def http(method, url, body=None, timeout=5):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def wait_for(what, cond, timeout, proc=None, interval=0.1):
    deadline = time.monotonic() + timeout
    while True:
        try:
            v = cond()
        except (OSError, urllib.error.URLError, ValueError):
            v = None
        if v:
            return v
        if proc is not None and proc.poll() is not None:
            raise BenchError(f"{what}: the process exited (code {proc.returncode})")
        if time.monotonic() > deadline:
            raise BenchError(f"{what}: not within {timeout:.0f} s")
        time.sleep(interval)


def window_rate(samples, total, start_fraction):
    """records/s between the moments the count crossed start_fraction*total
    and total, each interpolated between the two samples around it, so that
    start-up and the sampling interval do not count."""
    def crossing(target):
        prev = None
        for t, c in samples:
            if c >= target:
                if prev is None or c == prev[1]:
                    return t
                pt, pc = prev
                return pt + (t - pt) * (target - pc) / (c - pc)
            prev = (t, c)
        return None
    c0 = int(total * start_fraction)
    t0, t1 = crossing(c0), crossing(total)
    if t0 is None or t1 is None or t1 <= t0:
        raise BenchError(f"too few progress samples to time the run ({len(samples)}); raise --records")
    return (total - c0) / (t1 - t0), t1 - t0


def metric_sum(text, name, connector):
    total = 0.0
    found = False
    for line in text.splitlines():
        if line.startswith(name + "{") and f'connector="{connector}"' in line:
            total += float(line.rsplit(" ", 1)[1])
            found = True
    return total if found else None


def median_spread(values):
    return statistics.median(values), min(values), max(values)


# --------------------------------------------------------------------------
# The harness
# --------------------------------------------------------------------------

class Harness:
    def __init__(self, a):
        self.a = a
        self.build = os.path.abspath(a.build)
        self.kb = os.path.join(self.build, "bin", "kafka_bench")
        self.sluice = os.path.join(self.build, "bin", "sluice")
        for p in (self.kb, self.sluice, os.path.join(self.build, "bench", "plugins", "bench-loadgen.so")):
            if not os.path.exists(p):
                raise BenchError(f"{p} is missing: build first (cmake --build {a.build} -j2)")
        self.bootstrap = f"127.0.0.1:{a.kafka_port}"
        self.work = tempfile.mkdtemp(prefix="sluice-e2e-bench.")
        self.env = dict(os.environ, KAFKA_PORT=str(a.kafka_port), CONNECT_PORT=str(a.connect_port),
                        CONNECT_BOOTSTRAP=self.bootstrap,
                        CONNECT_EXTRA_PROPS=" ".join(
                            [f"producer.{k}={v}" for k, v in self.producer_props().items()] +
                            [f"offset.flush.interval.ms={a.flush_ms}"]))
        self.procs = []  # processes to stop at the end
        self.broker_up = False
        self.connect_up = False
        self.seq = 0
        self.topic_seq = 0

    # ---- settings shared by every contender ----
    def producer_props(self):
        return {"acks": "all", "linger.ms": str(self.a.linger_ms), "batch.size": str(self.a.batch_bytes),
                "compression.type": self.a.compression, "enable.idempotence": "true"}

    def kb_props(self):
        out = []
        for k, v in self.producer_props().items():
            out += ["-X", f"{k}={v}"]
        return out

    # ---- lifecycle ----
    def start_broker(self):
        log(f"starting the broker on {self.bootstrap}")
        self.broker_up = True
        subprocess.run(["bash", f"{ROOT}/scripts/kafka.sh", "up"], env=self.env, check=True,
                       stdout=subprocess.DEVNULL, timeout=240)

    def stop_all(self):
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        self.procs = []
        if self.connect_up:
            self.connect_down()
        if self.broker_up:
            r = subprocess.run(["bash", f"{ROOT}/scripts/kafka.sh", "down"], env=self.env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=120)
            if r.returncode != 0:
                log(f"kafka.sh down failed: {r.stderr.strip()}")
            self.broker_up = False
        shutil.rmtree(self.work, ignore_errors=True)

    def connect_up_fresh(self):
        """A fresh Connect worker (a clean VmHWM for each run); its pid."""
        self.connect_up = True
        subprocess.run(["bash", f"{ROOT}/scripts/connect.sh", "up"], env=self.env, check=True,
                       stdout=subprocess.DEVNULL, timeout=240)
        with open(f"/tmp/sluice-connect-{self.a.connect_port}/connect.pid") as f:
            return int(f.read().strip())

    def connect_down(self):
        r = subprocess.run(["bash", f"{ROOT}/scripts/connect.sh", "down"], env=self.env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=120)
        if r.returncode != 0:
            log(f"connect.sh down failed: {r.stderr.strip()}")
        self.connect_up = False

    def spawn(self, args, out=None, cwd=None):
        p = subprocess.Popen(args, stdout=out or subprocess.DEVNULL, stderr=subprocess.STDOUT if out else subprocess.DEVNULL,
                             cwd=cwd)
        self.procs.append(p)
        return p

    def reap(self, p, timeout=30):
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        if p in self.procs:
            self.procs.remove(p)

    def new_topic(self, label):
        self.topic_seq += 1
        topic = f"bench-{self.topic_seq}-{label}"
        subprocess.run([self.kb, "create-topic", "--bootstrap", self.bootstrap, "--topic", topic,
                        "--partitions", str(self.a.partitions)], check=True, stdout=subprocess.DEVNULL, timeout=60)
        return topic

    # ---- input ----
    def make_input(self):
        """N lines of JSON, each exactly record_bytes long (plus the newline),
        shaped like datagen's values."""
        path = os.path.join(self.work, "input.txt")
        n, size = self.a.records, self.a.record_bytes
        with open(path, "w") as f:
            for i in range(n):
                head = f'{{"seq":{i},"key":"key-{i % 10}","ts":1796000000000,"payload":"'
                f.write(head + "x" * (size - len(head) - 2) + '"}\n')
        self.input = path
        self.input_bytes = os.path.getsize(path)
        log(f"input: {n} lines of {size} bytes, {self.input_bytes / 1e6:.0f} MB")

    # ---- sluice ----
    def sluice_start(self, label, extra=None):
        d = os.path.join(self.work, f"sluice-{label}")
        os.makedirs(d)
        port = free_port()
        worker = {"listeners": f"http://127.0.0.1:{port}", "state.dir": os.path.join(d, "state"),
                  "bootstrap.servers": self.bootstrap,
                  "plugin.path": [os.path.join(self.build, "plugins"), os.path.join(self.build, "bench", "plugins")],
                  "offset.flush.interval.ms": self.a.flush_ms, "log.level": "WARN"}
        worker.update({f"producer.{k}": v for k, v in self.producer_props().items()})
        worker.update(self.a.sluice_worker_extra)
        worker.update(extra or {})
        with open(os.path.join(d, "worker.json"), "w") as f:
            json.dump(worker, f)
        logf = open(os.path.join(d, "sluice.log"), "w")
        p = self.spawn([self.sluice, "run", "worker.json"], out=logf, cwd=d)
        base = f"http://127.0.0.1:{port}"
        wait_for("sluice REST", lambda: http("GET", base + "/")[0] == 200, 30, proc=p)
        return p, base, d

    def sluice_log_tail(self, d):
        try:
            with open(os.path.join(d, "sluice.log")) as f:
                return "".join(f.readlines()[-15:])
        except OSError:
            return ""

    # ---- one measured run ----
    def measure(self, label, pid, proc, progress, total, fail_check=None, timeout=None):
        """Samples progress() (a count) and the RSS of pid every POLL seconds
        until the count reaches total; returns the measurement."""
        timeout = timeout or self.a.run_timeout
        rss = RssSampler(pid)
        cpu0 = cpu_seconds(pid)
        samples = []
        deadline = time.monotonic() + timeout
        last_check = time.monotonic()
        t_start = time.time()
        while True:
            rss.sample()
            c = progress()
            now = time.time()
            if c is not None:
                samples.append((now, c))
                if c >= total:
                    break
            # A process that finished cleanly may be ahead of the last sample:
            # keep sampling (the deadline still holds); a failure ends the run.
            if proc is not None and proc.poll() is not None and proc.returncode != 0:
                raise BenchError(f"{label}: the process exited (code {proc.returncode}) at {c} of {total}")
            if time.monotonic() > deadline:
                raise BenchError(f"{label}: {samples[-1][1] if samples else 0} of {total} records within {timeout} s")
            if fail_check is not None and time.monotonic() - last_check > 1:
                last_check = time.monotonic()
                fail_check()
            time.sleep(POLL)
        cpu1 = cpu_seconds(pid)
        rate, secs = window_rate(samples, total, self.a.start_fraction)
        return {"records_s": rate, "mb_s": rate * self.a.record_bytes / 1e6, "window_s": secs,
                "total_s": samples[-1][0] - t_start,
                "cpu_s": (cpu1 - cpu0) if cpu0 is not None and cpu1 is not None else None,
                "peak_rss_mib": rss.hwm(), "load1": loadavg()}

    def watcher(self, topic, total):
        out = os.path.join(self.work, f"watch-{topic}.txt")
        open(out, "w").close()
        p = self.spawn([self.kb, "watch", "--bootstrap", self.bootstrap, "--topic", topic, "--count", str(total),
                        "--out", out, "--interval-ms", str(int(POLL * 1000)), "--timeout-s", str(self.a.run_timeout)])

        def progress():
            with open(out) as f:
                lines = f.read().split("\n")
            for line in reversed(lines):
                if line.strip():
                    return int(line.split()[1])
            return 0
        return p, progress

    def result(self, side, contender, run, m, idle=None, **extra):
        m.update({"side": side, "contender": contender, "run": run, "idle_rss_mib": idle})
        m.update(extra)
        self.results.append(m)
        cpu = f"{m['cpu_s']:.2f}" if m.get("cpu_s") is not None else "-"
        idle_s = f"{idle:.0f}" if idle is not None else "-"
        print(f"{side:6} {contender:26} {run:>3} {m['records_s']:>12,.0f} {m['mb_s']:>8.1f} {cpu:>7} "
              f"{m['peak_rss_mib']:>8.0f} {idle_s:>8} {m['window_s']:>7.2f} {m['load1']:>6.2f}", flush=True)

    # ---- source side ----
    def src_raw(self, run):
        topic = self.new_topic("src-raw")
        w, progress = self.watcher(topic, self.a.records)
        outp = os.path.join(self.work, f"raw-produce-{run}.json")
        p = self.spawn([self.kb, "produce", "--bootstrap", self.bootstrap, "--topic", topic, "--file", self.input]
                       + self.kb_props(), out=open(outp, "w"))
        m = self.measure("raw producer", p.pid, p, progress, self.a.records)
        self.reap(w)
        return self.raw_usage(p, outp, m)

    def raw_usage(self, p, outp, m):
        """CPU and peak RSS of a kafka_bench process, from its own getrusage
        at the end (it may exit before /proc can be read)."""
        wait_for("kafka_bench exit", lambda: p.poll() is not None, 60)
        self.reap(p)
        if p.returncode != 0:
            raise BenchError(f"kafka_bench failed (code {p.returncode})")
        with open(outp) as f:
            u = json.loads(f.read().strip().splitlines()[-1])
        m["cpu_s"] = u["cpu_s"]
        m["peak_rss_mib"] = max(m["peak_rss_mib"], u["maxrss_mib"])
        return m

    def src_sluice(self, run, kind, extra_worker=None, contender=None):
        topic = self.new_topic(f"src-{kind}")
        p, base, d = self.sluice_start(f"{kind}-{run}-{self.topic_seq}", extra_worker)
        time.sleep(self.a.idle_settle)
        idle = proc_status(p.pid, "VmRSS")
        w, progress = self.watcher(topic, self.a.records)
        name = f"bench-{kind}"
        if kind == "datagen":
            cfg = {"connector.class": "datagen", "topic": topic, "records": str(self.a.records),
                   "payload.bytes": str(self.datagen_payload()), "keys": "10"}
        else:
            cfg = {"connector.class": "file-source", "topic": topic, "file": self.input}
        cfg.update({"tasks.max": "1", "key.converter": "string", "value.converter": "string"})

        def failed():
            st, body = http("GET", f"{base}/connectors/{name}/status")
            if st == 200 and '"FAILED"' in body:
                raise BenchError(f"sluice {kind} failed: {body}\n{self.sluice_log_tail(d)}")
        cpu0 = cpu_seconds(p.pid)
        st, body = http("POST", base + "/connectors", {"name": name, "config": cfg})
        if st != 201:
            raise BenchError(f"POST /connectors: {st} {body}")
        m = self.measure(f"sluice {kind}", p.pid, p, progress, self.a.records, failed)
        m["cpu_s"] = cpu_seconds(p.pid) - cpu0
        metrics = http("GET", base + "/metrics")[1]
        m["checkpoint_pause_s"] = metric_sum(metrics, "sluice_task_checkpoint_pause_seconds_total", name)
        m["checkpoints"] = metric_sum(metrics, "sluice_task_checkpoints_total", name)
        m["idle"] = idle
        self.reap(p)
        self.reap(w)
        return m

    def datagen_payload(self):
        # {"seq":N,"key":"key-K","ts":T,"payload":"..."}: ~60 bytes besides the payload.
        probe = '{"seq":%d,"key":"key-0","ts":1796000000000,"payload":""}' % (self.a.records // 2)
        return max(0, self.a.record_bytes - len(probe))

    def connect_connector(self, name, cfg):
        base = f"http://127.0.0.1:{self.a.connect_port}"
        st, body = http("PUT", f"{base}/connectors/{name}/config", cfg, timeout=30)
        if st not in (200, 201):
            raise BenchError(f"Connect PUT {name}: {st} {body}")

        def failed():
            st, body = http("GET", f"{base}/connectors/{name}/status")
            if st == 200 and '"FAILED"' in body:
                raise BenchError(f"Connect {name} failed: {body}")
        return failed

    def src_connect(self, run):
        topic = self.new_topic("src-connect")
        pid = self.connect_up_fresh()
        try:
            time.sleep(self.a.idle_settle)
            idle = proc_status(pid, "VmRSS")
            w, progress = self.watcher(topic, self.a.records)
            cpu0 = cpu_seconds(pid)
            failed = self.connect_connector("bench-fsource", {
                "connector.class": "FileStreamSource", "tasks.max": "1", "file": self.input, "topic": topic,
                "key.converter": "org.apache.kafka.connect.storage.StringConverter",
                "value.converter": "org.apache.kafka.connect.storage.StringConverter"})
            m = self.measure("Connect FileStreamSource", pid, None, progress, self.a.records, failed)
            m["cpu_s"] = cpu_seconds(pid) - cpu0
            m["idle"] = idle
            self.reap(w)
        finally:
            self.connect_down()
        return m

    def warmup(self):
        """One untimed pass of the raw producer and consumer: the broker's
        JIT and page cache warm up before anything is measured (the first
        run after a start was 2-4x slower)."""
        topic = self.new_topic("warmup")
        for args in (["produce", "--file", self.input] + self.kb_props(),
                     ["consume", "--group", "bench-warmup", "--count", str(self.a.records)]):
            subprocess.run([self.kb, args[0], "--bootstrap", self.bootstrap, "--topic", topic] + args[1:],
                           check=True, stdout=subprocess.DEVNULL, timeout=self.a.run_timeout)

    # ---- sink side ----
    def fill_sink_topic(self):
        topic = self.new_topic("sink-input")
        r = subprocess.run([self.kb, "produce", "--bootstrap", self.bootstrap, "--topic", topic, "--file", self.input]
                           + self.kb_props(), stdout=subprocess.PIPE, text=True, timeout=self.a.run_timeout)
        if r.returncode != 0:
            raise BenchError("filling the sink input topic failed")
        self.sink_topic = topic

    def file_progress(self, path):
        line = self.a.record_bytes + 1

        def progress():
            try:
                return os.path.getsize(path) // line
            except OSError:
                return 0
        return progress

    def snk_raw(self, run):
        prog = os.path.join(self.work, f"raw-consume-{run}.progress")
        outp = os.path.join(self.work, f"raw-consume-{run}.json")
        p = self.spawn([self.kb, "consume", "--bootstrap", self.bootstrap, "--topic", self.sink_topic,
                        "--group", f"bench-raw-{run}-{time.time_ns()}", "--count", str(self.a.records),
                        "--progress", prog, "--timeout-s", str(self.a.run_timeout)], out=open(outp, "w"))

        def progress():
            try:
                with open(prog) as f:
                    return int(f.read().split()[1])
            except (OSError, IndexError):
                return 0
        m = self.measure("raw consumer", p.pid, p, progress, self.a.records)
        return self.raw_usage(p, outp, m)

    def snk_sluice(self, run, kind):
        p, base, d = self.sluice_start(f"sink-{kind}-{run}")
        time.sleep(self.a.idle_settle)
        idle = proc_status(p.pid, "VmRSS")
        name = f"bench-{kind}"
        cfg = {"connector.class": kind, "tasks.max": "1", "topics": self.sink_topic,
               "key.converter": "string", "value.converter": "string"}
        if kind == "file-sink":
            outf = os.path.join(d, "out.txt")
            cfg["file"] = outf
            progress = self.file_progress(outf)
        else:
            def progress():
                return int(metric_sum(http("GET", base + "/metrics")[1], "sluice_task_records_out_total", name) or 0)

        def failed():
            st, body = http("GET", f"{base}/connectors/{name}/status")
            if st == 200 and '"FAILED"' in body:
                raise BenchError(f"sluice {kind} failed: {body}\n{self.sluice_log_tail(d)}")
        cpu0 = cpu_seconds(p.pid)
        st, body = http("POST", base + "/connectors", {"name": name, "config": cfg})
        if st != 201:
            raise BenchError(f"POST /connectors: {st} {body}")
        m = self.measure(f"sluice {kind}", p.pid, p, progress, self.a.records, failed)
        m["cpu_s"] = cpu_seconds(p.pid) - cpu0
        m["idle"] = idle
        self.reap(p)
        return m

    def snk_connect(self, run):
        pid = self.connect_up_fresh()
        try:
            time.sleep(self.a.idle_settle)
            idle = proc_status(pid, "VmRSS")
            outf = os.path.join(self.work, f"connect-sink-{run}.txt")
            cpu0 = cpu_seconds(pid)
            failed = self.connect_connector("bench-fsink", {
                "connector.class": "FileStreamSink", "tasks.max": "1", "file": outf, "topics": self.sink_topic,
                "key.converter": "org.apache.kafka.connect.storage.StringConverter",
                "value.converter": "org.apache.kafka.connect.storage.StringConverter"})
            m = self.measure("Connect FileStreamSink", pid, None, self.file_progress(outf), self.a.records, failed)
            m["cpu_s"] = cpu_seconds(pid) - cpu0
            m["idle"] = idle
        finally:
            self.connect_down()
        return m

    # ---- latency ----
    def latency_raw(self, pattern, rate, count):
        topic = self.new_topic(f"lat-raw-{pattern}")
        prog = os.path.join(self.work, f"lat-{topic}.progress")
        outp = os.path.join(self.work, f"lat-{topic}.json")
        out = open(outp, "w")
        c = self.spawn([self.kb, "consume", "--bootstrap", self.bootstrap, "--topic", topic, "--group", f"g-{topic}",
                        "--count", str(count), "--latency", "--warmup-ms", str(self.a.lat_warmup_ms),
                        "--progress", prog, "--timeout-s", str(self.a.run_timeout)], out=out)
        wait_for("raw consumer assignment", lambda: os.path.exists(prog), 60, proc=c)
        g = self.spawn([self.kb, "loadgen", "--bootstrap", self.bootstrap, "--topic", topic, "--rate", f"{rate:.1f}",
                        "--pattern", pattern, "--count", str(count), "--size", str(self.a.record_bytes)]
                       + self.kb_props())
        wait_for("raw latency run", lambda: c.poll() is not None, self.a.run_timeout, interval=0.2)
        self.reap(g)
        if c.returncode != 0:
            raise BenchError(f"raw latency consumer failed (code {c.returncode})")
        out.close()
        with open(outp) as f:
            return json.loads(f.read().strip().splitlines()[-1])["latency"]

    def latency_sluice(self, pattern, rate, count):
        topic = self.new_topic(f"lat-sluice-{pattern}")
        p, base, d = self.sluice_start(f"lat-{self.topic_seq}")
        outp = os.path.join(d, "latency.json")
        try:
            st, body = http("POST", base + "/connectors", {"name": "lat-sink", "config": {
                "connector.class": "bench-latency-sink", "topics": topic, "output": outp, "records": str(count),
                "warmup.ms": str(self.a.lat_warmup_ms), "key.converter": "string", "value.converter": "string"}})
            if st != 201:
                raise BenchError(f"POST lat-sink: {st} {body}")
            wait_for("sluice sink assignment", lambda: (metric_sum(
                http("GET", base + "/metrics")[1], "sluice_sink_task_partitions_rebalanced_total", "lat-sink") or 0) > 0,
                60, proc=p)
            st, body = http("POST", base + "/connectors", {"name": "lat-source", "config": {
                "connector.class": "bench-loadgen", "topic": topic, "records": str(count), "rate": f"{rate:.1f}",
                "pattern": pattern, "record.bytes": str(self.a.record_bytes),
                "key.converter": "string", "value.converter": "string"}})
            if st != 201:
                raise BenchError(f"POST lat-source: {st} {body}")
            wait_for("sluice latency run", lambda: os.path.exists(outp), self.a.run_timeout, proc=p, interval=0.2)
            with open(outp) as f:
                res = json.load(f)
            # Where a task stood still: checkpoint/commit time of each task.
            metrics = http("GET", base + "/metrics")[1]
            for name in ("lat-source", "lat-sink"):
                n = metric_sum(metrics, "sluice_task_checkpoint_duration_seconds_count", name) or 0
                total = metric_sum(metrics, "sluice_task_checkpoint_duration_seconds_sum", name) or 0
                res[f"{name}_commits"] = n
                res[f"{name}_commit_ms_mean"] = 1000 * total / n if n else 0
            return res
        except BenchError as e:
            raise BenchError(f"{e}\n{self.sluice_log_tail(d)}")
        finally:
            self.reap(p)


# --------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------

SOURCE = [("raw", "raw librdkafka producer"), ("datagen", "sluice datagen"),
          ("file-source", "sluice file-source"), ("connect", "Connect FileStreamSource")]
SINK = [("raw", "raw librdkafka consumer"), ("null-sink", "sluice null-sink"),
        ("file-sink", "sluice file-sink"), ("connect", "Connect FileStreamSink")]


def summarize(results, side, contenders):
    rows = {}
    for key, label in contenders:
        rs = [r for r in results if r["side"] == side and r["contender"] == key]
        if not rs:
            continue
        rate = median_spread([r["records_s"] for r in rs])
        rows[key] = {
            "label": label, "runs": len(rs), "rate": rate,
            "mb_s": statistics.median(r["mb_s"] for r in rs),
            "cpu_s": median_spread([r["cpu_s"] for r in rs]) if all(r["cpu_s"] is not None for r in rs) else None,
            "peak": median_spread([r["peak_rss_mib"] for r in rs]),
            "idle": median_spread([r["idle_rss_mib"] for r in rs]) if all(r["idle_rss_mib"] is not None for r in rs) else None,
            "load": median_spread([r["load1"] for r in rs]),
        }
    return rows


def fmt_ms(x, fmt="{:,.0f}"):
    med, lo, hi = x
    return f"{fmt.format(med)} ({fmt.format(lo)}-{fmt.format(hi)})"


def table(rows, records, raw_key="raw", connect_key="connect"):
    raw = rows.get(raw_key, {}).get("rate", (None,))[0]
    con = rows.get(connect_key, {}).get("rate", (None,))[0]
    con_rss = rows.get(connect_key, {}).get("peak", (None,))[0]
    out = ["| contender | records/s, median (min-max) | MB/s | CPU s | CPU µs/record | peak RSS MiB | idle RSS MiB | vs raw | vs Connect | RSS vs Connect | load avg |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for key, r in rows.items():
        rate = r["rate"][0]
        cpu = fmt_ms(r["cpu_s"], "{:.2f}") if r["cpu_s"] else "-"
        cpu_us = f"{1e6 * r['cpu_s'][0] / records:.2f}" if r["cpu_s"] else "-"
        idle = fmt_ms(r["idle"]) if r["idle"] else "-"
        vs_raw = f"{rate / raw:.2f}x" if raw else "-"
        vs_con = f"{rate / con:.2f}x" if con else "-"
        rss_con = f"{r['peak'][0] / con_rss:.3f}" if con_rss else "-"
        out.append(f"| {r['label']} | {fmt_ms(r['rate'])} | {r['mb_s']:.1f} | {cpu} | {cpu_us} | {fmt_ms(r['peak'])} | "
                   f"{idle} | {vs_raw} | {vs_con} | {rss_con} | {fmt_ms(r['load'], '{:.1f}')} |")
    return "\n".join(out)


def plots(outdir, src, snk, lat, ckpt):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    os.makedirs(outdir, exist_ok=True)
    made = []

    def bars(rows, title, fname):
        if not rows:
            return
        labels = [r["label"].replace(" ", "\n", 1) for r in rows.values()]
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
        meds = [r["rate"][0] / 1e3 for r in rows.values()]
        err = [[m - r["rate"][1] / 1e3 for m, r in zip(meds, rows.values())],
               [r["rate"][2] / 1e3 - m for m, r in zip(meds, rows.values())]]
        ax1.bar(labels, meds, yerr=err, capsize=4, color=["#888", "#2a7", "#2a7", "#c63"][:len(meds)])
        ax1.set_ylabel("thousand records/s (median, min-max)")
        ax1.set_title(f"{title}: throughput")
        peaks = [r["peak"][0] for r in rows.values()]
        ax2.bar(labels, peaks, color=["#888", "#2a7", "#2a7", "#c63"][:len(peaks)])
        ax2.set_ylabel("peak RSS, MiB (median)")
        ax2.set_title(f"{title}: memory")
        for ax in (ax1, ax2):
            ax.tick_params(axis="x", labelsize=8)
        fig.tight_layout()
        path = os.path.join(outdir, fname)
        fig.savefig(path, dpi=100)
        plt.close(fig)
        made.append(path)

    bars(src, "source -> Kafka", "bench-source.png")
    bars(snk, "Kafka -> sink", "bench-sink.png")
    if lat:
        patterns = ["steady", "poisson", "burst"]
        fig, axes = plt.subplots(1, 3, figsize=(13, 4), sharey=True)
        for ax, pat in zip(axes, patterns):
            for who, color in (("raw", "#888"), ("sluice", "#2a7")):
                pts = sorted((x["load"], x[who]) for x in lat if x["pattern"] == pat)
                if not pts:
                    continue
                loads = [p[0] * 100 for p in pts]
                for q, style in (("p50_us", ":"), ("p99_us", "-"), ("p999_us", "--")):
                    ax.plot(loads, [max(p[1][q], 1) / 1000 for p in pts], style, color=color, marker="o",
                            label=f"{who} {q[:-3]}")
            ax.set_yscale("log")
            ax.set_title(f"{pat}")
            ax.set_xlabel("offered load, % of measured max")
            ax.axhline(10, color="#c33", linewidth=0.8)
        axes[0].set_ylabel("end-to-end latency, ms (log)")
        axes[0].legend(fontsize=7)
        fig.tight_layout()
        path = os.path.join(outdir, "bench-latency.png")
        fig.savefig(path, dpi=100)
        plt.close(fig)
        made.append(path)
    if ckpt:
        fig, ax = plt.subplots(figsize=(6, 4))
        labels = [k for k in ckpt]
        meds = [ckpt[k]["rate"][0] / 1e3 for k in labels]
        err = [[m - ckpt[k]["rate"][1] / 1e3 for m, k in zip(meds, labels)],
               [ckpt[k]["rate"][2] / 1e3 - m for m, k in zip(meds, labels)]]
        ax.bar(labels, meds, yerr=err, capsize=4, color="#2a7")
        ax.set_ylabel("thousand records/s (median, min-max)")
        ax.set_xlabel("checkpoint.interval.ms")
        ax.set_title("sluice datagen -> Kafka by checkpoint interval")
        fig.tight_layout()
        path = os.path.join(outdir, "bench-checkpoints.png")
        fig.savefig(path, dpi=100)
        plt.close(fig)
        made.append(path)
    return made


# --------------------------------------------------------------------------

def options():
    def env(name, default, kind=str):
        v = os.environ.get(name.upper())
        return kind(v) if v not in (None, "") else default
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="source and sink throughput only, one run, fewer records")
    p.add_argument("--build", default=env("build", os.path.join(ROOT, "build")))
    p.add_argument("--records", type=int, default=env("records", None, int), help="records per run (1,000,000; quick 300,000)")
    p.add_argument("--runs", type=int, default=env("runs", None, int), help="runs per contender (3; quick 1)")
    p.add_argument("--record-bytes", type=int, default=env("record_bytes", 160, int))
    p.add_argument("--partitions", type=int, default=env("partitions", 1, int))
    p.add_argument("--linger-ms", type=int, default=env("linger_ms", 5, int))
    p.add_argument("--batch-bytes", type=int, default=env("batch_bytes", 131072, int), help="producer batch.size")
    p.add_argument("--compression", default=env("compression", "none"))
    p.add_argument("--flush-ms", type=int, default=env("flush_ms", 1000, int), help="offset.flush.interval.ms")
    p.add_argument("--kafka-port", type=int, default=env("kafka_port", 19592, int))
    p.add_argument("--connect-port", type=int, default=env("connect_port", 18583, int))
    p.add_argument("--run-timeout", type=int, default=env("run_timeout", 300, int))
    p.add_argument("--start-fraction", type=float, default=env("start_fraction", 0.05, float))
    p.add_argument("--idle-settle", type=float, default=env("idle_settle", 1.0, float),
                   help="seconds after start-up before the idle RSS is read")
    p.add_argument("--sides", default=env("sides", None), help="comma list of source,sink,latency,checkpoints")
    p.add_argument("--lat-seconds", type=float, default=env("lat_seconds", 8.0, float))
    p.add_argument("--lat-warmup-ms", type=int, default=env("lat_warmup_ms", 1000, int))
    p.add_argument("--lat-loads", default=env("lat_loads", "0.1,0.5,0.9"))
    p.add_argument("--lat-max", type=float, default=env("lat_max", None, float),
                   help="records/s taken as 100 %% load (default: the median of sluice datagen measured here)")
    p.add_argument("--sluice-worker-extra", type=json.loads, default=env("sluice_worker_extra", {}, json.loads),
                   help="more sluice worker keys, a JSON object (every sluice run)")
    p.add_argument("--checkpoint-intervals", default=env("checkpoint_intervals", "0,1000,100"))
    p.add_argument("--out", default=env("out", None), help="directory for results.json and report.md (build/bench/e2e)")
    p.add_argument("--plots", default=env("plots", None), help="PNG directory (docs/img; quick: build/bench/e2e/img)")
    a = p.parse_args()
    a.records = a.records or (300_000 if a.quick else 1_000_000)
    a.runs = a.runs or (1 if a.quick else 3)
    a.sides = (a.sides or ("source,sink" if a.quick else "source,sink,latency,checkpoints")).split(",")
    a.out = a.out or os.path.join(a.build, "bench", "e2e")
    a.plots = a.plots or (os.path.join(a.out, "img") if a.quick else os.path.join(ROOT, "docs", "img"))
    if a.record_bytes < 80:
        p.error("--record-bytes must be at least 80")
    return a


def main():
    a = options()
    h = Harness(a)
    h.results = []

    def on_signal(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, on_signal)
    t_begin = time.time()
    latency = []
    try:
        h.make_input()
        h.start_broker()
        log("warm-up (untimed): raw producer and consumer")
        h.warmup()
        settings = (f"records={a.records} record.bytes={a.record_bytes} partitions={a.partitions} acks=all "
                    f"linger.ms={a.linger_ms} batch.size={a.batch_bytes} compression={a.compression} runs={a.runs}")
        log(settings)
        print(f"{'side':6} {'contender':26} {'run':>3} {'records/s':>12} {'MB/s':>8} {'cpu_s':>7} "
              f"{'peakMiB':>8} {'idleMiB':>8} {'window':>7} {'load1':>6}", flush=True)
        for run in range(1, a.runs + 1):
            if "source" in a.sides:
                h.result("source", "raw", run, h.src_raw(run))
                for kind in ("datagen", "file-source"):
                    m = h.src_sluice(run, kind)
                    h.result("source", kind, run, m, idle=m.pop("idle"))
                m = h.src_connect(run)
                h.result("source", "connect", run, m, idle=m.pop("idle"))
            if "sink" in a.sides:
                h.fill_sink_topic()
                h.result("sink", "raw", run, h.snk_raw(run))
                for kind in ("null-sink", "file-sink"):
                    m = h.snk_sluice(run, kind)
                    h.result("sink", kind, run, m, idle=m.pop("idle"))
                m = h.snk_connect(run)
                h.result("sink", "connect", run, m, idle=m.pop("idle"))
            if "checkpoints" in a.sides:
                # Each run starts at the next setting: with a fixed order,
                # "off" always ran first after the sink side and came out 20 %
                # ahead of 1000; rotated, 7 %, inside the spread.
                ivs = a.checkpoint_intervals.split(",")
                shift = (run - 1) % len(ivs)
                for iv in ivs[shift:] + ivs[:shift]:
                    m = h.src_sluice(run, "datagen", {"checkpoint.interval.ms": int(iv)})
                    h.result("ckpt", f"datagen ckpt={iv}", run, m, idle=m.pop("idle"), interval=int(iv))
        if "latency" in a.sides:
            dg = [r["records_s"] for r in h.results if r["side"] == "source" and r["contender"] == "datagen"]
            max_rate = a.lat_max or (statistics.median(dg) if dg else None)
            if not max_rate:
                raise BenchError("latency needs --lat-max or the source side (sluice datagen) to set 100 % load")
            log(f"latency: 100 % load = {max_rate:,.0f} records/s")
            print(f"{'pattern':8} {'load':>5} {'rate/s':>9} {'who':6} {'p50ms':>8} {'p99ms':>8} {'p999ms':>8} {'maxms':>8} {'n':>8} {'load1':>6}", flush=True)
            for pattern in ("steady", "poisson", "burst"):
                for load in [float(x) for x in a.lat_loads.split(",")]:
                    rate = max_rate * load
                    count = int(rate * a.lat_seconds)
                    row = {"pattern": pattern, "load": load, "rate": rate, "records": count}
                    for who, fn in (("raw", h.latency_raw), ("sluice", h.latency_sluice)):
                        row[who] = fn(pattern, rate, count)
                        row[who]["load1"] = loadavg()
                        l = row[who]
                        print(f"{pattern:8} {load:>5.0%} {rate:>9,.0f} {who:6} {l['p50_us'] / 1e3:>8.2f} {l['p99_us'] / 1e3:>8.2f} "
                              f"{l['p999_us'] / 1e3:>8.2f} {l['max_us'] / 1e3:>8.2f} {l['count']:>8} {l['load1']:>6.2f}", flush=True)
                    latency.append(row)
    except (BenchError, subprocess.CalledProcessError, subprocess.TimeoutExpired, KeyboardInterrupt) as e:
        log(f"FAILED: {e}")
        h.stop_all()
        sys.exit(1)
    finally:
        h.stop_all()

    # ---- report ----
    os.makedirs(a.out, exist_ok=True)
    src = summarize(h.results, "source", SOURCE)
    snk = summarize(h.results, "sink", SINK)
    ckpt_keys = [(f"datagen ckpt={iv}", iv) for iv in a.checkpoint_intervals.split(",")]
    ckpt = {}
    for key, iv in ckpt_keys:
        rows = summarize(h.results, "ckpt", [(key, f"checkpoint.interval.ms={iv}")])
        if key in rows:
            ckpt["off" if iv == "0" else iv] = rows[key]
    lines = [f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(t_begin))}, {time.time() - t_begin:.0f} s; "
             f"{a.records:,} records of {a.record_bytes} bytes per run, {a.runs} run(s); topic: {a.partitions} "
             f"partition(s); producers: acks=all, linger.ms={a.linger_ms}, batch.size={a.batch_bytes}, "
             f"compression={a.compression}, idempotence on; offset.flush.interval.ms={a.flush_ms}.", ""]
    if src:
        lines += ["Source -> Kafka:", "", table(src, a.records), ""]
    if snk:
        lines += ["Kafka -> sink:", "", table(snk, a.records), ""]
    if ckpt:
        off = ckpt.get("off", {}).get("rate", (None,))[0]
        lines += ["Checkpoints (sluice datagen -> Kafka):", "",
                  "| checkpoint.interval.ms | records/s, median (min-max) | vs off | paused s (median) | checkpoints (median) | load avg |",
                  "|---|---:|---:|---:|---:|---:|"]
        for k, r in ckpt.items():
            rs = [x for x in h.results if x["side"] == "ckpt" and x["interval"] == (0 if k == "off" else int(k))]
            pause = statistics.median(x.get("checkpoint_pause_s") or 0 for x in rs)
            cks = statistics.median(x.get("checkpoints") or 0 for x in rs)
            vs = f"{100 * (r['rate'][0] - off) / off:+.1f} %" if off else "-"
            lines.append(f"| {k} | {fmt_ms(r['rate'])} | {vs} | {pause:.2f} | {cks:.0f} | {fmt_ms(r['load'], '{:.1f}')} |")
        lines.append("")
    if latency:
        lines += ["End-to-end latency (intended send time to sink put), ms:", "",
                  "| pattern | load | offered records/s | raw p50 | raw p99 | raw p999 | sluice p50 | sluice p99 | sluice p999 | sluice max | load avg |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for x in latency:
            r, s = x["raw"], x["sluice"]
            lines.append(f"| {x['pattern']} | {x['load']:.0%} | {x['rate']:,.0f} | {r['p50_us'] / 1e3:.2f} | {r['p99_us'] / 1e3:.2f} | "
                         f"{r['p999_us'] / 1e3:.2f} | {s['p50_us'] / 1e3:.2f} | {s['p99_us'] / 1e3:.2f} | {s['p999_us'] / 1e3:.2f} | "
                         f"{s['max_us'] / 1e3:.1f} | {s['load1']:.1f} |")
        lines.append("")
    made = []
    try:
        made = plots(a.plots, src, snk, latency, ckpt)
    except ImportError:
        log("matplotlib is missing: no plots (run through scripts/py-tools.sh)")
    if made:
        lines.append("Plots: " + ", ".join(os.path.relpath(m, ROOT) for m in made))
    report = "\n".join(lines)
    with open(os.path.join(a.out, "report.md"), "w") as f:
        f.write(report + "\n")
    with open(os.path.join(a.out, "results.json"), "w") as f:
        json.dump({"settings": vars(a), "results": h.results, "latency": latency}, f, indent=1)
    print()
    print(report)
    print(f"(results in {os.path.relpath(a.out, ROOT)}/results.json and report.md)")
    if src.get("file-source") and src.get("raw") and src.get("connect"):
        fs, raw, con = src["file-source"], src["raw"], src["connect"]
        print(f"headline: sluice/raw={fs['rate'][0] / raw['rate'][0]:.2f} "
              f"sluice/connect={fs['rate'][0] / con['rate'][0]:.2f} "
              f"rss_sluice/connect={fs['peak'][0] / con['peak'][0]:.2f}")


if __name__ == "__main__":
    main()
