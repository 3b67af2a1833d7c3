# SPDX-License-Identifier: BSD-3-Clause
"""hotdeskd end to end on real parts: kamailio, baresip and tests/pbx on 127.0.0.1.

Assertions are on what the registrar (kamailio's location table and request
log), the emergency answering point (a second baresip) and the PBX's admin view
show, not only on hotdeskd's own output.

    HOTDESKD=build/host/hotdeskd python3 -m unittest -v test_hotdesk   (in this dir)
"""

import os
import time
import unittest

from world import ADMIN_TOKEN, MAC, STATUS_TOKEN, USERS, WorldTestCase
from harness import https_json, wait_until


def pin(ext):
    return USERS[ext][1]


class WorldCase(WorldTestCase):
    """WorldTestCase's secret scan, and hotdeskd never writes baresip's accounts."""

    def tearDown(self):
        super().tearDown()
        if self.w.procs:
            with open(os.path.join(self.w.phone.dir, "accounts")) as f:
                self.assertEqual(f.read().strip(), "",
                                 "hotdeskd must not write baresip's accounts")

    # ---- helpers ----

    def login(self, ext, the_pin=None):
        self.w.keys("*77*%s*" % ext)
        self.w.wait_screen("PIN for %s" % ext)
        self.w.keys((the_pin or pin(ext)) + "#")

    def assert_registered_as(self, ext, timeout=5):
        wait_until(lambda: self.w.registered_as(ext), timeout,
                   "registrar binding for %s only (now %r)" % (ext, self.w.phone_bindings()))

    def assert_stays_pool(self, seconds=0.5):
        time.sleep(seconds)
        self.assertEqual(self.w.phone_bindings(), ["hd0001"])

    def registers_of(self, user, queries=False):
        return [r for r in self.w.reg.register_results(queries)
                if r[1].lower() == user.lower()]


