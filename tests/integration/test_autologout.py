# SPDX-License-Identifier: BSD-3-Clause
"""The desk frees itself: auto-logout policies of the device profile on real parts
(hotdeskd driving baresip, kamailio, tests/pbx, a colleague's baresip as 101).

Assertions are on the registrar's bindings, the PBX's view (the logout's reason), the
peer's call events and the phone's status endpoint; the display where the person is what
matters (the countdown).

    HOTDESKD=build/host/hotdeskd python3 -m unittest -v test_autologout   (in this dir)
"""

import datetime
import time
import unittest
from zoneinfo import ZoneInfo

from harness import https_json, wait_until
from world import MAC, STATUS_TOKEN, USERS, WorldTestCase


def pin(ext):
    return USERS[ext][1]


class AutoLogoutCase(WorldTestCase):
    prefix = "hotdesk-autologout-"

    def login(self, ext="100"):
        self.w.keys("*77*%s*" % ext)
        self.w.wait_screen("PIN for %s" % ext)
        self.w.keys(pin(ext) + "#")
        wait_until(lambda: self.w.registered_as(ext), 5,
                   "%s registered (now %r)" % (ext, self.w.phone_bindings()))
        self.w.wait_screen("%s %s" % (ext, USERS[ext][0]))

    def status(self):
        code, body = https_json(self.w.status_url + "/status", token=STATUS_TOKEN, ca=self.w.ca)
        self.assertEqual(code, 200)
        return body

    def last_logout(self):
        return self.w.admin_view()[MAC].get("last_logout") or {}

    def assert_logged_out(self, ext, reason, timeout=5):
        wait_until(lambda: self.w.registered_as("HD0001"), timeout,
                   "back to the pool (now %r)" % self.w.phone_bindings())
        wait_until(lambda: self.last_logout().get("reason") == reason, 5,
                   "PBX told %s (now %r)" % (reason, self.last_logout()))
        self.assertEqual(self.last_logout()["ext"], ext)
        wait_until(lambda: self.status()["logout_reason"] == reason, 5, "status says why")
        wait_until(lambda: self.w.admin_view()[MAC]["user"] is None, 5, "PBX view idle")


class IdleTest(AutoLogoutCase):
    world_opts = {"device_profile": {"hd_auto_logout_idle": "8s",
                                     "hd_auto_logout_countdown_s": "4"}}

    def test_countdown_a_key_keeps_the_session_then_idle_logs_out(self):
        self.login()
        st = self.status()
        self.assertEqual(st["auto_logout_policy"], "idle 8s")
        self.assertEqual(st["auto_logout_next"], "idle")
        self.w.wait_screen("Auto logout in", timeout=5)
        self.w.keys("5")  # any key keeps an idle session, and is used up
        self.w.wait_screen("100 Alice", timeout=2)
        self.assertNotIn("Dial: 5", self.w.screen())
        self.assertTrue(self.w.registered_as("100"))
        t0 = time.monotonic()
        self.w.wait_screen("Auto logout in", timeout=5)
        self.assert_logged_out("100", "idle", timeout=8)
        self.assertGreaterEqual(time.monotonic() - t0, 2.5)  # the countdown ran first
        self.w.wait_frame("Logged out: idle")
        self.assertEqual(self.status()["auto_logout_next"], "")


