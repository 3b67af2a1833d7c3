# SPDX-License-Identifier: BSD-3-Clause
"""Integration-test harness for hotdesk: processes, ports, a test CA, the reference PBX,
headless baresip peers and a ctrl_tcp client.

Usage from a test:
    sys.path.insert(0, <repo>/tests); sys.path.insert(0, <repo>/tests/integration)
    import harness

Standard library only (Debian bookworm python3 3.11). Only 127.0.0.1 is used. Secrets are
written to 0600 files, never put on command lines, never printed.
"""

import fcntl
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time

TESTS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO_DIR = os.path.dirname(TESTS_DIR)
PBX_PY = os.path.join(TESTS_DIR, "pbx", "pbx.py")
PYTHON = sys.executable or "/usr/bin/python3"

if os.path.join(TESTS_DIR, "registrar") not in sys.path:
    sys.path.insert(0, os.path.join(TESTS_DIR, "registrar"))
from registrar import Registrar  # noqa: E402,F401  (re-exported)

# Ports for the tests' servers come from below the kernel's ephemeral range
# (net.ipv4.ip_local_port_range starts at 32768), so no outgoing connection or bind(0)
# of any process takes one between its reservation and its bind, and each is reserved
# across processes (ctest runs integration tests side by side) by an flock(2) on a file
# per port, which the kernel drops when the process ends: nothing stale survives a crash.
def _ephemeral_range():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            lo, hi = (int(x) for x in f.read().split())
        return lo, hi
    except (OSError, ValueError):
        return 32768, 60999


EPHEMERAL_RANGE = _ephemeral_range()
PORT_RANGE = (max(1024, EPHEMERAL_RANGE[0] - 12000), EPHEMERAL_RANGE[0])
# baresip's RTP ports (BARESIP_CONFIG): the ephemeral range, never PORT_RANGE. A bind
# there that collides is retried by baresip; a reserved port taken would not be.
RTP_PORTS = "%d-%d" % EPHEMERAL_RANGE
# Not under $TMPDIR: the QEMU tests set their own, and every test process of the
# machine must see the same locks.
PORT_LOCK_DIR = "/tmp/hotdesk-test-ports"
_used_ports = set()
_port_locks = {}  # port -> fd holding its flock, for this process's lifetime
_port_lock = threading.Lock()


def _bindable(port):
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t, \
                socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            t.bind(("127.0.0.1", port))
            u.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False


def _lock_dir():
    if not os.path.isdir(PORT_LOCK_DIR):
        os.makedirs(PORT_LOCK_DIR, exist_ok=True)
        try:  # shared by every user's tests (the umask narrowed makedirs' mode)
            os.chmod(PORT_LOCK_DIR, 0o1777)
        except OSError:
            pass
    return PORT_LOCK_DIR


def _reserve(port):
    """Takes `port` for this process, or False if another process holds it or it is bound."""
    path = os.path.join(_lock_dir(), "%d.lock" % port)
    try:
        fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o666)
    except PermissionError:  # another user's lock file: theirs
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return False
    if not _bindable(port):
        os.close(fd)  # drops the lock
        return False
    _port_locks[port] = fd
    return True


def free_port(span=1):
    """A port that is free for both TCP and UDP on 127.0.0.1, handed out once across all
    the test processes of this machine (PORT_RANGE, PORT_LOCK_DIR).
    span=2 also reserves port+1: baresip binds SIP/TLS on sip_listen's port + 1."""
    if PORT_RANGE[1] - PORT_RANGE[0] < 1000:
        raise RuntimeError("no room for test ports below the ephemeral range %d-%d "
                           "(net.ipv4.ip_local_port_range)" % EPHEMERAL_RANGE)
    with _port_lock:
        for _ in range(500):
            port = random.randrange(PORT_RANGE[0], PORT_RANGE[1] - span)
            ports = range(port, port + span)
            if any(p in _used_ports for p in ports):
                continue
            taken = []
            for p in ports:
                if not _reserve(p):
                    break
                taken.append(p)
            if len(taken) == span:
                _used_ports.update(ports)
                return port
            for p in taken:
                os.close(_port_locks.pop(p))
    raise RuntimeError("no free port in %d-%d" % PORT_RANGE)


