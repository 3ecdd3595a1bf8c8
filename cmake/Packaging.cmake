# Debian packages from CPack: `cpack -G DEB` in a build folder (scripts/test-deb) writes
#   compnn_VERSION_ARCH.deb      the `runtime` component: /usr/bin/compnn and compnn-full, the
#                                Python package for /usr/bin/python3, the shipped models, docs;
#                                depends on the shared libraries its programs load
#                                (dpkg-shlibdeps), python3 and python3-numpy
#   compnn-dev_VERSION_ARCH.deb  the `development` component: headers, static libraries and the
#                                CMake package; depends on the -dev packages compnn::core needs
# (a core-only build writes compnn-dev alone). Install with `apt-get install ./compnn_*.deb`.
# The libraries are built for the build machine's processor unless COMPNN_NATIVE is OFF.
set(CPACK_PACKAGE_NAME compnn)
set(CPACK_PACKAGE_VENDOR compnn)
set(CPACK_PACKAGE_CONTACT "compnn developers <compnn@localhost>" CACHE STRING
    "The Debian packages' Maintainer field")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "Explain pixel-level CNNs by compositional nearest neighbours (hyperpatch search)")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_GENERATOR DEB)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)

if(COMPNN_CORE_ONLY)
  set(CPACK_COMPONENTS_ALL development)
else()
  set(CPACK_COMPONENTS_ALL runtime development)
endif()

# The runtime package: compnn.
set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME compnn)
set(CPACK_COMPONENT_RUNTIME_DESCRIPTION
    "The compnn command line tool (compnn, compnn-full), its Python package and the shipped models.")
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SHLIBDEPS ON)
# dpkg-shlibdeps names libopenblas0, which any of OpenBLAS's builds provides; the programs load
# the OpenMP build's (their run path), as the search core needs.
set(COMPNN_DEB_RUNTIME_DEPENDS libopenblas0-openmp)
set(COMPNN_DEB_RUNTIME_SUGGESTS)
if(COMPNN_BUILD_PYTHON)
  # The extension is built for this Python version alone.
  math(EXPR COMPNN_PYTHON_NEXT_MINOR "${Python_VERSION_MINOR} + 1")
  list(APPEND COMPNN_DEB_RUNTIME_DEPENDS
       "python3 (>= ${Python_VERSION_MAJOR}.${Python_VERSION_MINOR})"
       "python3 (<< ${Python_VERSION_MAJOR}.${COMPNN_PYTHON_NEXT_MINOR})" python3-numpy
       python3-tqdm)
  # compnn.torch; tables as DataFrames and rendered in notebooks
  list(APPEND COMPNN_DEB_RUNTIME_SUGGESTS python3-torch python3-pandas python3-markdown)
  # Debian's python3 writes __pycache__ beside the modules when root imports them; dpkg does not
  # know those files, so prerm removes them with the package.
  if(IS_ABSOLUTE "${COMPNN_PYTHON_INSTALL_DIR}")
    set(COMPNN_DEB_PYTHON_DIR ${COMPNN_PYTHON_INSTALL_DIR}/compnn)
  else()
    set(COMPNN_DEB_PYTHON_DIR ${CPACK_PACKAGING_INSTALL_PREFIX}/${COMPNN_PYTHON_INSTALL_DIR}/compnn)
  endif()
  file(MAKE_DIRECTORY ${PROJECT_BINARY_DIR}/debian)
  file(CONFIGURE OUTPUT ${PROJECT_BINARY_DIR}/debian/prerm CONTENT [[#!/bin/sh
set -e
# compnn's Python package: the byte-code Python wrote beside it, which dpkg does not know.
rm -rf "@COMPNN_DEB_PYTHON_DIR@/__pycache__"
]] @ONLY)
  file(CHMOD ${PROJECT_BINARY_DIR}/debian/prerm PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE
       GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
  set(CPACK_DEBIAN_RUNTIME_PACKAGE_CONTROL_EXTRA ${PROJECT_BINARY_DIR}/debian/prerm)
endif()
if(COMPNN_WITH_MPI)
  list(APPEND COMPNN_DEB_RUNTIME_SUGGESTS openmpi-bin)  # mpirun
endif()
list(JOIN COMPNN_DEB_RUNTIME_DEPENDS ", " CPACK_DEBIAN_RUNTIME_PACKAGE_DEPENDS)
list(JOIN COMPNN_DEB_RUNTIME_SUGGESTS ", " CPACK_DEBIAN_RUNTIME_PACKAGE_SUGGESTS)

# The development package: compnn-dev. compnn::core and compnn::store need its Depends; the other
# libraries the Recommends of this build (compnnConfig.cmake looks for them when asked).
set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_NAME compnn-dev)
set(CPACK_COMPONENT_DEVELOPMENT_DESCRIPTION
    "compnn's C++ libraries (static), public headers and CMake package: find_package(compnn), compnn::core.")
set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_SHLIBDEPS OFF)
set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_DEPENDS
    "libopenblas-openmp-dev, nlohmann-json3-dev, libxxhash-dev, libfaiss-dev")
set(COMPNN_DEB_DEV_RECOMMENDS)
if(NOT COMPNN_CORE_ONLY)
  list(APPEND COMPNN_DEB_DEV_RECOMMENDS libopencv-core-dev libopencv-imgproc-dev
       libopencv-imgcodecs-dev zlib1g-dev)
endif()
if(COMPNN_WITH_TORCH)
  list(APPEND COMPNN_DEB_DEV_RECOMMENDS libtorch-dev)
endif()
if(COMPNN_WITH_MPI)
  list(APPEND COMPNN_DEB_DEV_RECOMMENDS libopenmpi-dev)
endif()
list(JOIN COMPNN_DEB_DEV_RECOMMENDS ", " CPACK_DEBIAN_DEVELOPMENT_PACKAGE_RECOMMENDS)
set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_SUGGESTS cmake)

include(CPack)
