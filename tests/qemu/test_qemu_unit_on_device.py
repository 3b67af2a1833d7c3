# SPDX-License-Identifier: BSD-3-Clause
"""The unit test binaries inside the emulated phone (label qemu-system).

Boots scripts/qemu-image's image with `hotdesk.unittest=1` on the kernel command
line: /etc/init.d/rcS runs every binary in /usr/libexec/hotdesk/tests with
`--reporters=unity` (tests/unit/unity_reporter.cpp) and powers off. The host reads
the serial console and fails on any FAIL line, a missing or inconsistent summary,
or a binary that printed nothing: on devices the exit code is often lost, the
Unity text is what counts.

Environment: HOTDESK_QEMU_ARCH (armhf | arm64), HOTDESK_QEMU_IMAGE (default
build/qemu-<arch>), HOTDESK_QEMU_KEEP (keep the work directory).
"""

import json
import os
import shutil
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import phone as qp  # noqa: E402
import unity  # noqa: E402

ARCH = os.environ.get("HOTDESK_QEMU_ARCH", "")
IMAGE = os.environ.get("HOTDESK_QEMU_IMAGE") or os.path.join(qp.REPO_DIR, "build", "qemu-" + ARCH)


@unittest.skipUnless(ARCH in qp.MACHINES, "HOTDESK_QEMU_ARCH must be armhf or arm64")
class UnitTestsOnDevice(unittest.TestCase):

    def test_unity_output_on_the_serial_console(self):
        with open(os.path.join(IMAGE, "manifest.json")) as mf:
            manifest = json.load(mf)
        self.assertTrue(manifest["tests"], "the image has no unit test binary with the Unity "
                        "reporter (tests/unit/unity_reporter.cpp)")
        work = tempfile.mkdtemp(prefix="hotdesk-qemu-unity-%s-" % ARCH)
        p = qp.QemuPhone(ARCH, work, IMAGE, append="hotdesk.unittest=1")
        t0 = time.monotonic()
        p.start()
        try:
            p.wait_console(r"HOTDESK-UNITY-DONE rc=\d+", 600)
            rc = p.wait_exit(30)
        finally:
            p.stop()
        text = p.console()
        results = unity.check_blocks(text, expected=manifest["tests"])
        summary = ", ".join("%s: %d passed, %d failed, %d ignored" % (
            n, len(r.passed), len(r.failed), len(r.ignored)) for n, r in sorted(results.items()))
        print("\non-device unit tests (%s, %.1f s): %s" % (ARCH, time.monotonic() - t0, summary))
        problems = ["%s: %s" % (n, pr) for n, r in sorted(results.items()) for pr in r.problems]
        if problems:
            print("--- console (tail) ---\n" + text[-4000:], file=sys.stderr)
        else:
            self.assertEqual(rc, 0, "QEMU did not exit cleanly after poweroff")
        if os.environ.get("HOTDESK_QEMU_KEEP"):
            print("work directory kept: " + work)
        else:
            shutil.rmtree(work, ignore_errors=True)
        self.assertEqual(problems, [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
