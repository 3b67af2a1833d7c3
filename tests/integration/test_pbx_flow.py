# SPDX-License-Identifier: BSD-3-Clause
"""The phone in the PBX login flow (issue 13, docs/pbx-flow.md), on real parts: kamailio,
hotdeskd driving baresip, tests/pbx serving the device profile.

With `hd_login_flow pbx` the login and logout codes are calls to the PBX (kamailio's request
log shows them, from the pool identity, to the PBX's domain); the PBX decides and
reprovisions: identity 1 of the device profile becomes the person's account (here the test
plays the PBX's part through the reference PBX's profile override, and `hotdeskctl resync`
is the PBX's trigger), and the phone swaps make-before-break, never during a call; the pool
account again logs them out. The IVR that takes the PIN is tests/pbx's (test_pbx_ivr).

    HOTDESKD=build/host/hotdeskd HOTDESKCTL=build/host/tools/hotdeskctl \\
        python3 -m unittest -v test_pbx_flow   (in this dir)
"""

import os
import sys
import time
import unittest

from harness import https_json, wait_until
from world import ADMIN_TOKEN, MAC, POOL_PASSWORD, USERS, WorldTestCase

FLOW = '    <hd_login_flow perm="R">pbx</hd_login_flow>\n' \
       '    <hd_pool_ext perm="R">HD0001</hd_pool_ext>\n  </phone-settings>'


class FlowCase(WorldTestCase):
    prefix = "hotdesk-pbx-flow-"

    def ctl(self, *args):
        code, out = self.w.ctl(*args)
        self.assertEqual(code, 0, out)
        return out

    def status(self):
        return self.w.status()

    phone_ids = {"hd0001", "100"}  # the peers' are not the phone's

    def bound(self):
        """The phone's identities bound at the registrar (not the peers')."""
        return sorted({u for u, _ in self.w.reg.bindings()} & self.phone_ids)

    def ext(self):
        return (self.status().get("user") or {}).get("ext")

    def invites_to(self, code):
        return [(r, f) for m, r, f in self.w.reg.requests()
                if m == "INVITE" and r.startswith("sip:" + code + "@")]


    def tearDown(self):
        if self.w.procs and getattr(self.w, "hotdeskd", None) is not None:
            bugs = [l for l in self.w.hotdeskd.log().splitlines() if "BUG:" in l]
            self.assertEqual(bugs, [], "hotdeskd logged a bug")
        super().tearDown()


