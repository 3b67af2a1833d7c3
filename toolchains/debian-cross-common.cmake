# SPDX-License-Identifier: BSD-3-Clause
# Shared part of hotdesk's cross toolchain files for Debian's cross compilers
# (g++-arm-linux-gnueabihf, g++-aarch64-linux-gnu) and a sysroot made by
# scripts/sysroot from Debian's own packages. Not used on its own: the
# per-target files set HOTDESK_TRIPLET, HOTDESK_DEB_ARCH, HOTDESK_QEMU_USER and
# CMAKE_SYSTEM_PROCESSOR, then include this file.
#
# The sysroot is, in order: -DHOTDESK_SYSROOT=DIR, the environment variable
# HOTDESK_SYSROOT, or <source>/build/sysroot-<deb arch>.
#
# Nothing here is needed by the project's CMake: a Buildroot or Yocto build
# passes its own toolchain file (CMAKE_SYSROOT, CMAKE_FIND_ROOT_PATH and its
# pkg-config wrapper) and the project finds every library through pkg-config,
# find_library and find_package inside that root.

set(CMAKE_SYSTEM_NAME Linux)

if(NOT HOTDESK_SYSROOT)
  if(DEFINED ENV{HOTDESK_SYSROOT} AND NOT "$ENV{HOTDESK_SYSROOT}" STREQUAL "")
    set(HOTDESK_SYSROOT "$ENV{HOTDESK_SYSROOT}")
  else()
    get_filename_component(HOTDESK_SYSROOT
      "${CMAKE_CURRENT_LIST_DIR}/../build/sysroot-${HOTDESK_DEB_ARCH}" ABSOLUTE)
  endif()
endif()
set(HOTDESK_SYSROOT "${HOTDESK_SYSROOT}" CACHE PATH "Target sysroot (scripts/sysroot)")
if(NOT EXISTS "${HOTDESK_SYSROOT}/usr/include")
  message(FATAL_ERROR "hotdesk: no sysroot at ${HOTDESK_SYSROOT}: run "
    "scripts/sysroot ${HOTDESK_DEB_ARCH} (or set HOTDESK_SYSROOT)")
endif()
# try_compile() projects re-read this file: hand them the same sysroot.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES HOTDESK_SYSROOT)

set(CMAKE_C_COMPILER ${HOTDESK_TRIPLET}-gcc)
set(CMAKE_CXX_COMPILER ${HOTDESK_TRIPLET}-g++)
set(CMAKE_C_COMPILER_TARGET ${HOTDESK_TRIPLET})
set(CMAKE_CXX_COMPILER_TARGET ${HOTDESK_TRIPLET})
set(CMAKE_LIBRARY_ARCHITECTURE ${HOTDESK_TRIPLET})

set(CMAKE_SYSROOT "${HOTDESK_SYSROOT}")
set(CMAKE_FIND_ROOT_PATH "${HOTDESK_SYSROOT}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)   # build tools run on the host
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# Debian's cross g++ searches its own /usr/<triplet>/include (kernel headers of
# linux-libc-dev-<arch>-cross, 6.1.4 in bookworm) before the sysroot's: put the
# sysroot's kernel headers first (scripts/sysroot makes the directory of links).
if(EXISTS "${HOTDESK_SYSROOT}/.hotdesk/kernel-include")
  set(CMAKE_C_STANDARD_INCLUDE_DIRECTORIES "${HOTDESK_SYSROOT}/.hotdesk/kernel-include")
  set(CMAKE_CXX_STANDARD_INCLUDE_DIRECTORIES "${HOTDESK_SYSROOT}/.hotdesk/kernel-include")
endif()

# pkg-config: the target's .pc files only, paths rewritten into the sysroot.
# (CMake's FindPkgConfig runs the host pkg-config with this environment.)
set(ENV{PKG_CONFIG_SYSROOT_DIR} "${HOTDESK_SYSROOT}")
set(ENV{PKG_CONFIG_LIBDIR}
  "${HOTDESK_SYSROOT}/usr/lib/${HOTDESK_TRIPLET}/pkgconfig:${HOTDESK_SYSROOT}/usr/lib/pkgconfig:${HOTDESK_SYSROOT}/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")

# Per-target compile flags (the target file's HOTDESK_EXTRA_COMPILE_FLAGS).
# _INIT: they seed the cache at the first configure (use --fresh after a change).
set(CMAKE_C_FLAGS_INIT "${HOTDESK_EXTRA_COMPILE_FLAGS}")
set(CMAKE_CXX_FLAGS_INIT "${HOTDESK_EXTRA_COMPILE_FLAGS}")

# Libraries that the linked libraries need (libcurl -> gnutls, krb5, ...) are
# found in the sysroot's multiarch directories, not the host's. (set, not
# append: CMake reads a toolchain file more than once per configure.)
set(_hotdesk_link
  "-Wl,-rpath-link,${HOTDESK_SYSROOT}/lib/${HOTDESK_TRIPLET} -Wl,-rpath-link,${HOTDESK_SYSROOT}/usr/lib/${HOTDESK_TRIPLET} ${HOTDESK_EXTRA_LINK_FLAGS}")
set(CMAKE_EXE_LINKER_FLAGS_INIT "${_hotdesk_link}")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "${_hotdesk_link}")
set(CMAKE_MODULE_LINKER_FLAGS_INIT "${_hotdesk_link}")

# Target programs (tests, doctest's discovery at build time) run under
# qemu-user with the sysroot's dynamic loader and libraries. binfmt_misc is not
# relied on.
find_program(HOTDESK_QEMU_USER_PROGRAM NAMES ${HOTDESK_QEMU_USER} ${HOTDESK_QEMU_USER_FALLBACK})
if(HOTDESK_QEMU_USER_PROGRAM)
  set(CMAKE_CROSSCOMPILING_EMULATOR "${HOTDESK_QEMU_USER_PROGRAM};-L;${HOTDESK_SYSROOT}")
else()
  message(WARNING "hotdesk: ${HOTDESK_QEMU_USER} not found (apt-get install "
    "qemu-user-static): target programs cannot run at build or test time")
endif()
