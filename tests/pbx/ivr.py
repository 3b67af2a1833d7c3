# SPDX-License-Identifier: BSD-3-Clause
"""The reference PBX's hot-desking IVR (docs/pbx-flow.md): a real baresip 1.0.0, registered
at the registrar as the IVR user and driven over its ctrl_tcp, answers the feature-code
calls kamailio routes to it (`*77*<ext>*` login, `*77*5*` logout), collects the PIN from
RFC 4733 DTMF events, checks it with the PBX's own login (same lockout counters), rewrites
the device's provisioning and asks the phone to re-fetch it (`POST /resync` on its status
endpoint).

What baresip 1.0.0 tells over ctrl_tcp (measured, docs/pbx-flow.md): an auto-answered
incoming call yields CALL_REMOTE_SDP, CALL_LOCAL_SDP, CALL_ESTABLISHED (no CALL_INCOMING),
each with `peeruri` (the From URI: the caller's pool AOR), `peerdisplayname` and `id` (the
Call-ID). The request URI is not in any event, so kamailio puts the dialled code in the
From display name (kamailio.cfg route HD_IVR). DTMF: CALL_DTMF_START with the digit in
`param`, then CALL_DTMF_END without one.

PINs and typed digits are never logged: only their count.
Standard library only (Debian bookworm python3 3.11).
"""

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time

LOGIN_RE = re.compile(r"^\*77\*([0-9]{1,15})\*$")
LOGOUT_CODE = "*77*5*"

BARESIP_CONFIG = """\
# written by tests/pbx/ivr.py
poll_method		epoll
sip_listen		127.0.0.1:{sip_port}
net_interface		127.0.0.1
dns_server		127.0.0.1:53
# RTP in the kernel's ephemeral range: below it, the tests reserve ports for their servers
# (tests/integration/harness.py free_port); a collision here is retried by baresip
rtp_ports		{rtp_ports}
call_max_calls		8
audio_source		ausine,440
ausrc_srate		48000
ausrc_channels		2
audio_player		aubridge,sink0
audio_alert		aubridge,sink1
module_path		/usr/lib/baresip/modules
module			g711.so
module			ausine.so
module			aubridge.so
module_tmp		account.so
module_app		menu.so
module_app		ctrl_tcp.so
ctrl_tcp_listen		127.0.0.1:{ctrl_port}
"""


# baresip 1.0.0 logs every DTMF digit it receives at info level ("received event: '1'
# (end=0)"), and the digits are a PIN: it runs at WARNING, as the phone's baresip does
# (tests/integration/harness.py BARESIP_QUIET_ARGS, docs/reliability.md "Digits typed in a
# call"); debug_cmd gives `loglevel` and goes again (its uastat prints passwords).
BARESIP_QUIET_ARGS = ("-e", "/insmod debug_cmd") + ("-e", "/loglevel") * 3 + \
    ("-e", "/rmmod debug_cmd")


def log(msg):
    sys.stderr.write("pbx: ivr: %s\n" % msg)
    sys.stderr.flush()


def _ephemeral_range():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            lo, hi = (int(x) for x in f.read().split())
        return lo, hi
    except (OSError, ValueError):
        return 32768, 60999


def _free_port(span=1):
    """A port free for TCP and UDP on 127.0.0.1, with the next span-1 ports (baresip
    binds SIP over UDP and TCP on sip_listen's port and SIP/TLS on the next one)."""
    for _ in range(200):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
            t.bind(("127.0.0.1", 0))
            port = t.getsockname()[1]
        try:
            for p in range(port, port + span):
                for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
                    with socket.socket(socket.AF_INET, kind) as s:
                        s.bind(("127.0.0.1", p))
        except OSError:
            continue
        return port
    raise RuntimeError("no free port")


def parse_code(code):
    """('logout', None), ('login', ext) or (None, None) for a dialled feature code."""
    if code == LOGOUT_CODE:
        return "logout", None
    m = LOGIN_RE.match(code or "")
    return ("login", m.group(1)) if m else (None, None)


def caller_user(peeruri):
    """The user part of the caller's From URI (`sip:HD0001@host` -> `HD0001`)."""
    m = re.match(r"^<?sips?:([^@;>]+)@", peeruri or "")
    return m.group(1) if m else None