def send_keys(key_socket, line, timeout=3.0):
    """One line of keys to hotdeskd's key socket (digits, * and # as typed; {blf1}, {send}
    by name); returns its one-line reply, "ok" when taken. Waits up to `timeout` for the
    socket (its file appears at bind(), a moment before listen())."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        wait_until(lambda: s.connect_ex(key_socket) == 0, timeout,
                   "hotdeskd key socket %s" % key_socket)
        s.sendall((line + "\n").encode())
        return s.makefile().readline().strip()


def read_frames(display_log):
    """The display frames hotdeskd logged, oldest first ([] before the first)."""
    try:
        with open(display_log, encoding="utf-8", errors="replace") as f:
            return [l.rstrip("\n") for l in f]
    except FileNotFoundError:
        return []


def wait_until(pred, timeout=5.0, what="condition", interval=0.02):
    """Poll pred() until it returns a truthy value (returned); AssertionError after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = pred()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError("timed out after %.1fs waiting for %s"
                                 % (timeout, what() if callable(what) else what))
        time.sleep(interval)


def write_secret_file(path, text):
    """Write text to path with mode 0600 (created 0600, never world-readable)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.chmod(path, 0o600)
    return path


class MemoryUnreadable(Exception):
    """The kernel does not let this process read another's memory."""


def ptrace_scope():
    """Yama's kernel.yama.ptrace_scope (0..3), or None without Yama."""
    try:
        with open("/proc/sys/kernel/yama/ptrace_scope") as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


def memory_counts(pid, needles):
    """How often each of `needles` (str) occurs in the readable memory of process `pid`
    (/proc/PID/maps + /proc/PID/mem; a process of the same user may read it unless Yama's
    ptrace_scope forbids it). Returns {needle: count}; never returns or prints the memory.
    MemoryUnreadable when the kernel refuses (with the reason)."""
    wanted = {n: n.encode() for n in needles}
    counts = dict.fromkeys(needles, 0)
    longest = max((len(b) for b in wanted.values()), default=1)
    try:
        maps = open("/proc/%d/maps" % pid)
        mem = open("/proc/%d/mem" % pid, "rb", 0)
    except OSError as e:
        raise MemoryUnreadable("cannot open /proc/%d/mem: %s (kernel.yama.ptrace_scope=%s)"
                               % (pid, e, ptrace_scope()))
    read_any = False
    with maps, mem:
        for line in maps:
            f = line.split()
            if "r" not in f[1] or (len(f) > 5 and f[5] in ("[vvar]", "[vsyscall]")):
                continue
            lo, hi = (int(x, 16) for x in f[0].split("-"))
            # In chunks that overlap by a needle's length, so nothing straddles a cut.
            step = 1 << 20
            at = lo
            while at < hi:
                n = min(step + longest, hi - at)
                try:
                    mem.seek(at)
                    data = mem.read(n)
                except OSError as e:
                    if e.errno in (1, 13):  # EPERM, EACCES: not allowed at all
                        raise MemoryUnreadable(
                            "reading /proc/%d/mem: %s (kernel.yama.ptrace_scope=%s)"
                            % (pid, e, ptrace_scope()))
                    break  # a mapping that vanished or cannot be read (EIO)
                read_any = True
                for k, b in wanted.items():
                    # count starts inside this chunk's own part only
                    i = data.find(b)
                    while i != -1 and i < step:
                        counts[k] += 1
                        i = data.find(b, i + 1)
                at += step
    if not read_any:
        raise MemoryUnreadable("nothing of /proc/%d/mem could be read" % pid)
    return counts


