# SPDX-License-Identifier: BSD-3-Clause
"""Power-safe state and provisioning on real parts (kamailio, baresip, tests/pbx).

- A reboot comes back as the same person, without the PBX.
- Fault injection: hotdeskd is SIGKILLed at every named crash point of login, roam and
  logout (HOTDESK_CRASH_AT; builds with HOTDESK_FAULT_INJECTION), restarted, and the
  display, the registrar's location table and the PBX must agree; emergency calls work;
  no logged-out person's secret remains under the state directory.
- Device profiles: applied from the PBX; malformed, oversized, hostile profiles, HTTP
  errors, redirect loops, a slow server and a wrong CA change nothing.
"""

import os
import shutil
import signal
import tempfile
import time
import unittest

from harness import https_json, make_ca, wait_until
from netproxy import NetProxy
from world import DEVICE_TOKEN, EMERGENCY_PROFILE, MAC, MAC2, USERS, WorldTestCase

LOGIN_POINTS = ["after_pbx", "after_intent", "after_uanew", "after_register_ok", "after_uadel",
                "after_save_user", "after_commit"]
LOGOUT_POINTS = ["after_commit", "after_uanew", "after_register_ok", "after_uadel"]


def pin(ext):
    return USERS[ext][1]


def sip_password(ext):
    return USERS[ext][2]


class StateCase(WorldTestCase):
    prefix = "hotdesk-state-"

    def login(self, ext):
        self.w.keys("*77*%s*" % ext)
        self.w.wait_screen("PIN for %s" % ext)
        self.w.keys(pin(ext) + "#", check=False)  # may hit a crash point

    def restart(self, crash_at=None):
        if self.w.hotdeskd.alive():
            self.w.hotdeskd.stop()
        self.w.start_hotdeskd(crash_at=crash_at, wait_pool=False)

    def wait_dead(self):
        wait_until(lambda: not self.w.hotdeskd.alive(), 8, "hotdeskd killed at its crash point")

    def assert_consistent(self, ext):
        """Device, baresip (via the registrar) and registrar agree on `ext`."""
        wait_until(lambda: self.w.registered_as(ext), 8,
                   "registrar shows only %s (now %r)" % (ext, self.w.phone_bindings()))
        self.w.wait_screen(("%s " % ext) if ext != "HD0001" else "HD0001 |", 5)
        self.assertTrue(self.w.screen().startswith(ext))
        # secrets of everyone else are gone from the state directory
        files = self.w.state_files()
        for other in USERS:
            if other != ext:
                for path, text in files.items():
                    self.assertNotIn(sip_password(other), text, path)
        for path, text in files.items():
            for e in USERS:
                self.assertNotIn(pin(e), text, "a PIN was written to " + path)
            self.assertEqual(os.stat(path).st_mode & 0o077, 0, path + " readable by others")

    def assert_emergency_works(self):
        self.w.keys("112")
        self.w.psap_ctrl.wait_event("CALL_INCOMING", 5)
        self.w.psap_ctrl.command("hangup")
        time.sleep(0.2)


class PowerSafeTest(StateCase):
    def test_reboot_comes_back_as_user_without_pbx(self):
        self.login("100")
        self.w.wait_screen("100 Alice")
        self.w.hotdeskd.stop(signals=())  # power cut
        self.w.pbx.stop()
        self.w.start_hotdeskd(wait_pool=False)
        self.assert_consistent("100")
        self.assert_emergency_works()

    def test_logout_removes_the_users_secret(self):
        self.login("100")
        self.w.wait_screen("100 Alice")
        self.assertTrue(any(sip_password("100") in t for t in self.w.state_files().values()))
        self.w.keys("{blf1}")
        self.assert_consistent("HD0001")
        for path, text in self.w.state_files().items():
            self.assertNotIn(sip_password("100"), text, path)
            self.assertNotIn("Alice", text, path)

    def test_crash_matrix(self):
        """Every crash point of login, roam and logout, in turn."""
        results = []
        for point in LOGIN_POINTS:  # pool -> 100
            self.restart(crash_at="login." + point)
            self.assert_consistent("HD0001")
            self.login("100")
            self.wait_dead()
            self.restart()
            expect = "100" if point == "after_commit" else "HD0001"
            self.assert_consistent(expect)
            if expect == "HD0001":
                wait_until(lambda: self.w.admin_view()[MAC]["state"] == "idle", 5,
                           "PBX told of the rolled-back login")
            results.append(("login." + point, expect))
            if expect == "100":
                self.w.keys("{blf1}")
                self.assert_consistent("HD0001")
        self.login("100")
        self.assert_consistent("100")
        for point in LOGIN_POINTS:  # 100 -> 101 -> back to 100
            self.restart(crash_at="roam." + point)
            self.assert_consistent("100")
            self.login("101")
            self.wait_dead()
            self.restart()
            expect = "101" if point == "after_commit" else "100"
            self.assert_consistent(expect)
            results.append(("roam." + point, expect))
            if expect == "101":
                self.restart()
                self.assert_consistent("101")  # confirmed with the PBX (resume) first
                self.login("100")
                self.assert_consistent("100")
        for point in LOGOUT_POINTS:  # 100 -> pool
            self.restart(crash_at="logout." + point)
            self.assert_consistent("100")
            self.w.keys("{blf1}", check=False)
            self.wait_dead()
            self.restart()
            self.assert_consistent("HD0001")
            self.assert_emergency_works()
            results.append(("logout." + point, "HD0001"))
            self.restart()
            self.login("100")
            self.assert_consistent("100")
        print("\ncrash matrix: " + ", ".join("%s->%s" % r for r in results))


