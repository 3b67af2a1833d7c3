# SPDX-License-Identifier: BSD-3-Clause
"""A whole site on 127.0.0.1 (issue 15): one kamailio, one reference PBX polling every
phone, N phones (each a real baresip and a real hotdeskd on the host board, no TTY) with
their own device identity HD0001..HD00NN and MAC 02:00:00:00:xx:xx, and a population of
people to log in. For tests/integration/test_fleet.py and bench/fleet.py.

    f = Fleet(workdir, 10, people=20).start()
    try:
        ext = f.people[0].ext
        f.login(0, ext); f.wait_identities({0: ext})
        f.kill_phones(); since = f.start_phones(); f.wait_identities({0: ext}, since=since)
    finally:
        f.stop()

Phones are numbered 0..N-1 (phone i is HD%04d % (i+1)). Every secret (PINs, SIP and pool
passwords, tokens) is made here at random, written only to 0600 files and the PBX's
config, never printed; secrets() lists them for scans. Every process started here is
stopped by stop(), and every one that ends is waited for (no zombies).
"""

import os
import re
import secrets as _secrets
import signal
import socket
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from harness import (Baresip, Proc, Registrar, free_port, https_json, make_ca,  # noqa: E402
                     read_frames, send_keys, start_pbx, wait_until, write_secret_file)
from world import HOTDESKD, SOURCE  # noqa: E402

FIRST_EXT = 2000  # people are 2000, 2001, ...
NAMES = ("Ada", "Ben", "Cleo", "Dan", "Eva", "Finn", "Gina", "Hugo", "Ida", "Jon", "Kim",
         "Lea", "Max", "Nina", "Olaf", "Pia", "Quin", "Rosa", "Sven", "Tea")

# The contact of a binding: baresip's sip_listen port names the phone.
_PORT_RE = re.compile(r"@127\.0\.0\.1:(\d+)")
# kamailio.cfg's line for an accepted REGISTER: the contact URI and its expires parameter
_REG_OK_RE = re.compile(r"HDLOG REG ok user=\S* auth=\S* contact=<([^>]*)>(?:.*expires=(\d+))?")


def contact_port(contact):
    m = _PORT_RE.search(contact)
    return int(m.group(1)) if m else None


class Person:
    """Someone who may hot-desk: extension, display name, 8-digit PIN, SIP password."""

    def __init__(self, ext, name, pin, sip_password):
        self.ext, self.name, self.pin, self.sip_password = ext, name, pin, sip_password

    def __repr__(self):  # never the secrets
        return "Person(%s)" % self.ext


def make_people(n, first=FIRST_EXT):
    out = []
    for k in range(n):
        # 8 digits, first not 0, so no scan can mistake a port or a pid for a PIN
        pin = str(10000000 + _secrets.randbelow(90000000))
        out.append(Person(str(first + k), "%s %d" % (NAMES[k % len(NAMES)], first + k), pin,
                          "sip-%s-%s" % (first + k, _secrets.token_hex(6))))
    return out


