# SPDX-License-Identifier: BSD-3-Clause
"""Damaged state files on real parts (issue 14, kind 11; format in
platform/storage/sealed_file.h, rules in agent/state/state_store.h).

For every state file and the ways a power cut spoils one (cut short, zero-filled,
erased flash, a leftover temp file), with the PBX up and with it down: the file is
damaged while hotdeskd is off (a power cut: SIGKILL), hotdeskd starts, and

- the phone registers at kamailio as what the damage leaves: the pool when the
  occupancy, the person's account or the login intent is damaged; the same person when
  only a decoration (their profile) is; the pool from the PBX or hotdeskd.conf when the
  cached device profile is;
- 112 reaches the answering point from that identity;
- the damaged file is kept aside as <name>.damaged and hotdeskd's log names it; a
  leftover temp file is discarded and the committed file used;
- no secret of a person the phone fell back from remains in the state directory.
"""

import glob
import json
import os
import subprocess
import time
import unittest

from harness import free_port, wait_until
from world import SOURCE, USERS, WorldTestCase

HOTDESKCTL = os.environ.get("HOTDESKCTL", os.path.join(SOURCE, "build", "host", "tools", "hotdeskctl"))


def truncated(data):
    return data[: len(data) // 2]


def zero_filled(data):
    return b"\0" * len(data)


def erased(data):
    return b"\xff" * len(data)


DAMAGE = {"truncated": truncated, "zero-filled": zero_filled, "erased flash": erased,
          "leftover temp": None}

# file -> (state the phone is in before the power cut, identity when the file is damaged)
FILES = {
    "occupancy": ("logged in", "100", "HD0001"),
    "user.100": ("logged in", "100", "HD0001"),
    "profile.100.xml": ("logged in", "100", "100"),
    "device-profile.xml": ("pool", "HD0001", "HD0001"),
    "device-profile.meta": ("pool", "HD0001", "HD0001"),
    "login-intent": ("login interrupted", "HD0001", "HD0001"),
}

# read only together with (an orphan is never read)
REQUIRES = {"device-profile.meta": ["device-profile.xml"]}


class StateDamageTest(WorldTestCase):
    prefix = "hotdesk-damage-"

    # ---- bringing the phone into a state ----

    def conf_pbx(self, up):
        self.pbx_reachable = up
        with open(self.w.conf_path) as f:
            lines = f.read().splitlines(keepends=True)
        url = self.w.pbx_url if up else "https://127.0.0.1:%d" % self.dead_port
        with open(self.w.conf_path, "w") as f:
            f.writelines("pbx_url %s\n" % url if l.startswith("pbx_url ") else l for l in lines)

    def start(self):
        n = len(self.w.hotdeskd.log())
        self.w.start_hotdeskd(wait_pool=False)
        # reginfo answered: hotdeskd holds baresip and dials through it
        wait_until(lambda: "accounts: baresip holds" in self.w.hotdeskd.log()[n:], 8,
                   "hotdeskd connected to baresip")
        # a restored person is confirmed with the PBX first ("Logging in 100...")
        wait_until(lambda: "..." not in self.w.screen(), 10, "the restore settled")
        return n

    def login(self, ext):
        self.w.keys("*77*%s*" % ext)
        self.w.wait_screen("PIN for %s" % ext)
        self.w.keys(USERS[ext][1] + "#", check=False)

    def bring_to(self, state, name):
        """The phone in `state` with the state file `name` written (a file moved aside
        by an earlier case is written again by a logout and login, or a profile fetch)."""
        if not self.pbx_reachable or not self.w.hotdeskd.alive():
            self.conf_pbx(True)
            self.w.hotdeskd.stop()
            self.start()
        path = os.path.join(self.w.state_dir, name)
        occupant = "100" if self.w.registered_as("100") else "HD0001"
        if occupant == "100" and (state != "logged in" or not os.path.exists(path)):
            self.w.keys("{blf1}")
            self.wait_identity("HD0001")
            occupant = "HD0001"
        if state == "logged in" and occupant != "100":
            self.login("100")
            self.wait_identity("100")
        if state == "login interrupted":
            self.w.hotdeskd.stop()
            self.w.start_hotdeskd(crash_at="login.after_pbx", wait_pool=False)
            self.wait_identity("HD0001")
            self.login("100")
            wait_until(lambda: not self.w.hotdeskd.alive(), 8, "hotdeskd killed after the PBX")
        need = [path] + [os.path.join(self.w.state_dir, n) for n in REQUIRES.get(name, [])]
        wait_until(lambda: all(os.path.exists(p) for p in need), 5, name + " written")

    # ---- what must hold ----

    def wait_identity(self, ext):
        wait_until(lambda: self.w.registered_as(ext), 8,
                   "registrar shows only %s (now %r)" % (ext, self.w.phone_bindings()))
        self.w.wait_screen(("%s " % ext) if ext != "HD0001" else "HD0001 |", 5)

    def assert_emergency_from(self, ext):
        self.w.psap_ctrl.clear_events()
        self.w.keys("112")
        ev = self.w.psap_ctrl.wait_event("CALL_INCOMING", 5)
        self.assertIn("sip:%s@" % ext.lower(), ev.get("peeruri", "").lower())
        self.w.psap_ctrl.command("hangup")
        time.sleep(0.2)

    def state_damaged(self):
        """The status's list of damaged state files kept aside."""
        sock = os.path.join(self.w.dir, "hotdeskd", "status.sock")
        r = subprocess.run([HOTDESKCTL, "--socket", sock, "status", "--json"],
                           capture_output=True, text=True, timeout=10)
        damaged = json.loads(r.stdout)["state_damaged"]
        return damaged.split(",") if damaged else []

    def assert_no_secret_of_others(self, ext):
        for path, text in self.w.state_files(raw=True).items():
            for other, (name, pin, pw, regpw, _) in USERS.items():
                self.assertNotIn(pin, text, path)
                if other != ext:
                    self.assertNotIn(pw, text, path)
            self.assertEqual(os.stat(path).st_mode & 0o077, 0, path)

    # ---- the cases ----

    def spoil(self, name, kind):
        path = os.path.join(self.w.state_dir, name)
        for old in glob.glob(os.path.join(self.w.state_dir, "*.damaged")):
            os.unlink(old)
        with open(path, "rb") as f:
            data = f.read()
        if DAMAGE[kind] is None:  # cut off before the rename: a half-written newer version
            with open(path + ".tmp", "wb") as f:
                f.write(data[: len(data) * 2 // 3])
            return
        with open(path, "wb") as f:
            f.write(DAMAGE[kind](data))

    def run_cases(self, pbx_up, kinds):
        self.dead_port = free_port()
        self.pbx_reachable = True
        results = []
        for name, (state, intact, damaged) in FILES.items():
            for kind in kinds:
                with self.subTest(file=name, damage=kind, pbx="up" if pbx_up else "down"):
                    self.bring_to(state, name)
                    self.w.hotdeskd.stop(signals=())  # power cut
                    self.spoil(name, kind)
                    self.conf_pbx(pbx_up)
                    n = self.start()
                    expect = intact if DAMAGE[kind] is None else damaged
                    self.wait_identity(expect)
                    self.assert_emergency_from(expect)
                    log = self.w.hotdeskd.log()[n:]
                    aside = os.path.join(self.w.state_dir, name + ".damaged")
                    if DAMAGE[kind] is None:
                        self.assertFalse(os.path.exists(aside))
                        self.assertFalse(os.path.exists(
                            os.path.join(self.w.state_dir, name + ".tmp")))
                        self.assertEqual(self.state_damaged(), [])
                    else:
                        self.assertIn("state: %s is damaged" % name, log)
                        self.assertTrue(os.path.exists(aside), aside)
                        self.assertIn(name + ".damaged", self.state_damaged())
                        self.assertIn("damaged state files kept for diagnosis", log)
                    self.assert_no_secret_of_others(expect)
                    results.append("%s/%s->%s" % (name, kind, expect))
        print("\nPBX %s: %s" % ("up" if pbx_up else "down", ", ".join(results)))

    def test_damaged_state_files_with_the_pbx_up(self):
        self.run_cases(True, list(DAMAGE))

    def test_damaged_state_files_with_the_pbx_down(self):
        self.run_cases(False, ["truncated", "zero-filled", "erased flash"])


if __name__ == "__main__":
    unittest.main()
