#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The hotdesk demo: registrar, PBX service, an emergency answering point,
baresip and hotdeskd, all on 127.0.0.1.

On a TTY you are the person at the desk: the terminal is the phone.
Otherwise a scripted scenario runs and prints a transcript.
Everything started here is stopped before it exits.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))

from world import USERS, World  # noqa: E402
from harness import wait_until  # noqa: E402


def show(w, step):
    print("\n== %s" % step)
    print("   display   : %s" % w.screen())
    print("   registrar : %s" % ", ".join("%s -> %s" % (u, c) for u, c in sorted(w.reg.bindings())))
    view = w.admin_view()
    for mac, d in sorted(view.items()):
        user = d.get("user") or {}
        print("   PBX view  : %s %s %s %s" % (mac, d["pool_ext"], d["state"],
                                             ("%s (%s)" % (user.get("ext"), user.get("name")))
                                             if user else "-"))


def scripted(w):
    print("hotdesk demo: a scripted session at a hot desk (no TTY)")
    show(w, "idle: the phone is the pool extension HD0001")

    w.keys("112")
    ev = w.psap_ctrl.wait_event("CALL_INCOMING", 5)
    print("\n== emergency call from idle: dialled 112")
    print("   answering point saw CALL_INCOMING from %s" % ev.get("peeruri"))
    w.psap_ctrl.command("hangup")
    time.sleep(0.2)

    n = len(w.frames())
    w.keys("200#")
    w.wait_frame("Log in to call", since=n)
    print("\n== ordinary call from idle: dialled 200")
    print("   display   : %s" % w.frames()[n:][-1])
    invites = [r for r in w.reg.requests() if r[0] == "INVITE" and "sip:200@" in r[1]]
    print("   INVITEs for 200 at the registrar: %d" % len(invites))

    t = time.monotonic()
    w.keys("*77*100*")
    w.wait_screen("PIN for 100")
    print("\n== dialled *77*100*: %s" % w.screen())
    w.keys(USERS["100"][1] + "#")
    w.wait_screen("100 Alice")
    wait_until(lambda: w.registered_as("100"), 5, "100 registered")
    show(w, "logged in as 100 (%.0f ms from # to registered)" % ((time.monotonic() - t) * 1000))

    w.keys("*77*101*")
    w.wait_screen("PIN for 101")
    w.keys(USERS["101"][1] + "#")
    w.wait_screen("101 Bob")
    wait_until(lambda: w.registered_as("101"), 5, "101 registered")
    show(w, "roamed straight to 101")

    w.keys("{blf1}")
    w.wait_screen("HD0001")
    wait_until(lambda: w.registered_as("HD0001"), 5, "pool registered")
    wait_until(lambda: w.admin_view()["02:00:00:00:00:01"]["state"] == "idle", 3, "PBX idle")
    show(w, "logged out with the reserved key (BLF 1)")
    print("\ndemo finished: every process is being stopped")


def interactive(w):
    w.hotdeskd.stop()
    w.procs.remove(w.hotdeskd)
    print("""
hotdesk demo: this terminal is a desk phone (board 'host').
  digits, * and #     dial (# sends)            Enter  send
  l                   BLF 1 = logout key        x/Esc  cancel
  log in: *77*100* then PIN %s#   (or *77*101* with %s#)
  emergency: 112      log out: l or *77*5*      quit: Ctrl-C
""" % (USERS["100"][1], USERS["101"][1]))
    conf = w.conf_path
    with open(conf) as f:
        text = f.read().replace("tty                      off", "tty                      on")
    with open(conf, "w") as f:
        f.write(text)
    log = open(os.path.join(w.dir, "hotdeskd", "hotdeskd.log"), "a")
    p = subprocess.Popen([os.environ["HOTDESKD"], "-c", conf], stderr=log)
    try:
        p.wait()
    except KeyboardInterrupt:
        p.terminate()
        p.wait(5)


def main():
    os.environ.setdefault("HOTDESKD", os.path.join(ROOT, "build", "host", "hotdeskd"))
    workdir = tempfile.mkdtemp(prefix="hotdesk-demo-")
    w = World(workdir)
    rc = 0
    try:
        w.start()
        if sys.stdin.isatty() and sys.stdout.isatty():
            interactive(w)
        else:
            scripted(w)
    except Exception as e:
        print("demo failed: %s" % e, file=sys.stderr)
        rc = 1
    finally:
        w.stop()
        shutil.rmtree(workdir, True)
    return rc


if __name__ == "__main__":
    sys.exit(main())
