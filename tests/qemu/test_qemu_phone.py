# SPDX-License-Identifier: BSD-3-Clause
"""A person's session on the emulated phone (label qemu-system).

Boots scripts/qemu-image's image of one architecture under qemu-system-arm /
qemu-system-aarch64 `-M virt` and drives it from the host:
boot -> idle, registered as the pool extension HD0001 at the host's kamailio (SIP
over TCP through guestfwd), the display German as the device profile says (the
catalog from po/de.po, glibc gettext) -> keys through QMP into the virtio keyboard (the
guest kernel's evdev path) -> *77*100* (the German PIN prompt) + PIN + # -> registered as
100 (the PBX over HTTPS through guestfwd), the display English as the person's profile
says -> a colleague (a baresip on the host) calls 100 through
kamailio: the display shows the caller, the hook key (F11) answers, the colleague's
baresip sees the call established, the other hook key (F12) hangs up and it sees
the call closed -> logout key (F1 = BLF 1) -> pool again, German again; hotdeskd killed
-> S50hotdesk's supervisor restarts it; without C.UTF-8's LC_MESSAGES in the image the
restarted hotdeskd is English and says why (docs/i18n.md). The display is read on the host side from
the virtio console QEMU writes to a file.

Environment:
  HOTDESK_QEMU_ARCH     armhf | arm64 (required)
  HOTDESK_QEMU_IMAGE    image directory (default build/qemu-<arch>)
  HOTDESK_QEMU_CYCLES   extra login/logout cycles before the memory figures (default 2;
                        the figures in docs/performance.md use 100)
  HOTDESK_QEMU_FIGURES  write the measured figures as JSON to this file
  HOTDESK_QEMU_KEEP     keep the work directory (logs, console, display)
  HOTDESK_QEMU_USER_NAME  the person's display name (default "Alice Example")
"""

import json
import os
import shutil
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))

import phone as qp  # noqa: E402
from harness import Baresip, Registrar, free_port, https_json, start_pbx, wait_until  # noqa: E402

ARCH = os.environ.get("HOTDESK_QEMU_ARCH", "")
IMAGE = os.environ.get("HOTDESK_QEMU_IMAGE") or os.path.join(qp.REPO_DIR, "build", "qemu-" + ARCH)
CYCLES = int(os.environ.get("HOTDESK_QEMU_CYCLES", "2"))

POOL_PASSWORD = "qpool-Secret-4417"
DEVICE_TOKEN = "qdevtok-81c3"
ADMIN_TOKEN = "qadmin-20aa"
EXT, PIN, SIP_PW = "100", "73194268", "qsipAlice-61"
# The person's display name. With a name *and* an outbound proxy (SIP over TCP
# here), an account line that ends in outbound="..." starts and ends with a
# quote, and baresip 1.0.0's uanew strips both (the UA gets a broken AOR): see
# docs/cross-and-qemu.md. HOTDESK_QEMU_USER_NAME= (empty) measures without it.
NAME = os.environ.get("HOTDESK_QEMU_USER_NAME", "Alice Example")
# The colleague who calls the person: a baresip on the host, over UDP to kamailio.
PEER, PEER_PW, PEER_NAME = "200", "qpeerBob-3088", "Bob Example"
SIP_PORT, PBX_PORT = 5060, 8443   # as the guest sees them at 10.0.2.100
STATUS_PORT = 8444                # the phone's status endpoint (guest side)
STATUS_TOKEN = "qstatus-tok-7d1e5a0c93"
BOOT_TIMEOUT = 120                # TCG on a busy 2-core machine
FAILURE_WORDS = ("failed", "Wrong PIN", "unreachable", "No service", "refused", "locked",
                 # the same in German (po/de.po): the pool's display is German here
                 "Falsche PIN", "nicht erreichbar", "Keine Verbindung", "abgelehnt",
                 "gesperrt", "misslungen", "lehnt ab")