class MaxSessionTest(AutoLogoutCase):
    world_opts = {"peers": ("101",),
                  "device_profile": {"hd_auto_logout_max_session": "6s",
                                     "hd_auto_logout_countdown_s": "3",
                                     "hd_auto_logout_stay": "on"}}

    def test_a_due_logout_waits_for_the_call_then_happens_at_once(self):
        self.login()
        bob = self.w.peer_ctrl["101"]
        self.w.keys("101#")
        cid = bob.wait_event("CALL_INCOMING", 5)["id"]
        bob.ok("accept")
        bob.wait_event("CALL_ESTABLISHED", 5, lambda e: e["id"] == cid)
        # In the countdown, during the call: OK is the call's key, never "Stay".
        at = self.status()["auto_logout_at"]
        due = datetime.datetime.strptime(at, "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=datetime.timezone.utc).timestamp()
        time.sleep(max(0.0, due - 2 - time.time()))
        self.w.keys("{ok}")
        self.assertEqual(self.status()["auto_logout_at"], at)
        wait_until(lambda: self.status()["pending"] == "logout", 8, "logout deferred")
        self.w.wait_screen("Logout after the call")
        time.sleep(1)
        self.assertTrue(self.w.registered_as("100"))
        self.assertNotIn("CALL_CLOSED", [e["type"] for e in bob.events()])  # never cut
        t0 = time.monotonic()
        bob.ok("hangup")
        self.assert_logged_out("100", "max_session")
        self.assertLess(time.monotonic() - t0, 3.0)

    def test_a_login_typed_in_the_countdown_shows_its_own_screens(self):
        self.login()
        self.w.wait_screen("Auto logout in", timeout=6)
        at = self.status()["auto_logout_at"]
        self.w.keys("*77*101*")  # a roam: the countdown drew over its PIN prompt
        self.w.wait_screen("PIN for 101", timeout=2)
        self.w.keys("{ok}")  # "Stay" only where the countdown shows: here it was unseen
        self.assertEqual(self.status()["auto_logout_at"], at)
        self.assertIn("Enter PIN", self.w.screen())
        self.w.keys("{cancel}")
        self.assert_logged_out("100", "max_session", timeout=8)

    def test_stay_postpones_and_survives_a_restart_and_a_profile_recheck(self):
        self.login()
        before = self.status()["auto_logout_at"]
        self.w.wait_screen("Auto logout in", timeout=6)
        self.w.keys("{ok}")  # Stay (allowed in this profile)
        wait_until(lambda: self.status()["auto_logout_at"] > before, 3, "deadline postponed")
        stayed = self.status()["auto_logout_at"]
        self.assertTrue(self.w.registered_as("100"))
        # A device profile with the same policy, fetched and applied again, keeps it
        # (a changed decoration makes the PBX send it anew); so does a power cut.
        applied = self.w.hotdeskd.log().count("device profile applied")
        self.w.pbx_hook("/test/device_profile", {"mac": MAC, "override": {"pad": 10}})
        self.addCleanup(self.w.pbx_hook, "/test/device_profile", {"mac": MAC, "override": None})
        code, _ = https_json(self.w.status_url + "/resync", method="POST", body={},
                             token=STATUS_TOKEN, ca=self.w.ca)
        self.assertIn(code, (200, 202, 204))
        wait_until(lambda: self.w.hotdeskd.log().count("device profile applied") > applied, 5,
                   "the device profile applied again")
        self.assertEqual(self.status()["auto_logout_at"], stayed)
        self.w.hotdeskd.stop(signals=())
        self.w.start_hotdeskd(wait_pool=False)
        wait_until(lambda: (self.status()["user"] or {}).get("ext") == "100", 5, "back as 100")
        self.assertEqual(self.status()["auto_logout_at"], stayed)
        self.assertTrue(self.w.registered_as("100"))

    def test_power_safe_before_and_after_the_deadline(self):
        self.login()
        before = self.status()["auto_logout_at"]
        self.assertTrue(before)
        # Restart before the deadline: the same person, the same deadline.
        self.w.hotdeskd.stop(signals=())
        self.w.start_hotdeskd(wait_pool=False)
        wait_until(lambda: self.status()["user"] and self.status()["user"]["ext"] == "100", 5,
                   "back as 100")
        self.assertEqual(self.status()["auto_logout_at"], before)
        # Off across the deadline: back as the pool, and the PBX hears why.
        self.w.hotdeskd.stop(signals=())
        deadline = datetime.datetime.strptime(before, "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=datetime.timezone.utc).timestamp()
        time.sleep(max(0.0, deadline - time.time() + 0.5))
        self.w.start_hotdeskd(wait_pool=False)
        self.assert_logged_out("100", "max_session")
        self.assertIsNone(self.status()["user"])


class DailyTest(AutoLogoutCase):
    world_opts = {"device_profile": {"hd_auto_logout_daily": "03:00",
                                     "timezone": "Europe/Berlin"}}

    def test_the_next_daily_deadline_is_local_time(self):
        t_login = time.time()
        self.login()
        st = self.status()
        self.assertEqual(st["auto_logout_policy"], "daily 03:00 Europe/Berlin")
        self.assertEqual(st["auto_logout_next"], "daily")
        berlin = ZoneInfo("Europe/Berlin")
        now = datetime.datetime.fromtimestamp(t_login - 5, berlin)
        want = now.replace(hour=3, minute=0, second=0, microsecond=0)
        if want <= now:
            want = (now + datetime.timedelta(days=1)).replace(hour=3, minute=0, second=0)
        want = datetime.datetime(want.year, want.month, want.day, 3, 0, tzinfo=berlin)
        self.assertEqual(st["auto_logout_at"],
                         want.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))


if __name__ == "__main__":
    unittest.main()