class HotdeskTest(WorldCase):

    def test_idle_shows_pool_and_registers_pool(self):
        self.assertIn("HD0001", self.w.screen())
        self.assert_registered_as("HD0001")
        self.assertEqual(self.w.admin_view()[MAC]["state"], "idle")

    def test_login_roam_logout_by_key(self):
        self.login("100")
        self.w.wait_screen("100 Alice Example")
        self.assert_registered_as("100")
        view = self.w.admin_view()[MAC]
        self.assertEqual((view["state"], view["user"]["ext"]), ("logged_in", "100"))
        self.assertNotIn("73194268", "\n".join(self.w.frames()), "PIN shown on the display")

        self.login("101")  # roam straight to another person
        self.w.wait_screen("101 Bob Builder")
        self.assert_registered_as("101")
        self.assertEqual(self.w.admin_view()[MAC]["user"]["ext"], "101")

        self.w.keys("{blf1}")  # the reserved logout key
        self.w.wait_screen("HD0001")
        self.assert_registered_as("HD0001")
        wait_until(lambda: self.w.admin_view()[MAC]["state"] == "idle", 3, "PBX told of logout")

    def test_blf_keys_follow_the_person(self):
        # The user's BLF list (Bob, 101) shifts down by one: BLF 1 is the logout key.
        self.login("100")
        self.assert_registered_as("100")
        self.w.keys("{blf2}")
        wait_until(lambda: self.w.invites_to("101"), 5, "INVITE for 101 from BLF 2")
        # Idle, BLF 2 is the pool's Reception key (200): refused by the dial policy.
        self.w.keys("{blf1}")
        self.assert_registered_as("HD0001")
        n = len(self.w.frames())
        self.w.keys("{blf2}")
        self.w.wait_frame("Log in to call", since=n)
        self.assertEqual(self.w.invites_to("200"), [])

    def test_logout_by_code(self):
        self.login("100")
        self.assert_registered_as("100")
        self.w.keys("*77*5*")
        self.w.wait_screen("HD0001")
        self.assert_registered_as("HD0001")
        wait_until(lambda: self.w.admin_view()[MAC]["state"] == "idle", 3, "PBX told of logout")

    def test_logged_in_user_can_call_anyone(self):
        self.login("100")
        self.assert_registered_as("100")
        self.w.keys("112")
        self.w.psap_ctrl.wait_event("CALL_INCOMING", 5)
        invites = self.w.invites_to("112")
        self.assertTrue(invites and "sip:100@" in invites[-1][2], invites)
        self.w.psap_ctrl.command("hangup")

    def test_wrong_pin_changes_nothing(self):
        self.login("100", "11112222")
        self.w.wait_frame("Wrong PIN")
        self.w.wait_screen("HD0001")
        self.assert_stays_pool()
        self.assertEqual(self.registers_of("100"), [])

    def test_lockout_after_three_wrong_pins(self):
        for _ in range(3):
            n = len(self.w.frames())
            self.login("100", "11112222")
            wait_until(lambda: any("Wrong PIN" in f or "locked" in f
                                   for f in self.w.frames()[n:]), 5, "refusal shown")
        # The phone itself now slows guesses: the PBX does not even hear this one.
        n = len(self.w.frames())
        self.w.keys("*77*100*")
        self.w.wait_frame("Too many wrong PINs", since=n)
        time.sleep(1.2)  # pin_throttle_ms 1000 in the test world
        n = len(self.w.frames())
        self.login("100")  # the right PIN, but the PBX has locked the extension
        self.w.wait_frame("locked", since=n)
        self.assert_stays_pool()

    def test_unknown_extension(self):
        self.login("999", "12345678")
        self.w.wait_frame("Unknown extension 999")
        self.assert_stays_pool()

    def test_extension_not_permitted(self):
        self.login("102")
        self.w.wait_frame("102 may not hot desk")
        self.assert_stays_pool()
        self.assertEqual(self.registers_of("102"), [])

    def test_registrar_refuses_user_rolls_back_to_pool(self):
        self.login("103")
        self.w.wait_frame("Password refused (401)")
        self.assert_registered_as("HD0001")
        # hotdeskd's credentials check asked (a query, no Contact) and was refused;
        # baresip never got the account: no REGISTER with a Contact
        self.assertIn("challenge", [r[0] for r in self.registers_of("103", queries=True)])
        self.assertEqual(self.registers_of("103"), [])
        self.assertIn("HD0001", self.w.screen())
        # and the pool still works: an emergency call goes out from it
        self.w.keys("112")
        self.w.psap_ctrl.wait_event("CALL_INCOMING", 5)
        self.w.psap_ctrl.command("hangup")

    def test_emergency_from_idle_reaches_answering_point(self):
        self.w.keys("112")
        ev = self.w.psap_ctrl.wait_event("CALL_INCOMING", 5)
        self.assertIn("hd0001", ev.get("peeruri", "").lower())
        invites = self.w.invites_to("112")
        self.assertTrue(invites and "sip:HD0001@" in invites[-1][2], invites)
        self.w.psap_ctrl.command("hangup")

    def test_ordinary_number_refused_from_idle(self):
        n = len(self.w.frames())
        self.w.keys("200#")
        self.w.wait_frame("Log in to call", since=n)
        time.sleep(0.5)
        self.assertEqual([r for r in self.w.reg.requests() if r[0] == "INVITE"], [])

    def test_feature_codes_never_reach_the_network(self):
        self.login("100")
        self.assert_registered_as("100")
        self.w.keys("*77*5*")
        self.assert_registered_as("HD0001")
        for method, ruri, _ in self.w.reg.requests():
            self.assertNotIn("*77", ruri)
            # REGISTERs, and the BLF keys' dialog event SUBSCRIBEs (docs/blf.md)
            self.assertEqual(method in ("REGISTER", "SUBSCRIBE"), True, (method, ruri))

    def test_baresip_restart_reapplies_identity(self):
        self.login("100")
        self.assert_registered_as("100")
        stale = set(self.w.reg.contacts_of("100"))
        self.w.phone.proc.stop(signals=())  # SIGKILL: a crash
        self.w.wait_screen("No service")
        self.w.phone.start()
        # hotdeskd reconnects and re-applies the person, not the pool.
        wait_until(lambda: set(self.w.reg.contacts_of("100")) - stale, 8,
                   "a binding for 100 from the restarted baresip")
        self.w.wait_screen("100 Alice Example | Ready", timeout=8)
        self.w.keys("{blf1}")
        wait_until(lambda: set(self.w.reg.contacts_of("100")) <= stale, 5,
                   "the restarted baresip's binding for 100 removed at logout")
        # baresip 1.0.0 makes a new contact user per process ("100-0x<ptr>"), so
        # the crashed process's binding stays until it expires (regint).
        self.assertIn("hd0001", self.w.phone_bindings())