class IvrLoginTest(FlowCase):
    """The whole flow with the reference PBX's IVR (a real baresip): the PIN typed on the
    phone's keypad goes to the IVR as RFC 4733 DTMF in the call; the PBX reprovisions and
    triggers the resync; the phone becomes the person, and the logout key hands it back."""
    world_opts = {"pbx_flow": True}

    def type_in_call(self, digits):
        for d in digits:
            self.w.keys(d)
            time.sleep(0.15)  # a person's pace; baresip sends one RFC 4733 event at a time

    def test_login_and_logout_through_the_ivr(self):
        wait_until(lambda: self.status()["registration"] == "registered", 5, "pool registered")
        self.w.keys("*77*100*")
        self.w.wait_screen("Connected", 5)
        self.assertEqual(self.invites_to("*77*100*")[0][1].split("@")[0], "sip:HD0001")
        self.type_in_call(USERS["100"][1] + "#")
        hash_typed = time.monotonic()
        wait_until(lambda: (self.status().get("user") or {}).get("ext") == "100", 10,
                   lambda: "the phone is 100 (%r)" % self.status())
        wait_until(lambda: self.bound() == ["100"], 5, lambda: "only 100 bound (%r)" % self.bound())
        print("figure: # typed -> 100 the only binding: %.0f ms"
              % ((time.monotonic() - hash_typed) * 1000), file=sys.stderr)
        self.w.wait_screen("100 Alice Example", 5)
        # The logout key dials the PBX's logout code as 100; the PBX hands the phone back.
        self.w.keys("{blf1}")
        wait_until(lambda: self.invites_to("*77*5*"), 5, "INVITE *77*5* at the PBX")
        wait_until(lambda: self.status()["state"] == "idle", 10,
                   lambda: "idle again (%r)" % self.status())
        wait_until(lambda: self.bound() == ["hd0001"], 5, lambda: "only the pool (%r)" % self.bound())

    def test_a_pin_typed_at_once_goes_to_the_ivr_not_to_the_display(self):
        # Review: keys typed before the IVR call's first event were collected as a new
        # number: "Dial: 7" (the PIN's first digit) on the display, dialled as a second
        # call 1.5 s later, and the IVR got a PIN one digit short.
        wait_until(lambda: self.status()["registration"] == "registered", 5, "pool registered")
        n = len(self.w.frames())
        before = len(self.w.reg.requests())
        self.w.keys("*77*100*")
        self.type_in_call(USERS["100"][1] + "#")  # at once, not waiting for "Connected"
        wait_until(lambda: (self.status().get("user") or {}).get("ext") == "100", 10,
                   lambda: "the phone is 100 (%r)" % self.status())
        # the code itself is shown as it is typed; nothing after it
        shown = [f for f in self.w.frames()[n:] if "Dial: " in f and
                 not "*77*100*".startswith(f.split("Dial: ", 1)[1].strip())]
        self.assertEqual(shown, [], "a PIN digit on the display")
        invites = [r for m, r, f in self.w.reg.requests()[before:]
                   if m == "INVITE" and "sip:ivr@" not in r]
        # (the INVITE comes twice: kamailio challenges the first)
        self.assertEqual(sorted({r.split("@")[0] for r in invites}), ["sip:*77*100*"])

    def test_the_pin_typed_into_the_ivr_is_in_no_log(self):
        """The PIN goes to the IVR digit by digit as DTMF in a call; baresip 1.0.0 logs
        each such digit at info level unless started as the phone starts it
        (docs/reliability.md, "Digits typed in a call"). No log of the world tells one:
        the phone's baresip output and syslog, hotdeskd's, the PBX's and its IVR's,
        kamailio's; yet the IVR got all of them and the phone became the person."""
        self.login_by_ivr("100")
        self.assertRegex(self.w.pbx.log(), r"ivr: call \S+: PIN of 8 digits \(ended by #\)")
        self.assertIn("Log level 'WARNING'", self.w.phone.log())
        self.assertTrue(self.w.phone.syslog, "the phone's syslog is not captured: run "
                        "through ctest (HOTDESK_SYSLOG_SHIM)")
        with open(self.w.phone.syslog_log, errors="replace") as f:
            self.assertIn("baresip is ready", f.read())  # what syslog got, captured
        logs = self.w.logs()
        self.assertIn(self.w.phone.syslog_log, logs)
        self.assertIn(self.w.ivr_log, logs)
        self.assertEqual(self.w.dtmf_in_logs(), [])
        self.assertEqual(self.w.leaked_secrets(), [])  # nor the PIN as a whole

    phone_ids = {"hd0001", "100", "101"}

    def setUp(self):
        super().setUp()
        # the flow is the device profile's: keys typed before it arrives are the local flow's
        wait_until(lambda: "device profile applied" in self.w.hotdeskd.log(), 5,
                   "the device profile applied")

    def login_by_ivr(self, ext):
        self.w.keys("*77*%s*" % ext)
        self.w.wait_screen("Connected", 5)
        self.type_in_call(USERS[ext][1] + "#")
        wait_until(lambda: self.ext() == ext, 10, lambda: "the phone is %s (%r)" % (ext, self.status()))
        wait_until(lambda: self.bound() == [ext], 5, lambda: "only %s bound (%r)" % (ext, self.bound()))
        self.assertEqual(self.w.admin_view()[MAC]["user"]["ext"], ext)  # the PBX view agrees

    def back_to_pool(self):
        wait_until(lambda: self.status()["state"] == "idle", 10,
                   lambda: "idle again (%r)" % self.status())
        wait_until(lambda: self.bound() == ["hd0001"], 5, lambda: "only the pool (%r)" % self.bound())

    def test_roam_and_logout_by_code(self):
        self.login_by_ivr("100")
        self.login_by_ivr("101")  # roam: 101 dials the login code on 100's phone
        self.assertEqual(self.invites_to("*77*101*")[0][1].split("@")[0], "sip:100")
        self.w.keys("*77*5*")
        wait_until(lambda: self.invites_to("*77*5*"), 5, "INVITE *77*5* at the PBX")
        self.back_to_pool()

    def test_forced_logout_waits_for_an_emergency_call(self):
        self.login_by_ivr("100")
        psap, cid = self.w.emergency_call_up()
        status, body = https_json(self.w.pbx.url + "/api/v1/admin/devices/%s/logout" % MAC,
                                  method="POST", body={}, token=ADMIN_TOKEN, ca=self.w.ca)
        self.assertEqual((status, body.get("phone_answered")), (200, 202))
        wait_until(lambda: self.status()["pending"] == "logout", 5,
                   lambda: "the logout waits for the call (%r)" % self.status())
        self.assertEqual(self.bound(), ["100"])
        try:  # nothing hotdeskd does may interrupt an emergency call
            psap.wait_event("CALL_CLOSED", 1.0, lambda e: e["id"] == cid)
            self.fail("the forced logout cut the emergency call")
        except AssertionError as e:
            if "cut the emergency call" in str(e):
                raise
        psap.ok("hangup")
        psap.wait_event("CALL_CLOSED", 5, lambda e: e["id"] == cid)
        self.back_to_pool()
        # and 112 from the pool in this flow
        self.w.keys("112")
        cid = psap.wait_event("CALL_INCOMING", 5)["id"]
        psap.ok("hangup")

    def test_a_bad_or_unreachable_reprovisioning_changes_nothing(self):
        self.login_by_ivr("100")
        self.w.pbx_hook("/test/device_profile", {"mac": MAC, "override": {"xml": "<settings><broken"}})
        self.addCleanup(self.w.pbx_hook, "/test/device_profile", {"mac": MAC, "override": None})
        self.ctl("resync")
        wait_until(lambda: "device profile rejected" in self.w.hotdeskd.log(), 5,
                   "the rejection logged")
        self.assertEqual((self.ext(), self.bound()), ("100", ["100"]))
        self.w.pbx_hook("/test/device_profile", {"mac": MAC, "override": {"status": 503}})
        self.ctl("resync")
        wait_until(lambda: "PBX answered HTTP 503 for the device profile" in self.w.hotdeskd.log(), 5,
                   "the PBX's 503 logged")
        self.assertEqual((self.ext(), self.bound()), ("100", ["100"]))

    def test_wrong_pin_leaves_the_phone_the_pool(self):
        wait_until(lambda: self.status()["registration"] == "registered", 5, "pool registered")
        self.w.keys("*77*100*")
        self.w.wait_screen("Connected", 5)
        self.type_in_call("11112222#")
        wait_until(lambda: "Connected" not in self.w.screen(), 10, "the IVR hung up")
        # The IVR decides before it hangs up and sends a resync only after an accepted
        # PIN: once its refusal and the call's end are logged, no resync can follow.
        wait_until(lambda: "login 100 refused" in self.w.pbx.log() and
                   " closed" in self.w.pbx.log(), 5, "the IVR's refusal logged")
        self.assertNotIn("ivr: resync", self.w.pbx.log())
        self.assertEqual(self.status()["state"], "idle")
        self.assertEqual(self.bound(), ["hd0001"])


