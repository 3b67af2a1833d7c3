# SPDX-License-Identifier: BSD-3-Clause
"""The status endpoint the PBX polls, pushes to the PBX, forced remote logout, resync,
the PBX's double-login policy, hotdeskctl, and hostile clients, on real parts
(hotdeskd's mbedTLS endpoint, kamailio, baresip, tests/pbx with polling on).
"""

import json
import os
import socket
import ssl
import subprocess
import time
import unittest

from harness import https_json, wait_until
from world import ADMIN_TOKEN, DEVICE_TOKEN, MAC, MAC2, STATUS_TOKEN, USERS, WorldTestCase

HOTDESKCTL = os.environ.get("HOTDESKCTL", os.path.join(
    os.environ.get("HOTDESK_SOURCE", "../.."), "build", "host", "tools", "hotdeskctl"))


def pin(ext):
    return USERS[ext][1]


class StatusCase(WorldTestCase):
    prefix = "hotdesk-status-"

    def login(self, ext):
        self.w.keys("*77*%s*" % ext)
        self.w.wait_screen("PIN for %s" % ext)
        self.w.keys(pin(ext) + "#")
        wait_until(lambda: self.w.registered_as(ext), 5, "%s registered" % ext)

    def get(self, path="/status", token=STATUS_TOKEN, accept=None):
        ctx = ssl.create_default_context(cafile=self.w.ca)
        import urllib.request
        import urllib.error
        h = {}
        if token:
            h["Authorization"] = "Bearer " + token
        if accept:
            h["Accept"] = accept
        req = urllib.request.Request(self.w.status_url + path, headers=h)
        try:
            with urllib.request.urlopen(req, context=ctx, timeout=5) as r:
                return r.status, r.headers.get("Content-Type", ""), r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.headers.get("Content-Type", ""), e.read().decode()

    def raw(self, data, tls=True, read_timeout=8.0):
        """Send raw bytes; return (reply bytes, seconds until the server closed)."""
        s = socket.create_connection(("127.0.0.1", self.w.status_port), timeout=read_timeout)
        if tls:
            ctx = ssl.create_default_context(cafile=self.w.ca)
            s = ctx.wrap_socket(s, server_hostname="127.0.0.1")
        t0 = time.monotonic()
        out = b""
        try:
            if data:
                s.sendall(data)
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                out += chunk
        except (socket.timeout, ConnectionResetError, ssl.SSLError):
            pass
        finally:
            s.close()
        return out, time.monotonic() - t0


