# SPDX-License-Identifier: BSD-3-Clause
"""The emulated phone: boots scripts/qemu-image's kernel + initramfs under
qemu-system-arm / qemu-system-aarch64 `-M virt` (TCG), and drives it from the host.

    phone = QemuPhone("armhf", workdir, image_dir, overlay={...}, guestfwd={...})
    phone.start(); phone.wait_console("hotdesk-boot: started")
    phone.keys("*77*100*"); phone.key("f1"); phone.frames(); phone.shell("uptime")
    phone.stop()

- Console: the guest's ttyAMA0 on QEMU's stdio (pipes): kernel, init, a root shell
  (test image) that `shell()` drives with markers. Kept in workdir/console.log.
- Display: hotdeskd's serial display on a virtio console (/dev/hvc0 in the guest),
  written by QEMU to workdir/display.log; `frames()` parses its DISPLAY|...|... lines.
- Keys: QMP `input-send-event` into `-device virtio-keyboard-device`, so the guest
  kernel's virtio-input -> evdev path is the real one.
- Network: QEMU user networking with restrict=on: the guest reaches only the
  guestfwd addresses (each forwarded by tests/qemu/fwd.py to a host server on
  127.0.0.1) and the host reaches the guest only through the hostfwd ports.
- Per-test files (config, secrets, CA) go into a second cpio archive that the
  kernel unpacks over the image.

Standard library only (Debian bookworm python3).
"""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS_DIR = os.path.dirname(HERE)
REPO_DIR = os.path.dirname(TESTS_DIR)
sys.path.insert(0, os.path.join(REPO_DIR, "scripts"))

GUEST_IP = "10.0.2.15"
SERVICES_IP = "10.0.2.100"   # where the guest sees the host's test servers
GUEST_MAC = "52:54:00:12:34:56"  # QEMU's default for the first NIC

MACHINES = {
    "armhf": ["qemu-system-arm", "-M", "virt", "-cpu", "cortex-a15"],
    "arm64": ["qemu-system-aarch64", "-M", "virt", "-cpu", "cortex-a53"],
}

# Characters and names -> QEMU qcodes, for boards/qemu-virt: '*' is the keypad
# asterisk (KEY_KPASTERISK), '#' the ISO "#~" key (KEY_BACKSLASH), F1 is BLF 1
# (the logout key), F9 the headset key, F11/F12 lift and put back the handset.
QCODES = {str(d): str(d) for d in range(10)}
QCODES.update({"*": "kp_multiply", "#": "backslash", "send": "ret", "cancel": "esc",
               "blf1": "f1", "blf2": "f2", "blf3": "f3", "blf4": "f4",
               "headset": "f9", "hook_off": "f11", "hook_on": "f12"})