# The display's languages (issue 17): the device profile's for the pool, the person's
# while they are logged in.
DEVICE_LANGUAGE, USER_LANGUAGE = "de", "en"
GERMAN_IDLE, GERMAN_PIN_PROMPT = "Nur Notrufe", "PIN für"


def status_endpoint_supported():
    """The status endpoint (issue 4) is polled once hotdeskd has it: its sources and
    the documented listen key. Until then the step is a visible TODO, never a pass."""
    if not os.path.isdir(os.path.join(qp.REPO_DIR, "agent", "status")):
        return False
    try:
        with open(os.path.join(qp.REPO_DIR, "docs", "config.md")) as f:
            return "| `status_listen` |" in f.read()
    except OSError:
        return False


@unittest.skipUnless(ARCH in qp.MACHINES, "HOTDESK_QEMU_ARCH must be armhf or arm64")
class QemuPhoneSession(unittest.TestCase):
    figures = {}

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="hotdesk-qemu-%s-" % ARCH)
        cls.procs = []
        try:
            cls._start_world()
        except BaseException:
            cls._stop_world()
            raise

    @classmethod
    def _start_world(cls):
        # The guest reaches kamailio's TCP socket at 10.0.2.100:5060 (guestfwd): that
        # is the address kamailio advertises, so the guest can follow its Record-Route.
        cls.reg = Registrar(os.path.join(cls.dir, "registrar"), free_port(),
                            {"HD0001": POOL_PASSWORD, EXT: SIP_PW, PEER: PEER_PW}, tcp=True,
                            tcp_advertise="%s:%d" % (qp.SERVICES_IP, SIP_PORT))
        cls.procs.append(cls.reg)
        cls.reg.start()
        cls.peer = Baresip(cls.dir, "peer", free_port(span=2), free_port(),
                           ['"%s" <sip:%s@127.0.0.1:%d>;auth_pass=%s;regint=600;answermode=manual'
                            % (PEER_NAME, PEER, cls.reg.port, PEER_PW)])
        cls.procs.append(cls.peer)
        cls.peer.start()
        ca, cert, key = qp.make_ca(os.path.join(cls.dir, "pki"))
        cfg = {"sip_domain": "%s:%d" % (qp.SERVICES_IP, SIP_PORT), "admin_token": ADMIN_TOKEN,
               "devices": {qp.GUEST_MAC: {
                   "pool_ext": "HD0001", "token": DEVICE_TOKEN,
                   # the device profile (docs/profile.md) as the guest must see it
                   "profile": {"pool_password": POOL_PASSWORD,
                               "registrar": "%s:%d" % (qp.SERVICES_IP, SIP_PORT),
                               "outbound": "sip:%s:%d;transport=tcp" % (qp.SERVICES_IP, SIP_PORT),
                               "language": DEVICE_LANGUAGE}}},
               "users": {EXT: {"name": NAME, "pin": PIN, "sip_password": SIP_PW, "hotdesk": True,
                               "language": USER_LANGUAGE}}}
        cls.pbx = start_pbx(os.path.join(cls.dir, "pbx"), cfg, free_port(), cert=cert, key=key,
                            ca=ca)
        cls.procs.append(cls.pbx)

        with open(os.path.join(IMAGE, "stage", "etc", "hotdesk", "hotdeskd.conf"), "rb") as f:
            conf = f.read()
        conf += b"register_timeout_ms     20000\npbx_timeout_ms          20000\n" \
                b"pbx_connect_timeout_ms  10000\nctrl_timeout_ms         5000\n"
        secrets = "pool_password %s\npbx_token %s\n" % (POOL_PASSWORD, DEVICE_TOKEN)
        with open(ca, "rb") as f:
            ca_pem = f.read()
        overlay = {"etc/hotdesk/pbx-ca.pem": (ca_pem, 0o644)}
        hostfwd = {}
        cls.status_supported = status_endpoint_supported()
        if cls.status_supported:
            # HTTPS (plain HTTP is for 127.0.0.1 only) with a certificate of the test CA
            # valid for 127.0.0.1, where the host reaches it through hostfwd.
            cls.status_port = free_port()
            hostfwd[cls.status_port] = STATUS_PORT
            conf += ("status_listen           %s:%d\nstatus_cert             /etc/hotdesk/status.crt\n"
                     "status_key              /etc/hotdesk/status.key\n"
                     % (qp.GUEST_IP, STATUS_PORT)).encode()
            secrets += "status_token %s\n" % STATUS_TOKEN
            with open(cert, "rb") as f:
                overlay["etc/hotdesk/status.crt"] = (f.read(), 0o644)
            with open(key, "rb") as f:
                overlay["etc/hotdesk/status.key"] = (f.read(), 0o600)
        overlay["etc/hotdesk/hotdeskd.conf"] = (conf, 0o644)
        overlay["etc/hotdesk/secrets"] = (secrets.encode(), 0o600)
        cls.phone = qp.QemuPhone(ARCH, os.path.join(cls.dir, "qemu"), IMAGE, overlay=overlay,
                                 guestfwd={SIP_PORT: cls.reg.port, PBX_PORT: cls.pbx.port},
                                 hostfwd=hostfwd)
        cls.procs.append(cls.phone)
        cls.phone.start()

    @classmethod
    def _stop_world(cls):
        for p in reversed(cls.procs):
            try:
                p.stop()
            except Exception as e:
                print("stop failed: %r" % e, file=sys.stderr)
        cls.procs = []

    @classmethod
    def tearDownClass(cls):
        cls._stop_world()
        out = os.environ.get("HOTDESK_QEMU_FIGURES")
        if out:
            with open(out, "w") as f:
                json.dump(cls.figures, f, indent=1)
        print("\nqemu %s figures: %s" % (ARCH, json.dumps(cls.figures, sort_keys=True)))
        if os.environ.get("HOTDESK_QEMU_KEEP"):
            print("qemu %s: work directory kept: %s" % (ARCH, cls.dir))
        else:
            shutil.rmtree(cls.dir, ignore_errors=True)

    # ---- helpers ----

    def guest_bindings(self):
        return sorted(u for u, c in self.reg.bindings() if "@%s:" % qp.GUEST_IP in c)

    def wait_registered_as(self, ext, timeout, interval=0.01, since_frame=None):
        """Until the guest's only binding is ext; fails at once when the display
        shows a failure after frame `since_frame`."""
        want = [ext.lower()]

        def done():
            if self.guest_bindings() == want:
                return True
            if since_frame is not None:
                for fr in self.phone.frames()[since_frame:]:
                    text = " | ".join(fr)
                    if any(w in text for w in FAILURE_WORDS):
                        raise AssertionError("display shows %r while waiting for %s (bindings %r)"
                                             % (text, ext, self.guest_bindings()))
            return False
        wait_until(done, timeout, "registrar binding for %s only (now %r)"
                   % (ext, self.guest_bindings()), interval=interval)
        return time.monotonic()

    def admin_state(self):
        status, body = https_json(self.pbx.url + "/api/v1/admin/devices", token=ADMIN_TOKEN,
                                  ca=self.pbx.ca)
        self.assertEqual(status, 200, body)
        return {d["mac"]: d for d in body["devices"]}[qp.GUEST_MAC]

    def login(self):
        """*77*100* PIN #; returns the seconds from the last key to REGISTER of 100."""
        n = len(self.phone.frames())
        self.phone.keys("*77*%s*" % EXT)
        self.phone.wait_screen("%s %s" % (GERMAN_PIN_PROMPT, EXT), 30, since=n)
        self.phone.keys(PIN)
        t_last = self.phone.key("#")  # the last PIN key (confirms), pressed
        t_reg = self.wait_registered_as(EXT, 60, since_frame=n)
        # logged in for good (not just registered): the identity line shows the person
        self.phone.wait_first_line(("%s %s" % (EXT, NAME)).strip(), 30, since=n)
        return t_reg - t_last

    def logout(self):
        n = len(self.phone.frames())
        t_last = self.phone.key("blf1")
        t_reg = self.wait_registered_as("HD0001", 60, since_frame=n)
        self.phone.wait_first_line("HD0001", 30, since=n)
        self.phone.wait_screen(GERMAN_IDLE, 30, since=n)  # the device's language again
        return t_reg - t_last

    def diagnostics(self):
        try:
            return self.phone.sh("logread | tail -n 60", timeout=10)
        except Exception as e:
            return "(no guest log: %s)" % e

    # ---- the session ----

    def test_session(self):
        try:
            self._session()
        except BaseException:
            print("\n--- guest syslog (logread) ---\n" + self.diagnostics(), file=sys.stderr)
            print("--- console (tail) ---\n" + self.phone.console()[-3000:], file=sys.stderr)
            print("--- display frames ---\n%r" % self.phone.frames()[-10:], file=sys.stderr)
            print("--- kamailio (tail) ---\n" + self.reg.log()[-2000:], file=sys.stderr)
            print("--- the colleague's baresip (tail) ---\n" + self.peer.log()[-2000:],
                  file=sys.stderr)
            print("--- pbx ---\n" + self.pbx.log()[-2000:], file=sys.stderr)
            raise

    def _session(self):
        f = self.figures
        p = self.phone
        f["arch"] = ARCH
        with open(os.path.join(IMAGE, "manifest.json")) as mf:
            manifest = json.load(mf)
        f["hotdeskd_stripped_bytes"] = manifest["hotdeskd_stripped_bytes"]
        f["initrd_bytes"] = manifest["initrd_bytes"]

        # boot -> idle on the pool identity
        t_pool = self.wait_registered_as("HD0001", BOOT_TIMEOUT, interval=0.05)
        f["boot_to_pool_registered_s"] = round(t_pool - p.t_start, 2)
        p.wait_screen("HD0001", 30)
        # The device profile arrives over HTTPS after the pool registration. Type
        # only once it is applied: applying it clears digits typed so far (seen
        # here: '*' lost when the profile landed 35 ms after it; reported).
        # hotdeskd logs to syslog (log_target syslog; S01syslogd's RAM ring, logread)
        wait_until(lambda: "device profile applied" in
                   p.sh("logread | grep -F 'device profile applied' || true"), 60,
                   "hotdeskd applying the device profile", interval=0.2)
        f["boot_to_profile_applied_s"] = round(time.monotonic() - p.t_start, 2)
        # the device profile says German: the idle screen is German
        p.wait_screen("HD0001 | " + GERMAN_IDLE, 30)
        self.assertIn("display language: de",
                      p.sh("logread | grep -F 'display language' || true"))
        m = p.wait_console(r"hotdesk-boot: started \(uptime ([\d.]+)\)", 30)
        f["guest_uptime_at_services_started_s"] = float(m.group(1))
        self.assertEqual(self.admin_state()["state"], "idle")
        f["memory_idle_kib"] = p.memory()

        # a person logs in with keys on the virtio keyboard
        f["last_pin_key_to_registered_as_user_s"] = round(self.login(), 3)
        state = self.admin_state()
        self.assertEqual((state["state"], state["user"]["ext"]), ("logged_in", EXT))
        self.assertNotIn(PIN, json.dumps(p.frames()), "PIN shown on the display")

        # the status endpoint, polled from the host through a forwarded port
        if self.status_supported:
            st = wait_until(lambda: self.status_matches("logged-in"), 20,
                            "GET /status showing the person")
            self.assertEqual(st["user"]["ext"], EXT)
            self.assertEqual(st["device"]["mac"], qp.GUEST_MAC)
            f["status_endpoint"] = "polled"
        else:
            print("\nTODO(status endpoint, issue 4): hotdeskd has no documented status_listen "
                  "yet; GET /status through hostfwd is not polled", file=sys.stderr)
            f["status_endpoint"] = "TODO: not in hotdeskd yet"

        # a colleague calls: answered with the hook key, hung up with the other one
        f.update(self.incoming_call())

        # the logout key hands the phone back
        f["logout_key_to_pool_registered_s"] = round(self.logout(), 3)
        wait_until(lambda: self.admin_state()["state"] == "idle", 10, "PBX told of logout")
        if self.status_supported:
            wait_until(lambda: self.status_matches("idle"), 20, "GET /status showing idle")

        # more cycles for the memory figure
        login_s, logout_s = [], []
        for _ in range(CYCLES):
            login_s.append(self.login())
            logout_s.append(self.logout())
        f["cycles"] = CYCLES + 1
        if login_s:
            login_s.sort()
            f["login_median_s"] = round(login_s[len(login_s) // 2], 3)
            f["login_max_s"] = round(login_s[-1], 3)
        f["memory_after_cycles_kib"] = p.memory()

        # S50hotdesk's supervisor restarts a hotdeskd that dies
        old = int(p.sh("cat /run/hotdesk/hotdeskd.pid").strip())
        n = len(p.frames())
        p.sh("kill -KILL %d" % old)
        new = wait_until(lambda: self._new_pid(old), 30, "hotdeskd restarted by S50hotdesk")
        self.assertNotEqual(new, old)
        p.wait_screen("HD0001", 30, since=n)   # the new hotdeskd draws the idle screen
        self.wait_registered_as("HD0001", 30)
        self.assertIn("restarting", p.sh("logread | grep -F hotdesk-init || true"))
        status = p.sh("/etc/init.d/S50hotdesk status")
        self.assertIn("hotdeskd: running", status)
        self.assertIn("baresip: running", status)
        p.wait_screen(GERMAN_IDLE, 60, since=n)  # the cached device profile: German at once

        # Measured (docs/i18n.md): without C.UTF-8's LC_MESSAGES glibc's gettext is under
        # the C locale, ignores LANGUAGE, and the display stays English, with a log line.
        p.sh("rm -r /usr/lib/locale/C.utf8")
        old = new
        n = len(p.frames())
        p.sh("kill -KILL %d" % old)
        new = wait_until(lambda: self._new_pid(old), 30, "hotdeskd restarted by S50hotdesk")
        self.assertIn("glibc ignores LANGUAGE under C",
                      wait_until(lambda: p.sh("logread | grep -F 'i18n:' || true"), 30,
                                 "the restarted hotdeskd's i18n line"))
        # its device profile (cached) still says German: no catalog can be read, English
        wait_until(lambda: "no catalog for the device profile's language 'de'" in
                   p.sh("logread | grep -F 'display language' || true"), 60,
                   "the device profile's German refused for want of a locale")
        p.wait_screen("HD0001 | Emergency calls only", 30, since=n)
        self.assertIn("Emergency calls only", p.screen())
        f["display_language_without_c_utf8"] = "en (logged)"
        # up again as before it was killed (the next test polls its status endpoint)
        self.wait_registered_as("HD0001", 30)
        if self.status_supported:
            wait_until(lambda: self.status_code() == 200, 60, "the status endpoint back")

    def incoming_call(self):
        """The colleague's baresip calls the person through kamailio (which reaches the
        guest over the TCP connection of its registration); F11 (hook_off) through the
        virtio keyboard answers, F12 (hook_on) hangs up. Asserts on what the colleague's
        baresip sees; returns figures."""
        p = self.phone
        wait_until(lambda: self.reg.contacts_of(PEER), 10, "the colleague registered")
        with self.peer.ctrl() as bob:
            n = len(p.frames())
            t_dial = time.monotonic()
            bob.ok("dial", "sip:%s@127.0.0.1:%d" % (EXT, self.reg.port))
            ringing = bob.wait_event("CALL_RINGING", 30)
            call_id = ringing.get("id")
            same_call = lambda ev: ev.get("id") == call_id  # noqa: E731
            # the phone shows who calls (the caller's display name)
            i = p.wait_screen(PEER_NAME, 30, since=n)
            t_shown = time.monotonic()
            self.assertIn("Incoming call", " | ".join(p.frames()[i]))
            self.assertNotIn("CALL_ESTABLISHED", [e.get("type") for e in bob.events()],
                             "answered before the hook key")
            n = len(p.frames())
            t_key = p.key("hook_off")
            ev = self.first_call_event(bob, ("CALL_ESTABLISHED", "CALL_CLOSED"), same_call, 30)
            self.assertEqual(ev["type"], "CALL_ESTABLISHED",
                             "the colleague's call closed instead: %r" % ev.get("param"))
            t_est = time.monotonic()
            # the phone got the ACK: its baresip has the call established too
            p.wait_screen("Connected", 30, since=n)
            n = len(p.frames())
            t_key2 = p.key("hook_on")
            closed = bob.wait_event("CALL_CLOSED", 30, same_call)
            t_closed = time.monotonic()
            # the phone sent the BYE (not a timeout, not a failure on the way)
            self.assertEqual(closed.get("param"), "Connection reset by peer", closed)
            p.wait_screen("Call ended", 30, since=n)
        # the call's last screen is gone: the person's idle screen again
        p.wait_first_line(("%s %s" % (EXT, NAME)).strip(), 30, since=n)
        self.assertEqual(self.guest_bindings(), [EXT.lower()])
        return {"call_dial_to_caller_shown_s": round(t_shown - t_dial, 3),
                "call_hook_off_to_established_s": round(t_est - t_key, 3),
                "call_hook_on_to_closed_s": round(t_closed - t_key2, 3)}

    @staticmethod
    def first_call_event(ctrl, types, pred, timeout):
        """The first of `types` the peer's baresip reports for the call (consumed)."""
        def first():
            for ev in ctrl.events():
                if ev.get("type") in types and pred(ev):
                    return ctrl.wait_event(ev["type"], 0, lambda e: e is ev)
            return None
        return wait_until(first, timeout, "one of %s at the colleague's baresip" % (types,),
                          interval=0.02)

    def _new_pid(self, old):
        status, out = self.phone.shell("cat /run/hotdesk/hotdeskd.pid 2>/dev/null && "
                                       "kill -0 $(cat /run/hotdesk/hotdeskd.pid)")
        if status != 0:
            return None
        try:
            pid = int(out.split()[0])
        except (ValueError, IndexError):
            return None
        return pid if pid != old else None

    def status(self, token=STATUS_TOKEN):
        """GET /status on the phone through the hostfwd port: (HTTP status, body)."""
        return https_json("https://127.0.0.1:%d/status" % self.status_port, token=token,
                          ca=self.pbx.ca, timeout=10)

    def status_code(self):
        """GET /status's HTTP status, 0 while nothing answers (a hotdeskd restarting:
        QEMU's hostfwd then resets the connection)."""
        try:
            return self.status()[0]
        except OSError:
            return 0

    def status_matches(self, state):
        code, body = self.status()
        return body if code == 200 and isinstance(body, dict) and body.get("state") == state \
            else None

    def test_status_endpoint_refuses_a_wrong_token(self):
        if not self.status_supported:
            self.skipTest("TODO(issue 4): hotdeskd has no status endpoint yet (no status_listen "
                          "in docs/config.md); poll GET /status through hostfwd once it has")
        wait_until(lambda: self.status()[0] in (200, 401), 60, "the status endpoint up")
        self.assertEqual(self.status(token="not-the-token-000")[0], 401)


if __name__ == "__main__":
    unittest.main(verbosity=2)
