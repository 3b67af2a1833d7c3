# SPDX-License-Identifier: BSD-3-Clause
"""Provisioning faults real PBXes send (issue: "What real PBXes, registrars and networks
send"), on the real world: kamailio, the reference PBX, baresip.

- A device profile with the outbound proxy written the Snom way, without a scheme
  (`127.0.0.1:PORT;transport=udp`), is read as `sip:...`; after a reboot with that profile
  cached (and the PBX answering 503) the pool registers through the proxy and 112 reaches
  the answering point through it. The proxy is a UDP relay in front of kamailio, so the
  test sees that the proxy is really used.
- Values baresip 1.0.0 cannot use (a `sips:` proxy, an HA1 digest instead of the password)
  are refused naming the element and its line, never showing the hash; the phone keeps
  what it had.
- A person whose BLF keys are written as URIs logs in; the key that cannot be a key is
  dropped with a log line. A person whose SIP account is unusable gets "Bad profile from
  PBX", and the PBX is told they are not here.
"""

import os
import socket
import subprocess
import threading
import time
import unittest

from harness import https_json, wait_until
from world import ADMIN_TOKEN, MAC, SOURCE, USERS, WorldTestCase

HOTDESKCTL = os.environ.get("HOTDESKCTL",
                            os.path.join(SOURCE, "build", "host", "tools", "hotdeskctl"))


class UdpRelay:
    """An outbound proxy stand-in on 127.0.0.1: relays SIP over UDP between one phone and
    the registrar (target_port() is read per packet), and keeps every request the phone
    sent through it (they carry digest responses, never a password)."""

    def __init__(self, target_port):
        self.target_port = target_port
        self.down = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # the phone's side
        self.down.bind(("127.0.0.1", 0))
        self.up = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # the registrar's side
        self.up.bind(("127.0.0.1", 0))
        self.port = self.down.getsockname()[1]
        self.phone = None
        self.lock = threading.Lock()
        self.requests = []
        for f in (self._from_phone, self._from_registrar):
            threading.Thread(target=f, daemon=True).start()

    def _from_phone(self):
        while True:
            try:
                data, addr = self.down.recvfrom(65536)
            except OSError:
                return
            self.phone = addr
            text = data.decode("utf-8", "replace")
            if not text.startswith("SIP/2.0"):
                with self.lock:
                    self.requests.append(text)
            try:
                self.up.sendto(data, ("127.0.0.1", self.target_port()))
            except OSError:
                return

    def _from_registrar(self):
        while True:
            try:
                data, _ = self.up.recvfrom(65536)
                if self.phone:
                    self.down.sendto(data, self.phone)
            except OSError:
                return

    def seen(self, method, user):
        """Request lines of `method` requests through the relay that name sip:user@
        (in the request URI or a header: a REGISTER's user is in To and From)."""
        with self.lock:
            return [r.split("\r\n", 1)[0] for r in self.requests
                    if r.startswith(method + " ") and ("sip:%s@" % user) in r]

    def request_lines(self):
        with self.lock:
            return [r.split("\r\n", 1)[0] for r in self.requests]

    def clear(self):
        with self.lock:
            self.requests = []

    def stop(self):
        for s in (self.down, self.up):
            s.close()


class ProfileFaultCase(WorldTestCase):
    prefix = "hotdesk-profile-faults-"

    def cached_profile(self):
        return next((t for p, t in self.w.state_files().items()
                     if p.endswith("/device-profile.xml")), None)

    def serve_device_profile(self, override):
        self.w.pbx_hook("/test/device_profile", {"mac": MAC, "override": override})
        self.addCleanup(self.w.pbx_hook, "/test/device_profile", {"mac": MAC, "override": None})

    def resync(self):
        sock = os.path.join(self.w.dir, "hotdeskd", "status.sock")
        r = subprocess.run([HOTDESKCTL, "--socket", sock, "resync"], capture_output=True,
                           text=True, timeout=10)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def profile_with(self, element, without=None):
        """The PBX's device profile with one more line in <phone-settings> (and without
        the element named `without`), and that line's number."""
        xml = wait_until(self.cached_profile, 5, "device profile cached")
        if without:
            start = xml.index("    <%s " % without)
            xml = xml[:start] + xml[xml.index("\n", start) + 1:]
        at = xml.index("  </phone-settings>")
        return xml[:at] + "    " + element + "\n" + xml[at:], xml[:at].count("\n") + 1

    def emergency_call(self):
        self.w.keys("112")
        ev = self.w.psap_ctrl.wait_event("CALL_INCOMING", 5)
        self.assertIn("hd0001", ev.get("peeruri", "").lower())
        self.w.psap_ctrl.command("hangup")
        time.sleep(0.2)

    def log_since(self, n):
        return self.w.hotdeskd.log()[n:]


