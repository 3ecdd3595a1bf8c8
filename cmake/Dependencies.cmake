# System packages, all installed by scripts/install-deps.
find_package(OpenMP REQUIRED)
find_package(GTest REQUIRED)
find_package(CLI11 REQUIRED)
find_package(nlohmann_json REQUIRED)

# The OpenMP build of OpenBLAS: called from inside our own OpenMP regions it runs single-threaded
# instead of starting threads of its own.
set(COMPNN_OPENBLAS_DIR /usr/lib/x86_64-linux-gnu/openblas-openmp)
find_library(COMPNN_OPENBLAS_LIBRARY NAMES openblas PATHS ${COMPNN_OPENBLAS_DIR} NO_DEFAULT_PATH)
find_path(COMPNN_CBLAS_INCLUDE_DIR cblas.h PATHS /usr/include/x86_64-linux-gnu/openblas-openmp
          NO_DEFAULT_PATH)
if(NOT COMPNN_OPENBLAS_LIBRARY OR NOT COMPNN_CBLAS_INCLUDE_DIR)
  message(FATAL_ERROR "OpenMP OpenBLAS not found: run scripts/install-deps")
endif()
add_library(compnn_blas INTERFACE)
target_link_libraries(compnn_blas INTERFACE ${COMPNN_OPENBLAS_LIBRARY})
target_include_directories(compnn_blas SYSTEM INTERFACE ${COMPNN_CBLAS_INCLUDE_DIR})

include(GoogleTest)
