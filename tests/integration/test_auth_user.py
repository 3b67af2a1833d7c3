# SPDX-License-Identifier: BSD-3-Clause
"""An authentication user other than the AOR's user (3CX's "Authentication ID" beside the
extension number; Yealink's account.1.auth_name; docs/profile.md).

The registrar (tests/registrar/kamailio.cfg, route HD_AUTH_USER) has a subscriber row whose
username is the authentication ID and whose hd_aor_user column names the AOR user it may act
as: kamailio 5.6's auth_check() with flag 1 requires the digest user to be the From/To user,
so it runs with flag 0 and the route checks the mapping. First baresip 1.0.0 alone
(`;auth_user=` in its account line, src/account.c), then hotdeskd with a device profile
whose identity 1 has user_pname (XML) or account.1.auth_name (.cfg): the registrar binds the
pool's AOR, authenticated with the ID, and its BLF subscription is accepted with it too.
"""

import os
import shutil
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

from harness import Baresip, BaresipCtrl, Registrar, free_port, wait_until  # noqa: E402
from world import WorldTestCase  # noqa: E402

AUTH_ID, PW100, PW101 = "a8Xk2pQ", "pw100-Secret", "pw101-Secret"


class RegistrarAuthIdTest(unittest.TestCase):
    """baresip 1.0.0's auth_user against kamailio 5.6 with an authentication ID row."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="hotdesk-authid-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.reg = Registrar(os.path.join(self.dir, "registrar"), free_port(),
                             {"101": PW101}, auth_ids={AUTH_ID: ("100", PW100)})
        self.addCleanup(self.reg.stop)
        self.reg.start()

    def register(self, name, line):
        """Adds `line` to a fresh baresip; returns (event type, its param, the contact's
        port) for the first REGISTER_OK or REGISTER_FAIL."""
        b = Baresip(self.dir, name, free_port(span=2), free_port(), [])
        self.addCleanup(b.stop)
        b.start()
        ctrl = BaresipCtrl(b.ctrl_port)
        self.addCleanup(ctrl.close)
        ctrl.ok("uanew", line % self.reg.domain)
        ev = wait_until(lambda: next((e for e in ctrl.events() if e.get("type") in
                                      ("REGISTER_OK", "REGISTER_FAIL")), None),
                        5, "REGISTER_OK or REGISTER_FAIL")
        return ev["type"], ev.get("param", ""), ":%d" % b.sip_port

    def test_the_id_registers_its_aor_user_and_nothing_else(self):
        rows = [
            # name, account line, REGISTER result, binding of (user), digest user logged
            ("id", '<sip:100@%s>;auth_pass=' + PW100 + ';auth_user="' + AUTH_ID +
             '";regint=600', "REGISTER_OK", "100", AUTH_ID),
            ("plain", "<sip:100@%s>;auth_pass=" + PW100 + ";regint=600",
             "REGISTER_FAIL", None, "100"),    # digest user 100: no such subscriber
            ("other", '<sip:101@%s>;auth_pass=' + PW100 + ';auth_user="' + AUTH_ID +
             '";regint=600', "REGISTER_FAIL", None, AUTH_ID),  # not its AOR user: 403
            ("own", "<sip:101@%s>;auth_pass=" + PW101 + ";regint=600",
             "REGISTER_OK", "101", "101"),     # flag 1's rule, as before
        ]
        for name, line, want, bound, digest in rows:
            with self.subTest(name):
                got, param, port = self.register(name, line)
                self.assertEqual(got, want, param)
                if name == "other":
                    self.assertIn("403", param)
                users = [u for u, c in self.reg.bindings() if port in c]
                self.assertEqual(users, [bound] if bound else [])
                auths = [(r, u, a) for r, u, a, c in self.reg.register_auths() if port in c]
                self.assertIn(digest, [a for _, _, a in auths])
                if bound:
                    self.assertEqual(auths[-1], ("ok", bound, digest))
                self.assertNotIn(PW100, self.reg.log())


class PoolAuthIdTest(WorldTestCase):
    """hotdeskd: the device profile's identity 1 carries the ID (user_pname); the pool's
    account line says auth_user, the registrar binds HD0001 authenticated as the ID."""
    world_opts = {"pool_auth_id": "hdA7q2Lx",
                  "device_profile": {"blf": [["101", "*8", "Bob"]]}}

    def test_the_pool_registers_with_its_authentication_id(self):
        wait_until(lambda: self.w.registered_as("HD0001"), 5,
                   lambda: "HD0001 bound (%r)" % self.w.phone_bindings())
        port = ":%d" % self.w.phone.sip_port
        oks = [(u, a) for r, u, a, c in self.w.reg.register_auths()
               if r == "ok" and port in c]
        self.assertEqual(oks[-1], ("HD0001", "hdA7q2Lx"))
        # the only way in: no REGISTER of the phone authenticated as HD0001 was taken
        self.assertNotIn(("HD0001", "HD0001"), oks)
        self.assertEqual(self.w.status()["registration"], "registered")
        # BLF: hotdeskd's own SUBSCRIBE answers kamailio's digest with the ID too (as
        # HD0001 it would get no subscriber: 401), so 101's dialog state comes
        wait_until(lambda: "blf: 101 idle" in self.w.hotdeskd.log(), 5, "101's BLF state")
        self.assertRegex(self.w.reg.log(),
                         r"HDLOG NOTIFY sip:HD0001@\S+ event=dialog subs=active")


class PoolAuthIdCfgTest(PoolAuthIdTest):
    """The same with the device profile in Yealink's .cfg format (account.1.auth_name)."""
    world_opts = dict(PoolAuthIdTest.world_opts, profile_format="cfg")


if __name__ == "__main__":
    unittest.main()
