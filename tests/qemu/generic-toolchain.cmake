# SPDX-License-Identifier: BSD-3-Clause
# A toolchain file the way Buildroot's (output/host/share/buildroot/toolchainfile.cmake)
# or Yocto's (OEToolchainConfig.cmake) are written: a sysroot, CMAKE_FIND_ROOT_PATH
# and a pkg-config wrapper -- nothing of toolchains/*.cmake. test_generic_toolchain.py
# configures hotdesk with it to prove that the project finds every dependency inside
# the target's root. Environment: GENERIC_SYSROOT, GENERIC_TRIPLET, GENERIC_PKG_CONFIG.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR "$ENV{GENERIC_PROCESSOR}")
set(CMAKE_SYSROOT "$ENV{GENERIC_SYSROOT}")
set(CMAKE_FIND_ROOT_PATH "$ENV{GENERIC_SYSROOT}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(CMAKE_C_COMPILER "$ENV{GENERIC_TRIPLET}-gcc")
set(CMAKE_CXX_COMPILER "$ENV{GENERIC_TRIPLET}-g++")
set(PKG_CONFIG_EXECUTABLE "$ENV{GENERIC_PKG_CONFIG}")
