# SPDX-License-Identifier: BSD-3-Clause
# FindMbedTLS: Mbed TLS for hotdesk's status endpoint.
#
#   list(APPEND CMAKE_MODULE_PATH ${PROJECT_SOURCE_DIR}/cmake)
#   find_package(MbedTLS 2.28 REQUIRED)
#   target_link_libraries(x PRIVATE MbedTLS::mbedtls)
#
# Imported targets: MbedTLS::mbedcrypto, MbedTLS::mbedx509 (needs mbedcrypto)
# and MbedTLS::mbedtls (needs both); the same names as the CMake package that
# Mbed TLS 3 installs. Variables: MbedTLS_FOUND, MbedTLS_VERSION,
# MBEDTLS_INCLUDE_DIR, MBEDTLS_LIBRARY, MBEDX509_LIBRARY, MBEDCRYPTO_LIBRARY.
#
# Mbed TLS 2.28 (Debian bookworm's libmbedtls-dev) ships neither a pkg-config
# file nor a CMake package, so the headers and libraries are looked up with
# find_path/find_library. These honour CMAKE_SYSROOT, CMAKE_FIND_ROOT_PATH and
# CMAKE_LIBRARY_ARCHITECTURE, so the cross toolchains in toolchains/ (and a
# Buildroot or Yocto toolchain file) find the target's copy in their sysroot,
# never the build machine's. A Mbed TLS that does install its CMake package
# (3.x) is taken as it is.

find_package(MbedTLS CONFIG QUIET)
if(MbedTLS_FOUND AND TARGET MbedTLS::mbedtls)
  include(FindPackageHandleStandardArgs)
  find_package_handle_standard_args(MbedTLS CONFIG_MODE)
  return()
endif()

find_path(MBEDTLS_INCLUDE_DIR mbedtls/ssl.h)
find_library(MBEDTLS_LIBRARY mbedtls)
find_library(MBEDX509_LIBRARY mbedx509)
find_library(MBEDCRYPTO_LIBRARY mbedcrypto)
mark_as_advanced(MBEDTLS_INCLUDE_DIR MBEDTLS_LIBRARY MBEDX509_LIBRARY MBEDCRYPTO_LIBRARY)

# 2.x: mbedtls/version.h; 3.x: mbedtls/build_info.h.
unset(MbedTLS_VERSION)
foreach(_h version.h build_info.h)
  if(MBEDTLS_INCLUDE_DIR AND EXISTS "${MBEDTLS_INCLUDE_DIR}/mbedtls/${_h}" AND NOT MbedTLS_VERSION)
    file(STRINGS "${MBEDTLS_INCLUDE_DIR}/mbedtls/${_h}" _line
      REGEX "^#define[ \t]+MBEDTLS_VERSION_STRING[ \t]+\"[0-9.]+\"")
    if(_line MATCHES "\"([0-9.]+)\"")
      set(MbedTLS_VERSION "${CMAKE_MATCH_1}")
    endif()
  endif()
endforeach()
unset(_h)
unset(_line)

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(MbedTLS
  REQUIRED_VARS MBEDTLS_LIBRARY MBEDX509_LIBRARY MBEDCRYPTO_LIBRARY MBEDTLS_INCLUDE_DIR
  VERSION_VAR MbedTLS_VERSION)

if(MbedTLS_FOUND AND NOT TARGET MbedTLS::mbedtls)
  set(_needs_mbedcrypto "")
  set(_needs_mbedx509 MbedTLS::mbedcrypto)
  set(_needs_mbedtls MbedTLS::mbedx509)
  foreach(_lib mbedcrypto mbedx509 mbedtls)
    string(TOUPPER ${_lib} _var)
    add_library(MbedTLS::${_lib} UNKNOWN IMPORTED)
    set_target_properties(MbedTLS::${_lib} PROPERTIES
      IMPORTED_LOCATION "${${_var}_LIBRARY}"
      INTERFACE_INCLUDE_DIRECTORIES "${MBEDTLS_INCLUDE_DIR}"
      INTERFACE_LINK_LIBRARIES "${_needs_${_lib}}")
  endforeach()
  unset(_lib)
  unset(_var)
  unset(_needs_mbedcrypto)
  unset(_needs_mbedx509)
  unset(_needs_mbedtls)
endif()
