#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Test SIP registrar: kamailio 5.6 + SQLite on 127.0.0.1 (see kamailio.cfg).

Importable:
    from registrar import Registrar          # with tests/registrar on sys.path
    r = Registrar(workdir, port, {"100": "pw100", "112": "pw112"})
    r.start(); r.bindings(); r.requests(); r.set_password("100", "new"); r.stop()

CLI (for the demo):
    python3 tests/registrar/registrar.py start --dir D --port P --users users.json
    python3 tests/registrar/registrar.py stop --dir D

users.json is {"username": "password", ...}; keep it mode 0600. Passwords are never put on
a command line or printed: they go into the SQLite `subscriber` table only.

Standard library only (Debian bookworm python3 3.11).
"""

import argparse
import glob
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CFG = os.path.join(HERE, "kamailio.cfg")
SQL_DIR = "/usr/share/kamailio/db_sqlite"
# presence: the tables presence and pua check at start (BLF; both keep their data in memory)
SQL_FILES = ("standard-create.sql", "auth_db-create.sql", "usrloc-create.sql",
             "presence-create.sql")
DOMAIN = "127.0.0.1"

# Appended to the generated copy of kamailio.cfg (Registrar(faults=True)): the fault
# set for the REGISTER's From user in the `faults` hash table, if any.
FAULTS_ROUTE = r"""
route[HD_FAULTS] {
	if ($sht(faults=>$fU) == $null) {
		return;
	}
	$var(mode) = $sht(faults=>$fU);
	if ($var(mode) == "") {
		return;
	}
	xlog("L_NOTICE", "HDLOG FAULT $var(mode) user=$fU contact=$ct\n");
	if ($var(mode) == "silent") {
		drop;
	}
	if ($var(mode) == "403") {
		sl_send_reply("403", "Forbidden");
		exit;
	}
	if ($var(mode) == "423") {
		sl_send_reply("423", "Interval Too Brief");
		exit;
	}
	if ($var(mode) == "423min") {
		$var(exp) = $(ct{re.subst,/^.*expires=([0-9]+).*$/\1/}{s.int});
		if ($var(exp) > 0 && $var(exp) < 3600) {
			append_to_reply("Min-Expires: 3600\r\n");
			sl_send_reply("423", "Interval Too Brief");
			exit;
		}
		return;
	}
	if ($(var(mode){s.substr,0,4}) == "503-") {
		append_to_reply("Retry-After: $(var(mode){s.substr,4,0})\r\n");
		sl_send_reply("503", "Service Unavailable");
		exit;
	}
}
"""

_LOG_RE = re.compile(r"HDLOG REQ (\S+) (\S+) from=(\S*)")
_REG_RE = re.compile(r"HDLOG REG (\S+) user=(\S*) auth=(\S*) contact=(.*)$")


def find_mpath():
    """Directory of kamailio modules for this architecture (with trailing slash)."""
    try:
        arch = subprocess.run(["dpkg-architecture", "-qDEB_HOST_MULTIARCH"],
                              capture_output=True, text=True, timeout=5).stdout.strip()
        if arch:
            path = "/usr/lib/%s/kamailio/modules/" % arch
            if os.path.isdir(path):
                return path
    except (OSError, subprocess.SubprocessError):
        pass
    for path in sorted(glob.glob("/usr/lib/*/kamailio/modules")):
        if os.path.isfile(os.path.join(path, "registrar.so")):
            return path + "/"
    raise RuntimeError("kamailio modules directory not found")


def free_udp_port():
    """A port free for both UDP and TCP on 127.0.0.1."""
    for _ in range(100):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            u.bind(("127.0.0.1", 0))
            port = u.getsockname()[1]
            try:
                with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
                    t.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port")


def _group_alive(pgid):
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def _stop_group(pgid, pid=None, grace=3.0):
    """SIGTERM the process group, SIGKILL after `grace` s; wait until all are gone."""
    try:
        os.killpg(pgid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if pid is not None:
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass
        if not _group_alive(pgid):
            return
        time.sleep(0.02)
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + 3.0
    while time.monotonic() < deadline:
        if pid is not None:
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass
        if not _group_alive(pgid):
            return
        time.sleep(0.02)


class Registrar:
    """A kamailio registrar on udp:127.0.0.1:port with users {name: password}."""

    def __init__(self, workdir, port=None, users=None, tcp=False, tcp_advertise=None,
                 faults=False, auth_ids=None):
        # auth_ids: {auth_id: (aor_user, password)}: subscribers that authenticate with an
        # authentication ID other than their AOR user (3CX's "Authentication ID"), as the
        # `hd_aor_user` column says (kamailio.cfg, route HD_AUTH_USER)
        self.auth_ids = dict(auth_ids or {})
        # faults=True: run a generated copy of kamailio.cfg whose REGISTERs can be
        # answered, per user, with a chosen fault (set_fault(); FAULTS_ROUTE below)
        self.faults = faults
        self.tcp = tcp  # also listen on tcp:127.0.0.1:port (QEMU guests: TCP only)
        # "HOST:PORT" the TCP socket advertises (Via, Record-Route): where a guest
        # behind QEMU's NAT reaches it (its guestfwd address)
        self.tcp_advertise = tcp_advertise
        self.workdir = os.path.abspath(workdir)
        self.port = int(port) if port else free_udp_port()
        self.users = dict(users or {})
        self.db = os.path.join(self.workdir, "kamailio.sqlite")
        self.ctlsock = os.path.join(self.workdir, "kamailio.ctl")
        self.logfile = os.path.join(self.workdir, "kamailio.log")
        self.pidfile = os.path.join(self.workdir, "kamailio.pid")
        self.proc = None
        self.domain = "%s:%d" % (DOMAIN, self.port)

    # -- database ---------------------------------------------------------
    def _connect(self):
        con = sqlite3.connect(self.db, timeout=5)
        return con

    def _build_db(self):
        for suffix in ("", "-wal", "-shm"):
            try:
                os.unlink(self.db + suffix)
            except FileNotFoundError:
                pass
        con = self._connect()
        try:
            for name in SQL_FILES:
                with open(os.path.join(SQL_DIR, name)) as f:
                    con.executescript(f.read())
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("ALTER TABLE subscriber ADD COLUMN hd_aor_user VARCHAR(64) "
                        "DEFAULT '' NOT NULL")
            for user, pw in self.users.items():
                con.execute("INSERT INTO subscriber (username, domain, password) "
                            "VALUES (?, ?, ?)", (user, DOMAIN, pw))
            for auth_id, (aor_user, pw) in self.auth_ids.items():
                con.execute("INSERT INTO subscriber (username, domain, password, hd_aor_user) "
                            "VALUES (?, ?, ?, ?)", (auth_id, DOMAIN, pw, aor_user))
            con.commit()
        finally:
            con.close()
        os.chmod(self.db, 0o600)

    def set_password(self, user, password):
        """Change (or add) a subscriber's password; effective for the next REGISTER."""
        self.users[user] = password
        con = self._connect()
        try:
            cur = con.execute("UPDATE subscriber SET password=? WHERE username=? AND domain=?",
                              (password, user, DOMAIN))
            if cur.rowcount == 0:
                con.execute("INSERT INTO subscriber (username, domain, password) "
                            "VALUES (?, ?, ?)", (user, DOMAIN, password))
            con.commit()
        finally:
            con.close()

    def bindings(self):
        """[(username, contact)] from the location table (usernames lower case)."""
        con = self._connect()
        try:
            rows = con.execute("SELECT username, contact FROM location "
                               "ORDER BY id").fetchall()
        finally:
            con.close()
        return [(u, c) for u, c in rows]

    def contacts_of(self, user):
        user = user.lower()
        return [c for u, c in self.bindings() if u.lower() == user]

    # -- faults -------------------------------------------------------------
    def _write_faults_cfg(self):
        """kamailio.cfg with FAULTS_ROUTE called first for every REGISTER (the copy lives
        in the workdir; the original is left alone)."""
        with open(CFG) as f:
            text = f.read()
        hook = '\t\tif (!auth_check("$fd", "subscriber", "0")) {\n\t\t\txlog("L_NOTICE", "HDLOG REG'
        if text.count(hook) != 1 or "loadmodule \"auth_db.so\"\n" not in text:
            raise RuntimeError("kamailio.cfg changed: cannot place the fault route")
        text = text.replace(hook, "\t\troute(HD_FAULTS);\n" + hook)
        text = text.replace('loadmodule "auth_db.so"\n',
                            'loadmodule "auth_db.so"\nloadmodule "htable.so"\n'
                            'modparam("htable", "htable", "faults=>size=4;")\n')
        path = os.path.join(self.workdir, "kamailio-faults.cfg")
        with open(path, "w") as f:
            f.write(text + FAULTS_ROUTE)
        return path

    def set_fault(self, user, mode):
        """Answer `user`'s REGISTERs with a fault from now on (mode "" clears it;
        "s:" keeps kamcmd from reading "100" as a number):
        "423min" 423 + Min-Expires: 3600 while the contact asks for less than 3600 s;
        "423" 423 without Min-Expires; "403" 403 Forbidden; "503-N" 503 with
        Retry-After: N; "silent" no answer at all."""
        assert self.faults, "Registrar(faults=True) needed"
        r = subprocess.run(["kamcmd", "-s", "unix:" + self.ctlsock, "htable.sets", "faults",
                            "s:" + user, "s:" + mode], capture_output=True, text=True, timeout=5)
        if r.returncode != 0:
            raise RuntimeError("kamcmd htable.sets: " + r.stderr)

    def register_count(self, user):
        """REGISTERs kamailio received from `user` (its own log line per request), queries
        (no Contact: hotdeskd's credentials check before a login) included."""
        return sum(1 for m, _, f in self.requests()
                   if m == "REGISTER" and f.lower().startswith("sip:%s@" % user.lower()))

    # -- log ----------------------------------------------------------------
    def log(self):
        try:
            with open(self.logfile, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def requests(self):
        """[(method, ruri, from_uri)] for every request kamailio received, in order."""
        out = []
        for line in self.log().splitlines():
            m = _LOG_RE.search(line)
            if m:
                out.append((m.group(1), m.group(2), m.group(3)))
        return out

    def register_results(self, queries=False):
        """[(result, user, contact)] with result in ok|challenge|fail, for the REGISTERs
        that carry a Contact (bindings); with queries=True also those without one
        (contact "*": a query that changes no binding, RFC 3261 10.2.3, as hotdeskd's
        credentials check before a login sends)."""
        return [(r, u, c) for r, u, _, c in self.register_auths(queries)]

    def register_auths(self, queries=False):
        """As register_results(), with the digest user each REGISTER carried (the third
        field; "<null>" without credentials): [(result, user, auth, contact)], result in
        ok|challenge|forbidden|fail (forbidden: the digest user may not register that AOR
        user, route HD_AUTH_USER)."""
        out = []
        for line in self.log().splitlines():
            m = _REG_RE.search(line)
            if m and (queries or m.group(4).strip() != "*"):
                out.append((m.group(1), m.group(2), m.group(3), m.group(4).strip()))
        return out

    # -- process ------------------------------------------------------------
    def _argv(self):
        cfg = self._write_faults_cfg() if self.faults else CFG
        return ["kamailio", "-f", cfg, "-DD", "-E",
                "-A", 'DBURL="sqlite://%s"' % self.db,
                "-A", 'CTLSOCK="unix:%s"' % self.ctlsock,
                "-A", "LISTEN=udp:127.0.0.1:%d" % self.port,
                "-A", 'MPATH="%s"' % find_mpath()] + (
                    ["-A", "LISTEN_TCP=tcp:127.0.0.1:%d%s" % (
                        self.port, " advertise " + self.tcp_advertise if self.tcp_advertise
                        else "")] if self.tcp else [])

    def _ready(self):
        if not os.path.exists(self.ctlsock):
            return False
        try:
            r = subprocess.run(["kamcmd", "-s", "unix:" + self.ctlsock, "core.version"],
                               capture_output=True, timeout=2)
        except subprocess.TimeoutExpired:
            return False
        return r.returncode == 0

    def start(self, timeout=10.0):
        os.makedirs(self.workdir, exist_ok=True)
        self._build_db()
        try:
            os.unlink(self.ctlsock)
        except FileNotFoundError:
            pass
        log = open(self.logfile, "ab")
        try:
            self.proc = subprocess.Popen(self._argv(), stdin=subprocess.DEVNULL,
                                         stdout=log, stderr=log, cwd=self.workdir,
                                         start_new_session=True)
        finally:
            log.close()
        with open(self.pidfile, "w") as f:
            f.write("%d\n" % self.proc.pid)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.proc = None
                raise RuntimeError("kamailio exited at startup:\n" + self.log()[-3000:])
            if self._ready():
                return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("kamailio not ready after %.1fs:\n%s" % (timeout, self.log()[-3000:]))

    def stop(self):
        """SIGTERM, SIGKILL after 3 s; returns when every kamailio process is gone."""
        if self.proc is not None:
            pid = self.proc.pid
            _stop_group(pid, pid)
            try:
                self.proc.wait(timeout=1)
            except subprocess.TimeoutExpired:
                pass
            self.proc = None
        elif os.path.exists(self.pidfile):
            with open(self.pidfile) as f:
                pid = int(f.read().strip() or 0)
            try:
                with open("/proc/%d/cmdline" % pid, "rb") as f:
                    is_kamailio = b"kamailio" in f.read()
            except OSError:
                is_kamailio = False
            if pid > 0 and is_kamailio:
                _stop_group(pid)
        try:
            os.unlink(self.pidfile)
        except FileNotFoundError:
            pass

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def main(argv=None):
    ap = argparse.ArgumentParser(description="hotdesk test registrar (kamailio)")
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("start")
    s.add_argument("--dir", required=True)
    s.add_argument("--port", type=int, default=0)
    s.add_argument("--users", required=True, help="JSON file {user: password} (0600)")
    s.add_argument("--tcp", action="store_true", help="also listen on TCP (same port)")
    t = sub.add_parser("stop")
    t.add_argument("--dir", required=True)
    args = ap.parse_args(argv)
    if args.cmd == "start":
        with open(args.users) as f:
            users = json.load(f)
        r = Registrar(args.dir, args.port or None, users, tcp=args.tcp)
        r.start()
        # leave kamailio running (it is in its own session); the pidfile lets `stop` find it
        r.proc = None
        print("registrar: listening on udp:127.0.0.1:%d (pid file %s)" % (r.port, r.pidfile),
              flush=True)
        return 0
    r = Registrar(args.dir, 1)
    if not os.path.exists(r.pidfile):
        print("registrar: not running (no %s)" % r.pidfile, file=sys.stderr)
        return 1
    r.stop()
    print("registrar: stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
