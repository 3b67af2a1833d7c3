# SPDX-License-Identifier: BSD-3-Clause
"""The Unity reporter's output for known outcomes (label qemu-user, cross builds):
tests/qemu/unity_selftest.cpp run under the emulator with --reporters=unity, and
tests/qemu/unity.py's verdict on it.

Environment: UNITY_SELFTEST (the binary), UNITY_EMULATOR (the emulator's command line,
space-separated; may be empty).
"""

import os
import re
import shlex
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import unity  # noqa: E402


class UnityReporter(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        emu = shlex.split(os.environ.get("UNITY_EMULATOR", ""))
        p = subprocess.run(emu + [os.environ["UNITY_SELFTEST"], "--reporters=unity",
                                  "--no-colors=true"], capture_output=True, text=True, timeout=120)
        cls.rc, cls.out = p.returncode, p.stdout
        cls.lines = [l for l in cls.out.splitlines() if l]

    def line(self, name):
        hits = [l for l in self.lines if re.match(r"^[^:]+:\d+:%s:" % name, l)]
        self.assertEqual(len(hits), 1, "one line for %s in:\n%s" % (name, self.out))
        return hits[0]

    def test_pass_fail_ignore_lines(self):
        self.assertTrue(self.line("passes_a_plain_check").endswith(":PASS"))
        self.assertTrue(self.line("passes_should_fail_that_fails").endswith(":PASS"))
        l = self.line("fails_values_are_shown")
        self.assertRegex(l, r"unity_selftest\.cpp:\d+:fails_values_are_shown:FAIL: "
                            r"CHECK\( got == 4 \) values: 3 == 4 \(and 1 more\)$")
        self.assertRegex(self.line("fails_FAIL_CHECK_text"),
                         r":FAIL: the display said \| \"Wrong PIN\"$")
        self.assertRegex(self.line("fails_throws"), r":FAIL: threw: boom second line$")
        self.assertTrue(self.line("skipped_not_today").endswith(":IGNORE"))

    def test_summary_and_verdict(self):
        i = self.lines.index("-----------------------")
        self.assertEqual(self.lines[i + 1:], ["6 Tests 3 Failures 1 Ignored", "FAIL"])
        self.assertNotEqual(self.rc, 0)

    def test_the_host_parser_fails_it(self):
        r = unity.check(self.out)
        self.assertEqual((len(r.passed), len(r.failed), len(r.ignored)), (2, 3, 1))
        self.assertEqual(r.summary, (6, 3, 1))
        self.assertEqual(r.verdict, "FAIL")
        self.assertFalse(r.ok)

    def test_the_host_parser_on_cut_short_output(self):
        cut = self.out[:self.out.index("-----")]
        self.assertIn("no Unity summary line (crashed or cut short?)", unity.check(cut).problems)
        only_pass = "\n".join(l for l in self.lines if l.endswith(":PASS"))
        self.assertFalse(unity.check(only_pass).ok)
        good = only_pass + "\n\n-----------------------\n2 Tests 0 Failures 0 Ignored\nOK\n"
        self.assertTrue(unity.check(good).ok, unity.check(good).problems)
        lying = good.replace("2 Tests", "3 Tests")
        self.assertFalse(unity.check(lying).ok)


if __name__ == "__main__":
    unittest.main(verbosity=2)
