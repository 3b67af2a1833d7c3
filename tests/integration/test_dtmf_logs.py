# SPDX-License-Identifier: BSD-3-Clause
"""Digits typed in a call never reach a log (docs/reliability.md, "Digits typed in a call").

baresip 1.0.0 logs every DTMF digit it sends ("audio: send DTMF digit: '4'") and receives
("received event: '4' (end=0)") at info level, to its stdout and through syslog.so to
syslog. Two plain baresips in a direct call on 127.0.0.1, each with syslog.so loaded and its
syslog lines captured (tests/integration/syslog_capture.cpp), type 4711# one RFC 4733 event
at a time: as Debian ships baresip (the control: the lines exist, and this test sees them in
both places) and as the phone starts it (harness.BARESIP_QUIET_ARGS: none of them, every
digit still received, warnings still logged). Then: every launcher starts baresip so. The
whole PBX login flow with the PIN typed into the IVR is test_pbx_flow's
IvrLoginTest.test_the_pin_typed_into_the_ivr_is_in_no_log.
"""

import os
import re
import shlex
import shutil
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

from harness import (BARESIP_QUIET_ARGS, REPO_DIR, SYSLOG_SHIM, TESTS_DIR, Baresip,  # noqa: E402
                     BaresipCtrl, dtmf_lines, free_port, wait_until)

DIGITS = "4711#"


class BaresipDigitLogTest(unittest.TestCase):

    def setUp(self):
        self.assertTrue(SYSLOG_SHIM and os.path.exists(SYSLOG_SHIM),
                        "HOTDESK_SYSLOG_SHIM (the syslog capture library) is not set: run "
                        "through ctest, which builds it")
        self.dir = tempfile.mkdtemp(prefix="hotdesk-dtmf-")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def call_with_digits(self, name, quiet):
        """A calls B, types DIGITS; both get a warning (an unknown ctrl_tcp command). Returns
        ({"A"/"B": (stdout text, syslog text)}, the digits B received, A's uastat answer)."""
        ports = {who: free_port(span=2) for who in "AB"}
        lines = {"A": "<sip:a@127.0.0.1:%d>;regint=0" % ports["A"],
                 "B": "<sip:b@127.0.0.1:%d>;regint=0;answermode=auto" % ports["B"]}
        b = {who: Baresip(os.path.join(self.dir, name), who, ports[who], free_port(),
                          [lines[who]], extra_modules=(), quiet=quiet, syslog=True)
             for who in "AB"}
        ctrl = {}
        try:
            for who in "AB":
                b[who].start()
                ctrl[who] = BaresipCtrl(b[who].ctrl_port)
            ctrl["A"].ok("dial", "sip:b@127.0.0.1:%d" % ports["B"])
            ctrl["A"].wait_event("CALL_ESTABLISHED", 5)
            ctrl["B"].wait_event("CALL_ESTABLISHED", 5)
            for d in DIGITS:
                ctrl["A"].ok("sndcode", d)
                ctrl["B"].wait_event("CALL_DTMF_END", 5)  # one digit at a time
            got = "".join(e.get("param", "") for e in ctrl["B"].events()
                          if e.get("type") == "CALL_DTMF_START")
            for who in "AB":  # baresip warns (ctrl_tcp: error processing command)
                self.assertFalse(ctrl[who].command("hotdesk_no_such_command")["ok"])
            uastat = ctrl["A"].command("uastat")
            ctrl["A"].ok("hangup")
            ctrl["B"].wait_event("CALL_CLOSED", 5)
        finally:
            for c in ctrl.values():
                c.close()
            for p in b.values():
                p.stop()
        texts = {}
        for who in "AB":
            with open(b[who].syslog_log, errors="replace") as f:
                texts[who] = (b[who].log(), f.read())
        return texts, got, uastat

    def test_as_shipped_baresip_logs_each_digit_as_the_phone_runs_it_none(self):
        texts, got, _ = self.call_with_digits("shipped", quiet=False)
        self.assertEqual(got, DIGITS)
        for who, form in (("A", "audio: send DTMF digit: '%s'"),
                          ("B", "received event: '%s' (end=0)")):
            for place, text in zip(("stdout", "syslog"), texts[who]):
                with self.subTest(who=who, place=place):
                    for d in DIGITS:
                        self.assertIn(form % d, text)
                    self.assertEqual(len(dtmf_lines(text)), 2 * len(DIGITS))  # start, end

        texts, got, uastat = self.call_with_digits("quiet", quiet=True)
        self.assertEqual(got, DIGITS)  # every digit went through
        for who in "AB":
            stdout, syslog = texts[who]
            with self.subTest(who=who):
                self.assertIn("Log level 'WARNING'", stdout)
                self.assertIn("baresip is ready", syslog)  # the capture works
                for text in (stdout, syslog):
                    self.assertEqual(dtmf_lines(text), [])
                    self.assertIsNone(re.search(r"'[0-9#*]'", text))
                    # warnings and errors still reach both
                    self.assertIn("ctrl_tcp: error processing command", text)
        # debug_cmd, loaded for `loglevel`, is gone again: its uastat prints passwords
        self.assertFalse(uastat["ok"])
        self.assertIn("command not found", uastat["data"])


class LaunchersTest(unittest.TestCase):
    """Every place that starts baresip for hotdesk starts it with BARESIP_QUIET_ARGS."""

    def read(self, *path):
        with open(os.path.join(REPO_DIR, *path)) as f:
            return f.read()

    def test_the_phone_packagings_and_the_ivr_start_baresip_quietly(self):
        unit = self.read("packaging", "systemd", "hotdesk-baresip.service.in")
        exec_start = [l for l in unit.splitlines() if l.startswith("ExecStart=")]
        self.assertEqual(len(exec_start), 1)
        argv = shlex.split(exec_start[0][len("ExecStart="):])
        self.assertEqual(argv[:3], ["/usr/bin/baresip", "-f", "%S/hotdesk/baresip"])
        self.assertEqual(tuple(argv[3:]), BARESIP_QUIET_ARGS)

        init = self.read("packaging", "busybox", "S50hotdesk.in")
        script = re.findall(r"-c '([^']*exec \"\$0\" -f[^']*)'", init)
        self.assertEqual(len(script), 1, "S50hotdesk starts baresip in one place")
        argv = shlex.split(script[0])
        at = argv.index("-f") + 2
        end = next(i for i, a in enumerate(argv) if a.startswith(("<", ">", "2>")))
        self.assertEqual(tuple(argv[at:end]), BARESIP_QUIET_ARGS)

        sys.path.insert(0, os.path.join(TESTS_DIR, "pbx"))
        import ivr
        self.assertEqual(tuple(ivr.BARESIP_QUIET_ARGS), BARESIP_QUIET_ARGS)

        # the emulated phone's image carries debug_cmd.so for it
        image = self.read("scripts", "qemu-image")
        modules = re.search(r"BARESIP_MODULES = \[([^\]]*)\]", image).group(1)
        self.assertIn('"debug_cmd.so"', modules)
        self.assertIn("module\t\t\tsyslog.so",
                      self.read("packaging", "qemu-virt", "rootfs", "etc", "hotdesk",
                                "baresip", "config"))


if __name__ == "__main__":
    unittest.main()
