# SPDX-License-Identifier: BSD-3-Clause
"""hotdesk configures with a toolchain file that is not ours (label cross).

A vendor's Buildroot or Yocto build passes its own toolchain file: a sysroot,
CMAKE_FIND_ROOT_PATH and a pkg-config wrapper (tests/qemu/generic-toolchain.cmake,
written the way theirs are). Configuring against scripts/sysroot's sysroot must find
libre, libcurl, tinyxml2, mbedTLS and doctest inside it, and nothing of the host's.

Environment: HOTDESK_QEMU_ARCH (armhf | arm64), HOTDESK_SYSROOT, HOTDESK_SOURCE.
"""

import os
import shutil
import subprocess
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.environ.get("HOTDESK_SOURCE") or os.path.dirname(os.path.dirname(HERE))
ARCH = os.environ.get("HOTDESK_QEMU_ARCH", "")
TARGETS = {"armhf": ("arm-linux-gnueabihf", "arm"), "arm64": ("aarch64-linux-gnu", "aarch64")}


@unittest.skipUnless(ARCH in TARGETS, "HOTDESK_QEMU_ARCH must be armhf or arm64")
class GenericToolchain(unittest.TestCase):

    def test_every_dependency_comes_from_the_sysroot(self):
        triplet, processor = TARGETS[ARCH]
        sysroot = os.environ.get("HOTDESK_SYSROOT") or os.path.join(SOURCE, "build",
                                                                      "sysroot-" + ARCH)
        work = tempfile.mkdtemp(prefix="hotdesk-generic-tc-")
        self.addCleanup(shutil.rmtree, work, True)
        wrapper = os.path.join(work, "pkg-config")
        with open(wrapper, "w") as f:  # what Buildroot's host/bin/pkg-config does
            f.write("#!/bin/sh\nPKG_CONFIG_SYSROOT_DIR='%s' PKG_CONFIG_LIBDIR='%s' "
                    "exec pkg-config \"$@\"\n" % (sysroot, ":".join(
                        os.path.join(sysroot, d) for d in (
                            "usr/lib/%s/pkgconfig" % triplet, "usr/lib/pkgconfig",
                            "usr/share/pkgconfig"))))
        os.chmod(wrapper, 0o755)
        env = dict(os.environ, GENERIC_SYSROOT=sysroot, GENERIC_TRIPLET=triplet,
                   GENERIC_PROCESSOR=processor, GENERIC_PKG_CONFIG=wrapper)
        for k in ("PKG_CONFIG_PATH", "PKG_CONFIG_LIBDIR", "PKG_CONFIG_SYSROOT_DIR"):
            env.pop(k, None)
        build = os.path.join(work, "build")
        r = subprocess.run(["cmake", "-S", SOURCE, "-B", build, "-G", "Ninja",
                            "-DCMAKE_TOOLCHAIN_FILE=" + os.path.join(HERE, "generic-toolchain.cmake"),
                            "-DHOTDESK_TESTS=ON"], env=env, capture_output=True, text=True,
                           timeout=300)
        self.assertEqual(r.returncode, 0, r.stdout[-3000:] + r.stderr[-3000:])
        cache = open(os.path.join(build, "CMakeCache.txt")).read()
        found = {}
        for line in cache.splitlines():
            for key in ("pkgcfg_lib_LIBRE_re", "pkgcfg_lib_LIBCURL_curl",
                        "pkgcfg_lib_TINYXML2_tinyxml2", "MBEDTLS_LIBRARY", "MBEDX509_LIBRARY",
                        "MBEDCRYPTO_LIBRARY", "MBEDTLS_INCLUDE_DIR", "doctest_DIR"):
                if line.startswith(key + ":"):
                    found[key] = line.split("=", 1)[1]
        self.assertEqual(len(found), 8, "not all dependencies in the cache: %r" % found)
        for key, path in found.items():
            self.assertTrue(path.startswith(sysroot + "/"), "%s=%s is not in the sysroot"
                            % (key, path))
        with open(os.path.join(build, "build.ninja")) as f:
            ninja = f.read()
        for host_dir in ("/usr/lib/x86_64-linux-gnu", "/usr/include/x86_64-linux-gnu"):
            self.assertNotIn(host_dir, ninja, "a host path leaked into the build")


if __name__ == "__main__":
    unittest.main(verbosity=2)
