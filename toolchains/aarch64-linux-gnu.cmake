# SPDX-License-Identifier: BSD-3-Clause
# 64-bit ARM (Debian arm64) with Debian's g++-aarch64-linux-gnu and a sysroot
# from scripts/sysroot arm64.
#   cmake --preset arm64        (or -DCMAKE_TOOLCHAIN_FILE=toolchains/aarch64-linux-gnu.cmake)
# See docs/cross-and-qemu.md.
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(HOTDESK_TRIPLET aarch64-linux-gnu)
set(HOTDESK_DEB_ARCH arm64)
set(HOTDESK_QEMU_USER qemu-aarch64-static)
set(HOTDESK_QEMU_USER_FALLBACK qemu-aarch64)
# Desk-phone SoCs run 4 KiB-page kernels (so does Debian's linux-image-arm64).
# GNU ld's aarch64 default of 64 KiB pads each segment: 68 KB instead of ~15 KB
# for a small program. Drop this for a 16/64 KiB-page kernel.
set(HOTDESK_EXTRA_LINK_FLAGS "-Wl,-z,max-page-size=4096")
set(HOTDESK_EXTRA_COMPILE_FLAGS "")
include(${CMAKE_CURRENT_LIST_DIR}/debian-cross-common.cmake)