class Proc:
    """A child process in its own session; stdout+stderr go to `logfile`."""

    def __init__(self, argv, logfile, env=None, cwd=None, stdin_data=None, name=None):
        self.argv = list(argv)
        self.logfile = logfile
        self.env = env
        self.cwd = cwd
        self.stdin_data = stdin_data
        self.name = name or os.path.basename(argv[0])
        self.popen = None

    @property
    def pid(self):
        return self.popen.pid if self.popen else None

    def start(self):
        log = open(self.logfile, "ab")
        try:
            self.popen = subprocess.Popen(
                self.argv, stdout=log, stderr=log, cwd=self.cwd, env=self.env,
                stdin=subprocess.PIPE if self.stdin_data is not None else subprocess.DEVNULL,
                start_new_session=True)
        finally:
            log.close()
        if self.stdin_data is not None:
            data = self.stdin_data
            if isinstance(data, str):
                data = data.encode()
            try:
                self.popen.stdin.write(data)
                self.popen.stdin.close()
            except BrokenPipeError:
                pass
        return self

    def alive(self):
        return self.popen is not None and self.popen.poll() is None

    def returncode(self):
        return None if self.popen is None else self.popen.poll()

    def send_signal(self, sig):
        if self.alive():
            os.kill(self.popen.pid, sig)

    def _group_gone(self):
        try:
            os.killpg(self.popen.pid, 0)
            return False
        except ProcessLookupError:
            return True
        except PermissionError:
            return False

    def stop(self, timeout=3.0, signals=(signal.SIGTERM,)):
        """Send each of `signals` (spread over `timeout`), then SIGKILL the whole group.
        Returns the exit code. Safe to call twice."""
        if self.popen is None:
            return None
        p = self.popen
        per = timeout / max(1, len(signals))
        for sig in signals:
            if p.poll() is not None:
                break
            try:
                os.kill(p.pid, sig)
            except ProcessLookupError:
                break
            try:
                p.wait(timeout=per)
            except subprocess.TimeoutExpired:
                pass
        if p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait(timeout=5)
        # leftovers in its process group (children that outlived the leader)
        deadline = time.monotonic() + 3
        while not self._group_gone() and time.monotonic() < deadline:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                break
            time.sleep(0.02)
        return p.returncode

    def log(self):
        try:
            with open(self.logfile, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def wait_log(self, text, timeout=5.0):
        return wait_until(lambda: text in self.log(), timeout,
                          "%r in %s log" % (text, self.name))


class CtrlRecorder:
    """A TCP relay between hotdeskd and baresip's ctrl_tcp on 127.0.0.1 that keeps every
    netstring frame in both directions (for secret scans; never printed): `frames` is a
    list of (direction, message dict), direction "to_baresip" or "to_hotdeskd". Bytes
    are passed on unchanged. One connection at a time, as ctrl_tcp itself."""

    def __init__(self, upstream_port, port=None):
        self.upstream_port = upstream_port
        self.port = port or free_port()
        self.frames = []
        self._lock = threading.Lock()
        self._srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._srv.bind(("127.0.0.1", self.port))
        self._srv.listen(4)
        self._conns = []
        self._stopped = False
        threading.Thread(target=self._accept, daemon=True, name="ctrl-recorder").start()

    def _accept(self):
        while not self._stopped:
            try:
                down, _ = self._srv.accept()
            except OSError:
                return
            try:
                up = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=2)
            except OSError:
                down.close()  # as if baresip were not listening
                continue
            for s in (down, up):
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                s.settimeout(None)
            with self._lock:
                self._conns += [down, up]
            for src, dst, d in ((down, up, "to_baresip"), (up, down, "to_hotdeskd")):
                threading.Thread(target=self._pump, args=(src, dst, d), daemon=True).start()

    def _pump(self, src, dst, direction):
        buf = b""
        try:
            while True:
                chunk = src.recv(65536)
                if not chunk:
                    break
                dst.sendall(chunk)
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
                        msg = {"unparsed": payload.decode("utf-8", "replace")}
                    with self._lock:
                        self.frames.append((direction, msg))
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def stop(self):
        self._stopped = True
        self._srv.close()
        with self._lock:
            for s in self._conns:
                s.close()

    def snapshot(self):
        with self._lock:
            return list(self.frames)


