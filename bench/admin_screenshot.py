#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A screenshot of the PBX admin's hot-desking page at 200 devices (docs/admin-page.png).

No phones run: the reference PBX starts with 200 devices (HD0001..HD0200) and 260 people
in its config, and this script plays the phones through the PBX's own device API with each
device's token: PIN logins for about half of them, then the status pushes a phone sends
(state, registration, a logout or login deferred by a call), wrong PINs that lock two
people out and two emergency-call notices. Then headless Chromium (tests/integration/
browser.py) signs in with the admin token and saves the page once its live view has all
200 rows. Every process it starts, it stops. Needs Debian's python3 (selenium).

    /usr/bin/python3 bench/admin_screenshot.py [--out docs/admin-page.png] [-n 200]
"""

import argparse
import os
import random
import shutil
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))

from browser import screenshot  # noqa: E402
from harness import free_port, https_json, make_ca, start_pbx  # noqa: E402

ADMIN_TOKEN = "shot-admin-" + os.urandom(8).hex()  # this run only
FIRST = ("Alice", "Bob", "Carol", "Dave", "Erin", "Frank", "Grace", "Heidi", "Ivan", "Judy",
         "Mallory", "Niaj", "Olivia", "Peggy", "Rupert", "Sybil", "Trent", "Victor", "Walter")
LAST = ("Example", "Builder", "Sample", "Tester", "Muster", "Doe", "Roe", "Placeholder",
        "Demo", "Mock", "Dummy", "Fictive", "Invented", "Madeup")


def mac(i):
    return "02:00:00:00:%02x:%02x" % (i >> 8, i & 0xFF)


def world_config(n, people):
    devices = {mac(i): {"pool_ext": "HD%04d" % i, "token": "shot-dev-%d" % i}
               for i in range(1, n + 1)}
    users = {}
    for k in range(people):
        ext = str(1000 + k)
        name = "%s %s" % (FIRST[k % len(FIRST)], LAST[(k // len(FIRST)) % len(LAST)])
        users[ext] = {"name": name,
                      "pin": "%08d" % (31337 * (k + 7) % 10 ** 8), "sip_password": "x",
                      "hotdesk": True}
    return {"sip_domain": "127.0.0.1:5070", "admin_token": ADMIN_TOKEN, "lockout_after": 3,
            "lockout_seconds": 3600, "devices": devices, "users": users}


class Phones:
    """What a site's phones would send, through the PBX's device API."""

    def __init__(self, pbx, cfg):
        self.pbx, self.cfg, self.seq = pbx, cfg, {}

    def call(self, i, what, body):
        st, reply = https_json("%s/api/v1/devices/%s/%s" % (self.pbx.url, mac(i), what),
                               method="POST", body=body, token="shot-dev-%d" % i, ca=self.pbx.ca)
        return st, reply

    def login(self, i, ext, pin=None):
        return self.call(i, "login", {"ext": ext, "pin": pin or self.cfg["users"][ext]["pin"]})[0]

    def push(self, i, state, user=None, registration="registered", pending="", calls=0):
        self.seq[i] = self.seq.get(i, 0) + 1
        u = self.cfg["users"].get(user) if user else None
        doc = {"device": {"mac": mac(i), "pool_ext": "HD%04d" % i}, "state": state,
               "user": {"ext": user, "name": u["name"]} if u else None,
               "registration": registration, "pending": pending, "calls": calls,
               "last_error": "", "seq": self.seq[i]}
        assert self.call(i, "status", doc)[0] == 200


def fill(phones, n, rng):
    exts = sorted(phones.cfg["users"])
    rng.shuffle(exts)
    busy = sorted(rng.sample(range(1, n + 1), n * 97 // 200))
    for j, (i, ext) in enumerate(zip(busy, exts)):
        assert phones.login(i, ext) == 200, ext
        if j % 11 == 4:  # a logout waits for the call to end (the phone reports it)
            phones.push(i, "logged-in", ext, pending="logout", calls=1)
        elif j % 17 == 9:  # a roam to the next person waits for the call
            phones.push(i, "logged-in", ext, pending="login", calls=1)
        elif j % 13 == 7:
            phones.push(i, "logged-in", ext, registration="registering")
        else:
            phones.push(i, "logged-in", ext, calls=1 if j % 5 == 0 else 0)
    for i in range(1, n + 1):
        if i in busy or i % 41 == 0:  # a few idle phones have not reported yet
            continue
        phones.push(i, "idle", registration="failed" if i % 53 == 0 else "registered")
    free = [i for i in range(1, n + 1) if i not in busy]
    for ext in exts[len(busy):len(busy) + 2]:  # two people guess their PINs wrong
        for _ in range(3):
            phones.login(free[0], ext, pin="00000000")
    for i, number in ((busy[3], "112"), (free[5], "911")):
        occ = phones.cfg["users"][exts[busy.index(i)]] if i in busy else None
        st, _ = phones.call(i, "emergency", {
            "event": "emergency_call", "device": mac(i), "pool_ext": "HD%04d" % i,
            "number": number, "time": "2026-11-30T09:%02d:00Z" % (i % 60),
            "occupant": {"ext": exts[busy.index(i)], "name": occ["name"]} if occ else None,
            "location": {"country": "DE", "A3": "Berlin", "BLD": "B", "FLR": "2",
                         "ROOM": "2.%02d" % (i % 40)},
            "callback": "+4930123456"})
        assert st == 200
    return len(busy)


def sign_in_and_wait(url, n):
    def before(driver):
        from selenium.webdriver.common.by import By
        from selenium.webdriver.common.keys import Keys
        from selenium.webdriver.support.ui import WebDriverWait
        driver.get(url)
        driver.find_element(By.ID, "token").send_keys(ADMIN_TOKEN + Keys.ENTER)
        WebDriverWait(driver, 20).until(lambda d: d.execute_script(
            "return document.querySelectorAll('#devices tbody tr').length") == n)
    return before


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-n", type=int, default=200, help="devices (default 200)")
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "admin-page.png"))
    ap.add_argument("--height", type=int, default=1300, help="window height in pixels")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="hotdesk-admin-shot-")
    pbx = None
    try:
        ca, cert, key = make_ca(os.path.join(work, "pki"))
        cfg = world_config(args.n, args.n + 60)
        pbx = start_pbx(os.path.join(work, "pbx"), cfg, free_port(), cert=cert, key=key, ca=ca)
        in_use = fill(Phones(pbx, cfg), args.n, random.Random(15))
        url = pbx.url + "/admin/hotdesk"
        screenshot(url, args.out, cert=cert, width=1280, height=args.height,
                   before=sign_in_and_wait(url, args.n))
        print("admin_screenshot: %d devices, %d in use -> %s" % (args.n, in_use, args.out))
    finally:
        if pbx is not None:
            pbx.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
