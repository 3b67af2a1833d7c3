# SPDX-License-Identifier: BSD-3-Clause
"""The admin's hot-desking page of the reference PBX (tests/pbx/README.md, "The admin's
page"): a sign-in form for the admin token, a session cookie, the live view as server-sent
events, and the checks every admin request goes through (pbx.py routes the API itself).

    GET  /admin/hotdesk          the page (401 with the sign-in form without a session)
    POST /admin/login            token=<admin token> (form) -> 303 + session cookie
    POST /admin/signout          csrf=<token> (form) -> 303, session ended
    GET  /admin/events           text/event-stream: one `view` event per change
    GET  /admin/static/<file>    hotdesk.js, hotdesk.css (no secrets, no auth)

Sessions live in memory (a restart signs everyone out). The session id goes only in an
HttpOnly, Secure, SameSite=Strict cookie; requests that change state on a session need
its CSRF token (X-CSRF-Token header or csrf form field) and this origin. Nothing here
logs a token, a cookie or a form field. Standard library only.
"""

import hashlib
import hmac
import json
import os
import secrets
import string
import threading
import time
import urllib.parse

STATIC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "static")
COOKIE = "__Host-hd_admin"  # __Host-: Secure, Path=/, no Domain (RFC 6265bis)
SESSION_S = 8 * 3600
HEARTBEAT_S = 10.0   # an SSE comment this often keeps proxies and dead peers honest
COALESCE_S = 0.1     # changes this close together make one event
MAX_STREAMS = 32     # SSE connections at once; more are answered 503
MAX_FORM = 4096
LOGIN_FAILS = 10     # wrong tokens per client address and LOGIN_WINDOW_S, then 429
LOGIN_WINDOW_S = 60.0
MAX_CLIENTS = 4096   # addresses whose wrong tokens are remembered
RECENT_EMERGENCY = 20

# default-src 'none': only the page's own script, style and event stream load.
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; "
                               "connect-src 'self'; img-src 'self'; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # no-referrer would make Origin "null"
    "Cache-Control": "no-store",
}
STATIC_TYPES = {"hotdesk.js": "text/javascript", "hotdesk.css": "text/css"}


def _read(name):
    with open(os.path.join(STATIC, name), encoding="utf-8") as f:
        return f.read()


def _digest(value):
    """Sessions are looked up by the hash of their id: the lookup's timing tells nothing
    about the id an attacker holds."""
    return hashlib.sha256(value.encode("utf-8", "replace")).hexdigest()


class Sessions:
    def __init__(self):
        self.lock = threading.Lock()
        self.by_digest = {}  # sha256(id) -> {"csrf", "expires"}

    def create(self):
        sid = secrets.token_urlsafe(32)
        with self.lock:
            now = time.monotonic()
            self.by_digest = {k: s for k, s in self.by_digest.items() if s["expires"] > now}
            self.by_digest[_digest(sid)] = {"csrf": secrets.token_urlsafe(32),
                                            "expires": now + SESSION_S}
        return sid

    def get(self, sid):
        if not sid:
            return None
        with self.lock:
            s = self.by_digest.get(_digest(sid))
            return s if s is not None and s["expires"] > time.monotonic() else None

    def drop(self, sid):
        with self.lock:
            self.by_digest.pop(_digest(sid or ""), None)


def snapshot(state):
    """What the page shows: the admin view trimmed to its columns, the lockouts and the
    newest emergency calls of all devices (newest first). JSON-ready."""
    devices = state.view()
    locked, _ = state.lockouts()
    keep = ("mac", "pool_ext", "state", "user", "since", "phone_state", "registration",
            "reachable", "pending", "calls", "admin_logout")
    calls = [dict(e, mac=d["mac"]) for d in devices
             for e in d["emergency_calls"][-RECENT_EMERGENCY:]]
    calls.sort(key=lambda e: (e["received"], e["time"]), reverse=True)
    return {"devices": [{k: d.get(k) for k in keep} for d in devices], "locked": locked,
            "emergency_calls": calls[:RECENT_EMERGENCY]}