# ----------------------------------------------------------------- provisioning

def is_pbx_flow(dev):
    """The device opted in: `"login_flow": "pbx"` in its entry of the PBX config."""
    return dev.get("login_flow") == "pbx"


def flow_profile_xml(dev, user, sip_domain, base_xml):
    """The device profile of a device in the PBX flow. `base_xml(dev, sip_domain)` renders
    pbx.py's Snom-style profile; idle (user None) it is the HD configuration, with a person
    identity 1 is the person's SIP account (registrar, outbound and device-level settings
    unchanged) and the person's BLF keys. Both carry hd_login_flow pbx and hd_pool_ext."""
    if user is not None:
        p = dict(dev["profile"], pool_password=user["sip_password"],
                 pool_name=user["name"], blf=user["blf"], pool_auth_name=user["auth_name"])
        dev = dict(dev, pool_ext=user["ext"], profile=p)
        pool_ext = user["pool_ext"]
    else:
        pool_ext = dev["pool_ext"]
    extra = ('    <hd_login_flow perm="R">pbx</hd_login_flow>\n'
             '    <hd_pool_ext perm="R">%s</hd_pool_ext>\n' % pool_ext)
    return base_xml(dev, sip_domain).replace("  </phone-settings>",
                                             extra + "  </phone-settings>", 1)


def person_of(state, dev):
    """{ext, name, sip_password, blf, auth_name, pool_ext} of the person on `dev` (lock held),
    or None. auth_name: their SIP authentication ID when it is not the extension, else ""."""
    ext = dev["user"]
    if ext is None:
        return None
    u = state.users.get(ext, {})
    return {"ext": ext, "name": str(u.get("name", ext)),
            "sip_password": str(u.get("sip_password", "")), "blf": list(u.get("blf", [])),
            "auth_name": str(u.get("auth_name", "")), "pool_ext": dev["pool_ext"]}


def reprovision_logout(state, dev, event, phone_request):
    """The device goes back to its HD configuration (the view says idle), then the phone
    is told to re-fetch it. Returns the phone's answer to POST /resync (0: unreachable)."""
    with state.lock:
        if dev["user"] is not None:
            state._set_idle(dev, event)
    return resync(state, dev, phone_request)


def resync(state, dev, phone_request):
    code, _ = phone_request(dev, "POST", "/resync")
    state._log_state(dev["mac"], "resync", str(code))
    log("resync %s: phone answered %s" % (dev["mac"], code))
    return code


# ----------------------------------------------------------------- the IVR

class Call:
    def __init__(self, cid, kind, ext, dev):
        self.cid, self.kind, self.ext, self.dev = cid, kind, ext, dev
        self.digits = []
        self.deadline = None
        self.done = False       # PIN entry over
        self.closed = False     # baresip reported CALL_CLOSED
        self.after_close = None  # run once closed (the resync)


