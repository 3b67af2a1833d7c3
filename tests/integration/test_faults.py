# SPDX-License-Identifier: BSD-3-Clause
"""Faults on real parts: baresip killed in idle, mid-login and logged in; hotdeskd killed
at random moments during repeated logins. After each, once things settle, the display,
the registrar and the PBX agree, and emergency calls work. baresip is restarted by the
test, as init (packaging/) does on a phone; hotdeskd reconnects and re-applies its
identity by itself.
"""

import random
import time
import unittest

from harness import wait_until
from world import MAC, USERS, WorldTestCase


def pin(ext):
    return USERS[ext][1]


class FaultTest(WorldTestCase):
    stale = frozenset()

    prefix = "hotdesk-faults-"

    def live_bindings(self):
        """Users bound to the running baresip (a crashed baresip's bindings expire)."""
        return sorted(u for u, c in self.w.reg.bindings()
                      if ":%d" % self.w.phone.sip_port in c and c in self.live_contacts())

    def live_contacts(self):
        # contacts registered since the current baresip started
        return {c for u, c in self.w.reg.bindings()} - self.stale

    def settle(self, timeout=10):
        """Wait until display and registrar agree; return the identity."""
        def agreed():
            screen = self.w.screen()
            ext = screen.split(" ", 1)[0]
            if "|" not in screen or "No service" in screen or "..." in screen:
                return None
            return ext if self.live_bindings() == [ext.lower()] else None
        try:
            ext = wait_until(agreed, timeout, "display and registrar agree")
        except AssertionError:
            print(self.w.hotdeskd.log()[-3000:])
            raise AssertionError("display %r, live bindings %r" % (self.w.screen(),
                                                                  self.live_bindings()))
        # The PBX learns who sits here from the phone's push (and its poll):
        # after a restart that rolled a login back, that takes a round trip
        # after the phone itself has settled.
        if ext == "HD0001":
            wait_until(lambda: self.w.admin_view()[MAC]["state"] == "idle", 5, "PBX idle")
        else:
            wait_until(lambda: (self.w.admin_view()[MAC]["user"] or {}).get("ext") == ext, 5,
                       "PBX view shows %s" % ext)
        return ext

    def crash_baresip(self):
        # baresip 1.0.0's contact user is "<user>-<heap pointer>", new per process:
        # the killed process's bindings stay at the registrar until they expire.
        self.w.phone.proc.stop(signals=())  # SIGKILL
        time.sleep(0.2)  # a REGISTER it sent just before dying may still land
        self.stale = set(self.stale) | {c for u, c in self.w.reg.bindings()}
        self.w.phone.start()

    def emergency(self):
        self.w.keys("112")
        self.w.psap_ctrl.wait_event("CALL_INCOMING", 5)
        self.w.psap_ctrl.command("hangup")
        time.sleep(0.2)

    def login(self, ext):
        self.w.keys("*77*%s*" % ext)
        self.w.wait_screen("PIN for %s" % ext)
        self.w.keys(pin(ext) + "#", check=False)

    def test_baresip_killed_in_idle(self):
        self.crash_baresip()
        self.assertEqual(self.settle(), "HD0001")
        self.emergency()

    def test_an_emergency_call_typed_while_baresip_is_down_goes_out_when_it_is_back(self):
        # CI saw 112 typed in the moment baresip's link was down fail ("dial 112 failed:
        # baresip not connected") although hotdeskd says emergency calls wait for it.
        self.w.phone.proc.stop(signals=())  # SIGKILL
        wait_until(lambda: "baresip unreachable" in self.w.hotdeskd.log(), 5, "link lost")
        self.w.keys("112")
        wait_until(lambda: "goes out as soon as it is back" in self.w.hotdeskd.log(), 3,
                   "the emergency call waiting")
        self.w.phone.start()
        self.w.psap_ctrl.wait_event("CALL_INCOMING", 10)
        self.w.psap_ctrl.command("hangup")
        self.assertNotIn("dial 112 failed", self.w.hotdeskd.log())

    def test_baresip_killed_mid_login(self):
        for delay in (0.0, 0.003, 0.01, 0.03):
            self.w.keys("*77*100*")
            self.w.wait_screen("PIN for 100")
            self.w.keys(pin("100") + "#")
            time.sleep(delay)
            self.crash_baresip()
            who = self.settle()
            self.assertIn(who, ("HD0001", "100"))
            if who == "100":
                self.w.keys("{blf1}")
                self.assertEqual(self.settle(), "HD0001")
        self.emergency()

    def test_baresip_killed_logged_in(self):
        self.login("100")
        self.assertEqual(self.settle(), "100")
        self.crash_baresip()
        self.assertEqual(self.settle(), "100")
        self.emergency()

    def test_hotdeskd_killed_at_random_moments(self):
        rng = random.Random(7)
        outcomes = []
        for i in range(12):
            ext = "100" if i % 2 else "101"
            if self.w.screen().startswith(("100", "101")) and rng.random() < 0.5:
                self.w.keys("{blf1}", check=False)
            else:
                self.login(ext)
            time.sleep(rng.uniform(0, 0.06))
            self.w.hotdeskd.stop(signals=())
            self.w.start_hotdeskd(wait_pool=False)
            outcomes.append(self.settle())
        print("\nafter each kill: " + " ".join(outcomes))
        self.emergency()


if __name__ == "__main__":
    unittest.main()