class Phone:
    """One desk: its baresip, its hotdeskd, their files and ports."""

    def __init__(self, fleet, i):
        self.i = i
        self.ident = "HD%04d" % (i + 1)
        self.mac = "02:00:00:00:%02x:%02x" % ((i + 1) >> 8, (i + 1) & 0xFF)
        self.dir = os.path.join(fleet.dir, "phone%04d" % (i + 1))
        self.hd_dir = os.path.join(self.dir, "hotdeskd")
        os.makedirs(self.hd_dir, exist_ok=True)
        self.pool_password = "pool-%s-%s" % (self.ident, _secrets.token_hex(6))
        self.token = "devtok-%s" % _secrets.token_hex(8)
        self.status_token = "statustok-%s" % _secrets.token_hex(8)
        self.status_port = free_port()
        self.status_url = "https://127.0.0.1:%d" % self.status_port
        self.key_socket = os.path.join(self.hd_dir, "keys.sock")
        self.display_log = os.path.join(self.hd_dir, "display.log")
        self.state_dir = os.path.join(self.hd_dir, "state")
        self.conf_path = os.path.join(self.hd_dir, "hotdeskd.conf")
        self.log_path = os.path.join(self.hd_dir, "hotdeskd.log")
        # as World's phone: started with BARESIP_QUIET_ARGS (no digit in its log); no
        # syslog capture (200 of them would only cost)
        self.baresip = Baresip(self.dir, "baresip", free_port(span=2), free_port(), [],
                               extra_modules=())
        self.hotdeskd = None

    @property
    def sip_port(self):
        return self.baresip.sip_port

    def write_conf(self, fleet, opts):
        secrets_file = write_secret_file(
            os.path.join(self.hd_dir, "secrets"),
            "pool_password %s\npbx_token %s\nstatus_token %s\n"
            % (self.pool_password, self.token, self.status_token))
        conf = {
            "device_id": self.mac, "pool_ext": self.ident, "registrar": fleet.domain,
            "register_interval": "600", "register_timeout_ms": "3000",
            "ctrl_tcp": "127.0.0.1:%d" % self.baresip.ctrl_port, "ctrl_timeout_ms": "2000",
            "pbx_url": fleet.pbx_url, "pbx_ca": fleet.ca,
            "pbx_connect_timeout_ms": "1500", "pbx_timeout_ms": "4000",
            "secrets_file": secrets_file, "emergency_numbers": "112,911",
            "board": os.path.join(SOURCE, "boards", "host"),
            "locale_dir": os.path.join(os.path.dirname(HOTDESKD), "locale"),
            "key_socket": self.key_socket, "display_log": self.display_log,
            "tty": "off", "inter_digit_ms": "1500", "message_ms": "1500",
            "state_dir": self.state_dir, "pin_throttle_ms": "1000",
            "status_listen": "127.0.0.1:%d" % self.status_port, "status_cert": fleet.cert,
            "status_key": fleet.key, "status_socket": os.path.join(self.hd_dir, "status.sock"),
        }
        conf.update(opts)
        with open(self.conf_path, "w") as f:
            for k, v in conf.items():
                f.write("%-24s %s\n" % (k, v))

    def spawn_baresip(self):
        """Start baresip without waiting for it (Baresip.start() waits)."""
        b = self.baresip
        b.proc = Proc(b.argv(), os.path.join(b.dir, "baresip.log"), cwd=b.dir,
                      name="baresip-" + self.ident).start()

    def baresip_listening(self):
        if not self.baresip.alive():
            raise RuntimeError("baresip of %s exited:\n%s"
                               % (self.ident, self.baresip.log()[-2000:]))
        try:
            socket.create_connection(("127.0.0.1", self.baresip.ctrl_port), timeout=0.5).close()
            return True
        except OSError:
            return False

    def spawn_hotdeskd(self):
        if os.path.exists(self.key_socket):  # left by a killed hotdeskd
            os.unlink(self.key_socket)
        env = dict(os.environ)
        env.pop("HOTDESK_CRASH_AT", None)
        self.hotdeskd = Proc([HOTDESKD, "-c", self.conf_path], self.log_path, env=env,
                             name="hotdeskd-" + self.ident).start()

    def hotdeskd_ready(self):
        if not self.hotdeskd.alive():
            raise RuntimeError("hotdeskd of %s exited:\n%s"
                               % (self.ident, self.hotdeskd.log()[-2000:]))
        return os.path.exists(self.key_socket)

    def procs(self):
        return [p for p in (self.hotdeskd, self.baresip.proc) if p is not None]

    def keys(self, line):
        """Press keys, as World.keys: digits, * and #, {blf1} and the like by name."""
        reply = send_keys(self.key_socket, line, timeout=5)
        if reply != "ok":
            raise AssertionError("hotdeskd of %s refused keys: %s" % (self.ident, reply))

    def frames(self):
        return read_frames(self.display_log)

    def screen(self):
        f = self.frames()
        return f[-1] if f else ""