class AdminPage:
    def __init__(self, state):
        self.state = state
        self.sessions = Sessions()
        self.template = string.Template(_read("hotdesk.html"))
        self.static = {name: _read(name).encode() for name in STATIC_TYPES}
        self.streams = 0
        self.streams_lock = threading.Lock()
        # client address -> monotonic times of its wrong tokens (LOGIN_WINDOW_S), sign-in
        # and bearer alike: one client guessing locks out only itself (review: a global
        # count let anyone keep the admin out, and bearer guesses were not counted)
        self.login_fails = {}

    def _throttled(self, h):
        now = time.monotonic()
        with self.sessions.lock:
            ip = h.client_address[0]
            fails = [t for t in self.login_fails.get(ip, []) if now - t < LOGIN_WINDOW_S]
            if fails:
                self.login_fails[ip] = fails
            else:
                self.login_fails.pop(ip, None)
            return len(fails) >= LOGIN_FAILS

    def _note_fail(self, h):
        with self.sessions.lock:
            if len(self.login_fails) >= MAX_CLIENTS:  # forget the quietest at once
                self.login_fails.pop(next(iter(self.login_fails)))
            self.login_fails.setdefault(h.client_address[0], []).append(time.monotonic())

    # -- credentials ------------------------------------------------------------
    @staticmethod
    def _cookie(h):
        for part in h.headers.get("Cookie", "").split(";"):
            name, _, value = part.strip().partition("=")
            if name == COOKIE:
                return value
        return None

    def _session(self, h):
        return self.sessions.get(self._cookie(h))

    @staticmethod
    def _same_origin(h):
        """The browser's Origin names this server (a cross-site form or fetch names
        its own site; browsers send Origin on every POST)."""
        origin, host = h.headers.get("Origin"), h.headers.get("Host")
        return bool(origin and host) and hmac.compare_digest(
            origin.encode(), ("https://" + host).encode())

    def check(self, h, unsafe):
        """An admin request: None when allowed, else (status, reason, message). A bearer
        header must be the admin token (API clients; browsers never add one by
        themselves, so it needs no CSRF token). Otherwise the session cookie, and for a
        request that changes state (`unsafe`) also the session's CSRF token in
        X-CSRF-Token and this origin."""
        if h.headers.get("Authorization") is not None:
            if self._throttled(h):
                return 429, "throttled", "too many wrong tokens; try again in a minute"
            if self.state.admin_ok(h._bearer()):
                return None
            self._note_fail(h)
            return 401, "admin_unauthorized", "admin token required"
        s = self._session(h)
        if s is None:
            return 401, "admin_unauthorized", "admin token or session required"
        if unsafe and not self._csrf_ok(h, s, h.headers.get("X-CSRF-Token")):
            return 403, "csrf", "CSRF token or origin missing or wrong"
        return None

    def _csrf_ok(self, h, session, token):
        return self._same_origin(h) and token is not None and \
            hmac.compare_digest(token.encode(), session["csrf"].encode())

    # -- routing ----------------------------------------------------------------
    def handle(self, h, method, path):
        """Serves the page's paths; False for any other path."""
        if path == "/admin/hotdesk" and method == "GET":
            s = self._session(h)
            if s is None:
                self._page(h, 401, None)
            else:
                self._page(h, 200, s)
        elif path == "/admin/login" and method == "POST":
            self._login(h)
        elif path == "/admin/signout" and method == "POST":
            self._signout(h)
        elif path == "/admin/events" and method == "GET":
            self._events(h)
        elif path.startswith("/admin/static/") and method == "GET" and \
                path[len("/admin/static/"):] in STATIC_TYPES:
            name = path[len("/admin/static/"):]
            self._send(h, 200, self.static[name], STATIC_TYPES[name])
        else:
            return False
        return True

    # -- responses --------------------------------------------------------------
    def _send(self, h, status, data, ctype, extra=()):
        h.send_response(status)
        h.send_header("Content-Type", ctype + "; charset=utf-8")
        h.send_header("Content-Length", str(len(data)))
        for k, v in list(HEADERS.items()) + list(extra):
            h.send_header(k, v)
        if h.close_connection:
            h.send_header("Connection", "close")
        h.end_headers()
        h.wfile.write(data)

    def _page(self, h, status, session, message=""):
        signed_in = session is not None
        html = self.template.substitute(
            csrf=session["csrf"] if signed_in else "", message=message,
            login_hidden="hidden" if signed_in else "", app_hidden="" if signed_in else "hidden")
        extra = () if signed_in else (("WWW-Authenticate", 'Bearer realm="hotdesk-pbx"'),)
        self._send(h, status, html.encode(), "text/html", extra)

    def _refuse(self, h, status, message):
        self._send(h, status, json.dumps({"result": "refused", "reason": "admin_unauthorized"
                                          if status == 401 else "csrf", "message": message})
                   .encode(), "application/json")

    def _see_other(self, h, cookie):
        h.send_response(303)
        h.send_header("Location", "/admin/hotdesk")
        h.send_header("Set-Cookie", cookie)
        h.send_header("Content-Length", "0")
        for k, v in HEADERS.items():
            h.send_header(k, v)
        h.end_headers()

    def _form(self, h):
        """A small urlencoded body as {name: value}; None when too large or malformed."""
        try:
            n = int(h.headers.get("Content-Length", "0"))
        except ValueError:
            n = -1
        if n < 0 or n > MAX_FORM or h.headers.get("Transfer-Encoding"):
            h.close_connection = True
            return None
        try:
            raw = h.rfile.read(n).decode("utf-8")
            return dict(urllib.parse.parse_qsl(raw, keep_blank_values=True, max_num_fields=8))
        except (UnicodeDecodeError, ValueError):
            return None

    def _login(self, h):
        form = self._form(h)
        if not self._same_origin(h):  # login CSRF: a site signing the admin in as itself
            self._refuse(h, 403, "origin missing or wrong")
            return
        if self._throttled(h):
            self._page(h, 429, None, "Too many wrong tokens; try again in a minute.")
            return
        token = (form or {}).get("token")
        if token is None or not self.state.admin_ok(token):
            self._note_fail(h)
            self._page(h, 401, None, "Wrong admin token.")
            return
        sid = self.sessions.create()
        self._see_other(h, "%s=%s; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=%d"
                        % (COOKIE, sid, SESSION_S))

    def _signout(self, h):
        form = self._form(h) or {}
        s = self._session(h)
        if s is None:
            self._refuse(h, 401, "no session")
            return
        if not self._csrf_ok(h, s, form.get("csrf")):
            self._refuse(h, 403, "CSRF token or origin missing or wrong")
            return
        self.sessions.drop(self._cookie(h))
        self._see_other(h, "%s=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0"
                        % COOKIE)

    # -- the live view ----------------------------------------------------------
    def _events(self, h):
        refusal = self.check(h, unsafe=False)
        if refusal is not None:
            self._refuse(h, refusal[0], refusal[2])
            return
        with self.streams_lock:
            full = self.streams >= MAX_STREAMS
            if not full:
                self.streams += 1
        if full:
            h.close_connection = True
            self._send(h, 503, b'{"result":"refused","reason":"busy"}', "application/json")
            return
        try:
            self._stream(h)
        except (OSError, ValueError):  # the browser went away (reset, TLS, timeout)
            pass
        finally:
            h.close_connection = True
            with self.streams_lock:
                self.streams -= 1

    def _stream(self, h):
        """One `view` event now and after every change (changes within COALESCE_S make
        one; an unchanged view sends none), a comment every HEARTBEAT_S. Ends when the
        PBX stops, the session ends or the browser goes away. No Content-Length: the
        stream ends with the connection."""
        h.close_connection = True
        h.send_response(200)
        h.send_header("Content-Type", "text/event-stream; charset=utf-8")
        for k, v in HEADERS.items():
            h.send_header(k, v)
        h.send_header("Connection", "close")
        h.end_headers()
        h.wfile.write(b"retry: 2000\n\n")
        st, last, sent_at = self.state, None, 0.0
        bearer = h.headers.get("Authorization") is not None
        while True:
            with st.lock:
                seen = st.version
            data = json.dumps(snapshot(st), sort_keys=True, separators=(",", ":"))
            now = time.monotonic()
            if data != last:
                h.wfile.write(b"event: view\ndata: " + data.encode() + b"\n\n")
                last, sent_at = data, now
            elif now - sent_at >= HEARTBEAT_S:
                h.wfile.write(b": keep-alive\n\n")
                sent_at = now
            h.wfile.flush()
            _, expiry = st.lockouts()  # a lockout's end changes the view without an event
            timeout = HEARTBEAT_S if expiry is None else min(HEARTBEAT_S, expiry + 0.05)
            _, closing = st.wait_change(seen, timeout)
            if closing or (not bearer and self._session(h) is None):
                return
            with st.lock:
                changed = st.version != seen
            if changed:
                time.sleep(COALESCE_S)