class StatusTest(StatusCase):
    def test_registration_is_known_after_hotdeskd_restarts(self):
        # baresip keeps the person's registered account across a hotdeskd
        # restart: no REGISTER_OK comes until the next refresh (600 s here),
        # so the status must learn it from baresip's account list.
        self.login("100")
        wait_until(lambda: json.loads(self.get()[2])["state"] == "logged-in", 5, "logged-in")
        self.w.hotdeskd.stop(signals=())  # power cut of hotdeskd alone
        self.w.start_hotdeskd(wait_pool=False)

        def seen():
            try:
                st = json.loads(self.get()[2])
            except OSError:  # the endpoint is not listening yet
                return None
            return st["state"], st["registration"]
        # (the pool's registration while the PBX confirms the person is not it)
        wait_until(lambda: seen() == ("logged-in", "registered"), 5,
                   "registration known after the restart")
        st = json.loads(self.get()[2])
        self.assertEqual(st["user"]["ext"], "100")
        self.assertEqual(st["state"], "logged-in")

    def test_poll_get_status_json_and_xml(self):
        code, ctype, body = self.get()
        self.assertEqual(code, 200)
        self.assertIn("json", ctype)
        st = json.loads(body)
        self.assertEqual(st["device"]["mac"], MAC)
        self.assertEqual(st["state"], "idle")
        self.assertIsNone(st["user"])
        self.login("100")
        wait_until(lambda: json.loads(self.get()[2])["state"] == "logged-in", 5, "logged-in")
        st2 = json.loads(self.get()[2])
        self.assertEqual(st2["user"]["ext"], "100")
        self.assertEqual(st2["registration"], "registered")
        self.assertGreater(st2["seq"], st["seq"])
        code, ctype, xml = self.get(accept="application/xml")
        self.assertEqual(code, 200)
        self.assertIn("xml", ctype)
        self.assertIn("<status", xml)
        self.assertIn("100", xml)
        # the PBX's poller sees it too
        wait_until(lambda: self.w.admin_view()[MAC]["reachable"] is True, 5, "PBX polled")
        self.assertEqual(self.w.admin_view()[MAC]["phone_state"], "logged-in")

    def test_every_request_needs_the_token(self):
        for token in (None, "wrong-token-000000"):
            code, _, body = self.get(token=token)
            self.assertEqual(code, 401)
            self.assertNotIn("idle", body)
        # after repeated failures the endpoint stops even checking
        codes = [self.get(token="bad")[0] for _ in range(6)]
        self.assertIn(429, codes)

    def test_forced_logout_from_the_pbx(self):
        self.login("100")
        status, body = https_json(self.w.pbx.url + "/api/v1/admin/devices/%s/logout" % MAC,
                                  method="POST", body={}, token=ADMIN_TOKEN, ca=self.w.ca)
        self.assertEqual(status, 200, body)
        wait_until(lambda: self.w.registered_as("HD0001"), 5, "pool registered again")
        self.w.wait_screen("HD0001")
        wait_until(lambda: self.w.admin_view()[MAC]["state"] == "idle", 5, "PBX idle")

    def cached_profile(self):
        return next((t for p, t in self.w.state_files().items()
                     if p.endswith("/device-profile.xml")), None)

    def test_resync_refetches_the_device_profile(self):
        wait_until(self.cached_profile, 5, "device profile cached")
        good = next(t for p, t in self.w.state_files().items() if p.endswith("/device-profile.xml"))
        self.w.pbx_hook("/test/device_profile", {"mac": MAC, "override": {
            "xml": good.replace("112,911,933", "112,911,944")}})
        code, _, _ = self.raw_post("/resync")
        self.assertEqual(code, 202)
        wait_until(lambda: "944" in (self.cached_profile() or ""), 5, "new profile")
        self.w.keys("944")
        wait_until(lambda: self.w.invites_to("944"), 5, "944 now dials from idle")

    def raw_post(self, path):
        req = ("POST %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
               "Content-Length: 0\r\nConnection: close\r\n\r\n" % (path, STATUS_TOKEN)).encode()
        out, _ = self.raw(req)
        head = out.split(b"\r\n", 1)[0].decode()
        return int(head.split()[1]), head, out

    def test_double_login_is_refused_by_default(self):
        self.login("100")
        status, body = https_json(self.w.pbx.url + "/api/v1/devices/%s/login" % MAC2,
                                  method="POST", body={"ext": "100", "pin": pin("100")},
                                  token=DEVICE_TOKEN + "2", ca=self.w.ca)
        self.assertEqual((status, body.get("reason")), (403, "in_use_elsewhere"))
        self.assertTrue(self.w.registered_as("100"))

    def test_hostile_clients_get_bounded_answers(self):
        t = STATUS_TOKEN
        out, _ = self.raw(b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\n\r\n")
        self.assertIn(b" 414 ", out.split(b"\r\n", 1)[0])
        out, _ = self.raw(b"GET /status HTTP/1.1\r\nX: " + b"b" * 9000 + b"\r\n\r\n")
        self.assertIn(b" 431 ", out.split(b"\r\n", 1)[0])
        out, _ = self.raw(("DELETE /status HTTP/1.1\r\nHost: phone\r\nAuthorization: Bearer %s\r\n"
                           "Connection: close\r\n\r\n" % t).encode())
        self.assertIn(b" 405 ", out.split(b"\r\n", 1)[0])
        out, _ = self.raw(("BREW /status HTTP/1.1\r\nHost: phone\r\nAuthorization: Bearer %s\r\n"
                           "Connection: close\r\n\r\n" % t).encode())
        self.assertRegex(out.split(b"\r\n", 1)[0], rb" 40[05] ")
        out, _ = self.raw(("GET /nope HTTP/1.1\r\nHost: phone\r\nAuthorization: Bearer %s\r\n"
                           "Connection: close\r\n\r\n" % t).encode())
        self.assertIn(b" 404 ", out.split(b"\r\n", 1)[0])
        out, _ = self.raw(b"\x00\x01garbage\r\n\r\n")
        self.assertIn(b" 400 ", out.split(b"\r\n", 1)[0])
        pipelined = ("GET /status HTTP/1.1\r\nHost: phone\r\nAuthorization: Bearer %s\r\n\r\n" % t) * 2 + \
            ("GET /status HTTP/1.1\r\nHost: phone\r\nAuthorization: Bearer %s\r\nConnection: close\r\n\r\n" % t)
        out, _ = self.raw(pipelined.encode())
        self.assertEqual(out.count(b"HTTP/1.1 200"), 3)
        # slowloris: headers never finish -> closed within the 5 s header deadline
        out, secs = self.raw(b"GET /status HTTP/1.1\r\nX: 1\r\n", read_timeout=12)
        self.assertLess(secs, 7)
        # a TLS client that never finishes its handshake: plain TCP that sends nothing
        _, secs = self.raw(b"", tls=False, read_timeout=12)
        self.assertLess(secs, 7)
        # and the phone is unaffected
        self.login("100")

    def test_hotdeskctl(self):
        sock = os.path.join(self.w.dir, "hotdeskd", "status.sock")
        self.assertEqual(os.stat(sock).st_mode & 0o777, 0o600)
        run = lambda *a: subprocess.run([HOTDESKCTL, "--socket", sock] + list(a),
                                        capture_output=True, text=True, timeout=10)
        r = run("status")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("HD0001", r.stdout)
        self.login("100")
        r = run("status", "--json")
        self.assertEqual(json.loads(r.stdout)["user"]["ext"], "100")
        self.assertEqual(run("logout").returncode, 0)
        wait_until(lambda: self.w.registered_as("HD0001"), 5, "pool again")
        self.assertEqual(run("resync").returncode, 0)
        self.assertEqual(subprocess.run([HOTDESKCTL, "--socket", sock + ".missing", "status"],
                                        capture_output=True, timeout=10).returncode, 2)


class PushOnlyTest(StatusCase):
    """No polling at all: only hotdeskd's pushes keep the PBX's view right."""
    world_opts = {"pbx_poll": 0}

    def test_push_keeps_the_pbx_current(self):
        self.login("100")
        wait_until(lambda: self.w.admin_view()[MAC]["phone_state"] == "logged-in", 5, "pushed")
        seq = self.w.admin_view()[MAC]["seq"]
        self.w.keys("{blf1}")
        wait_until(lambda: self.w.admin_view()[MAC]["phone_state"] == "idle", 5, "pushed idle")
        self.assertGreater(self.w.admin_view()[MAC]["seq"], seq)
        self.assertIsNone(self.w.admin_view()[MAC]["reachable"])  # never polled


class MoveTest(StatusCase):
    """double_login "move": the PBX logs the other phone out through its endpoint."""
    world_opts = {"pbx_opts": {"double_login": "move"}}

    def test_login_elsewhere_logs_this_phone_out(self):
        self.login("100")
        status, body = https_json(self.w.pbx.url + "/api/v1/devices/%s/login" % MAC2,
                                  method="POST", body={"ext": "100", "pin": pin("100")},
                                  token=DEVICE_TOKEN + "2", ca=self.w.ca)
        self.assertEqual(status, 200, body)
        wait_until(lambda: self.w.registered_as("HD0001"), 5, "this phone back on the pool")
        self.w.wait_screen("HD0001")
        view = self.w.admin_view()
        self.assertEqual(view[MAC2]["user"]["ext"], "100")
        wait_until(lambda: self.w.admin_view()[MAC]["state"] == "idle", 5, "PBX: phone 1 idle")


if __name__ == "__main__":
    unittest.main()