def load_qemu_image_module():
    import importlib.machinery
    import importlib.util
    path = os.path.join(REPO_DIR, "scripts", "qemu-image")
    loader = importlib.machinery.SourceFileLoader("qemu_image", path)
    spec = importlib.util.spec_from_loader("qemu_image", loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


class QMP:
    """A minimal QMP client on a UNIX socket."""

    def __init__(self, path, timeout=10.0):
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        self.sock.settimeout(timeout)
        self.f = self.sock.makefile("rwb", buffering=0)
        self._read()  # greeting
        self.cmd("qmp_capabilities")
        self.lock = threading.Lock()

    def _read(self):
        while True:
            line = self.f.readline()
            if not line:
                raise EOFError("QMP closed")
            msg = json.loads(line)
            if "event" not in msg:
                return msg

    def cmd(self, name, **args):
        msg = {"execute": name}
        if args:
            msg["arguments"] = args
        self.f.write(json.dumps(msg).encode() + b"\n")
        r = self._read()
        if "error" in r:
            raise RuntimeError("QMP %s: %s" % (name, r["error"]))
        return r.get("return")

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class QemuPhone:
    def __init__(self, arch, workdir, image_dir, overlay=None, guestfwd=None, hostfwd=None,
                 append="", memory=256, qemu_extra=()):
        """overlay: {"etc/hotdesk/secrets": (bytes, mode)}; guestfwd: {guest_port:
        host_port} on SERVICES_IP; hostfwd: {host_port: guest_port} (TCP)."""
        self.arch = arch
        self.dir = os.path.abspath(workdir)
        self.image = os.path.abspath(image_dir)
        self.overlay = overlay or {}
        self.guestfwd = guestfwd or {}
        self.hostfwd = hostfwd or {}
        self.append = append
        self.ram_mb = memory
        self.qemu_extra = list(qemu_extra)
        self.proc = None
        self.qmp = None
        self.console_path = os.path.join(self.dir, "console.log")
        self.display_path = os.path.join(self.dir, "display.log")
        self.qmp_path = os.path.join(self.dir, "qmp.sock")
        self._console = bytearray()
        self._cond = threading.Condition()
        self._seq = 0
        self.t_start = None
        self._frames, self._disp_off, self._disp_buf = [], 0, b""

    # ---- lifecycle ----

    def _initrd(self):
        base = os.path.join(self.image, "initrd.cpio")
        if not self.overlay:
            return base
        qi = load_qemu_image_module()
        ov = os.path.join(self.dir, "overlay.cpio")
        qi.write_overlay(ov, self.overlay)
        combined = os.path.join(self.dir, "initrd.cpio")
        with open(combined, "wb") as out:
            for p in (base, ov):
                with open(p, "rb") as f:
                    while True:
                        chunk = f.read(1 << 20)
                        if not chunk:
                            break
                        out.write(chunk)
        return combined

    def argv(self):
        fwd = os.path.join(HERE, "fwd.py")
        fwdlog = os.path.join(self.dir, "fwd.log")
        net = ["user", "id=n0", "restrict=on", "net=10.0.2.0/24", "host=10.0.2.2"]
        for gport, hport in sorted(self.guestfwd.items()):
            cmd = "%s %s 127.0.0.1 %d %s" % (sys.executable, fwd, hport, fwdlog)
            net.append("guestfwd=tcp:%s:%d-cmd:%s" % (SERVICES_IP, gport, cmd.replace(",", ",,")))
        for hport, gport in sorted(self.hostfwd.items()):
            net.append("hostfwd=tcp:127.0.0.1:%d-%s:%d" % (hport, GUEST_IP, gport))
        append = "console=ttyAMA0 rdinit=/sbin/init panic=-1 quiet cryptomgr.notests " + self.append
        return MACHINES[self.arch] + [
            "-smp", "1", "-m", str(self.ram_mb), "-nodefaults", "-display", "none", "-no-reboot",
            "-kernel", os.path.join(self.image, "vmlinuz"), "-initrd", self._initrd(),
            "-append", append.strip(),
            "-serial", "stdio",
            "-netdev", ",".join(net), "-device", "virtio-net-device,netdev=n0",
            # virtio-input needs VIRTIO_F_VERSION_1: QEMU's virtio-mmio is legacy by default
            "-global", "virtio-mmio.force-legacy=false",
            "-device", "virtio-keyboard-device",
            "-device", "virtio-serial-device",
            "-chardev", "file,id=disp,path=" + self.display_path,
            "-device", "virtconsole,chardev=disp",
            "-qmp", "unix:%s,server=on,wait=off" % self.qmp_path,
        ] + self.qemu_extra

    def start(self):
        os.makedirs(self.dir, exist_ok=True)
        for p in (self.qmp_path, self.display_path):
            try:
                os.unlink(p)
            except FileNotFoundError:
                pass
        argv = self.argv()
        with open(os.path.join(self.dir, "qemu.argv"), "w") as f:
            f.write(" ".join(argv) + "\n")
        self.t_start = time.monotonic()
        with open(os.path.join(self.dir, "qemu.stderr"), "wb") as err:
            self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=err, start_new_session=True)
        self._reader = threading.Thread(target=self._read_console, daemon=True)
        self._reader.start()
        self.qmp = QMP(self.qmp_path)
        return self

    def _read_console(self):
        with open(self.console_path, "wb") as log:
            while True:
                chunk = self.proc.stdout.read1(65536) if hasattr(self.proc.stdout, "read1") \
                    else os.read(self.proc.stdout.fileno(), 65536)
                if not chunk:
                    break
                log.write(chunk)
                log.flush()
                with self._cond:
                    self._console += chunk
                    self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def wait_exit(self, timeout):
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self):
        if self.proc is None:
            return
        if self.qmp is not None:
            try:
                self.qmp.cmd("quit")
            except Exception:
                pass
            self.qmp.close()
            self.qmp = None
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(timeout=5)
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        self._reader.join(timeout=5)
        self.proc.stdout.close()

    # ---- console ----

    def console(self):
        with self._cond:
            return self._console.decode("utf-8", "replace")

    def console_len(self):
        with self._cond:
            return len(self._console)

    def wait_console(self, pattern, timeout, since=0):
        """Wait for regex `pattern` in the console output after byte `since`; returns the match."""
        rx = re.compile(pattern.encode() if isinstance(pattern, str) else pattern, re.S)
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                m = rx.search(bytes(self._console[since:]))
                if m:
                    return m
                left = deadline - time.monotonic()
                if left <= 0 or (self.proc.poll() is not None and not self._reader.is_alive()):
                    tail = self._console[-3000:].decode("utf-8", "replace")
                    raise AssertionError("console: no %r within %.0fs (qemu %s); console ends:\n%s"
                                         % (pattern, timeout, "running" if self.alive()
                                            else "exited %s" % self.proc.poll(), tail))
                self._cond.wait(min(left, 0.5))

    def shell(self, command, timeout=20.0):
        """Run a command in the guest's console shell; returns (status, output)."""
        self._seq += 1
        n = self._seq
        since = self.console_len()
        # The tty echoes the typed line: the quotes keep the markers out of the echo.
        line = "echo '@@B''EGIN %d'; ( %s ) 2>&1; echo \"@@E\"'ND %d' $?\n" % (n, command, n)
        self.proc.stdin.write(line.encode())
        self.proc.stdin.flush()
        m = self.wait_console(r"@@BEGIN %d\r?\n(.*?)@@END %d (\d+)" % (n, n), timeout, since)
        out = m.group(1).decode("utf-8", "replace").replace("\r", "")
        return int(m.group(2)), out

    def sh(self, command, timeout=20.0):
        """shell() that must succeed; returns the output."""
        status, out = self.shell(command, timeout)
        if status != 0:
            raise AssertionError("guest: %r exited %d:\n%s" % (command, status, out))
        return out

    # ---- keys ----

    def key(self, name, hold=0.02):
        """Press and release one key: a dial character, 'blf1', 'send', ... or a qcode.
        Returns the host's monotonic time at which the key went down."""
        qcode = QCODES.get(name, name)
        t_down = None
        for down in (True, False):
            if down:
                t_down = time.monotonic()
            self.qmp.cmd("input-send-event", events=[
                {"type": "key", "data": {"down": down, "key": {"type": "qcode", "data": qcode}}}])
            if down:
                time.sleep(hold)
        return t_down

    def keys(self, text, gap=0.03):
        for ch in text:
            self.key(ch)
            time.sleep(gap)

    # ---- display ----

    def frames(self):
        """Every DISPLAY frame so far, as lists of lines (the file is read incrementally)."""
        try:
            with open(self.display_path, "rb") as f:
                f.seek(self._disp_off)
                chunk = f.read()
        except FileNotFoundError:
            return list(self._frames)
        self._disp_off += len(chunk)
        self._disp_buf += chunk
        *lines, self._disp_buf = self._disp_buf.replace(b"\r", b"\n").split(b"\n")
        for raw in lines:
            line = raw.decode("utf-8", "replace")
            i = line.find("DISPLAY|")
            if i >= 0:
                self._frames.append(_split_display(line[i + len("DISPLAY|"):]))
        return list(self._frames)

    def screen(self):
        f = self.frames()
        return " | ".join(f[-1]) if f else ""

    def wait_screen(self, text, timeout, since=0):
        """Some frame after index `since` contains text; returns its index."""
        deadline = time.monotonic() + timeout
        while True:
            frames = self.frames()
            for i in range(since, len(frames)):
                if text in " | ".join(frames[i]):
                    return i
            if time.monotonic() > deadline:
                raise AssertionError("display: no frame with %r within %.0fs; frames since %d: %r"
                                     % (text, timeout, since, frames[since:][-10:]))
            time.sleep(0.05)

    def wait_first_line(self, text, timeout, since=0):
        """Some frame after index `since` has exactly `text` as its first line (the
        identity line: the pool extension, or "<ext> <name>" once logged in)."""
        deadline = time.monotonic() + timeout
        while True:
            frames = self.frames()
            for i in range(since, len(frames)):
                if frames[i] and frames[i][0].strip() == text:
                    return i
            if time.monotonic() > deadline:
                raise AssertionError("display: no frame headed %r within %.0fs; frames since %d: %r"
                                     % (text, timeout, since, frames[since:][-10:]))
            time.sleep(0.02)

    # ---- the guest's processes ----

    def memory(self, names=("hotdeskd", "baresip")):
        """{name: {"pid", "VmRSS", "RssAnon", "RssFile", "Pss", "Private"}} in KiB."""
        out = {}
        for name in names:
            text = self.sh("p=$(pidof %s); echo pid=$p; cat /proc/$p/status /proc/$p/smaps_rollup"
                           % name)
            vals = {"pid": int(re.search(r"pid=(\d+)", text).group(1))}
            for key in ("VmRSS", "RssAnon", "RssFile", "RssShmem", "Pss", "Private_Clean",
                        "Private_Dirty", "Shared_Clean", "Shared_Dirty"):
                m = re.search(r"^%s:\s+(\d+) kB" % key, text, re.M)
                if m:
                    vals[key] = int(m.group(1))
            vals["Private"] = vals.get("Private_Clean", 0) + vals.get("Private_Dirty", 0)
            out[name] = vals
        return out


