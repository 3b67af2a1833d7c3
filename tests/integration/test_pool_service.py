# SPDX-License-Identifier: BSD-3-Clause
"""A pool account that arrives with the device profile while the phone shows "No service"
is applied then, not only once the phone is idle again (issue 14, kind 11): the new account
is often what brings the service back.

    HOTDESKD=build/host/hotdeskd HOTDESKCTL=build/host/hotdeskctl \
        python3 -m unittest -v test_pool_service   (in this dir)
"""

import unittest

from harness import wait_until
from world import MAC, POOL_PASSWORD, WorldTestCase

NEW_POOL_PASSWORD = "pool-Renewed-4408"


class PoolInNoServiceTest(WorldTestCase):
    prefix = "hotdesk-pool-service-"

    def ctl(self, *args):
        code, out = self.w.ctl(*args)
        self.assertEqual(code, 0, out)
        return out

    def registration(self):
        return self.w.status()["registration"]

    def pool_oks(self):
        return sum(1 for r, u, _ in self.w.reg.register_results() if r == "ok" and u == "HD0001")

    def test_new_pool_password_applied_while_no_service(self):
        cached = wait_until(lambda: next((t for p, t in self.w.state_files().items()
                                          if p.endswith("/device-profile.xml")), None),
                            5, "device profile cached")
        # The registrar now wants another pool password; baresip restarts (as init would)
        # and hotdeskd's re-applied pool account is refused: "No service".
        self.w.reg.set_password("HD0001", NEW_POOL_PASSWORD)
        self.w.phone.stop()
        self.w.phone.start()
        # the refusal, not only the restart's "No service"
        wait_until(lambda: self.registration() == "failed", 10, "status: failed")
        self.w.wait_screen("No service", 10)
        self.resync_with_new_password(cached)
        self.assert_service_back()

    def test_new_pool_password_while_the_old_one_is_still_unanswered(self):
        # The CI's race: the new device profile arrives before the registrar's answer
        # to the old password; that late refusal must not be taken for the new
        # account's (BaresipAccounts' Clearing: the old account goes first).
        cached = wait_until(lambda: next((t for p, t in self.w.state_files().items()
                                          if p.endswith("/device-profile.xml")), None),
                            5, "device profile cached")
        self.w.reg.set_password("HD0001", NEW_POOL_PASSWORD)
        self.w.phone.stop()
        self.w.phone.start()
        self.resync_with_new_password(cached)
        self.assert_service_back()

    def resync_with_new_password(self, cached):
        self.oks = self.pool_oks()
        # The PBX hands out the new password with the device profile.
        self.assertIn(POOL_PASSWORD, cached)
        xml = cached.replace(POOL_PASSWORD, NEW_POOL_PASSWORD)
        self.w.pbx_hook("/test/device_profile", {"mac": MAC, "override": {"xml": xml}})
        self.addCleanup(self.w.pbx_hook, "/test/device_profile", {"mac": MAC, "override": None})
        self.ctl("resync")

    def assert_service_back(self):
        oks = self.oks
        # (the dead baresip's binding lingers at the registrar: count accepted REGISTERs)
        wait_until(lambda: self.pool_oks() > oks, 5,
                   "the pool registered with the new password")
        wait_until(lambda: "No service" not in self.w.screen(), 5,
                   "the display leaves No service (now %r)" % self.w.screen())
        wait_until(lambda: self.registration() == "registered", 5, "status: registered")


if __name__ == "__main__":
    unittest.main()
