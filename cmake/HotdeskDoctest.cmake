# SPDX-License-Identifier: BSD-3-Clause
# doctest for hotdesk's unit tests, found only inside the build's roots
# (CMAKE_FIND_ROOT_PATH / CMAKE_SYSROOT when cross compiling), so that a
# Buildroot or Yocto toolchain file works as well as toolchains/*.cmake:
#
#  1. doctest's CMake package (Debian's doctest-dev, vcpkg, Yocto's doctest):
#     doctest::doctest, and every TEST_CASE becomes a ctest test through
#     doctest_discover_tests() (which runs the binary at build time, through
#     CMAKE_CROSSCOMPILING_EMULATOR when cross compiling);
#  2. otherwise the header alone (a sysroot with doctest/doctest.h but no CMake
#     files, e.g. copied in by a Buildroot post-build step): an imported
#     doctest::doctest, and each test binary is one ctest test.
#
#   include(${PROJECT_SOURCE_DIR}/cmake/HotdeskDoctest.cmake)
#   hotdesk_doctest_add(unit_tests LABELS unit)
#
# Cross builds add the label qemu-user to every test registered here (they run
# under the emulator). Include it in every directory that uses doctest (find_package
# results are per directory); including it twice is harmless.

find_package(doctest CONFIG QUIET)
if(doctest_FOUND)
  include(doctest) # doctest_discover_tests(), from doctest's package directory
  set(HOTDESK_DOCTEST_DISCOVERY ON)
else()
  find_path(HOTDESK_DOCTEST_INCLUDE_DIR doctest/doctest.h)
  if(NOT HOTDESK_DOCTEST_INCLUDE_DIR)
    message(FATAL_ERROR "hotdesk: doctest not found in the build's roots "
      "(${CMAKE_FIND_ROOT_PATH}${CMAKE_SYSROOT}): install doctest-dev, put "
      "doctest/doctest.h into the sysroot, or configure with -DHOTDESK_TESTS=OFF")
  endif()
  if(NOT TARGET doctest::doctest)
    add_library(doctest::doctest INTERFACE IMPORTED GLOBAL)
    set_target_properties(doctest::doctest PROPERTIES
      INTERFACE_INCLUDE_DIRECTORIES "${HOTDESK_DOCTEST_INCLUDE_DIR}")
    message(STATUS "hotdesk: doctest header only (${HOTDESK_DOCTEST_INCLUDE_DIR}): "
      "one ctest test per test binary")
  endif()
  set(HOTDESK_DOCTEST_DISCOVERY OFF)
endif()

# hotdesk_doctest_add(<target> [PREFIX <test name prefix>] [LABELS <label>...])
function(hotdesk_doctest_add target)
  cmake_parse_arguments(ARG "" "PREFIX" "LABELS" ${ARGN})
  set(labels ${ARG_LABELS})
  set(env "")
  if(CMAKE_CROSSCOMPILING)
    list(APPEND labels qemu-user)
    # Under instruction emulation wall-clock deadlines sized for a real CPU
    # cannot be met (status_support.h: running_emulated()).
    set(env "HOTDESK_EMULATED=1")
  endif()
  if(HOTDESK_DOCTEST_DISCOVERY)
    doctest_discover_tests(${target} TEST_PREFIX "${ARG_PREFIX}" ADD_LABELS 1
      PROPERTIES LABELS "${labels}" ENVIRONMENT "${env}")
  else()
    add_test(NAME ${ARG_PREFIX}${target} COMMAND ${target} --no-colors=true)
    set_tests_properties(${ARG_PREFIX}${target} PROPERTIES LABELS "${labels}"
      ENVIRONMENT "${env}")
  endif()
endfunction()
