# `cmake --install BUILD [--prefix P]` (and the Debian package, cmake/Packaging.cmake) installs:
#   bin/compnn, bin/compnn-full           the command line tool; compnn runs compnn-full from
#                                         beside itself (apps/compnn/CMakeLists.txt)
#   lib/python3.X/dist-packages/compnn    the Python package, for Debian's /usr/bin/python3
#                                         (python/CMakeLists.txt, COMPNN_PYTHON_INSTALL_DIR)
#   share/compnn/models                   the shipped models (builds with LibTorch)
#   share/doc/compnn                      README.md and docs/
#   include/compnn/<library>/             the public headers of the libraries built
#   lib/libcompnn_<library>.a             the libraries, and lib/cmake/compnn: the CMake package
#                                         (find_package(compnn), targets compnn::<library>)
# in two components: `runtime` (the tool, the Python package, models, docs) and `development`
# (headers, libraries, CMake package); `cmake --install` installs both. The explorer page's files
# are compiled into the tool and the Python extension, so nothing is installed for them.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(COMPNN_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/compnn CACHE STRING
    "Where the CMake package (compnnConfig.cmake) is installed, relative to the prefix")

# The libraries, exported as compnn::<name> (the name is also the find_package component), with
# the same compnn::<name> aliases in the build tree.
set(COMPNN_INSTALLED_COMPONENTS)
set(COMPNN_INSTALLED_TARGETS)
foreach(name core store eval data explain pipeline models mpi)
  if(TARGET compnn_${name})
    set_target_properties(compnn_${name} PROPERTIES EXPORT_NAME ${name})
    add_library(compnn::${name} ALIAS compnn_${name})
    list(APPEND COMPNN_INSTALLED_COMPONENTS ${name})
    list(APPEND COMPNN_INSTALLED_TARGETS compnn_${name})
    install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/compnn/${name}
            DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/compnn COMPONENT development)
  endif()
endforeach()
install(TARGETS ${COMPNN_INSTALLED_TARGETS} EXPORT compnnTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT development
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT development
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT development
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
# What the libraries link that has no CMake package: empty here, filled by compnnConfig.cmake.
foreach(name blas xxhash opencv)
  if(TARGET compnn_${name})
    set_target_properties(compnn_${name} PROPERTIES EXPORT_NAME ${name})
    install(TARGETS compnn_${name} EXPORT compnnTargets)
  endif()
endforeach()
install(EXPORT compnnTargets NAMESPACE compnn:: DESTINATION ${COMPNN_INSTALL_CMAKEDIR}
        COMPONENT development)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/compnnConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/compnnConfig.cmake
                              INSTALL_DESTINATION ${COMPNN_INSTALL_CMAKEDIR})
set_property(DIRECTORY ${PROJECT_SOURCE_DIR} APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
             ${PROJECT_SOURCE_DIR}/cmake/compnnConfig.cmake.in)
# 0.x: a minor version may change the interface.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/compnnConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/compnnConfig.cmake ${PROJECT_BINARY_DIR}/compnnConfigVersion.cmake
        DESTINATION ${COMPNN_INSTALL_CMAKEDIR} COMPONENT development)

# The shipped models, for `compnn explain --model PREFIX/share/compnn/models/...`.
if(COMPNN_WITH_TORCH)
  file(GLOB COMPNN_SHIPPED_MODELS ${PROJECT_SOURCE_DIR}/models/*.model
       ${PROJECT_SOURCE_DIR}/models/*.log.jsonl ${PROJECT_SOURCE_DIR}/models/README.md)
  install(FILES ${COMPNN_SHIPPED_MODELS} DESTINATION ${CMAKE_INSTALL_DATADIR}/compnn/models
          COMPONENT runtime)
endif()
if(NOT COMPNN_CORE_ONLY)
  # docs/ beside README.md, as its links expect.
  install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT runtime)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT runtime)
endif()

# tests/install_consumer: installs this build into a temporary prefix and builds a small project
# against it with find_package(compnn). Not under the sanitizers or libFuzzer, whose libraries
# need the instrumented link that the exported targets do not carry.
if(NOT COMPNN_SANITIZE AND NOT COMPNN_FUZZ)
  add_test(NAME install_consumer
           COMMAND bash ${PROJECT_SOURCE_DIR}/tests/install_consumer/run.sh ${PROJECT_BINARY_DIR})
  set_tests_properties(install_consumer PROPERTIES
    ENVIRONMENT "CXX=${CMAKE_CXX_COMPILER};CMAKE_COMMAND=${CMAKE_COMMAND}" TIMEOUT 300)
endif()
