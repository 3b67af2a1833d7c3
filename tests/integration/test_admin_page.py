# SPDX-License-Identifier: BSD-3-Clause
"""The admin's hot-desking page of the reference PBX (tests/pbx/admin_page.py) in a real
headless Chromium (browser.py), on a world of real phones: kamailio, the PBX, baresip and
hotdeskd. Assertions are on what the browser shows, what the registrar has bound and
what the PBX answers.

    /usr/bin/python3 -m unittest -v test_admin_page   (in this dir; needs python3-selenium,
                                                       chromium, chromium-driver)
"""

import json
import os
import ssl
import sys
import time
import unittest
import urllib.error
import urllib.request

from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from browser import Browser
from harness import https_json, wait_until
from world import ADMIN_TOKEN, DEVICE_TOKEN, MAC, MAC2, USERS, WorldTestCase

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "pbx"))
from admin_page import COOKIE  # noqa: E402

PAGE = "/admin/hotdesk"
EVENTS = "/admin/events"
VIEW = "/api/v1/admin/devices"
WAIT_S = 10  # a push reaches the page in well under a second; kamailio, baresip and
# hotdeskd under a loaded 2-core machine take a few


def logout_path(mac):
    return "/api/v1/admin/devices/%s/logout" % mac


class AdminPageTest(WorldTestCase):
    prefix = "hotdesk-admin-page-"

    def setUp(self):
        super().setUp()
        self.browser = Browser(cert=self.w.cert)
        self.addCleanup(self.browser.quit)  # also when a step below fails
        self.browser.start()
        self.d = self.browser.driver

    # ---- the world (the lead switches these to the 10-phone fleet) ----

    def pool_exts(self):
        return {mac: d["pool_ext"] for mac, d in self.w.admin_view().items()}

    def login_on_phone(self, ext):
        self.w.keys("*77*%s*" % ext)
        self.w.wait_screen("PIN for %s" % ext)
        self.w.keys(USERS[ext][1] + "#")
        wait_until(lambda: self.w.registered_as(ext), WAIT_S,
                   "registrar binding for %s (now %r)" % (ext, self.w.phone_bindings()))

    # ---- HTTP without the browser ----

    def request(self, path, method="GET", headers=None, body=None):
        """(status, text, headers) of a request to the PBX, verified against the world's CA."""
        ctx = ssl.create_default_context(cafile=self.w.pbx.ca)
        req = urllib.request.Request(self.w.pbx.url + path, method=method, data=body,
                                     headers=headers or {})
        try:
            with urllib.request.urlopen(req, context=ctx, timeout=8) as r:
                # an event stream never ends: its first bytes tell it was accepted
                raw = r.read(64) if path == EVENTS else r.read()
                return r.status, raw.decode("utf-8", "replace"), r.headers
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode("utf-8", "replace"), e.headers

    # ---- the page ----

    def wait(self, what, pred, timeout=WAIT_S):
        # a page being replaced (sign-in, sign-out) answers for a moment from the old one
        WebDriverWait(self.d, timeout, poll_frequency=0.05, ignored_exceptions=(
            NoSuchElementException, StaleElementReferenceException)).until(
            lambda d: pred(), "page: " + what)

    def js(self, script, *args):
        return self.d.execute_script(script, *args)

    def rows(self):
        """{pool ext: (person cell, visible)} of the device table, as the page shows it."""
        return {r[0]: (r[1], r[2]) for r in self.js(
            "return Array.from(document.querySelectorAll('#devices tbody tr')).map(function (tr) {"
            " return [tr.children[0].textContent, tr.children[2].textContent, !tr.hidden]; });")}

    @staticmethod
    def type_into(field, text):
        """Replace a field's text as a person does (select all, type): every key fires
        the page's input handler, also when the new text is empty."""
        field.send_keys(Keys.CONTROL, "a")
        field.send_keys(Keys.BACKSPACE)
        if text:
            field.send_keys(text)

    def cell(self, pool_ext, column):
        """The text of one cell of a device's row (0: device ... 5: pending)."""
        return self.js("var pool = arguments[0], column = arguments[1];"
                       "return Array.from(document.querySelectorAll('#devices tbody tr'))"
                       ".find(function (tr) { return tr.children[0].textContent === pool; })"
                       ".children[column].textContent;", pool_ext, column)

    def table_text(self, table_id):
        """The first body row of the emergency or the lockout table, cells joined by
        spaces ("" when the table is empty)."""
        return self.js("var tr = document.querySelector('#' + arguments[0] + ' tbody tr');"
                       "return tr ? Array.from(tr.children).map(function (td) {"
                       " return td.textContent; }).join(' ') : '';", table_id)

    def sign_in(self):
        self.d.get(self.w.pbx.url + PAGE)
        self.wait("sign-in form", lambda: self.d.find_element(By.ID, "token").is_displayed())
        field = self.d.find_element(By.ID, "token")
        field.send_keys(ADMIN_TOKEN)
        field.send_keys(Keys.ENTER)
        self.wait("the live view", lambda: self.d.find_element(By.ID, "app").is_displayed()
                  and self.js("return document.querySelectorAll('#devices tbody tr').length") > 0)

    def test_live_view_logout_and_filter(self):
        self.sign_in()
        self.assertNotIn(ADMIN_TOKEN, self.d.current_url)
        self.assertNotIn(ADMIN_TOKEN, self.d.page_source, "the admin token in the page")
        cookie = self.d.get_cookie(COOKIE)
        self.assertEqual((cookie["secure"], cookie["httpOnly"], cookie["sameSite"], cookie["path"]),
                         (True, True, "Strict", "/"))

        # every device of the PBX, idle
        pools = self.pool_exts()
        self.assertEqual(len(pools), 2)
        self.wait("every device listed",
                  lambda: sorted(self.rows()) == sorted(pools.values()))
        self.assertEqual({p: c for p, (c, _) in self.rows().items()},
                         {p: "idle" for p in pools.values()})
        self.assertEqual(self.d.find_element(By.ID, "counts").text, "2 devices, 0 in use")

        # a login on the phone appears without a reload (server-sent events)
        self.js("window.hdMarker = 'same page';")
        self.login_on_phone("100")
        self.wait("the login shown", lambda: self.rows()["HD0001"][0] == "100 Alice Example")
        self.assertEqual(self.js("return window.hdMarker;"), "same page", "the page reloaded")
        self.wait("the login announced", lambda: "HD0001: 100 Alice Example logged in" in
                  self.d.find_element(By.ID, "announce").get_attribute("textContent"))
        self.assertEqual(self.d.find_element(By.ID, "counts").text, "2 devices, 1 in use")

        # the filter narrows the rows: by name, by device, by extension
        box = self.d.find_element(By.ID, "filter")
        for query, shown in (("alice", {"HD0001"}), ("hd0002", {"HD0002"}),
                             (MAC2[-5:], {"HD0002"}), ("100", {"HD0001"}),
                             ("", set(pools.values()))):
            self.type_into(box, query)
            self.wait("filter %r" % query, lambda: {p for p, (_, vis) in self.rows().items() if vis}
                      == shown)
        self.type_into(box, MAC[-5:])  # the phone's row stays when its person leaves
        self.assertEqual(self.d.find_element(By.ID, "counts").text,
                         "2 devices, 1 in use; 1 shown")

        # the browser's own session, without its CSRF token or from another site: refused,
        # and nothing changes
        session = {"Cookie": "%s=%s" % (COOKIE, cookie["value"])}
        origin = {"Origin": self.w.pbx.url}
        csrf = self.js("return document.querySelector('meta[name=\"csrf-token\"]').content;")
        for name, headers in (
                ("no CSRF token", dict(session, **origin)),
                ("a wrong CSRF token", dict(session, **origin, **{"X-CSRF-Token": "x" + csrf})),
                ("another site's origin", dict(session, Origin="https://evil.example",
                                               **{"X-CSRF-Token": csrf})),
                ("no origin", dict(session, **{"X-CSRF-Token": csrf}))):
            status, text, _ = self.request(logout_path(MAC), "POST", headers)
            self.assertEqual((status, json.loads(text)["reason"]), (403, "csrf"), name)
        self.assertEqual(self.w.admin_view()[MAC]["user"]["ext"], "100")
        self.assertTrue(self.w.registered_as("100"))

        # Logout by keyboard: Tab from the filter to the row's button, Enter
        box.send_keys(Keys.TAB)
        button = self.d.find_element(
            By.CSS_SELECTOR, '#devices tr[data-mac="%s"] button' % MAC)
        self.assertEqual(self.d.switch_to.active_element, button, "Logout is the next Tab stop")
        self.assertNotEqual(self.js(
            "return getComputedStyle(document.activeElement).outlineStyle;"), "none",
            "no visible focus")
        self.assertEqual(button.tag_name, "button")
        button.send_keys(Keys.ENTER)
        wait_until(lambda: self.w.registered_as("HD0001"), WAIT_S,
                   "the phone back as HD0001 at the registrar (now %r)" % self.w.phone_bindings())
        self.assertNotIn("100", self.w.phone_bindings())
        self.wait("the row idle again", lambda: self.rows()["HD0001"][0] == "idle")
        self.assertEqual(self.d.switch_to.active_element.text, "HD0001",
                         "the keyboard stays on the row whose button went away")
        self.assertEqual(self.w.admin_view()[MAC]["state"], "idle")
        self.assertEqual(self.js("return window.hdMarker;"), "same page", "the page reloaded")
        self.wait("the logout announced", lambda: "HD0001: idle" in
                  self.d.find_element(By.ID, "announce").get_attribute("textContent"))

        # a Logout (a click this time) while a call is up waits for it: the phone reports
        # it pending; the emergency call is listed; the hang-up lets the logout run
        self.login_on_phone("100")
        self.wait("the login shown", lambda: self.rows()["HD0001"][0] == "100 Alice Example")
        psap, cid = self.w.emergency_call_up()
        self.wait("the emergency call listed", lambda: " 112 HD0001 (%s) 100 Alice Example " % MAC
                  in self.table_text("emergency"))
        self.d.find_element(By.CSS_SELECTOR, '#devices tr[data-mac="%s"] button' % MAC).click()
        self.wait("the logout pending", lambda: self.cell("HD0001", 5) ==
                  "logout after the call (1 up)")
        self.assertTrue(self.w.registered_as("100"), "the logout must not cut the call")
        psap.ok("hangup")
        wait_until(lambda: self.w.registered_as("HD0001"), WAIT_S,
                   "the phone back as HD0001 after the call (now %r)" % self.w.phone_bindings())
        self.wait("the row idle, nothing pending", lambda: (
            self.rows()["HD0001"][0], self.cell("HD0001", 5)) == ("idle", ""))

        # wrong PINs (on the other device) lock a person out: listed without a reload
        for _ in range(3):
            st, _ = https_json(self.w.pbx.url + "/api/v1/devices/%s/login" % MAC2, "POST",
                               {"ext": "101", "pin": "00000000"}, DEVICE_TOKEN + "2",
                               self.w.pbx.ca)
            self.assertEqual(st, 403)
        self.wait("the lockout listed", lambda: self.table_text("locked").startswith(
            "101 Bob Builder "))
        self.assertEqual(self.js("return window.hdMarker;"), "same page", "the page reloaded")

        # the page's event stream open, the PBX still stops at once on SIGTERM
        self.assertEqual(self.d.find_element(By.ID, "connection").text,
                         "Live: updates as phones report")
        started = time.monotonic()
        self.assertEqual(self.w.pbx.stop(), 0, "the PBX exits by itself on SIGTERM")
        self.assertLess(time.monotonic() - started, 2.0, "SIGTERM to exit")
        self.wait("the lost connection shown", lambda: "lost" in
                  self.d.find_element(By.ID, "connection").text)

    def test_without_credentials_everything_is_refused(self):
        self.login_on_phone("101")
        status, text, headers = self.request(PAGE)
        self.assertEqual(status, 401)
        self.assertIn('<form method="post" action="/admin/login">', text)
        self.assertIn("frame-ancestors 'none'", headers["Content-Security-Policy"])
        self.assertNotIn("'unsafe-inline'", headers["Content-Security-Policy"])
        self.assertEqual(headers["X-Content-Type-Options"], "nosniff")
        for path, method in ((EVENTS, "GET"), (VIEW, "GET"), (logout_path(MAC), "POST")):
            status, text, _ = self.request(path, method, {"Origin": self.w.pbx.url})
            self.assertEqual(status, 401, path)
            self.assertEqual(json.loads(text)["reason"], "admin_unauthorized", path)
        # a made-up session cookie, and the admin token where it does not belong
        status, _, _ = self.request(VIEW, headers={"Cookie": COOKIE + "=made-up"})
        self.assertEqual(status, 401)
        status, _, _ = self.request(PAGE + "?token=" + ADMIN_TOKEN)
        self.assertEqual(status, 401, "a token in a query string must not sign in")
        # a cross-site sign-in (login CSRF) is refused; a wrong token gets the form again
        status, _, _ = self.request("/admin/login", "POST",
                                    {"Origin": "https://evil.example"},
                                    ("token=" + ADMIN_TOKEN).encode())
        self.assertEqual(status, 403)
        status, text, _ = self.request("/admin/login", "POST", {"Origin": self.w.pbx.url},
                                       b"token=wrong")
        self.assertEqual(status, 401)
        self.assertIn("Wrong admin token.", text)
        # nothing changed: the person is still on the phone
        self.assertEqual(self.w.admin_view()[MAC]["user"]["ext"], "101")
        self.assertTrue(self.w.registered_as("101"))
        # the bearer token keeps working for API clients, the stream too
        status, text, _ = self.request(VIEW, headers={"Authorization": "Bearer " + ADMIN_TOKEN})
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(text)["locked"], [])
        status, text, headers = self.request(
            EVENTS, headers={"Authorization": "Bearer " + ADMIN_TOKEN})
        self.assertEqual((status, headers["Content-Type"]),
                         (200, "text/event-stream; charset=utf-8"))
        self.assertTrue(text.startswith("retry: "), text)
        # the browser signed in, then signed out: its cookie no longer works
        self.browser_sign_in_and_out()

    def browser_sign_in_and_out(self):
        self.d.get(self.w.pbx.url + PAGE)
        field = self.d.find_element(By.ID, "token")
        field.send_keys(ADMIN_TOKEN + Keys.ENTER)
        self.wait("the live view", lambda: self.d.find_element(By.ID, "app").is_displayed())
        cookie = self.d.get_cookie(COOKIE)["value"]
        self.assertEqual(self.request(VIEW, headers={"Cookie": COOKIE + "=" + cookie})[0], 200)
        self.d.find_element(By.CSS_SELECTOR, "#signout button").click()
        self.wait("the sign-in form again", lambda: self.d.find_element(By.ID, "token")
                  .is_displayed())
        self.assertEqual(self.request(VIEW, headers={"Cookie": COOKIE + "=" + cookie})[0], 401)


if __name__ == "__main__":
    unittest.main()
