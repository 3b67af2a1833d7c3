#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The hotdesk demo: registrar, PBX service, an emergency answering point,
the desk phone's baresip and hotdeskd, and a colleague's phone (Carol Nodesk,
extension 102, a baresip of her own), all on 127.0.0.1.

On a TTY you are the person at the desk: the terminal is the phone, its
display redrawn in place, and keys make Carol call you or answer you.
Otherwise a scripted scenario runs and prints a transcript.
Everything started here is stopped before it exits.
"""

import os
import re
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import termios
import threading
import time
import tty

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))

from world import EMERGENCY_PROFILE, MAC, USERS, World  # noqa: E402
from harness import Baresip, BaresipCtrl, free_port, wait_until  # noqa: E402

COLLEAGUE = "102"  # Carol Nodesk: may not hot desk, so she has a phone of her own
CAROL = USERS[COLLEAGUE][0]
BOARD = os.path.join(ROOT, "boards", "host", "board.conf")


class EventCtrl(BaresipCtrl):
    """A ctrl_tcp client that also hands every event to `on_event` (reader thread)."""

    def __init__(self, port, on_event=None):
        self.on_event = on_event
        super().__init__(port)

    def _dispatch(self, msg):
        super()._dispatch(msg)
        if msg.get("event") and self.on_event:
            self.on_event(msg)


class Colleague:
    """Carol's phone: a baresip registered as 102 that answers only when told."""

    def __init__(self, w, on_event=None):
        line = '"%s" <sip:%s@%s>;auth_pass=%s;regint=600;answermode=manual' % (
            CAROL, COLLEAGUE, w.domain, USERS[COLLEAGUE][3])
        self.w = w
        self.phone = Baresip(w.dir, "colleague", free_port(span=2), free_port(), [line])
        w.procs.append(self.phone)
        self.phone.start()
        wait_until(lambda: w.reg.contacts_of(COLLEAGUE), 5, COLLEAGUE + " registered")
        self.ctrl = EventCtrl(self.phone.ctrl_port, on_event)

    def call_desk(self):
        """Dial whoever the desk phone is registered as; returns that extension."""
        ext = (self.w.phone_bindings() or ["HD0001"])[0].upper()
        self.ctrl.ok("dial", "sip:%s@%s" % (ext, self.w.domain))
        return ext

    def close(self):
        self.ctrl.close()


# ---------------------------------------------------------------- scripted (no TTY)

def show(w, step):
    print("\n== %s" % step)
    print("   display   : %s" % w.screen())
    print("   registrar : %s" % ", ".join("%s -> %s" % (u, c) for u, c in sorted(w.reg.bindings())))
    view = w.admin_view()
    for mac, d in sorted(view.items()):
        user = d.get("user") or {}
        print("   PBX view  : %s %s %s %s" % (mac, d["pool_ext"], d["state"],
                                             ("%s (%s)" % (user.get("ext"), user.get("name")))
                                             if user else "-"))


