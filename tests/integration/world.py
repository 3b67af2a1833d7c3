# SPDX-License-Identifier: BSD-3-Clause
"""A whole hot-desking world on 127.0.0.1 for integration tests and the demo:
kamailio (registrar), tests/pbx (PBX hot-desking service over HTTPS), a baresip
emergency answering point registered as 112, the phone's baresip and hotdeskd
driving it. Every process started here is stopped by World.stop().
"""

import json
import os
import socket
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

from harness import (Baresip, BaresipCtrl, CtrlRecorder, Proc, Registrar, dtmf_lines,  # noqa: E402
                     free_port, https_json, read_frames, send_keys, start_answering_point,
                     start_pbx, wait_until, write_secret_file)

MAC = "02:00:00:00:00:01"
MAC2 = "02:00:00:00:00:02"  # a second phone the PBX knows (double-login tests)
SOURCE = os.environ.get("HOTDESK_SOURCE", os.path.dirname(os.path.dirname(HERE)))
HOTDESKD = os.environ.get("HOTDESKD", os.path.join(SOURCE, "build", "host", "hotdeskd"))
HOTDESKCTL = os.environ.get("HOTDESKCTL", os.path.join(SOURCE, "build", "host", "tools", "hotdeskctl"))

# Every secret used in a world, so tests can scan logs for them.
POOL_PASSWORD = "pool-Secret-7311"
DEVICE_TOKEN = "devtok-9f3b2a71"
ADMIN_TOKEN = "admintok-55c1e0"
STATUS_TOKEN = "statustok-7d41c9a2e5"
USERS = {
    # ext: (name, pin, sip password at the PBX, registrar password, may hot desk)
    # (8-digit PINs so that a secret scan cannot mistake a port or a pid for one)
    "100": ("Alice Example", "73194268", "sipAlice-83", "sipAlice-83", True),
    "101": ("Bob Builder", "58216473", "sipBob-19", "sipBob-19", True),
    "102": ("Carol Nodesk", "42913857", "sipCarol-44", "sipCarol-44", False),
    # The PBX hands out a password the registrar does not accept.
    "103": ("Dave Stale", "86427319", "sipDave-wrong", "sipDave-right", True),
}
PSAP_PASSWORD = "psap-Secret-112"
IVR_PASSWORD = "ivr-Secret-40417"  # the PBX's IVR at the registrar (pbx_flow=True)

# Issue 16 on: the pool identity stays registered while a person is logged in and
# emergency calls go out on it; the desk's civic location (RFC 5139 fields).
EMERGENCY_PROFILE = {
    "hd_emergency_via_pool": "on", "hd_emergency_callback": "+4930123456",
    "hd_location_country": "DE", "hd_location_a1": "Berlin", "hd_location_a3": "Berlin",
    "hd_location_rd": "Musterstrasse", "hd_location_hno": "12", "hd_location_bld": "B",
    "hd_location_flr": "2", "hd_location_room": "2.14",
}


def sealed_body(data):
    """The body of a sealed state file (`hotdesk-state 2 <name> <length> <sha256>` line,
    body, `hotdesk-end` line); anything else as it is."""
    head, _, rest = data.partition(b"\n")
    f = head.split(b" ")
    if len(f) == 5 and f[0] == b"hotdesk-state" and f[3].isdigit() and \
            rest[int(f[3]):] == b"hotdesk-end\n":
        return rest[:int(f[3])]
    return data


def secrets():
    out = [POOL_PASSWORD, DEVICE_TOKEN, ADMIN_TOKEN, PSAP_PASSWORD, STATUS_TOKEN, IVR_PASSWORD]
    for name, pin, pw, regpw, _ in USERS.values():
        out += [pin, pw, regpw]
    return out