class DeviceProfileFaultTest(ProfileFaultCase):

    def setUp(self):
        super().setUp()
        self.relay = UdpRelay(lambda: self.w.reg.port)
        self.addCleanup(self.relay.stop)

    def test_snom_outbound_without_scheme_survives_a_reboot(self):
        xml, _ = self.profile_with('<user_outbound idx="1" perm="R">127.0.0.1:%d;transport=udp'
                                   '</user_outbound>' % self.relay.port)
        self.serve_device_profile({"xml": xml})
        self.resync()
        wait_until(lambda: "user_outbound" in (self.cached_profile() or ""), 5,
                   "the profile with the outbound proxy cached")
        wait_until(lambda: self.relay.seen("REGISTER", "HD0001"), 5,
                   "the pool registering through the outbound proxy")

        # Reboot: hotdeskd and baresip start again, the PBX answers 503, so the cached
        # profile is all there is. The crashed baresip's bindings stay until they expire.
        self.w.pbx_hook("/test/device_profile", {"mac": MAC, "override": {"status": 503}})
        n = len(self.w.hotdeskd.log())
        self.w.hotdeskd.stop()
        self.w.phone.proc.stop(signals=())
        stale = {c for _, c in self.w.reg.bindings()}
        self.relay.clear()
        self.w.phone.start()
        self.w.start_hotdeskd(wait_pool=False)

        port = ":%d" % self.w.phone.sip_port
        live = lambda: sorted(u for u, c in self.w.reg.bindings() if port in c and c not in stale)
        try:
            wait_until(lambda: live() == ["hd0001"], 8, "the pool registered after the reboot")
        finally:
            print("\nregistrar bindings: %r\nthrough the proxy: %r"
                  % (self.w.reg.bindings(), self.relay.request_lines()))
        self.assertTrue(self.relay.seen("REGISTER", "HD0001"), self.relay.request_lines())
        self.assertNotIn("cached device profile unusable", self.log_since(n))
        self.w.wait_screen("HD0001")
        self.emergency_call()
        self.assertTrue(self.relay.seen("INVITE", "112"), self.relay.request_lines())

    def assert_refused(self, xml, text):
        """The PBX serves `xml`: hotdeskd refuses it, logging `text`, and changes nothing."""
        good = self.cached_profile()
        self.serve_device_profile({"xml": xml})
        n = len(self.w.hotdeskd.log())
        self.resync()
        wait_until(lambda: text in self.log_since(n), 5,
                   "%r in the log (log: %r)" % (text, self.log_since(n)))
        self.assertEqual(self.cached_profile(), good)
        self.assertTrue(self.w.registered_as("HD0001"))
        self.assertEqual(self.relay.request_lines(), [])
        self.emergency_call()

    def test_sips_outbound_is_refused_naming_the_element(self):
        xml, line = self.profile_with('<user_outbound idx="1" perm="R">sips:127.0.0.1:%d'
                                      '</user_outbound>' % self.relay.port)
        self.assert_refused(xml, "device profile rejected: profile: <user_outbound> line %d: "
                            "sips: is not supported by baresip 1.0.0" % line)

    def test_ha1_digest_is_refused_and_never_shown(self):
        digest = "8d6f0e3c5b1a49f2a7c4e9d0b3f61a25"
        xml, line = self.profile_with('<user_hash idx="1" perm="R">%s</user_hash>' % digest,
                                      without="user_pass")
        self.assert_refused(xml, "device profile rejected: profile: <user_hash> line %d: "
                            "an HA1 digest is not supported" % line)
        for where, t in self.w.logs().items():
            self.assertNotIn(digest, t, "the hash is in " + where)


class PersonProfileFaultTest(ProfileFaultCase):

    def set_user(self, ext, **fields):
        status, body = https_json(self.w.pbx.url + "/test/user", method="POST",
                                  body={"ext": ext, "fields": fields}, token=ADMIN_TOKEN,
                                  ca=self.w.pbx.ca)
        self.assertEqual(status, 200, body)

    def login(self, ext, pin):
        self.w.keys("*77*%s*" % ext)
        self.w.wait_screen("PIN for %s" % ext)
        self.w.keys(pin + "#")

    def test_blf_keys_written_as_uris_log_in(self):
        self.set_user("100", blf=["blf sip:103@pbx.example.com;user=phone|**",
                                  "blf sip:bob@pbx.example.com", "blf 101|#*",
                                  "blf sip:pbx.example.com"])
        self.login("100", USERS["100"][1])
        self.w.wait_screen("100 Alice Example")
        wait_until(lambda: self.w.registered_as("100"), 5, "100 registered")
        log = self.w.hotdeskd.log()
        self.assertIn("pbx: login of 100: profile: <fkey idx=\"3\"> line", log)
        self.assertIn("'blf sip:pbx.example.com' has no user part", log)
        # BLF 1 is the logout key; the person's keys follow: 103, bob, 101.
        for key, user in (("{blf2}", "103"), ("{blf3}", "bob"), ("{blf4}", "101")):
            self.w.keys(key)
            wait_until(lambda: self.w.invites_to(user), 5, "INVITE for %s from %s" % (user, key))
        self.w.keys("{blf1}")
        wait_until(lambda: self.w.registered_as("HD0001"), 5, "the pool after logout")

    def test_unusable_sip_account_is_a_bad_profile(self):
        pin = "64731985"
        for name, password, why in (("Erin Empty", "", "user.sip_password empty"),
                                    ("Semi Colon", "pa;ss-5521", "user.sip_password holds ';'")):
            with self.subTest(why):
                self.set_user("104", name=name, pin=pin, sip_password=password, hotdesk=True)
                n = len(self.w.frames())
                self.login("104", pin)
                self.w.wait_frame("Bad profile from PBX", since=n)
                self.assertIn("login of 104 not accepted: bad_profile: " + why,
                              self.w.hotdeskd.log())
                wait_until(lambda: self.w.admin_view()[MAC]["state"] == "idle", 5,
                           "the PBX told that 104 is not here")
                self.assertTrue(self.w.registered_as("HD0001"))
                self.assertEqual([r for r in self.w.reg.register_results()
                                  if r[1] == "104"], [])
        for where, t in self.w.logs().items():
            for secret in (pin, "pa;ss-5521"):
                self.assertNotIn(secret, t, "a secret is in " + where)
        self.emergency_call()


if __name__ == "__main__":
    unittest.main()
