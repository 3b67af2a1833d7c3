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
include(${CMAKE_CURRENT_LIST_DIR}/debian-cross-common.cmake)
