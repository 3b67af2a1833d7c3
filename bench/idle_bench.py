#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Idle cost (ctest label `bench`): wake-ups and CPU time of an idle, registered
hotdeskd over a period (default 300 s), beside baresip's in the same run.
Wake-ups are counted as voluntary context switches (/proc/PID/status); CPU
time is utime+stime (/proc/PID/stat). Also prints RSS and private memory.

    python3 bench/idle_bench.py [--seconds 300]
"""

import argparse
import os
import shutil
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))

from world import World  # noqa: E402

TCK = os.sysconf("SC_CLK_TCK")


def sample(pid):
    st = open("/proc/%d/status" % pid).read()
    field = lambda k: int(next(l.split()[1] for l in st.splitlines() if l.startswith(k + ":")))
    fields = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / TCK
    smaps = open("/proc/%d/smaps_rollup" % pid).read()
    priv = sum(int(l.split()[1]) for l in smaps.splitlines()
               if l.startswith(("Private_Clean:", "Private_Dirty:")))
    return {"wakeups": field("voluntary_ctxt_switches") + field("nonvoluntary_ctxt_switches"),
            "cpu_s": cpu, "rss_kb": field("VmRSS"), "private_kb": priv}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=300)
    args = ap.parse_args()
    d = tempfile.mkdtemp(prefix="hotdesk-idle-")
    w = World(d, pbx_poll=0)  # the PBX's polls would be the phone's only wake-ups
    try:
        w.start()
        time.sleep(2)  # let the device profile fetch and registration settle
        procs = {"hotdeskd": w.hotdeskd.pid, "baresip": w.phone.proc.pid}
        a = {n: sample(p) for n, p in procs.items()}
        time.sleep(args.seconds)
        b = {n: sample(p) for n, p in procs.items()}
    finally:
        w.stop()
        shutil.rmtree(d, True)
    print("\nidle %.0f s | wake-ups | wake-ups/min | CPU s | RSS kB | private kB" % args.seconds)
    print("|---|---:|---:|---:|---:|---:|")
    for n in procs:
        wk = b[n]["wakeups"] - a[n]["wakeups"]
        print("| %s | %d | %.1f | %.2f | %d | %d |" % (n, wk, wk * 60 / args.seconds,
                                                       b[n]["cpu_s"] - a[n]["cpu_s"],
                                                       b[n]["rss_kb"], b[n]["private_kb"]))


if __name__ == "__main__":
    main()