class Ivr:
    """The IVR baresip and its controller. cfg: {"registrar": "127.0.0.1:PORT", "user":
    "ivr", "password": "...", "dir": "...", "pin_timeout_s": 10}."""

    def __init__(self, state, cfg, phone_request, refusal_type):
        self.state = state
        self.phone_request = phone_request
        self.Refusal = refusal_type
        self.registrar = str(cfg["registrar"])
        self.user = str(cfg.get("user", "ivr"))
        self.password = str(cfg["password"])
        self.dir = os.path.abspath(str(cfg["dir"]))
        self.pin_timeout = float(cfg.get("pin_timeout_s", 10))
        self.pin_max = int(cfg.get("pin_max_digits", 16))
        self.calls = {}
        self.lock = threading.Lock()      # self.calls
        self.send_lock = threading.RLock()  # one ctrl_tcp command at a time
        self.registered = threading.Event()
        self.stopping = threading.Event()
        self.proc = None
        self.sock = None
        self.token = 0

    # -- process ----------------------------------------------------------------
    def start(self, timeout=8.0):
        os.makedirs(self.dir, exist_ok=True)
        self.sip_port = _free_port(span=2)
        self.ctrl_port = _free_port()
        while self.sip_port <= self.ctrl_port <= self.sip_port + 1:
            self.ctrl_port = _free_port()
        with open(os.path.join(self.dir, "config"), "w") as f:
            f.write(BARESIP_CONFIG.format(sip_port=self.sip_port, ctrl_port=self.ctrl_port,
                                          rtp_ports="%d-%d" % _ephemeral_range()))
        # No account at start: it is added over ctrl_tcp once connected, so its
        # REGISTER_OK cannot fall before the connection (events are not buffered).
        with open(os.path.join(self.dir, "accounts"), "w"):
            pass
        self.proc = subprocess.Popen(["baresip", "-f", self.dir] + list(BARESIP_QUIET_ARGS),
                                     stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     cwd=self.dir, start_new_session=True)
        threading.Thread(target=self._pump_log, daemon=True).start()
        deadline = time.monotonic() + timeout
        while self.sock is None:
            try:
                self.sock = socket.create_connection(("127.0.0.1", self.ctrl_port), timeout=1)
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    self.stop()
                    raise RuntimeError("IVR baresip did not start")
                time.sleep(0.02)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.settimeout(None)
        threading.Thread(target=self._read_loop, daemon=True).start()
        threading.Thread(target=self._timer_loop, daemon=True).start()
        self._command("uanew", "<sip:%s@%s>;auth_pass=%s;regint=600;answermode=auto"
                      % (self.user, self.registrar, self.password))
        if not self.registered.wait(max(0.1, deadline - time.monotonic())):
            self.stop()
            raise RuntimeError("IVR not registered at %s" % self.registrar)
        log("registered as %s at %s" % (self.user, self.registrar))
        return self

    def _pump_log(self):
        """baresip's output into ivr/baresip.log (no digit in it: BARESIP_QUIET_ARGS)."""
        with open(os.path.join(self.dir, "baresip.log"), "ab") as out:
            for line in self.proc.stdout:
                out.write(line)
                out.flush()

    def stop(self):
        self.stopping.set()
        if self.sock is not None:
            try:
                self._command("quit", wait=False)
            except OSError:
                pass
        if self.proc is not None:
            for sig in (15, 15, 9):
                try:
                    self.proc.wait(timeout=1.5)
                    break
                except subprocess.TimeoutExpired:
                    self.proc.send_signal(sig)
            if self.proc.poll() is None:
                self.proc.wait(timeout=3)
        if self.sock is not None:
            self.sock.close()

    # -- ctrl_tcp -----------------------------------------------------------------
    def _command(self, cmd, params="", wait=True):
        """Sends one command (string fields only: a number crashes baresip 1.0.0).
        Responses are not awaited: the IVR acts on events."""
        with self.send_lock:
            self.token += 1
            data = json.dumps({"command": cmd, "params": params,
                               "token": "ivr%d" % self.token}).encode()
            self.sock.sendall(b"%d:%s," % (len(data), data))

    def _read_loop(self):
        buf = b""
        while not self.stopping.is_set():
            try:
                chunk = self.sock.recv(65536)
            except OSError:
                break
            if not chunk:
                break
            buf += chunk
            while True:
                colon = buf.find(b":")
                if colon < 0 or not buf[:colon].isdigit():
                    break
                n = int(buf[:colon])
                if len(buf) < colon + n + 2:
                    break
                payload, buf = buf[colon + 1:colon + 1 + n], buf[colon + n + 2:]
                try:
                    msg = json.loads(payload.decode("utf-8", "replace"))
                except ValueError:
                    continue
                if msg.get("event"):
                    try:
                        self._on_event(msg)
                    except Exception as e:  # keep the IVR alive; no details (secrets)
                        log("event handling failed: %s" % type(e).__name__)

    def _timer_loop(self):
        """PIN entry ends by timeout when `#` never comes."""
        while not self.stopping.wait(0.1):
            now = time.monotonic()
            with self.lock:
                due = [c for c in self.calls.values()
                       if c.deadline is not None and not c.done and now >= c.deadline]
                for c in due:
                    c.done = True
            for c in due:
                self._finish_login(c, "timeout")

    # -- calls ----------------------------------------------------------------------
    def _on_event(self, ev):
        t = ev.get("type")
        if t == "REGISTER_OK":
            self.registered.set()
            return
        cid = ev.get("id")
        if t == "CALL_ESTABLISHED" and ev.get("direction") == "incoming":
            self._on_call(cid, ev)
        elif t == "CALL_DTMF_START":
            self._on_digit(cid, str(ev.get("param", "")))
        elif t == "CALL_CLOSED":
            with self.lock:
                c = self.calls.pop(cid, None)
                if c is not None:
                    c.closed = True
                    then, c.after_close = c.after_close, None
            if c is not None:
                log("call %s closed" % cid)
                if then is not None:
                    threading.Thread(target=then, daemon=True).start()

    def _hangup_then(self, c, action):
        """Hang up unless the caller already did, then (once baresip reports the call
        closed, so the phone is out of the call when its resync comes) run `action`, if
        any. (`hangup` acts on the current call: a closed call must not be hung up.)"""
        with self.lock:
            run_now = c.closed
            if not run_now:
                c.after_close = action
        if run_now:  # the caller hung up first
            if action is not None:
                threading.Thread(target=action, daemon=True).start()
        else:
            self._hangup(c.cid)

    def _device_of(self, caller):
        """The device in the PBX flow that calls as `caller`: its pool extension (idle),
        or the person logged in on it (the phone registers as them after the swap)."""
        caller = (caller or "").lower()
        with self.state.lock:
            flow = [d for d in self.state.devices.values() if is_pbx_flow(d)]
            for dev in flow:
                if dev["pool_ext"].lower() == caller:
                    return dev
            for dev in flow:
                if (dev["user"] or "").lower() == caller:
                    return dev
        return None

    def _on_call(self, cid, ev):
        code = ev.get("peerdisplayname", "")
        kind, ext = parse_code(code)
        caller = caller_user(ev.get("peeruri"))
        dev = self._device_of(caller)
        log("call %s from %s: %s%s" % (cid, caller, kind or "unknown code",
                                         (" " + ext) if ext else ""))
        if dev is None or not is_pbx_flow(dev) or kind is None:
            log("call %s: not a device in the PBX flow or not a feature code: hang up" % cid)
            self._hangup(cid)
            return
        c = Call(cid, kind, ext, dev)
        with self.lock:
            self.calls[cid] = c
        if kind == "logout":
            c.done = True
            with self.state.lock:
                if dev["user"] is not None:
                    self.state._set_idle(dev, "logout")
            self._hangup_then(c, lambda: resync(self.state, dev, self.phone_request))
            return
        c.deadline = time.monotonic() + self.pin_timeout

    def _on_digit(self, cid, digit):
        with self.lock:
            c = self.calls.get(cid)
            if c is None or c.done or c.kind != "login":
                return
            if digit != "#":
                c.digits.append(digit)
                c.deadline = time.monotonic() + self.pin_timeout
                if len(c.digits) <= self.pin_max:
                    return
            c.done = True
        self._finish_login(c, "#" if digit == "#" else "too long")

    def _finish_login(self, c, why):
        pin = "".join(c.digits)
        c.digits = []
        log("call %s: PIN of %d digits (ended by %s)" % (c.cid, len(pin), why))
        ok = False
        try:
            if why == "too long":
                raise self.Refusal(400, "bad_request", "PIN too long")
            self.state.login(c.dev, c.ext, pin)
            ok = True
            log("call %s: login %s on %s accepted" % (c.cid, c.ext, c.dev["mac"]))
        except self.Refusal as r:
            log("call %s: login %s refused: %s" % (c.cid, c.ext, r.reason))
        if not ok:
            self._hangup_then(c, None)
            return
        for mac, moved in self.state.take_remote_logouts():  # double_login "move"
            other = self.state.devices.get(mac)
            if other is not None and is_pbx_flow(other):
                resync(self.state, other, self.phone_request)
            elif other is not None:
                self.phone_request(other, "POST", "/logout", body={"ext": moved})
        self._hangup_then(c, lambda: resync(self.state, c.dev, self.phone_request))

    def _hangup(self, cid):
        """`hangup` acts on the current call: select this one first."""
        with self.send_lock:
            self._command("callfind", cid)
            self._command("hangup")
