# SPDX-License-Identifier: BSD-3-Clause
"""Proves the test peers: kamailio registrar, baresip peers driven over ctrl_tcp, the PBX.

    python3 -m unittest -v tests/integration/test_peers.py
"""

import os
import shutil
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

import harness  # noqa: E402
from harness import (Baresip, BaresipCtrl, Registrar, free_port, https_json,  # noqa: E402
                     start_answering_point, start_pbx, wait_until)

MAC = "02:00:00:00:00:01"
MAC2 = "02:00:00:00:00:02"


def _tmpdir(test):
    d = tempfile.mkdtemp(prefix="hotdesk-peers-")
    test.addCleanup(shutil.rmtree, d, True)
    return d


class RegistrarAndBaresipTest(unittest.TestCase):
    def setUp(self):
        self.dir = _tmpdir(self)
        self.reg = Registrar(os.path.join(self.dir, "reg"), free_port(),
                             {"100": "pw100", "112": "pw112", "HD0001": "pwhd1"})
        self.addCleanup(self.reg.stop)
        self.reg.start()

    def test_emergency_point_registers_and_is_called(self):
        psap = start_answering_point(self.dir, self.reg.port, "pw112")
        self.addCleanup(psap.stop)
        wait_until(lambda: self.reg.contacts_of("112"), 5, "112 binding in location")
        psap_ctrl = BaresipCtrl(psap.ctrl_port)
        self.addCleanup(psap_ctrl.close)

        phone = Baresip(self.dir, "phone", free_port(span=2), free_port(), [])
        self.addCleanup(phone.stop)
        phone.start()
        ctrl = BaresipCtrl(phone.ctrl_port)
        self.addCleanup(ctrl.close)

        aor = "sip:100@127.0.0.1:%d" % self.reg.port
        r = ctrl.command("uanew", "<%s>;auth_pass=pw100;regint=600" % aor)
        self.assertTrue(r["ok"], r.get("data"))
        ctrl.wait_event("REGISTER_OK", 5, lambda e: e.get("accountaor") == aor)
        self.assertTrue(ctrl.command("uafind", aor)["ok"])
        self.assertIn("100", [u for u, _ in self.reg.bindings()])

        r = ctrl.command("dial", "sip:112@127.0.0.1:%d" % self.reg.port)
        self.assertTrue(r["ok"], r.get("data"))
        # baresip 1.0.0 with answermode=auto emits no CALL_INCOMING: the first call
        # events at the answering point are CALL_REMOTE_SDP/CALL_LOCAL_SDP, then ESTABLISHED
        inc = psap_ctrl.wait_event("CALL_ESTABLISHED", 5)
        self.assertEqual(inc.get("direction"), "incoming")
        self.assertIn("sip:100@127.0.0.1", inc.get("peeruri", ""))
        ctrl.wait_event("CALL_ESTABLISHED", 5)
        self.assertTrue(ctrl.command("hangup")["ok"])
        psap_ctrl.wait_event("CALL_CLOSED", 5)
        methods = [m for m, _, _ in self.reg.requests()]
        for m in ("REGISTER", "INVITE", "ACK", "BYE"):
            self.assertIn(m, methods)
        invites = [(ru, fr) for m, ru, fr in self.reg.requests() if m == "INVITE"]
        self.assertTrue(any(ru.startswith("sip:112@") and "sip:100@" in fr
                            for ru, fr in invites), invites)
        # secrets stay out of the logs
        for text in (self.reg.log(), psap.log(), phone.log()):
            self.assertNotIn("pw100", text)
            self.assertNotIn("pw112", text)

    def test_manual_answer_sees_call_incoming(self):
        psap = start_answering_point(self.dir, self.reg.port, "pw112", answermode="manual")
        self.addCleanup(psap.stop)
        wait_until(lambda: self.reg.contacts_of("112"), 5, "112 binding in location")
        psap_ctrl = BaresipCtrl(psap.ctrl_port)
        self.addCleanup(psap_ctrl.close)
        phone = Baresip(self.dir, "phone2", free_port(span=2), free_port(),
                        ["<sip:100@127.0.0.1:%d>;auth_pass=pw100;regint=600" % self.reg.port])
        self.addCleanup(phone.stop)
        phone.start()
        ctrl = BaresipCtrl(phone.ctrl_port)
        self.addCleanup(ctrl.close)
        wait_until(lambda: self.reg.contacts_of("100"), 5, "100 binding from accounts file")
        self.assertTrue(ctrl.command("dial", "sip:112@127.0.0.1:%d" % self.reg.port)["ok"])
        inc = psap_ctrl.wait_event("CALL_INCOMING", 5)
        self.assertIn("sip:100@127.0.0.1", inc.get("peeruri", ""))
        ctrl.wait_event("CALL_RINGING", 5)
        self.assertTrue(psap_ctrl.command("accept")["ok"])
        ctrl.wait_event("CALL_ESTABLISHED", 5)
        self.assertTrue(psap_ctrl.command("hangup")["ok"])
        ctrl.wait_event("CALL_CLOSED", 5)

    def test_wrong_password_and_set_password(self):
        phone = Baresip(self.dir, "hd", free_port(span=2), free_port(), [])
        self.addCleanup(phone.stop)
        phone.start()
        ctrl = BaresipCtrl(phone.ctrl_port)
        self.addCleanup(ctrl.close)
        aor = "sip:HD0001@127.0.0.1:%d" % self.reg.port
        self.reg.set_password("HD0001", "changed")
        self.assertTrue(ctrl.command("uanew", "<%s>;auth_pass=pwhd1;regint=600" % aor)["ok"])
        ev = ctrl.wait_event("REGISTER_FAIL", 5, lambda e: e.get("accountaor") == aor)
        self.assertIn("401", ev.get("param", ""))
        self.assertEqual(self.reg.contacts_of("HD0001"), [])
        self.assertTrue(ctrl.command("uadel", aor)["ok"])
        self.assertTrue(ctrl.command("uanew", "<%s>;auth_pass=changed;regint=600" % aor)["ok"])
        ctrl.wait_event("REGISTER_OK", 5, lambda e: e.get("accountaor") == aor)
        wait_until(lambda: ("hd0001" in [u for u, _ in self.reg.bindings()]), 5, "hd0001 bound")
        self.assertIn("challenge", [r for r, _, _ in self.reg.register_results()])
        # kamailio writes the "ok" line after save() sent the 200: it may come a moment
        # after baresip's REGISTER_OK and the binding (a race this test had)
        wait_until(lambda: any(r == "ok" and u == "HD0001"
                               for r, u, _ in self.reg.register_results()), 5,
                   "the registrar's log line for HD0001's REGISTER")


class PbxTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="hotdesk-pbx-")
        cls.ca, cls.cert, cls.key = harness.make_ca(os.path.join(cls.dir, "pki"))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, True)

    def setUp(self):
        self.port = free_port()
        self.config = {
            "sip_domain": "127.0.0.1:5070", "lockout_after": 3, "lockout_seconds": 300,
            "admin_token": "admintok",
            "devices": {MAC: {"pool_ext": "HD0001", "token": "devtok"},
                        MAC2: {"pool_ext": "HD0002", "token": "devtok2"}},
            "users": {"100": {"name": "Alice Example", "pin": "1234", "sip_password": "pw100",
                              "hotdesk": True},
                      "101": {"name": "Bob Example", "pin": "9999", "sip_password": "pw101",
                              "hotdesk": True},
                      "102": {"name": "Carol NoHotdesk", "pin": "5555",
                              "sip_password": "pw102", "hotdesk": False}}}
        wd = os.path.join(self.dir, "run-%d" % self.port)
        self.state_log = os.path.join(wd, "state.log")
        os.makedirs(wd)
        self.pbx = start_pbx(wd, self.config, self.port, cert=self.cert, key=self.key,
                             ca=self.ca, test_hooks=True, state_log=self.state_log)
        self.addCleanup(self.pbx.stop)
        self.url = self.pbx.url

    def call(self, path, body=None, token="devtok", method=None):
        return https_json(self.url + path, method or ("POST" if body is not None else "GET"),
                          body, token, self.ca)

    def login(self, ext, pin, mac=MAC, token="devtok"):
        return self.call("/api/v1/devices/%s/login" % mac, {"ext": ext, "pin": pin}, token)

    def view(self):
        st, body = self.call("/api/v1/admin/devices", token="admintok")
        self.assertEqual(st, 200)
        return {d["mac"]: d for d in body["devices"]}

    def test_login_logout_and_view(self):
        v = self.view()
        self.assertEqual(v[MAC]["state"], "idle")
        self.assertIsNone(v[MAC]["user"])
        self.assertEqual(v[MAC]["pool_ext"], "HD0001")
        st, body = self.login("100", "1234")
        self.assertEqual(st, 200)
        profile = body.pop("profile")
        self.assertIn("<user_realname", profile)
        self.assertNotIn("pw100", profile)  # the secret travels once, in "user"
        self.assertEqual(body, {"result": "ok", "user": {
            "ext": "100", "name": "Alice Example", "sip_user": "100",
            "sip_password": "pw100", "sip_domain": "127.0.0.1:5070"}})
        v = self.view()
        self.assertEqual(v[MAC]["state"], "logged_in")
        self.assertEqual(v[MAC]["user"], {"ext": "100", "name": "Alice Example"})
        st, text = self.call("/admin", token="admintok")
        self.assertEqual(st, 200)
        self.assertIn("HD0001", text)
        self.assertIn("Alice Example", text)
        self.assertNotIn("pw100", text)
        self.assertNotIn("1234", text)
        st, body = self.call("/api/v1/devices/%s/logout" % MAC, {"ext": "100"})
        self.assertEqual((st, body), (200, {"result": "ok"}))
        self.assertEqual(self.view()[MAC]["state"], "idle")

    def test_refusals(self):
        st, body = self.login("100", "0000")
        self.assertEqual((st, body["result"], body["reason"]), (403, "refused", "wrong_pin"))
        self.assertTrue(body["message"])
        st, body = self.login("555", "1234")
        self.assertEqual((st, body["reason"]), (404, "unknown_extension"))
        st, body = self.login("102", "5555")
        self.assertEqual((st, body["reason"]), (403, "not_permitted"))
        for path_body in ({"ext": "100"}, {"pin": "1"}, {"ext": 100, "pin": "1234"}):
            st, body = self.call("/api/v1/devices/%s/login" % MAC, path_body)
            self.assertEqual((st, body["reason"]), (400, "bad_request"))
        st, body = self.call("/api/v1/devices/%s/login" % MAC, b"{not json")
        self.assertEqual((st, body["reason"]), (400, "bad_request"))
        st, body = self.call("/api/v1/devices/%s/login" % MAC, b"x" * (17 * 1024))
        self.assertEqual((st, body["reason"]), (400, "bad_request"))
        st, _ = self.call("/api/v1/nothing", {"a": "b"})
        self.assertEqual(st, 404)
        # device auth: wrong token, missing token, unknown MAC -> identical 401
        for mac, tok in ((MAC, "bad"), (MAC, None), ("02:00:00:00:00:99", "devtok"),
                         (MAC2, "devtok")):
            st, body = self.login("100", "1234", mac=mac, token=tok)
            self.assertEqual((st, body["reason"]), (401, "device_unauthorized"))
        st, _ = self.call("/api/v1/admin/devices", token="devtok")
        self.assertEqual(st, 401)
        st, _ = self.call("/admin", token=None)
        self.assertEqual(st, 401)
        # nothing secret in the PBX log
        log = self.pbx.log()
        for secret in ("devtok", "admintok", "1234", "pw100", "0000"):
            self.assertNotIn(secret, log)
        self.assertIn("POST /api/v1/devices/%s/login 403" % MAC, log)

    def test_lockout(self):
        self.assertEqual(self.login("100", "1111")[1]["reason"], "wrong_pin")
        self.assertEqual(self.login("100", "1234")[0], 200)    # right PIN resets the count
        self.assertEqual(self.login("100", "1111")[1]["reason"], "wrong_pin")
        self.assertEqual(self.login("100", "1111")[1]["reason"], "wrong_pin")
        st, body = self.login("100", "1111")                    # 3rd in a row locks
        self.assertEqual((st, body["reason"]), (403, "locked"))
        st, body = self.login("100", "1234")                    # even with the right PIN
        self.assertEqual((st, body["reason"]), (403, "locked"))
        self.assertEqual(self.login("101", "9999")[0], 200)     # other users unaffected

    def test_lockout_expires(self):
        self.pbx.stop()
        cfg = dict(self.config, lockout_after=2, lockout_seconds=0.5)
        port = free_port()
        wd = os.path.join(self.dir, "run-%d" % port)
        pbx = start_pbx(wd, cfg, port, cert=self.cert, key=self.key)
        self.addCleanup(pbx.stop)
        self.url = pbx.url
        self.login("100", "1")
        self.assertEqual(self.login("100", "1")[1]["reason"], "locked")
        self.assertEqual(self.login("100", "1234")[1]["reason"], "locked")
        time.sleep(0.6)
        self.assertEqual(self.login("100", "1234")[0], 200)

    def test_roam_and_move(self):
        self.assertEqual(self.login("100", "1234")[0], 200)
        self.assertEqual(self.login("101", "9999")[0], 200)      # roam: 100 leaves MAC
        self.assertEqual(self.view()[MAC]["user"]["ext"], "101")
        # default policy: one person on two phones is refused
        st, body = self.login("101", "9999", mac=MAC2, token="devtok2")
        self.assertEqual((st, body["reason"]), (403, "in_use_elsewhere"))
        self.assertEqual(self.view()[MAC]["user"]["ext"], "101")
        self.pbx.stop()  # policy "move": MAC becomes idle (it has no status endpoint to call)
        cfg = dict(self.config, double_login="move")
        self.pbx = start_pbx(os.path.join(self.dir, "pbx-move"), cfg, free_port(), cert=self.cert,
                             key=self.key, ca=self.ca, state_log=self.state_log)
        self.addCleanup(self.pbx.stop)
        self.url = self.pbx.url
        self.assertEqual(self.login("101", "9999")[0], 200)
        st, _ = self.login("101", "9999", mac=MAC2, token="devtok2")
        self.assertEqual(st, 200)
        v = self.view()
        self.assertEqual(v[MAC]["state"], "idle")
        self.assertEqual(v[MAC2]["user"]["ext"], "101")
        # logout of a user that is not on the device changes nothing
        self.assertEqual(self.call("/api/v1/devices/%s/logout" % MAC2, {"ext": "100"},
                                   "devtok2")[0], 200)
        self.assertEqual(self.view()[MAC2]["state"], "logged_in")
        with open(self.state_log) as f:
            events = f.read()
        self.assertIn('"moved_away"', events)
        self.assertNotIn("9999", events)

    def test_sip_password_hook(self):
        st, _ = self.call("/test/sip_password", {"ext": "100", "sip_password": "x"}, "devtok")
        self.assertEqual(st, 401)
        st, body = self.call("/test/sip_password", {"ext": "100", "sip_password": "wrong"},
                             "admintok")
        self.assertEqual((st, body), (200, {"result": "ok"}))
        self.assertEqual(self.login("100", "1234")[1]["user"]["sip_password"], "wrong")

    def test_tls_verified(self):
        import ssl
        import urllib.request
        ctx = ssl.create_default_context()  # system CAs only: must fail
        with self.assertRaises(Exception):
            urllib.request.urlopen(self.url + "/admin", context=ctx, timeout=3)
        self.assertTrue(self.pbx.alive())


if __name__ == "__main__":
    unittest.main()
