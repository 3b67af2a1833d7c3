#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Login latency in the PBX login flow vs the local flow (ctest `bench.pbx_flow`, label
`bench`; not part of scripts/test). Issue 13's "Figures for the note".

Two worlds run side by side for the whole run, and the rounds alternate between them (one PBX
round, one local round, N times), so both see the same machine load:

  pbx    World(pbx_flow=True): hotdeskd, kamailio, the reference PBX with its IVR (a real
         baresip). `*77*100*` is a call to the IVR; once the call is up ("Connected") the PIN
         and `#` are typed on the keypad (RFC 4733 DTMF in the call, a person's pace); the
         IVR checks the PIN, hangs up, rewrites the device profile and POSTs /resync to the
         phone; hotdeskd fetches the profile and swaps make-before-break. The logout key
         (`{blf1}`, the PBX's `*77*5*`) hands the phone back before the next round.
  local  a plain World: `*77*100*` + PIN + `#` -> HTTPS login -> swap, as bench/login_bench.py.

Figure: the `#` key -> 100 registered (hotdeskd handles the REGISTER_OK of 100 in its swap:
"accounts: registering -> removing on RegisterOk"; the local flow's own "login latency" line
ends there too). The PBX flow is split at:

  ivr      `#` -> the PBX's resync reaching the phone: the DTMF in baresip's sender and on the
           wire, the PIN check, the IVR's hang-up (hotdeskd's "call N: ... -> closed": the
           BYE at the phone), then the PBX's POST /resync. hotdeskd logs no line for a
           resync (its status endpoint's access log is off, and not configurable); the
           point is the TCP SYN of the PBX's connection to hotdeskd's status port, taken
           with the kernel's timestamp (AF_PACKET, needs CAP_NET_RAW; the PBX's 1 Hz poll
           of that port is off here, so the resyncs are its only connections). The PBX
           logs "ivr: resync <mac>: phone answered 202" (no time): counted at the end.
  fetch    SYN -> "agent: device profile applied": TLS handshake, POST /resync answered
           202, GET profile.xml from the PBX, parse, apply
  swap     applied -> REGISTER_OK of 100: the session's Provisioned, the password check at
           the registrar, uanew, REGISTER (401, REGISTER, 200 OK). Also shown: `#` -> the
           session logged-in (the pool's uadel done) and the binding seen at kamailio.

Clocks: hotdeskd stamps each log line `hotdeskd[<s>.<ms>]` with std::chrono::steady_clock,
which is CLOCK_MONOTONIC on Linux (libstdc++), the clock of Python's time.monotonic(). So the
bench's time of the `#` key and hotdeskd's log times need no offset; the log's stamp is cut to
the millisecond (up to 1 ms early). Checked every round: `#` (the bench, just before writing
the key) -> hotdeskd's `sndcode` of it in its log (PBX), and hotdeskd's own "login latency"
figure against `#` -> that line's stamp (local); both must stay within a ms or two. Packet
stamps are CLOCK_REALTIME: converted with CLOCK_REALTIME - CLOCK_MONOTONIC read just before
each `#` (the tightest of 5 reads).

    python3 bench/pbx_flow_bench.py [-n 50] [--pace 0.15]
"""

import argparse
import ctypes
import os
import re
import shutil
import socket
import statistics
import struct
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))

from login_bench import stats  # noqa: E402
from world import MAC, USERS, World  # noqa: E402
from harness import wait_until  # noqa: E402

LINE = re.compile(r"^hotdeskd\[(\d+)\.(\d{3})\] \w+: (.*)$")

SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)  # <asm-generic/socket.h>
SO_ATTACH_FILTER = 26  # <asm-generic/socket.h>
PACKET_OUTGOING = 4  # <linux/if_packet.h>
ETH_P_ALL = 0x0003  # <linux/if_ether.h>


def capture_filter(port):
    """Classic BPF (linux/filter.h), run on the IPv4 header (AF_PACKET, SOCK_DGRAM), first
    fragments only; it keeps (a) TCP to `port` with SYN and no ACK, (b) the first RTP packet
    of an RFC 4733 `#` (UDP length 24: a 4-byte event payload; marker bit; event 11). All
    else is dropped in the kernel, so the capture costs nothing per RTP audio packet."""
    return [(0x30, 0, 0, 0), (0x54, 0, 0, 0xf0), (0x15, 0, 18, 0x40),  # 0 IPv4
            (0x28, 0, 0, 6), (0x45, 16, 0, 0x1fff),                    # 3 first fragment
            (0xb1, 0, 0, 0),                                           # 5 X = IP header len
            (0x30, 0, 0, 9), (0x15, 0, 5, 6),                          # 6 TCP, else 13
            (0x48, 0, 0, 2), (0x15, 0, 11, port),                      # 8 dst port
            (0x50, 0, 0, 13), (0x54, 0, 0, 0x12), (0x15, 7, 8, 0x02),  # 10 SYN, no ACK
            (0x15, 0, 7, 17),                                          # 13 UDP
            (0x48, 0, 0, 4), (0x15, 0, 5, 24),                         # 14 length 24
            (0x50, 0, 0, 9), (0x45, 0, 3, 0x80),                       # 16 RTP marker
            (0x50, 0, 0, 20), (0x15, 0, 1, 11),                        # 18 event `#`
            (0x06, 0, 0, 0xffff), (0x06, 0, 0, 0)]                     # 20 keep, 21 drop


class SynCapture(threading.Thread):
    """With the kernel's timestamps (SO_TIMESTAMPNS, CLOCK_REALTIME) of packets leaving their
    sender on lo: the moments TCP connections to `port` begin (the SYN: the PBX's POST
    /resync to the phone's status endpoint), and the first RTP packet of each DTMF `#`
    (the phone's, in the IVR call; another `#` on lo in the same moment would be taken for
    it). Needs CAP_NET_RAW (as bench/call_bench.py)."""

    def __init__(self, port):
        super().__init__(daemon=True, name="syn-capture")
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(ETH_P_ALL))
        prog = b"".join(struct.pack("HBBI", *i) for i in capture_filter(port))
        self._prog = ctypes.create_string_buffer(prog)
        self.sock.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, struct.pack(
            "HL", len(prog) // 8, ctypes.addressof(self._prog)))
        self.sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        self.sock.bind(("lo", ETH_P_ALL))
        self.sock.settimeout(0.2)
        self.port = port
        self.stopping = False
        self.lock = threading.Lock()
        self.syns = []    # CLOCK_REALTIME ns
        self.hashes = []  # CLOCK_REALTIME ns
        self.start()

    def run(self):
        while not self.stopping:
            try:
                data, anc, _, addr = self.sock.recvmsg(256, 64)
            except socket.timeout:
                continue
            except OSError:
                return
            ts = next((struct.unpack("qq", d[:16]) for lvl, typ, d in anc
                       if lvl == socket.SOL_SOCKET and typ == SO_TIMESTAMPNS), None)
            if addr[2] != PACKET_OUTGOING or ts is None or len(data) < 24:
                continue  # on lo every packet passes twice: keep the outgoing copy
            ihl = (data[0] & 15) * 4
            ns = ts[0] * 1000000000 + ts[1]
            with self.lock:  # checked again: packets queued before the filter was set
                if data[9] == 6 and struct.unpack("!H", data[ihl + 2:ihl + 4])[0] == self.port:
                    self.syns.append(ns)
                elif data[9] == 17 and len(data) >= ihl + 21 and data[ihl + 20] == 11:
                    self.hashes.append(ns)

    def first_after(self, what, t_mono, offset_ns):
        """Monotonic time (s) of the first `syns` / `hashes` packet at or after t_mono, or
        None."""
        with self.lock:
            ns = [n for n in getattr(self, what) if n - offset_ns >= t_mono * 1e9]
        return (min(ns) - offset_ns) / 1e9 if ns else None

    def stop(self):
        self.stopping = True
        self.join(2)
        self.sock.close()


def realtime_offset_ns():
    """CLOCK_REALTIME - CLOCK_MONOTONIC, from the closest of 5 samples (packet stamps are
    CLOCK_REALTIME; the rest of the bench is CLOCK_MONOTONIC)."""
    best = None
    for _ in range(5):
        a = time.monotonic_ns()
        r = time.time_ns()
        b = time.monotonic_ns()
        if best is None or b - a < best[0]:
            best = (b - a, r - (a + b) // 2)
    return best[1]


class HdLog:
    """hotdeskd's log, read from where the last round left it: (monotonic s, message)."""

    def __init__(self, w):
        self.path = os.path.join(w.dir, "hotdeskd", "hotdeskd.log")
        self.offset = 0

    def mark(self):
        self.offset = os.path.getsize(self.path)

    def since_mark(self):
        with open(self.path, "rb") as f:
            f.seek(self.offset)
            text = f.read().decode("utf-8", "replace")
        out = []
        for line in text.splitlines():
            m = LINE.match(line)
            if m:
                out.append((int(m.group(1)) + int(m.group(2)) / 1000.0, m.group(3)))
        return out


def first(lines, pred, after=0.0, what="line"):
    """Time of the first log line at or after `after` whose message satisfies pred; else
    AssertionError with the round's log (hotdeskd logs no secret: the tests scan for them)."""
    for t, msg in lines:
        if t >= after and pred(msg):
            return t
    raise AssertionError("no %s in hotdeskd's log after %.3f; this round's log:\n%s" % (
        what, after, "\n".join("%.3f %s" % l for l in lines)))


def register_ok_100(lines, after):
    """hotdeskd handled the REGISTER_OK of 100 in the swap (after `swap: ... -> sip:100@`):
    the accounts owner's `registering -> removing on RegisterOk`. A REGISTER_OK that beats
    baresip's answer to `uafind` changes no state (no line); then the `uadel` of the old
    account that follows that answer marks it (a ms or two late)."""
    swap = first(lines, lambda m: m.startswith("swap: ") and " -> sip:100@" in m, after,
                 "the swap to 100")
    return first(lines, lambda m: (m.startswith("accounts: registering -> ") and
                                   m.endswith(" on RegisterOk")) or
                 m.startswith("ctrl_tcp: > uadel "), swap, "REGISTER_OK of 100")


def pbx_round(w, log, pace, cap):
    """One login through the IVR and the logout key; a dict of times in ms. cap: the
    SynCapture on the phone's status port, or None (then the resync is not timed and the
    call's close at the phone stands for it)."""
    wait_until(lambda: w.registered_as("HD0001"), 10, "pool registered")
    log.mark()
    w.keys("*77*100*")
    w.wait_screen("Connected", 5)
    for d in USERS["100"][1]:
        w.keys(d)
        time.sleep(pace)  # a person's pace; baresip sends one RFC 4733 event at a time
    offset = realtime_offset_ns()
    t_hash = time.monotonic()
    w.keys("#")
    wait_until(lambda: w.registered_as("100"), 10, "100 registered", interval=0.01)
    t_bound = time.monotonic()
    wait_until(lambda: any(m.startswith("session: logging-in -> logged-in")
                           for _, m in log.since_mark()), 5, "hotdeskd's logged-in line")
    lines = log.since_mark()
    # hotdeskd's time of the `#`: its `sndcode` to baresip (the digit is never logged);
    # from 2 ms before t_hash, for the stamp's truncation
    hash_log = first(lines, lambda m: m.startswith("ctrl_tcp: > sndcode "), t_hash - 0.002,
                     "the sndcode of the # key")
    # the IVR's BYE at the phone: baresip's CALL_CLOSED, hotdeskd's "call 1: ... -> closed"
    closed = first(lines, lambda m: m.startswith("call ") and " -> closed on " in m, t_hash,
                   "the IVR call closed")
    # the PBX's POST /resync reaching the phone: its TCP SYN to the status endpoint (hotdeskd
    # logs no line for a resync; its debug "connection closed" line can come after the
    # fetch it started)
    resync = cap.first_after("syns", t_hash, offset) if cap else closed
    if resync is None:
        raise AssertionError("no connection to the phone's status endpoint after the #")
    # the `#` leaving the phone as RFC 4733 (after the digits queued before it)
    on_wire = cap.first_after("hashes", t_hash, offset) if cap else None
    if on_wire is not None and on_wire > closed:
        on_wire = None
    applied = first(lines, lambda m: m.startswith("agent: device profile applied"), resync,
                    "profile applied")
    registered = register_ok_100(lines, applied)
    logged_in = first(lines, lambda m: m.startswith("session: logging-in -> logged-in"),
                      applied, "logged-in")
    w.keys("{blf1}")
    wait_until(lambda: w.registered_as("HD0001"), 10, "pool registered again")
    ms = lambda a, b: (b - a) * 1000.0  # noqa: E731
    return {"total": ms(t_hash, registered), "ivr": ms(t_hash, resync),
            "fetch": ms(resync, applied), "swap": ms(applied, registered),
            "logged_in": ms(t_hash, logged_in), "binding": ms(t_hash, t_bound),
            "align": ms(t_hash, hash_log), "hangup": ms(t_hash, closed),
            "after_hangup": ms(closed, resync),
            "wire": ms(t_hash, on_wire) if on_wire else None,
            "wire_to_hangup": ms(on_wire, closed) if on_wire else None}


def local_round(w, log):
    """One login as bench/login_bench.py's bench_hotdesk does it; times in ms."""
    wait_until(lambda: w.registered_as("HD0001"), 10, "pool registered")
    log.mark()
    w.keys("*77*100*")
    w.wait_screen("PIN for 100")
    t_hash = time.monotonic()
    w.keys(USERS["100"][1] + "#")
    wait_until(lambda: w.registered_as("100"), 5, "100 registered", interval=0.01)
    t_bound = time.monotonic()
    wait_until(lambda: any("login latency" in m for _, m in log.since_mark()), 5,
               "hotdeskd's login latency line")
    lines = log.since_mark()
    t_lat, msg = next((t, m) for t, m in lines if "login latency" in m)
    own = float(msg.rsplit(" ", 2)[-2])  # "... REGISTER_OK) 123 ms"
    registered = register_ok_100(lines, t_hash)
    w.keys("{blf1}")
    wait_until(lambda: w.registered_as("HD0001"), 5, "pool registered again")
    return {"total": own, "bench_total": (registered - t_hash) * 1000.0,
            "align": (t_lat - t_hash) * 1000.0 - own, "binding": (t_bound - t_hash) * 1000.0}


def load():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def row(name, xs, digits=0):
    m, p = stats(xs)
    f = "%%.%df" % digits
    return ("| %s | %d | " + " | ".join([f] * 4) + " |") % (name, len(xs), m, p, min(xs), max(xs))


def start_capture(port):
    try:
        return SynCapture(port)
    except PermissionError:
        print("no CAP_NET_RAW: the resync is not timed; the IVR's hang-up stands for it",
              file=sys.stderr)
        return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=50)
    ap.add_argument("--pace", type=float, default=0.15,
                    help="seconds between PIN keys typed in the IVR call (default 0.15)")
    ap.add_argument("--keep", action="store_true", help="keep the worlds' logs (printed path)")
    args = ap.parse_args()
    d = tempfile.mkdtemp(prefix="hotdesk-bench-flow-")
    # Both worlds alike: hotdeskd at log level debug (the `sndcode` and the accounts owner's
    # RegisterOk lines are debug), the PBX's 1 Hz poll of the phone's status endpoint off
    # (a real 3CX has none; its connections would mix with the resync's).
    opts = {"pbx_poll": 0, "log_level": "debug"}
    pbx_w = World(os.path.join(d, "pbx"), pbx_flow=True, **opts)
    local_w = World(os.path.join(d, "local"), **opts)
    os.makedirs(pbx_w.dir)
    os.makedirs(local_w.dir)
    pbx, local, cap = [], [], None
    load_before = load()
    try:
        pbx_w.start()
        local_w.start()
        pbx_log, local_log = HdLog(pbx_w), HdLog(local_w)
        cap = start_capture(pbx_w.status_port)
        for _ in range(args.n):
            pbx.append(pbx_round(pbx_w, pbx_log, args.pace, cap))
            local.append(local_round(local_w, local_log))
        # The PBX's side of every resync: its log line, one per login and one per logout.
        answered = pbx_w.pbx.log().count("ivr: resync %s: phone answered 202" % MAC)
    finally:
        if cap:
            cap.stop()
        pbx_w.stop()
        local_w.stop()
        if args.keep:
            print("logs kept in " + d)
        else:
            shutil.rmtree(d, True)
    report(args, pbx, local, answered, load_before, load())


def col(rows, key):
    return [r[key] for r in rows if r[key] is not None]


def table(what):
    print("\n| %s (ms) | n | median | p99 | min | max |\n|---|---:|---:|---:|---:|---:|" % what)


def report(args, pbx, local, answered, load_before, load_after):
    print("\n%d rounds each, alternating; PIN typed in the call %.2f s a key; "
          "load average before %s, after %s" % (args.n, args.pace, load_before, load_after))
    print("PBX log: %d resyncs answered 202 (%d logins + %d logouts)" % (answered, args.n, args.n))
    table("`#` -> 100 registered")
    print(row("PBX flow (IVR, resync, fetch, swap)", col(pbx, "total")))
    print(row("local flow (HTTPS login, swap; hotdeskd's figure)", col(local, "total")))
    (mp, pp), (ml, pl) = stats(col(pbx, "total")), stats(col(local, "total"))
    print("\nPBX / local: median %.1fx, p99 %.1fx" % (mp / ml, pp / pl))
    table("PBX flow part")
    print(row("IVR: `#` -> the PBX's resync reaching the phone (TCP SYN)", col(pbx, "ivr")))
    print(row("  of it: `#` -> the IVR's hang-up at the phone (call closed)", col(pbx, "hangup")))
    if col(pbx, "wire"):
        print(row("    `#` key -> its first RTP event packet leaves the phone", col(pbx, "wire")))
        print(row("    `#` on the wire -> the IVR's hang-up at the phone",
                  col(pbx, "wire_to_hangup")))
    print(row("  of it: call closed -> the resync's SYN", col(pbx, "after_hangup"), 1))
    print(row("fetch: SYN -> device profile applied (TLS, POST /resync, GET profile)",
              col(pbx, "fetch")))
    print(row("swap: applied -> REGISTER_OK of 100", col(pbx, "swap")))
    print(row("`#` -> session logged-in", col(pbx, "logged_in")))
    print(row("`#` -> binding seen at kamailio (10 ms poll)", col(pbx, "binding")))
    print(row("clock check: `#` (bench) -> hotdeskd's sndcode of it", col(pbx, "align"), 1))
    print("\nmedian share of the PBX total: IVR %.0f%%, fetch %.0f%%, swap %.0f%%" % tuple(
        100.0 * statistics.median(col(pbx, k)) / mp for k in ("ivr", "fetch", "swap")))
    table("local flow check")
    print(row("`#` (bench clock) -> REGISTER_OK of 100 (hotdeskd's log)",
              col(local, "bench_total")))
    print(row("`#` -> binding seen at kamailio (10 ms poll)", col(local, "binding")))
    print(row("clock check: (`#` -> latency line) - hotdeskd's figure", col(local, "align"), 1))

if __name__ == "__main__":
    main()
