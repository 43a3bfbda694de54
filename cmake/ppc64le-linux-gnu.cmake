# Toolchain: cross-compile pmux for 64-bit little-endian POWER (ppc64el) with
# Debian's gcc-powerpc64le-linux-gnu, for the emulated POWER guest of the lab
# (docs/lab.md).  The ppc64el libraries pmux links (libpfm.a, libcap.a,
# libexpat.a) live in a sysroot that tests/lab/sysroot.sh downloads and unpacks
# into the lab cache; this file runs that script when the sysroot is missing.
#
#   cmake --preset ppc64le-static && cmake --build --preset ppc64le-static
#
# Cache folder: PMUX_LAB_CACHE in the environment (default /var/cache/pmux-lab),
# or -DPMUX_PPC64LE_SYSROOT=DIR for a sysroot prepared some other way.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR ppc64le)
set(CMAKE_LIBRARY_ARCHITECTURE powerpc64le-linux-gnu)
set(CMAKE_C_COMPILER powerpc64le-linux-gnu-gcc)

get_filename_component(_pmux_src "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
if(NOT PMUX_PPC64LE_SYSROOT)
  execute_process(COMMAND bash ${_pmux_src}/tests/lab/sysroot.sh --print
    OUTPUT_VARIABLE PMUX_PPC64LE_SYSROOT OUTPUT_STRIP_TRAILING_WHITESPACE)
endif()
# try_compile projects re-read this file; they must see the same sysroot.
set(PMUX_PPC64LE_SYSROOT "${PMUX_PPC64LE_SYSROOT}" CACHE PATH
  "ppc64el sysroot with libpfm.a, libcap.a, libexpat.a (tests/lab/sysroot.sh)")
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES PMUX_PPC64LE_SYSROOT)

if(NOT EXISTS "${PMUX_PPC64LE_SYSROOT}/usr/lib/powerpc64le-linux-gnu/libelf.a")
  message(STATUS "Preparing the ppc64el sysroot: tests/lab/sysroot.sh")
  execute_process(COMMAND bash ${_pmux_src}/tests/lab/sysroot.sh
    RESULT_VARIABLE _pmux_rc OUTPUT_QUIET)
  if(NOT _pmux_rc EQUAL 0)
    message(FATAL_ERROR "tests/lab/sysroot.sh failed (exit ${_pmux_rc}); "
      "run it as root, or pass -DPMUX_PPC64LE_SYSROOT=DIR")
  endif()
endif()

# Libraries and headers: the sysroot first, then the cross C library; programs
# (pkg-config, bash) from the host.
set(CMAKE_FIND_ROOT_PATH "${PMUX_PPC64LE_SYSROOT}" /usr/powerpc64le-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
# pkg-config (FindEXPAT asks it for hints) must describe ppc64el, not the host.
set(ENV{PKG_CONFIG_LIBDIR} "${PMUX_PPC64LE_SYSROOT}/usr/lib/powerpc64le-linux-gnu/pkgconfig")
set(ENV{PKG_CONFIG_SYSROOT_DIR} "${PMUX_PPC64LE_SYSROOT}")
