#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Call benchmark (ctest label `bench`; not part of scripts/test).

On the test world (kamailio, the reference PBX, the phone's baresip and hotdeskd
logged in as 100) plus a peer baresip registered as 102, in one run:

  answer   the peer calls 100; `{hook_off}` written to hotdeskd's key socket
           -> the 200 OK (CSeq INVITE) leaves the phone's baresip
  dtmf     in an established call, a digit key written to the key socket
           -> the peer's CALL_DTMF_START (and the RFC 4733 event packet
           leaving the phone's baresip)

each against its floor: `accept` / `sndcode <digit>` written straight to the
phone baresip's ctrl_tcp. baresip 1.0.0 serves one ctrl_tcp client at a time
(a new connection closes hotdeskd's), so the floors run after hotdeskd has been
stopped; baresip keeps the account hotdeskd gave it.

Also timed: the `accept` / `sndcode` segment on its way into the phone's ctrl_tcp
(hotdeskd's own share), and the peer's events leaving its ctrl_tcp.

"Leaves" is the kernel's timestamp (SO_TIMESTAMPNS) of the outgoing packet on
the loopback device, read through an AF_PACKET socket: this needs CAP_NET_RAW.
Without it, only the peer's events are timed, as its client reads them
(--no-capture).

    python3 bench/call_bench.py [-n 100] [--no-capture]
"""

import argparse
import json
import os
import random
import re
import shutil
import socket
import statistics
import struct
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))

from world import USERS, World  # noqa: E402
from harness import BaresipCtrl, start_answering_point, wait_until  # noqa: E402

PEER = "102"
DIGITS = "1234567890*#"
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)  # <asm-generic/socket.h>
PACKET_OUTGOING = 4  # <linux/if_packet.h>
ETH_P_ALL, ETH_P_IP = 0x0003, 0x0800  # <linux/if_ether.h>


def stats(xs):
    xs = sorted(xs)
    p99 = xs[min(len(xs) - 1, int(round(0.99 * (len(xs) - 1))))]
    return statistics.median(xs), p99


class StampedCtrl(BaresipCtrl):
    """BaresipCtrl whose events carry their arrival time (`_t_ns`, CLOCK_REALTIME)."""

    def _dispatch(self, msg):
        msg["_t_ns"] = time.time_ns()
        super()._dispatch(msg)


class Keys:
    """One connection to hotdeskd's key socket, kept open (the world opens one a press)."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(3)
        self.sock.connect(path)
        self.reply = self.sock.makefile("rb")

    def press(self, line):
        """Write a key line; returns the CLOCK_REALTIME ns just before the write."""
        t = time.time_ns()
        self.sock.sendall((line + "\n").encode())
        if self.reply.readline().strip() != b"ok":
            raise AssertionError("hotdeskd refused keys")
        return t

    def close(self):
        self.reply.close()
        self.sock.close()


class Capture(threading.Thread):
    """UDP packets leaving a process on 127.0.0.1, with the kernel's timestamps.

    On the loopback device every packet passes twice (out, then in); only the
    outgoing copy is kept: that is the moment it leaves its sender. Outgoing
    copies reach ETH_P_ALL sockets only."""

    def __init__(self):
        super().__init__(daemon=True, name="capture")
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(ETH_P_ALL))
        self.sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        self.sock.bind(("lo", ETH_P_ALL))
        self.sock.settimeout(0.2)
        self.stopping = False
        self.lock = threading.Lock()
        self.ok_invite = {}    # Call-ID -> ns of the first 200 OK for its INVITE
        self.dtmf = []         # (ns, digit) of RFC 4733 event starts (marker bit)
        self.peer_events = []  # (ns, event) leaving the peer's ctrl_tcp
        self.sip_port = None   # the phone's SIP port
        self.commands = []     # (ns, command) sent to the phone's ctrl_tcp
        self.peer_ctrl_port = None
        self.phone_ctrl_port = None
        self.start()

    def run(self):
        while not self.stopping:
            try:
                data, anc, _, addr = self.sock.recvmsg(65535, 64)
            except socket.timeout:
                continue
            except OSError:
                return
            if addr[1] != ETH_P_IP or addr[2] != PACKET_OUTGOING or len(data) < 28:
                continue
            ts = next((struct.unpack("qq", d[:16]) for lvl, typ, d in anc
                       if lvl == socket.SOL_SOCKET and typ == SO_TIMESTAMPNS), None)
            if ts is None:
                continue
            ns = ts[0] * 1000000000 + ts[1]
            ihl = (data[0] & 15) * 4
            sport, dport = struct.unpack("!HH", data[ihl:ihl + 4])
            if data[9] == 17:
                self._udp(ns, sport, data[ihl + 8:])
            elif data[9] == 6 and sport == self.peer_ctrl_port:
                self._ctrl(ns, data[ihl + (data[ihl + 12] >> 4) * 4:])
            elif data[9] == 6 and dport == self.phone_ctrl_port:
                self._command(ns, data[ihl + (data[ihl + 12] >> 4) * 4:])

    def _udp(self, ns, sport, p):
        if sport == self.sip_port and p.startswith(b"SIP/2.0 200"):
            head = p.split(b"\r\n\r\n", 1)[0]
            if re.search(rb"\r\nCSeq:\s*\d+\s+INVITE", head, re.I):
                m = re.search(rb"\r\n(?:Call-ID|i)\s*:\s*(\S+)", head, re.I)
                if m:
                    with self.lock:
                        self.ok_invite.setdefault(m.group(1).decode(), ns)
        elif len(p) == 16 and p[0] >> 6 == 2 and p[1] & 0x80 and 96 <= p[1] & 0x7f <= 127:
            # RTP v2, marker, dynamic payload type, a 4-byte telephone-event
            # payload (RFC 4733 2.3): the first packet of a digit.
            with self.lock:
                self.dtmf.append((ns, "0123456789*#"[p[12]] if p[12] < 12 else "?"))

    def _ctrl(self, ns, p):
        """Events in a TCP segment leaving the peer's ctrl_tcp (flat JSON objects)."""
        for m in re.finditer(rb'"type"\s*:\s*"(CALL_ESTABLISHED|CALL_DTMF_START)"', p):
            start, end = p.rfind(b"{", 0, m.start()), p.find(b"}", m.end())
            try:
                ev = json.loads(p[start:end + 1])
            except ValueError:
                continue
            with self.lock:
                self.peer_events.append((ns, ev))

    def _command(self, ns, p):
        """`accept` / `sndcode` on their way into the phone's ctrl_tcp."""
        for m in re.finditer(rb'"command"\s*:\s*"(accept|sndcode)"', p):
            with self.lock:
                self.commands.append((ns, m.group(1).decode()))

    def command_after(self, t0, cmd, timeout=2.0):
        def first():
            with self.lock:
                return next((ns for ns, c in self.commands if ns >= t0 and c == cmd), None)
        return wait_until(first, timeout, cmd + " sent to the phone's ctrl_tcp", interval=0.002)

    def peer_event(self, t0, type, pred, timeout=2.0):
        def first():
            with self.lock:
                return next((ns for ns, e in self.peer_events
                             if ns >= t0 and e.get("type") == type and pred(e)), None)
        return wait_until(first, timeout, type + " leaving the peer's ctrl_tcp", interval=0.002)

    def ok_for(self, call_id, timeout=2.0):
        return wait_until(lambda: self.ok_invite.get(call_id), timeout,
                          "200 OK for %s leaving the phone" % call_id, interval=0.002)

    def dtmf_after(self, t0, digit, timeout=2.0):
        def first():
            with self.lock:
                return next((ns for ns, d in self.dtmf if ns >= t0 and d == digit), None)
        return wait_until(first, timeout, "RFC 4733 event leaving the phone", interval=0.002)

    def close(self):
        self.stopping = True
        self.join(2)
        self.sock.close()


class Bench:
    def __init__(self, w, peer, capture):
        self.w = w
        self.peer = StampedCtrl(peer.ctrl_port)
        self.cap = capture
        self.target = "sip:100@%s" % w.domain

    def ring(self):
        """The peer calls 100; returns the Call-ID once the phone rings (180 at the peer)."""
        self.peer.clear_events()
        self.peer.ok("dial", self.target)
        return self.peer.wait_event("CALL_RINGING", 5)["id"]

    def answered(self, call_id, t0, into):
        est = self.peer.wait_event("CALL_ESTABLISHED", 5, lambda e: e.get("id") == call_id)
        into["peer"].append((est["_t_ns"] - t0) / 1e6)
        if self.cap:
            into["wire"].append((self.cap.ok_for(call_id) - t0) / 1e6)
            into["cmd"].append((self.cap.command_after(t0, "accept") - t0) / 1e6)
            into["peer_wire"].append((self.cap.peer_event(
                t0, "CALL_ESTABLISHED", lambda e: e.get("id") == call_id) - t0) / 1e6)

    def closed(self, call_id):
        self.peer.wait_event("CALL_CLOSED", 5, lambda e: e.get("id") == call_id)

    def digits(self, n, send, into):
        """n digits through send(digit) -> t0; the peer must see each, in order."""
        for i in range(n):
            d = DIGITS[i % len(DIGITS)]
            time.sleep(random.uniform(0.03, 0.06))  # no lock-step with the 20 ms ptime
            self.peer.clear_events()
            t0 = send(d)
            ev = self.peer.wait_event("CALL_DTMF_START", 3)
            if ev.get("param") != d:
                raise AssertionError("peer saw a different digit (#%d)" % i)
            into["peer"].append((ev["_t_ns"] - t0) / 1e6)
            if self.cap:
                into["wire"].append((self.cap.dtmf_after(t0, d) - t0) / 1e6)
                into["cmd"].append((self.cap.command_after(t0, "sndcode") - t0) / 1e6)
                into["peer_wire"].append((self.cap.peer_event(
                    t0, "CALL_DTMF_START", lambda e: e.get("param") == d) - t0) / 1e6)
            self.peer.wait_event("CALL_DTMF_END", 3)

    # ---- through hotdeskd ----

    def hotdesk(self, n):
        w = self.w
        w.keys("*77*100*")
        w.wait_screen("PIN for 100")
        w.keys(USERS["100"][1] + "#")
        wait_until(lambda: w.registered_as("100"), 5, "100 registered")
        keys = Keys(w.key_socket)
        answer = {"peer": [], "wire": [], "peer_wire": [], "cmd": []}
        dtmf = {"peer": [], "wire": [], "peer_wire": [], "cmd": []}
        try:
            for _ in range(n):
                cid = self.ring()
                w.wait_screen("Incoming call")
                self.answered(cid, keys.press("{hook_off}"), answer)
                keys.press("{hook_on}")
                self.closed(cid)
            cid = self.ring()
            w.wait_screen("Incoming call")
            keys.press("{hook_off}")
            self.peer.wait_event("CALL_ESTABLISHED", 5)
            w.wait_screen("Connected")
            self.digits(n, keys.press, dtmf)
            keys.press("{hook_on}")
            self.closed(cid)
        finally:
            keys.close()
        return answer, dtmf

    # ---- the floor: ctrl_tcp straight, hotdeskd stopped ----

    def floor(self, n):
        w = self.w
        w.hotdeskd.stop()
        w.procs.remove(w.hotdeskd)
        phone = StampedCtrl(w.phone.ctrl_port)
        answer = {"peer": [], "wire": [], "peer_wire": [], "cmd": []}
        dtmf = {"peer": [], "wire": [], "peer_wire": [], "cmd": []}

        def cmd(c, params=""):
            t = time.time_ns()
            phone.ok(c, params)
            return t
        try:
            for _ in range(n):
                cid = self.ring()
                phone.wait_event("CALL_INCOMING", 5, lambda e: e.get("id") == cid)
                self.answered(cid, cmd("accept"), answer)
                phone.wait_event("CALL_ESTABLISHED", 5, lambda e: e.get("id") == cid)
                cmd("hangup")
                self.closed(cid)
            cid = self.ring()
            phone.wait_event("CALL_INCOMING", 5, lambda e: e.get("id") == cid)
            cmd("accept")
            self.peer.wait_event("CALL_ESTABLISHED", 5)
            phone.wait_event("CALL_ESTABLISHED", 5, lambda e: e.get("id") == cid)
            self.digits(n, lambda d: cmd("sndcode", d), dtmf)
            cmd("hangup")
            self.closed(cid)
        finally:
            phone.close()
        return answer, dtmf

    def close(self):
        self.peer.close()


def row(name, xs, floor):
    m, p = stats(xs)
    fm, fp = stats(floor)
    return "| %s | %d | %.2f | %.2f | %.2f | %.2f | %.2f× | %.2f× |" % (
        name, len(xs), m, p, fm, fp, m / fm, p / fp)


# (what is timed, the sample key, through hotdeskd, the floor)
ROWS = [
    ("answer", "cmd", "key `{hook_off}` → `accept` leaves hotdeskd for ctrl_tcp",
     "`accept` leaves the client"),
    ("answer", "wire", "key `{hook_off}` → 200 OK leaves the phone's baresip",
     "`accept` → 200 OK leaves"),
    ("answer", "peer_wire", "key `{hook_off}` → CALL_ESTABLISHED leaves the peer's ctrl_tcp",
     "`accept` → the same"),
    ("answer", "peer", "key `{hook_off}` → CALL_ESTABLISHED read by the peer's client",
     "`accept` → the same"),
    ("dtmf", "cmd", "digit key → `sndcode` leaves hotdeskd for ctrl_tcp",
     "`sndcode` leaves the client"),
    ("dtmf", "wire", "digit key → RFC 4733 event leaves the phone's baresip",
     "`sndcode` → event leaves"),
    ("dtmf", "peer_wire", "digit key → CALL_DTMF_START leaves the peer's ctrl_tcp",
     "`sndcode` → the same"),
    ("dtmf", "peer", "digit key → CALL_DTMF_START read by the peer's client",
     "`sndcode` → the same"),
]


def report(hd, fl):
    out = ["| through hotdeskd | floor (ctrl_tcp direct) | n | median ms | p99 ms "
           "| floor median | floor p99 | median ratio | p99 ratio |",
           "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    captured = bool(hd["answer"]["wire"])
    for what, key, name, floor_name in ROWS:
        xs, fs = hd[what][key], fl[what][key]
        if xs and fs and (key != "peer" or not captured):
            out.append(row("%s | %s" % (name, floor_name), xs, fs))
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=100)
    ap.add_argument("--no-capture", action="store_true",
                    help="time the peer's events only (no AF_PACKET socket)")
    args = ap.parse_args()
    capture = None
    if not args.no_capture:
        try:
            capture = Capture()
        except PermissionError:
            print("no CAP_NET_RAW: timing the peer's events only", file=sys.stderr)
    d = tempfile.mkdtemp(prefix="hotdesk-bench-")
    w = World(d)
    bench = None
    try:
        w.start()
        peer = start_answering_point(d, w.reg.port, USERS[PEER][3], user=PEER, name="peer",
                                     answermode="manual")
        w.procs.append(peer)
        wait_until(lambda: w.reg.contacts_of(PEER), 5, PEER + " registered")
        if capture:
            capture.sip_port = w.phone.sip_port
            capture.peer_ctrl_port = peer.ctrl_port
            capture.phone_ctrl_port = w.phone.ctrl_port
        bench = Bench(w, peer, capture)
        hd = dict(zip(("answer", "dtmf"), bench.hotdesk(args.n)))
        fl = dict(zip(("answer", "dtmf"), bench.floor(args.n)))
    finally:
        if bench:
            bench.close()
        w.stop()
        if capture:
            capture.close()
        shutil.rmtree(d, True)
    print("\n" + report(hd, fl))


if __name__ == "__main__":
    main()