class PoolKeptCrashMatrixTest(StateCase):
    """The crash matrix with the pool kept registered for emergency calls (issue 16): the
    person's identity keeps every guarantee, the pool's binding stays throughout, and the
    emergency calls after each logout go out on the pool."""
    world_opts = {"device_profile": EMERGENCY_PROFILE}
    test_crash_matrix = PowerSafeTest.test_crash_matrix

    def assert_emergency_works(self):
        self.w.keys("112")
        ev = self.w.psap_ctrl.wait_event("CALL_INCOMING", 5)
        self.assertIn("sip:HD0001@", ev["peeruri"])
        self.w.psap_ctrl.command("hangup")
        time.sleep(0.2)


class TakeoverTest(StateCase):
    """A restarted hotdeskd first reads which accounts baresip holds (reginfo), then makes
    it hold exactly its occupant's. A key pressed in between must take the same path as
    a key pressed later: that window is where test_crash_matrix flaked on a loaded machine
    (the logout swap ran from "(none)" and never reached logout.after_uadel)."""

    # Fails until agent.cpp parks a swap asked for while reconcile() is in flight and
    # starts it when reconcile is done (the change is in the flaky branch's report); then
    # remove this line (an unexpected success fails the suite, as a reminder).
    def test_logout_key_while_hotdeskd_takes_over_baresip(self):
        self.login("100")
        self.assert_consistent("100")
        # 150 ms per chunk each way: reginfo is answered 300 ms after the connect, long
        # after the key. (At 300 ms the restore's resume swap and the logout swap took
        # 7.2-7.6 s of the 8 s wait alone, measured, and failed under load.)
        proxy = NetProxy(self.w.phone.ctrl_port, delay=0.15)
        self.addCleanup(proxy.stop)
        self.w.ctrl_via(proxy.port)
        n = len(self.w.hotdeskd.log())
        self.restart(crash_at="logout.after_uadel")
        self.w.keys("{blf1}", check=False)  # before the reginfo answer arrives
        self.wait_dead()
        self.assertIn("crash point logout.after_uadel reached", self.w.hotdeskd.log()[n:])
        self.w.ctrl_via(self.w.phone.ctrl_port)
        self.restart()
        self.assert_consistent("HD0001")
        self.assert_emergency_works()


