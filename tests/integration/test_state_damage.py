# SPDX-License-Identifier: BSD-3-Clause
"""Damaged state files on real parts (issue 14, kind 11; format in
platform/storage/sealed_file.h, rules in agent/state/state_store.h).

For every state file and the ways a power cut spoils one (cut short, zero-filled,
erased flash, a leftover temp file), with the PBX up and with it down: the file is
damaged while hotdeskd is off (a power cut: SIGKILL), hotdeskd starts, and

- the phone registers at kamailio as what the damage leaves: the pool when the login
  intent is damaged; when the occupancy or the person's account is, the pool at once and
  then, with the PBX up, the person the PBX says sits here (LostStateTest below); the same
  person when only a decoration (their profile) is; the pool from the PBX or
  hotdeskd.conf when the cached device profile is;
- 112 reaches the answering point from that identity;
- the damaged file is kept aside as <name>.damaged and hotdeskd's log names it; a
  leftover temp file is discarded and the committed file used;
- no secret of a person the phone fell back from remains in the state directory.
"""

import glob
import json
import os
import signal
import subprocess
import sys
import time
import unittest

from harness import free_port, wait_until
from world import MAC, SOURCE, USERS, WorldTestCase

HOTDESKCTL = os.environ.get("HOTDESKCTL", os.path.join(SOURCE, "build", "host", "tools", "hotdeskctl"))


