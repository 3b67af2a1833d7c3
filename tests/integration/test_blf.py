# SPDX-License-Identifier: BSD-3-Clause
"""BLF lamps from real dialog event subscriptions (RFC 4235) through kamailio.

hotdeskd subscribes, with the identity on the phone, to the dialog events of the
extensions its BLF keys monitor; kamailio (tests/registrar: dialog + pua_dialoginfo +
presence_dialoginfo) publishes the calls that run through it and NOTIFYs. The board is
the host board with a third display line: it has no BLF lamps, so the idle screen shows
the states ("Carol ring"). Assertions are on that display line and on the NOTIFYs
kamailio logged (HDLOG NOTIFY, with the dialog state of their body).

    HOTDESKD=build/host/hotdeskd python3 -m unittest -v test_blf   (in this dir)
"""

import os
import re
import shutil
import statistics
import sys
import tempfile
import time
import unittest

from harness import wait_until
from world import SOURCE, USERS, WorldTestCase

# 100 watches Carol (102), 101 watches Alice (100); the pool watches Reception (200),
# which kamailio does not know (404): that lamp stays unknown.
BLF = {"100": [["102", "*8", "Carol"]], "101": [["100", "*8", "Alice"]]}


def users():
    return {ext: {"name": n, "pin": pin, "sip_password": pw, "hotdesk": hd, "mailbox": "*98",
                  "blf": BLF.get(ext, [])}
            for ext, (n, pin, pw, _, hd) in USERS.items()}


def figure(text):
    """A measured figure for the report (stderr, beside unittest's own output)."""
    print("figure: " + text, file=sys.stderr)