class PbxDownTest(WorldCase):
    """The PBX is not running at all: login fails clearly, emergency calls work."""
    world_opts = {"pbx_up": False}

    def test_login_with_pbx_down(self):
        self.login("100")
        self.w.wait_frame("Login server unreachable")
        self.w.wait_screen("HD0001")
        self.assert_stays_pool()
        self.w.keys("112")
        self.w.psap_ctrl.wait_event("CALL_INCOMING", 5)
        self.w.psap_ctrl.command("hangup")


class DialTerminatorTest(WorldCase):
    """Issue 14 kind 3: PBX dial plans use '#' inside codes. With the device profile's
    hd_dial_terminator none, *31#<number> + Send is one call to exactly that number."""
    world_opts = {"device_profile": {"hd_dial_terminator": "none"}}

    def test_hash_inside_a_code_goes_out_as_one_call(self):
        wait_until(lambda: "dial terminator none" in self.w.hotdeskd.log(), 5,
                   "the device profile's dial terminator applied")
        self.login("100")
        self.assert_registered_as("100")
        n = len(self.w.reg.requests())
        self.w.keys("*31#0301234567{send}")
        # nobody is registered as that number: kamailio answers, the call ends
        self.w.wait_frame("Not found", 8)
        uris = {r[1] for r in self.w.reg.requests()[n:] if r[0] == "INVITE"}
        self.assertEqual(len(uris), 1, uris)  # one call (a challenge repeats the same URI)
        uri = uris.pop()
        self.assertTrue(uri.startswith("sip:*31%230301234567@") or
                        uri.startswith("sip:*31#0301234567@"), uri)


class DialTerminatorUserTest(WorldCase):
    """The person's profile overrides the board's '#' (host board: hash), for them only."""

    def calls_after(self, n):
        return {r[1].split("@")[0] for r in self.w.reg.requests()[n:] if r[0] == "INVITE"}

    def test_the_persons_profile_says_hash_is_a_dial_character(self):
        self.w.pbx_hook("/test/user", {"ext": "100", "fields": {"dial_terminator": "none"}})
        self.login("100")
        self.assert_registered_as("100")
        wait_until(lambda: "dial terminator none" in self.w.hotdeskd.log(), 5,
                   "the person's dial terminator applied")
        n = len(self.w.reg.requests())
        self.w.keys("*31#0301234567{send}")
        self.w.wait_frame("Not found", 8)
        self.assertEqual(len(self.calls_after(n)), 1, self.calls_after(n))
        # Bob's profile says nothing: the board's hash ends the number again.
        self.login("101")
        self.assert_registered_as("101")
        wait_until(lambda: "dial terminator hash" in self.w.hotdeskd.log(), 5,
                   "back to the board's dial terminator")
        n = len(self.w.reg.requests())
        self.w.keys("555#")
        self.w.wait_frame("555 | Not found", 8)
        self.assertEqual(self.calls_after(n), {"sip:555"})