def truncated(data):
    return data[: len(data) // 2]


def zero_filled(data):
    return b"\0" * len(data)


def erased(data):
    return b"\xff" * len(data)


DAMAGE = {"truncated": truncated, "zero-filled": zero_filled, "erased flash": erased,
          "leftover temp": None}

# file -> (state the phone is in before the power cut, identity when the file is intact,
# identity when it is damaged with the PBX up, and with it down). A lost occupancy or
# account is the pool, then whoever the PBX says sits here (100 in its view).
FILES = {
    "occupancy": ("logged in", "100", "100", "HD0001"),
    "user.100": ("logged in", "100", "100", "HD0001"),
    "profile.100.xml": ("logged in", "100", "100", "100"),
    "device-profile.xml": ("pool", "HD0001", "HD0001", "HD0001"),
    "device-profile.meta": ("pool", "HD0001", "HD0001", "HD0001"),
    "login-intent": ("login interrupted", "HD0001", "HD0001", "HD0001"),
}

# damaged, the phone does not know who sat here and asks the PBX (LostStateTest)
LOST = ("occupancy", "user.100")

# read only together with (an orphan is never read)
REQUIRES = {"device-profile.meta": ["device-profile.xml"]}


class StateDamageTest(WorldTestCase):
    prefix = "hotdesk-damage-"

    # ---- bringing the phone into a state ----

    def conf_pbx(self, up):
        self.pbx_reachable = up
        with open(self.w.conf_path) as f:
            lines = f.read().splitlines(keepends=True)
        url = self.w.pbx_url if up else "https://127.0.0.1:%d" % self.dead_port
        with open(self.w.conf_path, "w") as f:
            f.writelines("pbx_url %s\n" % url if l.startswith("pbx_url ") else l for l in lines)

    def start(self):
        n = len(self.w.hotdeskd.log())
        self.w.start_hotdeskd(wait_pool=False)
        # reginfo answered: hotdeskd holds baresip and dials through it
        wait_until(lambda: "accounts: baresip holds" in self.w.hotdeskd.log()[n:], 8,
                   "hotdeskd connected to baresip")
        # a restored person is confirmed with the PBX first ("Logging in 100...")
        wait_until(lambda: "..." not in self.w.screen(), 10, "the restore settled")
        return n

    def login(self, ext):
        self.w.keys("*77*%s*" % ext)
        self.w.wait_screen("PIN for %s" % ext)
        self.w.keys(USERS[ext][1] + "#", check=False)

    def bring_to(self, state, name):
        """The phone in `state` with the state file `name` written (a file moved aside
        by an earlier case is written again by a logout and login, or a profile fetch)."""
        if not self.pbx_reachable or not self.w.hotdeskd.alive():
            self.conf_pbx(True)
            self.w.hotdeskd.stop()
            self.start()
        path = os.path.join(self.w.state_dir, name)
        # Who sits here, once the registrar shows one identity: right after a restore's
        # swap (make-before-break) the pool's binding may still be there for a moment.
        occupant = wait_until(
            lambda: next((e for e in ("100", "HD0001") if self.w.registered_as(e)), None), 8,
            lambda: "one identity at the registrar (now %r)" % self.w.phone_bindings())
        if occupant == "100" and (state != "logged in" or not os.path.exists(path)):
            self.w.keys("{blf1}")
            self.wait_identity("HD0001")
            occupant = "HD0001"
        if state == "logged in" and occupant != "100":
            self.login("100")
            self.wait_identity("100")
        if state == "login interrupted":
            self.w.hotdeskd.stop()
            self.w.start_hotdeskd(crash_at="login.after_pbx", wait_pool=False)
            self.wait_identity("HD0001")
            self.login("100")
            wait_until(lambda: not self.w.hotdeskd.alive(), 8, "hotdeskd killed after the PBX")
        need = [path] + [os.path.join(self.w.state_dir, n) for n in REQUIRES.get(name, [])]
        wait_until(lambda: all(os.path.exists(p) for p in need), 5, name + " written")

    # ---- what must hold ----

    def wait_identity(self, ext):
        wait_until(lambda: self.w.registered_as(ext), 8,
                   "registrar shows only %s (now %r)" % (ext, self.w.phone_bindings()))
        self.w.wait_screen(("%s " % ext) if ext != "HD0001" else "HD0001 |", 5)

    def assert_emergency_from(self, ext):
        self.w.psap_ctrl.clear_events()
        self.w.keys("112")
        ev = self.w.psap_ctrl.wait_event("CALL_INCOMING", 5)
        self.assertIn("sip:%s@" % ext.lower(), ev.get("peeruri", "").lower())
        self.w.psap_ctrl.command("hangup")
        time.sleep(0.2)

    def state_damaged(self):
        """The status's list of damaged state files kept aside."""
        sock = os.path.join(self.w.dir, "hotdeskd", "status.sock")
        r = subprocess.run([HOTDESKCTL, "--socket", sock, "status", "--json"],
                           capture_output=True, text=True, timeout=10)
        damaged = json.loads(r.stdout)["state_damaged"]
        return damaged.split(",") if damaged else []

    def assert_no_secret_of_others(self, ext):
        for path, text in self.w.state_files(raw=True).items():
            for other, (name, pin, pw, regpw, _) in USERS.items():
                self.assertNotIn(pin, text, path)
                if other != ext:
                    self.assertNotIn(pw, text, path)
            self.assertEqual(os.stat(path).st_mode & 0o077, 0, path)

    # ---- the cases ----

    def spoil(self, name, kind):
        path = os.path.join(self.w.state_dir, name)
        for old in glob.glob(os.path.join(self.w.state_dir, "*.damaged")):
            os.unlink(old)
        with open(path, "rb") as f:
            data = f.read()
        if DAMAGE[kind] is None:  # cut off before the rename: a half-written newer version
            with open(path + ".tmp", "wb") as f:
                f.write(data[: len(data) * 2 // 3])
            return
        with open(path, "wb") as f:
            f.write(DAMAGE[kind](data))

    def run_cases(self, pbx_up, kinds):
        self.dead_port = free_port()
        self.pbx_reachable = True
        results = []
        for name, (state, intact, damaged_up, damaged_down) in FILES.items():
            damaged = damaged_up if pbx_up else damaged_down
            for kind in kinds:
                with self.subTest(file=name, damage=kind, pbx="up" if pbx_up else "down"):
                    self.bring_to(state, name)
                    self.w.hotdeskd.stop(signals=())  # power cut
                    self.spoil(name, kind)
                    self.conf_pbx(pbx_up)
                    n = self.start()
                    expect = intact if DAMAGE[kind] is None else damaged
                    self.wait_identity(expect)
                    self.assert_emergency_from(expect)
                    log = self.w.hotdeskd.log()[n:]
                    aside = os.path.join(self.w.state_dir, name + ".damaged")
                    if DAMAGE[kind] is None:
                        self.assertFalse(os.path.exists(aside))
                        self.assertFalse(os.path.exists(
                            os.path.join(self.w.state_dir, name + ".tmp")))
                        self.assertEqual(self.state_damaged(), [])
                    else:
                        self.assertIn("state: %s is damaged" % name, log)
                        self.assertTrue(os.path.exists(aside), aside)
                        self.assertIn(name + ".damaged", self.state_damaged())
                        self.assertIn("damaged state files kept for diagnosis", log)
                    if name in LOST and DAMAGE[kind] is not None:  # asked who sits here
                        said = ("the PBX says 100 sits here" if pbx_up else
                                "the PBX did not say who sits here")
                        wait_until(lambda: said in self.w.hotdeskd.log()[n:], 8,
                                   "hotdeskd's log saying %r" % said)
                    self.assert_no_secret_of_others(expect)
                    results.append("%s/%s->%s" % (name, kind, expect))
        print("\nPBX %s: %s" % ("up" if pbx_up else "down", ", ".join(results)))

    def test_damaged_state_files_with_the_pbx_up(self):
        self.run_cases(True, list(DAMAGE))

    def test_damaged_state_files_with_the_pbx_down(self):
        self.run_cases(False, ["truncated", "zero-filled", "erased flash"])


def figure(text):
    """A measured figure for the report (stderr, beside unittest's own output)."""
    print("figure: " + text, file=sys.stderr)


class LostStateTest(WorldTestCase):
    """Issue 14 kind 11, the rest: a power cut damages the occupancy of a phone where 100
    sits. It comes back as the pool (112 at once) and asks the PBX who sits here
    (docs/protocol.md, resume with "lost"); the PBX hands 100 back, and the phone logs
    them in as a login does. Nobody in the PBX's view: the pool. PBX down: the pool,
    asking again until it answers. A keypad login meanwhile wins; a call defers it."""
    prefix = "hotdesk-lost-"

    def setUp(self):
        super().setUp()
        self.addCleanup(self.resume_pbx)

    def resume_pbx(self):
        self.w.pbx.send_signal(signal.SIGCONT)  # no-op unless it runs

    def login(self, ext):
        self.w.keys("*77*%s*" % ext)
        self.w.wait_screen("PIN for %s" % ext)
        self.w.keys(USERS[ext][1] + "#", check=False)

    def wait_as(self, ext, timeout=8):
        wait_until(lambda: self.w.registered_as(ext), timeout,
                   "registrar shows only %s (now %r)" % (ext, self.w.phone_bindings()))
        self.w.wait_screen(("%s " % ext) if ext != "HD0001" else "HD0001 |", 5)

    def binding_changes(self, since):
        """What kamailio accepted after register result `since`: "+user" a binding,
        "-user" its removal (expires=0), refreshes folded."""
        out = []
        for result, user, contact in self.w.reg.register_results()[since:]:
            if result == "ok":
                change = ("-" if contact.endswith("expires=0") else "+") + user.lower()
                if not out or out[-1] != change:
                    out.append(change)
        return out

    def after_pool(self, since):
        """The changes after the restart's pool took over from the old 100 (baresip kept
        the killed hotdeskd's account; the pool is applied first, make-before-break)."""
        changes = self.binding_changes(since)
        if "+hd0001" not in changes or "-100" not in changes[changes.index("+hd0001"):]:
            return None
        return changes[changes.index("-100", changes.index("+hd0001")) + 1:]

    def wait_registered_again(self, since, ext="100", timeout=8):
        wait_until(lambda: "+" + ext in (self.after_pool(since) or []), timeout,
                   "the pool, then %s registered again (changes %r)" % (
                       ext, self.binding_changes(since)))
        self.wait_as(ext)

    def pbx_has_here(self):
        return (self.w.admin_view()[MAC]["user"] or {}).get("ext")

    def log(self, n):
        return self.w.hotdeskd.log()[n:]

    def wait_log(self, text, n, timeout):
        wait_until(lambda: text in self.log(n), timeout, "hotdeskd's log saying %r" % text)

    def emergency_from(self, ext):
        self.w.psap_ctrl.clear_events()
        self.w.keys("112")
        ev = self.w.psap_ctrl.wait_event("CALL_INCOMING", 5)
        self.assertIn("sip:%s@" % ext.lower(), ev.get("peeruri", "").lower())
        self.w.psap_ctrl.command("hangup")
        time.sleep(0.2)

    def power_cut_with_damaged_occupancy(self):
        """SIGKILL, then the occupancy cut short (as a power cut mid-write leaves it)."""
        self.w.hotdeskd.stop(signals=())
        path = os.path.join(self.w.state_dir, "occupancy")
        with open(path, "rb") as f:
            data = f.read()
        with open(path, "wb") as f:
            f.write(data[: len(data) // 2])
        self.reg_mark = len(self.w.reg.register_results())
        return len(self.w.hotdeskd.log())

    def start_with_pbx_stopped(self):
        """The PBX hangs (SIGSTOP: connections accepted, nothing answered) at the restart."""
        n = self.power_cut_with_damaged_occupancy()
        self.w.pbx.send_signal(signal.SIGSTOP)
        self.w.start_hotdeskd(wait_pool=False)
        self.wait_as("HD0001")
        self.emergency_from("HD0001")  # at once, while the question hangs
        self.wait_log("the PBX did not say who sits here", n, 10)
        self.assertTrue(self.w.registered_as("HD0001"))
        self.assertEqual(self.after_pool(self.reg_mark), [])
        return n

    def assert_100_back(self, n):
        log = self.log(n)
        self.assertIn("state: occupancy is damaged", log)
        self.assertIn("the PBX says 100 sits here; logging them in again", log)
        self.assertIn("agent: the phone is now 100", log)  # committed after REGISTER_OK
        self.w.wait_screen("100 Alice")
        wait_until(lambda: self.pbx_has_here() == "100", 5, "the PBX's view: 100 here")
        occupancy = os.path.join(self.w.state_dir, "occupancy")
        self.assertIn("who user 100", self.w.state_files()[occupancy])
        self.assertTrue(os.path.exists(os.path.join(self.w.state_dir, "user.100")))
        self.emergency_from("100")

    def test_the_pbx_hands_the_person_back(self):
        self.login("100")
        self.wait_as("100")
        n = self.power_cut_with_damaged_occupancy()
        t0 = time.monotonic()
        self.w.start_hotdeskd(wait_pool=False)
        self.wait_registered_again(self.reg_mark)
        took = time.monotonic() - t0
        self.assert_100_back(n)
        figure("lost occupancy, PBX up: hotdeskd started -> 100 registered again %.0f ms"
               % (took * 1000))
        # the commit is real: a restart without the PBX comes back as 100 from the state
        # directory alone (asking whether 100 still sits here, as after any restart)
        self.w.hotdeskd.stop(signals=())
        self.w.pbx.stop()
        self.w.start_hotdeskd(wait_pool=False)
        self.wait_as("100")

    def test_nobody_here_stays_the_pool(self):
        self.login("100")
        self.wait_as("100")
        self.w.keys("{blf1}")  # logout: the occupancy says pool, the PBX nobody
        self.wait_as("HD0001")
        wait_until(lambda: self.pbx_has_here() is None, 5, "the PBX's view: idle")
        n = self.power_cut_with_damaged_occupancy()
        self.w.start_hotdeskd(wait_pool=False)
        self.wait_log("the PBX says nobody sits here; staying the pool", n, 8)
        self.wait_as("HD0001")
        wait_until(lambda: self.w.admin_view()[MAC]["phone_state"] == "idle", 5,
                   "the phone reports idle")
        self.assertEqual(self.pbx_has_here(), None)
        self.assertNotIn("the phone is now", self.log(n))
        self.emergency_from("HD0001")

    def test_pbx_down_at_restart_then_back(self):
        self.login("100")
        self.wait_as("100")
        n = self.start_with_pbx_stopped()
        time.sleep(1.0)
        self.assertTrue(self.w.registered_as("HD0001"))
        self.assertEqual(self.after_pool(self.reg_mark), [])
        t0 = time.monotonic()
        self.w.pbx.send_signal(signal.SIGCONT)
        # at most one backoff step (<= 30 s) and the request
        self.wait_registered_again(self.reg_mark, timeout=40)
        took = time.monotonic() - t0
        self.assert_100_back(n)
        figure("lost occupancy, PBX hanging at restart: PBX back -> 100 registered %.0f ms"
               % (took * 1000))

    def test_a_keypad_login_meanwhile_wins(self):
        self.login("100")
        self.wait_as("100")
        n = self.start_with_pbx_stopped()
        self.w.keys("*77*101*")
        self.w.wait_screen("PIN for 101")
        self.w.pbx.send_signal(signal.SIGCONT)
        # the PBX names 100, but the phone is busy with a login: not taken
        self.wait_log("the PBX names 100 at this phone, which is busy", n, 12)
        self.w.keys(USERS["101"][1] + "#")
        self.wait_registered_again(self.reg_mark, "101")
        self.assertNotIn("+100", self.after_pool(self.reg_mark))
        log = self.log(n)
        self.assertIn("a login by keypad; the question who sat here is dropped", log)
        self.assertNotIn("the PBX says 100 sits here", log)
        self.assertNotIn("the phone is now 100", log)
        wait_until(lambda: self.pbx_has_here() == "101", 5, "the PBX's view: 101 here")
        self.emergency_from("101")

    def test_an_answer_during_a_call_waits_for_its_end(self):
        self.login("100")
        self.wait_as("100")
        n = self.start_with_pbx_stopped()
        psap = self.w.psap_ctrl
        psap.clear_events()
        self.w.keys("112")
        cid = psap.wait_event("CALL_INCOMING", 5)["id"]
        psap.ok("accept")
        psap.wait_event("CALL_ESTABLISHED", 5, lambda e: e["id"] == cid)
        self.w.pbx.send_signal(signal.SIGCONT)
        self.wait_log("the identity change waits for the last call to end", n, 12)
        time.sleep(0.5)
        self.assertEqual(self.w.phone_bindings(), ["hd0001"])  # the call's identity stays
        self.assertEqual(self.after_pool(self.reg_mark), [])
        psap.ok("hangup")
        t0 = time.monotonic()
        self.wait_registered_again(self.reg_mark)
        figure("lost occupancy, answer during a call: hang-up -> 100 registered %.0f ms"
               % ((time.monotonic() - t0) * 1000))
        self.assert_100_back(n)


if __name__ == "__main__":
    unittest.main()
