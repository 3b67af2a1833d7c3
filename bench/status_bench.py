#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Benchmark of the status endpoint (issue 4), with baresip's httpd as the baseline.

    bench/status_bench.py --server build/host/bench/status_bench_server
                          [--duration 10] [--repeat 3] [--no-write]

Measures, with the server pinned to one core (taskset) and the load generator on another:
  - requests/s and p50/p99 latency of authenticated GET /status (plain HTTP, keep-alive)
    with 1, 10 and 100 concurrent connections (wrk), for status_bench_server (the real
    StatusServer serving a fixed snapshot) and for baresip's httpd module
    (GET /raw/?/reginfo, its closest equivalent; no auth, no TLS), in the same run;
  - the same over TLS (keep-alive: one handshake per connection) at 10 connections;
  - full TLS handshakes per second (openssl s_time -new; TLS 1.2, ECDSA P-256 server key).
Each figure also comes with the server's CPU time, so "per server core-second" rates are
given: they do not depend on whether the load generator or the server saturated first.

Writes the "Status endpoint" section of docs/performance.md (other sections are kept) and
prints the same table. Needs wrk, openssl, baresip (scripts/bootstrap installs them).
Label `bench` in ctest: not run by scripts/test. Everything runs on 127.0.0.1, and every
process started here is stopped here.
"""

import argparse
import datetime
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PERF_MD = os.path.join(REPO, "docs", "performance.md")
SECTION = "## Status endpoint"
TOKEN = "bench-token-0123456789abcdef"
CONCURRENCY = (1, 10, 100)
CLK_TCK = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cores():
    """(server core, client core): two different CPUs when there are two."""
    avail = sorted(os.sched_getaffinity(0))
    return (avail[0], avail[1] if len(avail) > 1 else avail[0])


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime


class Proc:
    """A child in its own process group; stop() always reaps it."""

    def __init__(self, argv, log_path, env=None, cwd=None):
        self.log_path = log_path
        self.log = open(log_path, "wb")
        self.p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self.log,
                                  stderr=subprocess.STDOUT, env=env, cwd=cwd,
                                  start_new_session=True)

    def text(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stop(self):
        if self.p.poll() is None:
            os.killpg(self.p.pid, signal.SIGTERM)
            try:
                self.p.wait(timeout=3)
            except subprocess.TimeoutExpired:
                os.killpg(self.p.pid, signal.SIGKILL)
                self.p.wait()
        self.log.close()


def wait_port(port, proc, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.p.poll() is not None:
            raise RuntimeError("server exited:\n" + proc.text()[-2000:])
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("port %d not listening" % port)


def openssl(args, cwd):
    subprocess.run(["openssl"] + args, cwd=cwd, check=True, capture_output=True,
                   stdin=subprocess.DEVNULL, timeout=30)


def make_cert(d):
    """Self-signed ECDSA P-256 certificate for 127.0.0.1 (the bench client does not verify)."""
    with open(os.path.join(d, "ext"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1\n")
    openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
             "-out", "key.pem"], d)
    openssl(["req", "-new", "-x509", "-key", "key.pem", "-subj", "/CN=127.0.0.1", "-days", "2",
             "-sha256", "-addext", "subjectAltName=IP:127.0.0.1", "-out", "cert.pem"], d)
    return os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")


def start_status_server(binary, core, work, tls):
    port = free_port()
    argv = ["taskset", "-c", str(core), binary, "--listen", "127.0.0.1:%d" % port]
    if tls:
        argv += ["--cert", tls[0], "--key", tls[1]]
    env = dict(os.environ, STATUS_BENCH_TOKEN=TOKEN)
    p = Proc(argv, os.path.join(work, "status-%s.log" % ("tls" if tls else "plain")), env=env)
    wait_port(port, p)
    return p, port


BARESIP_CONFIG = """\
poll_method		epoll
sip_listen		127.0.0.1:{sip}
net_interface		127.0.0.1
dns_server		127.0.0.1:53
module_path		/usr/lib/baresip/modules
module			g711.so
module_app		menu.so
module_app		httpd.so
http_listen		127.0.0.1:{http}
"""


def start_baresip(core, work):
    d = os.path.join(work, "baresip")
    os.makedirs(d)
    port = free_port()
    with open(os.path.join(d, "config"), "w") as f:
        f.write(BARESIP_CONFIG.format(sip=free_port(), http=port))
    with open(os.path.join(d, "accounts"), "w") as f:  # one idle account, no registration
        f.write("<sip:HD0001@127.0.0.1>;regint=0\n")
    p = Proc(["taskset", "-c", str(core), "baresip", "-f", d], os.path.join(work, "baresip.log"),
             cwd=d)
    wait_port(port, p)
    return p, port


def to_ms(v, unit):
    return float(v) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(core, url, conns, duration, auth=True):
    argv = ["taskset", "-c", str(core), "wrk", "-t1", "-c%d" % conns, "-d%ds" % duration,
            "--latency", "--timeout", "5s"]
    if auth:
        argv += ["-H", "Authorization: Bearer " + TOKEN]
    out = subprocess.run(argv + [url], capture_output=True, text=True, check=True,
                         timeout=duration + 60).stdout
    lat = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", out, re.M))

    def pct(k):
        m = re.match(r"([\d.]+)(us|ms|s)$", lat[k])
        return to_ms(m.group(1), m.group(2))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "requests": int(re.search(r"(\d+) requests in", out).group(1)),
            "p50": pct("50"), "p99": pct("99"),
            "non2xx": int(bad.group(1)) if bad else 0,
            "errors": errors.group(1) if errors else ""}


REPEAT = 3


def measure(proc, fn, key=lambda r: r["rps"]):
    """Runs fn() REPEAT times; returns the median run by `key` as (result, server CPU
    seconds used during that run). The median keeps one disturbed run (a shared machine)
    from deciding the figure."""
    runs = []
    for _ in range(REPEAT):
        before = cpu_seconds(server_pid(proc))
        r = fn()
        runs.append((r, cpu_seconds(server_pid(proc)) - before))
    runs.sort(key=lambda rc: key(rc[0]))
    return runs[len(runs) // 2]


def server_pid(proc):
    """taskset execs the server, so the child's pid is the server's."""
    return proc.p.pid


def handshakes(core, port, duration):
    out = subprocess.run(["taskset", "-c", str(core), "openssl", "s_time", "-connect",
                          "127.0.0.1:%d" % port, "-new", "-time", str(duration)],
                         capture_output=True, text=True, timeout=duration + 60).stdout
    m = re.search(r"(\d+) connections in ([\d.]+) real seconds", out)
    if not m:
        raise RuntimeError("openssl s_time said:\n" + out[-2000:])
    return int(m.group(1)), float(m.group(2))


def run(args):
    server_core, client_core = cores()
    work = tempfile.mkdtemp(prefix="hotdesk-bench-")
    procs = []
    results = {"status": {}, "baresip": {}}
    try:
        tls = make_cert(work)
        plain, plain_port = start_status_server(args.server, server_core, work, None)
        procs.append(plain)
        baresip, bs_port = start_baresip(server_core, work)
        procs.append(baresip)
        for c in CONCURRENCY:
            url = "http://127.0.0.1:%d/status" % plain_port
            results["status"][c] = measure(plain, lambda: wrk(client_core, url, c, args.duration))
            url = "http://127.0.0.1:%d/raw/?/reginfo" % bs_port
            results["baresip"][c] = measure(baresip, lambda: wrk(client_core, url, c,
                                                                 args.duration, auth=False))
        plain.stop()
        baresip.stop()
        secure, tls_port = start_status_server(args.server, server_core, work, tls)
        procs.append(secure)
        url = "https://127.0.0.1:%d/status" % tls_port
        results["tls_get"] = measure(secure, lambda: wrk(client_core, url, 10, args.duration))
        results["handshakes"] = measure(secure, lambda: handshakes(client_core, tls_port,
                                                                   args.duration),
                                        key=lambda r: r[0] / r[1])
        secure.stop()
    finally:
        for p in procs:
            p.stop()
        shutil.rmtree(work, ignore_errors=True)
    results["cores"] = (server_core, client_core)
    return results


def per_core(n, cpu):
    return "%.0f" % (n / cpu) if cpu > 0.05 else "n/a"


def report(r, duration):
    rows = []
    for c in CONCURRENCY:
        (s, s_cpu), (b, b_cpu) = r["status"][c], r["baresip"][c]
        rows.append("| %d | %.0f | %.3f | %.3f | %s | %.0f | %.3f | %.3f | %s | %.2f |" % (
            c, s["rps"], s["p50"], s["p99"], per_core(s["requests"], s_cpu),
            b["rps"], b["p50"], b["p99"], per_core(b["requests"], b_cpu),
            s["rps"] / b["rps"] if b["rps"] else 0))
    t, t_cpu = r["tls_get"]
    (hs, secs), hs_cpu = r["handshakes"]
    notes = []
    for name, key in (("status", "status"), ("baresip", "baresip")):
        for c in CONCURRENCY:
            res = r[key][c][0]
            if res["non2xx"] or (res["errors"] and res["errors"] != "connect 0, read 0, write 0, timeout 0"):
                notes.append("- %s at %d connections: %d non-2xx, socket errors: %s" % (
                    name, c, res["non2xx"], res["errors"] or "none"))
    cpu = open("/proc/cpuinfo").read()
    model = re.search(r"model name\s*:\s*(.*)", cpu)
    lines = [
        SECTION,
        "",
        "Measured by `bench/status_bench.py` (ctest label `bench`) on %s, %s; %d s per run," % (
            datetime.date.today().isoformat(), model.group(1) if model else "unknown CPU", duration),
        "median of %d runs per point (by req/s; handshakes by rate)." % REPEAT,
        "Server pinned to CPU %d, load generator (`wrk -t1`, `openssl s_time`) to CPU %d." % r["cores"],
        "hotdesk: `status_bench_server` (the real `StatusServer`, fixed snapshot, 250-byte JSON),",
        "authenticated `GET /status` (bearer token checked on every request), plain HTTP on",
        "127.0.0.1, keep-alive. Baseline: baresip 1.0.0's `httpd` module, `GET /raw/?/reginfo`",
        "(its nearest status-like page; no authentication, no TLS support) in the same run.",
        "\"per core-s\" = requests served per second of server CPU time (user+sys), which stays",
        "meaningful when the load generator rather than the server is the bottleneck.",
        "",
        "| clients | hotdesk req/s | p50 ms | p99 ms | per core-s | baresip req/s | p50 ms | p99 ms | per core-s | ratio (req/s) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ] + rows + [
        "",
        "TLS (mbedTLS 2.28, TLS 1.2, ECDHE over X25519, ECDSA P-256 certificate, AES-128-GCM):",
        "",
        "| measure | result | per server core-s |",
        "|---|---:|---:|",
        "| `GET /status` over TLS, 10 keep-alive clients | %.0f req/s, p50 %.3f ms, p99 %.3f ms | %s |" % (
            t["rps"], t["p50"], t["p99"], per_core(t["requests"], t_cpu)),
        "| full handshakes (`openssl s_time -new`, one client) | %.0f /s | %s |" % (
            hs / secs, per_core(hs, hs_cpu)),
        "",
        "baresip's httpd has no TLS, so there is no baseline for the TLS rows.",
        "",
        "Reading: a PBX polls each phone every few seconds, so any of these rates is far above",
        "need; what matters is the cost per request on the phone's CPU. Served from keep-alive",
        "connections, an authenticated poll costs about what baresip's unauthenticated httpd",
        "page costs (\"per core-s\" columns). A full TLS handshake costs %.1f ms of server CPU," % (
            1000.0 * hs_cpu / hs if hs else 0),
        "hundreds of times a request: pollers should keep their connection alive (the server",
        "allows 15 s idle).",
    ]
    if notes:
        lines += ["", "Anomalies seen in this run:"] + notes
    return "\n".join(lines) + "\n"


def write_section(text):
    old = open(PERF_MD).read() if os.path.exists(PERF_MD) else "# Performance\n\n"
    start = old.find(SECTION + "\n")
    if start < 0:
        new = old.rstrip("\n") + "\n\n" + text
    else:
        nxt = old.find("\n## ", start + len(SECTION))
        tail = old[nxt + 1:] if nxt >= 0 else ""
        new = old[:start] + text + ("\n" + tail if tail else "")
    with open(PERF_MD, "w") as f:
        f.write(new)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--server", required=True, help="path to status_bench_server")
    ap.add_argument("--duration", type=int, default=10, help="seconds per measurement")
    ap.add_argument("--repeat", type=int, default=3, help="runs per point (the median is kept)")
    ap.add_argument("--no-write", action="store_true", help="do not touch docs/performance.md")
    args = ap.parse_args()
    global REPEAT
    REPEAT = max(1, args.repeat)
    for tool in ("wrk", "openssl", "baresip", "taskset"):
        if not shutil.which(tool):
            sys.exit("status_bench: %s not found (run scripts/bootstrap)" % tool)
    text = report(run(args), args.duration)
    print(text)
    if not args.no_write:
        write_section(text)
        print("status_bench: wrote the section to " + PERF_MD)


if __name__ == "__main__":
    main()