class World:
    def __init__(self, workdir, pbx_up=True, device_profile=None, pbx_opts=None, pbx_poll=1,
                 peers=(), phone_env=None, ctrl_trace=False, registrar_faults=None, wait_pool=True,
                 pbx_flow=False, pool_auth_id=None, profile_format=None, person_auth_ids=None,
                 **hotdesk_opts):
        # pool_auth_id: the pool authenticates with this authentication ID, not HD0001 (the
        # registrar has no HD0001 row, only this ID for the AOR user HD0001; the device
        # profile names it, user_pname / account.1.auth_name); hotdeskd.conf's pool cannot
        # register until the profile is applied. profile_format "cfg": the device profile
        # in Yealink's .cfg format.
        self.pool_auth_id = pool_auth_id
        # person_auth_ids: {ext: ID}: the registrar knows that person only by this
        # authentication ID (3CX), so a login works only if the phone uses it
        self.person_auth_ids = person_auth_ids or {}
        self.profile_format = profile_format
        # pbx_flow=True ("cfg": its profile in .cfg format): the phone's device is in the
        # PBX login flow (docs/pbx-flow.md: "login_flow": "pbx") and the PBX runs its IVR, registered at the registrar as
        # `ivr` (PIN timeout 3 s); self.ivr_log is the IVR's baresip log.
        self.pbx_flow = pbx_flow
        # registrar_faults: {user: mode} answered by a generated copy of the registrar's
        # config from the start (Registrar.set_fault() changes them later); None: the
        # registrar as shipped. wait_pool=False: start without waiting for the pool.
        self.registrar_faults = registrar_faults
        self.wait_pool = wait_pool
        self.dir = workdir
        self.peer_exts = tuple(peers)  # colleagues' phones: plain baresip, manual answer
        self.phone_env = phone_env  # extra environment of the phone's baresip
        # Relay hotdeskd's ctrl_tcp through a recorder: its frames join the secret scan.
        self.ctrl_trace = ctrl_trace
        self.ctrl_rec = None
        self.pbx_poll = pbx_poll
        self.pbx_opts = pbx_opts or {}
        self.device_profile = device_profile or {}
        # the pool stays registered beside the person (EMERGENCY_PROFILE)
        self.pool_kept = self.device_profile.get("hd_emergency_via_pool") == "on"
        self.procs = []
        self.pbx_up = pbx_up
        self.opts = hotdesk_opts

    # ---- lifecycle ----

    def start(self):
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self):
        users = {"HD0001": POOL_PASSWORD, "112": PSAP_PASSWORD}
        if self.pbx_flow:
            users["ivr"] = IVR_PASSWORD
        for ext, (_, _, _, regpw, _) in USERS.items():
            users[ext] = regpw
        auth_ids = {}
        if self.pool_auth_id:
            del users["HD0001"]
            auth_ids[self.pool_auth_id] = ("HD0001", POOL_PASSWORD)
        for ext, aid in self.person_auth_ids.items():
            auth_ids[aid] = (ext, users.pop(ext))
        self.reg = Registrar(os.path.join(self.dir, "registrar"), free_port(), users,
                             faults=self.registrar_faults is not None, auth_ids=auth_ids)
        self.procs.append(self.reg)
        self.reg.start()
        for user, mode in (self.registrar_faults or {}).items():
            self.reg.set_fault(user, mode)
        self.domain = self.reg.domain

        pbx_port = free_port()
        self.status_port = free_port()
        self.status_url = "https://127.0.0.1:%d" % self.status_port
        pki = os.path.join(self.dir, "pki")
        from harness import make_ca
        self.ca, self.cert, self.key = make_ca(pki)
        self.pbx = None
        if self.pbx_up:
            profile = {"pool_password": POOL_PASSWORD, "registrar": self.domain,
                       "hd_emergency_numbers": "112,911,933", "hd_dial_codes": "*98,*8",
                       "hd_profile_check_s": "60", "blf": [["200", "*8", "Reception"]]}
            if self.pool_auth_id:
                profile["pool_auth_name"] = self.pool_auth_id
            profile.update(self.device_profile)
            cfg = {"sip_domain": self.domain, "lockout_after": 3, "lockout_seconds": 300,
                   "admin_token": ADMIN_TOKEN,
                   "devices": {MAC: {"pool_ext": "HD0001", "token": DEVICE_TOKEN,
                                     "profile": profile, "status_url": self.status_url,
                                     "status_token": STATUS_TOKEN, "status_ca": self.ca},
                               MAC2: {"pool_ext": "HD0002", "token": DEVICE_TOKEN + "2"}},
                   "users": {ext: {"name": n, "pin": pin, "sip_password": pw, "hotdesk": hd,
                                   "mailbox": "*98", "blf": [["101", "*8", "Bob"]]}
                             for ext, (n, pin, pw, _, hd) in USERS.items()}}
            if self.profile_format:
                cfg["devices"][MAC]["profile_format"] = self.profile_format
            if self.pbx_flow:
                cfg["devices"][MAC]["login_flow"] = "pbx"
                if self.pbx_flow == "cfg":  # served in Yealink's .cfg format
                    cfg["devices"][MAC]["profile_format"] = "cfg"
                cfg["ivr"] = {"registrar": self.domain, "user": "ivr", "password": IVR_PASSWORD,
                              "dir": os.path.join(self.dir, "pbx", "ivr"), "pin_timeout_s": 3}
                self.ivr_log = os.path.join(self.dir, "pbx", "ivr", "baresip.log")
            cfg.update(self.pbx_opts)
            self.pbx = start_pbx(os.path.join(self.dir, "pbx"), cfg, pbx_port, cert=self.cert,
                                 key=self.key, ca=self.ca, test_hooks=True,
                                 extra_args=("--poll", str(self.pbx_poll)))
            self.procs.append(self.pbx)
        ca = self.ca
        self.pbx_url = "https://127.0.0.1:%d" % pbx_port

        self.psap = start_answering_point(self.dir, self.reg.port, PSAP_PASSWORD,
                                          answermode="manual")
        self.procs.append(self.psap)
        wait_until(lambda: self.reg.contacts_of("112"), 5, "112 registered")
        self.psap_ctrl = BaresipCtrl(self.psap.ctrl_port)
        self.peers, self.peer_ctrl = {}, {}
        for ext in self.peer_exts:
            self._start_peer(ext)

        # as the phone runs it: syslog.so loaded (its lines in phone/syslog.log), started
        # with BARESIP_QUIET_ARGS
        self.phone = Baresip(self.dir, "phone", free_port(span=2), free_port(), [],
                             extra_modules=(), syslog=True,
                             env=dict(os.environ, **self.phone_env) if self.phone_env else None)
        self.procs.append(self.phone)
        self.phone.start()
        ctrl_port = self.phone.ctrl_port
        if self.ctrl_trace:
            self.ctrl_rec = CtrlRecorder(self.phone.ctrl_port)
            self.procs.append(self.ctrl_rec)
            ctrl_port = self.ctrl_rec.port

        hd = os.path.join(self.dir, "hotdeskd")
        os.makedirs(hd, exist_ok=True)
        self.display_log = os.path.join(hd, "display.log")
        self.key_socket = os.path.join(hd, "keys.sock")
        self.state_dir = os.path.join(hd, "state")
        self.secrets_file = write_secret_file(
            os.path.join(hd, "secrets"),
            "pool_password %s\npbx_token %s\nstatus_token %s\n"
            % (POOL_PASSWORD, DEVICE_TOKEN, STATUS_TOKEN))
        conf = {
            "device_id": MAC, "pool_ext": "HD0001", "registrar": self.domain,
            "register_interval": "600", "register_timeout_ms": "3000",
            "ctrl_tcp": "127.0.0.1:%d" % ctrl_port, "ctrl_timeout_ms": "2000",
            "pbx_url": self.pbx_url, "pbx_ca": ca,
            "pbx_connect_timeout_ms": "1500", "pbx_timeout_ms": "4000",
            "secrets_file": self.secrets_file, "emergency_numbers": "112,911",
            "board": os.path.join(SOURCE, "boards", "host"),
            # the catalogs the build made (po/CMakeLists.txt), beside hotdeskd
            "locale_dir": os.path.join(os.path.dirname(HOTDESKD), "locale"),
            "key_socket": self.key_socket, "display_log": self.display_log,
            "tty": "off", "inter_digit_ms": "1500", "message_ms": "1500",
            "state_dir": self.state_dir, "pin_throttle_ms": "1000",
            "status_listen": "127.0.0.1:%d" % self.status_port, "status_cert": self.cert,
            "status_key": self.key, "status_socket": os.path.join(hd, "status.sock"),
        }
        conf.update(self.opts)
        self.conf_path = os.path.join(hd, "hotdeskd.conf")
        with open(self.conf_path, "w") as f:
            for k, v in conf.items():
                f.write("%-24s %s\n" % (k, v))
        self.start_hotdeskd(wait_pool=self.wait_pool)

    def _start_peer(self, ext):
        """A colleague's desk phone: baresip registered at kamailio as `ext` (display
        name from USERS), answermode=manual, its ctrl_tcp in self.peer_ctrl[ext]."""
        name, _, _, regpw, _ = USERS[ext]
        line = '"%s" <sip:%s@127.0.0.1:%d>;auth_pass=%s;regint=600;answermode=manual' % (
            name, ext, self.reg.port, regpw)
        peer = Baresip(self.dir, "peer" + ext, free_port(span=2), free_port(), [line])
        self.procs.append(peer)
        peer.start()
        self.peers[ext] = peer
        self.peer_ctrl[ext] = BaresipCtrl(peer.ctrl_port)
        port = ":%d" % peer.sip_port
        wait_until(lambda: any(port in c for c in self.reg.contacts_of(ext)), 5,
                   "peer %s registered" % ext)

    def peer_uri(self, user):
        """A SIP URI for `user` at the registrar, as a peer dials it."""
        return "sip:%s@%s" % (user, self.domain)

    def start_hotdeskd(self, crash_at=None, wait_pool=True):
        env = dict(os.environ)
        env.pop("HOTDESK_CRASH_AT", None)
        if crash_at:
            env["HOTDESK_CRASH_AT"] = crash_at
        if getattr(self, "hotdeskd", None) in self.procs:
            self.procs.remove(self.hotdeskd)
        if os.path.exists(self.key_socket):  # left by a killed hotdeskd
            os.unlink(self.key_socket)
        self.hotdeskd = Proc([HOTDESKD, "-c", self.conf_path],
                             os.path.join(self.dir, "hotdeskd", "hotdeskd.log"),
                             env=env, name="hotdeskd").start()
        self.procs.append(self.hotdeskd)
        # Up: its key socket and its status endpoint listen (the endpoint comes a few ms
        # later; a test that asked it at once was refused under load).
        wait_until(lambda: (os.path.exists(self.key_socket) and
                            _accepts(self.status_port)) or not self.hotdeskd.alive(), 5,
                   "hotdeskd key socket and status endpoint")
        if not self.hotdeskd.alive():
            raise RuntimeError("hotdeskd exited:\n" + self.hotdeskd.log())
        if wait_pool:
            wait_until(lambda: self.registered_as("HD0001"), 5, "pool HD0001 registered")

    def pbx_hook(self, path, body):
        status, reply = https_json(self.pbx.url + path, method="POST", body=body,
                                   token=ADMIN_TOKEN, ca=self.pbx.ca)
        assert status == 200, (status, reply)

    def state_files(self, raw=False):
        """Every file under hotdeskd's state directory, with its text: the body of a
        sealed file (platform/storage/sealed_file.h), or with raw=True the file as it is."""
        out = {}
        for root, _, files in os.walk(self.state_dir):
            for f in files:
                try:
                    with open(os.path.join(root, f), "rb") as fh:
                        data = fh.read()
                except FileNotFoundError:
                    continue  # a temp file renamed while we looked
                out[os.path.join(root, f)] = (data if raw else sealed_body(data)).decode(
                    "utf-8", "replace")
        return out

    def stop(self):
        ctrls = list(getattr(self, "peer_ctrl", {}).values())
        for ctrl in [getattr(self, "psap_ctrl", None)] + ctrls:
            if ctrl:
                ctrl.close()
        for p in reversed(self.procs):
            try:
                p.stop()
            except Exception as e:  # keep stopping the others
                print("stop failed: %r" % e, file=sys.stderr)
        self.procs = []

    # ---- the person at the desk ----

    def keys(self, line, check=True):
        """Press keys: digits, * and # as typed; {blf1}, {send}, {cancel} by name.
        check=False: hotdeskd may die while handling them (crash-point tests)."""
        reply = send_keys(self.key_socket, line)
        if check and reply != "ok":
            raise AssertionError("hotdeskd refused keys: " + reply)

    def frames(self):
        return read_frames(self.display_log)

    def screen(self):
        f = self.frames()
        return f[-1] if f else ""

    def wait_screen(self, text, timeout=5.0):
        return wait_until(lambda: text in self.screen() and self.screen(), timeout,
                          "display showing %r (now %r)" % (text, self.screen()))

    def wait_frame(self, text, timeout=5.0, since=0):
        """Some frame after index `since` contains text (messages are transient)."""
        return wait_until(lambda: next((f for f in self.frames()[since:] if text in f), None),
                          timeout, "a display frame with %r (frames %r)" % (
                              text, self.frames()[since:]))

    # ---- what the registrar and baresip show ----

    def phone_bindings(self):
        """Users the registrar has a binding for that point at the phone's baresip."""
        port = ":%d" % self.phone.sip_port
        return sorted(u for u, c in self.reg.bindings() if port in c)

    def registered_as(self, ext):
        """The registrar has the phone as `ext` alone, or, with the pool kept for
        emergency calls, as `ext` beside the pool."""
        want = {ext.lower(), "hd0001"} if self.pool_kept else {ext.lower()}
        return self.phone_bindings() == sorted(want)

    def invites_to(self, user):
        return [r for r in self.reg.requests() if r[0] == "INVITE" and ("sip:%s@" % user) in r[1]]

    def ctrl_via(self, port):
        """hotdeskd's next start reaches baresip's ctrl_tcp at `port` (a NetProxy)."""
        with open(self.conf_path) as f:
            conf = f.read()
        old = next(l for l in conf.splitlines() if l.startswith("ctrl_tcp "))
        with open(self.conf_path, "w") as f:
            f.write(conf.replace(old, "ctrl_tcp 127.0.0.1:%d" % port))

    def ctl(self, *args):
        """hotdeskctl on the phone's local socket: (exit code, stdout + stderr)."""
        import subprocess
        sock = os.path.join(self.dir, "hotdeskd", "status.sock")
        r = subprocess.run([HOTDESKCTL, "--socket", sock] + list(args), capture_output=True,
                           text=True, timeout=10)
        return r.returncode, r.stdout + r.stderr

    def status(self):
        """The phone's status (hotdeskctl status --json; exit code 1 means unhealthy)."""
        import subprocess
        sock = os.path.join(self.dir, "hotdeskd", "status.sock")
        r = subprocess.run([HOTDESKCTL, "--socket", sock, "status", "--json"],
                           capture_output=True, text=True, timeout=10)
        return json.loads(r.stdout)

    def emergency_call_up(self):
        """The phone dials 112 and the answering point answers: (its ctrl, Call-ID)."""
        psap = self.psap_ctrl
        psap.clear_events()
        self.keys("112")
        cid = psap.wait_event("CALL_INCOMING", 5)["id"]
        psap.ok("accept")
        psap.wait_event("CALL_ESTABLISHED", 5, lambda e: e["id"] == cid)
        return psap, cid

    def admin_view(self):
        status, body = https_json(self.pbx.url + "/api/v1/admin/devices", token=ADMIN_TOKEN,
                                  ca=self.pbx.ca)
        assert status == 200, (status, body)
        return {d["mac"]: d for d in body["devices"]}

    def leaked_secrets(self):
        """Every PIN, SIP password and token of the world found in a log, a display
        transcript, baresip's files, or hotdeskd's argv/environment: a list of
        (where, which secret index). Empty is the only good answer."""
        texts = dict(self.logs())
        hd = getattr(self, "hotdeskd", None)
        if hd is not None and hd.alive():
            for what in ("cmdline", "environ"):
                try:
                    with open("/proc/%d/%s" % (hd.pid, what), "rb") as f:
                        texts["hotdeskd " + what] = f.read().decode("utf-8", "replace")
                except OSError:
                    pass
        hits = []
        for path, text in texts.items():
            if path.endswith("/config"):
                continue  # baresip's config: no accounts in it (checked by tests)
            for i, secret in enumerate(secrets()):
                if secret in text:
                    hits.append((path, i))
        return hits + self.ctrl_leaks()

    def ctrl_leaks(self):
        """With ctrl_trace: every secret in a ctrl_tcp frame where it has no business, as
        (where, secret index). A SIP password belongs only in the `uanew` that adds its
        account and in baresip's answer to it (baresip echoes the line); a PIN, a token
        or a sequence of DTMF digits typed in a call (sent one `sndcode` per key) never."""
        if not self.ctrl_rec:
            return []
        sip_passwords = {POOL_PASSWORD} | {pw for _, _, pw, _, _ in USERS.values()} | \
            {regpw for _, _, _, regpw, _ in USERS.values()}
        frames = self.ctrl_rec.snapshot()
        uanew_tokens = {m.get("token") for d, m in frames
                        if d == "to_baresip" and m.get("command") == "uanew"}
        hits = []
        for d, m in frames:
            text = json.dumps(m)
            allowed = (d == "to_baresip" and m.get("command") == "uanew") or \
                (d == "to_hotdeskd" and m.get("response") and m.get("token") in uanew_tokens)
            what = m.get("command") or m.get("type") or ("response" if m.get("response") else "?")
            for i, secret in enumerate(secrets()):
                if secret in text and not (allowed and secret in sip_passwords):
                    hits.append(("ctrl_tcp %s %s" % (d, what), i))
        return hits

    def dtmf_in_logs(self):
        """Every line of the world's logs (baresips' output and syslog, hotdeskd, the PBX
        and its IVR, kamailio) that tells a DTMF digit: [(file, line)]. Digits typed in a
        call are often a PIN: empty is the only good answer."""
        return [(path, line) for path, text in self.logs().items()
                if not path.endswith("/config") for line in dtmf_lines(text)]

    def logs(self):
        """Every log and state file of the world, for secret scans."""
        out = {}
        for root, _, files in os.walk(self.dir):
            for f in files:
                p = os.path.join(root, f)
                if f.endswith(".log") or f in ("current_contact", "config"):
                    with open(p, "rb") as fh:
                        out[p] = fh.read().decode("utf-8", "replace")
        return out