class StaleRestoreTest(StateCase):
    """Issue 14 kind 9: phone A is off while its person logs in on phone B (the PBX moves
    them). Phone B is the PBX's second device (its login over the protocol) and a baresip
    registered as 100 (a peer). A comes back with 100 in its state directory: it asks the
    PBX (resume), which refuses the stale claim (newest login wins), and A stays the pool."""
    world_opts = {"pbx_opts": {"double_login": "move"}, "peers": ("100",)}

    def login_on_phone_b(self):
        status, body = https_json(self.w.pbx.url + "/api/v1/devices/%s/login" % MAC2,
                                  method="POST", body={"ext": "100", "pin": pin("100")},
                                  token=DEVICE_TOKEN + "2", ca=self.w.ca)
        self.assertEqual(status, 200, body)

    def assert_100_only_on_phone_b(self):
        peer_port = ":%d" % self.w.peers["100"].sip_port
        wait_until(lambda: all(peer_port in c for c in self.w.reg.contacts_of("100")), 8,
                   "registrar: 100 bound only at phone B (now %r)" % self.w.reg.contacts_of("100"))
        self.assertTrue(self.w.reg.contacts_of("100"))
        self.assert_consistent("HD0001")  # and 100's secrets are gone from A's state
        # the PBX's view, also after A's status pushes and the PBX's polls
        seq = self.w.admin_view()[MAC]["seq"]
        wait_until(lambda: self.w.admin_view()[MAC]["seq"] > seq or
                   self.w.admin_view()[MAC]["phone_state"] == "idle", 8, "a status from A")
        wait_until(lambda: self.w.admin_view()[MAC]["phone_state"] == "idle", 8, "A reports idle")
        view = self.w.admin_view()
        self.assertEqual(view[MAC]["state"], "idle")
        self.assertEqual(view[MAC2]["user"]["ext"], "100")

    def test_a_restored_person_who_moved_is_not_claimed(self):
        self.login("100")
        self.assert_consistent("100")
        self.w.hotdeskd.stop(signals=())  # power cut on phone A
        self.login_on_phone_b()
        n = len(self.w.frames())
        self.w.start_hotdeskd(wait_pool=False)
        self.w.wait_frame("100 is on another phone", 8, since=n)
        self.assertFalse(any(f.startswith("100 ") for f in self.w.frames()[n:]),
                         "A showed itself as 100")
        self.assert_100_only_on_phone_b()
        self.assert_emergency_works()

    def test_pbx_unreachable_at_restore_then_refuses(self):
        """The PBX hangs while A restores: A comes back as 100 from its state (as without a
        PBX), then asks again; once the PBX answers, the stale claim is refused."""
        self.login("100")
        self.assert_consistent("100")
        self.w.hotdeskd.stop(signals=())
        self.login_on_phone_b()
        os.kill(self.w.pbx.pid, signal.SIGSTOP)  # accepts connections, answers nothing
        try:
            self.w.start_hotdeskd(wait_pool=False)
            self.assert_consistent("100")  # after the PBX timeout (4 s)
        finally:
            os.kill(self.w.pbx.pid, signal.SIGCONT)
        self.assert_100_only_on_phone_b()
        self.assertIn("the PBX refuses 100", self.w.hotdeskd.log())

    def test_a_restored_person_still_here_is_confirmed(self):
        self.login("100")
        self.assert_consistent("100")
        self.restart()
        self.assert_consistent("100")
        self.assertIn("the PBX confirms 100", self.w.hotdeskd.log())
        view = self.w.admin_view()
        self.assertEqual(view[MAC]["user"]["ext"], "100")
        self.assertEqual(view[MAC2]["state"], "idle")


class DeviceProfileTest(StateCase):
    def test_device_profile_is_applied_and_cached(self):
        # 933 is an emergency number only in the device profile, not in hotdeskd.conf
        wait_until(self.has_cached_profile, 5, "device profile cached")
        self.w.keys("933")
        wait_until(lambda: self.w.invites_to("933"), 5, "INVITE for 933 from the idle phone")

    def has_cached_profile(self):
        return any(p.endswith("/device-profile.xml") for p in self.w.state_files())

    def cached_profile(self):
        return next(t for p, t in self.w.state_files().items() if p.endswith("device-profile.xml"))

    def test_bad_profiles_and_bad_servers_change_nothing(self):
        wait_until(self.has_cached_profile, 5, "device profile cached")
        good = self.cached_profile()
        base = good.replace("</phone-settings>", "%s</phone-settings>")
        cases = {
            "malformed": {"xml": "<settings><phone-settings>"},
            "truncated": {"xml": good[: len(good) // 2]},
            "oversized": {"pad": 70000},
            "deep": {"xml": base % ("<a>" * 60 + "</a>" * 60)},
            "wrong type": {"xml": base % "<hd_profile_check_s>soon</hd_profile_check_s>"},
            "duplicate": {"xml": base % '<user_host idx="1">10.0.0.1</user_host>'},
            "hostile": {"xml": good.replace(">%s<" % "pool-Secret-7311", ">x;outbound=sip:evil<")},
            "clashing codes": {"xml": base % "<hd_dial_codes>*70</hd_dial_codes>"},
            "HTTP 500": {"status": 500},
            "HTTP 404": {"status": 404},
            "redirect loop": {"redirect": True},
            "slow server": {"delay": 6},
        }
        for name, override in cases.items():
            with self.subTest(name):
                self.w.pbx_hook("/test/device_profile", {"mac": MAC, "override": override})
                n = len(self.w.hotdeskd.log())
                self.restart()
                wait_until(lambda: "profile: " in self.w.hotdeskd.log()[n:], 10,
                           "hotdeskd reports the bad profile")
                self.assert_consistent("HD0001")
                self.assertEqual(self.cached_profile(), good)
        self.w.pbx_hook("/test/device_profile", {"mac": MAC, "override": None})


class WrongCaTest(StateCase):
    def setUp(self):
        other = tempfile.mkdtemp(prefix="hotdesk-otherca-")
        self.addCleanup(shutil.rmtree, other, True)
        ca, _, _ = make_ca(other, cn="some other CA")
        self.world_opts = {"pbx_ca": ca}
        super().setUp()

    def test_certificate_from_the_wrong_ca_is_refused(self):
        wait_until(lambda: "certificate" in self.w.hotdeskd.log().lower(), 5,
                   "TLS verification failure logged")
        self.login("100")
        self.w.wait_frame("Login server unreachable")
        self.assert_consistent("HD0001")
        self.assertFalse(any(p.endswith("/device-profile.xml") for p in self.w.state_files()))


if __name__ == "__main__":
    unittest.main()