# ---------------------------------------------------------------------------- PKI

def _openssl(args, cwd):
    r = subprocess.run(["openssl"] + args, cwd=cwd, capture_output=True, text=True,
                       stdin=subprocess.DEVNULL, timeout=30)
    if r.returncode != 0:
        raise RuntimeError("openssl %s failed: %s" % (args[0], r.stderr[-2000:]))


def make_ca(dir, cn="hotdesk test CA"):
    """Create a CA and a server cert for 127.0.0.1 (SAN IP:127.0.0.1) in `dir`.
    Returns (ca_cert_path, server_cert_path, server_key_path). Keys are 0600 P-256."""
    os.makedirs(dir, exist_ok=True)
    ca_key, ca_crt = "ca.key", "ca.crt"
    key, csr, crt = "server.key", "server.csr", "server.crt"
    with open(os.path.join(dir, "ca.ext"), "w") as f:
        f.write("basicConstraints=critical,CA:TRUE\n"
                "keyUsage=critical,keyCertSign,cRLSign\n"
                "subjectKeyIdentifier=hash\n")
    with open(os.path.join(dir, "server.ext"), "w") as f:
        f.write("basicConstraints=critical,CA:FALSE\n"
                "keyUsage=critical,digitalSignature,keyEncipherment\n"
                "extendedKeyUsage=serverAuth\n"
                "subjectAltName=IP:127.0.0.1\n"
                "subjectKeyIdentifier=hash\n"
                "authorityKeyIdentifier=keyid\n")
    old = os.umask(0o077)
    try:
        _openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                  "-out", ca_key], dir)
        _openssl(["req", "-new", "-key", ca_key, "-subj", "/CN=" + cn, "-out", "ca.csr"], dir)
        _openssl(["x509", "-req", "-in", "ca.csr", "-signkey", ca_key, "-days", "3650",
                  "-sha256", "-extfile", "ca.ext", "-out", ca_crt], dir)
        _openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                  "-out", key], dir)
        _openssl(["req", "-new", "-key", key, "-subj", "/CN=127.0.0.1", "-out", csr], dir)
        _openssl(["x509", "-req", "-in", csr, "-CA", ca_crt, "-CAkey", ca_key,
                  "-CAcreateserial", "-days", "825", "-sha256", "-extfile", "server.ext",
                  "-out", crt], dir)
    finally:
        os.umask(old)
    for n in (ca_crt, crt):
        os.chmod(os.path.join(dir, n), 0o644)
    return tuple(os.path.join(dir, n) for n in (ca_crt, crt, key))


# ---------------------------------------------------------------------------- PBX

def start_pbx(workdir, config, port, cert=None, key=None, ca=None, test_hooks=False,
              state_log=None, timeout=10.0, extra_args=()):
    """Start tests/pbx/pbx.py on https://127.0.0.1:port with `config` (dict, written 0600).
    Without cert/key a CA is made in workdir/pki. Returns the Proc with extra attributes
    .url, .ca, .cert, .key, .config_path, .port."""
    os.makedirs(workdir, exist_ok=True)
    if cert is None or key is None:
        ca, cert, key = make_ca(os.path.join(workdir, "pki"))
    cfg_path = write_secret_file(os.path.join(workdir, "pbx-config.json"), json.dumps(config))
    argv = [PYTHON, PBX_PY, "--config", cfg_path, "--listen", "127.0.0.1:%d" % port,
            "--cert", cert, "--key", key]
    if state_log:
        argv += ["--state-log", state_log]
    if test_hooks:
        argv.append("--test-hooks")
    argv += list(extra_args)
    p = Proc(argv, os.path.join(workdir, "pbx.log"), name="pbx").start()
    p.url = "https://127.0.0.1:%d" % port
    p.port, p.ca, p.cert, p.key, p.config_path = port, ca, cert, key, cfg_path
    try:
        wait_until(lambda: ("pbx: listening on " + p.url) in p.log() or not p.alive(),
                   timeout, "pbx ready line")
    except AssertionError:
        p.stop()
        raise
    if not p.alive():
        raise RuntimeError("pbx exited at startup:\n" + p.log()[-3000:])
    return p