class WorldTestCase(__import__("unittest").TestCase):
    """A fresh World per test (options in world_opts); after every scenario, no PIN,
    SIP password or token may appear in any log, display transcript, or hotdeskd's
    argv/environment, and no log may tell a DTMF digit."""
    world_opts = {}
    prefix = "hotdesk-it-"

    def setUp(self):
        import shutil
        import tempfile
        self.dir = tempfile.mkdtemp(prefix=self.prefix)
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.w = World(self.dir, **self.world_opts)
        self.addCleanup(self.w.stop)
        self.w.start()

    def tearDown(self):
        self._print_log_tail_if_failed()
        if self.w.procs:
            self.assertEqual(self.w.leaked_secrets(), [], "secrets leaked (file, secret #)")
            self.assertEqual(self.w.dtmf_in_logs(), [], "DTMF digits in a log (file, line)")


def _failed(case):
    """Whether this test has failed so far (unittest keeps no public flag)."""
    result = getattr(getattr(case, "_outcome", None), "result", None)
    if result is None:
        return False
    bad = list(getattr(result, "failures", [])) + list(getattr(result, "errors", []))
    return any(t is case for t, _ in bad) or not getattr(case._outcome, "success", True)


def _accepts(port):
    """Whether something accepts TCP connections on 127.0.0.1:port."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False


def _print_log_tail_if_failed(self, lines=80):
    """A failed scenario shows the end of hotdeskd's log (free of secrets: every
    scenario scans it), so a red CI run says what the daemon saw."""
    if not _failed(self) and not os.environ.get("HD_PRINT_LOG"):
        return
    path = os.path.join(self.w.dir, "hotdeskd", "hotdeskd.log")
    try:
        with open(path, errors="replace") as f:
            tail = f.readlines()[-lines:]
    except OSError:
        return
    text = "".join(tail)
    for secret in secrets():  # a leak fails the scan; it is not printed
        text = text.replace(secret, "<secret>")
    sys.stderr.write("\n---- last %d lines of hotdeskd.log ----\n%s---- end ----\n"
                     % (len(tail), text))


WorldTestCase._print_log_tail_if_failed = _print_log_tail_if_failed
