#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A whole site (issue 15; ctest `bench.fleet`, label bench; not part of scripts/test).

N phones (default 200; each a real baresip and a real hotdeskd on the host board) against
one kamailio and one reference PBX on 127.0.0.1 (tests/integration/fleet.py). Checks first
that the machine has the memory, file descriptors and processes, and says what it needs.

  1. Power cut, with hotdeskd's `retry_jitter` on and then off, in the same run: half the
     phones have a person; every process (phones, kamailio, PBX) is SIGKILLed at once; all
     phones start together; kamailio and the PBX come back `--outage` s later (phones boot
     faster than the server), so every phone's first attempts fail and the backoff decides
     the herd. Time until every phone is registered again as its identity; REGISTERs per
     second at kamailio and PBX requests per second (their log lines, sampled every
     0.2 s); errors; retries (the phones' own log lines).
  2. Morning rush: every person logs in within `--rush` s on a random free phone, some
     roaming to a second phone; login latency (last PIN key -> REGISTER_OK, hotdeskd's own
     "login latency" line) median and p99, against logins on the idle fleet in the same run;
     nobody on two phones; the PBX view = the registrar.
  3. Steady state: the PBX polls every phone every `--poll` s; PBX CPU and each hotdeskd's
     CPU per poll (/proc/PID/stat over a window; polls counted from the PBX view's `polled`
     stamps); status pushes per change; wake-ups per phone with the polls and without.
  Memory per phone pair (VmRSS and Pss of baresip + hotdeskd).

    /usr/bin/python3 bench/fleet.py [-n 200] [--json out.json] [--plots docs]
    /usr/bin/python3 bench/fleet.py --plot-only out.json --plots docs

Plots need matplotlib (Debian's python3-matplotlib); without it the figures are printed and
the plots skipped with a message. Every process the bench starts, it stops.
"""

import argparse
import json
import os
import random
import re
import resource
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))

import harness  # noqa: E402
from fleet import Fleet, contact_port  # noqa: E402
from harness import https_json, wait_until  # noqa: E402
from world import HOTDESKD  # noqa: E402

TCK = os.sysconf("SC_CLK_TCK")
# Measured at 200 phones (docs/scale.md): one baresip + hotdeskd pair is 3.4 MB Pss,
# 24 MB RSS (mostly shared libraries); asked with a margin. kamailio ~18 MB Pss, the PBX
# 31-44 MB RSS (it grows with its threads).
NEED_MB_PER_PHONE = 12
NEED_MB_SERVERS = 300
# fds: the PBX holds a socket per connection (a herd opens ~3 per phone at once) and the
# bench a few per phone while it starts them.
NEED_FDS_PER_PHONE = 8  # its sockets and the flocks of its 4 reserved ports (harness.free_port)
NEED_FDS_BASE = 256
# processes/threads of this user: two per phone, the PBX's threads (one per connection)
NEED_TASKS_PER_PHONE = 4


def say(*a):
    print(*a, flush=True)


# ---------------------------------------------------------------------------- preflight

def meminfo(key):
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) // 1024
    return None


def user_tasks():
    """Threads of this user right now (RLIMIT_NPROC counts threads)."""
    uid, n = os.getuid(), 0
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                if os.stat("/proc/" + pid).st_uid == uid:
                    n += len(os.listdir("/proc/%s/task" % pid))
            except OSError:
                pass
    return n


def preflight(n):
    """Check memory, fds and processes for n phones; raise the soft fd limit to the hard
    one if that is enough. Returns a dict of what was found; SystemExit when short."""
    need_mb = n * NEED_MB_PER_PHONE + NEED_MB_SERVERS
    avail_mb = meminfo("MemAvailable")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need_fds = n * NEED_FDS_PER_PHONE + NEED_FDS_BASE
    if soft < need_fds <= hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # children inherit it
        soft = hard
    nproc_soft, _ = resource.getrlimit(resource.RLIMIT_NPROC)
    tasks = user_tasks()
    need_tasks = n * NEED_TASKS_PER_PHONE + 64
    lo, _ = (int(x) for x in open("/proc/sys/net/ipv4/ip_local_port_range").read().split())
    # the phones' ports come from below the ephemeral range (harness.free_port)
    hi, lo = lo - 1, max(1024, lo - 12000)
    need_ports = n * 4 + 64  # sip (2), ctrl, status per phone
    found = {"mem_available_mb": avail_mb, "need_mb": need_mb, "nofile": soft,
             "need_fds": need_fds, "nproc_limit": nproc_soft, "user_tasks_now": tasks,
             "need_tasks": need_tasks, "ports": hi - lo + 1, "need_ports": need_ports,
             "cores": os.cpu_count(), "load": os.getloadavg()}
    say("preflight for %d phones: memory %d MB needed (%d MB a phone pair + %d MB servers), "
        "%d MB available; fds %d needed, limit %d; threads %d more needed, %d of this user now, "
        "limit %s; ports %d needed, %d below the ephemeral range; %d cores, load %.2f %.2f %.2f"
        % (n, need_mb, NEED_MB_PER_PHONE, NEED_MB_SERVERS, avail_mb, need_fds, soft, need_tasks,
           tasks, "unlimited" if nproc_soft == resource.RLIM_INFINITY else nproc_soft,
           need_ports, hi - lo + 1, os.cpu_count(), *os.getloadavg()))
    short = []
    if avail_mb is not None and avail_mb < need_mb:
        short.append("memory: %d MB available, %d MB needed" % (avail_mb, need_mb))
    if soft < need_fds:
        short.append("file descriptors: ulimit -n is %d, %d needed (raise the hard limit)"
                     % (soft, need_fds))
    if nproc_soft != resource.RLIM_INFINITY and nproc_soft - tasks < need_tasks:
        short.append("processes: ulimit -u %d with %d in use, %d more needed"
                     % (nproc_soft, tasks, need_tasks))
    if hi - lo + 1 < need_ports:
        short.append("ports: %d below ip_local_port_range, %d needed" % (hi - lo + 1, need_ports))
    if not os.access(HOTDESKD, os.X_OK):
        short.append("hotdeskd not found at %s (set HOTDESKD)" % HOTDESKD)
    if short:
        raise SystemExit("fleet bench: this machine cannot run %d phones: %s"
                         % (n, "; ".join(short)))
    return found


# ---------------------------------------------------------------------------- sampling

class LogTail:
    """New lines of a log file since the last read (the file may not exist yet)."""

    def __init__(self, path):
        self.path, self.pos, self.rest = path, 0, b""

    def skip(self):
        try:
            self.pos = os.path.getsize(self.path)
        except OSError:
            self.pos = 0
        self.rest = b""

    def lines(self):
        try:
            with open(self.path, "rb") as f:
                f.seek(self.pos)
                data = f.read()
        except OSError:
            return []
        self.pos += len(data)
        data = self.rest + data
        parts = data.split(b"\n")
        self.rest = parts.pop()
        return [p.decode("utf-8", "replace") for p in parts]


_PBX_RE = re.compile(r"^pbx: \S+ (\S+) (\S+) (\S+)$")
_REQ_RE = re.compile(r"HDLOG REQ REGISTER \S+ from=sip:([^@]+)@")
_REG_RE = re.compile(r"HDLOG REG (\S+) user=(\S*) auth=\S* contact=(.*)$")


def is_ok(status):
    """A PBX answer that is no error: 2xx, or 304 to a profile fetch (not modified)."""
    return status.startswith("2") or status == "304"


def pbx_kind(path):
    """/api/v1/devices/<mac>/login -> login; /api/v1/admin/devices -> admin."""
    parts = [p for p in path.split("/") if p]
    if parts[:3] == ["api", "v1", "devices"] and len(parts) == 5:
        return parts[4]
    if parts[:3] == ["api", "v1", "admin"]:
        return "admin"
    return path


class Sampler:
    """Samples kamailio's and the PBX's logs every `period` s in a thread: per sample,
    REGISTERs received (kamailio's log line per request), REGISTERs accepted with a
    Contact (with the phone and AOR user), PBX requests by kind and status."""

    def __init__(self, fleet, period=0.2):
        self.f = fleet
        self.period = period
        self.kam = LogTail(fleet.reg.logfile)
        self.pbx = LogTail(os.path.join(fleet.dir, "pbx", "pbx.log"))
        self.samples = []  # (t, {"register": n, "reg_ok": n, "pbx": n, "pbx_err": n})
        self.reg_ok = []   # (t, phone index, user)
        self.pbx_reqs = []  # (t, method, kind, status)
        self.registers_by_user = {}
        self._stop = threading.Event()
        self._thread = None
        self.by_port = {ph.sip_port: ph.i for ph in fleet.phones}

    def start(self):
        self.kam.skip()
        self.pbx.skip()
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, daemon=True, name="sampler")
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self._thread.join()
        self._sample()

    def _run(self):
        while not self._stop.wait(self.period):
            self._sample()

    def _sample(self):
        t = time.monotonic()
        c = {"register": 0, "reg_ok": 0, "pbx": 0, "pbx_err": 0}
        for line in self.kam.lines():
            m = _REQ_RE.search(line)
            if m:
                c["register"] += 1
                u = m.group(1).lower()
                self.registers_by_user[u] = self.registers_by_user.get(u, 0) + 1
                continue
            m = _REG_RE.search(line)
            if m and m.group(1) == "ok" and m.group(3).strip() != "*":
                i = self.by_port.get(contact_port(m.group(3)))
                if i is not None:
                    c["reg_ok"] += 1
                    self.reg_ok.append((t, i, m.group(2).lower()))
        for line in self.pbx.lines():
            m = _PBX_RE.match(line.strip())
            if m and pbx_kind(m.group(2)) == "admin":
                continue  # the bench's own look at the view
            if m:
                c["pbx"] += 1
                status = m.group(3)
                if not is_ok(status):
                    c["pbx_err"] += 1
                self.pbx_reqs.append((t, m.group(1), pbx_kind(m.group(2)), status))
            elif line.startswith("pbx: connection error") or "internal error" in line:
                c["pbx_err"] += 1
                self.pbx_reqs.append((t, "-", "connection", "error"))
        self.samples.append((t, c))

    def per_second(self, key, t0, t1=None):
        """[(second since t0, count in that second)]."""
        out = {}
        for t, c in self.samples:
            if t >= t0 and (t1 is None or t <= t1):
                s = int(t - t0)
                out[s] = out.get(s, 0) + c[key]
        last = max(out) if out else 0
        return [(s, out.get(s, 0)) for s in range(last + 1)]


def proc_cpu(pid):
    """utime + stime of a process, in seconds."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TCK


def proc_switches(pid):
    with open("/proc/%d/status" % pid) as f:
        st = f.read()
    get = lambda k: int(next(l.split()[1] for l in st.splitlines() if l.startswith(k + ":")))
    return get("voluntary_ctxt_switches") + get("nonvoluntary_ctxt_switches")


def proc_mem(pid):
    """(VmRSS kB, Pss kB or None)."""
    with open("/proc/%d/status" % pid) as f:
        rss = int(next(l.split()[1] for l in f if l.startswith("VmRSS:")))
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            pss = int(next(l.split()[1] for l in f if l.startswith("Pss:")))
    except (OSError, StopIteration):
        pss = None
    return rss, pss


def tree_pids(pid):
    """pid and its descendants (kamailio forks its workers)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for t in os.listdir("/proc/%d/task" % p):
                with open("/proc/%d/task/%s/children" % (p, t)) as f:
                    todo += [int(c) for c in f.read().split()]
        except OSError:
            pass
    return out


def pctl(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))] if xs else float("nan")


# ---------------------------------------------------------------------------- scenarios

RETRY_RE = re.compile(r"retry in|retrying in|asking again|re-registering|attempt \d+|"
                      r"baresip unreachable")


RETRY_KINDS = (("profile fetch", "profile: "), ("status push", "status push of"),
               ("who sits here / resume", "asking again"), ("re-register", "re-registering"),
               ("ctrl_tcp reconnect", "baresip unreachable"), ("emergency notice", "emergency:"))


def retry_lines(fleet, marks):
    """Lines of every hotdeskd log after `marks` ({i: offset}) that tell a retry, by kind.
    NB: hotdeskd logs a status push's first failure and every tenth only."""
    total, by_kind = 0, {}
    for ph in fleet.phones:
        try:
            with open(ph.log_path, "rb") as f:
                f.seek(marks.get(ph.i, 0))
                text = f.read().decode("utf-8", "replace")
        except OSError:
            continue
        for line in text.splitlines():
            if not RETRY_RE.search(line):
                continue
            total += 1
            kind = next((k for k, needle in RETRY_KINDS if needle in line), "other")
            by_kind[kind] = by_kind.get(kind, 0) + 1
    return total, by_kind


def log_marks(fleet):
    out = {}
    for ph in fleet.phones:
        try:
            out[ph.i] = os.path.getsize(ph.log_path)
        except OSError:
            out[ph.i] = 0
    return out


def set_jitter(fleet, mode):
    """Write retry_jitter into every phone's hotdeskd.conf (read at the next start)."""
    fleet.hotdesk_opts["retry_jitter"] = mode
    for ph in fleet.phones:
        ph.write_conf(fleet, fleet.hotdesk_opts)


def jitter_supported(fleet):
    import subprocess
    ph = fleet.phones[0]
    set_jitter(fleet, "on")
    r = subprocess.run([HOTDESKD, "-c", ph.conf_path, "--check"], capture_output=True,
                       text=True, timeout=20)
    del fleet.hotdesk_opts["retry_jitter"]
    for p in fleet.phones:
        p.write_conf(fleet, fleet.hotdesk_opts)
    return r.returncode == 0, (r.stdout + r.stderr).strip()[-300:]


def kill_everything(fleet):
    """SIGKILL every phone process, kamailio (its whole group) and the PBX at once."""
    groups = [p.popen.pid for ph in fleet.phones for p in ph.procs() if p.popen]
    groups += [fleet.reg.proc.pid, fleet.pbx.popen.pid]
    for g in groups:
        try:
            os.killpg(g, signal.SIGKILL)
        except ProcessLookupError:
            pass
    fleet.kill_phones()  # reaps them
    fleet.pbx.stop()     # reaps (already dead)
    fleet.reg.stop()


def settled(fleet, expected, since):
    """Every phone has exactly one live binding (registered after `since`), as its person
    or its pool: {i: AOR} when so, else None."""
    bound = fleet.bindings_by_phone(since)
    out = {}
    for ph in fleet.phones:
        ok = {fleet.identity(ph.i, expected.get(ph.i)), fleet.identity(ph.i)}
        if len(bound[ph.i]) != 1 or bound[ph.i][0] not in ok:
            return None
        out[ph.i] = bound[ph.i][0]
    return out


def power_cut(fleet, expected, outage_s, mode, timeout):
    """outage_s None: only the phones lose power (kamailio and the PBX stay up)."""
    what = ("every process SIGKILLed; phones start together, kamailio and the PBX %.0f s "
            "later" % outage_s) if outage_s is not None else \
        "every phone process SIGKILLed (kamailio and the PBX stay up); phones start together"
    say("\n== power cut, retry_jitter %s: %s" % (mode, what))
    if mode is not None:
        set_jitter(fleet, mode)
    marks = log_marks(fleet)
    sampler = Sampler(fleet).start()
    if outage_s is not None:
        kill_everything(fleet)
    else:
        fleet.kill_phones()
    t_phones = time.monotonic()
    since = fleet.start_phones()
    t_spawned = time.monotonic()
    t_up = t_phones
    if outage_s is not None:
        time.sleep(max(0.0, t_phones + outage_s - time.monotonic()))
        fleet.start_registrar()
        fleet.start_pbx()
        t_up = time.monotonic()
    # every phone registered again, as its person or (if it lost them) its pool
    try:
        wait_until(lambda: settled(fleet, expected, since), timeout,
                   lambda: "every phone registered as its person or its pool", interval=0.25)
        ok = True
    except AssertionError as e:
        say("NOT every phone registered again within %.0f s: %s" % (timeout, str(e)[:300]))
        ok = False
    t_all = time.monotonic()
    # the PBX view catches up through resumes, pushes and its polls
    try:
        wait_until(lambda: fleet.pbx_people() == fleet.registrar_people(since), 60,
                   "PBX view = registrar", interval=0.5)
        view_ok = True
    except AssertionError:
        view_ok = False
    t_view = time.monotonic()
    time.sleep(2)
    sampler.stop()
    now = settled(fleet, expected, since) or {}
    lost = sorted(i for i in expected if now.get(i) != fleet.identity(i, expected[i]))
    view_diff = [i for i, e in fleet.pbx_people().items()
                 if e != fleet.registrar_people(since).get(i)]
    # each phone's first accepted REGISTER as the identity it ended with
    first = {}
    for t, i, user in sampler.reg_ok:
        if user == now.get(i) and i not in first:
            first[i] = t
    back = sorted(t - t_phones for t in first.values())
    registers = sum(c["register"] for _, c in sampler.samples)
    reg_rate = sampler.per_second("register", t_phones)
    pbx_rate = sampler.per_second("pbx", t_phones)
    errors = sum(1 for r in sampler.pbx_reqs if not is_ok(r[3]))
    retries, retry_kinds = retry_lines(fleet, marks)
    swap_failed = sum(1 for ph in fleet.phones if "SwapFailed" in tail_since(ph, marks))
    res = {"mode": mode, "servers_down": outage_s is not None, "ok": ok, "view_ok": view_ok,
           "outage_s": outage_s, "spawn_s": t_spawned - t_phones,
           "servers_up_s": t_up - t_phones, "all_back_s": t_all - t_phones,
           "all_back_after_servers_s": t_all - t_up, "view_match_s": t_view - t_phones,
           "people": len(expected), "people_lost": len(lost), "swap_failed": swap_failed,
           "view_differs_at": view_diff, "back_times_s": back, "registers": registers,
           "registers_min": 2 * fleet.n, "reg_rate": reg_rate,
           "peak_register_per_s": max((c for _, c in reg_rate), default=0),
           "pbx_rate": pbx_rate, "peak_pbx_per_s": max((c for _, c in pbx_rate), default=0),
           "pbx_requests": len(sampler.pbx_reqs), "pbx_errors": errors,
           "pbx_by_kind": count_by(sampler.pbx_reqs, lambda r: "%s %s" % (r[2], r[3])),
           "retry_lines": retries, "retry_kinds": retry_kinds}
    say("phones spawned in %.1f s; servers up at %.1f s; every phone registered again at "
        "%.1f s (%.1f s after the servers were up; median phone %.1f s, p90 %.1f s); "
        "PBX view = registrar at %.1f s%s"
        % (res["spawn_s"], res["servers_up_s"], res["all_back_s"],
           res["all_back_after_servers_s"], pctl(back, 0.5), pctl(back, 0.9),
           res["view_match_s"], "" if view_ok else " (NOT MET at %d phones)" % len(view_diff)))
    say("people: %d of %d came back as their pool instead (restore swap failed: %d phones)"
        % (len(lost), len(expected), swap_failed))
    say("REGISTERs at kamailio: %d (%d would do: one challenged + one authenticated per phone); "
        "peak %d/s; PBX requests %d, peak %d/s, errors %d; retry lines in the phones' logs %d %s"
        % (registers, 2 * fleet.n, res["peak_register_per_s"], res["pbx_requests"],
           res["peak_pbx_per_s"], errors, retries, json.dumps(retry_kinds)))
    say("PBX requests by kind: %s" % json.dumps(res["pbx_by_kind"]))
    if lost:  # log them in again, so that the next power cut starts from the same desks
        login_until_done(fleet, expected, only=set(lost))
        fleet.wait_identities(expected, timeout=120)
        wait_until(lambda: fleet.pbx_people() == fleet.registrar_people(), 60,
                   "PBX view = registrar after logging the lost people in", interval=0.5)
    return res


def tail_since(ph, marks):
    try:
        with open(ph.log_path, "rb") as f:
            f.seek(marks.get(ph.i, 0))
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


def count_by(items, key):
    out = {}
    for x in items:
        k = key(x)
        out[k] = out.get(k, 0) + 1
    return out


def latency_lines(fleet, marks):
    """[(phone, ms)] from hotdeskd's "login latency" lines after marks."""
    out = []
    for ph in fleet.phones:
        with open(ph.log_path, "rb") as f:
            f.seek(marks.get(ph.i, 0))
            for line in f.read().decode("utf-8", "replace").splitlines():
                if "login latency" in line:
                    out.append((ph.i, float(line.rsplit(" ", 2)[-2])))
    return out


def logout_all(fleet, expected):
    with ThreadPoolExecutor(max_workers=16) as ex:
        list(ex.map(fleet.logout, sorted(expected)))
    expected.clear()
    fleet.wait_identities(expected)


def idle_logins(fleet, rounds):
    """One login at a time on an idle fleet: [ms] (hotdeskd's login latency line)."""
    out = []
    rng = random.Random(7)
    for k in range(rounds):
        i = rng.randrange(fleet.n)
        ext = fleet.people[k % len(fleet.people)].ext
        marks = log_marks(fleet)
        fleet.login(i, ext)
        fleet.wait_identities({i: ext}, timeout=20)
        lat = latency_lines(fleet, marks)
        out += [ms for _, ms in lat]
        fleet.logout(i)
        fleet.wait_identities({}, timeout=20)
    return out


class BindingWatcher:
    """kamailio's bindings per phone, read every `period` s by one thread (so that 200
    waiting logins do not each query the location table)."""

    def __init__(self, fleet, period=0.3):
        self.f = fleet
        self.period = period
        self.cond = threading.Condition()
        self.snap = fleet.bindings_by_phone()
        self._stop = False
        self._thread = threading.Thread(target=self._run, daemon=True, name="bindings")
        self._thread.start()

    def _run(self):
        while not self._stop:
            time.sleep(self.period)
            snap = self.f.bindings_by_phone()
            with self.cond:
                self.snap = snap
                self.cond.notify_all()

    def wait(self, i, ext, timeout):
        want = [self.f.identity(i, ext)]
        deadline = time.monotonic() + timeout
        with self.cond:
            while self.snap[i] != want:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("phone %d not %s after %.0f s (bound: %r)"
                                         % (i, want[0], timeout, self.snap[i]))
                self.cond.wait(left)

    def stop(self):
        self._stop = True
        self._thread.join()


def rush(fleet, seconds, roam_share, seed=15):
    """Every person logs in on a random free phone, at a random time (uniform) within
    `seconds`; roam_share of them log in again on another free phone 2-10 s after their
    first login is done (the PBX logs them out of the first phone, which is free again
    once it is its pool). A login waits for a free phone; a roam that finds none within
    10 s is dropped (counted). One thread per login."""
    n_people = min(len(fleet.people), fleet.n)
    rng = random.Random(seed)
    people = [p.ext for p in fleet.people[:n_people]]
    rng.shuffle(people)
    roamers = set(rng.sample(people, int(roam_share * n_people)))
    # roamers sit early, so that their roam finds phones still free
    sits = sorted(rng.uniform(0, seconds * (0.5 if ext in roamers else 1.0))
                  for ext in people)
    actions = sorted(zip(sits, people))
    lock = threading.Lock()
    free = set(range(fleet.n))   # phones nobody sits at and no login is under way on
    seat = {}                    # ext -> phone, once registered there
    errors, dropped, roams_done = [], [], []
    marks = log_marks(fleet)
    watch = BindingWatcher(fleet)

    def take_free(give_up=None):
        while True:
            with lock:
                if free:
                    i = rng.choice(sorted(free))
                    free.discard(i)
                    return i
            if give_up is not None and time.monotonic() > give_up:
                return None
            time.sleep(0.1)

    def login(i, ext):
        fleet.login(i, ext)
        watch.wait(i, ext, 60)
        with lock:
            old = seat.get(ext)
            seat[ext] = i
        return old

    def act(ext):
        try:
            login(take_free(), ext)
            if ext not in roamers:
                return
            time.sleep(rng.uniform(2, 10))
            i = take_free(give_up=time.monotonic() + 10)
            if i is None:
                dropped.append(ext)
                return
            old = login(i, ext)
            roams_done.append(ext)
            watch.wait(old, None, 60)  # logged out there by the PBX: its pool again
            with lock:
                free.add(old)
        except Exception as e:  # reported, counted
            errors.append("%s: %s" % (ext, str(e)[:200]))

    t0 = time.monotonic()
    threads = []
    try:
        for t, ext in actions:
            time.sleep(max(0.0, t0 + t - time.monotonic()))
            th = threading.Thread(target=act, args=(ext,), daemon=True)
            th.start()
            threads.append(th)
        for th in threads:
            th.join(timeout=max(1.0, t0 + seconds + 120 - time.monotonic()))
    finally:
        watch.stop()
    t_done = time.monotonic() - t0
    expected = {i: ext for ext, i in seat.items()}
    lat = [ms for _, ms in latency_lines(fleet, marks)]
    return {"people": n_people, "roams": len(roams_done), "roams_dropped": len(dropped),
            "logins": n_people + len(roams_done), "window_s": seconds, "done_s": t_done,
            "errors": errors, "latencies_ms": lat}, expected


def check_end_state(fleet, expected):
    """The end-state checks of test_fleet: [problem] (empty: all well)."""
    problems = []
    bad = fleet.mismatches(expected)
    if bad:
        problems.append("phones not as expected: %r" % dict(list(bad.items())[:10]))
    aors = fleet.contacts_by_aor()
    for p in fleet.people:
        phones = aors.get(p.ext, [])
        if len(phones) > 1:
            problems.append("%s bound at %d contacts: %r" % (p.ext, len(phones), phones))
    try:
        wait_until(lambda: fleet.pbx_people() == fleet.registrar_people(), 30,
                   "PBX view = registrar", interval=0.5)
    except AssertionError:
        pv, rv = fleet.pbx_people(), fleet.registrar_people()
        problems.append("PBX view != registrar at %r" % [i for i in pv if pv[i] != rv[i]][:10])
    return problems


def polled_stamps(fleet):
    return {mac: d.get("polled") for mac, d in fleet.pbx_view().items()}


def steady(fleet, seconds, changes):
    """CPU and wake-ups over `seconds` with the PBX polling; polls counted from the view's
    `polled` stamps (sampled every second: a phone is polled at most once a sweep)."""
    pids = {ph.i: ph.hotdeskd.pid for ph in fleet.phones}
    bpids = {ph.i: ph.baresip.proc.pid for ph in fleet.phones}
    pbx_pid = fleet.pbx.pid
    kam = tree_pids(fleet.reg.proc.pid)
    a_cpu = {i: proc_cpu(p) for i, p in pids.items()}
    a_sw = {i: proc_switches(p) for i, p in pids.items()}
    b_sw = {i: proc_switches(p) for i, p in bpids.items()}
    a_pbx = proc_cpu(pbx_pid)
    a_kam = sum(proc_cpu(p) for p in kam)
    views = 0
    last = polled_stamps(fleet)
    polls = 0
    t0 = time.monotonic()
    while time.monotonic() - t0 < seconds:
        time.sleep(1.0)
        now = polled_stamps(fleet)
        views += 1
        polls += sum(1 for mac, s in now.items() if s != last.get(mac) and s is not None)
        last = now
    dt = time.monotonic() - t0
    cpu = {i: proc_cpu(p) - a_cpu[i] for i, p in pids.items()}
    sw = {i: proc_switches(p) - a_sw[i] for i, p in pids.items()}
    bsw = {i: proc_switches(p) - b_sw[i] for i, p in bpids.items()}
    pbx_cpu = proc_cpu(pbx_pid) - a_pbx
    kam_cpu = sum(proc_cpu(p) for p in kam) - a_kam
    per_phone_polls = polls / fleet.n
    res = {"seconds": dt, "polls": polls, "view_requests": views, "pbx_cpu_s": pbx_cpu,
           "kamailio_cpu_s": kam_cpu,
           "pbx_cpu_ms_per_poll": 1000 * pbx_cpu / polls if polls else None,
           "hotdeskd_cpu_s_median": statistics.median(cpu.values()),
           "hotdeskd_cpu_ms_per_poll": (1000 * statistics.median(cpu.values()) / per_phone_polls
                                         if polls else None),
           "hotdeskd_wakeups_per_min_median": statistics.median(sw.values()) * 60 / dt,
           "baresip_wakeups_per_min_median": statistics.median(bsw.values()) * 60 / dt}
    return res


def push_per_change(fleet, rounds):
    """Logins and logouts one at a time on a quiet fleet: PBX requests per change."""
    sampler = Sampler(fleet).start()
    rng = random.Random(3)
    changes = 0
    for k in range(rounds):
        i = rng.randrange(fleet.n)
        ext = fleet.people[k].ext
        fleet.login(i, ext)
        fleet.wait_identities({i: ext}, timeout=20)
        time.sleep(1.0)
        fleet.logout(i)
        fleet.wait_identities({}, timeout=20)
        time.sleep(1.0)
        changes += 2
    sampler.stop()
    kinds = count_by(sampler.pbx_reqs, lambda r: "%s %s %s" % (r[1], r[2], r[3]))
    pushes = sum(v for k, v in kinds.items() if k.startswith("POST status"))
    # the size of one status document (what a push carries), from a phone's endpoint
    ph = fleet.phones[0]
    status, body = https_json(ph.status_url + "/status", token=ph.status_token, ca=fleet.ca)
    size = len(json.dumps(body)) if status == 200 else None
    return {"changes": changes, "requests": kinds, "pushes": pushes,
            "pushes_per_change": pushes / changes, "status_doc_bytes": size}


def memory(fleet):
    rss, pss, hd_rss, hd_pss, b_rss, b_pss = [], [], [], [], [], []
    for ph in fleet.phones:
        r1, p1 = proc_mem(ph.hotdeskd.pid)
        r2, p2 = proc_mem(ph.baresip.proc.pid)
        rss.append(r1 + r2)
        hd_rss.append(r1)
        b_rss.append(r2)
        if p1 is not None and p2 is not None:
            pss.append(p1 + p2)
            hd_pss.append(p1)
            b_pss.append(p2)
    kam = sum(proc_mem(p)[1] or 0 for p in tree_pids(fleet.reg.proc.pid))
    pbx_rss, pbx_pss = proc_mem(fleet.pbx.pid)
    med = lambda xs: statistics.median(xs) if xs else None
    return {"pair_rss_kb": med(rss), "pair_pss_kb": med(pss), "hotdeskd_rss_kb": med(hd_rss),
            "hotdeskd_pss_kb": med(hd_pss), "baresip_rss_kb": med(b_rss),
            "baresip_pss_kb": med(b_pss), "kamailio_pss_kb": kam, "pbx_rss_kb": pbx_rss,
            "pbx_pss_kb": pbx_pss, "mem_available_mb": meminfo("MemAvailable")}


# ---------------------------------------------------------------------------- plots

def plot(results, outdir):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        say("plots skipped: matplotlib is missing for %s (run with /usr/bin/python3, which "
            "has Debian's python3-matplotlib, or --plot-only RESULTS.json later)" % sys.executable)
        return []
    os.makedirs(outdir, exist_ok=True)
    made = []
    cuts = results.get("power_cut", [])
    if cuts:
        fig, (ax1, ax2, ax3) = plt.subplots(3, 1, figsize=(8, 8.5), sharex=True)
        for r in cuts:
            label = "retry_jitter %s, %s" % (r["mode"], "servers back at %.0f s" % r["servers_up_s"]
                                             if r.get("servers_down") else "servers up")
            back = r["back_times_s"]
            ax1.step([0] + back, range(len(back) + 1), where="post", label=label)
            ax2.plot([s for s, _ in r["reg_rate"]], [c for _, c in r["reg_rate"]], label=label,
                     drawstyle="steps-post")
            ax3.plot([s for s, _ in r["pbx_rate"]], [c for _, c in r["pbx_rate"]], label=label,
                     drawstyle="steps-post")
        ax1.set_ylabel("phones registered again")
        ax1.set_title("Power cut, %d phones (half with a person); the bench starts the phones' "
                      "processes from 0 s on\n(spawn of all: %s s; legend: when kamailio and the "
                      "PBX were started again)" % (results["n"], "/".join(
                          "%.0f" % r["spawn_s"] for r in cuts)), fontsize=9)
        ax3.set_xlim(0, max(r["all_back_s"] for r in cuts) + 8)
        ax1.legend(loc="lower right", fontsize=8)
        ax2.set_ylabel("REGISTERs/s at kamailio")
        ax3.set_ylabel("requests/s at the PBX")
        ax3.set_xlabel("seconds since the phones were powered on (started)")
        ax2.legend(loc="upper right", fontsize=8)
        fig.tight_layout()
        path = os.path.join(outdir, "scale-powercut.png")
        fig.savefig(path, dpi=100)
        plt.close(fig)
        made.append(path)
    r = results.get("rush")
    if r and r.get("latencies_ms") and results.get("idle_ms"):
        fig, ax = plt.subplots(figsize=(8, 4))
        for xs, label in ((results["idle_ms"], "idle fleet (one login at a time)"),
                          (r["latencies_ms"], "rush (%d logins in %d s)"
                           % (r["logins"], r["window_s"]))):
            xs = sorted(xs)
            ax.step(xs, [(k + 1) / len(xs) for k in range(len(xs))], where="post", label=label)
        ax.set_xscale("log")
        ax.set_xlabel("login latency, last PIN key -> REGISTER_OK (ms, log scale)")
        ax.set_ylabel("share of logins")
        ax.set_title("Morning rush, %d phones" % results["n"], fontsize=10)
        ax.legend(loc="lower right")
        ax.grid(True, which="both", alpha=0.3)
        fig.tight_layout()
        path = os.path.join(outdir, "scale-rush.png")
        fig.savefig(path, dpi=100)
        plt.close(fig)
        made.append(path)
    for p in made:
        say("plot: " + p)
    return made


# ---------------------------------------------------------------------------- main

def run(args):
    results = {"n": args.n, "started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())}
    results["preflight"] = preflight(args.n)
    results["pbx_backlog"] = args.pbx_backlog
    if args.pbx_backlog:  # the same PBX, with a longer listen queue (bench/pbx_backlog.py)
        os.environ["HOTDESK_PBX_BACKLOG"] = str(args.pbx_backlog)
        harness.PBX_PY = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                      "pbx_backlog.py")
        say("the PBX listens with a queue of %d (tests/pbx/pbx.py as shipped: 5)"
            % args.pbx_backlog)
    scenarios = set(args.scenarios.split(","))
    d = tempfile.mkdtemp(prefix="hotdesk-fleet-bench-")
    f = Fleet(d, args.n, people=args.n, pbx_poll=args.poll,
              hotdesk_opts={"register_retry_ms": str(args.register_retry_ms)})
    try:
        t0 = time.monotonic()
        say("starting %d phones in %s ..." % (args.n, d))
        f.start(timeout=600)
        results["start_s"] = time.monotonic() - t0
        say("%d phones registered as their pool in %.1f s" % (args.n, results["start_s"]))
        results["memory_idle"] = memory(f)
        say("memory per phone pair (median): RSS %s kB, Pss %s kB"
            % (results["memory_idle"]["pair_rss_kb"], results["memory_idle"]["pair_pss_kb"]))

        # half the phones get a person (16 logins at a time)
        rng = random.Random(15)
        desks = rng.sample(range(args.n), args.n // 2)
        expected = {i: f.people[k].ext for k, i in enumerate(desks)}
        results["setup_login_attempts"] = login_until_done(f, expected)
        say("%d people logged in (attempts: %s)" % (len(expected),
                                                    results["setup_login_attempts"]))

        if "cut" in scenarios:
            power_cuts(f, expected, args, results)

        if "steady" in scenarios:
            say("\n== steady state, polls every %.0f s, %.0f s" % (args.poll, args.steady))
            results["steady"] = steady(f, args.steady, 0)
            say(json.dumps(results["steady"]))
            results["memory_busy"] = memory(f)

        if "rush" in scenarios:
            logout_all(f, expected)
            say("\n== idle logins (one at a time), %d" % args.idle_logins)
            results["idle_ms"] = idle_logins(f, args.idle_logins)
            say("idle login latency: median %.1f ms, p99 %.1f ms" % (
                statistics.median(results["idle_ms"]), pctl(results["idle_ms"], 0.99)))
            say("\n== push traffic per change (%d logins + logouts)" % args.push_rounds)
            results["push"] = push_per_change(f, args.push_rounds)
            say(json.dumps(results["push"]))
            say("\n== morning rush: %d people within %.0f s, %.0f%% of them roaming"
                % (args.n, args.rush, 100 * args.roam))
            results["rush"] = morning_rush(f, args)
            # ADMIN PAGE SCREENSHOT HOOK (issue 15): the fleet is up here with 200 devices,
            # most of them with a person; the admin page's screenshot at 200 devices
            # (tests/pbx, branch i15a) would be taken here against f.pbx_url with
            # f.admin_token.

        if "steady" in scenarios:
            say("\n== steady state without polls (the PBX restarted with --poll 0), %.0f s"
                % args.steady)
            f.pbx.stop()
            f.pbx_poll = 0
            f.start_pbx()
            time.sleep(2)
            results["steady_no_poll"] = steady(f, args.steady, 0)
            say(json.dumps(results["steady_no_poll"]))
    finally:
        f.stop()
        if args.keep:
            say("kept: " + d)
        else:
            shutil.rmtree(d, True)
    results["load_after"] = os.getloadavg()
    return results


def login_until_done(f, expected, only=None, workers=16, rounds=5):
    """Log every {phone: ext} of `expected` (or of its phones in `only`) in, `workers` at a
    time; a login the phone did not finish (e.g. "Login server unreachable") is typed
    again, up to `rounds` times. Returns the number of logins typed per round."""
    attempts = []
    todo = sorted((i, ext) for i, ext in expected.items() if only is None or i in only)
    for _ in range(rounds):
        if not todo:
            break
        attempts.append(len(todo))
        with ThreadPoolExecutor(max_workers=workers) as ex:
            list(ex.map(lambda kv: f.login(*kv), todo))
        try:
            f.wait_identities(expected, timeout=60)
        except AssertionError:
            pass
        bad = f.mismatches(expected)
        todo = [(i, expected[i]) for i in sorted(bad) if i in expected]
    f.wait_identities(expected, timeout=60)
    return attempts


def power_cuts(f, expected, args, results):
    supported, why = jitter_supported(f)
    modes = ["on", "off"] if supported else [None]
    if not supported:
        say("hotdeskd has no retry_jitter key (%s): one power cut with its built-in backoff"
            % why)
    results["power_cut"] = []
    if supported:  # the phones alone (the servers stay up)
        results["power_cut"].append(power_cut(f, expected, None, "on", args.cut_timeout))
    for _ in range(args.cuts):
        for mode in modes:
            results["power_cut"].append(power_cut(f, expected, args.outage, mode,
                                                  args.cut_timeout))
    if supported:
        set_jitter(f, "on")  # later restarts as shipped
    problems = check_end_state(f, expected)
    results["power_cut_end_state"] = problems
    say("after the power cuts: %s" % ("; ".join(problems) or "end state right"))


def morning_rush(f, args):
    sampler = Sampler(f).start()
    r, expected = rush(f, args.rush, args.roam)
    sampler.stop()
    t0 = sampler.samples[0][0] if sampler.samples else 0
    r["reg_rate"] = sampler.per_second("register", t0)
    r["pbx_rate"] = sampler.per_second("pbx", t0)
    r["peak_register_per_s"] = max((c for _, c in r["reg_rate"]), default=0)
    r["peak_pbx_per_s"] = max((c for _, c in r["pbx_rate"]), default=0)
    r["pbx_errors"] = sum(1 for x in sampler.pbx_reqs if not is_ok(x[3]))
    r["pbx_by_kind"] = count_by(sampler.pbx_reqs, lambda x: "%s %s" % (x[2], x[3]))
    r["problems"] = check_end_state(f, expected)
    lat = r["latencies_ms"]
    say("rush: %d logins (%d roams, %d roams dropped: no free phone) done in %.1f s; "
        "latency median %.1f ms, p99 %.1f ms, max %.1f ms (n=%d); peak %d REGISTERs/s, "
        "%d PBX requests/s, PBX errors %d; errors %d %s; end state: %s"
        % (r["logins"], r["roams"], r["roams_dropped"], r["done_s"],
           statistics.median(lat) if lat else -1, pctl(lat, 0.99), max(lat, default=-1),
           len(lat), r["peak_register_per_s"], r["peak_pbx_per_s"], r["pbx_errors"],
           len(r["errors"]), r["errors"][:3], "; ".join(r["problems"]) or "right"))
    say("PBX requests by kind: %s" % json.dumps(r["pbx_by_kind"]))
    return r


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", type=int, default=200, help="phones (default 200)")
    ap.add_argument("--poll", type=float, default=5, help="PBX polls every phone every N s")
    ap.add_argument("--outage", type=float, default=5,
                    help="kamailio and the PBX come back N s after the phones")
    ap.add_argument("--cuts", type=int, default=1, help="power cuts per jitter mode")
    ap.add_argument("--cut-timeout", type=float, default=240)
    ap.add_argument("--register-retry-ms", type=int, default=10000,
                    help="hotdeskd's register_retry_ms on every phone")
    ap.add_argument("--rush", type=float, default=60, help="rush window, s")
    ap.add_argument("--roam", type=float, default=0.1, help="share of people who roam")
    ap.add_argument("--idle-logins", type=int, default=20)
    ap.add_argument("--push-rounds", type=int, default=5)
    ap.add_argument("--steady", type=float, default=60, help="steady-state window, s")
    ap.add_argument("--scenarios", default="cut,steady,rush",
                    help="comma list of cut, steady, rush (default: all)")
    ap.add_argument("--pbx-backlog", type=int, default=128,
                    help="the PBX's listen queue (0: tests/pbx/pbx.py as shipped, 5)")
    ap.add_argument("--keep", action="store_true", help="keep the work directory (logs)")
    ap.add_argument("--json", help="write the results here")
    ap.add_argument("--plots", help="write PNGs into this directory")
    ap.add_argument("--plot-only", help="plot a results JSON of an earlier run")
    args = ap.parse_args()
    if args.plot_only:
        with open(args.plot_only) as f:
            plot(json.load(f), args.plots or ".")
        return 0
    t0 = time.monotonic()
    results = run(args)
    results["bench_s"] = time.monotonic() - t0
    say("\nbench took %.0f s" % results["bench_s"])
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
        say("results: " + args.json)
    if args.plots:
        plot(results, args.plots)
    return 0


if __name__ == "__main__":
    sys.exit(main())
