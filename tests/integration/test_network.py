# SPDX-License-Identifier: BSD-3-Clause
"""A bad network between the phone and the PBX (tests/integration/netproxy.py shapes the
TCP stream): login succeeds or fails within a bounded, documented time (pbx_timeout_ms,
4 s in the test world) with a clear message, and emergency calls go out throughout,
even while a login request hangs (nothing blocks hotdeskd's event loop).
"""

import time
import unittest

from harness import wait_until
from netproxy import NetProxy
from world import USERS, WorldTestCase


class NetworkTest(WorldTestCase):
    proxy_opts = {}
    prefix = "hotdesk-net-"
    world_opts = {"pbx_poll": 0, "device_profile": {"hd_profile_check_s": "3600"}}

    def setUp(self):
        super().setUp()
        self.proxy = NetProxy(self.w.pbx.port, **self.proxy_opts)
        self.addCleanup(self.proxy.stop)
        # point hotdeskd at the PBX through the bad network
        with open(self.w.conf_path) as f:
            conf = f.read().replace(self.w.pbx_url, "https://127.0.0.1:%d" % self.proxy.port)
        with open(self.w.conf_path, "w") as f:
            f.write(conf)
        self.w.hotdeskd.stop()
        self.w.start_hotdeskd()

    def login_timed(self, ext):
        self.w.keys("*77*%s*" % ext)
        self.w.wait_screen("PIN for %s" % ext)
        n = len(self.w.frames())
        t0 = time.monotonic()
        self.w.keys(USERS[ext][1] + "#")
        return n, t0

    def emergency(self):
        self.w.keys("112")
        self.w.psap_ctrl.wait_event("CALL_INCOMING", 5)
        self.w.psap_ctrl.command("hangup")


class SlowNetworkTest(NetworkTest):
    proxy_opts = {"delay": 0.15}

    def test_login_over_a_slow_network(self):
        _, t0 = self.login_timed("100")
        wait_until(lambda: self.w.registered_as("100"), 6, "100 registered")
        took = time.monotonic() - t0
        print("\nlogin with 150 ms per chunk each way: %.2f s" % took)
        self.assertLess(took, 4.5)
        self.emergency()


class BlackholeTest(NetworkTest):
    proxy_opts = {"blackhole": 1.0}

    def test_login_fails_in_bounded_time_and_emergency_works_meanwhile(self):
        n, t0 = self.login_timed("100")
        time.sleep(0.3)
        self.emergency()  # while the HTTPS request hangs
        # the login is still in flight: no verdict shown yet
        self.assertFalse(any("unreachable" in f for f in self.w.frames()[n:]))
        self.w.wait_frame("Login server unreachable", timeout=8, since=n)
        took = time.monotonic() - t0
        print("\nlogin against a black hole gave up after %.2f s" % took)
        self.assertLess(took, 4 + 1.5)  # pbx_timeout_ms 4000 in the test world
        self.assertTrue(self.w.registered_as("HD0001"))


if __name__ == "__main__":
    unittest.main()