class LogoutDuringLoginTest(WorldCase):
    """Issue 12: the PBX logs a person out while a login is in flight on the phone. The
    reference PBX records the login, then holds its answer (test hook) until the test
    releases it: meanwhile the phone is logging in. Whom the logout names decides
    (docs/protocol.md): the person arriving leaves once their login completes; a failed
    login drops it; a logout of the person who leaves a roam leaves the newcomer alone."""
    # faults: the registrar can refuse 100; the phone waits for the held answer (the
    # test releases it as soon as the logout is in)
    world_opts = {"registrar_faults": {}, "pbx_timeout_ms": "10000"}

    def login_in_flight(self, ext):
        """`ext` types code and PIN; returns once the PBX's view has them at the phone
        while its answer is held (the phone says logging-in)."""
        self.w.pbx_hook("/test/hold_login", {"ext": ext})
        self.login(ext)
        wait_until(lambda: (self.w.admin_view()[MAC].get("user") or {}).get("ext") == ext,
                   5, "the PBX has %s's login" % ext)
        self.assertEqual(self.w.status()["state"], "logging-in")

    def release(self, ext):
        self.w.pbx_hook("/test/release_login", {"ext": ext})

    def admin_logout(self):
        status, body = https_json(self.w.pbx.url + "/api/v1/admin/devices/%s/logout" % MAC,
                                  method="POST", body={}, token=ADMIN_TOKEN, ca=self.w.ca)
        self.assertEqual((status, body.get("phone_answered")), (200, 202), body)

    def wait_status(self, state, user):
        def now():
            st = self.w.status()
            return st["state"] == state and (st.get("user") or {}).get("ext") == user and st
        return wait_until(now, 8, "status %s %s (now %r)" % (state, user, self.w.status()))

    def test_the_forced_logout_runs_once_the_login_completes(self):
        self.login_in_flight("100")
        self.admin_logout()  # names 100: the view has them here
        self.assertEqual(self.w.phone_bindings(), ["hd0001"], "nothing registered yet")
        self.release("100")
        st = self.wait_status("idle", None)
        self.assertEqual(st["logout_reason"], "pbx")
        self.assert_registered_as("HD0001")
        # the login did complete (100 registered), and then 100 left
        self.assertIn(("ok", "100"), [(r[0], r[1]) for r in self.registers_of("100")])
        self.assertEqual(self.w.reg.contacts_of("100"), [])
        self.w.wait_frame("Logged out")
        log = self.w.hotdeskd.log()
        self.assertIn("the logout of 100 waits until the login of 100 settles", log)
        self.assertIn("logged-in -> logging-out on RemoteLogout", log)
        wait_until(lambda: self.w.admin_view()[MAC]["state"] == "idle", 5, "PBX view idle")
        self.assertEqual(self.w.admin_view()[MAC]["last_logout"]["reason"], "pbx")

    def test_a_login_that_fails_drops_the_forced_logout(self):
        self.w.reg.set_fault("100", "403")
        self.login_in_flight("100")
        self.admin_logout()
        self.release("100")
        self.w.wait_frame("refused (403)")
        st = self.wait_status("idle", None)
        self.assertIn("403", st["last_error"])
        wait_until(lambda: "the logout of 100 is dropped: nobody is logged in"
                   in self.w.hotdeskd.log(), 5, "the dropped logout logged")
        self.assert_stays_pool()
        self.assertEqual(self.registers_of("100"), [], "100 never got a binding")
        wait_until(lambda: self.w.admin_view()[MAC]["state"] == "idle", 5, "PBX view idle")

    def test_a_logout_of_the_person_leaving_spares_the_one_arriving(self):
        self.login("100")
        self.assert_registered_as("100")
        self.login_in_flight("101")  # a roam: Alice leaves, Bob arrives
        # The PBX logs Alice out (e.g. she moved to another phone before Bob's login
        # reached it): the phone answers for Alice, still here.
        status, body = https_json(self.w.status_url + "/logout", method="POST",
                                  body={"ext": "100"}, token=STATUS_TOKEN, ca=self.w.ca)
        self.assertEqual(status, 202, body)
        self.release("101")
        self.assert_registered_as("101")
        self.wait_status("logged-in", "101")
        wait_until(lambda: "the logout of 100 is dropped: 101 sits here"
                   in self.w.hotdeskd.log(), 5, "the logout of Alice dropped")
        time.sleep(0.5)  # nothing more happens
        self.assertTrue(self.w.registered_as("101"), self.w.phone_bindings())
        self.assertEqual(self.w.status()["state"], "logged-in")
        # and a logout naming someone not here is refused with 409
        status, body = https_json(self.w.status_url + "/logout", method="POST",
                                  body={"ext": "100"}, token=STATUS_TOKEN, ca=self.w.ca)
        self.assertEqual(status, 409, body)
        self.assertIn("100 is not logged in here", body.get("message", ""))


if __name__ == "__main__":
    unittest.main()
