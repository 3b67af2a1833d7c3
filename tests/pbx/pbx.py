#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Reference PBX hot-desking service (protocol v1, see docs/protocol.md).

    python3 tests/pbx/pbx.py --config CONFIG.json --listen 127.0.0.1:PORT \
        --cert CERT --key KEY [--state-log FILE] [--test-hooks]

Prints `pbx: listening on https://127.0.0.1:PORT` on stdout when ready. Logs one line per
request to stderr (method, path, status; never bodies, PINs, passwords or tokens).
Standard library only (Debian bookworm python3 3.11). The admin's hot-desking page
(/admin/hotdesk, live over server-sent events) is admin_page.py; this file routes to it
and bumps State.version wherever the admin view changes.
"""

import argparse
import datetime
import hashlib
import hmac
import http.server
import json
import os
import signal
import ssl
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import admin_page  # noqa: E402  (the admin's hot-desking page)
import ivr  # noqa: E402  (the PBX login flow: docs/pbx-flow.md)
import yealink_cfg  # noqa: E402

MAX_BODY = 16 * 1024
DRAIN_LIMIT = 1024 * 1024  # larger bodies: answer 400 and close without reading
API = "/api/v1"


def now_iso(t=None):
    return datetime.datetime.fromtimestamp(time.time() if t is None else t,
                                           datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def norm_mac(mac):
    return mac.strip().lower().replace("-", ":")


class Refusal(Exception):
    def __init__(self, status, reason, message):
        super().__init__(message)
        self.status, self.reason, self.message = status, reason, message


class State:
    """All PBX state, guarded by one lock."""

    def __init__(self, cfg, state_log=None):
        self.lock = threading.Lock()
        # Change notification for the admin page's live view (admin_page.py): `version`
        # goes up, under the lock, wherever the admin view changes; waiters sleep on
        # `changed` (wait_change) until it does or the PBX stops (close).
        self.changed = threading.Condition(self.lock)
        self.version = 0
        self.closing = False
        self.sip_domain = str(cfg["sip_domain"])
        self.lockout_after = int(cfg.get("lockout_after", 3))
        self.lockout_seconds = float(cfg.get("lockout_seconds", 300))
        self.admin_token = str(cfg.get("admin_token", ""))
        self.devices = {}
        for mac, d in cfg.get("devices", {}).items():
            self.devices[norm_mac(mac)] = {
                "mac": norm_mac(mac), "pool_ext": str(d["pool_ext"]), "token": str(d["token"]),
                "user": None, "since": now_iso(), "profile": dict(d.get("profile", {})),
                "override": None, "login_flow": d.get("login_flow"),
                "profile_format": d.get("profile_format", "xml"),
                # the phone's status endpoint (docs/status-api.yaml), polled and used
                # for forced logouts; the CA verifies the phone's certificate
                "status_url": d.get("status_url"), "status_token": d.get("status_token"),
                "status_ca": d.get("status_ca"), "seq": 0, "reported": None,
                "polled": None, "reachable": None, "emergency_calls": []}
        self.users = {str(ext): dict(u) for ext, u in cfg.get("users", {}).items()}
        # One person on two phones at once? "refuse" (default) or "move": log the
        # other phone out through its status endpoint, then accept.
        self.double_login = str(cfg.get("double_login", "refuse"))
        self.fails = {}          # ext -> consecutive wrong PINs
        self.locked_until = {}   # ext -> monotonic deadline
        self.locked_wall = {}    # ext -> the same deadline, UTC ISO 8601 (admin view)
        self.state_log = state_log
        self.pending_remote_logouts = []
        # ext -> MAC of the device of the person's newest login: a phone that comes back
        # from a power cut claims its saved person only if that was here (resume)
        self.last_login = {}

    # -- change notification (lock held) -----------------------------------------
    def _changed(self):
        self.version += 1
        self.changed.notify_all()

    def wait_change(self, seen, timeout):
        """Sleeps until the view's version differs from `seen`, the PBX stops or `timeout`
        (s) passes; returns (version, closing)."""
        with self.lock:
            self.changed.wait_for(lambda: self.version != seen or self.closing, timeout)
            return self.version, self.closing

    def close(self):
        """The PBX stops: every wait_change returns at once."""
        with self.lock:
            self.closing = True
            self.changed.notify_all()

    def _log_state(self, mac, event, ext=None):
        if not self.state_log:
            return
        rec = {"time": now_iso(), "mac": mac, "event": event}
        if ext is not None:
            rec["ext"] = ext
        with open(self.state_log, "a") as f:
            f.write(json.dumps(rec) + "\n")

    # -- auth ---------------------------------------------------------------
    def device_for(self, mac, bearer):
        dev = self.devices.get(norm_mac(mac))
        # compare against a dummy when the MAC is unknown: same answer, similar timing
        expected = dev["token"] if dev else "\0unknown-device\0"
        if bearer is None or not hmac.compare_digest(bearer.encode(), expected.encode()) \
                or dev is None:
            raise Refusal(401, "device_unauthorized", "device not authorised")
        return dev

    def admin_ok(self, bearer):
        return bool(self.admin_token) and bearer is not None and \
            hmac.compare_digest(bearer.encode(), self.admin_token.encode())

    # -- operations -----------------------------------------------------------
    def _set_idle(self, dev, event):
        old = dev["user"]
        dev["user"] = None
        dev["since"] = now_iso()
        self._changed()
        self._log_state(dev["mac"], event, old)

    def login(self, dev, ext, pin):
        with self.lock:
            user = self.users.get(ext)
            if user is None:
                raise Refusal(404, "unknown_extension", "Unknown extension")
            if not user.get("hotdesk", False):
                raise Refusal(403, "not_permitted", "Hot desking not permitted for this extension")
            until = self.locked_until.get(ext)
            if until is not None:
                if time.monotonic() < until:
                    raise Refusal(403, "locked", "Too many wrong PINs; try again later")
                del self.locked_until[ext]
                self.locked_wall.pop(ext, None)
                self._changed()
            if not hmac.compare_digest(str(pin).encode(), str(user.get("pin", "")).encode()):
                n = self.fails.get(ext, 0) + 1
                if n >= self.lockout_after:
                    self.fails.pop(ext, None)
                    self.locked_until[ext] = time.monotonic() + self.lockout_seconds
                    self.locked_wall[ext] = now_iso(time.time() + self.lockout_seconds)
                    self._changed()
                    self._log_state(dev["mac"], "locked", ext)
                    raise Refusal(403, "locked", "Too many wrong PINs; extension locked")
                self.fails[ext] = n
                raise Refusal(403, "wrong_pin", "Wrong PIN")
            self.fails.pop(ext, None)
            others = [o for o in self.devices.values() if o is not dev and o["user"] == ext]
            if others and self.double_login != "move":
                raise Refusal(403, "in_use_elsewhere", "Already logged in on another phone")
            for other in others:  # move: the other phone logs out (outside the lock)
                self._set_idle(other, "moved_away")
                self.pending_remote_logouts.append((other["mac"], ext))
            # the device's previous user leaves it (roam)
            if dev["user"] is not None and dev["user"] != ext:
                self._set_idle(dev, "roamed_out")
            if dev["user"] != ext:
                dev["user"] = ext
                dev["since"] = now_iso()
                self._changed()
            self.last_login[ext] = dev["mac"]
            self._log_state(dev["mac"], "login", ext)
            return self._account(ext, user)

    def _account(self, ext, user):
        """The `user` object of a login answer (docs/protocol.md)."""
        return {"ext": ext, "name": str(user.get("name", "")), "sip_user": ext,
                "sip_password": str(user.get("sip_password", "")),
                "sip_domain": self.sip_domain}

    def _stale_claim(self, dev, ext):
        """Newest login wins: `ext` sits on another phone now, or logged in on another
        phone after its login here (and may have left it since)."""
        if any(o is not dev and o["user"] == ext for o in self.devices.values()):
            return True
        return self.last_login.get(ext, dev["mac"]) != dev["mac"]

    def resume(self, dev, ext):
        """A phone restored `ext` from its saved state (docs/protocol.md, resume)."""
        with self.lock:
            if ext not in self.users:
                raise Refusal(404, "unknown_extension", "Unknown extension")
            if self._stale_claim(dev, ext):
                self._log_state(dev["mac"], "resume_refused", ext)
                raise Refusal(409, "moved", "Logged in on another phone since")
            if dev["user"] != ext:
                dev["user"] = ext
                dev["since"] = now_iso()
                self._changed()
            self.last_login[ext] = dev["mac"]
            self._log_state(dev["mac"], "resumed", ext)

    def lost(self, dev):
        """A phone lost its saved state and asks who sits at it (docs/protocol.md,
        resume with "lost"): (ext, account) of the person this view has at the device
        when their newest login is here too and they may still hot-desk; None otherwise
        (the view then says idle). No PIN: the device is authenticated and was given
        that person; so nothing counts toward the PIN lockout."""
        with self.lock:
            ext = dev["user"]
            user = self.users.get(ext) if ext is not None else None
            if user is None or not user.get("hotdesk", False) or self._stale_claim(dev, ext):
                if ext is not None:
                    self._set_idle(dev, "lost_nobody")
                self._log_state(dev["mac"], "lost_none")
                return None
            self._log_state(dev["mac"], "lost_handed_back", ext)
            return ext, self._account(ext, user)

    def device_profile(self, dev):
        """The device profile XML (docs/profile.md), or a test override
        {"status": N} / {"xml": "..."} / {"redirect": True} / {"delay": s}, or
        {"set": {element: value}}: the device's settings changed by its admin."""
        with self.lock:
            ov = dev["override"]
            if ov is not None and ov.get("set"):
                dev = dict(dev, profile=dict(dev["profile"], **ov["set"]))
                ov = None
            if ivr.is_pbx_flow(dev):  # identity 1 follows the person (docs/pbx-flow.md)
                xml = ivr.flow_profile_xml(dev, ivr.person_of(self, dev), self.sip_domain,
                                           device_profile_xml)
            else:
                xml = device_profile_xml(dev, self.sip_domain)
            if dev["profile_format"] == "cfg":  # Yealink-style .cfg (docs/profile.md)
                xml = yealink_cfg.from_snom_xml(xml)
            if ov is not None and ov.get("pad"):  # a valid profile made oversized
                return {"xml": xml.replace("</phone-settings>", "<language>%s</language>"
                                           "</phone-settings>" % ("x" * int(ov["pad"])))}
            if ov is not None:
                return ov
            return {"xml": xml}

    def user_profile(self, ext):
        with self.lock:
            return user_profile_xml(self.users.get(ext, {}))

    def take_remote_logouts(self):
        with self.lock:
            out, self.pending_remote_logouts = self.pending_remote_logouts, []
            return out

    def set_override(self, mac, override):
        with self.lock:
            self.devices[norm_mac(mac)]["override"] = override

    LOGOUT_REASONS = ("user", "pbx", "idle", "max_session", "daily", "registration_refused")

    def logout(self, dev, ext, reason=None):
        with self.lock:
            if reason is not None:
                # Kept even when a push already told us the phone is idle.
                dev["last_logout"] = {"ext": ext, "reason": reason, "time": now_iso()}
                self._changed()
                self._log_state(dev["mac"], "logout_reason:" + reason, ext)
            if dev["user"] == ext:
                self._set_idle(dev, "logout")

    def set_sip_password(self, ext, pw):
        with self.lock:
            if ext not in self.users:
                raise Refusal(404, "unknown_extension", "Unknown extension")
            self.users[ext]["sip_password"] = pw

    def set_user(self, ext, fields):
        """Test hook: add a user or change its fields (name, pin, sip_password, hotdesk,
        mailbox, blf, dial_terminator, language)."""
        with self.lock:
            self.users.setdefault(ext, {}).update(fields)
            self._changed()

    def report(self, dev, status):
        """A status pushed by the phone. Newest seq wins; the phone is the
        authority on who sits at it (e.g. after it rolled a login back)."""
        with self.lock:
            seq = int(status.get("seq", 0))
            if seq <= dev["seq"]:
                return False
            dev["seq"] = seq
            dev["reported"] = status
            self._changed()
            user = (status.get("user") or {}).get("ext")
            if user is not None and user != dev["user"] and self._stale_claim(dev, user):
                self._log_state(dev["mac"], "stale_report", user)  # newest login wins
                return True
            if dev.get("login_flow") == "pbx":
                # The PBX login flow: the PBX decides who sits here and
                # reprovisions; a push only says where the phone has got to
                # (it may not have fetched the new profile yet).
                return True
            if status.get("state") in ("idle", "logged-in") and user != dev["user"]:
                dev["user"] = user
                dev["since"] = now_iso()
                self._log_state(dev["mac"], "reported", user)
            return True

    def emergency_call(self, dev, notice):
        """An on-site notification of an emergency call (docs/protocol.md): kept for
        the admin view (newest last, at most 50 per device), logged loudly."""
        if notice.get("event") != "emergency_call":
            raise Refusal(400, "bad_request", "event must be emergency_call")
        number = notice.get("number")
        if not isinstance(number, str) or not number:
            raise Refusal(400, "bad_request", "number must be a non-empty string")
        loc = notice.get("location")
        if loc is not None and not isinstance(loc, dict):
            raise Refusal(400, "bad_request", "location must be an object")
        occ = notice.get("occupant")
        if occ is not None and not isinstance(occ, dict):
            raise Refusal(400, "bad_request", "occupant must be an object or null")
        rec = {"received": now_iso(), "number": number, "time": str(notice.get("time", "")),
               "pool_ext": str(notice.get("pool_ext", "")),
               "occupant": ({"ext": str(occ.get("ext", "")), "name": str(occ.get("name", ""))}
                            if occ else None),
               "location": {str(k): str(v) for k, v in (loc or {}).items()},
               "callback": str(notice.get("callback", ""))}
        with self.lock:
            dev["emergency_calls"] = (dev["emergency_calls"] + [rec])[-50:]
            self._changed()
            self._log_state(dev["mac"], "emergency_call",
                            rec["occupant"]["ext"] if rec["occupant"] else None)
        where = ", ".join("%s=%s" % (k, v) for k, v in rec["location"].items() if v)
        sys.stderr.write("pbx: EMERGENCY CALL %s from %s (pool %s, occupant %s) at %s; %s\n" % (
            number, dev["mac"], rec["pool_ext"],
            rec["occupant"]["ext"] if rec["occupant"] else "-", rec["time"], where or "no location"))
        sys.stderr.flush()

    def lockouts(self):
        """The people locked out by wrong PINs now: [{ext, name, until}] (until: UTC) and
        the seconds until the first of them expires (None: nobody locked)."""
        with self.lock:
            now = time.monotonic()
            out = [{"ext": ext, "name": str(self.users.get(ext, {}).get("name", "")),
                    "until": self.locked_wall.get(ext, "")}
                   for ext, until in sorted(self.locked_until.items()) if until > now]
            left = [until - now for until in self.locked_until.values() if until > now]
            return out, (min(left) if left else None)

    def note_admin_logout(self, mac, code):
        """The admin's forced logout of `mac` was sent; the phone answered `code` (202:
        it will log out, after the calls if one is up; 0: unreachable)."""
        with self.lock:
            dev = self.devices.get(mac)
            if dev is not None:
                dev["admin_logout"] = {"time": now_iso(), "phone_answered": code}
                self._changed()

    def view(self):
        with self.lock:
            out = []
            for dev in sorted(self.devices.values(), key=lambda d: d["mac"]):
                user = None
                if dev["user"] is not None:
                    user = {"ext": dev["user"],
                            "name": str(self.users.get(dev["user"], {}).get("name", ""))}
                rep = dev["reported"] or {}
                out.append({"mac": dev["mac"], "pool_ext": dev["pool_ext"],
                            "state": "logged_in" if user else "idle", "user": user,
                            "since": dev["since"], "seq": dev["seq"],
                            "phone_state": rep.get("state"),
                            "registration": rep.get("registration"),
                            "reachable": dev["reachable"], "polled": dev["polled"],
                            "logout_reason": rep.get("logout_reason"),
                            "auto_logout_policy": rep.get("auto_logout_policy"),
                            "last_logout": dev.get("last_logout"),
                            "emergency": rep.get("emergency"),
                            "pending": rep.get("pending"), "calls": rep.get("calls"),
                            "admin_logout": dev.get("admin_logout"),
                            "emergency_calls": list(dev["emergency_calls"])})
            return out


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # headers and body go out in two writes: without this, Nagle + delayed ACK
    # add ~40 ms to every response (measured: login 56 ms -> see docs/performance.md)
    disable_nagle_algorithm = True
    server_version = "hotdesk-pbx/1"
    sys_version = ""
    timeout = 10  # per-connection socket timeout (also bounds the TLS handshake)

    # -- plumbing ---------------------------------------------------------------
    def log_message(self, fmt, *args):  # silence the default (we log ourselves)
        pass

    def log_request(self, code="-", size="-"):
        path = urllib.parse.urlsplit(self.path).path if hasattr(self, "path") else "-"
        sys.stderr.write("pbx: %s %s %s %s\n" % (
            self.address_string(), getattr(self, "command", "-"), path, code))
        sys.stderr.flush()

    def _send(self, status, body, ctype="application/json"):
        if isinstance(body, (dict, list)):
            data = json.dumps(body).encode()
        else:
            data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype + ("" if ctype == "application/json"
                                                   else "; charset=utf-8"))
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _serve_device_profile(self, dev):
        prof = self.server.state.device_profile(dev)
        if prof.get("delay"):
            time.sleep(float(prof["delay"]))
        if prof.get("redirect"):
            self.send_response(302)
            self.send_header("Location", self.path)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if prof.get("status"):
            self._send(int(prof["status"]), {"result": "refused", "reason": "test",
                                             "message": "test status"})
            return
        xml = prof.get("xml", "")
        etag = '"%s"' % hashlib.sha256(xml.encode()).hexdigest()[:32]
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        data = xml.encode()
        self.send_response(200)
        self.send_header("Content-Type", "%s; charset=utf-8" % (
            "text/plain" if xml.startswith("#!version:") else "application/xml"))
        self.send_header("Content-Length", str(len(data)))
        self.send_header("ETag", etag)
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def _refuse(self, r):
        self._send(r.status, {"result": "refused", "reason": r.reason, "message": r.message})

    def _bearer(self):
        h = self.headers.get("Authorization", "")
        if h[:7].lower() == "bearer ":
            return h[7:].strip()
        return None

    def _admin_auth(self, unsafe=False):
        """The admin token (API clients), or the admin page's session cookie; a request
        that changes state (`unsafe`) on a session also needs its CSRF token and this
        origin (admin_page.py). Refusals read no body."""
        refusal = self.server.admin_page.check(self, unsafe)
        if refusal is not None:
            self._discard_body()
            raise Refusal(*refusal)

    def _body(self):
        te = self.headers.get("Transfer-Encoding")
        if te:
            self.close_connection = True
            raise Refusal(400, "bad_request", "Transfer-Encoding not supported")
        try:
            n = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            self.close_connection = True
            raise Refusal(400, "bad_request", "bad Content-Length")
        if n < 0 or n > MAX_BODY:
            self.close_connection = True
            if MAX_BODY < n <= DRAIN_LIMIT:
                # drain it so the client can read the 400 instead of a reset
                left = n
                while left > 0:
                    chunk = self.rfile.read(min(left, 65536))
                    if not chunk:
                        break
                    left -= len(chunk)
            raise Refusal(400, "bad_request", "body too large")
        raw = self.rfile.read(n) if n else b""
        try:
            obj = json.loads(raw.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            raise Refusal(400, "bad_request", "malformed JSON")
        if not isinstance(obj, dict):
            raise Refusal(400, "bad_request", "body must be a JSON object")
        return obj

    @staticmethod
    def _field(obj, name):
        v = obj.get(name)
        if not isinstance(v, str) or v == "":
            raise Refusal(400, "bad_request", "missing or non-string field: %s" % name)
        return v

    def _discard_body(self):
        try:
            n = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            n = -1
        if 0 < n <= MAX_BODY:
            self.rfile.read(n)
        elif n != 0:
            self.close_connection = True

    # -- routing ------------------------------------------------------------------
    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def do_PUT(self):
        self._dispatch("PUT")

    def do_DELETE(self):
        self._dispatch("DELETE")

    def _dispatch(self, method):
        st = self.server.state
        path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
        parts = [p for p in path.split("/") if p]
        try:
            if len(parts) == 5 and parts[:3] == ["api", "v1", "devices"] \
                    and parts[4] == "profile.xml" and method == "GET":
                self._serve_device_profile(st.device_for(parts[3], self._bearer()))
                return
            if len(parts) == 5 and parts[:3] == ["api", "v1", "devices"] \
                    and parts[4] == "status" and method == "POST":
                dev = st.device_for(parts[3], self._bearer())
                body = self._body()  # a status document: values need not be strings
                st.report(dev, body)
                self._send(200, {"result": "ok"})
                return
            if len(parts) == 6 and parts[:4] == ["api", "v1", "admin", "devices"] \
                    and parts[5] == "logout" and method == "POST":
                self._admin_auth(unsafe=True)
                self._discard_body()
                code = admin_logout(st, norm_mac(parts[4]))
                self._send(200 if code == 202 else 502, {"result": "ok" if code == 202 else "failed",
                                                          "phone_answered": code})
                return
            if len(parts) == 5 and parts[:3] == ["api", "v1", "devices"] \
                    and parts[4] == "emergency" and method == "POST":
                dev = st.device_for(parts[3], self._bearer())
                body = self._body()
                if self.server.emergency_fail > 0:  # test hook: a PBX that fails it
                    self.server.emergency_fail -= 1
                    raise Refusal(503, "unavailable", "emergency notices failing (test)")
                st.emergency_call(dev, body)
                self._send(200, {"result": "ok"})
                return
            # device API: /api/v1/devices/<mac>/(login|logout|resume)
            if len(parts) == 5 and parts[:3] == ["api", "v1", "devices"] \
                    and parts[4] in ("login", "logout", "resume"):
                if method != "POST":
                    self._discard_body()
                    raise Refusal(405, "bad_request", "use POST")
                try:
                    dev = st.device_for(parts[3], self._bearer())
                except Refusal:
                    self._discard_body()
                    raise
                body = self._body()
                if parts[4] == "resume" and body.get("lost") is True:
                    found = st.lost(dev)
                    if found is None:
                        self._send(200, {"result": "none"})
                    else:
                        ext, user = found
                        self._send(200, {"result": "ok", "ext": ext, "user": user,
                                         "profile": st.user_profile(ext)})
                    return
                ext = self._field(body, "ext")
                if parts[4] == "login":
                    pin = self._field(body, "pin")
                    user = st.login(dev, ext, pin)
                    for mac, moved in st.take_remote_logouts():
                        remote_logout(st, mac, moved)
                    self.server.hold_login(ext)  # test hook: the answer waits
                    self._send(200, {"result": "ok", "user": user,
                                     "profile": st.user_profile(ext)})
                elif parts[4] == "resume":
                    st.resume(dev, ext)
                    self._send(200, {"result": "ok"})
                else:
                    reason = body.get("reason")
                    if reason is not None and reason not in st.LOGOUT_REASONS:
                        raise Refusal(400, "bad_request", "unknown logout reason")
                    st.logout(dev, ext, reason)
                    self._send(200, {"result": "ok"})
                return
            if path == "/api/v1/admin/devices" and method == "GET":
                self._admin_auth()  # the admin token, or the admin page's session
                self._send(200, {"devices": st.view(), "locked": st.lockouts()[0]})
                return
            if path == "/admin" and method == "GET":
                if not st.admin_ok(self._bearer()):
                    raise Refusal(401, "admin_unauthorized", "admin token required")
                self._send(200, render_table(st.view()), "text/plain")
                return
            if self.server.admin_page.handle(self, method, path):
                return
            if path == "/test/device_profile" and self.server.test_hooks and method == "POST":
                if not st.admin_ok(self._bearer()):
                    self._discard_body()
                    raise Refusal(401, "admin_unauthorized", "admin token required")
                body = self._body()
                st.set_override(self._field(body, "mac"), body.get("override"))
                self._send(200, {"result": "ok"})
                return
            if path == "/test/emergency_fail" and self.server.test_hooks and method == "POST":
                if not st.admin_ok(self._bearer()):
                    self._discard_body()
                    raise Refusal(401, "admin_unauthorized", "admin token required")
                self.server.emergency_fail = int(self._body().get("count", 0))
                self._send(200, {"result": "ok"})
                return
            if path in ("/test/hold_login", "/test/release_login") and self.server.test_hooks \
                    and method == "POST":
                if not st.admin_ok(self._bearer()):
                    self._discard_body()
                    raise Refusal(401, "admin_unauthorized", "admin token required")
                ext = self._field(self._body(), "ext")
                if path == "/test/hold_login":
                    self.server.arm_login_hold(ext)
                else:
                    self.server.release_login(ext)
                self._send(200, {"result": "ok"})
                return
            if path == "/test/user" and self.server.test_hooks and method == "POST":
                if not st.admin_ok(self._bearer()):
                    self._discard_body()
                    raise Refusal(401, "admin_unauthorized", "admin token required")
                body = self._body()
                fields = body.get("fields")
                if not isinstance(fields, dict):
                    raise Refusal(400, "bad_request", "fields must be an object")
                st.set_user(self._field(body, "ext"), fields)
                self._send(200, {"result": "ok"})
                return
            if path == "/test/sip_password" and self.server.test_hooks and method == "POST":
                if not st.admin_ok(self._bearer()):
                    self._discard_body()
                    raise Refusal(401, "admin_unauthorized", "admin token required")
                body = self._body()
                st.set_sip_password(self._field(body, "ext"), self._field(body, "sip_password"))
                self._send(200, {"result": "ok"})
                return
            self._discard_body()
            raise Refusal(404, "not_found", "no such resource")
        except Refusal as r:
            self._refuse(r)
        except Exception as e:  # never leak details; keep serving
            sys.stderr.write("pbx: internal error %s\n" % type(e).__name__)
            self.close_connection = True
            self._send(500, {"result": "refused", "reason": "internal_error",
                             "message": "internal error"})


def phone_request(dev, method, path, timeout=3.0, body=None):
    """A request to a phone's status endpoint (a POST with `body`, a dict, as JSON);
    returns (status, json-or-None)."""
    import urllib.error
    import urllib.request
    if not dev.get("status_url"):
        return 0, None
    ctx = ssl.create_default_context(cafile=dev.get("status_ca")) \
        if dev["status_url"].startswith("https") else None
    headers = {"Authorization": "Bearer %s" % dev["status_token"]}
    data = None
    if method == "POST":
        data = json.dumps(body).encode() if body is not None else b""
        if body is not None:
            headers["Content-Type"] = "application/json"
    req = urllib.request.Request(dev["status_url"] + path, method=method, headers=headers,
                                 data=data)
    try:
        with urllib.request.urlopen(req, timeout=timeout, context=ctx) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, None
    except (OSError, ValueError):
        return 0, None


def admin_logout(state, mac):
    """The admin's forced logout of the device `mac` (the JSON API and the admin page's
    Logout button): the phone logs out whoever the view has there. Returns the phone's
    HTTP answer (0: unreachable); an unknown device is refused 404."""
    with state.lock:  # whom the view has there: the phone logs that person out
        dev = state.devices.get(mac)
        if dev is None:
            raise Refusal(404, "not_found", "no such device")
        ext = dev["user"]
    code = remote_logout(state, mac, ext)
    state.note_admin_logout(mac, code)
    return code


def remote_logout(state, mac, ext=None):
    """Forced logout (3CX's Logout button, or a move): POST /logout on the phone's
    endpoint, naming `ext`, the person logged out (docs/protocol.md); None names nobody
    (the phone logs out whoever sits there)."""
    dev = state.devices.get(mac)
    if dev and ivr.is_pbx_flow(dev):  # the PBX flow: reprovision, then resync
        code = ivr.reprovision_logout(state, dev, "forced_logout", phone_request)
        state._log_state(mac, "remote_logout", str(code))
        return code
    body = {"ext": ext} if ext else None
    code, _ = phone_request(dev, "POST", "/logout", body=body) if dev else (0, None)
    state._log_state(mac, "remote_logout", str(code))
    return code


def poll_loop(state, interval, stop):
    """Polls every known phone's GET /status, so the view is right even when a
    push was lost; a phone that does not answer is shown unreachable."""
    while not stop.wait(interval):
        for mac, dev in list(state.devices.items()):
            if not dev.get("status_url"):
                continue
            code, body = phone_request(dev, "GET", "/status")
            with state.lock:
                if dev["reachable"] != (code == 200):  # the poll time alone is no change
                    dev["reachable"] = code == 200
                    state._changed()
                dev["polled"] = now_iso()
            if code == 200 and isinstance(body, dict):
                state.report(dev, body)


def _xml_text(v):
    return (str(v).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def _fkeys(blf):
    """[ext, pickup, label] entries, or a string: the key's text as a template wrote it
    (e.g. "blf sip:103@pbx.example.com;user=phone|**")."""
    out = []
    for i, b in enumerate(blf):
        if isinstance(b, str):
            out.append('    <fkey idx="%d" context="active" perm="R">%s</fkey>' % (i, _xml_text(b)))
            continue
        ext, pickup, label = (list(b) + ["", ""])[:3]
        out.append('    <fkey idx="%d" label="%s" context="active" perm="R">blf %s|%s</fkey>'
                   % (i, _xml_text(label), _xml_text(ext), _xml_text(pickup)))
    return "\n".join(out)


def device_profile_xml(dev, sip_domain):
    """Snom-style device profile with hotdesk's own hd_* elements."""
    p = dev["profile"]
    el = [("user_active", "on", True), ("user_name", dev["pool_ext"], True),
          ("user_pass", p.get("pool_password", ""), True),
          ("user_host", p.get("registrar", sip_domain), True),
          ("user_realname", p.get("pool_name", dev["pool_ext"]), True)]
    if p.get("outbound"):
        el.append(("user_outbound", p["outbound"], True))
    if p.get("pool_auth_name"):  # 3CX's "Authentication ID" when not the user name
        el.append(("user_pname", p["pool_auth_name"], True))
    for key in ("hd_emergency_numbers", "hd_login_code", "hd_logout_code", "hd_dial_codes",
                "hd_dial_terminator", "hd_logout_key", "hd_status_token", "hd_profile_check_s", "language",
                "timezone", "hd_auto_logout_idle", "hd_auto_logout_max_session",
                "hd_auto_logout_daily", "hd_auto_logout_countdown_s", "hd_auto_logout_stay",
                "hd_emergency_via_pool", "hd_location_on_idle",
                "hd_location_country", "hd_location_a1", "hd_location_a3", "hd_location_rd",
                "hd_location_hno", "hd_location_bld", "hd_location_flr", "hd_location_room",
                "hd_emergency_callback"):
        if key in p:
            el.append((key, p[key], False))
    lines = ['    <%s%s perm="R">%s</%s>' % (k, ' idx="1"' if idx else "", _xml_text(v), k)
             for k, v, idx in el]
    return ('<?xml version="1.0" encoding="utf-8"?>\n<settings>\n  <phone-settings>\n%s\n'
            '  </phone-settings>\n  <functionKeys>\n%s\n  </functionKeys>\n</settings>\n'
            % ("\n".join(lines), _fkeys(p.get("blf", []))))


def user_profile_xml(user):
    """The user-level settings that travel with a person (no secrets)."""
    term = ""
    if user.get("dial_terminator"):
        term = '    <hd_dial_terminator perm="R">%s</hd_dial_terminator>\n' % _xml_text(
            user["dial_terminator"])
    if user.get("language"):  # the display's language while they sit here (docs/i18n.md)
        term += '    <language perm="R">%s</language>\n' % _xml_text(user["language"])
    return ('<?xml version="1.0" encoding="utf-8"?>\n<settings>\n  <phone-settings>\n'
            '    <user_realname idx="1" perm="R">%s</user_realname>\n'
            '    <user_mailbox idx="1" perm="R">%s</user_mailbox>\n%s'
            '  </phone-settings>\n  <functionKeys>\n%s\n  </functionKeys>\n</settings>\n'
            % (_xml_text(user.get("name", "")), _xml_text(user.get("mailbox", "*98")), term,
               _fkeys(user.get("blf", []))))


def render_table(devices):
    rows = [("MAC", "POOL EXT", "STATE", "USER", "SINCE")]
    for d in devices:
        u = d["user"]
        rows.append((d["mac"], d["pool_ext"], d["state"],
                     ("%s (%s)" % (u["ext"], u["name"])) if u else "-", d["since"]))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = "".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() + "\n"
                  for r in rows)
    for d in devices:  # emergency calls: the on-site notification, newest first
        for e in reversed(d.get("emergency_calls", [])):
            occ = e["occupant"]
            where = ", ".join("%s %s" % (k, v) for k, v in e["location"].items() if v)
            out += "EMERGENCY %s  %s  %s from %s%s  at %s\n" % (
                e["time"], d["mac"], e["number"], e["pool_ext"],
                (" (%s %s)" % (occ["ext"], occ["name"])) if occ else "", where or "-")
    return out


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr, ctx, state, test_hooks):
        super().__init__(addr, Handler)
        self.ctx = ctx
        self.state = state
        self.test_hooks = test_hooks
        self.admin_page = admin_page.AdminPage(state)
        self.emergency_fail = 0  # test hook: answer the next N emergency notices 503
        # test hook: ext -> Event; that person's next login is recorded, then its answer
        # waits for release_login (at most LOGIN_HOLD_MAX_S), a login "in flight"
        self.login_holds = {}
        self.holds_lock = threading.Lock()

    LOGIN_HOLD_MAX_S = 10

    def arm_login_hold(self, ext):
        with self.holds_lock:
            self.login_holds[ext] = threading.Event()

    def release_login(self, ext):
        with self.holds_lock:
            ev = self.login_holds.pop(ext, None)
        if ev is not None:
            ev.set()

    def hold_login(self, ext):
        with self.holds_lock:
            ev = self.login_holds.get(ext)
        if ev is not None:
            ev.wait(self.LOGIN_HOLD_MAX_S)
            self.release_login(ext)

    def get_request(self):
        sock, addr = self.socket.accept()
        # handshake lazily in the handler thread, so a slow client cannot block accept()
        return self.ctx.wrap_socket(sock, server_side=True,
                                    do_handshake_on_connect=False), addr

    def handle_error(self, request, client_address):
        # TLS failures, resets, timeouts: one line, no traceback
        exc = sys.exc_info()[1]
        sys.stderr.write("pbx: connection error %s\n" % type(exc).__name__)