class IvrCfgLoginTest(IvrLoginTest):
    """The login and logout through the IVR with the PBX serving Yealink's .cfg format."""
    world_opts = {"pbx_flow": "cfg"}
    # (the other scenarios do not depend on the format)
    test_roam_and_logout_by_code = None
    test_forced_logout_waits_for_an_emergency_call = None
    test_a_bad_or_unreachable_reprovisioning_changes_nothing = None
    test_wrong_pin_leaves_the_phone_the_pool = None


class PbxFlowTest(FlowCase):
    # 102 is known to the registrar only by a 3CX-style authentication ID
    world_opts = {"peers": ("101",), "person_auth_ids": {"102": "cA7r102x"}}

    def setUp(self):
        super().setUp()
        self.pool_xml = wait_until(
            lambda: next((t for p, t in self.w.state_files().items()
                          if p.endswith("/device-profile.xml")), None), 5, "device profile cached")
        self.assertIn(POOL_PASSWORD, self.pool_xml)
        self.addCleanup(self.w.pbx_hook, "/test/device_profile", {"mac": MAC, "override": None})
        self.provision(self.pool_profile())
        wait_until(lambda: self.log_has("device profile applied"), 5, "flow profile applied")

    # ---- the PBX's part ----

    def pool_profile(self):
        return self.pool_xml.replace("  </phone-settings>", FLOW)

    def person_profile(self, ext):
        name, _, _, regpw, _ = USERS[ext]
        return (self.pool_profile()
                .replace(">HD0001</user_name>", ">%s</user_name>" % ext)
                .replace(POOL_PASSWORD, regpw)
                .replace('<user_realname idx="1" perm="R">HD0001<',
                         '<user_realname idx="1" perm="R">%s<' % name))

    def provision(self, xml):
        self.applied = self.log_count("device profile applied")
        self.w.pbx_hook("/test/device_profile", {"mac": MAC, "override": {"xml": xml}})
        self.ctl("resync")

    # ---- what the phone and the registrar say ----

    def hotdeskd_log(self):
        with open(os.path.join(self.w.dir, "hotdeskd", "hotdeskd.log")) as f:
            return f.read()

    def log_count(self, text):
        return self.hotdeskd_log().count(text)

    def log_has(self, text):
        return self.log_count(text) > getattr(self, "applied", 0)

    def shown(self, text):
        with open(self.w.display_log) as f:
            return text in f.read()

    def become(self, ext):
        self.provision(self.person_profile(ext))
        wait_until(lambda: (self.status().get("user") or {}).get("ext") == ext, 5,
                   "the phone is %s" % ext)
        wait_until(lambda: self.bound() == [ext], 5, lambda: "only %s bound (%r)" % (ext, self.bound()))

    # ---- scenarios ----

    def test_login_code_is_a_call_to_the_pbx(self):
        self.w.keys("*77*100*")
        calls = wait_until(lambda: self.invites_to("*77*100*"), 5, "INVITE *77*100* at the PBX")
        self.assertIn("sip:HD0001@", calls[0][1])  # from the pool identity
        wait_until(lambda: self.shown("Login via PBX"), 5, "Login via PBX shown")
        self.assertEqual(self.status()["state"], "idle")  # no PIN entry of our own

    def test_provisioned_person_swaps_make_before_break_and_back(self):
        order = len(self.w.reg.register_results())
        self.become("100")
        self.w.wait_screen("100 Alice Example", 5)
        # make-before-break: 100 registered before the pool's binding went
        results = [(r, u, c) for r, u, c in self.w.reg.register_results()[order:]]
        first_ok = next(i for i, (r, u, _) in enumerate(results) if r == "ok" and u == "100")
        unbind = next(i for i, (r, u, c) in enumerate(results)
                      if r == "ok" and u.lower() == "hd0001" and "expires=0" in c.lower()
                      or (r == "ok" and u.lower() == "hd0001" and c == "*"))
        self.assertLess(first_ok, unbind)
        # The logout key dials the PBX's logout code; the phone stays 100 until the PBX says.
        self.w.keys("{blf1}")
        wait_until(lambda: self.invites_to("*77*5*"), 5, "INVITE *77*5* at the PBX")
        self.assertEqual(self.status()["user"]["ext"], "100")
        self.provision(self.pool_profile())
        wait_until(lambda: self.status()["state"] == "idle", 5, "idle again")
        wait_until(lambda: self.bound() == ["hd0001"], 5, "only the pool bound")

    def test_a_person_with_an_authentication_id_registers_with_it(self):
        # identity 1 of the person's profile names the ID (Snom user_pname; Yealink's
        # account.1.auth_name): the credentials check and the account both use it
        xml = self.person_profile("102").replace(
            "</user_name>", '</user_name>\n    <user_pname idx="1" perm="R">cA7r102x</user_pname>',
            1)
        order = len(self.w.reg.register_auths(queries=True))
        self.provision(xml)
        wait_until(lambda: self.ext() == "102", 5, "the phone is 102")
        port = ":%d" % self.w.phone.sip_port
        wait_until(lambda: any(u == "102" and port in c for u, c in self.w.reg.bindings()), 5,
                   "102 bound at the phone")
        auths = [(r, u, a) for r, u, a, c in self.w.reg.register_auths(queries=True)[order:]
                 if u == "102"]
        self.assertIn(("ok", "102", "cA7r102x"), auths)
        self.assertEqual([a for _, _, a in auths if a not in ("<null>", "cA7r102x")], [],
                         "every REGISTER for 102 authenticated with the ID")
        self.assertNotIn("refuses the credentials", self.hotdeskd_log())
        self.provision(self.pool_profile())
        wait_until(lambda: self.status()["state"] == "idle", 5, "idle again")

    def test_provisioning_waits_for_the_call(self):
        self.become("100")
        peer = self.w.peer_ctrl["101"]
        self.w.keys("101#")
        cid = peer.wait_event("CALL_INCOMING", 5)["id"]
        peer.ok("accept")
        peer.wait_event("CALL_ESTABLISHED", 5, lambda e: e["id"] == cid)
        self.w.wait_screen("Connected")
        self.provision(self.pool_profile())
        wait_until(lambda: self.log_has("device profile applied"), 5, "profile applied")
        self.assertEqual(self.status()["user"]["ext"], "100")
        self.assertEqual(self.status()["pending"], "logout")
        self.assertEqual(self.bound(), ["100"])
        try:  # the call is sacred
            peer.wait_event("CALL_CLOSED", 1.0, lambda e: e["id"] == cid)
            self.fail("the identity change cut the call")
        except AssertionError as e:
            if "cut the call" in str(e):
                raise
        self.w.keys("{hook_on}")
        wait_until(lambda: self.status()["state"] == "idle", 5, "the pool after the call")
        wait_until(lambda: self.bound() == ["hd0001"], 5, "only the pool bound")

    def test_the_pool_provisioned_during_a_waiting_login_wins(self):
        # A login the PBX provisioned waits for the call; the admin's forced logout
        # (the pool provisioned again) comes meanwhile: the pool is where it ends.
        psap, cid = self.w.emergency_call_up()
        self.provision(self.person_profile("100"))
        wait_until(lambda: self.status()["pending"] == "login", 5,
                   lambda: "the login waits for the call (%r)" % self.status())
        self.provision(self.pool_profile())
        wait_until(lambda: self.log_has("device profile applied"), 5, "the pool profile applied")
        psap.ok("hangup")
        psap.wait_event("CALL_CLOSED", 5, lambda e: e["id"] == cid)
        wait_until(lambda: self.status()["state"] == "idle" and self.status()["user"] is None
                   and self.bound() == ["hd0001"], 10,
                   lambda: "the pool at the end (%r, %r)" % (self.status(), self.bound()))

    def test_power_cut_with_a_logout_waiting_ends_as_the_pool(self):
        # The pool profile arrived (and was cached) while 100's call deferred the
        # logout; the power goes before the hang-up. The state directory still says
        # 100, the cached profile says the pool: the profile wins once baresip is up.
        self.become("100")
        self.w.emergency_call_up()
        self.provision(self.pool_profile())
        wait_until(lambda: self.status()["pending"] == "logout", 5, "the logout waits")
        self.w.hotdeskd.stop(signals=())  # the whole phone loses power
        self.w.phone.stop()
        self.w.phone.start()
        self.w.start_hotdeskd(wait_pool=False)
        wait_until(lambda: self.status()["state"] == "idle" and self.bound() == ["hd0001"], 10,
                   lambda: "the pool after the restart (%r, %r)" % (self.status(), self.bound()))

    def test_restart_during_a_call_with_a_logout_waiting_keeps_the_call(self):
        # Review rev15: as test_provisioning_waits_for_the_call, but hotdeskd alone
        # restarts (a crash) while the logout waits for the call; baresip and the call
        # stay up. The PBX flow comes back as the state directory's 100 (no probe: 100
        # is wanted and present) and the cached pool profile is followed at once.
        # Fails on a4f1acd: the swap to the pool sends uadel 100 and cuts the call.
        self.become("100")
        peer = self.w.peer_ctrl["101"]
        self.w.keys("101#")
        cid = peer.wait_event("CALL_INCOMING", 5)["id"]
        peer.ok("accept")
        peer.wait_event("CALL_ESTABLISHED", 5, lambda e: e["id"] == cid)
        self.w.wait_screen("Connected")
        self.provision(self.pool_profile())
        wait_until(lambda: self.status()["pending"] == "logout", 5, "the logout waits")
        self.w.hotdeskd.stop(signals=())  # hotdeskd alone: baresip keeps the call
        self.w.start_hotdeskd(wait_pool=False)
        try:
            peer.wait_event("CALL_CLOSED", 3.0, lambda e: e["id"] == cid)
            self.fail("the restart's identity change cut the call")
        except AssertionError as e:
            if "cut the call" in str(e):
                raise
        peer.ok("hangup")
        wait_until(lambda: self.status()["state"] == "idle" and self.bound() == ["hd0001"], 10,
                   lambda: "the pool after the call (%r, %r)" % (self.status(), self.bound()))

    def test_restart_comes_back_as_the_provisioned_person(self):
        self.become("100")
        self.w.hotdeskd.stop(signals=())  # power cut of hotdeskd alone
        self.w.start_hotdeskd(wait_pool=False)
        wait_until(lambda: (self.status().get("user") or {}).get("ext") == "100", 10,
                   "100 after the restart")
        self.assertEqual(self.bound(), ["100"])


if __name__ == "__main__":
    unittest.main()
