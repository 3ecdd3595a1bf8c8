# System packages, all installed by scripts/install-deps.
find_package(OpenMP REQUIRED)
find_package(GTest REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(faiss REQUIRED)  # the cell index (store/cell_index.h)
find_library(COMPNN_XXHASH_LIBRARY xxhash)
find_path(COMPNN_XXHASH_INCLUDE_DIR xxhash.h)
if(NOT COMPNN_XXHASH_LIBRARY OR NOT COMPNN_XXHASH_INCLUDE_DIR)
  message(FATAL_ERROR "xxhash not found: run scripts/install-deps")
endif()

# The OpenMP build of OpenBLAS: called from inside our own OpenMP regions it runs single-threaded
# instead of starting threads of its own.
set(COMPNN_OPENBLAS_DIR /usr/lib/x86_64-linux-gnu/openblas-openmp)
find_library(COMPNN_OPENBLAS_LIBRARY NAMES openblas PATHS ${COMPNN_OPENBLAS_DIR} NO_DEFAULT_PATH)
find_path(COMPNN_CBLAS_INCLUDE_DIR cblas.h PATHS /usr/include/x86_64-linux-gnu/openblas-openmp
          NO_DEFAULT_PATH)
if(NOT COMPNN_OPENBLAS_LIBRARY OR NOT COMPNN_CBLAS_INCLUDE_DIR)
  message(FATAL_ERROR "OpenMP OpenBLAS not found: run scripts/install-deps")
endif()
# OpenBLAS, xxhash and OpenCV (below) come without CMake packages: each is an INTERFACE target whose
# paths hold in the build tree only. Installed, they are compnn::blas, compnn::xxhash and
# compnn::opencv, which compnnConfig.cmake fills with the libraries it finds on the consumer's machine.
add_library(compnn_blas INTERFACE)
target_link_libraries(compnn_blas INTERFACE $<BUILD_INTERFACE:${COMPNN_OPENBLAS_LIBRARY}>)
target_include_directories(compnn_blas SYSTEM INTERFACE $<BUILD_INTERFACE:${COMPNN_CBLAS_INCLUDE_DIR}>)
add_library(compnn_xxhash INTERFACE)
target_link_libraries(compnn_xxhash INTERFACE $<BUILD_INTERFACE:${COMPNN_XXHASH_LIBRARY}>)

include(GoogleTest)

# MPI (Open MPI from libopenmpi-dev), for compnn-full's ranks: its C interface, through the C++
# wrapper. Not in the core-only build (the core has no MPI), nor under the sanitizers and
# libFuzzer, where Open MPI's own allocations at start-up read as leaks.
set(COMPNN_WITH_MPI OFF)
if(COMPNN_MPI AND NOT COMPNN_SANITIZE AND NOT COMPNN_FUZZ AND NOT COMPNN_CORE_ONLY)
  find_package(MPI COMPONENTS CXX QUIET)
  if(MPI_CXX_FOUND)
    set(COMPNN_WITH_MPI ON)
    find_program(COMPNN_MPIEXEC NAMES mpirun mpiexec)
  else()
    message(STATUS "MPI not found: compnn runs as one process only (run scripts/install-deps)")
  endif()
endif()

# Everything past here serves the datasets, explanations, models and the command line tool.
if(COMPNN_CORE_ONLY)
  return()
endif()
find_package(CLI11 REQUIRED)
# zlib's CRC-32, to check PNG chunks before OpenCV's decoder sees them.
find_package(ZLIB REQUIRED)

# OpenCV's core, imgproc and imgcodecs only. Debian ships OpenCV's CMake config just in
# libopencv-dev, which drags in every module (VTK included), so the three are found directly.
find_path(COMPNN_OPENCV_INCLUDE_DIR opencv2/imgcodecs.hpp PATH_SUFFIXES opencv4)
find_library(COMPNN_OPENCV_CORE opencv_core)
find_library(COMPNN_OPENCV_IMGPROC opencv_imgproc)
find_library(COMPNN_OPENCV_IMGCODECS opencv_imgcodecs)
if(NOT COMPNN_OPENCV_INCLUDE_DIR OR NOT COMPNN_OPENCV_CORE OR NOT COMPNN_OPENCV_IMGPROC
   OR NOT COMPNN_OPENCV_IMGCODECS)
  message(FATAL_ERROR "OpenCV core/imgproc/imgcodecs not found: run scripts/install-deps")
endif()
add_library(compnn_opencv INTERFACE)
target_include_directories(compnn_opencv SYSTEM INTERFACE $<BUILD_INTERFACE:${COMPNN_OPENCV_INCLUDE_DIR}>)
target_link_libraries(compnn_opencv INTERFACE $<BUILD_INTERFACE:${COMPNN_OPENCV_IMGCODECS}>
                      $<BUILD_INTERFACE:${COMPNN_OPENCV_IMGPROC}> $<BUILD_INTERFACE:${COMPNN_OPENCV_CORE}>)

# pybind11 from pybind11-dev, for Debian's own interpreter (which has python3-torch and numpy;
# another python3 may come first on PATH). Not under the sanitizers: the interpreter is not built
# with them.
set(COMPNN_BUILD_PYTHON OFF)
if(COMPNN_PYTHON AND NOT COMPNN_SANITIZE)
  set(PYBIND11_FINDPYTHON ON)
  set(Python_EXECUTABLE /usr/bin/python3 CACHE FILEPATH "The interpreter the Python package is for")
  find_package(pybind11 CONFIG QUIET)
  if(pybind11_FOUND)
    set(COMPNN_BUILD_PYTHON ON)
  else()
    message(STATUS "pybind11 not found: the Python package is not built (run scripts/install-deps)")
  endif()
endif()

# LibTorch (CPU) from libtorch-dev: models only, never the search core.
if(COMPNN_WITH_TORCH)
  find_package(Torch REQUIRED)
endif()