class Fleet:
    """kamailio + the reference PBX (polling every `pbx_poll` s) + `n` phones + people.

    people: a count (made at random by make_people) or a list of Person.
    hotdesk_opts: hotdeskd.conf keys for every phone (strings).
    pbx_opts: top-level PBX config keys (default: double_login "move", so a person who
    logs in on a second phone is logged out of the first through its status endpoint).
    device_profile: extra elements of every phone's device profile."""

    def __init__(self, workdir, n, people=None, pbx_poll=5, hotdesk_opts=None, pbx_opts=None,
                 device_profile=None):
        self.dir = os.path.abspath(workdir)
        self.n = n
        if people is None:
            people = n
        self.people = make_people(people) if isinstance(people, int) else list(people)
        self.person = {p.ext: p for p in self.people}
        self.pbx_poll = pbx_poll
        self.hotdesk_opts = dict(hotdesk_opts or {})
        self.pbx_opts = {"double_login": "move"}
        self.pbx_opts.update(pbx_opts or {})
        self.device_profile = dict(device_profile or {})
        self.admin_token = "admintok-%s" % _secrets.token_hex(8)
        self.phones = []
        self.reg = None
        self.pbx = None

    # ---- lifecycle ----

    def start(self, wait=True, timeout=None):
        try:
            self._start_servers()
            for ph in self.phones:
                ph.write_conf(self, self.hotdesk_opts)
            since = self.start_phones()
            if wait:
                self.wait_identities({}, since=since, timeout=timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _start_servers(self):
        os.makedirs(self.dir, exist_ok=True)
        # people first: make_people() is random, the phones' pool passwords come later
        self._users = {p.ext: p.sip_password for p in self.people}
        self.reg = Registrar(os.path.join(self.dir, "registrar"), free_port(), {})
        self.ca, self.cert, self.key = make_ca(os.path.join(self.dir, "pki"))
        self.pbx_port = free_port()
        self.pbx_url = "https://127.0.0.1:%d" % self.pbx_port
        self.domain = self.reg.domain
        # the phones' identities are made before the servers start (the registrar and
        # the PBX know every HDxxxx)
        self.phones = [Phone(self, i) for i in range(self.n)]
        self.reg.users = dict(self._users, **{ph.ident: ph.pool_password for ph in self.phones})
        self.start_registrar()
        self.start_pbx()

    def start_registrar(self):
        """Start kamailio (again: its location table starts empty, as Registrar builds
        a fresh database; subscribers are the same)."""
        self.reg.start()

    def pbx_config(self):
        profile = {"registrar": self.domain, "hd_emergency_numbers": "112,911,933",
                   "hd_profile_check_s": "300"}
        profile.update(self.device_profile)
        devices = {}
        for ph in self.phones:
            devices[ph.mac] = {"pool_ext": ph.ident, "token": ph.token,
                               "profile": dict(profile, pool_password=ph.pool_password),
                               "status_url": ph.status_url, "status_token": ph.status_token,
                               "status_ca": self.ca}
        cfg = {"sip_domain": self.domain, "lockout_after": 3, "lockout_seconds": 300,
               "admin_token": self.admin_token, "devices": devices,
               "users": {p.ext: {"name": p.name, "pin": p.pin, "sip_password": p.sip_password,
                                 "hotdesk": True, "mailbox": "*98"} for p in self.people}}
        cfg.update(self.pbx_opts)
        return cfg

    def start_pbx(self):
        """Start the PBX (again: its view starts empty, every device idle)."""
        self.pbx = start_pbx(os.path.join(self.dir, "pbx"), self.pbx_config(), self.pbx_port,
                             cert=self.cert, key=self.key, ca=self.ca,
                             extra_args=("--poll", str(self.pbx_poll)) if self.pbx_poll else ())

    def start_phones(self):
        """Start every phone together (state dirs kept): all baresips, then all
        hotdeskds once every baresip listens. Returns the registrar's log mark from
        before the start (for wait_identities(since=...))."""
        since = self.reg_mark()
        for ph in self.phones:
            ph.spawn_baresip()
        wait_until(lambda: all(ph.baresip_listening() for ph in self.phones),
                   10 + 0.2 * self.n, "every baresip's ctrl_tcp", interval=0.05)
        for ph in self.phones:
            ph.spawn_hotdeskd()
        wait_until(lambda: all(ph.hotdeskd_ready() for ph in self.phones),
                   10 + 0.1 * self.n, "every hotdeskd's key socket", interval=0.05)
        return since

    def kill_phones(self):
        """Power cut: SIGKILL every phone process at once, then reap them all."""
        procs = [p for ph in self.phones for p in ph.procs() if p.popen is not None]
        for p in procs:
            try:
                os.killpg(p.popen.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for p in procs:
            p.popen.wait(timeout=10)
        for ph in self.phones:
            ph.hotdeskd = None
            ph.baresip.proc = None

    def stop(self):
        """Every process stops (phones first, at once; then the PBX and kamailio)."""
        errors = []
        try:
            procs = [p for ph in self.phones for p in ph.procs()]
            for p in procs:  # SIGTERM to all first, so they end in parallel
                try:
                    p.send_signal(signal.SIGTERM)
                except OSError:
                    pass
            for p in procs:
                try:
                    p.stop(timeout=3.0)
                except Exception as e:  # keep stopping the others
                    errors.append(e)
        finally:
            for p in (self.pbx, self.reg):
                if p is not None:
                    try:
                        p.stop()
                    except Exception as e:
                        errors.append(e)
            self.pbx = None
        if errors:
            print("fleet stop: %r" % errors, file=sys.stderr)

    # ---- people at desks ----

    def login(self, i, ext, wait_prompt=True):
        """Person `ext` logs in on phone i: `*77*<ext>*`, then PIN and `#` once the phone
        asks for it. Returns time.monotonic() when the last key was pressed."""
        ph = self.phones[i]
        n = len(ph.frames())
        ph.keys("*77*%s*" % ext)
        if wait_prompt:
            wait_until(lambda: any(("PIN for %s" % ext) in f for f in ph.frames()[n:]), 20,
                       lambda: "%s asking for %s's PIN (screen %r)" % (ph.ident, ext, ph.screen()),
                       interval=0.05)
        ph.keys(self.person[ext].pin + "#")
        return time.monotonic()

    def logout(self, i):
        self.phones[i].keys("*77*5*")

    # ---- what the registrar and the PBX show ----

    def reg_mark(self):
        """A mark in kamailio's log: REGISTERs after it (see fresh_contacts)."""
        return len(self.reg.log()) if self.reg else 0

    def fresh_contacts(self, since):
        """Contact URIs kamailio accepted a REGISTER for (expires > 0) after the log mark
        `since`. baresip 1.0.0 puts its account's address in memory into the contact's
        user part (sip:HD0001-0x55d2b92e68d0@...), so a restarted baresip registers a new
        contact and the one from before stays bound until it expires: live bindings are
        the fresh ones."""
        out = set()
        for line in self.reg.log()[since:].splitlines():
            m = _REG_OK_RE.search(line)
            if m and int(m.group(2) or 1) > 0:
                out.add(m.group(1))
        return out

    def _bindings(self, since=None):
        """[(AOR user, phone index or None)] of kamailio's bindings; with `since` only
        those registered after that log mark."""
        by_port = {ph.sip_port: ph.i for ph in self.phones}
        fresh = self.fresh_contacts(since) if since is not None else None
        return [(user.lower(), by_port.get(contact_port(contact)))
                for user, contact in self.reg.bindings()
                if fresh is None or contact in fresh]

    def bindings_by_phone(self, since=None):
        """{phone index: sorted AOR users bound at that phone's baresip} (lower case);
        with `since` only the bindings registered after that log mark."""
        out = {ph.i: [] for ph in self.phones}
        for user, i in self._bindings(since):
            if i is not None:
                out[i].append(user)
        return {i: sorted(u) for i, u in out.items()}

    def contacts_by_aor(self, since=None):
        """{AOR user: [phone index of each binding]} (None: not one of our phones); with
        `since` only the bindings registered after that log mark."""
        out = {}
        for user, i in self._bindings(since):
            out.setdefault(user, []).append(i)
        return out

    def identity(self, i, ext=None):
        """The AOR user phone i should be registered as: `ext`, or its pool."""
        return (ext or self.phones[i].ident).lower()

    def registered_as(self, i, ext=None):
        """kamailio has phone i bound as `ext` (None: its pool) and nothing else."""
        return self.bindings_by_phone()[i] == [self.identity(i, ext)]

    def mismatches(self, expected, since=None):
        """Phones not (yet) as `expected` ({i: ext}; absent or None: the pool), as
        {i: (want, bound)}. With `since`, only bindings registered after that log mark
        count (a power cut leaves the old ones behind)."""
        bound = self.bindings_by_phone(since)
        bad = {}
        for ph in self.phones:
            want = self.identity(ph.i, expected.get(ph.i))
            if bound[ph.i] != [want]:
                bad[ph.i] = (want, bound[ph.i])
        return bad

    def wait_identities(self, expected, since=None, timeout=None):
        """Until every phone is registered as `expected` (mismatches() empty)."""
        timeout = timeout or (20 + 0.3 * self.n)
        wait_until(lambda: not self.mismatches(expected, since), timeout,
                   lambda: "every phone as expected; not yet: %r"
                   % self.mismatches(expected, since), interval=0.1)

    def pbx_view(self):
        """{MAC: device} from GET /api/v1/admin/devices."""
        status, body = https_json(self.pbx_url + "/api/v1/admin/devices",
                                  token=self.admin_token, ca=self.ca)
        assert status == 200, (status, body)
        return {d["mac"]: d for d in body["devices"]}

    def pbx_people(self):
        """{phone index: ext or None} as the PBX view has it."""
        view = self.pbx_view()
        return {ph.i: (view[ph.mac]["user"] or {}).get("ext") for ph in self.phones}

    def registrar_people(self, since=None):
        """{phone index: ext or None} as kamailio's bindings have it (None: the pool; a
        tuple of AORs when it is neither); `since` as for bindings_by_phone()."""
        out = {}
        for i, users in self.bindings_by_phone(since).items():
            pool = self.phones[i].ident.lower()
            people = [u for u in users if u != pool]
            out[i] = people[0] if len(people) == 1 and len(users) == 1 else \
                (None if users == [pool] else tuple(users))
        return out

    def secrets(self):
        out = [self.admin_token]
        for p in self.people:
            out += [p.pin, p.sip_password]
        for ph in self.phones:
            out += [ph.pool_password, ph.token, ph.status_token]
        return out

    def leaked_secrets(self):
        """(file, secret index) for every secret found in a log or display transcript."""
        hits = []
        all_secrets = self.secrets()
        for root, _, files in os.walk(self.dir):
            for f in files:
                if not f.endswith(".log"):
                    continue
                with open(os.path.join(root, f), "rb") as fh:
                    text = fh.read().decode("utf-8", "replace")
                hits += [(os.path.join(root, f), k) for k, s in enumerate(all_secrets)
                         if s in text]
        return hits
