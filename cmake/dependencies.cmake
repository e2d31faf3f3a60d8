# Third-party dependencies: Debian packages only (scripts/bootstrap.sh installs them).
find_package(Threads REQUIRED)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(CLI11 REQUIRED)
find_package(ZLIB REQUIRED)
find_package(HDF5 REQUIRED COMPONENTS C)
find_package(PkgConfig REQUIRED)
pkg_check_modules(CAIRO REQUIRED IMPORTED_TARGET cairo)

# Random123 (counter-based RNGs) is header-only and ships no CMake config.
find_path(RANDOM123_INCLUDE_DIR Random123/philox.h REQUIRED)
add_library(edgeq_random123 INTERFACE)
target_include_directories(edgeq_random123 SYSTEM INTERFACE ${RANDOM123_INCLUDE_DIR})

add_library(edgeq_hdf5 INTERFACE)
target_include_directories(edgeq_hdf5 SYSTEM INTERFACE ${HDF5_INCLUDE_DIRS})
target_link_libraries(edgeq_hdf5 INTERFACE ${HDF5_C_LIBRARIES})
target_compile_definitions(edgeq_hdf5 INTERFACE ${HDF5_DEFINITIONS})

if(EDGEQ_WITH_ONEDNN)
  # Debian's dnnl-config.cmake insists on OpenCL (GPU runtime); the CPU library and header suffice here.
  find_library(DNNL_LIBRARY dnnl REQUIRED)
  find_path(DNNL_INCLUDE_DIR oneapi/dnnl/dnnl.hpp REQUIRED)
  add_library(edgeq_dnnl INTERFACE)
  target_include_directories(edgeq_dnnl SYSTEM INTERFACE ${DNNL_INCLUDE_DIR})
  target_link_libraries(edgeq_dnnl INTERFACE ${DNNL_LIBRARY})
  find_package(OpenMP REQUIRED)
endif()

if(EDGEQ_WITH_TORCH)
  # Debian's libtorch-dev (CPU); a CUDA-enabled LibTorch is picked up instead with -DCMAKE_PREFIX_PATH.
  find_package(Torch REQUIRED)
  message(STATUS "edgeq: LibTorch ${Torch_VERSION} from ${Torch_DIR}")
endif()

if(EDGEQ_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(EDGEQ_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