def https_json(url, method="GET", body=None, token=None, ca=None, timeout=8.0):
    """Small HTTPS JSON client verified against `ca`. Returns (status, dict-or-text)."""
    import ssl
    import urllib.error
    import urllib.request
    ctx = ssl.create_default_context(cafile=ca)
    data = None
    headers = {}
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if token is not None:
        headers["Authorization"] = "Bearer " + token
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=timeout) as r:
            status, raw, ctype = r.status, r.read(), r.headers.get("Content-Type", "")
    except urllib.error.HTTPError as e:
        status, raw, ctype = e.code, e.read(), e.headers.get("Content-Type", "")
    text = raw.decode("utf-8", "replace")
    if ctype.startswith("application/json"):
        return status, json.loads(text)
    return status, text


# ---------------------------------------------------------------------------- baresip

# How the phone starts baresip 1.0.0 (packaging/busybox/S50hotdesk.in,
# packaging/systemd/hotdesk-baresip.service.in; docs/reliability.md, "Digits typed in a
# call"): with its log at WARNING, so the digits it sends and receives in a call, which it
# logs at info level ("audio: send DTMF digit: '4'", "received event: '4' (end=0)"), reach
# neither its stdout nor syslog, while its warnings and errors do. 1.0.0 has no setting for
# the level: debug_cmd's `loglevel` steps it INFO -> DEBUG -> ERROR -> WARNING, and `-e`
# runs commands after the modules are loaded, before the main loop (so before any call).
# debug_cmd is loaded for that and unloaded again: its `uastat` prints passwords.
BARESIP_LOGLEVEL_ARGS = ("-e", "/loglevel") * 3
BARESIP_QUIET_ARGS = ("-e", "/insmod debug_cmd") + BARESIP_LOGLEVEL_ARGS + \
    ("-e", "/rmmod debug_cmd")

# What baresip 1.0.0 logs about a DTMF digit (src/audio.c and src/call.c at info level,
# menu's event line at debug level): "audio: send DTMF digit: '4'", "audio: send DTMF digit
# end: '4'", "received event: '4' (end=0)", "call: received DTMF: '4' (duration=..)",
# "event: CALL_DTMF_START (4)".
DTMF_LOG_RE = re.compile(r"DTMF|received event: '")


def dtmf_lines(text):
    """The lines of a log that tell a DTMF digit (DTMF_LOG_RE)."""
    return [l for l in text.splitlines() if DTMF_LOG_RE.search(l)]


# LD_PRELOAD library that takes baresip's syslog(3) lines into a file
# (tests/integration/syslog_capture.cpp; ctest passes its path). Unset: no syslog.so.
SYSLOG_SHIM = os.environ.get("HOTDESK_SYSLOG_SHIM", "")


BARESIP_CONFIG = """\
# written by tests/integration/harness.py
poll_method		epoll
sip_listen		127.0.0.1:{sip_port}
net_interface		127.0.0.1
dns_server		127.0.0.1:53
# RTP in the kernel's ephemeral range, away from free_port's (PORT_RANGE)
rtp_ports		{rtp_ports}
call_local_timeout	120
call_max_calls		4

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
{extra_modules}
ctrl_tcp_listen		127.0.0.1:{ctrl_port}
"""