def main(argv=None):
    ap = argparse.ArgumentParser(description="hotdesk reference PBX (protocol v1)")
    ap.add_argument("--config", required=True)
    ap.add_argument("--listen", required=True, help="127.0.0.1:PORT")
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--state-log")
    ap.add_argument("--test-hooks", action="store_true")
    ap.add_argument("--poll", type=float, default=0, help="poll phones every N s (0: off)")
    args = ap.parse_args(argv)

    with open(args.config) as f:
        cfg = json.load(f)
    host, _, port = args.listen.rpartition(":")
    state = State(cfg, args.state_log)

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(args.cert, args.key)

    srv = Server((host, int(port)), ctx, state, args.test_hooks)
    the_ivr = None
    if cfg.get("ivr"):  # registered before the ready line
        the_ivr = ivr.Ivr(state, cfg["ivr"], phone_request, Refusal).start()

    stop = threading.Event()
    if args.poll > 0:
        threading.Thread(target=poll_loop, args=(state, args.poll, stop), daemon=True).start()

    def on_term(signum, frame):
        stop.set()

        def down():  # not in the handler: state.close() takes the state's lock
            state.close()  # the admin page's event streams end at once
            srv.shutdown()
        threading.Thread(target=down, daemon=True).start()
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)

    print("pbx: listening on https://%s:%d" % (host, srv.server_address[1]), flush=True)
    try:
        srv.serve_forever(poll_interval=0.2)
    finally:
        srv.server_close()
        if the_ivr is not None:
            the_ivr.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