def _split_display(s):
    """DISPLAY fields: '|' separates, '\\|' and '\\\\' escape."""
    fields, cur, i = [], "", 0
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            cur += s[i + 1]
            i += 2
            continue
        if c == "|":
            fields.append(cur)
            cur = ""
        else:
            cur += c
        i += 1
    fields.append(cur)
    return fields


# ---------------------------------------------------------------- test PKI

def make_ca(dir, ips=(SERVICES_IP, "127.0.0.1")):
    """A CA and a server cert valid for the given IPs (the guest sees the PBX at
    10.0.2.100). Returns (ca_cert, server_cert, server_key)."""
    os.makedirs(dir, exist_ok=True)

    def openssl(*args):
        r = subprocess.run(["openssl"] + list(args), cwd=dir, capture_output=True, text=True,
                           stdin=subprocess.DEVNULL, timeout=30)
        if r.returncode != 0:
            raise RuntimeError("openssl %s: %s" % (args[0], r.stderr[-2000:]))
    with open(os.path.join(dir, "ca.ext"), "w") as f:
        f.write("basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n"
                "subjectKeyIdentifier=hash\n")
    with open(os.path.join(dir, "server.ext"), "w") as f:
        f.write("basicConstraints=critical,CA:FALSE\n"
                "keyUsage=critical,digitalSignature,keyEncipherment\n"
                "extendedKeyUsage=serverAuth\nsubjectAltName=%s\n"
                "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n"
                % ",".join("IP:" + ip for ip in ips))
    old = os.umask(0o077)
    try:
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "ca.key")
        openssl("req", "-new", "-key", "ca.key", "-subj", "/CN=hotdesk qemu test CA", "-out", "ca.csr")
        openssl("x509", "-req", "-in", "ca.csr", "-signkey", "ca.key", "-days", "3650", "-sha256",
                "-extfile", "ca.ext", "-out", "ca.crt")
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "server.key")
        openssl("req", "-new", "-key", "server.key", "-subj", "/CN=" + ips[0], "-out", "server.csr")
        openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
                "-CAcreateserial", "-days", "825", "-sha256", "-extfile", "server.ext",
                "-out", "server.crt")
    finally:
        os.umask(old)
    os.chmod(os.path.join(dir, "ca.crt"), 0o644)
    os.chmod(os.path.join(dir, "server.crt"), 0o644)
    return tuple(os.path.join(dir, n) for n in ("ca.crt", "server.crt", "server.key"))
