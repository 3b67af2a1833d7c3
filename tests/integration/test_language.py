# SPDX-License-Identifier: BSD-3-Clause
"""The display speaks the occupant's language (issue 17), on real parts: kamailio, the
phone (hotdeskd driving baresip), the answering point (baresip registered as 112) and
tests/pbx serving the device profile (<language>de</language>) and the person's profile.

A pool phone with a German device profile is German at idle, in the PIN prompt and in an
emergency call; Alice, whose profile says English, logs in and reads English (an emergency
call too); her logout turns the phone German again. A person with a language that has no
catalog gets the device's, with a log line. A board whose display takes only ASCII gets
the German transliterated by glibc's iconv.

    HOTDESKD=build/host/hotdeskd python3 -m unittest -v test_language   (in this dir)
"""

import os
import re
import shutil
import tempfile
import unittest

from harness import wait_until
from world import SOURCE, USERS, World, WorldTestCase


def pin(ext):
    return USERS[ext][1]


class LanguageCase(WorldTestCase):
    prefix = "hotdesk-language-"
    world_opts = {"device_profile": {"language": "de"}}

    def setUp(self):
        super().setUp()
        self.w.pbx_hook("/test/user", {"ext": "100", "fields": {"language": "en"}})
        self.w.pbx_hook("/test/user", {"ext": "101", "fields": {"language": "fr"}})

    def tearDown(self):
        if self.w.procs:
            bugs = [l for l in self.w.hotdeskd.log().splitlines() if "BUG" in l]
            self.assertEqual(bugs, [], "hotdeskd logged bugs")
        super().tearDown()

    def log_lines(self, text):
        return [l for l in self.w.hotdeskd.log().splitlines() if text in l]

    def emergency_call(self, connected, ended):
        """112 answered by the answering point, then ended by it: the call screen's
        words in the display's language."""
        psap = self.w.psap_ctrl
        n = len(self.w.frames())
        psap.clear_events()
        self.w.keys("112")
        cid = psap.wait_event("CALL_INCOMING", 5)["id"]
        psap.ok("accept")
        psap.wait_event("CALL_ESTABLISHED", 5, lambda e: e["id"] == cid)
        self.w.wait_screen("112 | " + connected)
        psap.ok("hangup")
        self.w.wait_frame("112 | " + ended, since=n)
        return n

    def test_german_pool_english_person_german_again(self):
        w = self.w
        # idle: the device profile's German
        w.wait_screen("HD0001 | Nur Notrufe", 10)
        # an emergency call on the pool: German words
        n = self.emergency_call("Verbunden", "Anruf beendet")
        w.wait_frame("Notruf 112", since=n)
        w.wait_screen("HD0001 | Nur Notrufe")
        # the login prompts: German
        w.keys("*77*100*")
        w.wait_screen("HD0001 | PIN für 100: ")
        w.keys("12")
        w.wait_screen("HD0001 | PIN für 100: **")
        w.keys("{cancel}")
        w.wait_screen("HD0001 | Nur Notrufe")
        # Alice's profile says English: English from the moment she is logged in
        n = len(w.frames())
        w.keys("*77*100*")
        w.wait_screen("PIN für 100")
        w.keys(pin("100") + "#")
        wait_until(lambda: w.registered_as("100"), 5, "100 registered")
        w.wait_frame("100 Alice Example | Welcome Alice Example", since=n)
        w.wait_screen("100 Alice Example | Ready")
        self.assertFalse([f for f in w.frames()[n:] if "Willkommen" in f or "Bereit" in f],
                         "German after the login")
        n = self.emergency_call("Connected", "Call ended")
        w.wait_frame("Emergency call 112", since=n)
        w.wait_screen("100 Alice Example | Ready")
        # the logout key: German again, from the logout message on
        n = len(w.frames())
        w.keys("{blf1}")
        w.wait_frame("HD0001 | Abgemeldet", since=n)
        wait_until(lambda: w.registered_as("HD0001"), 5, "back to the pool")
        w.wait_screen("HD0001 | Nur Notrufe")
        self.assertFalse([f for f in w.frames()[n:] if "Logged out" in f],
                         "English after the logout")
        self.assertEqual([l.split("display language: ")[1] for l in
                          self.log_lines("display language: ")], ["de", "en", "de"])

    def test_language_without_a_catalog_falls_back_to_the_device(self):
        w = self.w
        w.wait_screen("HD0001 | Nur Notrufe", 10)
        w.keys("*77*101*")
        w.wait_screen("PIN für 101")
        w.keys(pin("101") + "#")
        wait_until(lambda: w.registered_as("101"), 5, "101 registered")
        w.wait_frame("101 Bob Builder | Willkommen Bob Builder")
        w.wait_screen("101 Bob Builder | Bereit")
        self.assertEqual(len(self.log_lines(
            "display language: no catalog for the person's language 'fr': the device's (de)")),
            1, self.w.hotdeskd.log()[-3000:])


class AsciiDisplayCase(unittest.TestCase):
    """A board whose display takes only ASCII (display_charset ascii): glibc's iconv
    transliterates, under the LC_CTYPE locale hotdeskd logs (the image's locales decide
    between "fuer" and "fur", platform/i18n/transliterate.h)."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="hotdesk-language-ascii-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        board = os.path.join(self.dir, "board-ascii")
        shutil.copytree(os.path.join(SOURCE, "boards", "host"), board)
        with open(os.path.join(board, "board.conf"), "a") as f:
            f.write("display_charset ascii\n")
        self.w = World(self.dir, device_profile={"language": "de"}, board=board)
        self.addCleanup(self.w.stop)
        self.w.start()

    def test_umlauts_transliterated(self):
        w = self.w
        w.wait_screen("HD0001 | Nur Notrufe", 10)
        w.keys("*77*100*")
        # "für": ue under de_DE.UTF-8, u under C.UTF-8, ? under C (transliterate.h)
        m = wait_until(lambda: re.search(r"transliteration for 'de' under (\S+)",
                                         w.hotdeskd.log()), 5, "the transliteration log line")
        want = {"de_DE.UTF-8": "fuer", "C.UTF-8": "fur", "C": "f?r"}[m.group(1)]
        w.wait_screen("HD0001 | PIN %s 100:" % want)
        for frame in w.frames():
            self.assertTrue(all(ord(c) < 128 for c in frame), frame)


if __name__ == "__main__":
    unittest.main(verbosity=2)