class Baresip:
    """A headless baresip in workdir/name with accounts `accounts_lines` (file 0600).

    quiet (default): started as the phone starts it (BARESIP_QUIET_ARGS: no digit typed in
    a call in its log). syslog: also loads syslog.so, as the phone's config does, with its
    syslog lines in workdir/name/syslog.log (needs SYSLOG_SHIM, else no syslog.so)."""

    def __init__(self, workdir, name, sip_port, ctrl_port, accounts_lines=(),
                 answermode=None, extra_modules=("debug_cmd.so",), env=None, quiet=True,
                 syslog=False):
        self.dir = os.path.join(os.path.abspath(workdir), name)
        self.name = name
        self.sip_port = sip_port
        self.ctrl_port = ctrl_port
        self.accounts_lines = list(accounts_lines)
        self.answermode = answermode
        self.extra_modules = list(extra_modules)
        self.env = env  # None: this process's environment
        self.quiet = quiet
        self.syslog = syslog and bool(SYSLOG_SHIM)
        self.syslog_log = os.path.join(self.dir, "syslog.log")
        self.proc = None
        self._write_config()

    def argv(self):
        args = ["baresip", "-f", self.dir]
        if self.quiet:  # a debug_cmd the config loads stays (tests use its apistate)
            args += BARESIP_LOGLEVEL_ARGS if "debug_cmd.so" in self.extra_modules \
                else BARESIP_QUIET_ARGS
        return args

    def _write_config(self):
        os.makedirs(self.dir, exist_ok=True)
        extra = "".join("module_app\t\t%s\n" % m for m in self.extra_modules)
        if self.syslog:
            extra = "module\t\t\tsyslog.so\n" + extra
        with open(os.path.join(self.dir, "config"), "w") as f:
            f.write(BARESIP_CONFIG.format(sip_port=self.sip_port, ctrl_port=self.ctrl_port,
                                          rtp_ports=RTP_PORTS, extra_modules=extra))
        lines = []
        for line in self.accounts_lines:
            if self.answermode and "answermode=" not in line:
                line += ";answermode=" + self.answermode
            lines.append(line)
        write_secret_file(os.path.join(self.dir, "accounts"),
                          "".join(l + "\n" for l in lines))

    def start(self, timeout=5.0):
        env = self.env
        if self.syslog:
            env = dict(env if env is not None else os.environ, LD_PRELOAD=SYSLOG_SHIM,
                       HOTDESK_SYSLOG_CAPTURE=self.syslog_log)
        self.proc = Proc(self.argv(), os.path.join(self.dir, "baresip.log"),
                         cwd=self.dir, env=env, name="baresip-" + self.name).start()

        def listening():
            if not self.proc.alive():
                raise RuntimeError("baresip %s exited:\n%s" % (self.name, self.proc.log()[-3000:]))
            try:
                socket.create_connection(("127.0.0.1", self.ctrl_port), timeout=0.2).close()
                return True
            except OSError:
                return False
        # NB: probing connects and closes; ctrl_tcp accepts a new client afterwards.
        wait_until(listening, timeout, "baresip %s ctrl_tcp on %d" % (self.name, self.ctrl_port))
        return self

    def ctrl(self, timeout=5.0):
        """A connected BaresipCtrl (one client at a time: a new one closes the old)."""
        return BaresipCtrl(self.ctrl_port, timeout=timeout)

    def alive(self):
        return self.proc is not None and self.proc.alive()

    def log(self):
        return self.proc.log() if self.proc else ""

    def stop(self):
        """SIGTERM, a second SIGTERM after 1 s (baresip can hang on the first), SIGKILL."""
        if self.proc is not None:
            self.proc.stop(timeout=3.0, signals=(signal.SIGTERM, signal.SIGTERM))


def start_answering_point(workdir, registrar_port, password, user="112", name=None,
                          sip_port=None, ctrl_port=None, answermode="auto"):
    """An emergency answering point: baresip registered as `user` with answermode=auto.
    NB: baresip 1.0.0 emits no CALL_INCOMING for an auto-answered call (events are
    CALL_REMOTE_SDP, CALL_LOCAL_SDP, CALL_ESTABLISHED with direction "incoming");
    use answermode="manual" to get CALL_INCOMING (then `accept`).
    Returns the started Baresip (its ctrl port is .ctrl_port)."""
    line = "<sip:%s@127.0.0.1:%d>;auth_pass=%s;regint=600;answermode=%s" % (
        user, registrar_port, password, answermode)
    b = Baresip(workdir, name or ("psap" + user), sip_port or free_port(span=2),
                ctrl_port or free_port(), [line])
    return b.start()