class BlfCase(WorldTestCase):
    prefix = "hotdesk-blf-"

    @classmethod
    def setUpClass(cls):
        # The host board with a third display line (the BLF states' line).
        cls.board_dir = tempfile.mkdtemp(prefix="hotdesk-blf-board-")
        with open(os.path.join(SOURCE, "boards", "host", "board.conf")) as f:
            conf = f.read()
        conf = re.sub(r"(?m)^display_lines\s+\d+", "display_lines   3", conf)
        with open(os.path.join(cls.board_dir, "board.conf"), "w") as f:
            f.write(conf)
        cls.world_opts = {"peers": ("101", "102"), "pbx_opts": {"users": users()},
                          "board": cls.board_dir}

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.board_dir, True)

    def tearDown(self):
        if self.w.procs:
            bugs = [l for l in self.w.hotdeskd.log().splitlines() if "BUG" in l]
            self.assertEqual(bugs, [], "hotdeskd logged bugs")
        super().tearDown()

    # ---- helpers ----

    def login(self, ext):
        self.w.keys("*77*%s*" % ext)
        self.w.wait_screen("PIN for %s" % ext)
        self.w.keys(USERS[ext][1] + "#")
        wait_until(lambda: self.w.registered_as(ext), 5,
                   "%s registered (now %r)" % (ext, self.w.phone_bindings()))

    def blf_line(self):
        """The display's third line (the BLF states), or ""."""
        parts = self.w.screen().split(" | ")
        return parts[2] if len(parts) > 2 else ""

    def wait_blf(self, text, timeout=5.0):
        """Polls the display transcript every 2 ms until its BLF line is `text`; returns
        the monotonic time it was seen."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.blf_line() == text:
                return time.monotonic()
            time.sleep(0.002)
        raise AssertionError("BLF line %r, want %r (frames %r)" % (
            self.blf_line(), text, self.w.frames()[-5:]))

    def notifies(self, user):
        """[(subscription state, dialog state)] of the NOTIFYs kamailio sent to `user`."""
        out = []
        for line in self.w.reg.log().splitlines():
            m = re.search(r"HDLOG NOTIFY sip:%s@\S+ event=dialog subs=(\S+) state=(\S+)"
                          % re.escape(user), line)
            if m:
                out.append((m.group(1).split(";")[0], m.group(2)))
        return out

    def subscribes_to(self, user):
        return [r for r in self.w.reg.requests()
                if r[0] == "SUBSCRIBE" and r[1].startswith("sip:%s@" % user)]

    # ---- scenarios ----

    def test_a_colleagues_call_rings_then_busy_then_off(self):
        # The pool's key watches 200, unknown to kamailio: "?" (unknown), not idle.
        self.wait_blf("Reception ?")
        self.login("100")
        self.wait_blf("Carol idle")
        wait_until(lambda: ("active", "none") in self.notifies("100"), 5,
                   "kamailio's first NOTIFY to 100 (no dialog)")
        caller, callee = self.w.peer_ctrl["101"], self.w.peer_ctrl["102"]
        lat = {"ring": [], "busy": [], "idle": []}
        rounds = 5
        # Latency: from the peer's command (dial, accept, hangup on its ctrl_tcp) to the
        # display line; it includes the SIP signalling through kamailio, its PUBLISH to
        # itself and its NOTIFY.
        for _ in range(rounds):
            t0 = time.monotonic()
            caller.ok("dial", self.w.peer_uri("102"))
            lat["ring"].append(self.wait_blf("Carol ring") - t0)
            ev = callee.wait_event("CALL_INCOMING", 5)
            t0 = time.monotonic()
            callee.ok("accept")
            lat["busy"].append(self.wait_blf("Carol busy") - t0)
            callee.wait_event("CALL_ESTABLISHED", 5, lambda e: e["id"] == ev["id"])
            t0 = time.monotonic()
            caller.ok("hangup")
            lat["idle"].append(self.wait_blf("Carol idle") - t0)
            callee.wait_event("CALL_CLOSED", 5, lambda e: e["id"] == ev["id"])
            caller.wait_event("CALL_CLOSED", 5)
        # What kamailio sent 100: ringing, answered, ended, in that order, every round.
        states = [s for sub, s in self.notifies("100") if sub == "active"]
        self.assertEqual(states[:1], ["none"])
        want = ["early", "confirmed", "terminated"] * rounds
        it = iter(states)
        self.assertTrue(all(s in it for s in want), "NOTIFY states %r" % states)
        for k, v in lat.items():
            figure("BLF %s: peer's command -> display, median of %d: %.0f ms (max %.0f ms)" % (
                k, rounds, statistics.median(v) * 1000, max(v) * 1000))
        # The extension kamailio refuses (404) while the phone was the pool: a few
        # SUBSCRIBEs with backoff (each one challenged once: two requests), no storm.
        self.assertLessEqual(len(self.subscribes_to("200")), 8)

    def test_the_key_of_a_ringing_colleague_dials_the_pickup_code(self):
        self.login("100")
        self.wait_blf("Carol idle")
        caller = self.w.peer_ctrl["101"]
        caller.ok("dial", self.w.peer_uri("102"))
        self.wait_blf("Carol ring")
        # BLF 2 (BLF 1 logs out) with pickup prefix *8: *8102 (kamailio has no pickup
        # service here: the INVITE it gets is what counts).
        self.w.keys("{blf2}")
        wait_until(lambda: self.w.invites_to("*8102"), 5, "INVITE to *8102 at kamailio")
        caller.ok("hangup")
        self.wait_blf("Carol idle")
        # Not ringing: the same key dials Carol.
        self.w.keys("{blf2}")
        wait_until(lambda: self.w.invites_to("102") and any(
            fr.startswith("sip:100@") for _, _, fr in self.w.invites_to("102")), 5,
            "INVITE from 100 to 102")

    def test_subscriptions_follow_logout_and_roam(self):
        self.login("100")
        self.wait_blf("Carol idle")
        n100 = len(self.notifies("100"))
        # Roam to 101: 100's subscription ends (kamailio's final NOTIFY), 101's list.
        self.w.keys("*77*101*")
        self.w.wait_screen("PIN for 101")
        self.w.keys(USERS["101"][1] + "#")
        self.wait_blf("Alice idle", timeout=8)
        wait_until(lambda: any(sub == "terminated" for sub, _ in self.notifies("100")[n100:]),
                   5, "100's subscription terminated at kamailio")
        self.assertTrue(self.notifies("101"), "101 subscribed with its own credentials")
        # Logout: back to the pool's list.
        self.w.keys("*77*5*")
        self.wait_blf("Reception ?", timeout=8)
        wait_until(lambda: any(sub == "terminated" for sub, _ in self.notifies("101")), 5,
                   "101's subscription terminated at kamailio")
        # A refused subscription leaves its lamp unknown: kamailio said 404 for 200.
        self.assertIn("HDLOG SUBSCRIBE 404 sip:200@", self.w.reg.log())


if __name__ == "__main__":
    unittest.main()