def scripted(w, carol):
    print("hotdesk demo: a scripted session at a hot desk (no TTY)")
    print("(%s, extension %s, has a phone of her own beside it)" % (CAROL, COLLEAGUE))
    show(w, "idle: the phone is the pool extension HD0001")

    w.keys("112")
    ev = w.psap_ctrl.wait_event("CALL_INCOMING", 5)
    print("\n== emergency call from idle: dialled 112")
    print("   answering point saw CALL_INCOMING from %s" % ev.get("peeruri"))
    w.psap_ctrl.command("hangup")
    time.sleep(0.2)

    n = len(w.frames())
    w.keys("200#")
    w.wait_frame("Log in to call", since=n)
    print("\n== ordinary call from idle: dialled 200")
    print("   display   : %s" % w.frames()[n:][-1])
    invites = [r for r in w.reg.requests() if r[0] == "INVITE" and "sip:200@" in r[1]]
    print("   INVITEs for 200 at the registrar: %d" % len(invites))

    t = time.monotonic()
    w.keys("*77*100*")
    w.wait_screen("PIN for 100")
    print("\n== dialled *77*100*: %s" % w.screen())
    w.keys(USERS["100"][1] + "#")
    w.wait_screen("100 Alice")
    wait_until(lambda: w.registered_as("100"), 5, "100 registered")
    show(w, "logged in as 100 (%.0f ms from # to registered)" % ((time.monotonic() - t) * 1000))
    print("   registrar : bindings %s (the pool stays for emergency calls)" % w.phone_bindings())

    w.psap_ctrl.clear_events()
    w.keys("112")
    ev = w.psap_ctrl.wait_event("CALL_INCOMING", 5)
    print("\n== emergency call while 100 is logged in: dialled 112")
    print("   answering point saw CALL_INCOMING from %s (the desk, not the person)"
          % ev.get("peeruri"))
    w.psap_ctrl.command("hangup")
    notice = wait_until(lambda: w.admin_view()[MAC]["emergency_calls"], 5, "PBX notice")[-1]
    loc = notice["location"]
    print("   PBX notice: %s from %s, occupant %s, at %s %s, bldg %s floor %s room %s" % (
        notice["number"], notice["pool_ext"], (notice["occupant"] or {}).get("ext"),
        loc.get("RD"), loc.get("HNO"), loc.get("BLD"), loc.get("FLR"), loc.get("ROOM")))
    w.wait_screen("100 Alice Example | Ready")

    w.keys("*77*101*")
    w.wait_screen("PIN for 101")
    w.keys(USERS["101"][1] + "#")
    w.wait_screen("101 Bob")
    wait_until(lambda: w.registered_as("101"), 5, "101 registered")
    show(w, "roamed straight to 101")

    carol.call_desk()
    w.wait_screen("Incoming call")
    print("\n== %s calls 101 from her phone" % CAROL)
    print("   display   : %s" % w.screen())
    w.keys("{hook_off}")
    carol.ctrl.wait_event("CALL_ESTABLISHED", 5)
    w.wait_screen("Connected")
    print("\n== handset lifted (the hook_off key): answered")
    print("   display   : %s" % w.screen())
    print("   Carol's phone saw CALL_ESTABLISHED")

    w.keys("123#")
    digits = [carol.ctrl.wait_event("CALL_DTMF_START", 5).get("param") for _ in "123#"]
    print("\n== keys 1 2 3 # in the call go out as DTMF, never as a number or feature code")
    print("   Carol's phone saw CALL_DTMF_START %s" % " ".join(digits))

    n = len(w.frames())
    w.keys("{blf1}")
    w.wait_frame("Logout after the call", since=n)
    time.sleep(1.0)  # the call goes on: Carol sees no CALL_CLOSED
    if any(e.get("type") == "CALL_CLOSED" for e in carol.ctrl.events()):
        raise AssertionError("the logout key cut the call")
    show(w, "logout key (BLF 1) pressed during the call: the logout waits, the call goes on")

    t = time.monotonic()
    carol.ctrl.ok("hangup")
    wait_until(lambda: w.registered_as("HD0001"), 5, "pool registered", interval=0.005)
    ms = (time.monotonic() - t) * 1000
    wait_until(lambda: w.admin_view()[MAC]["state"] == "idle", 3, "PBX idle")
    show(w, "Carol hung up: the logout ran (pool registered %.0f ms after her hang-up)" % ms)
    print("\ndemo finished: every process is being stopped")


# ---------------------------------------------------------------- interactive (TTY)

HELP = """\
This terminal is a desk phone (board 'host'); the box above is its display.
  digits, * and #    dial (# or Enter sends); in a call they are DTMF
  Enter              send, answer           x or Esc   cancel, reject, hang up
  l                  BLF 1 = logout key     b n m      BLF 2-4
  arrows up/down     calls, call history
  log in: *77*100* then PIN {pin100}#   (or *77*101* with {pin101}#)
  emergency: 112     log out: l or *77*5*
{carol} (extension {ext}) has a phone of her own:
  c  Carol calls the desk   a  Carol answers your call   e  Carol hangs up
  call Carol: {ext}#        quit: q or Ctrl-C"""

DEMO_KEYS = {"c", "a", "e", "q"}
ARROWS = {"A": "{up}", "B": "{down}", "C": "{right}", "D": "{left}"}


def board_keymap(path=BOARD):
    """Terminal input -> key line for the key socket, from the board's `key a=b` lines."""
    names = {"enter": ("\r", "\n"), "esc": ("\x1b",), "backspace": ("\x7f", "\x08")}
    out = {}
    with open(path) as f:
        for line in f:
            m = re.match(r"\s*key\s+(\S+?)=(\S+)", line.split("#", 1)[0])
            if m:
                for ch in names.get(m.group(1), (m.group(1),)):
                    out[ch] = "{%s}" % m.group(2)
    clash = DEMO_KEYS & set(out)
    if clash:
        raise RuntimeError("%s maps the demo's keys %s" % (path, sorted(clash)))
    return out


def board_lines(path=BOARD):
    with open(path) as f:
        m = re.search(r"^display_lines\s+(\d+)", f.read(), re.M)
    return int(m.group(1)) if m else 2


class Terminal:
    """Rows below hotdeskd's display box. Every draw is one write(2), cursor saved and
    restored around it, so it never lands inside one of hotdeskd's frames."""

    def __init__(self, first_row):
        self.status_row = first_row
        self.help_row = first_row + 2
        self.lock = threading.Lock()

    def draw(self, row, text):
        lines = text.split("\n")
        out = "\x1b7" + "".join("\x1b[%d;1H%s\x1b[K" % (row + i, l)
                                for i, l in enumerate(lines)) + "\x1b8"
        with self.lock:
            os.write(sys.stdout.fileno(), out.encode())

    def status(self, text):
        self.draw(self.status_row, text)

    def end_row(self, help_text):
        return self.help_row + help_text.count("\n") + 1