class CtrlError(Exception):
    pass


class BaresipCtrl:
    """ctrl_tcp client: netstrings carrying JSON with string-only fields.

    command(cmd, params) -> response dict {"response":True,"ok":bool,"data":str,"token":str}
    Events are queued by a reader thread; wait_event() consumes the first matching one.
    Never log the traffic: account lines and uastat output carry passwords."""

    def __init__(self, port, host="127.0.0.1", timeout=5.0):
        self.port = port
        self.timeout = timeout
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.settimeout(None)
        self._send_lock = threading.Lock()
        self._cond = threading.Condition()
        self._events = []          # unconsumed events, in arrival order
        self.all_events = []       # every event seen (for diagnostics; no secrets in events)
        self._responses = {}
        self._token = 0
        self.closed = False
        self._reader = threading.Thread(target=self._read_loop, daemon=True,
                                        name="ctrl-%d" % port)
        self._reader.start()

    # -- wire ------------------------------------------------------------------
    def _read_loop(self):
        buf = b""
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    break
                try:
                    self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
                except (OSError, AttributeError):
                    pass
                buf += chunk
                while True:
                    colon = buf.find(b":")
                    if colon < 0:
                        break
                    try:
                        n = int(buf[:colon])
                    except ValueError:
                        buf = b""  # desynchronised; drop
                        break
                    if len(buf) < colon + 1 + n + 1:
                        break
                    payload = buf[colon + 1:colon + 1 + n]
                    buf = buf[colon + 1 + n + 1:]
                    try:
                        msg = json.loads(payload.decode("utf-8", "replace"))
                    except ValueError:
                        continue
                    self._dispatch(msg)
        except OSError:
            pass
        with self._cond:
            self.closed = True
            self._cond.notify_all()

    def _dispatch(self, msg):
        with self._cond:
            if msg.get("response"):
                self._responses[msg.get("token", "")] = msg
            elif msg.get("event"):
                self._events.append(msg)
                self.all_events.append(msg)
            self._cond.notify_all()

    def command(self, cmd, params="", timeout=None):
        """Run a command; returns the response dict. TimeoutError if none arrives."""
        timeout = self.timeout if timeout is None else timeout
        with self._cond:
            self._token += 1
            token = "t%d" % self._token
        msg = {"command": str(cmd), "params": str(params), "token": token}
        data = json.dumps(msg).encode()
        with self._send_lock:
            self.sock.sendall(b"%d:%s," % (len(data), data))
        deadline = time.monotonic() + timeout
        with self._cond:
            while token not in self._responses:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("no ctrl_tcp response to %r within %.1fs" % (cmd, timeout))
                if self.closed:
                    raise CtrlError("ctrl_tcp connection closed (command %r)" % cmd)
                self._cond.wait(left)
            return self._responses.pop(token)

    def ok(self, cmd, params="", timeout=None):
        """command() that raises CtrlError unless ok:true; returns data."""
        r = self.command(cmd, params, timeout)
        if not r.get("ok"):
            raise CtrlError("%s failed: %s" % (cmd, r.get("data", "")))
        return r.get("data", "")

    def wait_event(self, type, timeout=5.0, pred=None):
        """Consume and return the first queued event of `type` (and pred(ev) true).
        Other events stay queued. AssertionError on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for i, ev in enumerate(self._events):
                    if ev.get("type") == type and (pred is None or pred(ev)):
                        del self._events[i]
                        return ev
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [e.get("type") for e in self.all_events[-20:]]
                    raise AssertionError("no %s event within %.1fs (recent: %s)"
                                         % (type, timeout, seen))
                if self.closed:
                    raise AssertionError("ctrl_tcp closed while waiting for %s" % type)
                self._cond.wait(min(left, 0.5))

    def events(self):
        """Snapshot of unconsumed events."""
        with self._cond:
            return list(self._events)

    def clear_events(self):
        with self._cond:
            self._events.clear()

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        self._reader.join(timeout=2)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
