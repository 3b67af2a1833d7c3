# SPDX-License-Identifier: BSD-3-Clause
# 32-bit ARM hard-float (Debian armhf: ARMv7-A, VFPv3-D16, Thumb-2) with
# Debian's g++-arm-linux-gnueabihf and a sysroot from scripts/sysroot armhf.
#   cmake --preset armhf        (or -DCMAKE_TOOLCHAIN_FILE=toolchains/arm-linux-gnueabihf.cmake)
# See docs/cross-and-qemu.md.
set(CMAKE_SYSTEM_PROCESSOR arm)
set(HOTDESK_TRIPLET arm-linux-gnueabihf)
set(HOTDESK_DEB_ARCH armhf)
set(HOTDESK_QEMU_USER qemu-arm-static)
set(HOTDESK_QEMU_USER_FALLBACK qemu-arm)
set(HOTDESK_EXTRA_LINK_FLAGS "")
# 64-bit off_t/ino_t (as Buildroot builds every 32-bit target). Without it
# readdir() of a 32-bit program fails with EOVERFLOW on ext4 under qemu-user on a
# 64-bit kernel (64-bit directory cookies), and large files break on devices.
# No library hotdesk links has off_t in its API. (Not _TIME_BITS=64: Debian's
# bookworm armhf libraries use a 32-bit time_t.)
set(HOTDESK_EXTRA_COMPILE_FLAGS "-D_FILE_OFFSET_BITS=64")
include(${CMAKE_CURRENT_LIST_DIR}/debian-cross-common.cmake)
