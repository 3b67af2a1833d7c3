#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Soak (ctest label `soak`, not in CI): N login -> roam -> logout cycles on the real
world, recording hotdeskd's RSS and open file descriptors and the registrar's
bindings every --every cycles. They must stay flat.

    python3 bench/soak.py [--cycles 10000] [--every 500]
"""

import argparse
import os
import shutil
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))

from world import USERS, World  # noqa: E402
from harness import wait_until  # noqa: E402


def rss_kb(pid):
    for line in open("/proc/%d/status" % pid):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def login(w, ext):
    w.keys("*77*%s*" % ext)
    w.wait_screen("PIN for %s" % ext)
    w.keys(USERS[ext][1] + "#")
    wait_until(lambda: w.registered_as(ext), 5, "%s registered" % ext)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cycles", type=int, default=10000)
    ap.add_argument("--every", type=int, default=500)
    args = ap.parse_args()
    d = tempfile.mkdtemp(prefix="hotdesk-soak-")
    w = World(d, pbx_poll=0, inter_digit_ms="4000")
    rows = []
    try:
        w.start()
        pid = w.hotdeskd.pid
        t0 = time.monotonic()
        for i in range(args.cycles + 1):
            if i % args.every == 0:
                rows.append((i, rss_kb(pid), len(os.listdir("/proc/%d/fd" % pid)),
                             len(w.reg.bindings()), time.monotonic() - t0))
                print("cycle %6d  rss %6d kB  fds %3d  bindings %d" % rows[-1][:4], flush=True)
            if i == args.cycles:
                break
            login(w, "100")
            login(w, "101")  # roam
            w.keys("{blf1}")
            wait_until(lambda: w.registered_as("HD0001"), 5, "pool registered")
    finally:
        w.stop()
        shutil.rmtree(d, True)
    first, last = rows[0], rows[-1]
    print("\n| cycles | RSS kB | open fds | registrar bindings |\n|---:|---:|---:|---:|")
    for r in rows:
        print("| %d | %d | %d | %d |" % r[:4])
    print("\nRSS growth %+d kB, fds %+d, bindings %+d over %d cycles (%.0f s)"
          % (last[1] - first[1], last[2] - first[2], last[3] - first[3], args.cycles, last[4]))


if __name__ == "__main__":
    main()
