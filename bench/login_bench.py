#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Login latency benchmark (ctest label `bench`; not part of scripts/test).

Three ways to turn an idle pool phone into user 100, each measured N times
in the same run on the same registrar (kamailio) and PBX service (HTTPS):

  hotdesk  the real thing: keys into hotdeskd; last PIN key -> REGISTER_OK
           (hotdeskd's own "login latency" log line, measured in its event loop)
  naive    what many phones do: ask the PBX, rewrite baresip's accounts file,
           restart baresip; until the user's binding is in the location table
  floor    bare ctrl_tcp uanew/uafind -> REGISTER_OK -> uadel, no PBX

    python3 bench/login_bench.py [-n 100]
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
import shutil

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))

from world import USERS, World, DEVICE_TOKEN, MAC, POOL_PASSWORD  # noqa: E402
from harness import Baresip, BaresipCtrl, free_port, https_json, wait_until  # noqa: E402


def stats(xs):
    xs = sorted(xs)
    p99 = xs[min(len(xs) - 1, int(round(0.99 * (len(xs) - 1))))]
    return statistics.median(xs), p99


def bench_hotdesk(w, n):
    for _ in range(n):
        w.keys("*77*100*")
        w.wait_screen("PIN for 100")
        w.keys(USERS["100"][1] + "#")
        wait_until(lambda: w.registered_as("100"), 5, "100 registered")
        w.keys("{blf1}")
        wait_until(lambda: w.registered_as("HD0001"), 5, "pool registered")
    lines = [l for l in w.hotdeskd.log().splitlines() if "login latency" in l]
    return [float(l.rsplit(" ", 2)[-2]) for l in lines][-n:]


def bench_naive(w, n):
    """PBX login, rewrite accounts, restart baresip, wait for the binding."""
    w.hotdeskd.stop()
    w.procs.remove(w.hotdeskd)
    phone = w.phone
    user_line = "<sip:100@%s>;auth_pass=%s;regint=600" % (w.domain, USERS["100"][2])
    pool_line = "<sip:HD0001@%s>;auth_pass=%s;regint=600" % (w.domain, POOL_PASSWORD)
    out = []
    for _ in range(n):
        phone.accounts_lines = [pool_line]
        phone.stop()
        phone._write_config()
        phone.start()
        wait_until(lambda: "hd0001" in [u for u, c in w.reg.bindings()
                                         if ":%d" % phone.sip_port in c], 10, "pool")
        before = set(w.reg.contacts_of("100"))
        t0 = time.monotonic()
        status, _ = https_json(w.pbx.url + "/api/v1/devices/%s/login" % MAC, method="POST",
                               body={"ext": "100", "pin": USERS["100"][1]},
                               token=DEVICE_TOKEN, ca=w.pbx.ca)
        assert status == 200
        phone.accounts_lines = [user_line]
        phone.stop()
        phone._write_config()
        phone.start()
        wait_until(lambda: set(w.reg.contacts_of("100")) - before, 10, "100 registered",
                   interval=0.001)
        out.append((time.monotonic() - t0) * 1000)
    return out


def bench_floor(w, n):
    """The bare make-before-break swap over ctrl_tcp, no PBX."""
    phone = w.phone
    phone.accounts_lines = []
    phone.stop()
    phone._write_config()
    phone.start()
    ctrl = BaresipCtrl(phone.ctrl_port)
    pool = "sip:HD0001@%s" % w.domain
    user = "sip:100@%s" % w.domain
    ctrl.ok("uanew", "<%s>;auth_pass=%s;regint=600" % (pool, POOL_PASSWORD))
    ctrl.wait_event("REGISTER_OK", 5, lambda e: e.get("accountaor") == pool)
    ctrl.ok("uafind", pool)
    out = []
    for _ in range(n):
        ctrl.clear_events()
        t0 = time.monotonic()
        ctrl.ok("uanew", "<%s>;auth_pass=%s;regint=600" % (user, USERS["100"][2]))
        ctrl.ok("uafind", user)
        ctrl.wait_event("REGISTER_OK", 5, lambda e: e.get("accountaor") == user)
        out.append((time.monotonic() - t0) * 1000)
        ctrl.ok("uadel", pool)
        ctrl.ok("uanew", "<%s>;auth_pass=%s;regint=600" % (pool, POOL_PASSWORD))
        ctrl.ok("uafind", pool)
        ctrl.wait_event("REGISTER_OK", 5, lambda e: e.get("accountaor") == pool)
        ctrl.ok("uadel", user)
    ctrl.close()
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=100)
    args = ap.parse_args()
    d = tempfile.mkdtemp(prefix="hotdesk-bench-")
    w = World(d)
    try:
        w.start()
        hd = bench_hotdesk(w, args.n)
        naive = bench_naive(w, args.n)
        floor = bench_floor(w, args.n)
    finally:
        w.stop()
        shutil.rmtree(d, True)
    rows = [("hotdesk (keys -> PBX HTTPS -> swap)", hd), ("naive (PBX + rewrite + restart baresip)", naive),
            ("floor (bare uanew/uafind swap)", floor)]
    print("\n| approach | n | median ms | p99 ms |\n|---|---:|---:|---:|")
    for name, xs in rows:
        m, p = stats(xs)
        print("| %s | %d | %.1f | %.1f |" % (name, len(xs), m, p))
    mh, ph = stats(hd)
    mn, pn = stats(naive)
    mf, pf = stats(floor)
    print("\nnaive / hotdesk (median): %.1fx; hotdesk / floor (median): %.1fx" % (mn / mh, mh / mf))
    print("naive / hotdesk (p99): %.1fx; hotdesk / floor (p99): %.1fx" % (pn / ph, ph / pf))


if __name__ == "__main__":
    main()