class CarolView:
    """What Carol's phone is doing, on the status row, from her baresip's events."""

    def __init__(self, term):
        self.term = term
        self.digits = ""

    def on_event(self, ev):
        t = ev.get("type")
        text = None
        if t == "CALL_RINGING":
            text = "calling the desk: it rings (Enter answers, x rejects)"
        elif t == "CALL_INCOMING":
            text = "her phone rings: a = she answers, e = she rejects"
        elif t == "CALL_ESTABLISHED":
            self.digits = ""
            text = "talking with the desk (e = she hangs up)"
        elif t == "CALL_DTMF_START":
            self.digits = (self.digits + ev.get("param", "?"))[-16:]
            text = "talking with the desk; heard DTMF %s" % " ".join(self.digits)
        elif t == "CALL_CLOSED":
            why = ev.get("param", "")
            text = {"Connection reset by peer": "the desk hung up",
                    "Connection reset by user": "she hung up"}.get(why, "call ended: " + why)
        if text:
            self.say(text)

    def say(self, text):
        self.term.status("%s (%s): %s" % (CAROL, COLLEAGUE, text))


def key_tokens(data, keymap):
    """Terminal input -> key lines for hotdeskd, or demo keys as they are."""
    i = 0
    while i < len(data):
        c = data[i]
        if c == "\x1b" and data[i + 1:i + 2] == "[" and i + 2 < len(data):
            if data[i + 2] in ARROWS:
                yield ARROWS[data[i + 2]]
            i += 3
            continue
        i += 1
        if c in DEMO_KEYS:
            yield c
        elif c in keymap:
            yield keymap[c]
        elif c.isdigit() or c in "*#":
            yield c


def interactive(w):
    keymap = board_keymap()
    term = Terminal(board_lines() + 4)
    view = CarolView(term)
    carol = Colleague(w, view.on_event)
    help_text = HELP.format(pin100=USERS["100"][1], pin101=USERS["101"][1], carol=CAROL,
                            ext=COLLEAGUE)

    w.hotdeskd.stop()
    w.procs.remove(w.hotdeskd)
    with open(w.conf_path) as f:
        text = re.sub(r"^tty\s+off$", "tty                      on", f.read(), flags=re.M)
    with open(w.conf_path, "w") as f:
        f.write(text)
    if os.path.exists(w.key_socket):
        os.unlink(w.key_socket)
    frames = len(w.frames())
    # Keys come from this script (stdin is not hotdeskd's): it adds Carol's keys.
    with open(os.path.join(w.dir, "hotdeskd", "hotdeskd.log"), "a") as log:
        p = subprocess.Popen([os.environ["HOTDESKD"], "-c", w.conf_path],
                             stdin=subprocess.DEVNULL, stderr=log, start_new_session=True)
    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    keys = None
    try:
        wait_until(lambda: len(w.frames()) > frames or p.poll() is not None, 5, "first frame")
        wait_until(lambda: os.path.exists(w.key_socket) or p.poll() is not None, 5, "keys")
        if p.poll() is not None:
            raise RuntimeError("hotdeskd exited; see its log")
        keys = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        keys.settimeout(3)
        keys.connect(w.key_socket)
        replies = keys.makefile("rb")
        term.draw(term.help_row, help_text)
        view.say("idle")
        tty.setcbreak(fd)
        while p.poll() is None:
            if not select.select([fd], [], [], 0.5)[0]:
                continue
            data = os.read(fd, 64).decode("utf-8", "replace")
            if not data:
                break
            for tok in key_tokens(data, keymap):
                if tok == "q":
                    return
                if tok in DEMO_KEYS:
                    carol_key(carol, view, tok)
                    continue
                keys.sendall((tok + "\n").encode())
                replies.readline()
    except KeyboardInterrupt:
        pass
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
        if keys:
            keys.close()
        p.terminate()
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        carol.close()
        os.write(sys.stdout.fileno(), ("\x1b[%d;1H\r\n" % term.end_row(help_text)).encode())


def carol_key(carol, view, key):
    if key == "c":
        try:
            view.say("dialling %s..." % carol.call_desk())
        except Exception:
            view.say("cannot dial now")
    else:
        r = carol.ctrl.command("accept" if key == "a" else "hangup")
        if not r.get("ok"):
            view.say("no call to %s" % ("answer" if key == "a" else "end"))


def main():
    os.environ.setdefault("HOTDESKD", os.path.join(ROOT, "build", "host", "hotdeskd"))
    workdir = tempfile.mkdtemp(prefix="hotdesk-demo-")
    # Emergency calls carry the desk (docs/profile.md): the pool stays registered beside
    # whoever logs in, the idle screen shows where the desk is.
    w = World(workdir, device_profile=dict(EMERGENCY_PROFILE, hd_location_on_idle="on"))
    rc = 0
    carol = None
    try:
        w.start()
        if sys.stdin.isatty() and sys.stdout.isatty():
            interactive(w)
        else:
            carol = Colleague(w)
            scripted(w, carol)
    except Exception as e:
        print("demo failed: %s" % e, file=sys.stderr)
        rc = 1
    finally:
        if carol:
            carol.close()
        w.stop()
        shutil.rmtree(workdir, True)
    return rc


if __name__ == "__main__":
    sys.exit(main())
